"""Answers about the backends: what is installed, what runs a given call, settings."""
from __future__ import annotations

import inspect
import operator
from dataclasses import asdict, dataclass, replace
from typing import Any, Sequence

import numpy as np

from ..core import autoplan, selection
from ..core.choices import Choice
from ..core.array_kinds import NUMPY, SPLIT_PREFIX, TORCH_PREFIX, conversion_for, host_viewable
from ..core.dispatch import entry_for
from .arrays import numpy_precision, torch_precision
from ..core.errors import (BackendError, InvalidArgumentError, InvalidArgumentTypeError, InvalidDtypeError,
                           TrnfftError)
from ..core.hookspecs import Declined
from ..core.planning import plan_on
from ..core.plan_cache import plan_cache
from ..core.problem import FFTProblem, make_problem
from ..core.registry import REGISTRY, contain
from .arguments import SWAP_NORM, check_norm, check_workers, normalize_axes, require_real
from .functions import FUNCTIONS

def backends_info() -> list[dict[str, Any]]:
    """Every registered backend (and every plugin that failed), as plain dicts."""
    rows = []
    for name, rec in sorted(REGISTRY.records().items()):
        avail = rec.availability()
        caps = rec.capabilities()
        backend = rec.backend
        extra = {}
        if backend is not None and hasattr(backend, "details"):
            try:
                extra = dict(backend.details())
            except BaseException as exc:
                contain(exc)
                extra = {"details_error": repr(exc)}
        rows.append({
            "name": name, "plugin": rec.plugin, "available": avail.available,
            "reason": avail.reason, "fix": avail.fix,
            "version": _text(backend, "version"),
            "description": _text(backend, "description") or rec.error,
            "capabilities": _caps_dict(caps) if caps else None, "details": extra,
        })
    return rows


def _text(backend: Any, attribute: str) -> str:
    """A backend's version or description, as text even when the plugin misbehaves."""
    try:
        return str(getattr(backend, attribute, "") or "")
    except BaseException as exc:
        contain(exc)
        return f"<{attribute} raised {type(exc).__name__}>"


def _caps_dict(caps: Any) -> dict[str, Any]:
    d = asdict(caps)
    d["kinds"], d["precisions"], d["arrays"] = sorted(d["kinds"]), sorted(d["precisions"]), sorted(d["arrays"])
    return d


def auto_choice() -> str:
    """The backend 'auto' resolves to here, or the reason there is none."""
    try:
        return selection.resolve_names(("auto",)).names[0]
    except TrnfftError as exc:
        return f"none ({exc})"


@dataclass(frozen=True)
class Which:
    """What a call would run on: the backend, why that one, and the exact problem."""

    backend: str
    source: str
    problem: FFTProblem
    passes: int
    skipped: tuple[str, ...] = ()  # listed entries passed over, each with the reason
    array: str = NUMPY             # the caller's array kind (see ``trnfft/core/array_kinds.py``)
    conversion: str = ""           # what reaching the plan costs: none, a view, or a copy each way
    candidates: tuple[str, ...] = ()  # "auto"'s planner chose among these
    choice: Choice | None = None      # ... by this decision (timings or estimates, when)


