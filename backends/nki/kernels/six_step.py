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

Each stage fills the 128 partitions with independent slices (``_stacked_stage1/2``, ``_stacked_last_stage``):
stage 1 reads r1 = 128 // n1 runs of j3 columns onto stacked n1-row blocks and moves them against
I_r1 (x) F1; stage 2 takes r2 = 128 // n3 columns k1 into one stationary operand (its output rows
(slot, j3)); stage 3 is I_r2 (x) F3. A matmul costs ~max(N, 64) cycles whatever K and M (the cost
model, from the performance guide), so the plain stages (K = N = n1 = 16 at 2^17) wasted most of it.
The input is read in column blocks of j3 so that the block and X1 fit SBUF together
(a 2^20-point transform is 8 MiB; SBUF holds 24 MiB); T2 (n points) stays in SBUF for the launch
where it fits beside X1 and X2, else streams from HBM in blocks of k1. Above about 1.3M points
(Bluestein's padded lengths up to 2^21) X1 is staged through HBM and stages 2 and 3 run plain on
blocks of k1. Batches loop over transforms inside the launch.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nisa, nl
from .cplx import (PSUM_BANK, constant_slice, in_sbuf, load_constant, load_table, matmul_data_stationary, multiply,
                   multiply_off_vector, psum, sbuf, transform_columns)
from .partitions import covering_start

STORE_COLUMNS = 2048


def six_step(xr: Any, xi: Any, yr: Any, yi: Any, f1: tuple, t1: tuple, f2: tuple, t2: tuple, f3: tuple,
             n1: int, n2: int, n3: int, block: int, k_block: int) -> None:
    """y = DFT(x) for HBM [B, n1*n2*n3] tensors.

    ``t1`` is T1 [n2, n1] (repeated along its columns on chip); ``t2`` the HBM
    table T2[(s, j3), (g, k2)] = w_n^(j3 (k1 + n1 k2)) for k1 = s * groups + g, s < slots (the blocks of
    ``f3`` = I_slots (x) F3), zero past k1 = n1; ``f1`` is I_r1 (x) F1; ``f3`` carries the normalisation; ``block`` is the
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
        scratch = (nl.ndarray((n2, n3, n1), nl.float32, buffer=nl.hbm),   # the kernel's private HBM
                   nl.ndarray((n2, n3, n1), nl.float32, buffer=nl.hbm))
    t1 = (repeated(t1[0], PSUM_BANK // n1), repeated(t1[1], PSUM_BANK // n1))
    slots = f3[0].shape[0] // n3
    if not staged and t2_resident(n1, n2, n3, slots):
        t2 = load_table(t2[0], t2[1])   # once per launch, read once however large the batch
    for t in nl.affine_range(batch):
        _one_transform(x4, y4, t, (f1, t1, f2, t2, f3), n1, n2, n3, block, k_block, scratch, staged)


TWIDDLE_RESIDENT_BYTES = 128 * 1024   # per partition: X1, X2 and T2 together, of trn1's 192 KiB


def t2_resident(n1: int, n2: int, n3: int, slots: int) -> bool:
    """Whether T2 (n points, on slots * n3 partitions) stays in SBUF beside X1 and X2 for the whole launch."""
    groups = -(-n1 // slots)
    return 8 * (n3 * n1 + 2 * n2 * groups) <= TWIDDLE_RESIDENT_BYTES


def repeated(table: Any, copies: int) -> Any:
    """``table`` [P, w] repeated ``copies`` times along the free dim, in a new SBUF tile: copies of what is
    already there, doubling each time (log2(copies) GpSimd copies once per launch instead of reading the
    repeats from HBM: for 2^17 points they were 512 KiB of the plan's constants)."""
    rows, width = table.shape
    out = sbuf((rows, copies * width))
    nisa.tensor_copy(dst=out[:, 0:width], src=table, engine=in_sbuf())
    done = width
    for _ in range((copies - 1).bit_length()):
        more = min(done, copies * width - done)
        nisa.tensor_copy(dst=out[:, done:done + more], src=out[:, 0:more], engine=in_sbuf())
        done += more
    return out


def _one_transform(x4: tuple, y4: tuple, t: int, consts: tuple, n1: int, n2: int, n3: int, block: int,
                   k_block: int, scratch: tuple, staged: bool) -> None:
    """Transform ``t`` of the batch (a function of its own so its tiles are freed before the next)."""
    f1, t1, f2, t2, f3 = consts
    if not staged:
        slots = f3[0].shape[0] // n3
        groups = -(-n1 // slots)
        # X1 is not bound here, so it is freed before the last stage allocates its output
        x2 = _stacked_stage2(_stacked_stage1(x4, t, f1, t1, n1, n2, n3, block), f2, t2, n1, n2, n3, slots, groups,
                             t2_resident(n1, n2, n3, slots))
        _stacked_last_stage(x2, (y4[0][t], y4[1][t]), f3, n1, n2, n3, slots, groups)
        return
    _stage1(x4, t, f1, t1, n1, n2, n3, block, scratch)
    for kb in nl.affine_range((n1 + k_block - 1) // k_block):
        k0 = kb * k_block
        width = min(k_block, n1 - k0)
        _last_stage(stage2(scratch, staged, f2, t2, n2, n3, k0, width),
                    (y4[0][t, :, :, k0:k0 + width], y4[1][t, :, :, k0:k0 + width]), f3, n3, n2, width)


def slot_ranges(columns: int, slots: int) -> tuple[int, int, int]:
    """(width, slots used, width of the last) for ``columns`` split into at most ``slots`` contiguous runs of
    ``width``: every run full but the last."""
    width = -(-columns // slots)
    used = -(-columns // width)
    return width, used, columns - (used - 1) * width


def _stacked_stage1(x4: tuple, t: int, f1: tuple, t1: tuple, n1: int, n2: int, n3: int, block: int) -> tuple:
    """X1[j2, j3, k1] = T1[j2, k1] * sum_j1 X[j1, j2, j3] F1[j1, k1] with r = len(F1) / n1 columns j3 per matmul.

    ``f1`` is I_r (x) F1: each block of ``block`` j3 columns is read as r runs of contiguous columns onto r
    partition blocks of n1 rows (one DMA per run), so one matmul with K = r n1 and N = r n1 transforms r
    columns where the plain six-step's K = N = n1 used n1/128 of the array's rows and paid the 64-column
    minimum (D/nki/deep-dives/nki_perf_guide.html) on N = n1; on two 64-row tiles when n1 divides 64 and K > 64
    (``cplx.diagonal_halves``). The twiddle leaves PSUM by the Scalar engine and
    multiplies on GpSimd (``multiply_off_vector``)."""
    stack = f1[0].shape[0] // n1
    x1 = (sbuf((n2, n3, n1)), sbuf((n2, n3, n1)))
    for c in nl.affine_range((n3 + block - 1) // block):
        _stage1_block(x4, t, f1, t1, x1, c * block, min(block, n3 - c * block), stack, (n1, n2, n3))
    return x1


def _stage1_block(x4: tuple, t: int, f1: tuple, t1: tuple, x1: tuple, c0: int, columns: int, stack: int,
                  sizes: tuple) -> None:
    """Stage 1 on j3 columns c0..c0+columns (a function of its own so the input block is freed before the next)."""
    n1, n2, n3 = sizes
    width, used, last = slot_ranges(columns, stack)
    x0 = (sbuf((used * n1, n2, width)), sbuf((used * n1, n2, width)))
    for s in nl.affine_range(used):
        cols = width if s < used - 1 else last
        lo = c0 + s * width
        for part in range(2):
            nisa.dma_copy(dst=x0[part][s * n1:(s + 1) * n1, :, 0:cols], src=x4[part][t, :, :, lo:lo + cols])
    for j_lo, j_hi, slots in ((0, last, used), (last, width, used - 1)):
        if j_hi <= j_lo:
            continue
        rows = slots * n1
        per_bank = max(1, PSUM_BANK // rows)
        f = constant_slice(f1, rows, rows)
        for b in nl.affine_range((j_hi - j_lo + per_bank - 1) // per_bank):
            j0 = j_lo + b * per_bank
            count = min(per_bank, j_hi - j0)
            a_re = psum((n2, count, rows))
            a_im = psum((n2, count, rows))
            for j in nl.affine_range(count):
                matmul_data_stationary(a_re[:, j, :], a_im[:, j, :], x0[0][0:rows, :, j0 + j],
                                       x0[1][0:rows, :, j0 + j], f, n1)
            pattern = [[n3 * n1, n2], [n1, count], [width * n1, slots], [1, n1]]   # X1[j2, c0 + s w + j, k1]
            multiply_off_vector(x1[0].ap(pattern=pattern, offset=(c0 + j0) * n1),
                                x1[1].ap(pattern=pattern, offset=(c0 + j0) * n1), a_re, a_im,
                                t1[0][:, 0:count * rows], t1[1][:, 0:count * rows])


def _stacked_stage2(x1: tuple, f2: tuple, t2: tuple, n1: int, n2: int, n3: int, slots: int, groups: int,
                    resident: bool) -> tuple:
    """X2[(s, j3), k2, g] = T2[j3, (k1, k2)] * sum_j2 X1[j2, j3, k1] F2[j2, k2] for k1 = s * groups + g.

    ``slots`` k1 columns share one matmul: the stationary operand's columns (s, j3), read from X1 through an
    access pattern (D/nki/deep-dives/nki-aps.html), put them on stacked partition blocks of n3 rows (M =
    slots n3 where the plain six-step had M = n3). T2 (laid out by slot on the host) streams from HBM one
    DMA per bank and part, or is sliced from its SBUF copy (``resident``). A group with
    one slot fewer (the last slot ends at k1 = n1) leaves its rows of X2 zero, so the block-diagonal last
    stage multiplies zeros, not uninitialised memory (the memset starts where trn1 lets a tile start,
    ``covering_start``)."""
    full = n1 - (slots - 1) * groups   # groups g < full have every slot
    x2 = (sbuf((slots * n3, n2, groups)), sbuf((slots * n3, n2, groups)))
    if full < groups:
        # from a start partition NeuronCore-v2 accepts: the slots below the last are written over just below
        first = covering_start((slots - 1) * n3, slots * n3)
        for part in x2:
            nisa.memset(dst=part[first:slots * n3, :, full:groups], value=0.0, engine=in_sbuf())
    per_bank = max(1, PSUM_BANK // n2)
    for g_lo, g_hi, used in ((0, full, slots), (full, groups, slots - 1)):
        if g_hi <= g_lo:
            continue
        rows = used * n3
        for b in nl.affine_range((g_hi - g_lo + per_bank - 1) // per_bank):
            g0 = g_lo + b * per_bank
            count = min(per_bank, g_hi - g0)
            view = tuple([part[0:rows, g0 * n2:(g0 + count) * n2] for part in t2])
            tw = view if resident else (nl.load(view[0]), nl.load(view[1]))
            b_re = psum((rows, count, n2))
            b_im = psum((rows, count, n2))
            for k in nl.affine_range(count):
                pattern = [[n3 * n1, n2], [groups, used], [n1, n3]]   # X1[j2, j3, s * groups + g] as [j2, (s, j3)]
                matmul_data_stationary(b_re[:, k, :], b_im[:, k, :], x1[0].ap(pattern=pattern, offset=g0 + k),
                                       x1[1].ap(pattern=pattern, offset=g0 + k), f2)
            pattern = [[n2 * groups, rows], [1, count], [groups, n2]]   # X2[(s, j3), k2, g0 + k] as [., k, k2]
            multiply_off_vector(x2[0].ap(pattern=pattern, offset=g0), x2[1].ap(pattern=pattern, offset=g0),
                                b_re, b_im, tw[0], tw[1])
    return x2


def _stacked_last_stage(x2: tuple, y: tuple, f3: tuple, n1: int, n2: int, n3: int, slots: int, groups: int) -> None:
    """Y[(s, k3), (k2, g)] = (I_slots (x) F3)^T X2 in 512-column matmuls; slot s holds k1 = s * groups + g, stored
    into the HBM view y [n3, n2, n1] one DMA per slot and part, a few k2 rows at a time."""
    rows_all = slots * n3
    x = (x2[0].reshape((rows_all, n2 * groups)), x2[1].reshape((rows_all, n2 * groups)))
    rows = max(1, STORE_COLUMNS // groups)
    for r in nl.affine_range((n2 + rows - 1) // rows):
        r0 = r * rows
        count = min(rows, n2 - r0)
        o = (sbuf((rows_all, count, groups)), sbuf((rows_all, count, groups)))
        span = slice(r0 * groups, (r0 + count) * groups)
        transform_columns(o[0].reshape((rows_all, count * groups)), o[1].reshape((rows_all, count * groups)), f3,
                          x[0][:, span], x[1][:, span])
        for s in nl.affine_range(slots):
            k_lo = s * groups
            k_n = min(groups, n1 - k_lo)
            for part in range(2):
                nl.store(y[part][:, r0:r0 + count, k_lo:k_lo + k_n], o[part][s * n3:(s + 1) * n3, :, 0:k_n])


def _stage1(x4: tuple, t: int, f1: tuple, t1: tuple, n1: int, n2: int, n3: int, block: int,
            scratch: tuple) -> None:
    """X1[j2, j3, k1] = T1[j2, k1] * sum_j1 X[j1, j2, j3] F1[j1, k1] into the HBM ``scratch``, one PSUM bank
    of j3 at a time (transforms too large for X1 and X2 together in SBUF)."""
    per_bank = max(1, PSUM_BANK // n1)
    t1_3d = (t1[0].reshape((n2, per_bank, n1)), t1[1].reshape((n2, per_bank, n1)))
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
            o_re = sbuf((n2, count, n1))
            o_im = sbuf((n2, count, n1))
            multiply(o_re, o_im, a_re, a_im, t1_3d[0][:, 0:count, :], t1_3d[1][:, 0:count, :])
            nl.store(scratch[0][:, lo:lo + count, :], o_re)
            nl.store(scratch[1][:, lo:lo + count, :], o_im)


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
            tw = tuple([part.reshape((n3, part.shape[1] // n2, n2))[:, k0 + b0:k0 + b0 + count, :] for part in t2])
        else:
            cols = slice((k0 + b0) * n2, (k0 + b0 + count) * n2)
            tw = tuple([nl.load(part[:, cols]).reshape((n3, count, n2)) for part in t2])
        b_re = psum((n3, count, n2))
        b_im = psum((n3, count, n2))
        for k in nl.affine_range(count):
            col = first + b0 + k
            f = tuple([part[:, col * n2:(col + 1) * n2] for part in f2]) if per_column else f2
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
