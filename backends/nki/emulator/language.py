"""``nki.language`` (``nl``) as the emulator runs it: allocation, data movement, math, reductions.

Source: D/nki/api/nki.language.html (0.3.0, all experimental) and the 0.3.0
update guide. Elementwise ops need identical shapes (no implicit broadcasting:
nl.broadcast_to or nisa.tensor_scalar do that); there is no tensor-tensor
divide on hardware; results land in SBUF. Documented names the emulator does
not implement raise "not emulated: nki.language.<name>" (module ``__getattr__``).
"""
from __future__ import annotations

import builtins
import contextlib
from typing import Any, Iterator

import numpy as np

from . import dtypes as _dt
from . import isa as _isa
from . import record as _record
from .hardware import GEMM_STATIONARY_FMAX, PMAX, PSUM_BANK_FP32
from .ops import BITVEC, OPS, Op, apply_binary
from .rules import NkiRuleError, NotEmulatedError, not_emulated_attribute, require
from .tensors import (BUFFERS, Buffer, NkiTensor, allocate, hbm, private_hbm, psum,  # noqa: F401 - re-exported
                      sbuf, shared_hbm)

float32, float16, bfloat16, tfloat32 = _dt.float32, _dt.float16, _dt.bfloat16, _dt.tfloat32
int32, uint32, int16, uint16, int8, uint8, bool_ = (_dt.int32, _dt.uint32, _dt.int16, _dt.uint16, _dt.int8,
                                                     _dt.uint8, _dt.bool_)
float8_e4m3, float8_e5m2, float8_e4m3fn = _dt.float8_e4m3, _dt.float8_e5m2, _dt.float8_e4m3fn


class MemoryRegion:
    """The buffers (``nl.sbuf`` is ``nl.MemoryRegion.sbuf``)."""

    sbuf, psum, private_hbm, shared_hbm = sbuf, psum, private_hbm, shared_hbm


class NKIObject:
    """Base class for kernel dataclasses and configuration objects (no behaviour of its own)."""


class _TileSize:
    """Hardware tile limits (D/nki/api/nki.language.tile_size.html). The 0.3.0 docs give no
    values for the other documented fields, so reading them is "not emulated"."""

    pmax = PMAX
    psum_fmax = PSUM_BANK_FP32
    gemm_stationary_fmax = GEMM_STATIONARY_FMAX
    gemm_moving_fmax = PSUM_BANK_FP32
    bn_stats_fmax = 512  # the bn_stats page: "must not exceed 512 (nl.tile_size.bn_stats_fmax)"
    _UNDOCUMENTED = ("psum_min_align", "sbuf_min_align", "total_available_sbuf_size")

    def __getattr__(self, name: str) -> Any:
        if name in self._UNDOCUMENTED:
            raise NotEmulatedError("not-emulated", f"not emulated: nl.tile_size.{name} (the 0.3.0 "
                                   "documentation gives no value)", "tile_size")
        raise AttributeError(name)


tile_size = _TileSize()


# -- allocation ---------------------------------------------------------------
def ndarray(shape: Any, dtype: Any, buffer: Any = sbuf, name: str = "", address: Any = None) -> NkiTensor:
    """Uninitialised tensor: the emulator fills it with NaN (ints: 4) so stray reads show."""
    require(address is None, "not-emulated", "explicit address= placement is not emulated", "language")
    return allocate(shape, dtype, buffer)


def zeros(shape: Any, dtype: Any, buffer: Any = sbuf, name: str = "") -> NkiTensor:
    return _filled(shape, dtype, buffer, 0)


def ones(shape: Any, dtype: Any, buffer: Any = sbuf, name: str = "") -> NkiTensor:
    return _filled(shape, dtype, buffer, 1)


def full(shape: Any, fill_value: Any, dtype: Any, buffer: Any = sbuf, name: str = "") -> NkiTensor:
    return _filled(shape, dtype, buffer, fill_value)


