"""Where an array lives: the kinds of array a plan can take, and the one conversion point.

An array kind is a short string:

* ``numpy``            a NumPy array in host memory (every plan takes it);
* ``torch:<device>``   a torch tensor on that device type: ``torch:cpu``,
  ``torch:cuda``, ``torch:meta``, ``torch:xla``, ``torch:neuron``, ...
* ``split:<kind>``     a (real, imag) pair of real arrays of that kind
  (``split:numpy``, ``split:torch:xla``): a backend declaring it has plans
  with ``execute_split(xr, xi) -> (yr, yi)``.

A backend declares the kinds its plans take in ``Capabilities.arrays``
(patterns: an exact kind, or a prefix ending in ``*`` such as ``torch:*``).
The core hands a plan the caller's array as it is when the backend takes its
kind; otherwise it converts here, and only here, to a NumPy host array and
the result back to the caller's kind and device:

* ``view``: a CPU tensor is seen as a NumPy array without a copy (a copy only
  when it carries a lazy conjugate/negative bit), the result likewise;
* ``copy``: a tensor on another device is copied to the host and its result
  copied back to that device;
* a ``meta`` tensor holds no data, so it cannot be converted: only a plan
  that takes ``torch:meta`` can run it.

torch is never imported here: a tensor can only arrive if torch is loaded.
"""
from __future__ import annotations

import sys
from typing import Any, Iterable, NamedTuple

import numpy as np

from .errors import UnsupportedProblemError

NUMPY = "numpy"  # the host kind: every plan takes NumPy arrays
TORCH_PREFIX = "torch:"
SPLIT_PREFIX = "split:"
TORCH_CPU = TORCH_PREFIX + "cpu"
HOST_KINDS = frozenset({NUMPY})  # what a backend takes when it declares nothing else


def kind_of(x: Any) -> str:
    """The array kind of ``x`` (a NumPy array or a torch tensor)."""
    if type(x) is np.ndarray:
        return NUMPY
    return TORCH_CPU if x.is_cpu else TORCH_PREFIX + x.device.type  # is_cpu: a tenth of .device's cost


def takes(patterns: Iterable[str], kind: str) -> bool:
    """Whether a backend declaring ``patterns`` takes arrays of ``kind`` as they are."""
    return any(p == kind or (p.endswith("*") and kind.startswith(p[:-1])) for p in patterns)


class Conversion(NamedTuple):
    """How a call reaches its plan: ``how`` is "none", "view" or "copy"."""

    how: str
    into: Any = None   # caller's array -> the plan's NumPy array (None: as it is)
    back: Any = None   # (plan's result, caller's array) -> the caller's kind and device

    def describe(self, kind: str) -> str:
        return CONVERSION_TEXT[self.how].format(kind=kind, base=kind.removeprefix(SPLIT_PREFIX))


CONVERSION_TEXT = {
    "none": "none: the plan takes {kind} arrays as they are",
    "view": "view: the {kind} tensor is handed over as a NumPy array without a copy, and the "
            "result back the same way",
    "copy": "copy: the {kind} tensor is copied to a NumPy array on the host, and the result "
            "copied back to its device",
    "split-none": "none: the plan takes {kind} pairs as they are (no interleaving)",
    "split-view": "view: each part of the {kind} pair is handed over as a NumPy array without a copy "
                  "(no interleaving)",
    "split-copy": "copy: each part of the {kind} pair is copied to the host and back (no interleaving)",
    "split-interleave": "interleave: the {kind} pair becomes one complex array where it lives, and the "
                        "result is split into views of its parts",
    "split-interleave-host": "interleave: the {kind} pair becomes one complex array, handed over as "
                             "{base} arrays are, and the result is split into views of its parts",
}
AS_IS = Conversion("none")


def conversion_for(kind: str, plan_takes: Iterable[str]) -> Conversion:
    """The conversion a call with a ``kind`` array pays to reach a plan taking ``plan_takes``."""
    if kind.startswith(SPLIT_PREFIX):
        how = split_route(kind, plan_takes)
        if how in ("view", "copy"):
            return Conversion("split-" + how, tensor_to_host, host_to_cpu_tensor if how == "view" else host_to_tensor)
        return Conversion("split-" + how)
    if takes(plan_takes, kind):
        return AS_IS
    if kind == TORCH_CPU:
        return Conversion("view", tensor_to_host, host_to_cpu_tensor)
    return Conversion("copy", tensor_to_host, host_to_tensor)


