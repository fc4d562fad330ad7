"""NKI dtypes as NumPy dtypes; bf16 is stored as real bfloat16 values (ml_dtypes).

0.3.0's own simulator stores bf16 as fp32 unless NKI_PRECISE_FP=1, and 0.4.0
made precise storage the default (D/nki/guides/nki_simulator.html); the
emulator always stores the real narrow values so rounding shows.

tfloat32 is "32-bit floating-point number (1S,8E,10M)" (the nki.language.tfloat32
page): 32 bits of storage holding 1 sign, 8 exponent and 10 mantissa bits. NumPy has
no such type, so it is float32 storage tagged with dtype metadata: it compares equal
to float32 under ``==`` (NumPy ignores metadata), so code that must tell the two apart
uses :func:`is_tf32`, :func:`is_fp32` and :func:`same`. Casting to tf32 drops the low
13 mantissa bits by round-to-nearest-even: the docs do not say how the Tensor engine or
a cast reduces fp32 to tf32, and "All NeuronCore generations support the RNE rounding
scheme" (D/general/arch/neuron-features/rounding-modes.html; stochastic rounding is
opt-in and not emulated), as for the emulator's bf16 casts.
"""
from __future__ import annotations

from typing import Any

import numpy as np

try:
    import ml_dtypes
    bfloat16 = np.dtype(ml_dtypes.bfloat16)
    float8_e4m3 = np.dtype(ml_dtypes.float8_e4m3fn)
    float8_e5m2 = np.dtype(ml_dtypes.float8_e5m2)
    float8_e4m3fn = np.dtype(ml_dtypes.float8_e4m3fn)
except ImportError:  # pragma: no cover - ml_dtypes comes with the nki extra
    bfloat16 = float8_e4m3 = float8_e5m2 = float8_e4m3fn = None

float32 = np.dtype(np.float32)
float16 = np.dtype(np.float16)
int32 = np.dtype(np.int32)
uint32 = np.dtype(np.uint32)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = np.dtype(np.int16)
uint16 = np.dtype(np.uint16)
bool_ = uint8  # "boolean stored as uint8" (nki.api.shared page, Supported Data Types)
tfloat32 = np.dtype(np.float32, metadata={"nki": "tfloat32"})  # fp32 storage, tf32 values (see above)
TF32_DROPPED_BITS = 13  # fp32's 23 mantissa bits less tf32's 10

FLOATS = {d for d in (float32, float16, bfloat16, float8_e4m3, float8_e5m2) if d is not None}
MATMUL_INPUTS = FLOATS  # fp8_e4m3, fp8_e5m2, bf16, fp16, tf32, fp32 (nc_matmul page)


BY_NAME = {"float32": float32, "tfloat32": tfloat32, "float16": float16, "bfloat16": bfloat16,
           "float8_e4m3": float8_e4m3, "float8_e5m2": float8_e5m2, "float8_e4m3fn": float8_e4m3fn,
           "int32": int32, "uint32": uint32, "int16": int16, "uint16": uint16, "int8": int8, "uint8": uint8,
           "bool": bool_, "bool_": bool_}


def resolve(dtype: Any) -> np.dtype:
    """An NKI dtype as NumPy's: nl.<type> objects, or their names (the 0.3.0 stubs define nl.float32 =
    'float32', so kernels may pass strings)."""
    if isinstance(dtype, str) and dtype in BY_NAME and BY_NAME[dtype] is not None:
        return BY_NAME[dtype]
    return np.dtype(dtype)


def is_float(dtype: np.dtype) -> bool:
    return np.dtype(dtype) in FLOATS


def is_tf32(dtype: Any) -> bool:
    """Whether ``dtype`` is tfloat32 (``== float32`` cannot tell: NumPy ignores the tag)."""
    metadata = np.dtype(dtype).metadata
    return metadata is not None and metadata.get("nki") == "tfloat32"


def is_fp32(dtype: Any) -> bool:
    """float32 itself, not tfloat32."""
    return np.dtype(dtype) == float32 and not is_tf32(dtype)


def same(a: Any, b: Any) -> bool:
    """Whether two dtypes are the same NKI dtype (float32 and tfloat32 differ)."""
    return np.dtype(a) == np.dtype(b) and is_tf32(a) == is_tf32(b)


def name(dtype: np.dtype) -> str:
    if is_tf32(dtype):
        return "tfloat32"
    return "bfloat16" if bfloat16 is not None and np.dtype(dtype) == bfloat16 else np.dtype(dtype).name


def to_tf32(x: np.ndarray) -> np.ndarray:
    """fp32 values rounded to tf32 (10 mantissa bits, round-to-nearest-even), as fp32; NaN stays NaN, a
    value past tf32's largest finite one rounds to infinity, subnormals round like the rest."""
    x = np.asarray(x, dtype=np.float32)
    bits = x.view(np.uint32).astype(np.uint64)  # 64 bits: a NaN's pattern + the rounding bias cannot wrap
    lsb = (bits >> TF32_DROPPED_BITS) & 1
    rounded = (bits + (1 << (TF32_DROPPED_BITS - 1)) - 1 + lsb) >> TF32_DROPPED_BITS << TF32_DROPPED_BITS
    return np.where(np.isnan(x), x, rounded.astype(np.uint32).view(np.float32))


def round_to(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Values of ``x`` as ``dtype`` would hold them (computed through fp32 as NKI casts do)."""
    if is_tf32(dtype):
        return to_tf32(np.asarray(x, np.float32))
    return np.asarray(x, np.float32).astype(dtype) if is_float(dtype) else np.asarray(x).astype(dtype)


def cast(value: Any, dtype: np.dtype) -> np.ndarray:
    """``value`` converted straight to ``dtype`` (NumPy's astype), tf32 then rounded to its 10 mantissa bits."""
    return to_tf32(np.asarray(value, np.float32)) if is_tf32(dtype) else np.asarray(value).astype(dtype)
