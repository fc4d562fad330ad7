"""Bluestein in SBUF when the padded length is a four-step length: m = n1 * n2 <= 16384.

The same algebra as ``bluestein.py`` (a = pad(x c); P = conj(FFT(a)) conj(S);
y = conj(FFT(P)) (scale c)) without HBM scratch: the first FFT's output
Y[k2, k1] (k = k1 + n1*k2) is, read row-major, the natural four-step layout
of a length-m input with the factors swapped (n2 rows of n1 points), so the
second FFT starts from the tile the first one left in SBUF. Per transform
the input and output are read and written once, as whole rows of n2 points
plus one partial row; the zero padding is a memset.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nisa, nl
from .tall_four_step import row_chunks
from .cplx import (PSUM_BANK, constant_slice, in_sbuf, load_constant, load_table, matmul_data_stationary, multiply,
                   multiply_off_vector, psum, sbuf, transform_columns)


def _rows(row: Any, n: int, n2: int) -> tuple[int, int, Any, Any]:
    """(full rows, rest, [full, n2] view, [1, rest] view) of one transform's n points in rows of n2."""
    full, rest = n // n2, n % n2
    body = row[0:full * n2].reshape((full, n2)) if full else None
    tail = row[full * n2:n].reshape((1, rest)) if rest else None
    return full, rest, body, tail


