"""``nki.isa`` as the emulator runs it. NKI 0.3: ``dst`` first, keyword arguments only,
no return value (D/nki/api/nki.api.shared.html, D/nki/deep-dives/nki-0-3-0-update-guide.html).
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from . import dtypes, precision, record
from .ops import Op, apply_binary, as_operand, check_op
from .rules import NkiRuleError, require
from .target import target
from .tensors import PMAX, NkiTensor, psum, sbuf

MATMUL_K, MATMUL_M, MATMUL_N = PMAX, 128, 512


class engine:
    """Engine selector enum (raw integers were rejected from 0.3.0)."""

    unknown = "unknown"
    tensor = "tensor"
    vector = "vector"
    scalar = "scalar"
    gpsimd = "gpsimd"
    sync = "sync"


def _keyword_only(fn: Callable[..., None]) -> Callable[..., None]:
    """Reject positional arguments and removed keywords with the rule's name."""
    name = fn.__name__

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> None:
        require(not args, "isa-keyword-arguments",
                f"nisa.{name} takes keyword arguments only in NKI 0.3 (dst first); got "
                f"{len(args)} positional argument(s)", "update_guide")
        require("mask" not in kwargs, "removed-mask",
                "mask= was removed in NKI Beta 2; clamp ranges with min() instead", "beta2")
        fn(**kwargs)
        return None

    return call


def _tensor(x: Any, what: str, rule_page: str) -> NkiTensor:
    require(isinstance(x, NkiTensor), "operand-type", f"{what} must be an NKI tensor, got {type(x).__name__}",
            rule_page)
    return x


def _same_layout(a: NkiTensor, b: NkiTensor, rule: str, page: str) -> None:
    require(a.partitions == b.partitions and a.free_size == b.free_size, rule,
            f"tiles must have the same partition count and elements per partition (no "
            f"broadcasting): {a.shape} vs {b.shape}", page)


def _fp32(x: NkiTensor) -> np.ndarray:
    return np.asarray(x.view, dtype=np.float32)


def _write(dst: NkiTensor, values: np.ndarray) -> None:
    """Store fp32 ``values`` into ``dst``, casting through fp32 as NKI engines do."""
    dst.view[...] = dtypes.round_to(values, dst.dtype).reshape(dst.shape)


