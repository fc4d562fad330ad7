"""The four-step FFT in one kernel: n = n1 * n2 with n1, n2 <= 128 (design.md section 6).

View a transform x as X[n1, n2] = x[n1*N2 + n2] (partition n1 reads N2
contiguous points) and write k = k1 + N1*k2:

1. A[n2, k1] = sum_n1 X[n1, n2] F1[n1, k1]: X is the stationary operand, so
   the matmul also transposes (A has n2 on partitions);
2. B = A * T with T[n2, k1] = w_n^(n2*k1) on the Vector engine, PSUM -> SBUF;
3. Y[k2, k1] = sum_n2 F2[n2, k2] B[n2, k1]: F2 is stationary, B moves.

Y[k2, k1] is y[k1 + N1*k2]: row k2 of the output is N1 contiguous points.
Batches: g = 128 // N1 transforms share step 1 through the block-diagonal
I_g (x) F1 (rows (t, n1) of the input are contiguous in HBM), and step 3
takes up to 512 columns (t, k1) at once; the store writes [k2, (t, k1)]
through one access pattern. Input is read once, output written once.
"""
from __future__ import annotations

from typing import Any

from ..engine import nisa, nki, nl
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
            matmul_data_stationary(a_re, a_im, x_re, x_im, f1 if whole else constant_slice(f1, rows, rows))
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


def _stacked_dft(table: Any, n1: int) -> tuple[Any, Any]:
    """(table tile with Re T copied after Im T, G = [Re F | Im F | -Im F | Re F] [n1, 4 n1]) from the HBM table
    [Re F[:, :h] | Im F[:, :h] | s | -s | Re T | Im T], h = n1/2, s[j] = (-1)^j: F[j, k + h] = s[j] F[j, k], so
    half of F is read and the rest made on the Scalar engine (per-partition scale, D/nki/api/generated/
    nki.isa.activation.html)."""
    h = n1 // 2
    width = table.shape[1]
    c = sbuf((n1, width + n1))
    nisa.dma_copy(dst=c[:, 0:width], src=table)
    nisa.activation(dst=c[:, width:width + n1], op=nl.copy, data=c[:, width - 2 * n1:width - n1])
    g = sbuf((n1, 4 * n1))
    blocks = g.reshape((n1, 4, 2, h))            # [Re F | Im F | -Im F | Re F], each as (left, right) halves
    left = c[:, 0:2 * h].reshape((n1, 2, h))
    sign, minus_sign = c[:, 2 * h:2 * h + 1], c[:, 2 * h + 1:2 * h + 2]
    nisa.activation(dst=blocks[:, 0:2, 0, :], op=nl.copy, data=left)
    nisa.activation(dst=blocks[:, 0:2, 1, :], op=nl.copy, data=left, scale=sign)
    nisa.activation(dst=blocks[:, 2, 0, :], op=nl.copy, data=c[:, h:2 * h], scale=-1.0)
    nisa.activation(dst=blocks[:, 2, 1, :], op=nl.copy, data=c[:, h:2 * h], scale=minus_sign)
    nisa.activation(dst=g[:, 3 * n1:4 * n1], op=nl.copy, data=g[:, 0:n1])
    return c, g


@nki.jit
def four_step_stacked_kernel(x2, table, n1):
    """n = n1 * n1 (n1 <= 64, even) on [2, B, n] planes (re, im stacked): per transform one DMA in and one
    out, and one table for every constant (the ~1.3 us fixed cost per DMA over 16 queues is most of a
    4096-point launch). Re and im side by side in the free dim let each stage be two matmuls:

    1. [Ar | Ai] = Xr^T [Re F | Im F] + Xi^T [-Im F | Re F]    (A[n2, k1], data stationary)
    2. P = A * [Re T | Im T], Q = A * [Im T | Re T] (Vector, from PSUM); Br = P0 - P1, Bi = Q0 + Q1 (GpSimd)
       into W = [-Bi | Br | Bi] (-Bi on the Scalar engine);
    3. [Yr; Yi] = [Br | Bi]^T Re F + [-Bi | Br]^T Im F: 2 n1 output partitions (re over im), stored with one
       access pattern (y[k1 + n1 k2] from partition (part, k1), column k2)."""
    _, batch, n = x2.shape
    y2 = nl.ndarray((2, batch, n), nl.float32, buffer=nl.shared_hbm)
    c, g = _stacked_dft(table, n1)
    t0 = c.shape[1] - 3 * n1           # [Re T | Im T | Re T] ends the table tile
    for t in nl.affine_range(batch):
        x = nl.load(x2.ap(pattern=[[n1, n1], [batch * n, 2], [1, n1]], offset=t * n)).reshape((n1, 2 * n1))
        a = psum((n1, 2 * n1))
        nisa.nc_matmul(dst=a, stationary=x[:, 0:n1], moving=g[:, 0:2 * n1], accumulate=False)
        nisa.nc_matmul(dst=a, stationary=x[:, n1:2 * n1], moving=g[:, 2 * n1:4 * n1], accumulate=True)
        p = sbuf((n1, 2 * n1))
        q = sbuf((n1, 2 * n1))
        nisa.tensor_tensor(dst=p, data1=a, data2=c[:, t0:t0 + 2 * n1], op=nl.multiply)
        nisa.tensor_tensor(dst=q, data1=a, data2=c[:, t0 + n1:t0 + 3 * n1], op=nl.multiply)
        w = sbuf((n1, 3 * n1))
        nisa.tensor_tensor(dst=w[:, n1:2 * n1], data1=p[:, 0:n1], data2=p[:, n1:2 * n1], op=nl.subtract,
                           engine=nisa.engine.gpsimd)
        nisa.tensor_tensor(dst=w[:, 2 * n1:3 * n1], data1=q[:, 0:n1], data2=q[:, n1:2 * n1], op=nl.add,
                           engine=nisa.engine.gpsimd)
        nisa.activation(dst=w[:, 0:n1], op=nl.copy, data=w[:, 2 * n1:3 * n1], scale=-1.0)
        acc = psum((2 * n1, n1))
        nisa.nc_matmul(dst=acc, stationary=w[:, n1:3 * n1], moving=g[:, 0:n1], accumulate=False)
        nisa.nc_matmul(dst=acc, stationary=w[:, 0:2 * n1], moving=g[:, n1:2 * n1], accumulate=True)
        o = sbuf((2 * n1, n1))
        nisa.activation(dst=o, op=nl.copy, data=acc)
        nl.store(y2.ap(pattern=[[batch * n, 2], [1, n1], [n1, n1]], offset=t * n), o)
    return y2
