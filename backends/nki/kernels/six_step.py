"""The four-step applied twice in one kernel: n = n1 * n2 * n3 with every factor <= 128.

Index the input j = j1*N2*N3 + j2*N3 + j3 and the output k = k1 + N1*k2 + N1*N2*k3.
Then w_n^(jk) splits into w_N1^(j1 k1) w_(N1 N2)^(j2 k1) w_N2^(j2 k2) w_n^(j3 (k1 + N1 k2)) w_N3^(j3 k3),
and each transform runs in SBUF as three matmul stages:

1. for each j3: A[j2, k1] = sum_j1 X[j1, j2, j3] F1[j1, k1] (X stationary: j2 moves to
   partitions), times T1[j2, k1] = w_(N1 N2)^(j2 k1), into X1[j2, j3, k1];
2. for each k1: B[j3, k2] = sum_j2 X1[j2, j3, k1] F2[j2, k2] (X1 stationary: j3 moves to
   partitions), times T2[j3, k2] = w_n^(j3 (k1 + N1 k2)), into X2[j3, k2, k1];
3. Y[k3, (k2, k1)] = sum_j3 F3[j3, k3] X2[j3, (k2, k1)] (F3 stationary): row k3 of Y is
   y[N1*N2*k3 : N1*N2*(k3 + 1)], a contiguous store.

The input is read in column blocks of j3 so that X0 and X1 fit SBUF together
(a 2^20-point transform is 8 MiB; SBUF holds 24 MiB); T2 (n points) streams
from HBM in blocks of k1. Above about 1.3M points (Bluestein's padded
lengths up to 2^21) X1 is staged through HBM and stages 2 and 3 run on
blocks of k1. Batches loop over transforms inside the launch.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nl
from .cplx import (PSUM_BANK, load_constant, load_table, matmul_data_stationary, multiply, psum, sbuf,
                   transform_columns)

STORE_COLUMNS = 2048


def six_step(xr: Any, xi: Any, yr: Any, yi: Any, f1: tuple, t1: tuple, f2: tuple, t2: tuple, f3: tuple,
             n1: int, n2: int, n3: int, block: int, k_block: int) -> None:
    """y = DFT(x) for HBM [B, n1*n2*n3] tensors.

    ``t1`` is T1 tiled PSUM_BANK // n1 times along its columns; ``t2`` the HBM
    table [n3, (k1, k2)]; ``f3`` carries the normalisation; ``block`` is the
    number of j3 columns read per input DMA (a multiple of PSUM_BANK // n1).
    ``k_block`` < n1 stages X1 through HBM scratch and runs stages 2 and 3
    on k_block columns of k1 at a time: for transforms whose two copies do
    not fit SBUF together (more than about 1.3M points)."""
    batch = xr.shape[0]
    x4 = (xr.reshape((batch, n1, n2, n3)), xi.reshape((batch, n1, n2, n3)))
    y4 = (yr.reshape((batch, n3, n2, n1)), yi.reshape((batch, n3, n2, n1)))
    staged = k_block < n1
    scratch: tuple = ()
    if staged:
        scratch = (nl.ndarray((n2, n3, n1), nl.float32, buffer=nl.shared_hbm),
                   nl.ndarray((n2, n3, n1), nl.float32, buffer=nl.shared_hbm))
    for t in nl.affine_range(batch):
        _one_transform(x4, y4, t, (f1, t1, f2, t2, f3), n1, n2, n3, block, k_block, scratch, staged)


def _one_transform(x4: tuple, y4: tuple, t: int, consts: tuple, n1: int, n2: int, n3: int, block: int,
                   k_block: int, scratch: tuple, staged: bool) -> None:
    """Transform ``t`` of the batch (a function of its own so its tiles are freed before the next)."""
    f1, t1, f2, t2, f3 = consts
    x1 = _stage1(x4, t, f1, t1, n1, n2, n3, block, scratch, staged)
    for kb in nl.affine_range((n1 + k_block - 1) // k_block):
        k0 = kb * k_block
        width = min(k_block, n1 - k0)
        _last_stage(stage2(x1, staged, f2, t2, n2, n3, k0, width),
                    (y4[0][t, :, :, k0:k0 + width], y4[1][t, :, :, k0:k0 + width]), f3, n3, n2, width)


def _stage1(x4: tuple, t: int, f1: tuple, t1: tuple, n1: int, n2: int, n3: int, block: int,
            scratch: tuple, staged: bool) -> tuple:
    """X1[j2, j3, k1] = T1[j2, k1] * sum_j1 X[j1, j2, j3] F1[j1, k1], one PSUM bank of j3 at a time.

    X1 stays in SBUF, or (``staged``) goes to the HBM ``scratch`` one bank at a time."""
    per_bank = max(1, PSUM_BANK // n1)
    t1_3d = (t1[0].reshape((n2, per_bank, n1)), t1[1].reshape((n2, per_bank, n1)))
    x1 = scratch if staged else (sbuf((n2, n3, n1)), sbuf((n2, n3, n1)))
    for c in nl.affine_range((n3 + block - 1) // block):
        c0 = c * block
        width = min(block, n3 - c0)
        x0_re = nl.load(x4[0][t, :, :, c0:c0 + width])
        x0_im = nl.load(x4[1][t, :, :, c0:c0 + width])
        for s in nl.affine_range((width + per_bank - 1) // per_bank):
            j0 = s * per_bank
            count = min(per_bank, width - j0)
            a_re, a_im = first_matmuls((x0_re, x0_im), j0, count, f1, n1, n2)
            lo = c0 + j0
            if staged:
                o_re = sbuf((n2, count, n1))
                o_im = sbuf((n2, count, n1))
                multiply(o_re, o_im, a_re, a_im, t1_3d[0][:, 0:count, :], t1_3d[1][:, 0:count, :])
                nl.store(x1[0][:, lo:lo + count, :], o_re)
                nl.store(x1[1][:, lo:lo + count, :], o_im)
            else:
                multiply(x1[0][:, lo:lo + count, :], x1[1][:, lo:lo + count, :], a_re, a_im,
                         t1_3d[0][:, 0:count, :], t1_3d[1][:, 0:count, :])
    return x1


def first_matmuls(x0: tuple, j0: int, count: int, f1: tuple, n1: int, n2: int) -> tuple:
    """A[j2, j, k1] = sum_j1 X0[j1, j2, j0 + j] F1[j1, k1] for ``count`` columns j (one PSUM bank), X0 in SBUF."""
    a_re = psum((n2, count, n1))
    a_im = psum((n2, count, n1))
    for j in nl.affine_range(count):
        matmul_data_stationary(a_re[:, j, :], a_im[:, j, :], x0[0][:, :, j0 + j], x0[1][:, :, j0 + j], f1)
    return a_re, a_im


def stage2(x1: tuple, staged: bool, f2: tuple, t2: tuple, n2: int, n3: int, k0: int, width: int,
           resident: bool = False, per_column: bool = False, slots: int = 1) -> tuple:
    """X2[j3, k2, k1] = T2[j3, (k1, k2)] * sum_j2 X1[j2, j3, k1] F2[j2, k2] for k1 in k0..k0+width.

    T2 streams from HBM (or is sliced from SBUF when ``resident``); a staged X1 is read back from HBM
    for these k1 only. With ``per_column`` F2 is [n2, (k1, k2)]: one matrix per k1 (a twiddle folded in).
    The twiddle multiply covers a PSUM bank of k1 at once, written into X2 through an access pattern
    (D/nki/deep-dives/nki-aps.html) rather than one instruction per k1. With ``slots`` > 1, X1 is
    [n2, n3 / slots, (slot, k1)] for ``slots`` transforms side by side, and the stationary operand's
    columns (slot, j3) put them on stacked partition blocks of X2 (an access pattern too)."""
    if staged:
        x1 = (nl.load(x1[0][:, :, k0:k0 + width]), nl.load(x1[1][:, :, k0:k0 + width]))
        first = 0
    else:
        first = k0
    per_bank = max(1, PSUM_BANK // n2)
    x2 = (sbuf((n3, n2, width)), sbuf((n3, n2, width)))
    for s in nl.affine_range((width + per_bank - 1) // per_bank):
        b0 = s * per_bank
        count = min(per_bank, width - b0)
        if resident:
            tw = tuple(part.reshape((n3, part.shape[1] // n2, n2))[:, k0 + b0:k0 + b0 + count, :] for part in t2)
        else:
            cols = slice((k0 + b0) * n2, (k0 + b0 + count) * n2)
            tw = tuple(nl.load(part[:, cols]).reshape((n3, count, n2)) for part in t2)
        b_re = psum((n3, count, n2))
        b_im = psum((n3, count, n2))
        for k in nl.affine_range(count):
            col = first + b0 + k
            f = tuple(part[:, col * n2:(col + 1) * n2] for part in f2) if per_column else f2
            if slots == 1:
                st = (x1[0][:, :, col], x1[1][:, :, col])
            else:
                pattern = [[n3 * width, n2], [width, slots], [slots * width, n3 // slots]]
                st = (x1[0].ap(pattern=pattern, offset=col), x1[1].ap(pattern=pattern, offset=col))
            matmul_data_stationary(b_re[:, k, :], b_im[:, k, :], st[0], st[1], f)
        pattern = [[n2 * width, n3], [1, count], [width, n2]]   # X2[j3, k2, b0 + k] as [j3, k, k2]
        multiply(x2[0].ap(pattern=pattern, offset=b0), x2[1].ap(pattern=pattern, offset=b0), b_re, b_im,
                 tw[0], tw[1])
    return x2


def _last_stage(x: tuple, y: tuple, f3: tuple, n3: int, n2: int, width: int) -> None:
    """Y[k3, (k2, k1)] = F3^T X in 512-column matmuls, stored a few k2 rows at a time.

    ``x`` is X2 [n3, n2, width]; ``y`` the HBM view [n3, n2, width] (contiguous rows when width = n1)."""
    x = (x[0].reshape((n3, n2 * width)), x[1].reshape((n3, n2 * width)))
    rows = max(1, STORE_COLUMNS // width)
    for r in nl.affine_range((n2 + rows - 1) // rows):
        r0 = r * rows
        count = min(rows, n2 - r0)
        span = count * width
        s0 = r0 * width
        o_re = sbuf((n3, span))
        o_im = sbuf((n3, span))
        transform_columns(o_re, o_im, f3, x[0][:, s0:s0 + span], x[1][:, s0:s0 + span])
        nl.store(y[0][:, r0:r0 + count, :], o_re)
        nl.store(y[1][:, r0:r0 + count, :], o_im)


@nki.jit
def six_step_kernel(xr, xi, f1_re, f1_im, t1_re, t1_im, f2_re, f2_im, t2_re, t2_im, f3_re, f3_im,
                    n1, n2, n3, block, k_block):
    batch = xr.shape[0]
    yr = nl.ndarray((batch, n1 * n2 * n3), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n1 * n2 * n3), nl.float32, buffer=nl.shared_hbm)
    six_step(xr, xi, yr, yi, load_constant(f1_re, f1_im), load_table(t1_re, t1_im),
             load_constant(f2_re, f2_im), (t2_re, t2_im), load_constant(f3_re, f3_im), n1, n2, n3, block, k_block)
    return yr, yi