@_keyword_only
def nc_matmul(*, dst: NkiTensor, stationary: NkiTensor, moving: NkiTensor,
              is_stationary_onezero: bool = False, is_moving_onezero: bool = False,
              is_transpose: bool = False, accumulate: bool | None = None,
              tile_position: tuple = (), tile_size: tuple = (), perf_mode: Any = None,
              name: str | None = None) -> None:
    """dst[M, N] (+)= stationary[K, M].T @ moving[K, N] on the Tensor engine, fp32 in PSUM."""
    page = "matmul"
    for t, what in ((dst, "dst"), (stationary, "stationary"), (moving, "moving")):
        _tensor(t, what, page)
    require(stationary.buffer is sbuf and moving.buffer is sbuf, "matmul-inputs-in-sbuf",
            f"nc_matmul reads stationary and moving from SBUF (got {stationary.buffer!r}, "
            f"{moving.buffer!r})", page)
    require(dst.buffer is psum, "matmul-output-in-psum",
            f"nc_matmul writes its result to PSUM (dst is in {dst.buffer!r})", page)
    k, m, n = stationary.partitions, stationary.free_size, moving.free_size
    require(moving.partitions == k, "matmul-contraction",
            f"stationary and moving must share the partition (contraction) dim: {k} vs "
            f"{moving.partitions}", page)
    require(k <= MATMUL_K, "matmul-K", f"contraction dim K={k} exceeds {MATMUL_K}", page)
    require(m <= MATMUL_M, "matmul-M", f"stationary free size M={m} exceeds {MATMUL_M}", page)
    require(n <= MATMUL_N, "matmul-N", f"moving free size N={n} exceeds {MATMUL_N} (one PSUM bank)", page)
    require(dst.partitions == m and dst.free_size == n, "matmul-dst-shape",
            f"dst must be [M={m}, N={n}], got {dst.shape}", page)
    require(dst.dtype == dtypes.float32, "matmul-dst-dtype",
            f"nc_matmul accumulates into fp32 PSUM on NeuronCore-v2/v3, dst is {dtypes.name(dst.dtype)}", page)
    for t, what in ((stationary, "stationary"), (moving, "moving")):
        require(t.dtype in dtypes.MATMUL_INPUTS, "matmul-input-dtype",
                f"{what} dtype {dtypes.name(t.dtype)} is not one of fp8/bf16/fp16/tf32/fp32", page)
    fp32_in = [t.dtype == dtypes.float32 for t in (stationary, moving)]
    require(all(fp32_in) or not any(fp32_in), "matmul-fp32-pairing",
            "an fp32/tf32 matmul operand must be paired with another fp32/tf32 operand", page)
    require(not is_transpose and not tile_position and not tile_size, "matmul-unemulated",
            "is_transpose and row/column tiling are not emulated; write the kernel without them", page)
    mode = precision.mode()
    s = _fp32(stationary).reshape(k, m)
    v = _fp32(moving).reshape(k, n)
    if mode == "bf16":
        s = s.astype(dtypes.bfloat16).astype(np.float32)
        v = v.astype(dtypes.bfloat16).astype(np.float32)
    product = (s.T @ v).reshape(dst.shape)
    if accumulate is None:  # first write to a location overwrites, later ones add
        written = dst.written
        dst.view[...] = np.where(written, dst.view + product, product)
    elif accumulate:
        dst.view[...] += product
    else:
        dst.view[...] = product
    dst.written[...] = True
    record.count_matmul(k, m, n, dtypes.name(stationary.dtype), all(fp32_in) and mode == "fp32")


@_keyword_only
def tensor_copy(*, dst: NkiTensor, src: NkiTensor, engine: str | None = None, name: str | None = None) -> None:
    """Copy within SBUF/PSUM (PSUM -> SBUF is the way out of PSUM); casts through fp32."""
    page = "tensor_copy"
    _tensor(dst, "dst", page)
    _tensor(src, "src", page)
    require(dst.buffer.on_chip and src.buffer.on_chip, "tensor-copy-on-chip",
            "tensor_copy moves data inside SBUF/PSUM; HBM traffic goes through dma_copy/nl.load/nl.store", page)
    _same_layout(dst, src, "tensor-copy-shape", page)
    eng = engine or "vector"
    require(not (eng == "gpsimd" and psum in (dst.buffer, src.buffer)), "gpsimd-psum",
            "the GpSimd engine cannot access PSUM", page)
    require(not (eng == "scalar" and target().name == "trn1"), "tensor-copy-scalar-v2",
            "on NeuronCore-v2 ScalarE cannot run tensor_copy; use activation(op=nl.copy)", page)
    if dst.dtype == src.dtype:
        dst.view[...] = src.view.reshape(dst.shape)
    else:
        _write(dst, _fp32(src))
    if dst.written is not None:
        dst.written[...] = True
    record.count_vector(src.free_size, 1, eng)


