"""``nki.isa`` selection, search, statistics and fused-reduction instructions: predicated copies,
selects, top-8 values and their indices, tensor_scalar with a free-axis or cumulative reduction,
batch-norm statistics; ``exponential`` (v4 only).

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
              "tensor_scalar_reduce", "exponential", "bn_stats", "bn_aggr", "tensor_scalar_cumulative",
              "nc_n_gather", "nc_stream_shuffle", "range_select"):
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
        require(dtypes.same(src.dtype, dst.dtype), "predicated-dtype", "src and dst must share the same data "
                f"type, got {dtypes.name(src.dtype)} and {dtypes.name(dst.dtype)}", page)
        values = src.values.reshape(dst.shape)
    else:
        values = dtypes.cast(src, dst.dtype)
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
    require(on_true.dtype not in (dtypes.int32, dtypes.uint32) and not dtypes.is_tf32(on_true.dtype),
            "select-dtype", "on_true can be any supported dtype except tfloat32, int32, uint32, got "
            f"{dtypes.name(on_true.dtype)}", page)
    _same_layout(dst, on_true, "select-shape", page)
    _same_layout(dst, predicate, "select-shape", page)
    _one_psum_input(on_true, predicate, page)
    p = dst.partitions
    mask = np.asarray(predicate.values).reshape(p, -1) != 0
    result = np.where(~mask if reverse_pred else mask, _fp32(on_true).reshape(p, -1), as_operand(on_false, p, page))
    _write(dst, result)
    _running_max(result, cmd, reduce_res, page)
    record.count_vector(dst.free_size, 2)


def _running_max(result: np.ndarray, cmd: _enums.reduce_cmd, reduce_res: Any, page: str) -> None:
    """The Vector engine's accumulators take each row's max (reset_reduce starts them at -inf); reduce_res,
    a float (P, 1) tile, reads them out."""
    p = result.shape[0]
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


RANGE_COMPARISONS = ("equal", "less", "less_equal", "greater", "greater_equal")


@_instruction("range_select")
def range_select(dst: NkiTensor, on_true_tile: NkiTensor, comp_op0: Any, comp_op1: Any, bound0: NkiTensor,
                 bound1: NkiTensor, reduce_cmd: Any = _enums.reduce_cmd.reset_reduce, reduce_res: Any = None,
                 reduce_op: Any = None, range_start: float = 0, on_false_value: float = -3.4028235e38,
                 name: str | None = None) -> None:
    """dst = on_true_tile where comp_op0(j + range_start, bound0) and comp_op1(j + range_start, bound1) for
    free index j, else on_false_value; the row max goes through the Vector engine's accumulators
    (NeuronCore-v3 and newer)."""
    page = "range_select"
    require(target().name != "trn1", "range-select-v3", "range_select is available only on NeuronCore-v3 and "
            "newer", page)
    for t, what in ((dst, "dst"), (on_true_tile, "on_true_tile"), (bound0, "bound0"), (bound1, "bound1")):
        _tile(t, what, page)
    ops = [check_op(op, 2, page) for op in (comp_op0, comp_op1)]
    require(all(op.name in RANGE_COMPARISONS for op in ops), "range-select-ops",
            f"the comparison operators must be one of {', '.join('nl.' + n for n in RANGE_COMPARISONS)}", page)
    require(reduce_op is None or check_op(reduce_op, 2, page).name == "maximum", "reduce-op",
            "reduce_op is nl.maximum", page)
    require(dtypes.is_float(on_true_tile.dtype), "select-dtype", "on_true_tile must be one of the FP dtypes", page)
    _same_layout(dst, on_true_tile, "select-shape", page)
    p = dst.partitions
    bounds = []
    for b, what in ((bound0, "bound0"), (bound1, "bound1")):
        require(b.partitions == p and b.free_size == 1 and dtypes.is_fp32(b.dtype), "range-select-bounds",
                f"{what} must be an fp32 tile with one element per partition, got {b.shape} {dtypes.name(b.dtype)}",
                page)
        bounds.append(_fp32(b).reshape(p, 1))
    index = np.arange(on_true_tile.free_size, dtype=np.float32)[None, :] + np.float32(range_start)
    keep = (np.asarray(ops[0].fn(index, bounds[0])) != 0) & (np.asarray(ops[1].fn(index, bounds[1])) != 0)
    result = np.where(keep, _fp32(on_true_tile).reshape(p, -1), np.float32(on_false_value))
    _write(dst, result)
    _running_max(result, check_enum(reduce_cmd, _enums.reduce_cmd, "reduce_cmd", page), reduce_res, page)
    record.count_vector(dst.free_size, 1)


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
    if dtypes.same(on_true_tile.dtype, dst.dtype):
        dst.values[...] = np.where(keep, data, dtypes.cast(on_false_value, dst.dtype)).reshape(dst.shape)
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


@_instruction("nc_n_gather")
def nc_n_gather(dst: NkiTensor, data: NkiTensor, indices: NkiTensor, name: str | None = None) -> None:
    """dst[p, j] = data[p, indices[p, j]] over each partition's flattened free elements (GpSimd, SBUF only)."""
    page = "nc_n_gather"
    for t, what in ((dst, "dst"), (data, "data"), (indices, "indices")):
        _tile(t, what, page)
        require(t.buffer is sbuf, "gather-sbuf", "All input and output tiles (data, indices, and dst) must be in "
                "SBUF", page)
    require(dtypes.same(dst.dtype, data.dtype), "gather-dtype",
            "The output dst tile must have the same data type as data", page)
    require(indices.dtype == dtypes.uint32, "gather-dtype", "The indices tile must be uint32", page)
    require(dst.partitions == data.partitions == indices.partitions and dst.free_size == indices.free_size,
            "gather-shape", f"dst {dst.shape}, data {data.shape} and indices {indices.shape} must share partitions, "
            f"and dst must have as many elements per partition as indices", page)
    p = data.partitions
    idx = np.asarray(indices.values).reshape(p, -1).astype(np.int64)
    require(bool((idx < data.free_size).all()), "gather-index",
            f"indices must be within [0, {data.free_size}), got up to {int(idx.max())}", page)
    dst.values[...] = np.take_along_axis(data.values.reshape(p, -1), idx, axis=1).reshape(dst.shape)
    record.count_vector(dst.free_size, 1, "gpsimd")


