"""Short transforms, n <= 128: one DFT matmul per tile, several transforms packed per tile.

With g transforms side by side, the DFT matrix becomes the block-diagonal
I_g (x) F of size g*n <= 128. The batch [B, n] is read as rows of g*n
points, transposed by the DMA (``nl.load_transpose2d``) so the points sit on
the contraction (partition) dim, and Y = X @ (I_g (x) F) comes out
row-major: a contiguous store. A batch that is not a multiple of g ends with
a shorter row that uses the leading block of the same matrices. The plan
picks g (``algorithms.small_group``): the table grows as (g n)^2 and is read
on every call, while more transforms per tile save matmul columns only up
to the Tensor engine's 64-column minimum and tiles only past 128 rows.

One helper serves every kind as a sum of real products, each output part
``y_o = sum_i x_i @ M_oi``: c2c is (Xr Fr - Xi Fi, Xr Fi + Xi Fr), four
products; r2c (real input, onesided output) one, Xr H with the halfcomplex
H = [Re F[:, :n//2+1] | the nonzero columns of Im F[:, :n//2+1]] (n columns),
unpacked as the result leaves PSUM; c2r (Hermitian half spectrum in, real
out) two, Xr C + Xi S with the doubled weights of the bins that stand for
their mirror images folded in.

The matrices come from one table per plan (``arguments.small_table``): an
even n as each block's left half and the row signs (A[r, k + n/2] =
s_r A[r, k]), the right halves made on the Scalar engine with a per-partition
scale (D/nki/api/generated/nki.isa.activation.html), half the HBM bytes.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nisa, nl
from .cplx import psum, sbuf

ROWS = 128  # tile rows per matmul: the stationary free size M


def small_matrices(kind: str, table: Any, group: int, n: int) -> tuple:
    """``packed_dft``'s matrices from the plan's HBM ``table`` (``arguments.small_table``), made in SBUF."""
    w = group * n
    if kind == "r2c":
        return ((nl.load(table),),)
    rows = table.shape[0]
    if kind == "c2c":   # G = [-Im F | Re F | Im F]
        g = sbuf((rows, 3 * w))
        _unfold(table, g[:, w:3 * w], group, n)
        nisa.activation(dst=g[:, 0:w], op=nl.copy, data=g[:, 2 * w:3 * w], scale=-1.0)
        return ((g[:, w:2 * w], g[:, 0:w]), (g[:, 2 * w:3 * w], g[:, w:2 * w]))
    m = sbuf((rows, 2 * w))   # [C | S]
    _unfold(table, m, group, n)
    return ((m[:, 0:w], m[:, w:2 * w]),)


def _unfold(table: Any, dst: Any, group: int, n: int) -> None:
    """dst [rows, 2 g n] = the table's two block-diagonal parts side by side: an odd n's table is that (one
    DMA); an even n's holds every block's left half and the row signs s, the right halves are s * left."""
    if n % 2:
        nisa.dma_copy(dst=dst, src=table)
        return
    rows, w, h = dst.shape[0], group * n, n // 2
    c = nl.load(table)
    left = c[:, 0:w].reshape((rows, 2, group, h))
    blocks = dst.reshape((rows, 2, group, 2, h))
    nisa.activation(dst=blocks[:, :, :, 0, :], op=nl.copy, data=left)
    nisa.activation(dst=blocks[:, :, :, 1, :], op=nl.copy, data=left, scale=c[:, w:w + 1])


def packed_dft(xs: tuple, ys: tuple, mats: tuple, group: int) -> None:
    """ys[o][t] = sum_i xs[i][t] @ mats[o][i] for every row t of the HBM [B, n_in] inputs; one matrix row for
    two outputs (r2c): the halfcomplex product, unpacked into (re, im).

    ``mats[o][i]`` is an SBUF block-diagonal matrix with ``group`` blocks."""
    batch, n_in = xs[0].shape
    n_out = ys[0].shape[1]
    full = batch // group
    if full > 0:
        src = []
        dst = []
        for x in xs:
            src.append(x[0:full * group, :].reshape((full, group * n_in)))
        for y in ys:
            dst.append(y[0:full * group, :].reshape((full, group * n_out)))
        for r0 in nl.affine_range((full + ROWS - 1) // ROWS):
            lo = r0 * ROWS
            _rows(src, dst, lo, min(ROWS, full - lo), mats, n_in)
    rest = batch - full * group
    if rest > 0:
        lo = full * group
        src = []
        dst = []
        for x in xs:
            src.append(x[lo:batch, :].reshape((1, rest * n_in)))
        for y in ys:
            dst.append(y[lo:batch, :].reshape((1, rest * n_out)))
        _rows(src, dst, 0, 1, mats, n_in)


def _rows(src: list, dst: list, lo: int, rows: int, mats: tuple, n: int) -> None:
    width_in = src[0].shape[1]
    xt = []
    for s in src:
        xt.append(nl.load_transpose2d(s[lo:lo + rows, :]))
    for o in range(len(mats)):
        width = mats[o][0].shape[1] * width_in // mats[o][0].shape[0]   # this row's blocks of the matrix
        acc = psum((rows, width))
        for i in range(len(src)):
            nisa.nc_matmul(dst=acc, stationary=xt[i], moving=mats[o][i][0:width_in, 0:width], accumulate=i > 0)
        if len(mats) < len(dst):
            _unpack_halfcomplex(acc, dst, lo, rows, n)
            return
        out = sbuf((rows, width))
        nisa.activation(dst=out, op=nl.copy, data=acc)
        nl.store(dst[o][lo:lo + rows, :], out)


def _unpack_halfcomplex(acc: Any, dst: list, lo: int, rows: int, n: int) -> None:
    """PSUM [rows, (t, H columns)] -> the onesided (re, im) rows: Re X[0..h) then Im X[1..n-h] of every
    transform t; the imaginary parts of the DC (and an even n's Nyquist) bin are zero."""
    half = n // 2 + 1
    blocks = acc.shape[1] // n
    packed = acc.reshape((rows, blocks, n))
    out_re = sbuf((rows, blocks * half))
    out_im = sbuf((rows, blocks * half))
    nisa.activation(dst=out_re.reshape((rows, blocks, half)), op=nl.copy, data=packed[:, :, 0:half])
    nisa.memset(dst=out_im, value=0.0, engine=nisa.engine.gpsimd)
    if n > half:
        nisa.activation(dst=out_im.reshape((rows, blocks, half))[:, :, 1:n - half + 1], op=nl.copy,
                        data=packed[:, :, half:n])
    nl.store(dst[0][lo:lo + rows, :], out_re)
    nl.store(dst[1][lo:lo + rows, :], out_im)


def small_dft(kind: str, xs: tuple, ys: tuple, table: Any, group: int, n: int) -> None:
    """``packed_dft`` of ``kind`` (c2c, r2c, c2r) for transforms of n points with the plan's table."""
    packed_dft(xs, ys, small_matrices(kind, table, group, n), group)


@nki.jit
def small_fft_kernel(xr, xi, table, group):
    batch, n = xr.shape
    yr = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    small_dft("c2c", (xr, xi), (yr, yi), table, group, n)
    return yr, yi


@nki.jit
def small_rfft_kernel(x, table, group):
    batch, n = x.shape
    yr = nl.ndarray((batch, n // 2 + 1), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n // 2 + 1), nl.float32, buffer=nl.shared_hbm)
    small_dft("r2c", (x,), (yr, yi), table, group, n)
    return yr, yi


@nki.jit
def small_irfft_kernel(xr, xi, table, group, n):
    batch = xr.shape[0]
    y = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    small_dft("c2r", (xr, xi), (y,), table, group, n)
    return y
