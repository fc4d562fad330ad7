"""Real-input and real-output four-step FFTs: rfft and irfft with no mirror pass.

The four-step of design.md section 6 (``four_step.py``) with what a real
signal allows folded into its stages, n = n1 * m2 with n1, m2 <= 128:

r2c (x real, X[k] for k <= n // 2), x viewed as [n1, m2], k = k1 + n1 * k2:

1. A[j2, k1] = sum_j1 x[j1, j2] F1[j1, k1]: x is real, so two real matmuls
   (the complex four-step needs four);
2. B = A * T, T[j2, k1] = w_n^(j2 * k1), on the Vector engine;
3. X[k1 + n1 * k2] = sum_j2 F2[j2, k2] B[j2, k1] for k2 <= (n // 2) // n1 only:
   F2 is the left half of the m2-point DFT matrix (plus one column), so the
   table is half the complex one, and the bins above n // 2 are never made.

c2r (X Hermitian, n even, n1 even; x[j] = Re sum_{k <= n/2} c_k X[k] w^-jk with
c_k = 2 except c_0 = c_{n/2} = 1), k = ka * m2 + kb (ka < n1 / 2), j = ja + n1 * jb:

1. A[kb, ja] = sum_ka X[ka, kb] 2 conj(F1)[ka, ja] (the top half of the inverse
   n1-point DFT, the weight 2 folded in), and in the same matmuls two more
   contraction rows per transform for the DC and Nyquist bins: A[0, ja] +=
   -Re X[0] + (-1)^ja Re X[n/2], the part of those bins the weight 2 got wrong
   (their imaginary parts drop out, as torch and NumPy ignore them);
2. C = A * conj(T) (the normalisation folded in);
3. x[ja + n1 * jb] = sum_kb Re(G[kb, jb] C[kb, ja]), G the inverse m2-point
   DFT: the real part only, two real matmuls.

No step reads or writes more than the input and the output: the data are read
as stored (no de-interleaving of even and odd points, no row pairing), and
the result is stored by an access pattern, as in ``four_step.py``.
"""
from __future__ import annotations

from typing import Any

from ..engine import nisa, nl
from .cplx import (PSUM_BANK, constant_slice, diagonal_matmul, matmul_data_stationary, multiply, negated, psum,
                   sbuf, transform_columns)


def split(tile: Any, widths: tuple) -> list:
    """Views of consecutive column blocks of a packed SBUF table (``programs._packed``)."""
    out = []
    c0 = 0
    for w in widths:
        out.append(tile[:, c0:c0 + w])
        c0 += w
    return out


def repeated(table: tuple, copies: int) -> tuple:
    """Each part of an SBUF table side by side ``copies`` times (GpSimd copies, once per launch): the
    twiddles of one group of transforms become those of a whole tile without reading them from HBM
    again (nisa.tensor_copy runs on Vector, Scalar or GpSimd, D/nki/api/generated/nki.isa.tensor_copy.html)."""
    if copies == 1:
        return table
    out = []
    for part in table:
        rows, width = part.shape
        full = sbuf((rows, copies * width))
        for c in range(copies):
            nisa.tensor_copy(dst=full[:, c * width:(c + 1) * width], src=part, engine=nisa.engine.gpsimd)
        out.append(full)
    return tuple(out)


