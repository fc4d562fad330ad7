"""What every plan must return: a NumPy array of the problem's output shape and dtype.

Checked on every call before a result reaches the caller (it costs a type,
a tuple and a dtype comparison), so a faulty backend fails loudly, naming
itself, instead of handing over a wrong-shaped or wrong-precision array.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .errors import BackendResultError
from .problem import FFTProblem


def mismatch(y: Any, shape: tuple[int, ...], dtype: np.dtype) -> str | None:
    """What is wrong with ``y`` as a result of ``shape``/``dtype``, or None."""
    if not isinstance(y, np.ndarray):
        return f"returned a {type(y).__name__}, not a numpy.ndarray"
    if y.shape != shape:
        return f"returned shape {y.shape}, expected {shape}"
    if y.dtype != dtype:
        return f"returned dtype {y.dtype}, expected {dtype}"
    return None


def require_result(y: Any, backend: str, problem: FFTProblem) -> None:
    """Raise BackendResultError, naming ``backend`` and the problem, unless ``y`` fits."""
    why = mismatch(y, problem.output_shape, problem.output_dtype)
    if why is not None:
        raise BackendResultError(f"backend {backend!r} {why} for {problem.describe()}; "
                                 f"the result was not used (a bug in that backend's plugin)")