def zeros_like(x: NkiTensor, dtype: Any = None, buffer: Any = None, name: str = "") -> NkiTensor:
    """Zeros of ``x``'s shape; dtype defaults to ``x``'s, buffer to SBUF (as the page says)."""
    return _filled(x.shape, dtype or x.dtype, buffer or sbuf, 0)


def empty_like(x: NkiTensor, dtype: Any = None, buffer: Any = None, name: str = "") -> NkiTensor:
    """An uninitialised tensor like ``x``; dtype and buffer default to ``x``'s."""
    return allocate(x.shape, dtype or x.dtype, buffer or x.buffer)


def _filled(shape: Any, dtype: Any, buffer: Any, value: Any) -> NkiTensor:
    t = allocate(shape, dtype, buffer, fill=value)
    if t.written is not None:
        t.written[...] = True
    if t.buffer.on_chip:
        _record.count_vector(t.free_size, 1)  # a memset
    return t


def is_sbuf(buffer: Buffer) -> bool:
    return buffer is sbuf


def is_psum(buffer: Buffer) -> bool:
    return buffer is psum


def is_hbm(buffer: Buffer) -> bool:
    return buffer in (shared_hbm, private_hbm)


def is_on_chip(buffer: Buffer) -> bool:
    return buffer in (sbuf, psum)


# -- data movement -------------------------------------------------------------
def load(src: NkiTensor, dtype: Any = None, **kwargs: Any) -> NkiTensor:
    """HBM -> a new SBUF tile, by DMA."""
    _no_mask(kwargs, "load")
    require(isinstance(src, NkiTensor) and not src.buffer.on_chip, "load-from-hbm",
            f"nl.load reads an HBM tensor, got {src!r}", "language")
    tile = allocate(src.shape, dtype or src.dtype, sbuf)
    tile.values[...] = src.values if dtype is None else _dt.round_to(src.values, tile.dtype)
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
    require(value.values.size == dst.values.size, "store-shape",
            f"value {value.shape} and dst {dst.shape} differ in size", "language")
    dst.values[...] = (value.values if _dt.same(value.dtype, dst.dtype) else _dt.round_to(value.values, dst.dtype)
                     ).reshape(dst.shape)
    _record.count_dma(value.nbytes, to_chip=False)


def load_transpose2d(src: NkiTensor, dtype: Any = None) -> NkiTensor:
    """HBM [A, B] -> SBUF [B, A], transposed by the DMA (at a bandwidth cost)."""
    require(isinstance(src, NkiTensor) and not src.buffer.on_chip and src.ndim == 2,
            "load-transpose2d", f"nl.load_transpose2d reads a 2-D HBM tensor, got {src!r}", "language")
    tile = allocate((src.shape[1], src.shape[0]), dtype or src.dtype, sbuf)
    tile.values[...] = _dt.round_to(src.values.T, tile.dtype)
    _record.count_dma(src.nbytes, to_chip=True)
    return tile


def copy(x: NkiTensor, dtype: Any = None) -> NkiTensor:
    """A new tile with x's layout in x's buffer (SBUF or PSUM), on ScalarE through fp32
    (nl.copy page: "allocated on the same buffer as x"; lossy for int32 > 2^23)."""
    require(isinstance(x, NkiTensor) and x.buffer.on_chip, "copy-operand",
            f"the source of nl.copy must be a tile in SBUF or PSUM, got {x!r}", "language")
    out = allocate(x.shape, dtype or x.dtype, x.buffer)
    _isa.activation(out, copy, x)
    return out


def matmul(x: NkiTensor, y: NkiTensor, transpose_x: bool = False) -> NkiTensor:
    """x.T @ y into a new PSUM tile (only transpose_x=True works in 0.3.0)."""
    require(transpose_x, "matmul-transpose-x",
            "nl.matmul works only with transpose_x=True in 0.3.0 (known issue); or use nisa.nc_matmul",
            "language")
    out = allocate((x.free_size, y.free_size), float32, psum)
    _isa.nc_matmul(out, x, y)
    return out


