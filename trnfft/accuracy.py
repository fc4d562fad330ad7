"""Norm-wise error, the tolerance model, and an independent float64 reference.

Errors are ``||y - y_ref|| / ||y_ref||`` (design.md section 5): element-wise
comparisons give false alarms where outputs are near zero. The tolerance is
``c * eps(dtype) * log2(N)``, which fits FFTW, MKL, pocketfft and torch.
"""
from __future__ import annotations

import math

import numpy as np

from .problem import FFTProblem

DEFAULT_C = 5.0


def normwise_error(y: np.ndarray, y_ref: np.ndarray) -> float:
    """Relative 2-norm error of ``y`` against ``y_ref``, computed in float64."""
    y = np.asarray(y)
    ref = np.asarray(y_ref).astype(np.complex128 if np.iscomplexobj(y_ref) else np.float64)
    diff = float(np.linalg.norm((y - ref).ravel()))
    scale = float(np.linalg.norm(ref.ravel()))
    return diff / scale if scale > 0 else diff


def eps(precision: str) -> float:
    return float(np.finfo(np.float32 if precision == "single" else np.float64).eps)


def tolerance(problem: FFTProblem, c: float = DEFAULT_C) -> float:
    """``c * eps * log2(N)`` with N the points per transform (at least 2)."""
    return c * eps(problem.precision) * math.log2(max(problem.size, 2))


def reference_transform(problem: FFTProblem, x: np.ndarray) -> np.ndarray:
    """``problem`` computed by NumPy in float64 directly, bypassing every plugin."""
    axes, s, norm = list(problem.axes), list(problem.lengths), problem.norm
    if problem.kind == "r2c":
        return np.fft.rfftn(np.asarray(x, np.float64), s=s, axes=axes, norm=norm)
    xc = np.asarray(x, np.complex128)
    if problem.kind == "c2r":
        return np.fft.irfftn(xc, s=s, axes=axes, norm=norm)
    fn = np.fft.fftn if problem.forward else np.fft.ifftn
    return fn(xc, s=s, axes=axes, norm=norm)
