"""Bluestein's chirp-z FFT in one launch, for lengths the factorisations cannot serve.

With c_j = exp(-+i pi j^2 / n) (angles from j^2 mod 2n in integers),
jk = (j^2 + k^2 - (k - j)^2) / 2 turns the DFT into a convolution:

    y_k = c_k * sum_j (x_j c_j) conj(c_(k-j)),

computed as a circular convolution of length m >= 2n - 1, a length the
four-step or six-step kernel serves. The inverse FFT of the convolution
is a forward one between conjugations, so one set of constants serves both:

    a = pad(x * c);  A = FFT(a);  P = conj(A) * conj(S);  Q = FFT(P);  y = conj(Q) * (scale c)

where S = FFT(b) / m is computed on the host in float64 once per plan
(b_j = conj(c_j) for |j| < n, circularly). Intermediate arrays of m points
per transform live in HBM scratch inside the kernel.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nisa, nl
from .cplx import load_constant, load_table, multiply, sbuf
from .four_step import four_step
from .six_step import six_step

WIDTH = 512   # points per partition in the pointwise passes
ROWS = 128


def _blocks(start: int, stop: int) -> list:
    """[(offset, rows, width)] tiles covering points start..stop: full WIDTH rows, then the rest."""
    out = []
    full = (stop - start) // WIDTH
    for r0 in range(0, full, ROWS):
        out.append((start + r0 * WIDTH, min(ROWS, full - r0), WIDTH))
    rest = (stop - start) - full * WIDTH
    if rest > 0:
        out.append((start + full * WIDTH, 1, rest))
    return out


def _view(row: Any, offset: int, rows: int, width: int) -> Any:
    return row[offset:offset + rows * width].reshape((rows, width))


def pointwise(src: tuple, dst: tuple, table: tuple, length: int, conjugate: bool) -> None:
    """dst[t, :length] = src[t, :length] * table[0, :length] (conj(src) when ``conjugate``), every t.

    Each table block is read once and applied to every transform of the batch."""
    batch = src[0].shape[0]
    for offset, rows, width in _blocks(0, length):
        t_re = nl.load(_view(table[0][0], offset, rows, width))
        t_im = nl.load(_view(table[1][0], offset, rows, width))
        for t in nl.affine_range(batch):
            a_re = nl.load(_view(src[0][t], offset, rows, width))
            a_im = nl.load(_view(src[1][t], offset, rows, width))
            o_re = sbuf((rows, width))
            o_im = sbuf((rows, width))
            multiply(o_re, o_im, a_re, a_im, t_re, t_im, conjugate)
            nl.store(_view(dst[0][t], offset, rows, width), o_re)
            nl.store(_view(dst[1][t], offset, rows, width), o_im)


def zero_tail(dst: tuple, start: int, stop: int) -> None:
    """dst[t, start:stop] = 0 for every t: the padding of the convolution."""
    batch = dst[0].shape[0]
    for offset, rows, width in _blocks(start, stop):
        zeros = sbuf((rows, width))
        nisa.memset(dst=zeros, value=0.0)
        for t in nl.affine_range(batch):
            nl.store(_view(dst[0][t], offset, rows, width), zeros)
            nl.store(_view(dst[1][t], offset, rows, width), zeros)


def inner_fft(src: tuple, dst: tuple, consts: tuple, shape: tuple) -> None:
    """The length-m forward FFT of the convolution, by the four-step or six-step helper."""
    if len(shape) == 3:
        n1, n2, group = shape
        four_step(src[0], src[1], dst[0], dst[1], consts[0], consts[1], consts[2], n1, n2, group)
    else:
        n1, n2, n3, block, k_block = shape
        six_step(src[0], src[1], dst[0], dst[1], consts[0], consts[1], consts[2], consts[3], consts[4],
                 n1, n2, n3, block, k_block)


def load_inner(arrays: tuple, shape: tuple) -> tuple:
    """The inner FFT's constants in SBUF: matrices as (re, im, -im), tables as (re, im).

    Four-step: F1, T, F2. Six-step: F1, T1, F2, T2 (left in HBM: it streams), F3."""
    if len(shape) == 3:
        return (load_constant(arrays[0], arrays[1]), load_table(arrays[2], arrays[3]),
                load_constant(arrays[4], arrays[5]))
    return (load_constant(arrays[0], arrays[1]), load_table(arrays[2], arrays[3]),
            load_constant(arrays[4], arrays[5]), (arrays[6], arrays[7]), load_constant(arrays[8], arrays[9]))


@nki.jit
def bluestein_kernel(xr, xi, pre_re, pre_im, spec_re, spec_im, post_re, post_im, inner, shape):
    batch, n = xr.shape
    m = spec_re.shape[1]
    yr = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    a = (nl.ndarray((batch, m), nl.float32, buffer=nl.shared_hbm),
         nl.ndarray((batch, m), nl.float32, buffer=nl.shared_hbm))
    b = (nl.ndarray((batch, m), nl.float32, buffer=nl.shared_hbm),
         nl.ndarray((batch, m), nl.float32, buffer=nl.shared_hbm))
    consts = load_inner(inner, shape)
    pointwise((xr, xi), a, (pre_re, pre_im), n, False)
    zero_tail(a, n, m)
    inner_fft(a, b, consts, shape)
    pointwise(b, a, (spec_re, spec_im), m, True)
    inner_fft(a, b, consts, shape)
    pointwise(b, (yr, yi), (post_re, post_im), n, True)
    return yr, yi
