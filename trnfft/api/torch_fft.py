"""The torch.fft-compatible functions: ``trnfft.fft(x, n=None, dim=-1, norm=None)``.

Torch tensors follow torch.fft's semantics (unique dims, integer inputs to
the default float dtype, autograd); NumPy arrays and array-likes are accepted
too and come back as NumPy arrays with NumPy's dtype rules. ``s`` follows
torch: an integer is one length, -1 the default length. Every function
also takes ``backend=`` (a backend name, or several comma-separated) and
``workers=`` (threads, for backends that use them).
"""
from __future__ import annotations

from typing import Any, Sequence

from .arguments import TORCH, check_n_at, transform
from .fast_path import attempt, first
from ..core.errors import InvalidArgumentTypeError

Dims = Sequence[int] | None
Shape = Sequence[int] | None


def _one(x: Any, n: int | None, dim: int, norm: str | None, out: Any, backend: Any,
         workers: int | None, kind: str, forward: bool = True, hermitian: bool = False,
         split: bool | None = None) -> Any:
    if n is None and out is None and (split is None or split is False) and not hermitian:
        sig, y = attempt(x, True, kind, forward, (dim,), norm, workers, backend)  # repeated calls end here
        if y is not None:
            return y
    else:
        sig = None
    s = None if n is None else (check_n_at(x, n, dim, "dim", TORCH),)
    return transform(x, kind=kind, forward=forward, s=s, axes=(dim,), norm=norm, out=out,
                     backend=backend, workers=workers, flavor=TORCH, hermitian=hermitian, split=split,
                     sig=sig)


def _many(x: Any, s: Shape, dim: Dims, norm: str | None, out: Any, backend: Any,
          workers: int | None, kind: str, forward: bool = True, hermitian: bool = False,
         split: bool | None = None) -> Any:
    sig, y = first(x, True, kind, forward, s, dim, norm, out, workers, backend, hermitian, split)
    if y is not None:  # a repeated call
        return y
    return transform(x, kind=kind, forward=forward, s=s, axes=dim, norm=norm, out=out,
                     backend=backend, workers=workers, flavor=TORCH, hermitian=hermitian, split=split,
                     sig=sig)


def two_dims(dim: Dims) -> Dims:
    """The 2-D functions' dims: torch.fft's fft2 family takes no None (fftn does)."""
    if dim is None:
        raise InvalidArgumentTypeError("dim must be a tuple of ints: torch.fft's 2-D transforms take "
                                       "no dim=None (use fftn & co. for all dims)")
    return dim


def fft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *,
        out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """1-D discrete Fourier transform (as torch.fft.fft)."""
    return _one(input, n, dim, norm, out, backend, workers, "c2c", True, split=split)


def ifft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """1-D inverse discrete Fourier transform (as torch.fft.ifft)."""
    return _one(input, n, dim, norm, out, backend, workers, "c2c", False, split=split)


def rfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """1-D FFT of real input, returning the n//2 + 1 non-negative frequencies."""
    return _one(input, n, dim, norm, out, backend, workers, "r2c", split=split)


def irfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *,
          out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """Inverse of rfft: real output of length n (default 2*(m-1))."""
    return _one(input, n, dim, norm, out, backend, workers, "c2r", split=split)


def hfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """FFT of a Hermitian-symmetric signal given by its first half; real output."""
    return _one(input, n, dim, norm, out, backend, workers, "c2r", hermitian=True, split=split)


def ihfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *,
          out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """Inverse of hfft: the one-sided Hermitian spectrum of a real signal."""
    return _one(input, n, dim, norm, out, backend, workers, "r2c", hermitian=True, split=split)


def fft2(input: Any, s: Shape = None, dim: Dims = (-2, -1), norm: str | None = None, *,
         out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """2-D FFT (as torch.fft.fft2)."""
    return _many(input, s, two_dims(dim), norm, out, backend, workers, "c2c", True, split=split)


def ifft2(input: Any, s: Shape = None, dim: Dims = (-2, -1), norm: str | None = None, *,
          out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """2-D inverse FFT."""
    return _many(input, s, two_dims(dim), norm, out, backend, workers, "c2c", False, split=split)


def rfft2(input: Any, s: Shape = None, dim: Dims = (-2, -1), norm: str | None = None, *,
          out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """2-D FFT of real input; the last dim is halved."""
    return _many(input, s, two_dims(dim), norm, out, backend, workers, "r2c", split=split)


def irfft2(input: Any, s: Shape = None, dim: Dims = (-2, -1), norm: str | None = None, *,
           out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """Inverse of rfft2."""
    return _many(input, s, two_dims(dim), norm, out, backend, workers, "c2r", split=split)


def hfft2(input: Any, s: Shape = None, dim: Dims = (-2, -1), norm: str | None = None, *,
          out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """2-D FFT of a Hermitian-symmetric input given by its half; real output."""
    return _many(input, s, two_dims(dim), norm, out, backend, workers, "c2r", hermitian=True, split=split)


def ihfft2(input: Any, s: Shape = None, dim: Dims = (-2, -1), norm: str | None = None, *,
           out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """Inverse of hfft2."""
    return _many(input, s, two_dims(dim), norm, out, backend, workers, "r2c", hermitian=True, split=split)


def fftn(input: Any, s: Shape = None, dim: Dims = None, norm: str | None = None, *,
         out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """N-D FFT over ``dim`` (all dims, or the last len(s), by default)."""
    return _many(input, s, dim, norm, out, backend, workers, "c2c", True, split=split)


def ifftn(input: Any, s: Shape = None, dim: Dims = None, norm: str | None = None, *,
          out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """N-D inverse FFT."""
    return _many(input, s, dim, norm, out, backend, workers, "c2c", False, split=split)


def rfftn(input: Any, s: Shape = None, dim: Dims = None, norm: str | None = None, *,
          out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """N-D FFT of real input; the last transformed dim is halved."""
    return _many(input, s, dim, norm, out, backend, workers, "r2c", split=split)


def irfftn(input: Any, s: Shape = None, dim: Dims = None, norm: str | None = None, *,
           out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """Inverse of rfftn."""
    return _many(input, s, dim, norm, out, backend, workers, "c2r", split=split)


def hfftn(input: Any, s: Shape = None, dim: Dims = None, norm: str | None = None, *,
          out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """N-D FFT of a Hermitian-symmetric input given by its half; real output."""
    return _many(input, s, dim, norm, out, backend, workers, "c2r", hermitian=True, split=split)


def ihfftn(input: Any, s: Shape = None, dim: Dims = None, norm: str | None = None, *,
           out: Any = None, backend: Any = None, workers: int | None = None, split: bool | None = None) -> Any:
    """Inverse of hfftn."""
    return _many(input, s, dim, norm, out, backend, workers, "r2c", hermitian=True, split=split)
