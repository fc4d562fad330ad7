"""Short transforms, n <= 128: one DFT matmul per tile, several transforms packed per tile.

With g = 128 // n transforms side by side, the DFT matrix becomes the
block-diagonal I_g (x) F of size g*n <= 128, so a batch of 256 transforms of
n = 16 fills all 128 partitions (g = 8) instead of 16 of them. The batch
[B, n] is read as rows of g*n points, transposed by the DMA
(``nl.load_transpose2d``) so the points sit on the contraction (partition)
dim, and Y = X @ (I_g (x) F) comes out row-major: a contiguous store.
A batch that is not a multiple of g ends with a shorter row that uses the
leading block of the same constant.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nl
from .cplx import constant_slice, evacuate, load_constant, matmul_data_stationary, psum, sbuf

ROWS = 128  # transforms-rows per tile: the stationary free size M


def small_fft(xr: Any, xi: Any, yr: Any, yi: Any, f: tuple, group: int) -> None:
    """y = DFT(x) row by row for HBM [B, n] tensors; ``f`` is I_group (x) F in SBUF."""
    batch, n = xr.shape
    full = batch // group
    width = group * n
    if full > 0:
        src = (xr[0:full * group, :].reshape((full, width)), xi[0:full * group, :].reshape((full, width)))
        dst = (yr[0:full * group, :].reshape((full, width)), yi[0:full * group, :].reshape((full, width)))
        for r0 in nl.affine_range((full + ROWS - 1) // ROWS):
            lo = r0 * ROWS
            rows = min(ROWS, full - lo)
            _rows(src, dst, lo, rows, f)
    rest = batch - full * group
    if rest > 0:
        lo = full * group
        src = (xr[lo:batch, :].reshape((1, rest * n)), xi[lo:batch, :].reshape((1, rest * n)))
        dst = (yr[lo:batch, :].reshape((1, rest * n)), yi[lo:batch, :].reshape((1, rest * n)))
        _rows(src, dst, 0, 1, constant_slice(f, rest * n, rest * n))


def _rows(src: tuple, dst: tuple, lo: int, rows: int, f: tuple) -> None:
    width = src[0].shape[1]
    x_re = nl.load_transpose2d(src[0][lo:lo + rows, :])
    x_im = nl.load_transpose2d(src[1][lo:lo + rows, :])
    acc_re = psum((rows, width))
    acc_im = psum((rows, width))
    matmul_data_stationary(acc_re, acc_im, x_re, x_im, f)
    out_re = sbuf((rows, width))
    out_im = sbuf((rows, width))
    evacuate(out_re, out_im, acc_re, acc_im)
    nl.store(dst[0][lo:lo + rows, :], out_re)
    nl.store(dst[1][lo:lo + rows, :], out_im)


@nki.jit
def small_fft_kernel(xr, xi, f_re, f_im, group):
    batch, n = xr.shape
    yr = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    small_fft(xr, xi, yr, yi, load_constant(f_re, f_im), group)
    return yr, yi