def transpose(x: NkiTensor, dtype: Any = None) -> NkiTensor:
    """Partition <-> free transpose on the Tensor engine into a new PSUM tile; ``dtype=`` casts
    the result (a transpose in x's dtype, then a copy through fp32 in PSUM)."""
    out = allocate((x.free_size, x.partitions), x.dtype, psum)
    _isa.nc_transpose(out, x, _isa.engine.tensor)
    if dtype is None or _dt.same(_dt.resolve(dtype), x.dtype):
        return out
    cast = allocate(out.shape, dtype, psum)
    _isa.tensor_copy(cast, out)
    return cast


def broadcast_to(x: NkiTensor, shape: Any, dtype: Any = None) -> NkiTensor:
    """x broadcast to ``shape`` by NumPy rules (same rank, each dim equal or from 1), partitions
    included, into a new SBUF tile; x itself when the shape and dtype already match."""
    shape = tuple(int(s) for s in shape)
    require(isinstance(x, NkiTensor) and x.buffer.on_chip, "broadcast-operand",
            f"the source of nl.broadcast_to must be a tile in SBUF or PSUM, got {x!r}", "language")
    require(len(shape) == x.ndim and builtins.all(a in (b, 1) for a, b in zip(x.shape, shape)), "broadcast-shape",
            f"cannot broadcast {x.shape} to {shape}: same rank, each dim equal or 1", "language")
    if shape == x.shape and (dtype is None or _dt.same(_dt.resolve(dtype), x.dtype)):
        return x
    out = allocate(shape, dtype or x.dtype, sbuf)
    out.values[...] = _dt.round_to(np.broadcast_to(np.asarray(x.values, np.float32), shape), out.dtype)
    if x.partitions != shape[0]:  # across partitions: a Tensor-engine matmul with ones
        _record.count_matmul(x.partitions, shape[0], out.free_size, _dt.name(x.dtype), _dt.is_fp32(x.dtype),
                             movement=True)
    else:
        _record.count_vector(out.free_size, 1)
    return out


def expand_dims(x: NkiTensor, axis: int) -> NkiTensor:
    """A view of x with a size-1 dimension inserted at ``axis``."""
    shape = list(x.shape)
    shape.insert(axis if axis >= 0 else len(shape) + axis + 1, 1)
    return x.reshape(tuple(shape))


# -- elementwise ---------------------------------------------------------------
def _result_dtype(tiles: list[NkiTensor]) -> np.dtype:
    """The highest-precision input dtype (NKI type promotion, simplified: widest float, fp32 over tf32, else widest
    int)."""
    floats = [t.dtype for t in tiles if _dt.is_float(t.dtype)]
    pool = floats or [t.dtype for t in tiles]
    return builtins.max(pool, key=lambda d: (d.itemsize, not _dt.is_tf32(d)))


def _elementwise(op: Op, *args: Any, dtype: Any = None, **kwargs: Any) -> NkiTensor:
    _no_mask(kwargs, op.name)
    require(len(args) == op.arity, "op-arity", f"nl.{op.name} takes {op.arity} operand(s)", "language")
    tiles = [a for a in args if isinstance(a, NkiTensor)]
    require(bool(tiles), "op-operands", f"nl.{op.name} needs at least one tile operand", "language")
    for t in tiles:
        require(t.buffer.on_chip, "tile-on-chip", f"nl.{op.name} takes SBUF/PSUM tiles, got {t!r}", "tiling")
    shape = tiles[0].shape
    for t in tiles[1:]:
        require(t.shape == shape, "elementwise-shape",
                f"nl.{op.name} needs identical shapes (no implicit broadcasting, partitions included): "
                f"{shape} vs {t.shape}; use nl.broadcast_to or nisa.tensor_scalar", "language")
    require(builtins.sum(t.buffer is psum for t in tiles) <= 1, "two-psum-inputs",
            "at most one operand may be in PSUM", "tensor_tensor")
    if op.kind == BITVEC:
        require(builtins.all(not _dt.is_float(t.dtype) for t in tiles), "bitvec-dtype",
                f"nl.{op.name} takes integer tiles (bit patterns)", "isa")
        vals = [a.values if isinstance(a, NkiTensor) else a for a in args]
    else:
        vals = [np.asarray(a.values, np.float32) if isinstance(a, NkiTensor) else a for a in args]
    result = op.unary(vals[0]) if op.arity == 1 else apply_binary(op, vals[0], vals[1])
    out = allocate(shape, dtype or _result_dtype(tiles), sbuf)
    out.values[...] = _dt.round_to(result, out.dtype) if op.kind != BITVEC else result.astype(out.dtype)
    _record.count_vector(tiles[0].free_size, len(tiles), op.engine)
    return out