def host_viewable(kind: str) -> bool:
    """Whether arrays of ``kind`` (split pairs too) reach a NumPy plan without a copy."""
    return kind.removeprefix(SPLIT_PREFIX) in (NUMPY, TORCH_CPU)


def split_route(kind: str, plan_takes: Iterable[str]) -> str:
    """How a split pair of ``kind`` (``split:<base>``) reaches a plan taking ``plan_takes``.

    "none": the plan's ``execute_split`` takes the pair as it is; "interleave":
    the pair becomes one complex array of the base kind, which the plan takes
    as it is (say torch.fft on the tensors' own device); "view"/"copy": each
    part goes to the host for a plan taking ``split:numpy``; "interleave-host":
    a plan that takes no pairs at all gets one complex array, converted like
    any other of the base kind.
    """
    base = kind[len(SPLIT_PREFIX):]
    if takes(plan_takes, kind):
        return "none"
    if base != NUMPY and takes(plan_takes, base):
        return "interleave"
    if takes(plan_takes, SPLIT_PREFIX + NUMPY):
        return "view" if host_viewable(base) else "copy"
    return "interleave-host"


def interleave(re: Any, im: Any | None) -> Any:
    """One complex array (or tensor) from split parts; the real part alone when ``im`` is None."""
    if im is None:
        return re
    if type(re) is not np.ndarray:
        return sys.modules["torch"].complex(re, im)
    y = np.empty(re.shape, np.result_type(re.dtype, np.complex64))
    y.real, y.imag = re, im
    return y


def deinterleave(y: Any) -> tuple[Any, Any | None]:
    """The parts of a complex result (views); a real result and None."""
    if type(y) is np.ndarray:
        return (y.real, y.imag) if y.dtype.kind == "c" else (y, None)
    return (y.real, y.imag) if y.is_complex() else (y, None)


def no_data_error(backend: str, problem: str, takers: list[str]) -> UnsupportedProblemError:
    """The error for a meta tensor bound for a backend that would need its (absent) values."""
    fix = (f"select one that does: {', '.join(takers)}" if takers else
           "no available backend takes them (`trnfft info` lists each backend's array kinds)")
    return UnsupportedProblemError(
        f"a meta tensor holds no data, and backend {backend!r}, which plans {problem}, takes no "
        f"torch:meta tensors; {fix}")


def tensor_to_host(t: Any) -> np.ndarray:
    """A NumPy array of a tensor's values: a view of a plain CPU tensor, else a copy."""
    try:
        return t.numpy()  # a plain CPU tensor: a view
    except (RuntimeError, TypeError):  # requires grad, conj/neg bit, or another device
        return t.detach().resolve_conj().resolve_neg().cpu().numpy()


def host_to_cpu_tensor(y: np.ndarray, like: Any) -> Any:
    """A CPU tensor sharing ``y``'s memory. ``like`` (the caller's CPU tensor) is not needed here:
    it is there because every ``Conversion.back`` is called as ``back(result, input)``."""
    return sys.modules["torch"].from_numpy(y)


def host_to_tensor(y: np.ndarray, like: Any) -> Any:
    """A tensor holding ``y`` on ``like``'s device (sharing ``y``'s memory on the CPU)."""
    t = sys.modules["torch"].from_numpy(y)
    return t if like.device.type == "cpu" else t.to(like.device)


def host_copy(t: Any) -> np.ndarray:
    """A NumPy copy of a tensor's values (for comparisons off the hot path)."""
    return t.detach().resolve_conj().resolve_neg().cpu().numpy().copy()


def result_dtype(kind: str, dtype: np.dtype) -> Any:
    """``dtype`` as the library of ``kind`` spells it (a torch dtype for tensor kinds)."""
    if kind == NUMPY:
        return dtype
    return getattr(sys.modules["torch"], dtype.name)


def empty_like_kind(shape: tuple[int, ...], dtype: np.dtype, like: Any) -> Any:
    """An empty result of ``shape``/``dtype`` in ``like``'s kind and on its device."""
    if type(like) is np.ndarray:
        return np.empty(shape, dtype)
    torch = sys.modules["torch"]
    return torch.empty(shape, dtype=getattr(torch, dtype.name), device=like.device)
