"""A drop-in for ``numpy.fft`` (as pyFFTW's ``interfaces.numpy_fft``).

Same names and signatures (``axis=``/``axes=``, ``norm=``, ``out=``), NumPy's
dtype rules (float16 irfft/hfft results are float16, computed in float32) and
NumPy results, repeated axes and -1 in ``s`` (the input's length) included;
plus ``backend=`` and ``workers=`` keywords. Use it as ``from trnfft import numpy_fft as fft``.
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from .helpers import fftfreq, fftshift, ifftshift, rfftfreq
from .arguments import NUMPY, axis_index, check_n_at, transform
from .fast_path import first
from .split import SplitComplex
from ..core.errors import InvalidArgumentTypeError

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
           "fftn", "ifftn", "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

Axes = Sequence[int] | None


def _one(a: Any, n: int | None, axis: int, norm: str | None, out: Any, backend: Any,
         workers: int | None, kind: str, forward: bool = True, hermitian: bool = False,
         split: bool | None = None) -> Any:
    sig, y = first(a, False, kind, forward, n, (axis,), norm, out, workers, backend, hermitian, split)
    if y is not None:  # a repeated call
        return y
    s = None if n is None else (check_n_at(a, n, axis, "axis", NUMPY),)
    return transform(a, kind=kind, forward=forward, s=s, axes=(axis,), norm=norm, out=out,
                     backend=backend, workers=workers, flavor=NUMPY, hermitian=hermitian, axis_name="axis",
                     split=split, sig=sig)


def _many(a: Any, s: Axes, axes: Axes, norm: str | None, out: Any, backend: Any,
          workers: int | None, kind: str, forward: bool = True, split: bool | None = None) -> Any:
    axes = _axes_sequence(a, s, axes)
    if s is not None:
        _deprecated_s_forms(s, axes)
    sig, y = first(a, False, kind, forward, s, axes, norm, out, workers, backend, False, split)
    if y is not None:  # a repeated call
        return y
    return transform(a, kind=kind, forward=forward, s=s, axes=axes, norm=norm, out=out,
                     backend=backend, workers=workers, flavor=NUMPY, unique_axes=False,
                     axis_name="axes", split=split, sig=sig)


def _axes_sequence(a: Any, s: Any, axes: Any) -> Any:
    """numpy.fft's n-D ``axes``: a sequence or a 1-D array; a single integer is a TypeError there
    (an IndexError when, with no s, it is out of range: NumPy first takes that axis's length)."""
    if axes is None or isinstance(axes, (list, tuple)):
        return axes
    if isinstance(axes, range):  # NumPy and scipy take any sized sequence, e.g. axes=range(2)
        return tuple(axes)
    if isinstance(axes, np.ndarray) and axes.ndim == 1:
        return tuple(axes.tolist())
    if s is None and isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        axis_index(axes, np.ndim(a.real if type(a) is SplitComplex else a), "axes")  # (a pair: its parts')
    raise InvalidArgumentTypeError(f"axes must be a sequence of integers (numpy.fft's n-D functions "
                                   f"take no single integer), got {axes!r}")


def _deprecated_s_forms(s: Any, axes: Any) -> None:
    """The DeprecationWarnings NumPy 2.x gives for ``s`` without ``axes`` and None in ``s``."""
    if axes is None:
        warnings.warn(
            "`axes` should not be `None` if `s` is not `None` (deprecated since NumPy 2.0, "
            "which will make s[i] the length along axes[i]): pass axes explicitly, e.g. "
            "axes=tuple(range(-len(s), 0)) for today's meaning", DeprecationWarning, stacklevel=4)
    if isinstance(s, (list, tuple)) and any(v is None for v in s) and (
            axes is None or len(axes) == len(s)):  # (NumPy warns of None after that check)
        warnings.warn(
            "Passing an array containing `None` values to `s` is deprecated since NumPy 2.0: "
            "give the length to keep (the 1-D default for that axis) or leave out s",
            DeprecationWarning, stacklevel=4)


def fft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None,
        *, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """1-D discrete Fourier transform (as numpy.fft.fft)."""
    return _one(a, n, axis, norm, out, backend, workers, "c2c", True, split=split)


def ifft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None,
         *, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """1-D inverse discrete Fourier transform (as numpy.fft.ifft)."""
    return _one(a, n, axis, norm, out, backend, workers, "c2c", False, split=split)


def rfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None,
         *, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """1-D FFT of real input (as numpy.fft.rfft)."""
    return _one(a, n, axis, norm, out, backend, workers, "r2c", split=split)


def irfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None,
          *, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """Inverse of rfft (as numpy.fft.irfft)."""
    return _one(a, n, axis, norm, out, backend, workers, "c2r", split=split)


def hfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None,
         *, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """FFT of a Hermitian-symmetric signal (as numpy.fft.hfft)."""
    return _one(a, n, axis, norm, out, backend, workers, "c2r", hermitian=True, split=split)


def ihfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None,
          *, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """Inverse of hfft (as numpy.fft.ihfft)."""
    return _one(a, n, axis, norm, out, backend, workers, "r2c", hermitian=True, split=split)


def fft2(a: Any, s: Axes = None, axes: Axes = (-2, -1), norm: str | None = None, out: Any = None,
         *, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """2-D FFT (as numpy.fft.fft2)."""
    return _many(a, s, axes, norm, out, backend, workers, "c2c", True, split=split)


def ifft2(a: Any, s: Axes = None, axes: Axes = (-2, -1), norm: str | None = None, out: Any = None,
          *, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """2-D inverse FFT (as numpy.fft.ifft2)."""
    return _many(a, s, axes, norm, out, backend, workers, "c2c", False, split=split)


def rfft2(a: Any, s: Axes = None, axes: Axes = (-2, -1), norm: str | None = None, out: Any = None,
          *, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """2-D FFT of real input (as numpy.fft.rfft2)."""
    return _many(a, s, axes, norm, out, backend, workers, "r2c", split=split)


def irfft2(a: Any, s: Axes = None, axes: Axes = (-2, -1), norm: str | None = None, out: Any = None,
           *, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """Inverse of rfft2 (as numpy.fft.irfft2)."""
    return _many(a, s, axes, norm, out, backend, workers, "c2r", split=split)


def fftn(a: Any, s: Axes = None, axes: Axes = None, norm: str | None = None, out: Any = None,
         *, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """N-D FFT (as numpy.fft.fftn)."""
    return _many(a, s, axes, norm, out, backend, workers, "c2c", True, split=split)


def ifftn(a: Any, s: Axes = None, axes: Axes = None, norm: str | None = None, out: Any = None,
          *, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """N-D inverse FFT (as numpy.fft.ifftn)."""
    return _many(a, s, axes, norm, out, backend, workers, "c2c", False, split=split)


def rfftn(a: Any, s: Axes = None, axes: Axes = None, norm: str | None = None, out: Any = None,
          *, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """N-D FFT of real input (as numpy.fft.rfftn)."""
    return _many(a, s, axes, norm, out, backend, workers, "r2c", split=split)


def irfftn(a: Any, s: Axes = None, axes: Axes = None, norm: str | None = None, out: Any = None,
           *, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """Inverse of rfftn (as numpy.fft.irfftn)."""
    return _many(a, s, axes, norm, out, backend, workers, "c2r", split=split)
