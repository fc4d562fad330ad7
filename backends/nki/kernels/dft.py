"""A batch of short complex DFTs as real matmuls on the Tensor engine: Y = X @ F.

For N <= 128 points and up to 128 transforms per tile, with X = Xr + i Xi and
the DFT matrix F = Fr + i Fi (normalisation folded in):

    Yr = Xr @ Fr + Xi @ (-Fi)        Yi = Xr @ Fi + Xi @ Fr

four nc_matmuls accumulating into two PSUM tiles; ``-Fi`` is a plan
constant, so no negation runs per call. The host passes X transposed
([N, B]: partition = point index n, the contraction dim), so each column
block is a ready stationary tile and the output [B, N] is stored row-major.
This is the building block of the four-step algorithm (design.md section 6).
"""
from __future__ import annotations

from ..engine import nki, nl, nisa

TILE_B = 128


@nki.jit
def dft_kernel(xr_t, xi_t, fr, fi, fi_neg):
    n_points, batch = xr_t.shape
    yr = nl.ndarray((batch, n_points), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n_points), nl.float32, buffer=nl.shared_hbm)
    f_re = nl.load(fr)
    f_im = nl.load(fi)
    f_im_neg = nl.load(fi_neg)
    for b in nl.affine_range((batch + TILE_B - 1) // TILE_B):
        lo = b * TILE_B
        rows = min(TILE_B, batch - lo)
        x_re = nl.load(xr_t[:, lo:lo + rows])
        x_im = nl.load(xi_t[:, lo:lo + rows])
        acc_re = nl.ndarray((rows, n_points), nl.float32, buffer=nl.psum)
        acc_im = nl.ndarray((rows, n_points), nl.float32, buffer=nl.psum)
        nisa.nc_matmul(dst=acc_re, stationary=x_re, moving=f_re, accumulate=False)
        nisa.nc_matmul(dst=acc_re, stationary=x_im, moving=f_im_neg, accumulate=True)
        nisa.nc_matmul(dst=acc_im, stationary=x_re, moving=f_im, accumulate=False)
        nisa.nc_matmul(dst=acc_im, stationary=x_im, moving=f_re, accumulate=True)
        out_re = nl.ndarray((rows, n_points), nl.float32, buffer=nl.sbuf)
        out_im = nl.ndarray((rows, n_points), nl.float32, buffer=nl.sbuf)
        nisa.tensor_copy(dst=out_re, src=acc_re)
        nisa.tensor_copy(dst=out_im, src=acc_im)
        nl.store(yr[lo:lo + rows, :], out_re)
        nl.store(yi[lo:lo + rows, :], out_im)
    return yr, yi