@_keyword_only
def nc_transpose(*, dst: NkiTensor, data: NkiTensor, engine: str | None = None, name: str | None = None) -> None:
    """Swap partition and free dims: Tensor engine up to [128, 128] SBUF -> PSUM, Vector up to [32, 32]."""
    page = "transpose"
    _tensor(dst, "dst", page)
    _tensor(data, "data", page)
    p, f = data.partitions, data.free_size
    eng = engine or ("vector" if p <= 32 and f <= 32 and dst.buffer is not psum else "tensor")
    if eng == "tensor":
        require(p <= 128 and f <= 128, "transpose-tensor-size",
                f"Tensor-engine transpose takes at most [128, 128], got [{p}, {f}]", page)
        require(data.buffer is sbuf and dst.buffer is psum, "transpose-tensor-buffers",
                "Tensor-engine transpose reads SBUF and writes PSUM", page)
    else:
        require(eng == "vector", "transpose-engine", f"nc_transpose runs on tensor or vector, not {eng}", page)
        require(p <= 32 and f <= 32, "transpose-vector-size",
                f"Vector-engine transpose takes at most [32, 32], got [{p}, {f}]", page)
    require(dst.dtype == data.dtype, "transpose-dtype",
            f"dst dtype {dtypes.name(dst.dtype)} must equal data dtype {dtypes.name(data.dtype)}", page)
    require(dst.partitions == f and dst.free_size == p, "transpose-dst-shape",
            f"dst must be [{f}, {p}], got {dst.shape}", page)
    dst.view[...] = data.view.reshape(p, f).T.reshape(dst.shape)
    if dst.written is not None:
        dst.written[...] = True
    if eng == "tensor":  # an identity matmul: the moving side is [P, P]
        record.count_matmul(p, f, p, dtypes.name(data.dtype), data.dtype == dtypes.float32)
    else:
        record.count_vector(f, 1)


@_keyword_only
def tensor_tensor(*, dst: NkiTensor, data1: NkiTensor, data2: NkiTensor, op: Op,
                  engine: str | None = None, name: str | None = None) -> None:
    """dst = data1 <op> data2 elementwise in fp32; identical layouts, at most one PSUM input."""
    page = "tensor_tensor"
    for t, what in ((dst, "dst"), (data1, "data1"), (data2, "data2")):
        _tensor(t, what, page)
    op = check_op(op, 2, page)
    _same_layout(data1, data2, "tensor-tensor-shape", page)
    _same_layout(dst, data1, "tensor-tensor-shape", page)
    require(not (data1.buffer is psum and data2.buffer is psum), "tensor-tensor-psum",
            "at most one tensor_tensor input may be in PSUM", page)
    eng = engine or "vector"
    require(not (eng == "gpsimd" and psum in (dst.buffer, data1.buffer, data2.buffer)), "gpsimd-psum",
            "the GpSimd engine cannot access PSUM", page)
    _write(dst, apply_binary(op, _fp32(data1), _fp32(data2).reshape(data1.shape)))
    record.count_vector(data1.free_size, 2, eng)


@_keyword_only
def tensor_scalar(*, dst: NkiTensor, data: NkiTensor, op0: Op, operand0: Any, reverse0: bool = False,
                  op1: Op | None = None, operand1: Any = None, reverse1: bool = False,
                  engine: str | None = None, name: str | None = None) -> None:
    """dst = (data <op0> operand0) <op1> operand1; operands are scalars or [P, 1] tiles."""
    page = "tensor_scalar"
    _tensor(dst, "dst", page)
    _tensor(data, "data", page)
    _same_layout(dst, data, "tensor-scalar-shape", page)
    p = data.partitions
    x = _fp32(data).reshape(p, -1)
    for op, operand, reverse in ((op0, operand0, reverse0), (op1, operand1, reverse1)):
        if op is None:
            continue
        op = check_op(op, 2, page)
        value = as_operand(operand, p, page)
        x = apply_binary(op, value, x) if reverse else apply_binary(op, x, value)
    _write(dst, x)
    record.count_vector(data.free_size, 1, engine or "vector")


@_keyword_only
def activation(*, dst: NkiTensor, op: Op, data: NkiTensor, bias: Any = None, scale: Any = 1.0,
               reduce_op: Any = None, reduce_res: Any = None, reduce_cmd: Any = None,
               name: str | None = None) -> None:
    """dst = op(data * scale + bias) on the Scalar engine, in fp32."""
    page = "activation"
    _tensor(dst, "dst", page)
    _tensor(data, "data", page)
    op = check_op(op, 1, page)
    _same_layout(dst, data, "activation-shape", page)
    require(reduce_op is None and reduce_res is None, "activation-unemulated",
            "activation's fused reduction is not emulated", page)
    p = data.partitions
    x = _fp32(data).reshape(p, -1) * as_operand(scale, p, page)
    if bias is not None:
        require(isinstance(bias, NkiTensor) or target().name != "trn1", "activation-bias",
                "on NeuronCore-v2 the bias must be a [P, 1] tile (scalars from v3)", page)
        x = x + as_operand(bias, p, page)
    _write(dst, op.unary(x))
    record.count_vector(data.free_size, 1, "scalar")


