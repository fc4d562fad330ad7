"""``nki.isa`` as the emulator runs it: the 0.3.0 signatures (``dst`` first, positional or
keyword, no return value) with the semantics and rules of each instruction's API page
(D/nki/api/generated/nki.isa.<name>.html; common fields D/nki/api/nki.api.shared.html).

0.3.0 calls are ordinary Python calls: the update guide and the matmul tutorial write
``nisa.nc_matmul(dst, stationary, moving)`` positionally. trnfft's own kernels use
keywords as a house style; the emulator accepts both.
"""
from __future__ import annotations

import functools
import inspect
import math
from typing import Any, Callable

import numpy as np

from . import dtypes, precision, record
from . import enums as _enums
from .enums import (check_enum, dge_mode, dma_engine, engine, engine_name, matmul_perf_mode,  # noqa: F401
                    nc_version, oob_mode, reduce_cmd)
from .ops import ARITH, BITVEC, Op, apply_binary, as_operand, check_op
from .rules import NkiRuleError, not_emulated_attribute, require
from .target import target
from .hardware import GEMM_STATIONARY_FMAX, PMAX, PSUM_BANK_FP32
from .tensors import NkiTensor, local_state, psum, sbuf

MATMUL_K, MATMUL_M, MATMUL_N = PMAX, GEMM_STATIONARY_FMAX, PSUM_BANK_FP32

tensor_engine, vector_engine, scalar_engine = engine.tensor, engine.vector, engine.scalar
gpsimd_engine, unknown_engine = engine.gpsimd, engine.unknown


def get_nc_version() -> nc_version:
    """The NeuronCore generation of the target (TRNFFT_NKI_TARGET): trn1 -> gen2, trn2 -> gen3, trn3 -> gen4."""
    return nc_version(target().generation)


def _touches_psum(args: tuple, kwargs: dict) -> bool:
    """Whether an instruction's operands include a PSUM tile (for the cost model's shared PSUM port)."""
    return any(isinstance(a, NkiTensor) and a.buffer is psum for a in (*args, *kwargs.values()))