def which(function: str = "fft", shape: Sequence[int] = (1024,), dtype: Any = None, *,
          axes: Sequence[int] | None = None, norm: str | None = None,
          backend: selection.BackendSpec = None, array: str = NUMPY,
          workers: int | None = None) -> Which:
    """Which backend ``trnfft.<function>`` on an array of ``shape``/``dtype`` would use here.

    ``dtype`` defaults to float32 for the real-input functions (rfft, ihfft, ...),
    complex64 for the others. ``array`` is where the input lives: ``numpy`` (a NumPy array) or
    ``torch:<device>`` (a tensor, e.g. ``torch:cpu``, ``torch:cuda``,
    ``torch:meta``), prefixed ``split:`` for a SplitComplex pair of them; the
    answer says which conversion, if any, the call pays. Under "auto" with
    candidates this plans the problem, so it may measure them once (as the first
    such call would); ``choice`` then says what the choice was made from.
    """
    base = array.removeprefix(SPLIT_PREFIX) if isinstance(array, str) else array
    if isinstance(base, str) and base.startswith(TORCH_PREFIX) and len(base) > len(TORCH_PREFIX):
        _check_torch_device(base)  # (torch imported: the dtype is then read as torch reads it)
    problem = _described(function, shape, dtype, axes, norm, array, workers)
    sel = selection.resolve(backend)
    entry = entry_for(problem, backend, array)
    plan = entry.plan
    chosen = getattr(plan, "backend", sel.names[0])
    source = sel.source
    if sel.by_auto and chosen != sel.names[0]:  # plain "auto" went past its pick
        if not host_viewable(array):  # an array needing a host copy
            source += f", which sends {base} arrays to the first backend in its order that takes them as they are"
        elif not sel.candidates:  # (with candidates, its planner chose: ``choice`` says why)
            source += f", whose pick {sel.names[0]} declines this problem: the next in its order took it"
    return Which(chosen, source, problem, len(getattr(plan, "passes", (plan,))),
                 skipped_entries(sel, problem, chosen), array,
                 conversion_for(array, entry.takes).describe(array), sel.candidates,
                 autoplan.recorded(problem, array, sel.candidates) if sel.candidates else None)


def forget_choices(function: str | None = None, shape: Sequence[int] = (1024,), dtype: Any = None, *,
                   axes: Sequence[int] | None = None, array: str = NUMPY, workers: int | None = None) -> int:
    """Forget what auto's planner remembers, so that it measures again: every choice of this
    machine (``function`` None), or the one for ``trnfft.<function>`` on ``array`` input of
    ``shape``/``dtype`` (arguments as ``which`` takes them). Returns how many were forgotten.

    Cached plans are dropped too (``plan_cache.clear()``): the next call of a
    forgotten problem under "auto" decides afresh. A process already running
    keeps the choices it has read.
    """
    if function is None:
        return autoplan.forget()
    problem = _described(function, shape, dtype, axes, None, array, workers)
    return autoplan.forget([autoplan.choice_key(problem, array.removeprefix(SPLIT_PREFIX))])


def _described(function: str, shape: Sequence[int], dtype: Any, axes: Sequence[int] | None,
               norm: str | None, array: str, workers: int | None) -> FFTProblem:
    """The problem ``trnfft.<function>`` solves on such an input, its arguments checked."""
    if not isinstance(array, str):
        raise InvalidArgumentTypeError(f"array must be a string such as {NUMPY!r} or 'torch:cpu', "
                                       f"got {type(array).__name__}")
    base = array.removeprefix(SPLIT_PREFIX)
    if base != NUMPY and not (base.startswith(TORCH_PREFIX) and len(base) > len(TORCH_PREFIX)):
        raise InvalidArgumentError(f"array must be {NUMPY!r} or 'torch:<device>' (e.g. torch:cpu), "
                                   f"optionally prefixed 'split:' for a SplitComplex pair, "
                                   f"got {array!r}")
    if function not in FUNCTIONS:
        raise InvalidArgumentError(f"unknown function {function!r}; one of {sorted(FUNCTIONS)}")
    kind, forward, hermitian, one_dimensional = FUNCTIONS[function]
    if dtype is None:  # single precision, of the kind the function takes
        dtype = "float32" if kind == "r2c" else "complex64"
    if base.startswith(TORCH_PREFIX):  # refused, or computed, as a tensor of that dtype would be
        dt = _torch_dtype(dtype)
        precision, is_complex = torch_precision(dt)
    else:
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise InvalidDtypeError(f"unknown dtype {dtype!r}; e.g. complex64, float64") from None
        precision, is_complex = numpy_precision(dt)
    if kind == "r2c":
        require_real(is_complex, dt)  # as the call itself would refuse it
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (int(shape),)  # one axis, as numpy.fft's n
    try:
        shape = tuple(operator.index(d) for d in shape)
    except TypeError:
        raise InvalidArgumentTypeError(f"shape must be an int or a sequence of ints, got {shape!r}") from None
    if not shape or min(shape) < 1:
        raise InvalidArgumentError(f"shape must be non-empty with every dimension >= 1, got {shape}")
    if axes is None and one_dimensional:
        axes = (-1,)
    elif axes is None and function.endswith("2"):
        axes = (-2, -1)
    ax, _ = normalize_axes(len(shape), None, axes, unique=True)
    norm = check_norm(norm)
    return replace(make_problem(kind, shape, axes=ax, precision=precision,
                                norm=SWAP_NORM[norm] if hermitian else norm, forward=forward),
                   workers=check_workers(workers))