for _op in OPS.values():
    _op.elementwise = _elementwise

# (nl.power is the checking function _power below)
(add, subtract, multiply, maximum, minimum, equal, not_equal, greater, greater_equal, less, less_equal,
 logical_and, logical_or, logical_xor, bitwise_and, bitwise_or, bitwise_xor, left_shift, right_shift) = (
    OPS[n] for n in ("add", "subtract", "multiply", "maximum", "minimum", "equal", "not_equal",
                     "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_or",
                     "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift"))
(negative, reciprocal, abs, sign, ceil, floor, trunc, square, logical_not, invert) = (  # noqa: A001
    OPS[n] for n in ("negative", "reciprocal", "abs", "sign", "ceil", "floor", "trunc", "square",
                     "logical_not", "invert"))
(exp, log, sin, cos, tan, tanh, arctan, sqrt, rsqrt, sigmoid, relu, gelu, gelu_dx, gelu_apprx_tanh,
 gelu_apprx_sigmoid, gelu_apprx_sigmoid_dx, silu, silu_dx, mish, softplus, erf, erf_dx) = (
    OPS[n] for n in ("exp", "log", "sin", "cos", "tan", "tanh", "arctan", "sqrt", "rsqrt", "sigmoid", "relu",
                     "gelu", "gelu_dx", "gelu_apprx_tanh", "gelu_apprx_sigmoid", "gelu_apprx_sigmoid_dx",
                     "silu", "silu_dx", "mish", "softplus", "erf", "erf_dx"))
OPS["copy_activation"].name = "copy"
copy.as_op = OPS["copy_activation"]  # type: ignore[attr-defined]  # activation(op=nl.copy)


def _power(x: Any, y: Any, dtype: Any = None) -> NkiTensor:
    require(isinstance(y, NkiTensor), "power-scalar",
            "nl.power(tile, scalar) is not supported on hardware in 0.3.0 (nki-reference.md section 4)", "language")
    return _elementwise(OPS["power"], x, y, dtype=dtype)


power = _power
power.as_op = OPS["power"]  # type: ignore[attr-defined]


def where(condition: NkiTensor, x: Any, y: Any, dtype: Any = None) -> NkiTensor:
    """x where condition is 1.0, else y; identical shapes (tile operands) or scalars."""
    tiles = [t for t in (condition, x, y) if isinstance(t, NkiTensor)]
    require(isinstance(condition, NkiTensor), "op-operands", "nl.where needs a condition tile", "language")
    for t in tiles:
        require(t.buffer.on_chip and t.shape == condition.shape, "elementwise-shape",
                f"nl.where needs SBUF/PSUM tiles of identical shapes, got {[t.shape for t in tiles]}", "language")
    value = [np.asarray(v.values, np.float32) if isinstance(v, NkiTensor) else np.float32(v) for v in (x, y)]
    out = allocate(condition.shape, dtype or _result_dtype(tiles[1:] or tiles), sbuf)
    out.values[...] = _dt.round_to(np.where(np.asarray(condition.values) != 0, value[0], value[1]), out.dtype)
    _record.count_vector(condition.free_size, len(tiles))
    return out