def rfft_four_step(x: Any, yr: Any, yi: Any, f1_table: Any, table: Any, n1: int, m2: int, group: int,
                   per_tile: int) -> None:
    """y = the onesided DFT of the real rows of HBM x [B, n1*m2] into HBM [B, n//2 + 1].

    SBUF tables: ``f1_table`` = [Re | Im] of I_group (x) F1; ``table`` = [Re T | Im T | Re F2 | Im F2]
    with T tiled for ``group`` transforms (the normalisation in it) and F2 [m2, k2_count]."""
    batch = x.shape[0]
    n = n1 * m2
    width = n // 2 + 1
    k2_count = (n // 2) // n1 + 1
    f1 = split(f1_table, (group * n1, group * n1))
    tw_re, tw_im, f2_re, f2_im = split(table, (group * n1, group * n1, k2_count, k2_count))
    tw = repeated((tw_re, tw_im), per_tile // group)
    f2 = (f2_re, f2_im, negated(f2_im))
    tail = n // 2 - n1 * (k2_count - 1) + 1        # bins of the last k2 row that belong to the half
    rows_x = x.reshape((batch * n1, m2))
    for s in nl.affine_range((batch + per_tile - 1) // per_tile):
        t0 = s * per_tile
        count = min(per_tile, batch - t0)
        cols = count * n1
        a_re = psum((m2, cols))     # one PSUM bank for the tile's groups, so one twiddle pass
        a_im = psum((m2, cols))
        for g in nl.affine_range((count + group - 1) // group):
            lo = g * group
            rows = min(group, count - lo) * n1
            r0 = (t0 + lo) * n1
            c0 = lo * n1
            x_tile = nl.load(rows_x[r0:r0 + rows, :])
            for a, f in ((a_re, f1[0]), (a_im, f1[1])):   # I_g (x) F1: on two row tiles where n1 divides 64
                diagonal_matmul(a[:, c0:c0 + rows], x_tile, f[0:rows, 0:rows], n1, False)
        b_re = sbuf((m2, cols))
        b_im = sbuf((m2, cols))
        multiply(b_re, b_im, a_re, a_im, tw[0][:, 0:cols], tw[1][:, 0:cols])
        o_re = sbuf((k2_count, count * n1))
        o_im = sbuf((k2_count, count * n1))
        transform_columns(o_re, o_im, f2, b_re, b_im)
        for y, o in ((yr, o_re), (yi, o_im)):
            if k2_count > 1:   # whole k2 rows: [k2, t, k1] -> y[t, k1 + n1*k2]
                nl.store(y.ap(pattern=[[n1, k2_count - 1], [width, count], [1, n1]], offset=t0 * width),
                         o[0:k2_count - 1, :])
            last = o.ap(pattern=[[count * n1, 1], [n1, count], [1, tail]], offset=(k2_count - 1) * count * n1)
            nl.store(y.ap(pattern=[[width, count], [1, tail]], offset=t0 * width + n1 * (k2_count - 1)), last)


def irfft_four_step(xr: Any, xi: Any, y: Any, table: Any, stages: tuple, n1: int, m2: int, group: int,
                    per_tile: int) -> None:
    """y = the real inverse DFT of the Hermitian half spectra HBM [B, n//2 + 1] into HBM [B, n1*m2].

    SBUF tables: ``table`` = [Re T' | Im T' | Re G | -Im G] with T' = conj(T) tiled for ``group``
    transforms (the normalisation in it) and G the inverse m2-point DFT matrix; ``stages``: [Re | Im] of
    the first-stage matrix (``programs._first_stage_c2r``) for a group, and for a shorter last group."""
    batch = y.shape[0]
    n = n1 * m2
    half = n1 // 2
    width = n // 2 + 1
    tw_re, tw_im, g_re, g_neg = split(table, (group * n1, group * n1, m2, m2))
    tw = repeated((tw_re, tw_im), per_tile // group)
    g = (g_re, g_neg)
    firsts = []
    for stage in stages:
        cols = stage.shape[1] // 2
        f_re, f_im = split(stage, (cols, cols))
        firsts.append((f_re, f_im, negated(f_im)))
    for s in nl.affine_range((batch + per_tile - 1) // per_tile):
        t0 = s * per_tile
        count = min(per_tile, batch - t0)
        a_re = psum((m2, count * n1))     # one PSUM bank for the tile's groups, so one twiddle pass
        a_im = psum((m2, count * n1))
        for q in nl.affine_range((count + group - 1) // group):
            lo = q * group
            tg = min(group, count - lo)
            base = (t0 + lo) * width
            rows = tg * (half + 2)
            x_re = sbuf((rows, m2))
            x_im = sbuf((rows, m2))
            for tile in (x_re, x_im):   # zeros around the edge rows' one value each
                nisa.memset(dst=tile, value=0.0, engine=nisa.engine.gpsimd)
            for tile, part in ((x_re, xr), (x_im, xi)):   # rows (t, ka): bins k < n/2 as [ka, kb]
                nisa.dma_copy(dst=tile[0:tg * half, :],
                              src=part.ap(pattern=[[width, tg], [m2, half], [1, m2]], offset=base))
            # rows (t, DC / Nyquist): Re X[t, 0] and Re X[t, n/2] in column kb = 0, where the first stage's
            # edge rows turn them into A[0, ja] += -Re X[0] + (-1)^ja Re X[n/2] (weight 1, imaginary parts ignored)
            nisa.dma_copy(dst=x_re[tg * half:rows, 0:1], src=xr.ap(pattern=[[width, tg], [n // 2, 2]], offset=base))
            c0 = lo * n1
            cols = tg * n1
            f = firsts[0] if tg == group else firsts[-1]
            matmul_data_stationary(a_re[:, c0:c0 + cols], a_im[:, c0:c0 + cols], x_re, x_im,
                                   constant_slice(f, rows, cols))
        c_re = sbuf((m2, count * n1))
        c_im = sbuf((m2, count * n1))
        multiply(c_re, c_im, a_re, a_im, tw[0][:, 0:count * n1], tw[1][:, 0:count * n1])
        out = sbuf((m2, count * n1))
        for c in nl.affine_range((count * n1 + PSUM_BANK - 1) // PSUM_BANK):
            k0 = c * PSUM_BANK
            k = min(PSUM_BANK, count * n1 - k0)
            acc = psum((m2, k))
            nisa.nc_matmul(dst=acc, stationary=g[0], moving=c_re[:, k0:k0 + k], accumulate=False)
            nisa.nc_matmul(dst=acc, stationary=g[1], moving=c_im[:, k0:k0 + k], accumulate=True)
            nisa.activation(dst=out[:, k0:k0 + k], op=nl.copy, data=acc)
        nl.store(y.ap(pattern=[[n1, m2], [n, count], [1, n1]], offset=t0 * n), out)