def _torch_dtype(dtype: Any) -> Any:
    """``dtype`` (a torch dtype, its name, or a NumPy dtype) as the torch dtype of such a tensor."""
    import torch
    if isinstance(dtype, torch.dtype):
        return dtype
    found = getattr(torch, str(dtype).removeprefix("torch."), None) if isinstance(dtype, str) else None
    if isinstance(found, torch.dtype):
        return found
    try:
        return torch.from_numpy(np.empty(0, np.dtype(dtype))).dtype
    except (TypeError, ValueError):
        raise InvalidDtypeError(f"unknown dtype {dtype!r} for a tensor; e.g. complex64, float32, "
                                f"torch.float64") from None


def _check_torch_device(base: str) -> None:
    """Import torch, which a question about tensor input needs (trials run on a tensor), and check
    that ``torch:<device>`` names a device torch knows, or one a backend declares it takes."""
    try:
        import torch
    except ImportError as exc:
        raise InvalidArgumentError(f"array='torch:...' needs torch, which cannot be imported ({exc})") from None
    declared = {kind.removeprefix(SPLIT_PREFIX) for rec in REGISTRY.records().values()
                if (caps := rec.capabilities()) is not None for kind in caps.arrays}
    if base in declared:  # e.g. torch:neuron, a device type only the Neuron SDK registers
        return
    device = base[len(TORCH_PREFIX):]
    try:
        torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise InvalidArgumentError(f"array={base!r}: {device!r} is not a torch device ({exc})") from None


def skipped_entries(sel: selection.Selection, problem: FFTProblem | None = None,
                    chosen: str | None = None) -> tuple[str, ...]:
    """Why each listed entry before ``chosen`` was passed over: unavailable, or it declined."""
    out = [f"{entry}: unavailable ({why})" for entry, why in sel.skipped]
    if problem is not None and not sel.candidates:  # a planner's choice says why in its record
        for name in sel.names:
            if name == chosen:
                break
            try:
                plan_on(name, problem)
            except Declined as why:
                out.append(f"{name}: declined ({why})")
    return tuple(out)


def configure_backend(name: str, **options: Any) -> None:
    """Pass settings to one backend (e.g. planner effort) and drop its cached plans."""
    rec = REGISTRY.get(name)
    if rec.backend is None or not hasattr(rec.backend, "configure"):
        raise BackendError(f"backend {name!r} has no settings to configure")
    accepted = _keywords(rec.backend.configure)
    unknown = sorted(set(options) - accepted) if accepted is not None else []
    if unknown:
        raise InvalidArgumentError(f"backend {name!r} has no setting {', '.join(map(repr, unknown))}; "
                                   f"its settings: {', '.join(sorted(accepted or ())) or 'none'}")
    rec.backend.configure(**options)
    plan_cache.clear()


def _keywords(function: Any) -> set[str] | None:
    """The keyword arguments ``function`` takes (None: any, it has ``**kwargs`` or no signature)."""
    try:
        params = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return {p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
