"""2-D transforms with both sides <= 128 in one kernel: two matmul stages, no twiddles.

For an image X[j1, j2] (partition j1 reads row j1), the 2-D DFT is
Y = F1^T X F2, two data-stationary matmuls:

1. A[j2, k1] = sum_j1 X[j1, j2] F1[j1, k1]   (X stationary: the matmul transposes);
2. Y[k1, k2] = sum_j2 A[j2, k1] F2[j2, k2]   (A stationary: transposes back),

so the output comes out row-major like the input. A tile holds g * u images:
g = 128 // n1 of them stacked on the partitions (step 1 through the
block-diagonal I_g (x) F1) and u = 128 // n2 such stacks side by side in
the free dim (step 2 through I_u (x) F2), so both matmuls see up to 128
rows and columns: for 64x64 images each matmul serves four images, and
the Tensor engine, which costs per moving column, does a third less work
than with the stacks alone. A tile of g * u images is u loads, eight real
matmuls and u stores per part.
"""
from __future__ import annotations

from typing import Any

from ..engine import nisa, nki, nl
from .cplx import constant_slice, evacuate, load_constant, matmul_data_stationary, psum, sbuf


def fft2_small(xr: Any, xi: Any, yr: Any, yi: Any, f1: tuple, f2: tuple, n1: int, group: int, across: int) -> None:
    """y = DFT2(x) for HBM [B*n1, n2] tensors (B images of n1 rows), ``group`` images stacked on the
    partitions and ``across`` such stacks side by side per tile."""
    rows_total, n2 = xr.shape
    batch = rows_total // n1
    per_tile = group * across
    for s in nl.affine_range((batch + per_tile - 1) // per_tile):
        t0 = s * per_tile
        count = min(per_tile, batch - t0)
        stacks = (count + group - 1) // group
        rows = min(group, count) * n1
        cols = stacks * n2
        x_re = sbuf((rows, cols))
        x_im = sbuf((rows, cols))
        if count < stacks * group and stacks > 1:   # a ragged last stack: zeros, not stale data, below it
            last = (stacks - 1) * n2
            nisa.memset(dst=x_re[:, last:cols], value=0.0)
            nisa.memset(dst=x_im[:, last:cols], value=0.0)
        for v in nl.affine_range(stacks):
            r0 = (t0 + v * group) * n1
            used = min(group, count - v * group) * n1
            nisa.dma_copy(dst=x_re[0:used, v * n2:(v + 1) * n2], src=xr[r0:r0 + used, :])
            nisa.dma_copy(dst=x_im[0:used, v * n2:(v + 1) * n2], src=xi[r0:r0 + used, :])
        a_re = psum((cols, rows))
        a_im = psum((cols, rows))
        matmul_data_stationary(a_re, a_im, x_re, x_im, constant_slice(f1, rows, rows))
        s_re = sbuf((cols, rows))
        s_im = sbuf((cols, rows))
        evacuate(s_re, s_im, a_re, a_im)
        y_re = psum((rows, cols))
        y_im = psum((rows, cols))
        matmul_data_stationary(y_re, y_im, s_re, s_im, constant_slice(f2, cols, cols))
        o_re = sbuf((rows, cols))
        o_im = sbuf((rows, cols))
        evacuate(o_re, o_im, y_re, y_im)
        for v in nl.affine_range(stacks):
            r0 = (t0 + v * group) * n1
            used = min(group, count - v * group) * n1
            nl.store(yr[r0:r0 + used, :], o_re[0:used, v * n2:(v + 1) * n2])
            nl.store(yi[r0:r0 + used, :], o_im[0:used, v * n2:(v + 1) * n2])


@nki.jit
def fft2_small_kernel(xr, xi, f1_re, f1_im, f2_re, f2_im, n1, group, across):
    rows, n2 = xr.shape
    yr = nl.ndarray((rows, n2), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((rows, n2), nl.float32, buffer=nl.shared_hbm)
    fft2_small(xr, xi, yr, yi, load_constant(f1_re, f1_im), load_constant(f2_re, f2_im), n1, group, across)
    return yr, yi
