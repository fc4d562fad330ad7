"""Answers about the backends: what is installed, what runs a given call, settings."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

from . import selection
from .dispatch import get_plan
from .errors import BackendError, InvalidArgumentError, TrnfftError
from .plan_cache import plan_cache
from .problem import FFTProblem
from .registry import REGISTRY, contain
from .transforms import check_norm, normalize_axes

# function name -> (kind, forward, halved last axis)
FUNCTIONS = {
    "fft": ("c2c", True), "ifft": ("c2c", False), "fft2": ("c2c", True),
    "ifft2": ("c2c", False), "fftn": ("c2c", True), "ifftn": ("c2c", False),
    "rfft": ("r2c", True), "rfft2": ("r2c", True), "rfftn": ("r2c", True),
    "irfft": ("c2r", False), "irfft2": ("c2r", False), "irfftn": ("c2r", False),
}


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
    d["kinds"], d["precisions"] = sorted(d["kinds"]), sorted(d["precisions"])
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


def which(function: str = "fft", shape: Sequence[int] = (1024,), dtype: Any = "complex64", *,
          axes: Sequence[int] | None = None, norm: str | None = None,
          backend: selection.BackendSpec = None) -> Which:
    """Which backend ``trnfft.<function>`` on an array of ``shape``/``dtype`` would use here."""
    if function not in FUNCTIONS:
        raise InvalidArgumentError(f"unknown function {function!r}; one of {sorted(FUNCTIONS)}")
    kind, forward = FUNCTIONS[function]
    dt = np.dtype(dtype)
    precision = "single" if dt in (np.float32, np.complex64) else "double"
    shape = tuple(int(d) for d in shape)
    if axes is None and function[-1] not in "2n":
        axes = (-1,)
    elif axes is None and function.endswith("2"):
        axes = (-2, -1)
    ax, _ = normalize_axes(len(shape), None, axes, unique=True)
    lengths = tuple(shape[a] for a in ax)
    in_shape = list(shape)
    if kind == "c2r":
        in_shape[ax[-1]] = lengths[-1] // 2 + 1
    problem = FFTProblem(kind, tuple(in_shape), ax, lengths, forward, check_norm(norm), precision)
    sel = selection.resolve(backend)
    plan = get_plan(problem, backend)
    return Which(getattr(plan, "backend", sel.names[0]), sel.source, problem,
                 len(getattr(plan, "passes", (plan,))))


def configure_backend(name: str, **options: Any) -> None:
    """Pass settings to one backend (e.g. planner effort) and drop its cached plans."""
    rec = REGISTRY.get(selection.ALIASES.get(name, name))
    if rec.backend is None or not hasattr(rec.backend, "configure"):
        raise BackendError(f"backend {name!r} has no settings to configure")
    rec.backend.configure(**options)
    plan_cache.clear()
