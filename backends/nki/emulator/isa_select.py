"""``nki.isa`` selection, search and fused-reduction instructions: predicated copies, selects,
top-8 values and their indices, tensor_scalar with a free-axis reduction; ``exponential`` (v4 only).

Pages: D/nki/api/generated/nki.isa.<name>.html. Imported into ``isa``; shares its operand checks.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes, record
from . import enums as _enums
from .enums import check_enum
from .isa import _fp32, _instruction, _one_psum_input, _same_layout, _scalar_operands, _tile, _write, affine_values
from .ops import ARITH, Op, as_operand, check_op
from .rules import D, PAGES, require
from .target import target
from .tensors import NkiTensor, local_state, sbuf

for _name in ("affine_select", "max8", "nc_find_index8", "select_reduce", "tensor_copy_predicated",
              "tensor_scalar_reduce", "exponential"):
    PAGES.setdefault(_name, f"{D}/nki/api/generated/nki.isa.{_name}.html")

PREDICATE_DTYPES = (dtypes.uint8, dtypes.uint16, dtypes.uint32)
SEARCH_MIN, SEARCH_MAX = 8, 16384


@_instruction("tensor_copy_predicated")
def tensor_copy_predicated(dst: NkiTensor, src: Any, predicate: NkiTensor, reverse_pred: bool = False,
                           name: str | None = None) -> None:
    """dst = src where predicate (uint8/16/32) is nonzero; elsewhere dst is unchanged (Vector engine)."""
    page = "tensor_copy_predicated"
    _tile(dst, "dst", page)
    _tile(predicate, "predicate", page)
    require(predicate.dtype in PREDICATE_DTYPES, "predicate-dtype",
            f"predicate must be of type uint8, uint16, or uint32, got {dtypes.name(predicate.dtype)}", page)
    _same_layout(dst, predicate, "predicated-shape", page)
    mask = np.asarray(predicate.values).reshape(dst.shape) != 0
    if reverse_pred:
        mask = ~mask
    if isinstance(src, NkiTensor):
        _tile(src, "src", page)
        _same_layout(dst, src, "predicated-shape", page)
        _one_psum_input(src, predicate, page)
        require(src.dtype == dst.dtype, "predicated-dtype", "src and dst must share the same data type", page)
        values = src.values.reshape(dst.shape)
    else:
        values = np.asarray(src).astype(dst.dtype)
    dst.values[...] = np.where(mask, values, dst.values)
    record.count_vector(dst.free_size, 2)


@_instruction("select_reduce")
def select_reduce(dst: NkiTensor, predicate: NkiTensor, on_true: NkiTensor, on_false: Any, reduce_res: Any = None,
                  reduce_cmd: Any = _enums.reduce_cmd.idle, reduce_op: Any = None, reverse_pred: bool = False,
                  name: str | None = None) -> None:
    """dst = where(predicate, on_true, on_false); with a reduce command, the per-partition max goes into
    the Vector engine's accumulators (reset to -inf by reset_reduce) and from there to reduce_res."""
    page = "select_reduce"
    for t, what in ((dst, "dst"), (predicate, "predicate"), (on_true, "on_true")):
        _tile(t, what, page)
    cmd = check_enum(reduce_cmd, _enums.reduce_cmd, "reduce_cmd", page)
    require(cmd in (_enums.reduce_cmd.idle, _enums.reduce_cmd.reduce, _enums.reduce_cmd.reset_reduce),
            "reduce-cmd", f"select_reduce takes idle, reduce or reset_reduce, not {cmd.name}", page)
    require(reduce_op is None or check_op(reduce_op, 2, page).name == "maximum", "reduce-op",
            "reduce_op only supports max", page)
    require(predicate.dtype in (dtypes.int8, dtypes.uint8, dtypes.int16, dtypes.uint16), "predicate-dtype",
            f"predicate dtype can be int8, uint8, int16 or uint16, got {dtypes.name(predicate.dtype)}", page)
    require(on_true.dtype not in (dtypes.int32, dtypes.uint32), "select-dtype",
            "on_true can be any supported dtype except tfloat32, int32, uint32", page)
    _same_layout(dst, on_true, "select-shape", page)
    _same_layout(dst, predicate, "select-shape", page)
    _one_psum_input(on_true, predicate, page)
    p = dst.partitions
    mask = np.asarray(predicate.values).reshape(p, -1) != 0
    result = np.where(~mask if reverse_pred else mask, _fp32(on_true).reshape(p, -1), as_operand(on_false, p, page))
    _write(dst, result)
    regs = local_state().vector_regs
    if cmd is _enums.reduce_cmd.reset_reduce:
        regs[:p] = -np.inf
    if cmd is not _enums.reduce_cmd.idle:
        regs[:p] = np.maximum(regs[:p], result.max(axis=1))
    if reduce_res is not None:
        _tile(reduce_res, "reduce_res", page)
        require(reduce_res.partitions == p and reduce_res.free_size == 1 and dtypes.is_float(reduce_res.dtype),
                "select-reduce-res", f"reduce_res must be a float ({p}, 1) tile, got {reduce_res.shape}", page)
        _write(reduce_res, regs[:p].reshape(p, 1))
    record.count_vector(dst.free_size, 2)