def _instruction(page: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Wrap an instruction: a bad call (unknown keyword, missing argument, removed mask=) is a rule error."""

    def wrap(fn: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> None:
            require("mask" not in kwargs, "removed-mask",
                    "mask= was removed in NKI Beta 2; clamp ranges with min() instead", "beta2")
            try:
                with record.psum_access(_touches_psum(args, kwargs)):
                    fn(*args, **kwargs)
            except TypeError:
                try:
                    signature.bind(*args, **kwargs)
                except TypeError as exc:
                    raise NkiRuleError("isa-signature", f"nisa.{fn.__name__}{signature}: {exc}", page) from None
                raise
            return None

        return call

    return wrap


# -- operand checks shared by the compute instructions ----------------------------------
def _tensor(x: Any, what: str, page: str) -> NkiTensor:
    require(isinstance(x, NkiTensor), "operand-type", f"{what} must be an NKI tensor, got {type(x).__name__}",
            page)
    return x


def _tile(x: Any, what: str, page: str) -> NkiTensor:
    """A compute-engine operand: an SBUF/PSUM tile whose start partition NeuronCore-v2 can address.

    "All NKI APIs operate on tiles. A tile is just a tensor that resides in either the
    SBUF or PSUM memory" (D/nki/get-started/about/tiling-overview.html). Start partitions on
    NeuronCore-v2 (nki-reference.md section 1, tiling overview): a tile of more than 64
    partitions starts at 0, of 33-64 at 0 or 64, of at most 32 at 0/32/64/96; trn2 lifts it.
    """
    _tensor(x, what, page)
    require(x.buffer.on_chip, "tile-on-chip",
            f"{what} must be an SBUF or PSUM tile, got an {x.buffer!r} tensor (move it with dma_copy/nl.load)",
            page)
    if target().name == "trn1":
        start, parts = x.start_partition, x.partitions
        allowed = (0,) if parts > 64 else (0, 64) if parts > 32 else (0, 32, 64, 96)
        require(start in allowed, "start-partition",
                f"{what}: a {parts}-partition tile must start at partition {'/'.join(map(str, allowed))} on "
                f"NeuronCore-v2, this one starts at {start}", "tiling")
    return x


def _tiles(page: str, **operands: Any) -> None:
    """Each named operand is a compute-engine tile (see :func:`_tile`)."""
    for what, t in operands.items():
        _tile(t, what, page)


def _arithmetic_pair(op0: Op, op1: Op, rule: str, message: str, page: str) -> tuple[Any, Any]:
    """``op0`` and ``op1`` checked as binary arithmetic operators (bitvec ones rejected)."""
    op0, op1 = check_op(op0, 2, page), check_op(op1, 2, page)
    require(op0.kind == ARITH and op1.kind == ARITH, rule, message, page)
    return op0, op1


def _same_layout(a: NkiTensor, b: NkiTensor, rule: str, page: str) -> None:
    require(a.partitions == b.partitions and a.free_size == b.free_size, rule,
            f"tiles must have the same partition count and elements per partition (no "
            f"broadcasting): {a.shape} vs {b.shape}", page)


def _no_gpsimd_psum(eng: str, tiles: tuple[NkiTensor, ...], page: str) -> None:
    require(not (eng == "gpsimd" and any(t.buffer is psum for t in tiles)), "gpsimd-psum",
            "the GpSimd engine cannot access PSUM (nki-reference.md section 2; tensor_copy page)", page)


def _one_psum_input(a: NkiTensor, b: NkiTensor, page: str) -> None:
    require(not (a.buffer is psum and b.buffer is psum), "two-psum-inputs",
            "the two input tiles cannot both reside in PSUM", page)


def _integers(tiles: tuple[NkiTensor, ...], op: Op, page: str) -> None:
    require(all(not dtypes.is_float(t.dtype) for t in tiles), "bitvec-dtype",
            f"bitvec operator {op!r} takes integer tiles only (bit patterns, no casting), got "
            f"{[dtypes.name(t.dtype) for t in tiles]}", page)


def _fp32(x: NkiTensor) -> np.ndarray:
    return np.asarray(x.values, dtype=np.float32)


def _tensor_engine_values(x: NkiTensor) -> np.ndarray:
    """An operand as the Tensor engine reads it: fp32, a tfloat32 tile reduced to its 10 mantissa bits (engine
    writes round a tf32 tile already; a ``.view()`` as tfloat32 of fp32 bits is reduced here)."""
    return dtypes.to_tf32(_fp32(x)) if dtypes.is_tf32(x.dtype) else _fp32(x)


def _values(x: NkiTensor, op: Op) -> np.ndarray:
    """What the engine computes on: fp32 for arithmetic, the raw integers for bitvec."""
    return x.values if op.kind == BITVEC else _fp32(x)


def _write(dst: NkiTensor, values: np.ndarray) -> None:
    """Store ``values`` into ``dst``, casting through fp32 as NKI engines do."""
    dst.values[...] = dtypes.round_to(values, dst.dtype).reshape(dst.shape)
    if dst.written is not None:
        dst.written[...] = True


# -- Tensor engine -----------------------------------------------------------------------
def _onezero_hint(t: NkiTensor, values: np.ndarray, flag: Any, what: str, page: str) -> bool:
    """Whether ``is_<what>_onezero`` takes effect: set, on an fp32 operand (the nc_matmul page: the hint "could
    lead to 2x better performance" for a float32 tile, "no impact for non-float32"). A flagged fp32 operand
    must then hold only 0 and 1: the hint tells the compiler so, and the docs promise nothing for a tile that
    breaks it, so the emulator rejects it rather than compute what the hardware might not."""
    if not flag or not dtypes.is_fp32(t.dtype):
        return False
    other = ~((values == 0) | (values == 1))
    if other.any():
        at = tuple(int(i) for i in np.argwhere(other)[0])
        require(False, "matmul-onezero",
                f"is_{what}_onezero=True but {what} {t.shape} holds values other than 0 and 1: "
                f"{int(other.sum())} of {other.size} elements, e.g. {float(values[at])!r} at [partition, column] "
                f"{list(at)}", page)
    return True


def _pair(value: Any, what: str, page: str) -> tuple[int, int]:
    """A tiling field as two ints, or the rule error."""
    ok = isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    require(ok, "matmul-tiling", f"{what} must be a tuple of two integers, got {value!r}", page)
    return int(value[0]), int(value[1])


def _matmul_tiling(tile_position: Any, tile_size: Any, k: int, m: int, page: str) -> tuple[int, int]:
    """Row tiling (nc_matmul page, "Tiling mode"): both fields or neither; the stationary tile fits. Returns
    the row tile (start_row, row_size), (0, 128) without tiling.

    The page's prose allows column tiling too, its parameter list says start_column must be
    0 and column_size 128; the emulator follows the stricter parameter list.
    """
    require(bool(tile_position) == bool(tile_size), "matmul-tiling",
            "tile_position and tile_size must both be set to enable tiling mode", page)
    if not tile_size:
        return record.ALL_ROWS
    (start_row, start_col), (row_size, col_size) = _pair(tile_position, "tile_position", page), _pair(
        tile_size, "tile_size", page)
    rows = (64, 128) if target().name == "trn1" else (32, 64, 128)
    require(row_size in rows, "matmul-tiling",
            f"row_size {row_size} must be one of {rows} on {target().name}", page)
    require(start_col == 0 and col_size == 128, "matmul-tiling",
            f"start_column must be 0 and column_size 128, got {start_col}, {col_size}", page)
    require(start_row % row_size == 0 and 0 <= start_row and start_row + row_size <= 128, "matmul-tiling",
            f"start_row {start_row} must be a multiple of row_size {row_size} within the 128 rows", page)
    require(k <= row_size and m <= col_size, "matmul-tiling",
            f"the stationary tile [{k}, {m}] must fit the chosen tile_size {tuple(tile_size)}", page)
    return start_row, row_size


def _on_rows(rows: tuple[int, int], *operands: NkiTensor) -> bool:
    """Whether every operand sits on the SBUF partitions of the row tile's PE rows, the case the cost model
    credits with concurrency (``costmodel`` docstring: each partition feeds its own PE row)."""
    start, size = rows
    return all(start <= t.start_partition and t.start_partition + t.partitions <= start + size for t in operands)


@_instruction("matmul")
def nc_matmul(dst: NkiTensor, stationary: NkiTensor, moving: NkiTensor, is_stationary_onezero: bool = False,
              is_moving_onezero: bool = False, is_transpose: bool = False, accumulate: bool | None = None,
              tile_position: tuple = (), tile_size: tuple = (), perf_mode: Any = matmul_perf_mode.none,
              name: str | None = None) -> None:
    """dst[M, N] (+)= stationary[K, M].T @ moving[K, N] on the Tensor engine, fp32 in PSUM."""
    page = "matmul"
    _tiles(page, dst=dst, stationary=stationary, moving=moving)
    require(stationary.buffer is sbuf and moving.buffer is sbuf, "matmul-inputs-in-sbuf",
            f"nc_matmul reads stationary and moving from SBUF (got {stationary.buffer!r}, "
            f"{moving.buffer!r})", page)
    require(dst.buffer is psum, "matmul-output-in-psum",
            f"nc_matmul writes its result to PSUM (dst is in {dst.buffer!r})", page)
    mode_ = check_enum(perf_mode, matmul_perf_mode, "perf_mode", page)
    require(mode_ is matmul_perf_mode.none or target().name != "trn1", "matmul-perf-mode",
            "On NeuronCore-v2, performance mode is not supported", page)
    require(mode_ is matmul_perf_mode.none, "not-emulated", "perf_mode=double_row is not emulated", page)
    require(accumulate is None or isinstance(accumulate, bool), "matmul-accumulate",
            f"accumulate is True, False or None, got {accumulate!r}", page)
    k, m, n = stationary.partitions, stationary.free_size, moving.free_size
    require(moving.partitions == k, "matmul-contraction",
            f"stationary and moving must share the partition (contraction) dim: {k} vs "
            f"{moving.partitions}", page)
    require(k <= MATMUL_K, "matmul-K", f"contraction dim K={k} exceeds {MATMUL_K}", page)
    require(m <= MATMUL_M, "matmul-M", f"stationary free size M={m} exceeds {MATMUL_M}", page)
    require(n <= MATMUL_N, "matmul-N", f"moving free size N={n} exceeds {MATMUL_N} (one PSUM bank)", page)
    rows = _matmul_tiling(tile_position, tile_size, k, m, page)
    require(dst.partitions == m and dst.free_size == n, "matmul-dst-shape",
            f"dst must be [M={m}, N={n}], got {dst.shape}", page)
    transpose_dtype = is_transpose and dtypes.same(dst.dtype, stationary.dtype) and target().name != "trn1"
    require(dtypes.is_fp32(dst.dtype) or transpose_dtype, "matmul-dst-dtype",
            f"nc_matmul dst must be fp32 on NeuronCore-v2/v3, dst is {dtypes.name(dst.dtype)}", page)
    for t, what in ((stationary, "stationary"), (moving, "moving")):
        require(t.dtype in dtypes.MATMUL_INPUTS, "matmul-input-dtype",
                f"{what} dtype {dtypes.name(t.dtype)} is not one of fp8/bf16/fp16/tf32/fp32", page)
    fp32_family = [dtypes.is_fp32(t.dtype) or dtypes.is_tf32(t.dtype) for t in (stationary, moving)]
    require(all(fp32_family) or not any(fp32_family), "matmul-fp32-pairing",
            "if one of the input tiles is tfloat32/float32, the other tile must also be tfloat32/float32, got "
            f"stationary {dtypes.name(stationary.dtype)}, moving {dtypes.name(moving.dtype)}", page)
    # fp32 rate when either input is fp32 (tf32 with fp32 included: the docs give tf32's rate only for tf32
    # inputs); tf32 x tf32 at the bf16/tf32 rate (92 vs 23 TF/s on trn1, nki-reference.md section 2)
    fp32_rate = any(dtypes.is_fp32(t.dtype) for t in (stationary, moving))
    mode = precision.mode()
    # from NeuronCore-v3 a transpose-mode matmul is "bit-accurate" (nc_matmul page): a tf32 tile's bits pass as they are
    bit_accurate = is_transpose and target().name != "trn1"
    s = (_fp32(stationary) if bit_accurate else _tensor_engine_values(stationary)).reshape(k, m)
    v = _tensor_engine_values(moving).reshape(k, n)
    hinted = _onezero_hint(stationary, s, is_stationary_onezero, "stationary", page)
    hinted = _onezero_hint(moving, v, is_moving_onezero, "moving", page) or hinted
    if mode == "bf16":
        s = s.astype(dtypes.bfloat16).astype(np.float32)
        v = v.astype(dtypes.bfloat16).astype(np.float32)
    product = (s.T @ v).reshape(dst.shape)
    if not (dtypes.is_fp32(dst.dtype) or (bit_accurate and dtypes.is_tf32(dst.dtype))):
        product = dtypes.round_to(product, dst.dtype)
    written = dst.written
    assert written is not None  # dst is in PSUM (required above), which tracks written elements
    if accumulate is None:  # first write to a location overwrites, later ones add
        dst.values[...] = np.where(written, dst.values + product, product)
    elif accumulate:
        dst.values[...] += product
    else:
        dst.values[...] = product
    written[...] = True
    movement = record.current() is not None and (record.is_selection(s) or record.is_selection(v))
    record.count_matmul(k, m, n, _pair_name(stationary, moving), fp32_rate and mode == "fp32", movement, hinted,
                        rows, _on_rows(rows, stationary, moving), dst.storage, dst.footprint)


def _pair_name(stationary: NkiTensor, moving: NkiTensor) -> str:
    """A matmul's dtype as the counters show it: the inputs' dtype, or ``stationary*moving`` when they differ."""
    names = dtypes.name(stationary.dtype), dtypes.name(moving.dtype)
    return names[0] if names[0] == names[1] else "*".join(names)


@_instruction("transpose")
def nc_transpose(dst: NkiTensor, data: NkiTensor, engine: Any = engine.unknown, name: str | None = None) -> None:
    """Swap partition and free dims: Tensor engine up to [128, 128] SBUF -> PSUM, Vector up to [32, 32]."""
    page = "transpose"
    _tile(dst, "dst", page)
    _tile(data, "data", page)
    p, f = data.partitions, data.free_size
    auto = "vector" if p <= 32 and f <= 32 and dst.buffer is not psum else "tensor"
    eng = engine_name(engine, ("tensor", "vector"), auto, page)
    if eng == "tensor":
        require(p <= 128 and f <= 128, "transpose-tensor-size",
                f"Tensor-engine transpose takes at most [128, 128], got [{p}, {f}]", page)
        require(data.buffer is sbuf and dst.buffer is psum, "transpose-tensor-buffers",
                "Tensor-engine transpose reads SBUF and writes PSUM", page)
    else:
        require(p <= 32 and f <= 32, "transpose-vector-size",
                f"Vector-engine transpose takes at most [32, 32], got [{p}, {f}]", page)
    require(dtypes.same(dst.dtype, data.dtype), "transpose-dtype",
            f"dst dtype {dtypes.name(dst.dtype)} must equal data dtype {dtypes.name(data.dtype)}", page)
    require(dst.partitions == f and dst.free_size == p, "transpose-dst-shape",
            f"dst must be [{f}, {p}], got {dst.shape}", page)
    # "Starting NeuronCore-v3, all Tensor Engine transpose is bit-accurate" (nc_transpose page); on NeuronCore-v2 it
    # is an identity matmul, which reads a tf32 tile at tf32
    v2_matmul = eng == "tensor" and dtypes.is_tf32(data.dtype) and target().name == "trn1"
    read = _tensor_engine_values(data) if v2_matmul else data.values
    dst.values[...] = read.reshape(p, f).T.reshape(dst.shape)
    if dst.written is not None:
        dst.written[...] = True
    if eng == "tensor":  # an identity matmul: the moving side is [P, P]
        record.count_matmul(p, f, p, dtypes.name(data.dtype), dtypes.is_fp32(data.dtype), movement=True)
    else:
        record.count_vector(f, 1)


# -- Vector / Scalar / GpSimd -------------------------------------------------------------
@_instruction("tensor_copy")
def tensor_copy(dst: NkiTensor, src: NkiTensor, engine: Any = engine.unknown, name: str | None = None) -> None:
    """Copy within SBUF/PSUM (PSUM -> SBUF is the way out of PSUM): bit-exact when dtypes match,
    else through fp32; ScalarE always casts through fp32."""
    page = "tensor_copy"
    _tile(dst, "dst", page)
    _tile(src, "src", page)
    _same_layout(dst, src, "tensor-copy-shape", page)
    eng = engine_name(engine, ("vector", "scalar", "gpsimd"), "vector", page)
    _no_gpsimd_psum(eng, (dst, src), page)
    require(not (eng == "scalar" and target().name == "trn1"), "tensor-copy-scalar-v2",
            "On NeuronCore v2, tensor_copy is not supported on the Scalar Engine; use activation(op=nl.copy)",
            page)
    if dtypes.same(dst.dtype, src.dtype) and eng != "scalar":
        dst.values[...] = src.values.reshape(dst.shape)
        if dst.written is not None:
            dst.written[...] = True
    else:
        _write(dst, _fp32(src))
    record.count_vector(src.free_size, 1, eng)


@_instruction("tensor_tensor")
def tensor_tensor(dst: NkiTensor, data1: NkiTensor, data2: NkiTensor, op: Op, engine: Any = engine.unknown,
                  name: str | None = None) -> None:
    """dst = data1 <op> data2 elementwise (fp32 math, or bit patterns for bitvec ops); identical
    layouts, at most one PSUM input; nl.power runs on GpSimd."""
    page = "tensor_tensor"
    _tiles(page, dst=dst, data1=data1, data2=data2)
    op = check_op(op, 2, page)
    _same_layout(data1, data2, "tensor-tensor-shape", page)
    _same_layout(dst, data1, "tensor-tensor-shape", page)
    _one_psum_input(data1, data2, page)
    tiles = (dst, data1, data2)
    if op.kind == BITVEC:
        _integers(tiles, op, page)
    ints32 = all(t.dtype in (dtypes.int32, dtypes.uint32) for t in tiles)
    any_psum = any(t.buffer is psum for t in tiles)
    default = "gpsimd" if op.name == "power" or (ints32 and not any_psum) else "vector"
    eng = engine_name(engine, ("vector", "gpsimd"), default, page)
    _no_gpsimd_psum(eng, tiles, page)
    if ints32 and eng == "gpsimd" and op.kind == ARITH and op.name in ("add", "subtract", "multiply"):
        values = op.fn(data1.values.astype(np.int64), data2.values.reshape(data1.shape).astype(np.int64))
        dst.values[...] = values.astype(dst.dtype).reshape(dst.shape)  # exact native integer math
    else:
        _write(dst, apply_binary(op, _values(data1, op), _values(data2, op).reshape(data1.shape)))
    record.count_vector(data1.free_size, 2, eng)


def _scalar_operands(ops: tuple[tuple[Any, Any, bool], ...], x: np.ndarray, p: int, page: str) -> np.ndarray:
    for op, operand, reverse in ops:
        if op is None:
            continue
        value = as_operand(operand, p, page)
        if op.kind == BITVEC:
            require(isinstance(value, float) and float(value).is_integer(), "bitvec-dtype",
                    "bitvec operators take integer scalar operands", page)
            value = int(value)
        x = apply_binary(op, value, x) if reverse else apply_binary(op, x, value)
    return x


def _fp32_operand(value: Any, what: str, page: str) -> None:
    if isinstance(value, NkiTensor):
        require(dtypes.is_fp32(value.dtype), "operand-dtype",
                f"{what} must be float32 for arithmetic operators, got {dtypes.name(value.dtype)}", page)


@_instruction("tensor_scalar")
def tensor_scalar(dst: NkiTensor, data: NkiTensor, op0: Op, operand0: Any, reverse0: bool = False,
                  op1: Op | None = None, operand1: Any = None, reverse1: bool = False,
                  engine: Any = engine.unknown, name: str | None = None) -> None:
    """dst = (data <op0> operand0) <op1> operand1; operands are scalars or [P, 1] tiles."""
    page = "tensor_scalar"
    _tile(dst, "dst", page)
    _tile(data, "data", page)
    _same_layout(dst, data, "tensor-scalar-shape", page)
    op0 = check_op(op0, 2, page)
    require((op1 is None) == (operand1 is None), "tensor-scalar-op1",
            "op1 and operand1 are optional, but must both be None when unused", page)
    op1 = check_op(op1, 2, page) if op1 is not None else None
    require(op1 is None or op1.kind == op0.kind, "tensor-scalar-op-kinds",
            "op0 and op1 must be of the same type (both bitvec or both arithmetic)", page)
    eng = engine_name(engine, ("vector", "scalar", "gpsimd"), "vector", page)
    if op0.kind == BITVEC:
        require(eng == "vector", "tensor-scalar-bitvec-engine",
                "bitvec tensor_scalar must run on the Vector engine", page)
        _integers((dst, data), op0, page)
    else:
        _fp32_operand(operand0, "operand0", page)
        _fp32_operand(operand1, "operand1", page)
    if eng == "scalar" and target().name != "trn1":
        combo = (op0.name, op1.name if op1 is not None else None)
        require(combo in (("multiply", "add"), ("multiply", None), ("add", None)), "tensor-scalar-scalar-ops",
                f"the Scalar Engine on trn2 only supports multiply+add, multiply or add, got {combo}", page)
    _no_gpsimd_psum(eng, (dst, data), page)
    p = data.partitions
    x = _scalar_operands(((op0, operand0, reverse0), (op1, operand1, reverse1)),
                         _values(data, op0).reshape(p, -1), p, page)
    _write(dst, x)
    record.count_vector(data.free_size, 1, eng)


@_instruction("scalar_tensor_tensor")
def scalar_tensor_tensor(dst: NkiTensor, data: NkiTensor, op0: Op, operand0: Any, op1: Op, operand1: NkiTensor,
                         reverse0: bool = False, reverse1: bool = False, name: str | None = None) -> None:
    """dst = (data <op0> operand0) <op1> operand1 on the Vector engine, in fp32, at about one tensor_tensor."""
    page = "scalar_tensor_tensor"
    _tiles(page, dst=dst, data=data, operand1=operand1)
    op0, op1 = _arithmetic_pair(op0, op1, "scalar-tensor-tensor-ops", "Both op0 and op1 must be arithmetic "
                                "operators; bitvec operators are not supported", page)
    _same_layout(dst, data, "scalar-tensor-tensor-shape", page)
    _same_layout(operand1, data, "scalar-tensor-tensor-shape", page)
    _one_psum_input(data, operand1, page)
    p = data.partitions
    x = _scalar_operands(((op0, operand0, reverse0),), _fp32(data).reshape(p, -1), p, page)
    y = _fp32(operand1).reshape(p, -1)
    _write(dst, apply_binary(op1, y, x) if reverse1 else apply_binary(op1, x, y))
    record.count_vector(data.free_size, 2)


@_instruction("tensor_tensor_scan")
def tensor_tensor_scan(dst: NkiTensor, data0: NkiTensor, data1: NkiTensor, initial: Any, op0: Op, op1: Op,
                       reverse0: bool = False, reverse1: bool = False, name: str | None = None) -> None:
    """Per partition: r[0] = op1(op0(d0[0], initial), d1[0]); r[i] = op1(op0(d0[i], r[i-1]), d1[i])."""
    page = "tensor_tensor_scan"
    _tiles(page, dst=dst, data0=data0, data1=data1)
    op0, op1 = _arithmetic_pair(op0, op1, "scan-ops", "op0 and op1 must be binary arithmetic operators", page)
    _same_layout(data0, data1, "scan-shape", page)
    _same_layout(dst, data0, "scan-shape", page)
    _one_psum_input(data0, data1, page)
    p = data0.partitions
    a, b = _fp32(data0).reshape(p, -1), _fp32(data1).reshape(p, -1)
    state = np.broadcast_to(np.float32(as_operand(initial, p, page)), (p, 1)).reshape(p)
    out = np.empty_like(a)
    with np.errstate(all="ignore"):
        for i in range(a.shape[1]):  # a true recurrence: one column at a time, all partitions at once
            t = op0.fn(state, a[:, i]) if reverse0 else op0.fn(a[:, i], state)
            state = np.asarray(op1.fn(b[:, i], t) if reverse1 else op1.fn(t, b[:, i]), np.float32)
            out[:, i] = state
    _write(dst, out)
    record.count_vector(data0.free_size, 2)


def reduce_axes(data: NkiTensor, axis: Any, page: str) -> tuple[int, ...]:
    """Axes to reduce: the last contiguous free dims ending at the final dim; never axis 0."""
    axes = tuple(sorted(int(a) % data.ndim for a in ((axis,) if isinstance(axis, (int, np.integer)) else axis)))
    expected = tuple(range(data.ndim - len(axes), data.ndim))
    require(bool(axes) and 0 not in axes and axes == expected, "reduce-axes",
            f"reduction axes must be the last contiguous free dimension(s) ending at the final dim, never the "
            f"partition axis 0: got axis={axis!r} for a {data.ndim}-D tile (valid: {expected_axes(data.ndim)})",
            page)
    return axes


def expected_axes(ndim: int) -> list[tuple[int, ...]]:
    return [tuple(range(first, ndim)) for first in range(ndim - 1, 0, -1)]


def _reducer(op: Any, page: str) -> Op:
    op = check_op(op, 2, page)
    require(op.reduce is not None, "reduce-op", f"{op!r} is not a reduction operator", page)
    return op


def reduce_values(op: Op, x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """``op``'s reduction (callers pass reduction operators: ``_reducer``'s, or nl's sum/max/...)."""
    assert op.reduce is not None
    with np.errstate(all="ignore"):
        return op.reduce(x, axis=axes, keepdims=keepdims)


@_instruction("tensor_reduce")
def tensor_reduce(dst: NkiTensor, op: Op, data: NkiTensor, axis: Any, negate: bool = False, keepdims: bool = False,
                  name: str | None = None) -> None:
    """Reduce the trailing free axes on the Vector engine (fp32 for arithmetic ops)."""
    page = "tensor_reduce"
    _tile(dst, "dst", page)
    _tile(data, "data", page)
    op = _reducer(op, page)
    axes = reduce_axes(data, axis, page)
    if op.kind == BITVEC:
        _integers((dst, data), op, page)
        require(not negate, "reduce-negate", "negate applies to arithmetic operators only", page)
    result = reduce_values(op, _values(data, op), axes, keepdims)
    if negate:
        result = -result
    require(dst.partitions == data.partitions and dst.free_size == result.size // data.partitions,
            "reduce-dst-shape", f"dst {dst.shape} does not hold the reduction of {data.shape} over {axes}", page)
    _store(dst, result, op)
    record.count_vector(data.free_size, 1)


def _store(dst: NkiTensor, values: np.ndarray, op: Op) -> None:
    """Arithmetic results are cast through fp32; bitvec results are stored as the bits they are."""
    if op.kind == ARITH:
        _write(dst, values)
        return
    dst.values[...] = values.astype(dst.dtype).reshape(dst.shape)
    if dst.written is not None:
        dst.written[...] = True


@_instruction("tensor_partition_reduce")
def tensor_partition_reduce(dst: NkiTensor, op: Op, data: NkiTensor, name: str | None = None) -> None:
    """Reduce across partitions on GpSimd (add, maximum, bitwise_or, bitwise_and); dst is [1, free]."""
    page = "tensor_partition_reduce"
    _tile(dst, "dst", page)
    _tile(data, "data", page)
    op = _reducer(op, page)
    require(op.name in ("add", "maximum", "bitwise_or", "bitwise_and"), "reduce-op",
            f"tensor_partition_reduce takes add, max, bitwise_or or bitwise_and, not {op!r}", page)
    _no_gpsimd_psum("gpsimd", (dst, data), page)
    require(dst.partitions == 1 and dst.free_size == data.free_size, "reduce-dst-shape",
            f"dst must be [1, {data.free_size}], got {dst.shape}", page)
    result = reduce_values(op, _values(data, op).reshape(data.partitions, -1), (0,), True)
    _store(dst, result, op)
    record.count_vector(data.free_size * data.partitions, 1, "gpsimd")


@_instruction("reciprocal")
def reciprocal(dst: NkiTensor, data: NkiTensor, name: str | None = None) -> None:
    """dst = 1 / data on the Vector engine, in fp32."""
    page = "reciprocal"
    _tile(dst, "dst", page)
    _tile(data, "data", page)
    _same_layout(dst, data, "reciprocal-shape", page)
    with np.errstate(all="ignore"):
        _write(dst, np.float32(1.0) / _fp32(data))
    record.count_vector(data.free_size, 1)


def _activate(dst: NkiTensor, op: Any, data: NkiTensor, bias: Any, scale: Any, page: str) -> np.ndarray:
    _tile(dst, "dst", page)
    _tile(data, "data", page)
    op = check_op(op, 1, page)
    require(op.activation, "activation-function",
            f"{op!r} is not an activation function the Scalar engine runs", page)
    _same_layout(dst, data, "activation-shape", page)
    p = data.partitions
    if isinstance(scale, NkiTensor):
        require(dtypes.is_fp32(scale.dtype), "activation-scale-dtype",
                f"The scale parameter must have a float32 data type, got {dtypes.name(scale.dtype)}", page)
    x = _fp32(data).reshape(p, -1) * as_operand(scale, p, page)
    if bias is not None:
        require(isinstance(bias, NkiTensor) or target().name != "trn1", "activation-bias",
                "In NeuronCore-v2, the bias must be a [N, 1] vector (scalars from NeuronCore-v3)", page)
        require(not (isinstance(bias, NkiTensor) and dtypes.is_tf32(bias.dtype)), "activation-bias-dtype",
                "the bias parameter can be any supported dtype except tfloat32, got a tfloat32 bias tile",
                "activation")
        x = x + as_operand(bias, p, page)
    out = op.unary(x)
    _write(dst, out)
    record.count_vector(data.free_size, 1, "scalar")
    return out


def _reduce_result(reduce_res: Any, partitions: int, page: str) -> NkiTensor:
    _tile(reduce_res, "reduce_res", page)
    require(reduce_res.partitions == partitions and reduce_res.free_size == 1, "activation-reduce-res",
            f"reduce_res must be a ({partitions}, 1) tile, got {reduce_res.shape}", page)
    return reduce_res


@_instruction("activation")
def activation(dst: NkiTensor, op: Op, data: NkiTensor, bias: Any = None, scale: Any = 1.0, reduce_op: Any = None,
               reduce_res: Any = None, reduce_cmd: Any = reduce_cmd.idle, name: str | None = None) -> None:
    """dst = op(data * scale + bias) on the Scalar engine in fp32, with the optional free-axis sum
    into the engine's 128 reduce registers, which persist across activation calls of a launch.

    The page's pseudo code adds the registers in twice; the emulator follows its prose: ``reduce``
    adds the new sum to the registers, ``reset_reduce`` replaces them with it.
    """
    page = "activation"
    cmd = check_enum(reduce_cmd, _enums.reduce_cmd, "reduce_cmd", page)
    require(cmd is not _enums.reduce_cmd.load_reduce, "not-emulated",
            "reduce_cmd=load_reduce is not emulated (the 0.3.0 page does not describe it)", page)
    if reduce_op is not None:
        require(check_op(reduce_op, 2, page).name == "add", "activation-reduce-op", "reduce_op must be nl.add",
                page)
    out = _activate(dst, op, data, bias, scale, page)
    regs = local_state().reduce_regs
    p = data.partitions
    kinds = _enums.reduce_cmd
    if cmd in (kinds.reset, kinds.reset_reduce):
        regs[:p] = 0.0
    if cmd in (kinds.reduce, kinds.reset_reduce):
        require(reduce_op is not None, "activation-reduce-op", f"reduce_cmd={cmd.name} needs reduce_op=nl.add",
                page)
        regs[:p] += out.reshape(p, -1).sum(axis=1, dtype=np.float32)
    if reduce_res is not None:
        _write(_reduce_result(reduce_res, p, page), regs[:p].reshape(p, 1))
        record.count_vector(1, 1, "scalar")


@_instruction("activation_reduce")
def activation_reduce(dst: NkiTensor, op: Op, data: NkiTensor, reduce_op: Op, reduce_res: NkiTensor,
                      bias: Any = None, scale: Any = 1.0, name: str | None = None) -> None:
    """activation(..., reduce_cmd=reset_reduce) with the registers read into reduce_res."""
    page = "activation_reduce"
    red = _reducer(reduce_op, page)
    require(red.name == "add" or target().name != "trn1", "activation-reduce-op",
            "On NeuronCore-v2, the reduce_op must be nl.add", page)
    out = _activate(dst, op, data, bias, scale, page)
    p = data.partitions
    sums = reduce_values(red, out.reshape(p, -1), (1,), False).astype(np.float32)
    local_state().reduce_regs[:p] = sums
    _write(_reduce_result(reduce_res, p, page), sums.reshape(p, 1))


def affine_values(partitions: int, free_size: int, pattern: Any, offset: int, channel_multiplier: int,
                  page: str) -> np.ndarray:
    """offset + p * channel_multiplier + sum(i_k * step_k) over a 1- to 4-level [[step, num], ...]
    pattern covering ``free_size`` elements, in int32 (iota and affine_select pages)."""
    levels = [tuple(level) for level in pattern]
    require(1 <= len(levels) <= 4 and all(len(lv) == 2 for lv in levels), "iota-pattern",
            "pattern is a list of 1 to 4 [step, num] pairs", page)
    nums = [int(num) for _, num in levels]
    require(math.prod(nums) == free_size, "iota-pattern",
            f"pattern covers {math.prod(nums)} elements per partition, the tile has {free_size}", page)
    value = np.zeros(nums, dtype=np.int64)
    for axis, (step, num) in enumerate(levels):
        shape = [1] * len(nums)
        shape[axis] = int(num)
        value = value + int(step) * np.arange(int(num)).reshape(shape)
    parts = np.arange(partitions).reshape(-1, *([1] * len(nums)))
    return (int(offset) + parts * int(channel_multiplier) + value).astype(np.int32)


@_instruction("iota")
def iota(dst: NkiTensor, pattern: Any, offset: int = 0, channel_multiplier: int = 0, name: str | None = None) -> None:
    """dst[p, i...] = offset + p * channel_multiplier + sum(i_k * step_k) (int32, then cast)."""
    page = "iota"
    _tile(dst, "dst", page)
    require(dst.buffer is sbuf, "iota-sbuf", "The output dst tile must be in SBUF", page)
    value = affine_values(dst.partitions, dst.free_size, pattern, offset, channel_multiplier, page)
    _write(dst, value.astype(np.float32) if dtypes.is_float(dst.dtype) else value)
    record.count_vector(dst.free_size, 1, "gpsimd")


@_instruction("memset")
def memset(dst: NkiTensor, value: Any, engine: Any = engine.unknown, name: str | None = None) -> None:
    """Fill ``dst`` with ``value`` (Vector or GpSimd); the value's type must match the dtype."""
    page = "memset"
    _tile(dst, "dst", page)
    if not dtypes.is_float(dst.dtype):
        require(isinstance(value, (int, np.integer)) and not isinstance(value, bool), "memset-value-type",
                f"integer tiles take an integer value in 0.3.0 (2, not 2.0); got {value!r}", page)
    eng = engine_name(engine, ("vector", "gpsimd"), "vector", page)
    _no_gpsimd_psum(eng, (dst,), page)
    dst.values[...] = dtypes.cast(value, dst.dtype)
    if dst.written is not None:
        dst.written[...] = True
    record.count_vector(dst.free_size, 1, eng)


@_instruction("dma_copy")
def dma_copy(dst: NkiTensor, src: NkiTensor, oob_mode: Any = oob_mode.error, dge_mode: Any = dge_mode.unknown,
             engine: Any = engine.unknown, name: str | None = None) -> None:
    """Copy between HBM and SBUF by DMA; element counts must match, shapes need not; dtype
    conversion through fp32 (``hwdge`` needs equal dtypes)."""
    page = "dma_copy"
    _tensor(dst, "dst", page)
    _tensor(src, "src", page)
    check_enum(oob_mode, _enums.oob_mode, "oob_mode", page)
    mode = check_enum(dge_mode, _enums.dge_mode, "dge_mode", page)
    if engine is not None:
        check_enum(engine, _enums.engine, "engine", page)
    require(src.buffer is not psum, "dma-from-psum",
            "Both src and dst tiles can be in HBM or SBUF: DMA cannot read PSUM, tensor_copy to SBUF first", page)
    require(dst.buffer is not psum, "dma-to-psum", "DMA writes HBM or SBUF, not PSUM", page)
    require(dst.values.size == src.values.size, "dma-element-count",
            f"The total number of data elements in src must match that of dst: {src.values.size} vs "
            f"{dst.values.size}", page)
    require(mode is not _enums.dge_mode.hwdge or dtypes.same(dst.dtype, src.dtype), "dma-hwdge-dtype",
            "dge_mode=hwdge copies bytes: src and dst dtypes must be equal, got "
            f"{dtypes.name(src.dtype)} -> {dtypes.name(dst.dtype)}", page)
    if dtypes.same(dst.dtype, src.dtype):
        dst.values[...] = src.values.reshape(dst.shape)
    else:
        dst.values[...] = dtypes.round_to(_fp32(src), dst.dtype).reshape(dst.shape)
    record.count_dma(src.nbytes, dst.buffer.on_chip, src.buffer.on_chip)


class NKIObject:
    """Base class for kernel dataclasses and configuration objects (no behaviour of its own)."""


from .isa_select import (affine_select, bn_aggr, bn_stats, exponential, max8, nc_find_index8,  # noqa: E402
                         nc_n_gather, nc_stream_shuffle, range_select, select_reduce, tensor_copy_predicated,
                         tensor_scalar_cumulative, tensor_scalar_reduce)

NkiValidationError = NkiRuleError


def __getattr__(name: str) -> Any:
    return not_emulated_attribute("nki.isa", name)
