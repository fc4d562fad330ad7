"""``nki.language`` (``nl``) as the emulator runs it: allocation, data movement, elementwise math.

Source: D/nki/api/nki.language.html (0.3.0, all experimental) and the 0.3.0
update guide. nl elementwise ops need identical shapes (no broadcasting);
there is no tensor-tensor divide; PSUM leaves through nisa.tensor_copy.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt
from . import isa as _isa
from . import record as _record
from .ops import OPS, Op, apply_binary
from .rules import NkiRuleError, require
from .tensors import (NkiTensor, allocate, hbm, private_hbm, psum, sbuf,  # noqa: F401 - re-exported
                      shared_hbm)

float32, float16, bfloat16, int32, uint32, int8, uint8, int16, tfloat32 = (
    _dt.float32, _dt.float16, _dt.bfloat16, _dt.int32, _dt.uint32, _dt.int8, _dt.uint8, _dt.int16,
    _dt.tfloat32)
float8_e4m3, float8_e5m2 = _dt.float8_e4m3, _dt.float8_e5m2


class tile_size:
    """Hardware tile limits (D/nki/api/nki.language.tile_size.html)."""

    pmax = 128
    psum_fmax = 512
    gemm_stationary_fmax = 128
    gemm_moving_fmax = 512


# -- allocation ---------------------------------------------------------------
def ndarray(shape: Any, dtype: Any, buffer: Any = sbuf, name: str = "", address: Any = None) -> NkiTensor:
    """Uninitialised tensor: the emulator fills it with NaN (ints: 4) so stray reads show."""
    require(address is None, "address-unemulated", "explicit address= placement is not emulated", "language")
    return allocate(shape, dtype, buffer)


def zeros(shape: Any, dtype: Any, buffer: Any = sbuf, name: str = "") -> NkiTensor:
    return _filled(shape, dtype, buffer, 0)


def ones(shape: Any, dtype: Any, buffer: Any = sbuf, name: str = "") -> NkiTensor:
    return _filled(shape, dtype, buffer, 1)


def full(shape: Any, value: Any, dtype: Any, buffer: Any = sbuf, name: str = "") -> NkiTensor:
    return _filled(shape, dtype, buffer, value)


def _filled(shape: Any, dtype: Any, buffer: Any, value: Any) -> NkiTensor:
    t = allocate(shape, dtype, buffer, fill=value)
    if t.written is not None:
        t.written[...] = True
    if buffer.on_chip:
        _record.count_vector(t.free_size, 1)  # a memset
    return t


# -- data movement -------------------------------------------------------------
def load(src: NkiTensor, dtype: Any = None, **kwargs: Any) -> NkiTensor:
    """HBM -> a new SBUF tile, by DMA."""
    _no_mask(kwargs, "load")
    require(isinstance(src, NkiTensor) and not src.buffer.on_chip, "load-from-hbm",
            f"nl.load reads an HBM tensor, got {src!r}", "language")
    tile = allocate(src.shape, dtype or src.dtype, sbuf)
    tile.view[...] = src.view if dtype is None else _dt.round_to(src.view, tile.dtype)
    _record.count_dma(src.nbytes, to_chip=True)
    return tile


def store(dst: NkiTensor, value: NkiTensor, **kwargs: Any) -> None:
    """An SBUF tile -> HBM, by DMA. PSUM tiles must be copied to SBUF first."""
    _no_mask(kwargs, "store")
    require(isinstance(dst, NkiTensor) and not dst.buffer.on_chip, "store-to-hbm",
            f"nl.store writes an HBM tensor, got {dst!r}", "language")
    require(isinstance(value, NkiTensor), "store-value", "nl.store stores an SBUF tile", "language")
    require(value.buffer is not psum, "store-from-psum",
            "nl.store takes SBUF tiles only: copy PSUM to SBUF with nisa.tensor_copy first", "language")
    require(value.view.size == dst.view.size, "store-shape",
            f"value {value.shape} and dst {dst.shape} differ in size", "language")
    dst.view[...] = (value.view if value.dtype == dst.dtype else _dt.round_to(value.view, dst.dtype)
                     ).reshape(dst.shape)
    _record.count_dma(value.nbytes, to_chip=False)


def load_transpose2d(src: NkiTensor, dtype: Any = None) -> NkiTensor:
    """HBM [A, B] -> SBUF [B, A], transposed by the DMA (at a bandwidth cost)."""
    require(isinstance(src, NkiTensor) and not src.buffer.on_chip and src.ndim == 2,
            "load-transpose2d", f"nl.load_transpose2d reads a 2-D HBM tensor, got {src!r}", "language")
    tile = allocate((src.shape[1], src.shape[0]), dtype or src.dtype, sbuf)
    tile.view[...] = _dt.round_to(src.view.T, tile.dtype)
    _record.count_dma(src.nbytes, to_chip=True)
    return tile


def copy(x: NkiTensor, dtype: Any = None) -> NkiTensor:
    """A new tile in x's buffer (ScalarE, through fp32). Not a way out of PSUM."""
    require(isinstance(x, NkiTensor), "copy-operand", "nl.copy copies a tile", "language")
    require(x.buffer is not psum, "copy-from-psum",
            "nl.copy does not move data out of PSUM: use nisa.tensor_copy(dst=<sbuf tile>, src=<psum tile>)",
            "update_guide")
    out = allocate(x.shape, dtype or x.dtype, x.buffer)
    out.view[...] = _dt.round_to(np.asarray(x.view, np.float32), out.dtype)
    _record.count_vector(x.free_size, 1, "scalar")
    return out


