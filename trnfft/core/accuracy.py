"""Norm-wise error, the tolerance model, and an independent high-precision reference.

Errors are ``||y - y_ref|| / ||y_ref||`` (design.md section 5): element-wise
comparisons give false alarms where outputs are near zero. The tolerance is
``c * eps(dtype) * log2(N)``, which fits FFTW, MKL, pocketfft and torch.

The reference is NumPy's pocketfft in float64 for single-precision problems,
and in long double (80-bit on x86) for double-precision ones where the
platform has it, so that double-precision errors are measured, not zero.
"""
from __future__ import annotations

import math
from typing import Literal, cast

import numpy as np

from .problem import REAL_DTYPE, FFTProblem

DEFAULT_C = 5.0


def normwise_error(y: np.ndarray, y_ref: np.ndarray) -> float:
    """Relative 2-norm error of ``y`` against ``y_ref``, computed in float64."""
    y, ref = np.asarray(y), np.asarray(y_ref)
    wide = np.result_type(y, ref, np.float64)  # subtract in the wider of the two precisions
    out = np.complex128 if wide.kind == "c" else np.float64
    diff = float(np.linalg.norm((y.astype(wide) - ref.astype(wide)).astype(out).ravel()))
    scale = float(np.linalg.norm(ref.astype(out).ravel()))
    return diff / scale if scale > 0 else diff


def comparison(y: np.ndarray, y_ref: np.ndarray, x: np.ndarray) -> tuple[float, str]:
    """(norm-wise error, note) of ``y`` against ``y_ref``, fair to non-finite data.

    A NaN or Inf input makes both results non-finite, so a plain norm-wise
    error would be NaN against a correct backend. Non-finite outputs are
    compared by position instead (inf where they differ) and the error is
    taken over the finite parts; the note says what was compared and whether
    the input itself was non-finite.
    """
    bad, bad_ref = ~np.isfinite(y), ~np.isfinite(y_ref)
    if not (bad.any() or bad_ref.any()):
        return normwise_error(y, y_ref), ""
    bad_in = int(np.count_nonzero(~np.isfinite(x)))
    origin = (f"the input itself has {bad_in} NaN/Inf value(s)" if bad_in else
              "the input is finite")
    if bad.shape != bad_ref.shape or not np.array_equal(bad, bad_ref):
        return math.inf, (f"non-finite outputs at different positions ({int(bad.sum())} vs "
                          f"{int(bad_ref.sum())} in the reference); {origin}")
    err = normwise_error(y[~bad], y_ref[~bad]) if not bad.all() else 0.0
    return err, (f"{int(bad.sum())} non-finite output(s) at the same positions in both, "
                 f"error over the finite rest; {origin}")


def eps(precision: str) -> float:
    return float(np.finfo(REAL_DTYPE[precision]).eps)


def tolerance(problem: FFTProblem, c: float = DEFAULT_C) -> float:
    """``c * eps * log2(N)`` with N the points per transform (at least 2)."""
    return c * eps(problem.precision) * math.log2(max(problem.size, 2))


_LONG_DOUBLE = np.finfo(np.longdouble).eps < np.finfo(np.float64).eps


def reference_transform(problem: FFTProblem, x: np.ndarray) -> np.ndarray:
    """``problem`` computed by NumPy directly (bypassing every plugin), in float64 or wider."""
    axes, s = list(problem.axes), list(problem.lengths)
    norm = cast(Literal["backward", "ortho", "forward"], problem.norm)  # a str among NORMS
    wide = problem.precision != "single" and _LONG_DOUBLE  # long: as wide as NumPy goes
    real, cplx = (np.longdouble, np.clongdouble) if wide else (np.float64, np.complex128)
    if problem.kind == "r2c":
        return np.fft.rfftn(np.asarray(x, real), s=s, axes=axes, norm=norm)
    xc = np.asarray(x, cplx)
    if problem.kind == "c2r":
        return np.fft.irfftn(xc, s=s, axes=axes, norm=norm)
    fn = np.fft.fftn if problem.forward else np.fft.ifftn
    return fn(xc, s=s, axes=axes, norm=norm)
