"""Bluestein's chirp-z FFT in one launch, for lengths the factorisations cannot serve.

With c_j = exp(-+i pi j^2 / n) (angles from j^2 mod 2n in integers),
jk = (j^2 + k^2 - (k - j)^2) / 2 turns the DFT into a convolution:

    y_k = c_k * sum_j (x_j c_j) conj(c_(k-j)),

computed as a circular convolution of length m >= 2n - 2, a length the
four-step or six-step kernel serves. The inverse FFT of the convolution
is a forward one between conjugations, so one set of constants serves both:

    a = pad(x * c);  A = FFT(a);  P = conj(A) * conj(S);  Q = FFT(P);  y = conj(Q) * (scale c)

where S = FFT(b) / m is computed on the host in float64 once per plan
(b_j = conj(c_j) for |j| < n, circularly). Here the intermediate arrays of
m points per transform live in HBM scratch inside the kernel: the general
case (m > 16384). ``bluestein_sbuf.py`` keeps everything in SBUF when m is
a four-step length.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nisa, nl
from .cplx import in_sbuf, load_constant, load_table, multiply, sbuf
from .four_step import four_step
from .packed import unpack
from .radix import radix_four_step
from .six_step import six_step

ROWS = 128    # partitions per pointwise tile
MAX_WIDTH = 2048


def _blocks(start: int, stop: int) -> list:
    """[(offset, rows, width)] tiles covering points start..stop on as many partitions as possible:
    rows of ``width`` = ceil(length / 128) points (at most MAX_WIDTH), then a one-row rest."""
    length = stop - start
    width = min(MAX_WIDTH, max(1, -(-length // ROWS)))
    full = length // width
    out = []
    for r0 in range(0, full, ROWS):
        out.append((start + r0 * width, min(ROWS, full - r0), width))
    rest = length - full * width
    if rest > 0:
        out.append((start + full * width, 1, rest))
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
            multiply(o_re, o_im, a_re, a_im, t_re, t_im, conjugate, in_sbuf())
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
    """The length-m forward FFT of the convolution, by the kernel helper ``shape[0]`` names."""
    if shape[0] == "four-step":
        four_step(src[0], src[1], dst[0], dst[1], consts[0], consts[1], consts[2], shape[1], shape[2], shape[3])
    elif shape[0] == "radix-four-step":
        radix_four_step(src[0], src[1], dst[0], dst[1], consts[0], consts[1], consts[2], consts[3],
                        shape[1], shape[2], shape[3], shape[4])
    else:
        six_step(src[0], src[1], dst[0], dst[1], consts[0], consts[1], consts[2], consts[3], consts[4],
                 shape[1], shape[2], shape[3], shape[4], shape[5])


def load_inner(arrays: tuple, shape: tuple) -> tuple:
    """The inner FFT's constants in SBUF: matrices as (re, im, -im), tables as (re, im).

    Four-step: F1, T, F2. Radix: W (left in HBM: it streams), F1, T, F2.
    Six-step: F1, T1, F2, T2 (left in HBM), F3."""
    if shape[0] == "four-step":
        return (load_constant(arrays[0], arrays[1]), load_table(arrays[2], arrays[3]),
                load_constant(arrays[4], arrays[5]))
    if shape[0] == "radix-four-step":
        return ((arrays[0], arrays[1]), load_constant(arrays[2], arrays[3]), load_table(arrays[4], arrays[5]),
                load_constant(arrays[6], arrays[7]))
    return (load_constant(arrays[0], arrays[1]), load_table(arrays[2], arrays[3]),
            load_constant(arrays[4], arrays[5]), (arrays[6], arrays[7]), load_constant(arrays[8], arrays[9]))


def bluestein(xr: Any, xi: Any, yr: Any, yi: Any, pre: tuple, spec: tuple, post: tuple, inner: tuple,
              shape: tuple) -> None:
    """y = DFT(x) for HBM [B, n] tensors through a length-m convolution in HBM scratch."""
    batch, n = xr.shape
    m = spec[0].shape[1]
    a = (nl.ndarray((batch, m), nl.float32, buffer=nl.hbm),   # scratch: the kernel's private HBM
         nl.ndarray((batch, m), nl.float32, buffer=nl.hbm))
    b = (nl.ndarray((batch, m), nl.float32, buffer=nl.hbm),
         nl.ndarray((batch, m), nl.float32, buffer=nl.hbm))
    consts = load_inner(inner, shape)
    pointwise((xr, xi), a, pre, n, False)
    zero_tail(a, n, m)
    inner_fft(a, b, consts, shape)
    pointwise(b, a, spec, m, True)
    inner_fft(a, b, consts, shape)
    pointwise(b, (yr, yi), post, n, True)


@nki.jit
def bluestein_kernel(xr, xi, pre_re, pre_im, spec_re, spec_im, post_re, post_im, inner_table, inner_layout, shape):
    """``inner_table``/``inner_layout``: the inner FFT's constants packed in one table (``packed.py``)."""
    inner = unpack(inner_table, inner_layout)
    batch, n = xr.shape
    yr = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    bluestein(xr, xi, yr, yi, (pre_re, pre_im), (spec_re, spec_im), (post_re, post_im), inner, shape)
    return yr, yi
