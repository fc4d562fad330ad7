"""Bluestein in SBUF over a symmetric six-step inner length m = a * b * a (padded m > 16384).

The algebra of ``bluestein.py`` (a = pad(x c); P = conj(FFT(a)) conj(S) s/m;
y = conj(FFT(P)) c), with nothing staged through HBM and only n chirp
points read per launch besides small tables:

* factors (a, b, a): the six-step's output Y[k3, (k2, k1)] on a partitions is,
  row-major, its own natural input layout X[j1, (j2, j3)], so the second FFT
  starts from the tile the first one left, with the same constants;
* the spectrum S = FFT(b) of the convolution kernel b is computed on chip once
  per launch from the chirp tile C (b = conj(c) at 0..n-1 and, by
  c[j + n] = (-1)^n c[j], (-1)^n conj(c[1..n-1]) at m-n+1..m-1: a flat shift
  of C done by SBUF -> SBUF DMA);
* the six-step's second-stage twiddle w_m^(j3 (k1 + a k2)) (m points) is formed
  on chip once per launch as Ta[j3, k1] * Tb[j3, k2] from two small tables;
* the normalisation s/m rides on conj(S), so one chirp table serves the pre
  and the post multiply.

Per transform: x read once, y written once; two FFTs and three pointwise
multiplies on tiles of a partitions x a*b points.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nisa, nl
from .cplx import PSUM_BANK, evacuate, in_sbuf, load_constant, load_table, multiply, negated, sbuf, transform_columns
from .six_step import first_matmuls, stage2

CHUNK = 1024   # columns per pointwise instruction: bounds the temporaries of ``multiply``


def _pair(shape: tuple) -> tuple:
    return sbuf(shape), sbuf(shape)


def _rows(row: Any, n: int, width: int) -> tuple[int, int, Any, Any]:
    """(full rows, rest, [full, width] view, [1, rest] view) of one transform's n points in rows of ``width``."""
    full, rest = n // width, n % width
    body = row[0:full * width].reshape((full, width)) if full else None
    tail = row[full * width:n].reshape((1, rest)) if rest else None
    return full, rest, body, tail


def load_rows(dst: tuple, srcs: list, n: int, rows: int) -> None:
    """Transform t of ``srcs`` [(re, im) HBM rows] laid out row-major on partitions t*rows.., zero elsewhere."""
    width = dst[0].shape[1]
    for part in range(2):
        nisa.memset(dst=dst[part], value=0.0)
        for t in range(len(srcs)):
            full, rest, body, tail = _rows(srcs[t][part], n, width)
            p0 = t * rows
            if full:
                nisa.dma_copy(dst=dst[part][p0:p0 + full, :], src=body)
            if rest:
                nisa.dma_copy(dst=dst[part][p0 + full:p0 + full + 1, 0:rest], src=tail)


def store_rows(dsts: list, src: tuple, n: int, rows: int) -> None:
    """The first n points of block t (partitions t*rows..) of the row-major tile ``src`` into HBM rows dsts[t]."""
    width = src[0].shape[1]
    for t in range(len(dsts)):
        p0 = t * rows
        for part in range(2):
            full, rest, body, tail = _rows(dsts[t][part], n, width)
            if full:
                nl.store(body, src[part][p0:p0 + full, :])
            if rest:
                nl.store(tail, src[part][p0 + full:p0 + full + 1, 0:rest])