@_instruction("affine_select")
def affine_select(dst: NkiTensor, pattern: Any, channel_multiplier: int, on_true_tile: NkiTensor,
                  on_false_value: float, cmp_op: Any = None, offset: int = 0, name: str | None = None) -> None:
    """dst = on_true_tile where cmp_op(affine value, 0) holds, else on_false_value (GpSimd; SBUF only);
    the affine value is iota's (e.g. a causal mask)."""
    page = "affine_select"
    _tile(dst, "dst", page)
    _tile(on_true_tile, "on_true_tile", page)
    require(dst.buffer is sbuf and on_true_tile.buffer is sbuf, "affine-select-sbuf",
            "The output dst tile must be in SBUF. The input on_true_tile must also be in SBUF.", page)
    _same_layout(dst, on_true_tile, "affine-select-shape", page)
    require(isinstance(on_false_value, (int, float)) and not isinstance(on_false_value, bool),
            "scalar-operand-type", "on_false_value is a float32 scalar", page)
    op: Op = check_op(cmp_op if cmp_op is not None else _equal(), 2, page)
    p = dst.partitions
    value = affine_values(p, dst.free_size, pattern, offset, channel_multiplier, page).reshape(p, -1)
    keep = np.asarray(op.fn(value.astype(np.float32), np.float32(0))) != 0
    data = on_true_tile.values.reshape(p, -1)
    if on_true_tile.dtype == dst.dtype:
        dst.values[...] = np.where(keep, data, np.asarray(on_false_value).astype(dst.dtype)).reshape(dst.shape)
    else:
        _write(dst, np.where(keep, np.asarray(data, np.float32), np.float32(on_false_value)))
    record.count_vector(dst.free_size, 1, "gpsimd")


def _equal() -> Op:
    from .ops import OPS
    return OPS["equal"]


def _search_source(src: NkiTensor, what: str, page: str) -> np.ndarray:
    _tile(src, what, page)
    require(SEARCH_MIN <= src.free_size <= SEARCH_MAX, "search-size",
            f"{what} must have between {SEARCH_MIN} and {SEARCH_MAX} elements per partition, got {src.free_size}",
            page)
    return _fp32(src).reshape(src.partitions, -1)


@_instruction("max8")
def max8(dst: NkiTensor, src: NkiTensor, name: str | None = None) -> None:
    """dst[p, :] = the 8 largest values of partition p, descending (through fp32)."""
    page = "max8"
    values = _search_source(src, "src", page)
    _tile(dst, "dst", page)
    require(dst.partitions == src.partitions and dst.free_size == 8, "search-dst-shape",
            f"dst must be [{src.partitions}, 8], got {dst.shape}", page)
    _write(dst, -np.sort(-values, axis=1)[:, :8])
    record.count_vector(src.free_size, 1)


