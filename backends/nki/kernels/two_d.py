"""2-D transforms with both sides <= 128 in one kernel: two matmul stages, no twiddles.

For an image X[j1, j2] (partition j1 reads row j1), the 2-D DFT is
Y = F1^T X F2, two data-stationary matmuls:

1. A[j2, k1] = sum_j1 X[j1, j2] F1[j1, k1]   (X stationary: the matmul transposes);
2. Y[k1, k2] = sum_j2 A[j2, k1] F2[j2, k2]   (A stationary: transposes back),

so the output comes out row-major like the input. g = 128 // n1 images
share each matmul: step 1 through the block-diagonal I_g (x) F1, step 2 with
the g images' columns (t, k1) as the stationary's 128 columns, so a tile
of g images is one load, eight real matmuls and one store per part.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nl
from .cplx import constant_slice, evacuate, load_constant, matmul_data_stationary, psum, sbuf


def fft2_small(xr: Any, xi: Any, yr: Any, yi: Any, f1: tuple, f2: tuple, n1: int, group: int) -> None:
    """y = DFT2(x) for HBM [B*n1, n2] tensors (B images of n1 rows), ``group`` images per tile."""
    rows_total, n2 = xr.shape
    batch = rows_total // n1
    for g in nl.affine_range((batch + group - 1) // group):
        t0 = g * group
        rows = min(group, batch - t0) * n1
        r0 = t0 * n1
        x_re = nl.load(xr[r0:r0 + rows, :])
        x_im = nl.load(xi[r0:r0 + rows, :])
        a_re = psum((n2, rows))
        a_im = psum((n2, rows))
        matmul_data_stationary(a_re, a_im, x_re, x_im, constant_slice(f1, rows, rows))
        s_re = sbuf((n2, rows))
        s_im = sbuf((n2, rows))
        evacuate(s_re, s_im, a_re, a_im)
        y_re = psum((rows, n2))
        y_im = psum((rows, n2))
        matmul_data_stationary(y_re, y_im, s_re, s_im, f2)
        o_re = sbuf((rows, n2))
        o_im = sbuf((rows, n2))
        evacuate(o_re, o_im, y_re, y_im)
        nl.store(yr[r0:r0 + rows, :], o_re)
        nl.store(yi[r0:r0 + rows, :], o_im)


@nki.jit
def fft2_small_kernel(xr, xi, f1_re, f1_im, f2_re, f2_im, n1, group):
    rows, n2 = xr.shape
    yr = nl.ndarray((rows, n2), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((rows, n2), nl.float32, buffer=nl.shared_hbm)
    fft2_small(xr, xi, yr, yi, load_constant(f1_re, f1_im), load_constant(f2_re, f2_im), n1, group)
    return yr, yi