def pointwise(dst: tuple, a: tuple, t: tuple, conjugate: bool) -> None:
    """dst = a * t (conj(a) * t), CHUNK columns per instruction."""
    width = a[0].shape[1]
    for c in nl.affine_range((width + CHUNK - 1) // CHUNK):
        c0 = c * CHUNK
        cols = min(CHUNK, width - c0)
        multiply(dst[0][:, c0:c0 + cols], dst[1][:, c0:c0 + cols], a[0][:, c0:c0 + cols], a[1][:, c0:c0 + cols],
                 t[0][:, c0:c0 + cols], t[1][:, c0:c0 + cols], conjugate, in_sbuf())


def shift_copy(dst: Any, src: Any, start: int, stop: int, shift: int, base: int = 0) -> None:
    """dst.flat[f + shift] = src.flat[f] for start <= f < stop within the block of partitions from ``base``
    of [P, width] SBUF tiles, by SBUF -> SBUF DMA.

    A flat shift by q*width + r moves column f of row p to row p + q (+1 once f + r wraps): per run of
    whole source rows two rectangular DMAs, the partial first and last rows on their own.
    DMA moves data within SBUF too (D/nki/about/nki-dma-overview.html; D/nki/api/generated/nki.isa.dma_copy.html:
    "Both src and dst tiles can be in device memory (HBM) or SBUF"): no HBM traffic, DMA-engine time only."""
    width = src.shape[1]
    q, r = divmod(shift, width)
    first, last = start // width, (stop - 1) // width
    runs = []   # (row from, row to, column from, column to) of the source
    if first == last:
        runs.append((first, first + 1, start % width, (stop - 1) % width + 1))
    else:
        runs.append((first, first + 1, start % width, width))
        if last > first + 1:
            runs.append((first + 1, last, 0, width))
        runs.append((last, last + 1, 0, (stop - 1) % width + 1))
    for p0, p1, c0, c1 in runs:
        split = min(max(width - r, c0), c1)      # columns before ``split`` stay in row p + q
        p0, p1 = p0 + base, p1 + base
        if split > c0:
            nisa.dma_copy(dst=dst[p0 + q:p1 + q, c0 + r:split + r], src=src[p0:p1, c0:split])
        if c1 > split:
            nisa.dma_copy(dst=dst[p0 + q + 1:p1 + q + 1, split + r - width:c1 + r - width], src=src[p0:p1, split:c1])


def outer_twiddle(dst: tuple, ta: tuple, tb: tuple) -> None:
    """dst[p, (i, j)] = ta[p, i] * tb[p, j] (complex), one per-partition scalar per instruction pair,
    looping over the shorter of i and j."""
    parts, na = ta[0].shape
    nb = tb[0].shape[1]
    d3 = (dst[0].reshape((parts, na, nb)), dst[1].reshape((parts, na, nb)))
    loop_over_a = na <= nb
    tmp = sbuf((parts, nb if loop_over_a else na))
    for i in nl.affine_range(na if loop_over_a else nb):
        if loop_over_a:
            vec, s_re, s_im, out = tb, ta[0][:, i:i + 1], ta[1][:, i:i + 1], (d3[0][:, i, :], d3[1][:, i, :])
        else:
            vec, s_re, s_im, out = ta, tb[0][:, i:i + 1], tb[1][:, i:i + 1], (d3[0][:, :, i], d3[1][:, :, i])
        # re = v_re s_re - v_im s_im ; im = v_re s_im + v_im s_re; the scalar operand is a [P, 1] tile
        # broadcast along the free dim (D/nki/api/generated/nki.isa.tensor_scalar.html)
        nisa.tensor_scalar(dst=tmp, data=vec[1], op0=nl.multiply, operand0=s_im)
        nisa.scalar_tensor_tensor(dst=out[0], data=vec[0], op0=nl.multiply, operand0=s_re, op1=nl.subtract,
                                  operand1=tmp)
        nisa.tensor_scalar(dst=tmp, data=vec[1], op0=nl.multiply, operand0=s_re)
        nisa.scalar_tensor_tensor(dst=out[1], data=vec[0], op0=nl.multiply, operand0=s_im, op1=nl.add,
                                  operand1=tmp)


def fold_twiddle(t1: tuple, f2: tuple) -> tuple:
    """G[j2, (k1, k2)] = T1[j2, k1] F2[j2, k2] as (re, im, -im): the first-stage twiddle folded into one
    second-stage DFT matrix per k1, so stage 1 leaves PSUM by a plain copy."""
    b, a = t1[0].shape
    g = _pair((b, a * b))
    outer_twiddle(g, t1, (f2[0], f2[1]))
    return g[0], g[1], negated(g[1])


def fft_sbuf(tile: tuple, consts: tuple, a: int, b: int, g: int) -> None:
    """tile = DFT_m(tile) in place for g transforms stacked on partition blocks, m = a*b*a: the six-step with
    factors (a, b, a) on SBUF tiles [g*a, b*a].

    Block t holds X[j1, (j2, j3)] and gets Y[k3, (k2, k1)]: both row-major in natural order. ``consts`` is
    (I_g (x) F1, G, T2): G the stage-2 matrices with the stage-1 twiddle folded in (``fold_twiddle``), T2
    repeated on every block. Stage 1 keeps the g transforms side by side along the free dim (the
    block-diagonal F1 moves), stage 2 puts them back on partition blocks (``stage2`` with slots)."""
    f1, gm, t2 = consts
    rows = g * a
    per_bank = max(1, PSUM_BANK // rows)
    x3 = (tile[0].reshape((rows, b, a)), tile[1].reshape((rows, b, a)))
    x1 = _pair((b, a, rows))
    for s in nl.affine_range((a + per_bank - 1) // per_bank):
        j0 = s * per_bank
        count = min(per_bank, a - j0)
        a_re, a_im = first_matmuls(x3, j0, count, f1, rows, b)
        evacuate(x1[0][:, j0:j0 + count, :], x1[1][:, j0:j0 + count, :], a_re, a_im)
    x2 = stage2(x1, False, gm, t2, b, rows, 0, a, resident=True, per_column=True, slots=g)
    transform_columns(tile[0], tile[1], f1, x2[0].reshape((rows, b * a)), x2[1].reshape((rows, b * a)))


def kernel_sequence_tile(chirp: tuple, n: int, m: int, blocks: int = 1) -> tuple:
    """b = conj(c) at 0..n-1 and (-1)^n conj(c[f]) at m-n+f (f < n; c[j] = c[-j], c[j + n] = (-1)^n c[j]),
    on each of ``blocks`` partition blocks of the row-major chirp tile (m points per block). The wrapped half
    starts past point n-1: at m = 2n - 2 its first point f = 1 would land on n-1, which the direct half already
    holds with the same value (algorithms.bluestein_minimum)."""
    sign = -1.0 if n % 2 else 1.0
    start = max(1, 2 * n - m)       # the first f whose point m - n + f lies past n - 1
    shape = chirp[0].shape
    rows = shape[0] // blocks
    shifted = _pair(shape)
    for part in range(2):
        nisa.memset(dst=shifted[part], value=0.0)
        for t in range(blocks):
            if start < n:
                shift_copy(shifted[part], chirp[part], start, n, m - n, base=t * rows)
    kern = _pair(shape)
    # re = shifted_re * sign + c_re, im = shifted_im * (-sign) - c_im
    nisa.scalar_tensor_tensor(dst=kern[0], data=shifted[0], op0=nl.multiply, operand0=sign, op1=nl.add,
                              operand1=chirp[0])
    nisa.scalar_tensor_tensor(dst=kern[1], data=shifted[1], op0=nl.multiply, operand0=-sign, op1=nl.subtract,
                              operand1=chirp[1])
    return kern


def spectrum(chirp: tuple, consts: tuple, norm: Any, n: int, a: int, b: int, g: int) -> tuple:
    """conj(FFT(b)) * s/m on chip, in the FFT's output layout on every block; ``norm`` is the [g*a, 1] tile
    of s/m."""
    kern = kernel_sequence_tile(chirp, n, a * b * a, g)
    fft_sbuf(kern, consts, a, b, g)
    spec = _pair((g * a, a * b))
    nisa.tensor_scalar(dst=spec[0], data=kern[0], op0=nl.multiply, operand0=norm[:, 0:1])
    nisa.tensor_scalar(dst=spec[1], data=kern[1], op0=nl.multiply, operand0=norm[:, 0:1], op1=nl.multiply,
                       operand1=-1.0)
    return spec


def bluestein_six(xr: Any, xi: Any, yr: Any, yi: Any, chirp_hbm: tuple, f1: tuple, t1: tuple, f2: tuple,
                  ta: tuple, tb: tuple, norm_hbm: Any, a: int, b: int, g: int) -> None:
    """y = DFT(x) for HBM [B, n] tensors through a length a*b*a circular convolution in SBUF, g transforms
    per tile (on partition blocks of a).

    ``chirp_hbm`` is c [1, n], read once (block 0) and copied on chip to the other blocks; ``f1`` is
    I_g (x) F_a; ``t1`` [b, a] the first-stage twiddles w_(ab)^(j2 k1); ``ta`` [g*a, a] = w_m^(j3 k1) and
    ``tb`` [g*a, b] = w_(ab)^(j3 k2) the factors of the second-stage twiddle, per block; ``norm_hbm``
    [g*a, 1] holds s/m."""
    batch, n = xr.shape
    rows = g * a
    chirp = _pair((rows, a * b))
    load_rows(chirp, [(chirp_hbm[0][0], chirp_hbm[1][0])], n, a)
    for t in range(1, g):
        for part in range(2):
            nisa.dma_copy(dst=chirp[part][t * a:(t + 1) * a, :], src=chirp[part][0:a, :])
    t2 = _pair((rows, a * b))
    outer_twiddle(t2, ta, tb)
    consts = (f1, fold_twiddle(t1, f2), t2)
    spec = spectrum(chirp, consts, nl.load(norm_hbm), n, a, b, g)
    for s in nl.affine_range((batch + g - 1) // g):
        t0 = s * g
        count = min(g, batch - t0)
        x = _pair((rows, a * b))
        load_rows(x, [(xr[t0 + t], xi[t0 + t]) for t in range(count)], n, a)
        x = _times(x, chirp, False)       # each step's input is dropped (freed) once it is used
        fft_sbuf(x, consts, a, b, g)
        x = _times(x, spec, True)
        fft_sbuf(x, consts, a, b, g)
        store_rows([(yr[t0 + t], yi[t0 + t]) for t in range(count)], _times(x, chirp, True), n, a)


def _times(x: tuple, table: tuple, conjugate: bool) -> tuple:
    """A new tile x * table (conj(x) * table)."""
    out = _pair(x[0].shape)
    pointwise(out, x, table, conjugate)
    return out


def load_bluestein_six(arrays: tuple) -> tuple:
    """The HBM constants of ``bluestein_six`` as it takes them (matrices with -im, tables in SBUF)."""
    a = arrays
    return ((a[0], a[1]), load_constant(a[2], a[3]), load_table(a[4], a[5]), load_constant(a[6], a[7]),
            load_table(a[8], a[9]), load_table(a[10], a[11]), a[12])


@nki.jit
def bluestein_six_kernel(xr, xi, c_re, c_im, f1_re, f1_im, t1_re, t1_im, f2_re, f2_im, ta_re, ta_im, tb_re, tb_im,
                         norm, a, b, g):
    batch, n = xr.shape
    yr = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    bluestein_six(xr, xi, yr, yi, *load_bluestein_six((c_re, c_im, f1_re, f1_im, t1_re, t1_im, f2_re, f2_im,
                                                       ta_re, ta_im, tb_re, tb_im, norm)), a, b, g)
    return yr, yi