@_instruction("nc_find_index8")
def nc_find_index8(dst: NkiTensor, data: NkiTensor, vals: NkiTensor, name: str | None = None) -> None:
    """dst[p, j] = index of the first occurrence of vals[p, j] in data[p, :] (uint16/uint32).

    The page leaves a value absent from ``data`` undefined; the emulator writes the dtype's maximum there.
    """
    page = "nc_find_index8"
    values = _search_source(data, "data", page)
    _tile(vals, "vals", page)
    _tile(dst, "dst", page)
    require(vals.partitions == data.partitions and vals.free_size == 8, "search-dst-shape",
            "The vals tensor must have exactly 8 elements per partition", page)
    require(dst.partitions == data.partitions and dst.free_size == 8 and dst.dtype in (dtypes.uint16, dtypes.uint32),
            "search-dst-shape", f"dst is a uint16/uint32 [{data.partitions}, 8] tile, got {dst.shape} "
            f"{dtypes.name(dst.dtype)}", page)
    wanted = _fp32(vals).reshape(data.partitions, 8)
    hits = values[:, None, :] == wanted[:, :, None]
    first = np.where(hits.any(axis=2), hits.argmax(axis=2), np.iinfo(dst.dtype).max)
    dst.values[...] = first.astype(dst.dtype).reshape(dst.shape)
    record.count_vector(data.free_size, 1)


REDUCE_FNS = {"add": np.add.reduce, "subtract": np.subtract.reduce, "multiply": np.multiply.reduce,
              "maximum": np.maximum.reduce, "minimum": np.minimum.reduce}


@_instruction("tensor_scalar_reduce")
def tensor_scalar_reduce(dst: NkiTensor, data: NkiTensor, op0: Op, operand0: Any, reduce_op: Op,
                         reduce_res: NkiTensor, reverse0: bool = False, name: str | None = None) -> None:
    """dst = data <op0> operand0 and reduce_res = reduce_op of it over the free axes (Vector engine, fp32)."""
    page = "tensor_scalar_reduce"
    _tile(dst, "dst", page)
    _tile(data, "data", page)
    _tile(reduce_res, "reduce_res", page)
    op = check_op(op0, 2, page)
    require(op.kind == ARITH, "tensor-scalar-op-kinds", "op0 can only be an arithmetic operation", page)
    require(not reverse0, "not-emulated", "reverse0 is documented as not supported yet", page)
    red = check_op(reduce_op, 2, page)
    require(red.name in REDUCE_FNS, "reduce-op", f"reduce_op is add, subtract, multiply, max or min, not {red!r}",
            page)
    _same_layout(dst, data, "tensor-scalar-shape", page)
    p = data.partitions
    require(reduce_res.partitions == p and reduce_res.free_size == 1, "reduce-dst-shape",
            f"reduce_res must be a ({p}, 1) tile, got {reduce_res.shape}", page)
    x = _scalar_operands(((op, operand0, False),), _fp32(data).reshape(p, -1), p, page)
    _write(dst, x)
    with np.errstate(all="ignore"):
        _write(reduce_res, REDUCE_FNS[red.name](x, axis=1).reshape(p, 1))
    record.count_vector(data.free_size, 1)


@_instruction("exponential")
def exponential(dst: NkiTensor, src: NkiTensor, max_value: Any = 0.0, reduce_res: Any = None,
                reduce_cmd: Any = _enums.reduce_cmd.idle, reduce_init: float = 0.0, name: str | None = None) -> None:
    """exp(src - max_value) on VectorE: "Available only on NeuronCore-v4 and newer", so rejected on the
    emulator's trn1/trn2 targets."""
    require(False, "exponential-v4", f"nisa.exponential is available only on NeuronCore-v4 and newer (target "
            f"{target().name}); use activation(op=nl.exp, bias=-max) there", "exponential")


exponential.rejected_on_targets = True  # type: ignore[attr-defined]  # for the coverage table
