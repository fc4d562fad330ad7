"""Short transforms, n <= 128: one DFT matmul per tile, several transforms packed per tile.

With g = 128 // n transforms side by side, the DFT matrix becomes the
block-diagonal I_g (x) F of size g*n <= 128, so a batch of 256 transforms of
n = 16 fills all 128 partitions (g = 8) instead of 16 of them. The batch
[B, n] is read as rows of g*n points, transposed by the DMA
(``nl.load_transpose2d``) so the points sit on the contraction (partition)
dim, and Y = X @ (I_g (x) F) comes out row-major: a contiguous store.
A batch that is not a multiple of g ends with a shorter row that uses the
leading block of the same constants.

One helper serves every kind as a sum of real products, each output part
``y_o = sum_i x_i @ M_oi``: c2c is (Xr Fr - Xi Fi, Xr Fi + Xi Fr), four
products; r2c (real input, onesided output) needs two, Xr F[:, :n//2+1];
c2r (Hermitian half spectrum in, real out) two, Xr C - Xi S with the
doubled weights of the bins that stand for their mirror images folded in.
"""
from __future__ import annotations

from ..engine import nki, nisa, nl
from .cplx import load_constant, psum, sbuf

ROWS = 128  # tile rows per matmul: the stationary free size M


def packed_dft(xs: tuple, ys: tuple, mats: tuple, group: int) -> None:
    """ys[o][t] = sum_i xs[i][t] @ mats[o][i] for every row t of the HBM [B, n_in] inputs.

    ``mats[o][i]`` is an SBUF [group*n_in, group*n_out] block-diagonal matrix."""
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
            _rows(src, dst, lo, min(ROWS, full - lo), mats)
    rest = batch - full * group
    if rest > 0:
        lo = full * group
        src = []
        dst = []
        for x in xs:
            src.append(x[lo:batch, :].reshape((1, rest * n_in)))
        for y in ys:
            dst.append(y[lo:batch, :].reshape((1, rest * n_out)))
        _rows(src, dst, 0, 1, mats)


def _rows(src: list, dst: list, lo: int, rows: int, mats: tuple) -> None:
    width_in = src[0].shape[1]
    width_out = dst[0].shape[1]
    xt = []
    for s in src:
        xt.append(nl.load_transpose2d(s[lo:lo + rows, :]))
    for o in range(len(dst)):
        acc = psum((rows, width_out))
        for i in range(len(src)):
            nisa.nc_matmul(dst=acc, stationary=xt[i], moving=mats[o][i][0:width_in, 0:width_out],
                           accumulate=i > 0)
        out = sbuf((rows, width_out))
        nisa.activation(dst=out, op=nl.copy, data=acc)
        nl.store(dst[o][lo:lo + rows, :], out)


@nki.jit
def small_fft_kernel(xr, xi, f_re, f_im, group):
    batch, n = xr.shape
    yr = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    f = load_constant(f_re, f_im)
    packed_dft((xr, xi), (yr, yi), ((f[0], f[2]), (f[1], f[0])), group)
    return yr, yi


@nki.jit
def small_rfft_kernel(x, f_re, f_im, group):
    batch = x.shape[0]
    half = f_re.shape[1] // group
    yr = nl.ndarray((batch, half), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, half), nl.float32, buffer=nl.shared_hbm)
    packed_dft((x,), (yr, yi), ((nl.load(f_re),), (nl.load(f_im),)), group)
    return yr, yi


@nki.jit
def small_irfft_kernel(xr, xi, c, s, group):
    batch = xr.shape[0]
    n = c.shape[1] // group
    y = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    packed_dft((xr, xi), (y,), ((nl.load(c), nl.load(s)),), group)
    return y
