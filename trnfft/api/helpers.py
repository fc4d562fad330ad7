"""Frequency grids and spectrum shifts, for NumPy arrays and torch tensors."""
from __future__ import annotations

import operator
from typing import Any, Union

import numpy as np

from . import arrays
from ..core.errors import (InvalidArgumentError, InvalidArgumentTypeError, InvalidAxisError, InvalidDtypeError,
                           UnsupportedDtypeError, ZeroSpacingError)
from .arguments import axis_index, check_torch_out, refuse_out_autograd
from .split import SplitComplex, parts as split_parts

# one axis, or a tuple or list of them (any other sequence is taken as one, invalid, axis)
Axes = Union[int, tuple[int, ...], list[int], None]


def _count(n: Any, least: int | None, prefix: str = "") -> int:
    """A grid's point count: an integer >= ``least`` (numpy's grids need 1, torch's take 0; None: any)."""
    try:
        n = operator.index(n)
    except TypeError:
        raise InvalidArgumentTypeError(f"{prefix}n must be an integer, got {n!r}") from None
    if least is not None and n < least:
        raise InvalidArgumentError(f"{prefix}n must be >= {least}, got {n}")
    return n


def _grid(n: int, d: float, real: bool, device: Any) -> np.ndarray:
    """NumPy's grid, computed in NumPy's steps (integers times 1/(n*d)) so that it rounds as NumPy's."""
    if device not in (None, "cpu"):
        raise InvalidArgumentError(f'Device not understood: only "cpu" is allowed (as in NumPy), '
                                   f'got {device!r}')
    n = _count(n, None)  # an integer; its range after NumPy's division
    try:
        val = 1.0 / (n * d)
    except ZeroDivisionError:  # NumPy's error too
        raise ZeroSpacingError("n must be >= 1, got 0" if n == 0 else
                               f"sample spacing d must be non-zero, got d={d!r}") from None
    _count(n, 1)
    k = np.arange(n // 2 + 1) if real else np.concatenate(
        [np.arange((n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    return k * val


def fftfreq(n: int, d: float = 1.0, device: Any = None) -> np.ndarray:
    """Sample frequencies of an n-point FFT with spacing d (as numpy.fft.fftfreq)."""
    return _grid(n, d, False, device)


def rfftfreq(n: int, d: float = 1.0, device: Any = None) -> np.ndarray:
    """Non-negative sample frequencies of an n-point rfft (as numpy.fft.rfftfreq)."""
    return _grid(n, d, True, device)


def _torch_grid(n: int, d: float, real: bool, out: Any, dtype: Any, layout: Any, device: Any,
                requires_grad: bool) -> Any:
    """torch.fft.fftfreq / rfftfreq: n = 0 gives an empty grid (rfftfreq: [nan]), as in torch."""
    name = "rfftfreq" if real else "fftfreq"
    torch = arrays.require_torch(f"trnfft.{name} (it returns a tensor, as torch.fft.{name} does; "
                                 f"trnfft.numpy_fft.{name} gives a NumPy array without torch)")
    n = _count(n, 0, f"{name}: ")
    if layout is not None and layout != torch.strided:
        raise InvalidArgumentError(f"{name}: only layout=torch.strided is supported, got {layout}")
    if dtype is not None and arrays.is_tensor(out) and out.dtype != dtype:
        raise InvalidArgumentError(f"{name}: dtype {dtype} does not match the dtype of out= "
                                   f"({out.dtype}), as torch requires; give one of them, or the same")
    dtype = dtype if dtype is not None else (out.dtype if out is not None else torch.get_default_dtype())
    if out is not None and arrays.is_tensor(out):  # torch: the grid is made on out='s device
        if device is not None and torch.device(device).type != out.device.type:
            raise InvalidArgumentError(f"{name}: device={device} does not match the device of "
                                       f"out= ({out.device}); give one of them, or the same")
        device = out.device
        refuse_out_autograd([out])
    if not (dtype.is_floating_point or dtype.is_complex):
        raise InvalidDtypeError(f"{name} requires a floating point or complex dtype, got {dtype}")
    if dtype.is_complex:  # torch passes that check, then has no complex arange
        raise UnsupportedDtypeError(f"{name}: torch.fft.{name} has no {dtype} grid (its arange is "
                                    f"not implemented for complex dtypes); ask for {dtype.to_real()} "
                                    f"and convert")
    # torch's own steps (an arange in the dtype, times the rounded 1/(n*d)), so that low
    # precisions round as torch's do; n = 0 or d = 0 give inf/nan, as in torch
    t = torch.arange(n // 2 + 1 if real else n, dtype=dtype, device=device)
    if not real:
        t[(n + 1) // 2:] = torch.arange(-(n // 2), 0, dtype=dtype, device=device)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = torch.tensor(float(np.divide(1.0, np.float64(n) * d)), dtype=dtype, device=device)
    t = t.mul_(scale)
    if out is not None:
        check_torch_out(out, tuple(t.shape), dtype, complex_result=False)
        return out.copy_(t)
    return t.requires_grad_(requires_grad)


def torch_fftfreq(n: int, d: float = 1.0, *, out: Any = None, dtype: Any = None, layout: Any = None,
                  device: Any = None, requires_grad: bool = False) -> Any:
    """As torch.fft.fftfreq: a tensor of the default float dtype."""
    return _torch_grid(n, d, False, out, dtype, layout, device, requires_grad)


def torch_rfftfreq(n: int, d: float = 1.0, *, out: Any = None, dtype: Any = None, layout: Any = None,
                   device: Any = None, requires_grad: bool = False) -> Any:
    """As torch.fft.rfftfreq."""
    return _torch_grid(n, d, True, out, dtype, layout, device, requires_grad)


def _shift(x: Any, axes: Axes, inverse: bool, name: str) -> Any:
    """Roll the axes by half their length; bad axes get the transforms' errors (InvalidAxisError).

    A SplitComplex pair has each part shifted and comes back as a pair of the same kind.
    """
    if type(x) is SplitComplex:
        re, im = split_parts(x, tensors=True)
        return SplitComplex(_shift(re, axes, inverse, name), _shift(im, axes, inverse, name))
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
    if tensor and not axes:
        raise InvalidArgumentError(f"no {name} to shift: torch.roll needs at least one (torch.fft's "
                                   f"shifts raise too); pass {name}=None for all of them")
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
