"""A tiled real GEMM, C[M, N] = A[M, K] @ B[K, N]: the emulator's and cost model's reference kernel.

It follows the NKI matmul tutorial's shape (D/nki/guides/tutorials/matrix_multiplication.html):
the kernel takes A transposed (``a_t`` = A.T, [K, M]) so each [128, 128] block
of it is a ready stationary tile; K is accumulated in PSUM 128 rows at a time;
N goes in 512-column moving tiles (one PSUM bank). Sizes need not be
multiples of the tiles: the last tile in each dimension is ragged (bounds
clamped with ``min()``, as NKI does without masks).
"""
from __future__ import annotations

import math

from ..engine import nki, nl, nisa

TILE_K, TILE_M, TILE_N = 128, 128, 512


@nki.jit
def gemm_kernel(a_t, b):
    k_total, m_total = a_t.shape
    n_total = b.shape[1]
    c = nl.ndarray((m_total, n_total), a_t.dtype, buffer=nl.shared_hbm)
    for m in nl.affine_range((m_total + TILE_M - 1) // TILE_M):
        m0 = m * TILE_M
        rows = min(TILE_M, m_total - m0)
        for n in nl.affine_range((n_total + TILE_N - 1) // TILE_N):
            n0 = n * TILE_N
            cols = min(TILE_N, n_total - n0)
            acc = nl.ndarray((rows, cols), nl.float32, buffer=nl.psum)
            for k in nl.affine_range((k_total + TILE_K - 1) // TILE_K):
                k0 = k * TILE_K
                depth = min(TILE_K, k_total - k0)
                lhs = nl.ndarray((depth, rows), a_t.dtype, buffer=nl.sbuf)
                rhs = nl.ndarray((depth, cols), b.dtype, buffer=nl.sbuf)
                nisa.dma_copy(dst=lhs, src=a_t[k0:k0 + depth, m0:m0 + rows])
                nisa.dma_copy(dst=rhs, src=b[k0:k0 + depth, n0:n0 + cols])
                nisa.nc_matmul(dst=acc, stationary=lhs, moving=rhs, accumulate=k > 0)
            out = nl.ndarray((rows, cols), a_t.dtype, buffer=nl.sbuf)
            nisa.tensor_copy(dst=out, src=acc)
            nisa.dma_copy(dst=c[m0:m0 + rows, n0:n0 + cols], src=out)
    return c


def expected_counts(m: int, k: int, n: int) -> dict[str, int]:
    """The hand count of what gemm_kernel does for an [m, k] x [k, n] problem (ragged tiles included)."""
    tiles_m, tiles_n, tiles_k = math.ceil(m / TILE_M), math.ceil(n / TILE_N), math.ceil(k / TILE_K)
    blocks = tiles_m * tiles_n
    return {
        "launches": 1,
        "matmuls": blocks * tiles_k,
        "tensor": blocks * tiles_k,
        "vector": blocks,                       # one PSUM -> SBUF copy per output block
        "dma": blocks * (2 * tiles_k + 1),      # two loads per K step, one store per block
        "macs": m * k * n,
    }