def _quadrant_start(t: NkiTensor, active: int, what: str, page: str) -> None:
    allowed = (0,) if active > 64 else (0, 64) if active > 32 else (0, 32, 64, 96)
    require(t.start_partition in allowed, "start-partition",
            f"{what} starts at partition {t.start_partition}; with {active} active partitions it must start at "
            f"{'/'.join(map(str, allowed))}", page)


@_instruction("nc_stream_shuffle")
def nc_stream_shuffle(dst: NkiTensor, src: NkiTensor, shuffle_mask: Any, name: str | None = None) -> None:
    """Within each 32-partition quadrant, dst partition i = src partition shuffle_mask[i] (255: unchanged);
    the same mask for every quadrant (Vector engine; in place allowed)."""
    page = "nc_stream_shuffle"
    _tile(dst, "dst", page)
    _tile(src, "src", page)
    require(dtypes.same(dst.dtype, src.dtype), "shuffle-dtype", "dst must have same data type as src", page)
    require(dst.free_size == src.free_size, "shuffle-shape",
            "dst must have the same number of elements per partition as src", page)
    mask = [int(m) for m in shuffle_mask]
    require(len(mask) == 32 and all(0 <= m < 32 or m == 255 for m in mask), "shuffle-mask",
            f"shuffle_mask is 32 partition numbers in [0, 32) or 255, got {shuffle_mask!r}", page)
    active = -(-max(src.partitions, dst.partitions) // 32) * 32
    _quadrant_start(src, active, "src", page)
    _quadrant_start(dst, active, "dst", page)
    source = np.array(src.values.reshape(src.partitions, -1), copy=True)
    out = dst.values.reshape(dst.partitions, -1)
    for q in range(0, active, 32):
        for i, m in enumerate(mask):
            if m != 255 and q + i < dst.partitions:
                require(q + m < src.partitions, "shuffle-mask",
                        f"partition {q + i} copies src partition {q + m}, which src does not have", page)
                out[q + i] = source[q + m]
    if dst.written is not None:
        dst.written[...] = True
    record.count_vector(src.free_size, 1)


BN_STATS_FMAX = 512  # nl.tile_size.bn_stats_fmax (bn_stats page)


@_instruction("bn_stats")
def bn_stats(dst: NkiTensor, data: NkiTensor, name: str | None = None) -> None:
    """Per partition (count, mean, variance * count) of the even elements, then of the odd ones (fp32)."""
    page = "bn_stats"
    _tile(dst, "dst", page)
    _tile(data, "data", page)
    require(data.free_size <= BN_STATS_FMAX, "bn-stats-size",
            f"the free dimension size of data must not exceed {BN_STATS_FMAX}, got {data.free_size}", page)
    require(dst.partitions == data.partitions and dst.free_size == 6, "bn-stats-dst",
            f"dst holds 6 statistics per partition: [{data.partitions}, 6], got {dst.shape}", page)
    x = _fp32(data).reshape(data.partitions, -1).astype(np.float64)
    stats = [_moments(half) for half in (x[:, 0::2], x[:, 1::2])]
    _write(dst, np.concatenate([np.stack(s, axis=1) for s in stats], axis=1))
    record.count_vector(data.free_size, 1)


def _moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    count = np.full(x.shape[0], float(x.shape[1]))
    if not x.shape[1]:
        return count, np.zeros(x.shape[0]), np.zeros(x.shape[0])
    mean = x.mean(axis=1)
    return count, mean, ((x - mean[:, None]) ** 2).sum(axis=1)


@_instruction("bn_aggr")
def bn_aggr(dst: NkiTensor, data: NkiTensor, name: str | None = None) -> None:
    """Combine (count, mean, variance * count) triples per partition into [mean, variance] (fp32)."""
    page = "bn_aggr"
    _tile(dst, "dst", page)
    _tile(data, "data", page)
    require(data.free_size % 3 == 0, "bn-aggr-size",
            f"the number of elements per partition of data must be a multiple of three, got {data.free_size}", page)
    require(dst.partitions == data.partitions and dst.free_size == 2, "bn-aggr-dst",
            f"dst holds a mean and a variance per partition: [{data.partitions}, 2], got {dst.shape}", page)
    t = _fp32(data).reshape(data.partitions, -1, 3).astype(np.float64)
    count, mean, m2 = t[..., 0], t[..., 1], t[..., 2]
    total = count.sum(axis=1)
    with np.errstate(all="ignore"):
        grand = (count * mean).sum(axis=1) / total
        var = (m2 + count * (mean - grand[:, None]) ** 2).sum(axis=1) / total
    _write(dst, np.stack([grand, var], axis=1))
    record.count_vector(data.free_size, 1)


CUMULATIVE_START = {"add": 0.0, "subtract": 0.0, "multiply": 1.0, "maximum": -np.inf, "minimum": np.inf}


@_instruction("tensor_scalar_cumulative")
def tensor_scalar_cumulative(dst: NkiTensor, src: NkiTensor, op0: Op, op1: Op, imm0: Any, imm1: Any = None,
                             reduce_cmd: Any = _enums.reduce_cmd.reset_reduce, name: str | None = None) -> None:
    """reg = op1(src[i] <op0> imm0, reg); dst[i] = reg along each partition's free elements, with the
    Vector engine's accumulators (reset by op1's identity, kept, or loaded from imm1)."""
    page = "tensor_scalar_cumulative"
    _tile(dst, "dst", page)
    _tile(src, "src", page)
    _same_layout(dst, src, "tensor-scalar-shape", page)
    op0, op1 = check_op(op0, 2, page), check_op(op1, 2, page)
    require(op0.kind == ARITH, "tensor-scalar-op-kinds", "op0 must be an arithmetic op", page)
    require(op1.name in CUMULATIVE_START, "reduce-op", f"op1 is limited to add, subtract, mult, max, min, "
            f"not {op1!r}", page)
    require(all(t.dtype not in (dtypes.int32, dtypes.uint32) for t in (dst, src)), "cumulative-dtype",
            "INT32/UINT32 are not supported as input/output dtypes", page)
    cmd = check_enum(reduce_cmd, _enums.reduce_cmd, "reduce_cmd", page)
    p = src.partitions
    regs = local_state().vector_regs
    if cmd is _enums.reduce_cmd.reset_reduce:
        regs[:p] = CUMULATIVE_START[op1.name]
    elif cmd is _enums.reduce_cmd.load_reduce:
        regs[:p] = np.broadcast_to(np.float32(as_operand(imm1, p, page)), (p, 1)).reshape(p)
    else:
        require(cmd is _enums.reduce_cmd.reduce, "reduce-cmd", "reduce_cmd is reset_reduce, reduce or load_reduce",
                page)
    x = _scalar_operands(((op0, imm0, False),), _fp32(src).reshape(p, -1), p, page)
    out = np.empty_like(x)
    state = regs[:p].copy()
    with np.errstate(all="ignore"):
        for i in range(x.shape[1]):  # a recurrence along the free elements, all partitions at once
            state = np.asarray(op1.fn(x[:, i], state), np.float32)
            out[:, i] = state
    regs[:p] = state
    _write(dst, out)
    record.count_vector(src.free_size, 1)


@_instruction("exponential")
def exponential(dst: NkiTensor, src: NkiTensor, max_value: Any = 0.0, reduce_res: Any = None,
                reduce_cmd: Any = _enums.reduce_cmd.idle, reduce_init: float = 0.0, name: str | None = None) -> None:
    """exp(src - max_value) on VectorE: "Available only on NeuronCore-v4 and newer", so rejected on the
    emulator's trn1/trn2 targets."""
    require(False, "exponential-v4", f"nisa.exponential is available only on NeuronCore-v4 and newer (target "
            f"{target().name}); use activation(op=nl.exp, bias=-max) there", "exponential")


exponential.rejected_on_targets = True  # type: ignore[attr-defined]  # for the coverage table
