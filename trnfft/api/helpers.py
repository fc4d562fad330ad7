"""Frequency grids and spectrum shifts, for NumPy arrays and torch tensors."""
from __future__ import annotations

import operator
from typing import Any, Union

import numpy as np

from . import arrays
from ..core.errors import InvalidArgumentError, InvalidAxisError
from .arguments import axis_index

# one axis, or a tuple or list of them (any other sequence is taken as one, invalid, axis)
Axes = Union[int, tuple[int, ...], list[int], None]


def _grid(n: int, d: float, real: bool) -> np.ndarray:
    try:
        n = operator.index(n)
    except TypeError:
        raise InvalidArgumentError(f"n must be an integer, got {n!r}") from None
    if n < 1:
        raise InvalidArgumentError(f"n must be >= 1, got {n}")
    if d == 0:
        raise InvalidArgumentError("sample spacing d must be non-zero")
    k = np.arange(n // 2 + 1) if real else np.concatenate(
        [np.arange((n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    return k / (n * d)


def fftfreq(n: int, d: float = 1.0, device: Any = None) -> np.ndarray:
    """Sample frequencies of an n-point FFT with spacing d (as numpy.fft.fftfreq)."""
    return _grid(n, d, real=False)


def rfftfreq(n: int, d: float = 1.0, device: Any = None) -> np.ndarray:
    """Non-negative sample frequencies of an n-point rfft (as numpy.fft.rfftfreq)."""
    return _grid(n, d, real=True)


def _torch_grid(grid: np.ndarray, out: Any, dtype: Any, device: Any, requires_grad: bool) -> Any:
    import torch  # the torch-style helpers need torch (a no-op once it is loaded)
    t = torch.tensor(grid, dtype=dtype or torch.get_default_dtype(), device=device)
    if out is not None:
        if tuple(out.shape) != tuple(t.shape):
            raise InvalidArgumentError(f"out= has shape {tuple(out.shape)}, needs {tuple(t.shape)}")
        return out.copy_(t)
    return t.requires_grad_(requires_grad)


def torch_fftfreq(n: int, d: float = 1.0, *, out: Any = None, dtype: Any = None,
                  device: Any = None, requires_grad: bool = False) -> Any:
    """As torch.fft.fftfreq: a tensor of the default float dtype."""
    return _torch_grid(_grid(n, d, real=False), out, dtype, device, requires_grad)


def torch_rfftfreq(n: int, d: float = 1.0, *, out: Any = None, dtype: Any = None,
                   device: Any = None, requires_grad: bool = False) -> Any:
    """As torch.fft.rfftfreq."""
    return _torch_grid(_grid(n, d, real=True), out, dtype, device, requires_grad)


def _shift(x: Any, axes: Axes, inverse: bool, name: str) -> Any:
    """Roll the axes by half their length; bad axes get the transforms' errors (InvalidAxisError)."""
    tensor = arrays.is_tensor(x)
    if not tensor:
        x = np.asarray(x)
    if x.ndim == 0:
        raise InvalidAxisError(f"the input to shift must have at least one dimension, got {x!r}")
    if axes is None:
        axes = tuple(range(x.ndim))
    elif not isinstance(axes, (tuple, list)):
        axes = (axes,)
    axes = tuple(axis_index(a, x.ndim, name) for a in axes)
    shifts = [(-(x.shape[a] // 2) if inverse else x.shape[a] // 2) for a in axes]
    if tensor:
        return arrays.loaded_torch().roll(x, shifts, tuple(axes))
    return np.roll(x, shifts, tuple(axes))


def fftshift(x: Any, axes: Axes = None) -> Any:
    """Move the zero frequency to the centre (numpy.fft.fftshift; tensors too)."""
    return _shift(x, axes, inverse=False, name='axes')


def ifftshift(x: Any, axes: Axes = None) -> Any:
    """Undo fftshift."""
    return _shift(x, axes, inverse=True, name='axes')


def torch_fftshift(input: Any, dim: Axes = None) -> Any:
    """As torch.fft.fftshift (arrays too)."""
    return _shift(input, dim, inverse=False, name='dim')


def torch_ifftshift(input: Any, dim: Axes = None) -> Any:
    """As torch.fft.ifftshift (arrays too)."""
    return _shift(input, dim, inverse=True, name='dim')