def divide(*_: Any, **__: Any) -> None:
    raise NkiRuleError("no-divide", "nl.divide is not supported on hardware in 0.3.0: multiply by "
                       "nl.reciprocal(y) instead", "language")


def fmod(*_: Any, **__: Any) -> None:
    raise NkiRuleError("no-mod", "nl.fmod/nl.mod run in AWS's simulation but fail to compile in 0.3.0 "
                       "(nki-reference.md section 4)", "language")


mod = fmod
divide.rejected_on_targets = fmod.rejected_on_targets = True  # type: ignore[attr-defined]  # coverage table


# -- reductions along trailing free axes --------------------------------------------
def _reduction(name: str, op_name: str, finish: Any = None) -> Any:
    op = OPS[op_name]

    def reduce(x: NkiTensor, axis: Any, dtype: Any = None, keepdims: bool = False) -> NkiTensor:
        require(isinstance(x, NkiTensor) and x.buffer.on_chip, "tile-on-chip",
                f"nl.{name} reduces an SBUF/PSUM tile", "tiling")
        axes = _isa.reduce_axes(x, axis, "tensor_reduce")
        values = x.values if op.kind == BITVEC else np.asarray(x.values, np.float32)
        result = _isa.reduce_values(op, values, axes, keepdims)
        if finish is not None:
            result = finish(values, result, axes, keepdims)
        out = allocate(result.shape if result.ndim else (x.partitions, 1), dtype or x.dtype, sbuf)
        out.values[...] = _dt.round_to(result, out.dtype).reshape(out.shape)
        _record.count_vector(x.free_size, 1)
        return out

    reduce.__name__ = reduce.__qualname__ = name
    reduce.__doc__ = f"nl.{name} along the trailing free axes (never the partition axis 0), in fp32."
    reduce.as_op = op  # type: ignore[attr-defined]  # e.g. nisa.tensor_reduce(op=nl.max)
    return reduce


