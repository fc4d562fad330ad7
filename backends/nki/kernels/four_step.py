"""The four-step FFT in one kernel: n = n1 * n2 with n1, n2 <= 128 (design.md section 6).

View a transform x as X[n1, n2] = x[n1*N2 + n2] (partition n1 reads N2
contiguous points) and write k = k1 + N1*k2:

1. A[n2, k1] = sum_n1 X[n1, n2] F1[n1, k1]: X is the stationary operand, so
   the matmul also transposes (A has n2 on partitions);
2. B = A * T with T[n2, k1] = w_n^(n2*k1) on the Vector engine, PSUM -> SBUF;
3. Y[k2, k1] = sum_n2 F2[n2, k2] B[n2, k1]: F2 is stationary, B moves.

Y[k2, k1] is y[k1 + N1*k2]: row k2 of the output is N1 contiguous points.
Batches: g = 128 // N1 transforms share step 1 through the block-diagonal
I_g (x) F1 (rows (t, n1) of the input are contiguous in HBM; run as two 64-row tiles when n1 divides 64
and the group has more than 64 rows, ``cplx.diagonal_halves``), and step 3
takes up to 512 columns (t, k1) at once; the store writes [k2, (t, k1)]
through one access pattern. Input is read once, output written once.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nl
from .cplx import (PSUM_BANK, constant_slice, load_constant, load_table, matmul_data_stationary, multiply, psum,
                   sbuf, transform_columns)

MOVING_MAX = PSUM_BANK  # nc_matmul moving free size: one PSUM bank of fp32


def four_step(xr: Any, xi: Any, yr: Any, yi: Any, f1: tuple, tw: tuple, f2: tuple,
              n1: int, n2: int, group: int) -> None:
    """y = DFT(x) for HBM [B, n1*n2] tensors (whole tensors: the store uses an access pattern).

    ``f1`` is I_group (x) F1 [(t, n1), (t, k1)]; ``tw`` the twiddles [n2, (t, k1)]
    repeated per transform, with the normalisation; ``f2`` is F2 [n2, k2]."""
    batch = xr.shape[0]
    n = n1 * n2
    rows_re = xr.reshape((batch * n1, n2))
    rows_im = xi.reshape((batch * n1, n2))
    per_tile = group * max(1, MOVING_MAX // (group * n1))  # transforms per step-3 matmul
    for s in nl.affine_range((batch + per_tile - 1) // per_tile):
        t0 = s * per_tile
        count = min(per_tile, batch - t0)
        b_re = sbuf((n2, count * n1))
        b_im = sbuf((n2, count * n1))
        for g in nl.affine_range((count + group - 1) // group):
            lo = g * group
            tg = min(group, count - lo)
            rows = tg * n1
            r0 = (t0 + lo) * n1
            x_re = nl.load(rows_re[r0:r0 + rows, :])
            x_im = nl.load(rows_im[r0:r0 + rows, :])
            a_re = psum((n2, rows))
            a_im = psum((n2, rows))
            whole = rows == f1[0].shape[0]   # no slice of a constant that is already a view (square kernel)
            matmul_data_stationary(a_re, a_im, x_re, x_im, f1 if whole else constant_slice(f1, rows, rows), n1)
            c0 = lo * n1
            multiply(b_re[:, c0:c0 + rows], b_im[:, c0:c0 + rows], a_re, a_im,
                     *(tw if whole else (tw[0][:, 0:rows], tw[1][:, 0:rows])))
        o_re = sbuf((n2, count * n1))
        o_im = sbuf((n2, count * n1))
        transform_columns(o_re, o_im, f2, b_re, b_im)
        pattern = [[n1, n2], [n, count], [1, n1]]  # [k2, t, k1] -> y[t, k1 + n1*k2]
        nl.store(yr.ap(pattern=pattern, offset=t0 * n), o_re)
        nl.store(yi.ap(pattern=pattern, offset=t0 * n), o_im)


@nki.jit
def four_step_kernel(xr, xi, f1_re, f1_im, tw_re, tw_im, f2_re, f2_im, n1, n2, group):
    batch = xr.shape[0]
    yr = nl.ndarray((batch, n1 * n2), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n1 * n2), nl.float32, buffer=nl.shared_hbm)
    four_step(xr, xi, yr, yi, load_constant(f1_re, f1_im), load_table(tw_re, tw_im),
              load_constant(f2_re, f2_im), n1, n2, group)
    return yr, yi


@nki.jit
def four_step_square_kernel(xr, xi, table, n1):
    """n = n1 * n1, one transform per tile: F2 = F1, so one DFT matrix is read per launch, and with the
    twiddles in one table [n1, (Re F, Im F, -Im F, Re T, Im T)]: one DMA for every constant (the fixed
    cost per DMA, ~1.3 us over 16 queues, is most of a 4096-point launch) and no negation on chip."""
    batch = xr.shape[0]
    yr = nl.ndarray((batch, n1 * n1), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n1 * n1), nl.float32, buffer=nl.shared_hbm)
    c = nl.load(table)
    part = [c.ap(pattern=[[5 * n1, n1], [1, n1]], offset=k * n1) for k in range(5)]   # D/nki/deep-dives/nki-aps.html
    f = (part[0], part[1], part[2])
    four_step(xr, xi, yr, yi, f, (part[3], part[4]), f, n1, n1, 1)
    return yr, yi