@_keyword_only
def iota(*, dst: NkiTensor, pattern: Any, offset: int = 0, channel_multiplier: int = 0,
         name: str | None = None) -> None:
    """dst[p, i...] = offset + p * channel_multiplier + sum(i_k * step_k) (int32, then cast)."""
    page = "iota"
    _tensor(dst, "dst", page)
    require(dst.buffer is sbuf, "iota-sbuf", "iota (GpSimd) writes to SBUF only", page)
    levels = [tuple(level) for level in pattern]
    require(1 <= len(levels) <= 4 and all(len(lv) == 2 for lv in levels), "iota-pattern",
            "pattern is a list of 1 to 4 [step, num] pairs", page)
    nums = [int(num) for _, num in levels]
    require(math.prod(nums) == dst.free_size, "iota-pattern",
            f"pattern covers {math.prod(nums)} elements per partition, dst has {dst.free_size}", page)
    value = np.zeros(nums, dtype=np.int64)
    for axis, (step, num) in enumerate(levels):
        shape = [1] * len(nums)
        shape[axis] = int(num)
        value = value + int(step) * np.arange(int(num)).reshape(shape)
    parts = np.arange(dst.partitions).reshape(-1, *([1] * len(nums)))
    value = (int(offset) + parts * int(channel_multiplier) + value).astype(np.int32)
    _write(dst, value.astype(np.float32) if dtypes.is_float(dst.dtype) else value)
    record.count_vector(dst.free_size, 1, "gpsimd")


@_keyword_only
def memset(*, dst: NkiTensor, value: Any, engine: str | None = None, name: str | None = None) -> None:
    """Fill ``dst`` with ``value`` (Vector or GpSimd); the value's type must match the dtype."""
    page = "memset"
    _tensor(dst, "dst", page)
    require(dst.buffer.on_chip, "memset-on-chip", "memset fills SBUF or PSUM tiles", page)
    if not dtypes.is_float(dst.dtype):
        require(isinstance(value, (int, np.integer)) and not isinstance(value, bool), "memset-value-type",
                f"integer tiles take an integer value in 0.3.0 (2, not 2.0); got {value!r}", page)
    eng = engine or "vector"
    require(eng in ("vector", "gpsimd"), "memset-engine", f"memset runs on vector or gpsimd, not {eng}", page)
    require(not (eng == "gpsimd" and dst.buffer is psum), "gpsimd-psum", "the GpSimd engine cannot access PSUM", page)
    dst.view[...] = np.asarray(value).astype(dst.dtype)
    if dst.written is not None:
        dst.written[...] = True
    record.count_vector(dst.free_size, 1, eng)


@_keyword_only
def dma_copy(*, dst: NkiTensor, src: NkiTensor, oob_mode: Any = None, dge_mode: Any = None,
             engine: str | None = None, name: str | None = None) -> None:
    """Copy between HBM and SBUF by DMA; element counts must match, shapes need not."""
    page = "dma_copy"
    _tensor(dst, "dst", page)
    _tensor(src, "src", page)
    require(src.buffer is not psum, "dma-from-psum",
            "DMA cannot read PSUM from 0.3.0: tensor_copy to SBUF first", page)
    require(dst.buffer is not psum, "dma-to-psum", "DMA writes HBM or SBUF, not PSUM", page)
    require(dst.view.size == src.view.size, "dma-element-count",
            f"dst has {dst.view.size} elements, src {src.view.size}", page)
    if dst.dtype == src.dtype:
        dst.view[...] = src.view.reshape(dst.shape)
    else:
        _write(dst, _fp32(src))
    record.count_dma(src.nbytes, dst.buffer.on_chip)