def _mean(values: np.ndarray, total: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    count = int(np.prod([values.shape[a] for a in axes]))
    return np.asarray(total / np.float32(count), np.float32)


def _var(values: np.ndarray, total: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    return np.var(values, axis=axes, keepdims=keepdims, dtype=np.float32)


def _all(values: np.ndarray, total: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    return np.all(values != 0, axis=axes, keepdims=keepdims).astype(np.float32)


sum = _reduction("sum", "add")  # noqa: A001
prod = _reduction("prod", "multiply")
max = _reduction("max", "maximum")  # noqa: A001
min = _reduction("min", "minimum")  # noqa: A001
mean = _reduction("mean", "add", _mean)
var = _reduction("var", "add", _var)
all = _reduction("all", "minimum", _all)  # noqa: A001


def rms_norm(x: NkiTensor, w: NkiTensor, axis: Any, n: int, epsilon: float = 1e-6, dtype: Any = None,
             compute_dtype: Any = None) -> NkiTensor:
    """x / sqrt(sum(x^2 over axis) / n + epsilon) * w, in fp32 (the page: "x / RMS(x) * w")."""
    axes = _isa.reduce_axes(x, axis, "tensor_reduce")
    require(isinstance(w, NkiTensor) and w.shape == x.shape, "elementwise-shape",
            f"rms_norm's weight must have x's shape {x.shape}", "language")
    v = np.asarray(x.values, np.float32)
    rms = np.sqrt(np.square(v).sum(axis=axes, keepdims=True) / np.float32(n) + np.float32(epsilon))
    out = allocate(x.shape, dtype or x.dtype, sbuf)
    out.values[...] = _dt.round_to(v / rms * np.asarray(w.values, np.float32), out.dtype)
    _record.count_vector(x.free_size, 3)
    return out


def shared_constant(constant: Any) -> NkiTensor:
    """A shared-HBM tensor holding ``constant`` (a NumPy array or the path of a .npy file); a tf32-tagged array
    rounded to tf32, as every cast into a tf32 tensor is."""
    data = np.load(constant) if isinstance(constant, (str, bytes)) or hasattr(constant, "__fspath__") else constant
    dtype = np.asarray(data).dtype
    t = allocate(np.shape(data), dtype, shared_hbm)
    t.values[...] = _dt.round_to(data, dtype) if _dt.is_tf32(dtype) else data
    return t


def shared_identity_matrix(n: int, dtype: Any = "uint8", dst: Any = None) -> NkiTensor:
    """An n x n identity in shared HBM (as shared_constant; the page's examples also use it as a tile,
    which the emulator does not follow: load it first)."""
    require(dst is None, "not-emulated", "shared_identity_matrix(dst=) is not emulated", "language")
    return shared_constant(np.eye(int(n), dtype=_dt.resolve(dtype)))


def softmax(x: NkiTensor, axis: Any = -1, dtype: Any = None) -> NkiTensor:
    """exp(x - max) / sum(exp(x - max)) along the trailing free axes, in fp32."""
    axes = _isa.reduce_axes(x, axis, "tensor_reduce")
    v = np.asarray(x.values, np.float32)
    e = np.exp(v - v.max(axis=axes, keepdims=True))
    out = allocate(x.shape, dtype or x.dtype, sbuf)
    out.values[...] = _dt.round_to(e / e.sum(axis=axes, keepdims=True), out.dtype)
    _record.count_vector(x.free_size, 3)
    _record.count_vector(x.free_size, 1, "scalar")
    return out


# -- loops (all unrolled at trace time), program ids, ordering -------------------------
def static_range(start: int, stop: int | None = None, step: int = 1) -> range:
    return range(start) if stop is None else range(start, stop, step)


affine_range = sequential_range = static_range


def dynamic_range(start: int, stop: int | None = None, step: int = 1) -> range:
    """An on-device loop; with integer bounds the emulator runs it as ``range`` (same iterations).
    VirtualRegister bounds are not emulated."""
    bounds = (start,) if stop is None else (start, stop)
    require(builtins.all(isinstance(b, (int, np.integer)) for b in bounds), "not-emulated",
            "dynamic_range with VirtualRegister bounds is not emulated (registers are not)", "language")
    require(isinstance(step, (int, np.integer)) and step > 0, "dynamic-range-step",
            "step must be a compile-time positive integer", "language")
    return static_range(start, stop, step)


def program_id(axis: int = 0) -> int:
    """0: the emulator launches one program (logical NeuronCore degree 1)."""
    return 0


def num_programs(axes: int = 0) -> int:
    return 1


def program_ndim() -> int:
    """0: the emulator launches no SPMD grid ("0 if no grid")."""
    return 0


@contextlib.contextmanager
def no_reorder() -> Iterator[None]:
    """The emulator runs in program order already."""
    yield


def device_print(print_prefix: str, tensor: NkiTensor) -> None:
    print(print_prefix, np.asarray(tensor.values))


def ds(start: int, size: int) -> slice:
    """A dynamic slice helper: ``t[nl.ds(i, n)]`` is ``t[i:i + n]``."""
    return slice(start, start + size)


_REMOVED = {
    "arange": "nl.arange was removed (Beta 2): index with integers and slices, or nl.ds",
    "mgrid": "nl.mgrid was removed (Beta 2): index with integers and slices",
    "par_dim": "nl.par_dim was removed: use a Python list of tiles",
}


def _no_mask(kwargs: dict, name: str) -> None:
    require("mask" not in kwargs, "removed-mask",
            f"nl.{name}: mask= was removed in NKI Beta 2; clamp ranges with min() instead", "beta2")
    require(not kwargs, "unknown-argument", f"nl.{name} got unexpected arguments {sorted(kwargs)}", "language")


def __getattr__(name: str) -> Any:
    if name in _REMOVED:
        raise NkiRuleError("removed-api", _REMOVED[name], "beta2")
    return not_emulated_attribute("nki.language", name)
