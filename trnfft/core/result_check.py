"""What every plan must return: a new array of the problem's output shape and dtype, of the kind it was given.

A plan given a NumPy array returns a NumPy array; a plan given a torch
tensor (a kind its backend declares) returns a tensor on the same device.
Checked on every call before a result reaches the caller (a type, a tuple
and a dtype comparison, and the device for tensors), so a faulty backend
fails loudly, naming itself, instead of handing over a wrong result.
"""
from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .array_kinds import NUMPY, TORCH_PREFIX
from .errors import BackendResultError
from .problem import FFTProblem


def mismatch(y: Any, shape: tuple[int, ...], dtype: np.dtype, kind: str = NUMPY) -> str | None:
    """What is wrong with ``y`` as a ``kind`` result of ``shape``/``dtype``, or None."""
    if kind == NUMPY:
        if not isinstance(y, np.ndarray):
            return f"returned a {type(y).__name__}, not a numpy.ndarray"
        got_dtype = y.dtype
    else:
        device = kind[len(TORCH_PREFIX):]
        torch = sys.modules.get("torch")
        if torch is None or not isinstance(y, torch.Tensor):
            return f"returned a {type(y).__name__}, not a torch.Tensor for a {kind} input"
        if y.device.type != device:
            return f"returned a tensor on device {y.device.type}, expected {device}"
        got_dtype = str(y.dtype).removeprefix("torch.")
    if tuple(y.shape) != shape:
        return f"returned shape {tuple(y.shape)}, expected {shape}"
    if got_dtype != dtype:
        return f"returned dtype {got_dtype}, expected {dtype}"
    return None


def require_result(y: Any, backend: str, problem: FFTProblem, kind: str = NUMPY,
                   dtype: np.dtype | None = None) -> None:
    """Raise BackendResultError, naming ``backend`` and the problem, unless ``y`` fits.

    ``dtype`` overrides the problem's output dtype (a split result's real parts)."""
    why = mismatch(y, problem.output_shape, problem.output_dtype if dtype is None else dtype, kind)
    if why is not None:
        raise BackendResultError(f"backend {backend!r} {why} for {problem.describe()}; "
                                 f"the result was not used (a bug in that backend's plugin)")
