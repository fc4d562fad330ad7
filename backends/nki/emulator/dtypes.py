"""NKI dtypes as NumPy dtypes; bf16 is stored as real bfloat16 values (ml_dtypes).

0.3.0's own simulator stores bf16 as fp32 unless NKI_PRECISE_FP=1, and 0.4.0
made precise storage the default (D/nki/guides/nki_simulator.html); the
emulator always stores the real narrow values so rounding shows.
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
tfloat32 = float32  # stored as fp32; the Tensor engine reads its top 19 bits

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


def name(dtype: np.dtype) -> str:
    return "bfloat16" if bfloat16 is not None and np.dtype(dtype) == bfloat16 else np.dtype(dtype).name


def round_to(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Values of ``x`` as ``dtype`` would hold them (computed through fp32 as NKI casts do)."""
    return np.asarray(x, np.float32).astype(dtype) if is_float(dtype) else np.asarray(x).astype(dtype)