def bluestein_sbuf(xr: Any, xi: Any, yr: Any, yi: Any, pre: tuple, f1: tuple, tw1: tuple, f2: tuple,
                   spec: tuple, tw2: tuple, post: tuple, n1: int, n2: int, group: int, per_tile: int) -> None:
    """y = DFT(x) for HBM [B, n] tensors through a length n1*n2 circular convolution in SBUF.

    ``pre`` [group*n1, n2] is the chirp in the first FFT's input layout (zero past n);
    ``f1`` is I_group (x) F_n1, ``tw1`` [n2, group*n1] its twiddles; ``spec`` [n2, per_tile*n1]
    is conj(S) in the first FFT's output layout; ``tw2`` [n1, (t, n2)] the second FFT's twiddles
    for one PSUM bank of transforms;
    ``post`` [n1, per_tile*n2] is scale * chirp in the second FFT's output layout."""
    batch, n = xr.shape
    for s in nl.affine_range((batch + per_tile - 1) // per_tile):
        t0 = s * per_tile
        count = min(per_tile, batch - t0)
        b = (sbuf((n2, count * n1)), sbuf((n2, count * n1)))
        for g in nl.affine_range((count + group - 1) // group):
            lo = g * group
            tg = min(group, count - lo)
            _first_stage(xr, xi, t0 + lo, tg, n, n1, n2, pre, f1, tw1, (b[0][:, lo * n1:(lo + tg) * n1],
                                                                    b[1][:, lo * n1:(lo + tg) * n1]))
        p = (sbuf((n2, count * n1)), sbuf((n2, count * n1)))
        transform_columns(p[0], p[1], f2, b[0], b[1], spec, conjugate=True)
        q = (sbuf((n1, count * n2)), sbuf((n1, count * n2)))
        per_bank = max(1, PSUM_BANK // n2)
        for c in nl.affine_range((count + per_bank - 1) // per_bank):
            c0 = c * per_bank
            tc = min(per_bank, count - c0)
            a_re = psum((n1, tc * n2))
            a_im = psum((n1, tc * n2))
            for t in nl.affine_range(tc):
                cols = (c0 + t) * n1
                matmul_data_stationary(a_re[:, t * n2:(t + 1) * n2], a_im[:, t * n2:(t + 1) * n2],
                                       p[0][:, cols:cols + n1], p[1][:, cols:cols + n1], f2)
            multiply(q[0][:, c0 * n2:(c0 + tc) * n2], q[1][:, c0 * n2:(c0 + tc) * n2], a_re, a_im,
                     tw2[0][:, 0:tc * n2], tw2[1][:, 0:tc * n2])
        o = (sbuf((n1, count * n2)), sbuf((n1, count * n2)))
        transform_columns(o[0], o[1], constant_slice(f1, n1, n1), q[0], q[1], post, conjugate=True)
        for t in nl.affine_range(count):
            for part in range(2):
                full, rest, body, tail = _rows((yr, yi)[part][t0 + t], n, n2)
                if full:
                    nl.store(body, o[part][0:full, t * n2:(t + 1) * n2])
                if rest:
                    nl.store(tail, o[part][full:full + 1, t * n2:t * n2 + rest])


def _first_stage(xr: Any, xi: Any, t0: int, tg: int, n: int, n1: int, n2: int, pre: tuple, f1: tuple,
                 tw1: tuple, dst: tuple) -> None:
    """Step 1 of the first FFT for ``tg`` transforms: zero-padded input times the chirp, matmul, twiddle."""
    rows = tg * n1
    x = (sbuf((rows, n2)), sbuf((rows, n2)))
    for part in range(2):
        for t in nl.affine_range(tg):
            full, rest, body, tail = _rows((xr, xi)[part][t0 + t], n, n2)
            p0 = t * n1
            if full:
                nisa.dma_copy(dst=x[part][p0:p0 + full, :], src=body)
            if rest:
                nisa.dma_copy(dst=x[part][p0 + full:p0 + full + 1, 0:rest], src=tail)
            _zero_padding(x[part], pre[0], p0, full, rest, n1, n2)
    a = (sbuf((rows, n2)), sbuf((rows, n2)))
    multiply(a[0], a[1], x[0], x[1], pre[0][0:rows, :], pre[1][0:rows, :], engine=in_sbuf())
    acc_re = psum((n2, rows))
    acc_im = psum((n2, rows))
    matmul_data_stationary(acc_re, acc_im, a[0], a[1], constant_slice(f1, rows, rows), n1)   # I_tg (x) F_n1
    multiply(dst[0], dst[1], acc_re, acc_im, tw1[0][:, 0:rows], tw1[1][:, 0:rows])


def _zero_padding(x: Any, zeros: Any, p0: int, full: int, rest: int, n1: int, n2: int) -> None:
    """The padding of one transform's block (past its n points) from the same region of ``zeros`` (the chirp
    table, zero past n) by SBUF -> SBUF DMA (D/nki/about/nki-dma-overview.html), not a Vector memset."""
    first = full + (1 if rest else 0)
    if rest:
        nisa.dma_copy(dst=x[p0 + full:p0 + full + 1, rest:n2], src=zeros[p0 + full:p0 + full + 1, rest:n2])
    if first < n1:
        nisa.dma_copy(dst=x[p0 + first:p0 + n1, :], src=zeros[p0 + first:p0 + n1, :])


@nki.jit
def bluestein_sbuf_kernel(xr, xi, pre_re, pre_im, f1_re, f1_im, tw1_re, tw1_im, f2_re, f2_im, spec_re, spec_im,
                          tw2_re, tw2_im, post_re, post_im, n1, n2, group, per_tile):
    batch, n = xr.shape
    yr = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    bluestein_sbuf(xr, xi, yr, yi, load_table(pre_re, pre_im), load_constant(f1_re, f1_im),
                   load_table(tw1_re, tw1_im), load_constant(f2_re, f2_im), load_table(spec_re, spec_im),
                   load_table(tw2_re, tw2_im), load_table(post_re, post_im), n1, n2, group, per_tile)
    return yr, yi


@nki.jit
def bluestein_sbuf_square_kernel(xr, xi, pre_re, pre_im, f_re, f_im, tw1_re, tw1_im, spec_re, spec_im,
                                 tw2_re, tw2_im, post_re, post_im, n1, n2, group, per_tile):
    """m = n1 * n1 with one transform per step-1 tile: F2 = I_1 (x) F1, so one DFT matrix is read (and negated)."""
    batch, n = xr.shape
    yr = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    f = load_constant(f_re, f_im)
    bluestein_sbuf(xr, xi, yr, yi, load_table(pre_re, pre_im), f, load_table(tw1_re, tw1_im), f,
                   load_table(spec_re, spec_im), load_table(tw2_re, tw2_im), load_table(post_re, post_im),
                   n1, n2, group, per_tile)
    return yr, yi


def _negated_on_scalar(part: Any) -> Any:
    neg = sbuf(part.shape)
    nisa.activation(dst=neg, op=nl.copy, data=part, scale=-1.0)
    return neg


def _columns(tile: Any, widths: list) -> list:
    """Views of consecutive column blocks of ``tile``, ``widths`` wide."""
    starts = [sum(widths[:i]) for i in range(len(widths))]
    return [tile[:, k0:k0 + w] for k0, w in zip(starts, widths)]


def _part_rows(part: Any, t: int, n2: int) -> tuple[Any, Any]:
    """(HBM view [full, n2], HBM view [1, rest]) of transform t of one [B, n] part in rows of n2 points."""
    n = part.shape[1]
    full, rest = n // n2, n % n2
    body = part.ap(pattern=[[n2, full], [1, n2]], offset=t * n) if full else None
    tail = part.ap(pattern=[[n2, 1], [1, rest]], offset=t * n + full * n2) if rest else None
    return body, tail


def _stacked_rows(x2: Any, t: int, n: int, n2: int) -> tuple[int, int, Any, Any]:
    """(full rows, rest, HBM view [full, 2, n2], HBM view [1, 2, rest]) of transform t of [2, B, n] planes
    (the output) in rows of n2 points, re and im in one access pattern each (D/nki/deep-dives/nki-aps.html)."""
    batch = x2.shape[1]
    full, rest = n // n2, n % n2
    body = x2.ap(pattern=[[n2, full], [batch * n, 2], [1, n2]], offset=t * n) if full else None
    tail = x2.ap(pattern=[[n2, 1], [batch * n, 2], [1, rest]], offset=t * n + full * n2) if rest else None
    return full, rest, body, tail


@nki.jit
def bluestein_sbuf_stacked_kernel(xr, xi, table_a, table_b, n1, n2):
    """One transform per iteration (batch 1 above all), [B, n] parts in, [2, B, n] planes out:
    ``bluestein_sbuf``'s algebra over m = n1 * n2 (n1 <= 128; n2 in chunks of at most 128 rows as in
    ``tall_four_step.py``, and in PSUM banks of 512 columns where it is the moving free size) with per
    transform one DMA per part for its whole rows and one for its last partial row, one for the output rows
    (re and im together) and one for its last partial row, and the constants as two tables (rows n1: pre,
    F1, T2, post; rows n2, one DMA per chunk: T1, conj(S) and F2 unless n1 = n2). None of the five complex
    products runs on the Vector engine: the chirp product reads SBUF (GpSimd), the four that follow a matmul
    leave PSUM by the Scalar engine and multiply on GpSimd (``multiply_off_vector``). The padding is a GpSimd
    memset under the input DMAs."""
    batch, n = xr.shape
    y2 = nl.ndarray((2, batch, n), nl.float32, buffer=nl.shared_hbm)
    ca = _columns(nl.load(table_a), [n2, n2, n1, n1, n2, n2, n2, n2])             # pre, F1, T2, post
    pre, tw2, post = (ca[0], ca[1]), (ca[4], ca[5]), (ca[6], ca[7])
    f1 = (ca[2], ca[3], _negated_on_scalar(ca[3]))
    chunks = row_chunks(n2)
    tw1, spec, f2 = [], [], []
    for c0, rows in chunks:
        cb = _columns(nl.load(table_b[c0:c0 + rows, :]), [n1, n1, n1, n1] + ([n2, n2] if n1 != n2 else []))
        tw1.append((cb[0], cb[1]))
        spec.append((cb[2], cb[3]))
        f2.append(f1 if n1 == n2 else (cb[4], cb[5], _negated_on_scalar(cb[5])))
    for t in nl.affine_range(batch):
        full, rest = n // n2, n % n2
        x = sbuf((n1, 2 * n2)).reshape((n1, 2, n2))
        nisa.memset(dst=x, value=0.0, engine=nisa.engine.gpsimd)
        for k, part in enumerate((xr, xi)):
            body, tail = _part_rows(part, t, n2)
            if full:
                nisa.dma_copy(dst=x[0:full, k, :], src=body)
            if rest:
                nisa.dma_copy(dst=x[full:full + 1, k, 0:rest], src=tail)
        a = (sbuf((n1, n2)), sbuf((n1, n2)))
        multiply(a[0], a[1], x[:, 0, :], x[:, 1, :], pre[0], pre[1], engine=in_sbuf())
        b = []
        for i, (c0, rows) in enumerate(chunks):           # first FFT, step 1: A_c = X[:, chunk]^T F1, times T1
            acc_re = psum((rows, n1))
            acc_im = psum((rows, n1))
            matmul_data_stationary(acc_re, acc_im, a[0][:, c0:c0 + rows], a[1][:, c0:c0 + rows], f1)
            b.append((sbuf((rows, n1)), sbuf((rows, n1))))
            multiply_off_vector(b[i][0], b[i][1], acc_re, acc_im, tw1[i][0], tw1[i][1])
        p = []
        for k, (k0, cols) in enumerate(chunks):           # step 2: F2 over the chunks, conj(.) * conj(S)
            acc_re = psum((cols, n1))
            acc_im = psum((cols, n1))
            for i in range(len(chunks)):
                f_re, f_im, f_neg = [part[:, k0:k0 + cols] for part in f2[i]]
                nisa.nc_matmul(dst=acc_re, stationary=f_re, moving=b[i][0], accumulate=i > 0)
                nisa.nc_matmul(dst=acc_re, stationary=f_neg, moving=b[i][1], accumulate=True)
                nisa.nc_matmul(dst=acc_im, stationary=f_im, moving=b[i][0], accumulate=i > 0)
                nisa.nc_matmul(dst=acc_im, stationary=f_re, moving=b[i][1], accumulate=True)
            p.append((sbuf((cols, n1)), sbuf((cols, n1))))
            multiply_off_vector(p[k][0], p[k][1], acc_re, acc_im, spec[k][0], spec[k][1], conjugate=True)
        q = (sbuf((n1, n2)), sbuf((n1, n2)))
        for c0 in range(0, n2, PSUM_BANK):                # second FFT, step 1: P^T F2 over the chunks, times T2,
            cols = min(PSUM_BANK, n2 - c0)                # one PSUM bank of columns at a time
            a2_re = psum((n1, cols))
            a2_im = psum((n1, cols))
            for k in range(len(chunks)):
                f_re, f_im, f_neg = [part[:, c0:c0 + cols] for part in f2[k]]
                nisa.nc_matmul(dst=a2_re, stationary=p[k][0], moving=f_re, accumulate=k > 0)
                nisa.nc_matmul(dst=a2_re, stationary=p[k][1], moving=f_neg, accumulate=True)
                nisa.nc_matmul(dst=a2_im, stationary=p[k][0], moving=f_im, accumulate=k > 0)
                nisa.nc_matmul(dst=a2_im, stationary=p[k][1], moving=f_re, accumulate=True)
            multiply_off_vector(q[0][:, c0:c0 + cols], q[1][:, c0:c0 + cols], a2_re, a2_im,
                                tw2[0][:, c0:c0 + cols], tw2[1][:, c0:c0 + cols])
        o = sbuf((n1, 2 * n2)).reshape((n1, 2, n2))       # step 2: F1^T Q, conj(.) * scale c
        transform_columns(o[:, 0, :], o[:, 1, :], f1, q[0], q[1], post, conjugate=True, product=multiply_off_vector)
        _, _, body, tail = _stacked_rows(y2, t, n, n2)
        if full:
            nl.store(body, o[0:full])
        if rest:
            nl.store(tail, o[full:full + 1, :, 0:rest])
    return y2