def matmul(x: NkiTensor, y: NkiTensor, transpose_x: bool = False) -> NkiTensor:
    """x.T @ y into a new PSUM tile (only transpose_x=True works in 0.3.0)."""
    require(transpose_x, "matmul-transpose-x",
            "nl.matmul works only with transpose_x=True in 0.3.0 (known issue); or use nisa.nc_matmul",
            "language")
    out = allocate((x.free_size, y.free_size), float32, psum)
    _isa.nc_matmul(dst=out, stationary=x, moving=y)
    return out


def transpose(x: NkiTensor) -> NkiTensor:
    """Partition <-> free transpose on the Tensor engine, into a new PSUM tile."""
    out = allocate((x.free_size, x.partitions), x.dtype, psum)
    _isa.nc_transpose(dst=out, data=x, engine="tensor")
    return out


# -- elementwise ---------------------------------------------------------------
def _elementwise(op: Op, *args: Any, dtype: Any = None, **kwargs: Any) -> NkiTensor:
    _no_mask(kwargs, op.name)
    require(len(args) == op.arity, "op-arity", f"nl.{op.name} takes {op.arity} operand(s)", "language")
    tiles = [a for a in args if isinstance(a, NkiTensor)]
    require(bool(tiles), "op-operands", f"nl.{op.name} needs at least one tile operand", "language")
    shape = tiles[0].shape
    for t in tiles[1:]:
        require(t.shape == shape, "elementwise-shape",
                f"nl.{op.name} needs identical shapes (no implicit broadcasting, partitions included): "
                f"{shape} vs {t.shape}; use nl.broadcast_to or nisa.tensor_scalar", "language")
    require(sum(t.buffer is psum for t in tiles) <= 1, "elementwise-psum",
            "at most one operand may be in PSUM", "tensor_tensor")
    vals = [np.asarray(a.view, np.float32) if isinstance(a, NkiTensor) else a for a in args]
    result = op.unary(vals[0]) if op.arity == 1 else apply_binary(op, vals[0], vals[1])
    out = allocate(shape, dtype or tiles[0].dtype, sbuf)
    out.view[...] = _dt.round_to(result, out.dtype)
    _record.count_vector(tiles[0].free_size, len(tiles), op.engine)
    return out


for _op in OPS.values():
    _op.elementwise = _elementwise

add, subtract, multiply, maximum, minimum = (OPS[n] for n in ("add", "subtract", "multiply", "maximum", "minimum"))
negative, reciprocal, abs = OPS["negative"], OPS["reciprocal"], OPS["abs"]  # noqa: A001
exp, sin, cos, sqrt, rsqrt = (OPS[n] for n in ("exp", "sin", "cos", "sqrt", "rsqrt"))
OPS["copy_activation"].name = "copy"
copy.activation_op = OPS["copy_activation"]  # type: ignore[attr-defined]  # activation(op=nl.copy)


def broadcast_to(x: NkiTensor, shape: Any) -> NkiTensor:
    """A new SBUF tile with x broadcast along the free dims (partitions must already match)."""
    shape = tuple(shape)
    require(x.partitions == shape[0], "broadcast-partitions",
            "broadcasting across partitions needs a matmul with ones; nl.broadcast_to keeps partitions",
            "language")
    out = allocate(shape, x.dtype, sbuf)
    out.view[...] = np.broadcast_to(x.view, shape)
    _record.count_vector(out.free_size, 1)
    return out


def divide(*_: Any, **__: Any) -> None:
    raise NkiRuleError("no-divide", "nl.divide is not supported on hardware in 0.3.0: multiply by "
                       "nl.reciprocal(y) instead", "language")


# -- loops (all unrolled at trace time) -----------------------------------------
def static_range(*args: int) -> range:
    return range(*args)


affine_range = sequential_range = static_range

_REMOVED = {
    "arange": "nl.arange was removed (Beta 2): index with integers and slices, or nl.ds",
    "mgrid": "nl.mgrid was removed (Beta 2): index with integers and slices",
    "par_dim": "nl.par_dim was removed: use a Python list of tiles",
}


def ds(start: int, size: int) -> slice:
    """A dynamic slice helper: ``t[nl.ds(i, n)]`` is ``t[i:i + n]``."""
    return slice(start, start + size)


def _no_mask(kwargs: dict, name: str) -> None:
    require("mask" not in kwargs, "removed-mask",
            f"nl.{name}: mask= was removed in NKI Beta 2; clamp ranges with min() instead", "beta2")
    require(not kwargs, "unknown-argument", f"nl.{name} got unexpected arguments {sorted(kwargs)}", "language")


def __getattr__(name: str) -> Any:
    if name in _REMOVED:
        raise NkiRuleError("removed-api", _REMOVED[name], "beta2")
    raise AttributeError(f"module 'nki.language' (emulated) has no attribute {name!r}")
