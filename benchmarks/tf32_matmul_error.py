"""The emulator's tf32 and fp32 matmul error against float64: the figures docs/nki-emulator.md ("Dtypes") quotes.

    python benchmarks/tf32_matmul_error.py

One 128 x 64 x 512 ``nc_matmul`` (K x M x N) of uniform [-1, 1] operands (seed 19, as
tests/nki/test_emulator_tf32.py), loaded as tf32 and as fp32; prints the norm-wise error of each.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SEED = 19


def matmul_kernel(stationary_dtype: Any, moving_dtype: Any, stationary_onezero: bool = False) -> Any:
    """out [64, 512] = a [128, 64]^T b [128, 512] on the emulator, the operands loaded (cast by DMA) as the
    given dtypes (tests/nki/test_emulator_tf32.py uses it too)."""
    from trnfft_backends.nki import emulator
    nki, nl, nisa = emulator, emulator.language, emulator.isa

    @nki.jit
    def kernel(a, b):
        out = nl.ndarray((64, 512), nl.float32, buffer=nl.shared_hbm)
        acc = nl.ndarray((64, 512), nl.float32, buffer=nl.psum)
        nisa.nc_matmul(dst=acc, stationary=nl.load(a, dtype=stationary_dtype), moving=nl.load(b, dtype=moving_dtype),
                       is_stationary_onezero=stationary_onezero)
        res = nl.ndarray((64, 512), nl.float32)
        nisa.tensor_copy(dst=res, src=acc)
        nl.store(out, res)
        return out
    return kernel


def operands(seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (128, 64)).astype(np.float32), rng.uniform(-1, 1, (128, 512)).astype(np.float32)


def main() -> None:
    from trnfft_backends.nki import emulator
    a, b = operands()
    reference = a.T.astype(np.float64) @ b
    for name in ("tfloat32", "float32"):
        dtype = getattr(emulator.language, name)
        y = emulator.simulate(matmul_kernel(dtype, dtype))(a, b)
        print(f"{name}: norm-wise error against float64 {np.linalg.norm(y - reference) / np.linalg.norm(reference):.1e}")


if __name__ == "__main__":
    main()
