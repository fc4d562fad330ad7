"""Bluestein for long lengths (n up to 2^20) in SBUF: the padded length m = s^3 transformed in place.

The convolution of ``bluestein.py`` (a = pad(x c); P = conj(FFT(a)) conj(S) s/m;
y = conj(FFT(P)) c) over m = s^3 >= 2n - 2 (s <= 128): the m points fill one
SBUF region [s, s^2] (16 MiB at s = 128, two thirds of trn1's SBUF) and every stage
writes its result over the cells it read, so nothing is staged through HBM:

* a data-stationary matmul per [s, s] block moves the block's columns onto the
  partitions; reading the block at columns {u s + t} (stride s) or {b s + u}
  (contiguous) and writing the result back to the same cells is in place. The
  first FFT runs strided, contiguous, column stages and leaves A[k] at partition
  k3, column k1 s + k2 (k = k1 + s k2 + s^2 k3); the second contracts those digits
  in the opposite order (contiguous, strided, column) and leaves its output in
  natural order, partition l1 holding points l1 s^2 ...;
* twiddles come from two [s, s] tables, T = w_(s^2)^(p c) and A = w_m^(p c), applied
  on the way out of PSUM and off the Vector engine: a per-partition scalar by the
  Scalar engine's activation scale, a table by GpSimd after the Scalar engine's copy;
* the kernel's spectrum is symmetric (S_k = S_(m-k)): HBM holds the column blocks
  k1 <= s/2 of conj(S) s/m in the first FFT's output layout, and block s - k1 is
  block k1 with partitions and columns reversed, made by two matmuls with the
  exchange matrix J (exact: products with 1 and 0);
* the chirp c_j is formed on chip from small tables: j = base_p + 128 r + c0 gives
  c_j = D[p, r] E[p, c0] R[r, c0]; E (x) R comes out of one complex matmul (E^T
  stationary, diagonal blocks R[r, :] moving) and D is a per-partition scalar; up to
  s = 104 once per launch into an SBUF table (both multiplies read it, on GpSimd),
  above that per PSUM bank at each multiply (the table would not fit beside the cube).
  Pre- and post-multiply run on the n input/output points folded onto twice the
  partitions (row halves to partitions 64..), one SBUF -> SBUF DMA each way.

The planner takes ``bluestein_wide`` wherever its a*a*r fits SBUF (n <= 216001), so
this kernel serves only n > 216001, sides s >= 76; its tests force smaller sides.

HBM per transform: x and y once, half the spectrum (~4m bytes ~ 8n) and small tables:
about 1.5x the minimum.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nisa, nl
from .cplx import (PSUM_BANK, evacuate, in_sbuf, load_constant, load_table, matmul_constant_stationary,
                   matmul_data_stationary, multiply, multiply_off_vector, psum, sbuf, transform_columns)

PMAX = 128
FOLD = 64      # first partition of the folded row halves
RUN = 128      # chirp points per run (one column of D)
ZERO_COLUMNS = 2048   # the zero tile DMA copies from
CHIRP_TABLE_SIDE = 104   # the largest side whose cube (8 s^2 bytes per partition), folded chirp table (4 s^2) and
                         # temporaries fit trn1's 192 KiB per partition (190,484 bytes at s = 104, the emulator's count)


def _pair(shape: tuple) -> tuple:
    return sbuf(shape), sbuf(shape)


def scale_runs(dst: tuple, src: tuple, a_re: Any, a_im: Any) -> None:
    """dst = src * (a_re + i a_im) with [P, 1] scalars: the two products the sums need on the Scalar engine
    (activation's scale takes a [P, 1] tile: D/nki/api/generated/nki.isa.activation.html), the two fused
    multiply-adds on the Vector engine. ``dst`` may be ``src`` (the imaginary part is written first)."""
    t1 = sbuf(src[0].shape)
    t2 = sbuf(src[0].shape)
    nisa.activation(dst=t1, op=nl.copy, data=src[1], scale=a_im)
    nisa.activation(dst=t2, op=nl.copy, data=src[1], scale=a_re)
    nisa.scalar_tensor_tensor(dst=dst[1], data=src[0], op0=nl.multiply, operand0=a_im, op1=nl.add, operand1=t2)
    nisa.scalar_tensor_tensor(dst=dst[0], data=src[0], op0=nl.multiply, operand0=a_re, op1=nl.subtract,
                              operand1=t1)


def multiply_in_place(x: tuple, t: tuple, conjugate: bool, engine: Any = None) -> None:
    """x = x * t (conj(x) * t) in place, six instructions on the Vector engine (``t`` may sit in PSUM) or on
    ``engine`` (``in_sbuf()`` when ``t`` is in SBUF)."""
    eng = nisa.engine.unknown if engine == None else engine  # noqa: E711 (NKI 0.3 has no 'is')
    t1 = sbuf(x[0].shape)
    t2 = sbuf(x[0].shape)
    nisa.tensor_tensor(dst=t1, data1=x[1], data2=t[1], op=nl.multiply, engine=eng)
    nisa.tensor_tensor(dst=t2, data1=x[0], data2=t[1], op=nl.multiply, engine=eng)
    nisa.tensor_tensor(dst=x[0], data1=x[0], data2=t[0], op=nl.multiply, engine=eng)
    nisa.tensor_tensor(dst=x[0], data1=x[0], data2=t1, op=nl.add if conjugate else nl.subtract, engine=eng)
    nisa.tensor_tensor(dst=x[1], data1=x[1], data2=t[0], op=nl.multiply, engine=eng)
    if conjugate:
        nisa.tensor_tensor(dst=x[1], data1=t2, data2=x[1], op=nl.subtract, engine=eng)
    else:
        nisa.tensor_tensor(dst=x[1], data1=x[1], data2=t2, op=nl.add, engine=eng)


def _block_stage(rg: tuple, f: tuple, s: int, strided: bool, twiddle: tuple = ()) -> None:
    """Each [s, s] block (data stationary) times F, its result written back over the block's own cells: for
    ``strided`` the block of t at columns {u s + t} (out[u, v] to column v s + t of partition u), else block b
    at columns b s .. b s + s - 1 (out[u, v] to column b s + v). A PSUM bank of blocks per group, taken out of
    PSUM by ``_finish`` with ``twiddle``."""
    width = rg[0].shape[1]
    per_bank = min(PSUM_BANK // s, s)
    for g in nl.affine_range((s + per_bank - 1) // per_bank):
        first = g * per_bank
        count = min(per_bank, s - first)
        acc = (psum((s, count, s)), psum((s, count, s)))
        for i in nl.affine_range(count):
            c = first + i
            if strided:
                st = tuple([part.ap(pattern=[[width, s], [s, s]], offset=c) for part in rg])
            else:
                st = tuple([part[0:s, c * s:(c + 1) * s] for part in rg])
            matmul_data_stationary(acc[0][:, i, :], acc[1][:, i, :], st[0], st[1], f)
        if strided:
            dst = tuple([part.ap(pattern=[[width, s], [1, count], [s, s]], offset=first) for part in rg])
        else:
            dst = tuple([part[0:s, first * s:(first + count) * s].reshape((s, count, s)) for part in rg])
        _finish(dst, acc, first, count, twiddle)


def scale_blocks(dst: tuple, acc: tuple, a: tuple, first: int) -> None:
    """dst[:, i, :] = acc[:, i, :] * (a_re + i a_im)[:, first + i] for each slot i of a PSUM group [s, count, s]:
    the four real products on the Scalar engine straight out of PSUM (activation's scale takes a [P, 1] tile:
    D/nki/api/generated/nki.isa.activation.html), the sum and difference on GpSimd (SBUF only)."""
    s, count, _ = acc[0].shape
    prod = tuple([sbuf((s, count, s)) for _ in range(4)])
    for i in nl.affine_range(count):
        col = first + i
        for k, (src, sc) in enumerate(((0, 0), (1, 1), (0, 1), (1, 0))):
            nisa.activation(dst=prod[k][:, i, :], op=nl.copy, data=acc[src][:, i, :], scale=a[sc][:, col:col + 1])
    nisa.tensor_tensor(dst=dst[0], data1=prod[0], data2=prod[1], op=nl.subtract, engine=in_sbuf())
    nisa.tensor_tensor(dst=dst[1], data1=prod[2], data2=prod[3], op=nl.add, engine=in_sbuf())


def _finish(dst: tuple, acc: tuple, first: int, count: int, twiddle: tuple) -> None:
    """A group's results [s, count, s] out of PSUM into ``dst``: copied (``twiddle`` empty), times the table
    T [s, v] on every slot ((T,)), or first slot i times the per-partition scalar A[:, first + i], then times T
    ((T, A)). Every product runs off the Vector engine: PSUM is read by the Scalar engine, the table products
    run on GpSimd (``in_sbuf``)."""
    if len(twiddle) == 0:
        evacuate(dst[0], dst[1], acc[0], acc[1])
        return
    s = acc[0].shape[0]
    t = tuple([part[:, 0:count * s].reshape((s, count, s)) for part in twiddle[0]])
    if len(twiddle) == 2:
        scaled = _pair((s, count, s))
        scale_blocks(scaled, acc, twiddle[1], first)
        multiply(dst[0], dst[1], scaled[0], scaled[1], t[0], t[1], engine=in_sbuf())
    else:
        multiply_off_vector(dst[0], dst[1], acc[0], acc[1], t[0], t[1])


def _columns(rg: tuple, f: tuple, s: int) -> None:
    """The last stage: F^T over the partitions, in place, one PSUM bank of columns at a time."""
    x = (rg[0][0:s, :], rg[1][0:s, :])
    transform_columns(x[0], x[1], f, x[0], x[1])


def fft_digits_down(rg: tuple, f: tuple, t4: tuple, aw: tuple, s: int) -> None:
    """DFT_m of X[j1, j2 s + j3] (natural order), leaving Y[k3, k1 s + k2] (k = k1 + s k2 + s^2 k3)."""
    _block_stage(rg, f, s, True, (t4,))                              # [j2, k1 s + j3] x w_(s^2)^(j2 k1)
    _block_stage(rg, f, s, False, (t4, aw))                          # [j3, k1 s + k2] x A[j3, k1] T[j3, k2]
    _columns(rg, f, s)


def fft_digits_up(rg: tuple, f: tuple, t4: tuple, aw: tuple, s: int) -> None:
    """DFT_m of P[k3, k1 s + k2] (the layout ``fft_digits_down`` leaves), output in natural order."""
    _block_stage(rg, f, s, False, (t4,))                             # [k2, k1 s + l3] x T[k2, l3]
    _block_stage(rg, f, s, True, (t4, aw))                           # [k1, l2 s + l3] x A[k1, l3] T[k1, l2]
    _columns(rg, f, s)                                               # [l1, l2 s + l3]


def times_spectrum(rg: tuple, spec: tuple, jm: Any, s: int) -> None:
    """P = conj(A) * conj(S) s/m, a PSUM bank of column blocks at a time: blocks 0..s/2 from HBM ([s, (s/2 + 1) s],
    block b at columns b s..), block s - b (0 < b < s/2) from block b with partitions and columns reversed (two
    exchange-matrix matmuls: out2[x, c] = S_b[s-1-x, s-1-c])."""
    half = s // 2
    per_bank = min(PSUM_BANK // s, s)
    for g in nl.affine_range((half + per_bank) // per_bank):
        b0 = g * per_bank
        count = min(per_bank, half + 1 - b0)
        direct = tuple([nl.load(part[:, b0 * s:(b0 + count) * s]) for part in spec])
        multiply_in_place((rg[0][0:s, b0 * s:(b0 + count) * s], rg[1][0:s, b0 * s:(b0 + count) * s]), direct, True,
                          in_sbuf())
        first, last = max(b0, 1), min(b0 + count, s - half)   # blocks whose mirror s - b is another block
        if first < last:
            _times_mirrors(rg, direct, jm, s, b0, first, last)


def _times_mirrors(rg: tuple, direct: tuple, jm: Any, s: int, b0: int, first: int, last: int) -> None:
    """Blocks s - b for b in first..last-1 times block b of ``direct`` (loaded from block b0 on) turned around."""
    low = s - last + 1                                       # the mirrors fill blocks low .. s - first
    back = (psum((s, (last - first) * s)), psum((s, (last - first) * s)))
    for i in nl.affine_range(last - first):
        b = first + i
        slot = (s - b - low) * s
        for part in range(2):
            once = psum((s, s))
            nisa.nc_matmul(dst=once, stationary=direct[part][:, (b - b0) * s:(b - b0 + 1) * s], moving=jm,
                           is_moving_onezero=True, accumulate=False)
            turned = sbuf((s, s))
            nisa.activation(dst=turned, op=nl.copy, data=once)
            nisa.nc_matmul(dst=back[part][:, slot:slot + s], stationary=turned, moving=jm, is_moving_onezero=True,
                           accumulate=False)
    cols = slice(low * s, (s - first + 1) * s)
    multiply_in_place((rg[0][0:s, cols], rg[1][0:s, cols]), back, True)


def _chirp_bank(c: int, parts: int, width: int, eye: Any, et: tuple, rt: tuple) -> tuple:
    """PSUM bank c of the folded [P, width] layout (of ``_banks(width)``): (first column, columns, runs, E (x) R
    in PSUM), the product from one complex matmul with E^T [128, P] stationary and the diagonal blocks R[r, :]
    (eye scaled per partition) moving."""
    c0 = c * PSUM_BANK
    cols = min(PSUM_BANK, width - c0)
    runs = (cols + RUN - 1) // RUN
    mov = _pair((PMAX, cols))
    for i in nl.affine_range(runs):
        r = c0 // RUN + i
        span = min(RUN, cols - i * RUN)
        for part in range(2):
            nisa.activation(dst=mov[part][:, i * RUN:i * RUN + span], op=nl.copy, data=eye[:, 0:span],
                            scale=rt[part][:, r:r + 1])
    acc = (psum((parts, cols)), psum((parts, cols)))
    matmul_constant_stationary(acc[0], acc[1], et, mov[0], mov[1])
    return c0, cols, runs, acc


def _banks(width: int) -> int:
    return (width + PSUM_BANK - 1) // PSUM_BANK


def _times_runs(view: tuple, c0: int, cols: int, runs: int, d: tuple, src: tuple = ()) -> None:
    """view = src * D[p, r] (``src`` defaults to ``view``), run r = c0 // RUN + i of RUN columns at a time."""
    src = src or view
    for i in nl.affine_range(runs):
        r = c0 // RUN + i
        span = slice(i * RUN, i * RUN + min(RUN, cols - i * RUN))
        scale_runs((view[0][:, span], view[1][:, span]), (src[0][:, span], src[1][:, span]),
                   d[0][:, r:r + 1], d[1][:, r:r + 1])


def chirp_table(parts: int, width: int, eye: Any, et: tuple, rt: tuple, d: tuple) -> tuple:
    """The chirp c of the folded [P, width] layout in SBUF, once per launch (``times_chirp`` then reads it)."""
    table = _pair((parts, width))
    for c in nl.affine_range(_banks(width)):
        c0, cols, runs, acc = _chirp_bank(c, parts, width, eye, et, rt)
        _times_runs((table[0][:, c0:c0 + cols], table[1][:, c0:c0 + cols]), c0, cols, runs, d, acc)
    return table


def times_chirp(x: tuple, eye: Any, et: tuple, rt: tuple, d: tuple, conjugate: bool, table: tuple = ()) -> None:
    """x = x * c (conj(x) * c) for the [P, H] folded tile x whose row p holds points base_p + column:
    c = D[p, r] * (E[p, c0] R[r, c0]) for column 128 r + c0. From the SBUF ``table`` (``chirp_table``) on
    GpSimd where it fits, else formed per PSUM bank (``_chirp_bank``) and applied on the Vector engine."""
    if table:
        multiply_in_place(x, table, conjugate, in_sbuf())
        return
    parts, width = x[0].shape
    for c in nl.affine_range(_banks(width)):
        c0, cols, runs, acc = _chirp_bank(c, parts, width, eye, et, rt)
        view = (x[0][:, c0:c0 + cols], x[1][:, c0:c0 + cols])
        multiply_in_place(view, acc, conjugate)
        _times_runs(view, c0, cols, runs, d)


def zero(dst: Any, zeros: Any) -> None:
    """dst = 0 by SBUF -> SBUF DMA from the zero tile ``zeros`` [>= rows, w]: the DMA queues have time to spare
    where the Vector engine binds (D/nki/api/generated/nki.isa.dma_copy.html: both ends may be SBUF)."""
    rows, width = dst.shape
    step = zeros.shape[1]
    for c in nl.affine_range((width + step - 1) // step):
        cols = min(step, width - c * step)
        nisa.dma_copy(dst=dst[:, c * step:c * step + cols], src=zeros[0:rows, 0:cols])


def _folded_rows(n: int, width: int, h: int) -> list:
    """(first partition, HBM offset of its first row, rows, points per row, step) of the folded layout's DMAs:
    row u < h of half v (partition FOLD v + u) holds points u width + [0, H) (v = 0) or u width + [H, width)
    (v = 1), H = ceil(width / 2), cut at n."""
    half = (width + 1) // 2
    out = []
    for v in range(2):
        first = v * half
        length = width - half if v else half
        full = 0 if n < first + length else min(h, (n - first - length) // width + 1)
        if full:
            out.append((FOLD * v, first, full, length, width))
        start = full * width + first
        if full < h and start < n:
            out.append((FOLD * v + full, start, 1, n - start, width))
    return out


def load_folded(rg: tuple, x: tuple, t: int, n: int, width: int, h: int) -> None:
    """Transform t of HBM x [B, n] into the folded layout (zeros elsewhere must already be there)."""
    for p0, start, rows, length, step in _folded_rows(n, width, h):
        for part in range(2):
            src = x[part].ap(pattern=[[step, rows], [1, length]], offset=t * n + start)
            nisa.dma_copy(dst=rg[part][p0:p0 + rows, 0:length], src=src)


def store_folded(y: tuple, rg: tuple, t: int, n: int, width: int, h: int) -> None:
    """The first n points of the folded layout into transform t of HBM y [B, n]."""
    for p0, start, rows, length, step in _folded_rows(n, width, h):
        for part in range(2):
            dst = y[part].ap(pattern=[[step, rows], [1, length]], offset=t * n + start)
            nisa.dma_copy(dst=dst, src=rg[part][p0:p0 + rows, 0:length])


def bluestein_cube(xr: Any, xi: Any, yr: Any, yi: Any, consts: tuple, s: int, h: int) -> None:
    """y = DFT(x) for HBM [B, n] tensors through the in-place length-s^3 convolution, one transform at a time.

    ``consts``: F_s (re, im, -im), T and A [s, s] tables, J [s, s], the half spectrum [s, (s/2 + 1) s] in HBM,
    the identity [128, 128], E^T (re, im, -im) [128, FOLD + h], R^T [128, runs], D [FOLD + h, runs]."""
    f, tw, aw, jm, spec, eye, et, rt, d = consts
    width = s * s
    half = (width + 1) // 2      # the first half of each row stays, the rest folds to partition FOLD + row
    rows = FOLD + h
    per_bank = min(PSUM_BANK // s, s)
    t4 = _pair((s, per_bank * s))        # T once per slot of a PSUM group
    for part in range(2):
        for i in range(per_bank):
            nisa.dma_copy(dst=t4[part][:, i * s:(i + 1) * s], src=tw[part])
    zeros = sbuf((PMAX, ZERO_COLUMNS))
    nisa.memset(dst=zeros, value=0.0)
    table = chirp_table(rows, half, eye, et, rt, d) if s <= CHIRP_TABLE_SIDE else ()
    for t in nl.affine_range(xr.shape[0]):
        _one_transform((xr, xi), (yr, yi), t, (f, t4, aw, jm, spec, eye, et, rt, d, table, zeros), s, h)


def _one_transform(x: tuple, y: tuple, t: int, consts: tuple, s: int, h: int) -> None:
    """Transform ``t`` of the batch (a function of its own so that its cube is freed before the next one's is
    allocated: two cubes do not fit SBUF together)."""
    f, t4, aw, jm, spec, eye, et, rt, d, table, zeros = consts
    n = x[0].shape[1]
    width = s * s
    half = (width + 1) // 2
    rows = FOLD + h
    rg = _pair((PMAX, width))
    for part in range(2):
        zero(rg[part], zeros)
    load_folded(rg, x, t, n, width, h)
    times_chirp((rg[0][0:rows, 0:half], rg[1][0:rows, 0:half]), eye, et, rt, d, False, table)
    for part in range(2):   # unfold: row halves back beside their first halves, the fold rows zeroed
        nisa.dma_copy(dst=rg[part][0:h, half:width], src=rg[part][FOLD:FOLD + h, 0:width - half])
        zero(rg[part][FOLD:FOLD + h, 0:half], zeros)
    fft_digits_down(rg, f, t4, aw, s)
    times_spectrum(rg, spec, jm, s)
    fft_digits_up(rg, f, t4, aw, s)
    for part in range(2):   # fold the n output points
        nisa.dma_copy(dst=rg[part][FOLD:FOLD + h, 0:width - half], src=rg[part][0:h, half:width])
    times_chirp((rg[0][0:rows, 0:half], rg[1][0:rows, 0:half]), eye, et, rt, d, True, table)
    store_folded(y, rg, t, n, width, h)


def load_bluestein_cube(a: tuple) -> tuple:
    """The constants of ``bluestein_cube`` as it takes them: small tables in SBUF, the half spectrum in HBM."""
    return (load_constant(a[0], a[1]), load_table(a[2], a[3]), load_table(a[4], a[5]), nl.load(a[6]),
            (a[7], a[8]), nl.load(a[9]), load_constant(a[10], a[11]), load_table(a[12], a[13]),
            load_table(a[14], a[15]))


@nki.jit
def bluestein_cube_kernel(xr, xi, f_re, f_im, t_re, t_im, a_re, a_im, jm, spec_re, spec_im, eye, et_re, et_im,
                          rt_re, rt_im, d_re, d_im, s, h):
    batch, n = xr.shape
    yr = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    bluestein_cube(xr, xi, yr, yi, load_bluestein_cube((f_re, f_im, t_re, t_im, a_re, a_im, jm, spec_re, spec_im,
                                                        eye, et_re, et_im, rt_re, rt_im, d_re, d_im)), s, h)
    return yr, yi
