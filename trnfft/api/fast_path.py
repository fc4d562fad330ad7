"""Repeated calls skip argument normalisation.

A call whose input needed no cast, padding or conjugation maps straight to its
problem key. At N=1024 validating axes, norm, dtype and lengths costs more
than the FFT itself, so the first call with a given signature (everything the
key is derived from: input type, dtype and shape, transform, axes, norm,
workers and ``TRNFFT_WORKERS``, and the ``backend=`` given) records a runner
for its key (``dispatch.runner``: the plan, its checks and the tensor
conversion bound once) and later calls go straight to it.
Only signatures the full path has already validated are ever recorded.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import arrays
from ..core import dispatch
from ..core.env import raw_reader
from ..core.problem import ProblemKey

WORKERS_ENV = "TRNFFT_WORKERS"
LIMIT = 4096  # signatures kept; the memo is emptied when it fills up

UNTRIED = object()  # ``transform``'s default: its caller did not try the fast path
_tensor: type | None = None
_runners: dict[tuple, Callable[[Any, np.ndarray], Any]] = {}
_workers_env = raw_reader(WORKERS_ENV)
# int and NumPy's integer scalars (not np.bool_): every API takes them alike, as integers
_INTEGERS = frozenset({int} | {np.dtype(c).type for c in np.typecodes["AllInteger"]})


def attempt(x: Any, tensors: bool, kind: str, forward: bool, axes: Any, norm: Any,
            workers: Any, backend: Any) -> tuple[tuple | None, Any]:
    """(signature, result): the result is None unless this signature was seen before.

    The signature is None when the call cannot be memoised (not a plain array
    or tensor, axes or workers not integers (int or NumPy's), or unhashable arguments such as
    axes given as a list). A tensor
    is seen through its NumPy view, which the signature is read from (cheaper
    than the tensor's own shape and dtype) and the plan is handed; a tensor
    with no view (one requiring grad, with a conjugate or negative bit, on
    another device, or of a dtype NumPy lacks) takes the general path.
    """
    t = type(x)
    if t is np.ndarray:
        xp = x
    elif tensors and t is (_tensor or _tensor_type()):
        try:
            xp = x.numpy()
        except (RuntimeError, TypeError):
            return None, None
    else:
        return None, None
    # only integer axes and workers: the memo compares by equality, and 1.0, True and 1+0j equal 1
    if workers is not None and type(workers) not in _INTEGERS:
        return None, None
    if type(axes) is tuple:
        for a in axes:
            if type(a) not in _INTEGERS:
                return None, None
    elif axes is not None and type(axes) not in _INTEGERS:
        return None, None
    sig = (t, tensors, xp.dtype, xp.shape, kind, forward, axes, norm, workers, _workers_env(), backend)
    try:
        run = _runners.get(sig)
    except TypeError:
        return None, None
    return sig, (None if run is None else run(x, xp))


def _tensor_type() -> type | None:
    """torch.Tensor once torch is imported (then kept: the class never changes)."""
    global _tensor
    _tensor = arrays.tensor_type()
    return _tensor


def first(x: Any, tensors: bool, kind: str, forward: bool, s: Any, axes: Any, norm: Any, out: Any,
          workers: Any, backend: Any, hermitian: bool, split: Any) -> tuple[tuple | None, Any]:
    """``attempt`` for a call that may take the fast path (no ``s``, ``out=``, Hermitian or split parts;
    ``split=False`` is the default's meaning, a falsy 0 is not: check_split refuses it)."""
    if (split is not None and split is not False) or s is not None or out is not None or hermitian:
        return None, None
    return attempt(x, tensors, kind, forward, axes, norm, workers, backend)


def remember(sig: tuple, key: ProblemKey) -> None:
    """Record that calls with ``sig`` compute problem ``key`` on the input as given."""
    if sig in _runners:
        return
    if len(_runners) >= LIMIT:
        _runners.clear()
    _runners[sig] = dispatch.runner(key, sig[-1], sig[0] is not np.ndarray)
