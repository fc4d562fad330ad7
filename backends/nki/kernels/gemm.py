"""A tiled real GEMM, C[M, N] = A[M, K] @ B[K, N]: the emulator's and cost model's reference kernel.

It follows the NKI matmul tutorial's shape (D/nki/guides/tutorials/matrix_multiplication.html):
the kernel takes A transposed (``a_t`` = A.T, [K, M]) so each [128, 128] block
of it is a ready stationary tile; K is accumulated in PSUM 128 rows at a time;
N goes in 512-column moving tiles (one PSUM bank). M, K, N must be multiples
of the tile sizes here: this kernel exists to validate the emulator and the
cost model, not to be a general GEMM.
"""
from __future__ import annotations

from ..engine import nki, nl, nisa

TILE_K, TILE_M, TILE_N = 128, 128, 512


@nki.jit
def gemm_kernel(a_t, b):
    k_total, m_total = a_t.shape
    n_total = b.shape[1]
    c = nl.ndarray((m_total, n_total), a_t.dtype, buffer=nl.shared_hbm)
    for m in nl.affine_range(m_total // TILE_M):
        for n in nl.affine_range(n_total // TILE_N):
            acc = nl.ndarray((TILE_M, TILE_N), nl.float32, buffer=nl.psum)
            for k in nl.affine_range(k_total // TILE_K):
                lhs = nl.ndarray((TILE_K, TILE_M), a_t.dtype, buffer=nl.sbuf)
                rhs = nl.ndarray((TILE_K, TILE_N), b.dtype, buffer=nl.sbuf)
                nisa.dma_copy(dst=lhs, src=a_t[k * TILE_K:(k + 1) * TILE_K, m * TILE_M:(m + 1) * TILE_M])
                nisa.dma_copy(dst=rhs, src=b[k * TILE_K:(k + 1) * TILE_K, n * TILE_N:(n + 1) * TILE_N])
                nisa.nc_matmul(dst=acc, stationary=lhs, moving=rhs)
            out = nl.ndarray((TILE_M, TILE_N), a_t.dtype, buffer=nl.sbuf)
            nisa.tensor_copy(dst=out, src=acc)
            nisa.dma_copy(dst=c[m * TILE_M:(m + 1) * TILE_M, n * TILE_N:(n + 1) * TILE_N], src=out)
    return c


def expected_counts(m: int, k: int, n: int) -> dict[str, int]:
    """The hand count of what gemm_kernel does for an [m, k] x [k, n] problem."""
    tiles_m, tiles_n, tiles_k = m // TILE_M, n // TILE_N, k // TILE_K
    blocks = tiles_m * tiles_n
    return {
        "launches": 1,
        "matmuls": blocks * tiles_k,
        "tensor": blocks * tiles_k,
        "vector": blocks,                       # one PSUM -> SBUF copy per output block
        "dma": blocks * (2 * tiles_k + 1),      # two loads per K step, one store per block
        "macs": m * k * n,
    }
