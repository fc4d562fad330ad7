"""Split float32 parts <-> the [rows, n] layout NKI kernels read and write; NumPy or torch, same code.

A plan's kernel takes each part (real, imaginary) as a C-contiguous float32
[rows, n] array: the transformed axes moved last and every other axis
flattened into rows (a 2-D transform stacks the rows of every image). The
same steps serve NumPy arrays on the host (the simulator, and host data on
hardware) and torch tensors on a NeuronCore, where they are device ops: no
part ever visits the host.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from trnfft.plugin import InvalidArgumentError


def _is_numpy(x: Any) -> bool:
    return isinstance(x, np.ndarray)


def check_parts(parts: Sequence[Any], count: int, shape: tuple[int, ...], what: str) -> None:
    """``count`` float32 parts of ``shape``, all NumPy or all tensors on one device, or a clear error."""
    if len(parts) != count:
        raise InvalidArgumentError(f"{what} takes {count} float32 part(s) (real{', imaginary' if count == 2 else ''}),"
                                   f" got {len(parts)}")
    for name, p in zip(("real", "imaginary"), parts):
        if not hasattr(p, "shape") or not hasattr(p, "dtype"):
            raise InvalidArgumentError(f"{what}: the {name} part must be a NumPy array or torch tensor, "
                                       f"got {type(p).__name__}")
        if tuple(p.shape) != tuple(shape):
            raise InvalidArgumentError(f"{what}: the {name} part has shape {tuple(p.shape)}, the plan takes {shape}")
        if str(p.dtype).rsplit(".", 1)[-1] != "float32":
            raise InvalidArgumentError(f"{what}: the {name} part is {p.dtype}; split parts are float32 "
                                       f"(NeuronCores compute fp32, nothing is cast silently)")
    where = {"NumPy (host)" if _is_numpy(p) else str(p.device) for p in parts}
    if len(where) > 1:
        raise InvalidArgumentError(f"{what}: all parts must live in one place, got {', '.join(sorted(where))}")


def moved_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with ``axes`` moved last, in order."""
    rest = [s for i, s in enumerate(shape) if i not in {a % len(shape) for a in axes}]
    return tuple(rest) + tuple(shape[a] for a in axes)


def to_rows(part: Any, axes: tuple[int, ...] | None) -> Any:
    """The part as a C-contiguous [rows, n] array/tensor, ``axes`` moved last (None: already last)."""
    if axes is not None:
        last = tuple(range(-len(axes), 0))
        part = np.moveaxis(part, axes, last) if _is_numpy(part) else _torch().movedim(part, axes, last)
    rows = part.reshape(-1, part.shape[-1])
    return np.ascontiguousarray(rows) if _is_numpy(rows) else rows.contiguous()


def from_rows(rows: Any, out_moved_shape: tuple[int, ...], axes: tuple[int, ...] | None) -> Any:
    """[rows, n_out] back to the caller's axis order (moved shape ``out_moved_shape``; axes None: already)."""
    y = rows.reshape(out_moved_shape)
    if axes is None:
        return y
    last = tuple(range(-len(axes), 0))
    return np.moveaxis(y, last, axes) if _is_numpy(y) else _torch().movedim(y, last, axes)


def moved_axes(ndim: int, axes: tuple[int, ...]) -> tuple[int, ...] | None:
    """``axes`` for ``to_rows``/``from_rows``, or None when they are already the trailing ones (no move)."""
    return None if tuple(a % ndim for a in axes) == tuple(range(ndim - len(axes), ndim)) else axes


def _torch() -> Any:
    import torch
    return torch


def zeros_like_place(like: Any, shape: tuple[int, ...]) -> Any:
    """float32 zeros of ``shape`` where ``like`` lives (an empty batch never launches a kernel)."""
    if _is_numpy(like):
        return np.zeros(shape, np.float32)
    import torch
    return torch.zeros(shape, dtype=torch.float32, device=like.device)


def _contiguous(a: Any) -> Any:
    return np.ascontiguousarray(a) if _is_numpy(a) else a.contiguous()


def _stack(parts: Sequence[Any], axis: int) -> Any:
    if _is_numpy(parts[0]):
        return np.stack(parts, axis)
    import torch
    return torch.stack(tuple(parts), axis)


def _pad_even(rows: Any) -> Any:
    """``rows`` with a zero row appended when their count is odd (the row-pair kernels take pairs)."""
    if rows.shape[0] % 2 == 0:
        return rows
    zero = zeros_like_place(rows, (1, rows.shape[1]))
    if _is_numpy(rows):
        return np.concatenate([rows, zero])
    import torch
    return torch.cat([rows, zero])


def program_input(first_step: str, rows: tuple) -> tuple:
    """A multi-step program's input parts from the [R, n_in] row parts (``programs.py`` names the steps):
    r2c of even n reads even and odd points as one complex row, odd n pairs rows, c2r odd n pairs rows."""
    if first_step == "r2c-even":
        return _contiguous(rows[0][:, 0::2]), _contiguous(rows[0][:, 1::2])
    if first_step == "r2c-odd":
        padded = _pad_even(rows[0])
        return _contiguous(padded[0::2]), _contiguous(padded[1::2])
    if first_step == "c2r-odd":
        return tuple(_pad_even(r) for r in rows)
    return tuple(rows)


def program_output(last_step: str, out: tuple, rows: int) -> tuple:
    """The [rows, n_out] output parts from a program's kernel outputs (the inverse of its packing)."""
    if last_step in ("c2r-small", "c2r-four-step", "plane") and len(out) == 1:
        return (out[0][:rows],)
    if last_step == "c2r-even":   # even and odd points of each row interleaved
        re, im = out[0][:rows], out[1][:rows]
        return (_stack((re, im), -1).reshape(rows, 2 * re.shape[1]),)
    if last_step == "c2r-odd":    # rows 0, 2, 4, ... and 1, 3, 5, ... interleaved
        half = (rows + 1) // 2       # the kernel read the rows padded to an even count
        return (_stack((out[0][:half], out[1][:half]), 1).reshape(2 * half, out[0].shape[1])[:rows],)
    return out[0][:rows], out[1][:rows]
