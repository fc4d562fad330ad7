"""Repeated calls skip argument normalisation.

A call whose input needed no cast, padding or conjugation maps straight to its
problem key. At N=1024 validating axes, norm, dtype and lengths costs more
than the FFT itself, so the first call with a given signature (everything the
key is derived from: input type, dtype and shape, transform, axes, norm,
workers and ``TRNFFT_WORKERS``) records its key and later calls reuse it.
Only signatures the full path has already validated are ever recorded.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import arrays
from ..core import dispatch
from ..core.env import raw_reader
from ..core.problem import ProblemKey

WORKERS_ENV = "TRNFFT_WORKERS"
LIMIT = 4096  # signatures kept; the memo is emptied when it fills up

_keys: dict[tuple, ProblemKey] = {}
_workers_env = raw_reader(WORKERS_ENV)


def attempt(x: Any, tensors: bool, kind: str, forward: bool, axes: Any, norm: Any,
            workers: Any, backend: Any) -> tuple[tuple | None, Any]:
    """(signature, result): the result is None unless this signature was seen before.

    The signature is None when the call cannot be memoised (not a plain array
    or tensor, or unhashable arguments such as axes given as a list).
    """
    t = type(x)
    if t is not np.ndarray and not (tensors and t is arrays.tensor_type()):
        return None, None
    sig = (t, tensors, x.dtype, x.shape, kind, forward, axes, norm, workers, _workers_env())
    try:
        key = _keys.get(sig)
    except TypeError:
        return None, None
    return sig, (None if key is None else _run(x, key, backend))


def remember(sig: tuple, key: ProblemKey) -> None:
    """Record that calls with ``sig`` compute problem ``key`` on the input as given."""
    if len(_keys) >= LIMIT:
        _keys.clear()
    _keys[sig] = key


def _run(x: Any, key: ProblemKey, backend: Any) -> Any:
    """Run problem ``key`` on ``x``; None when a tensor needs the general (autograd) path."""
    if type(x) is not np.ndarray and x.requires_grad:
        return None
    return dispatch.run(x, key, backend)
