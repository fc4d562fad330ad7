"""Bluestein in SBUF over m = a * a * r (a <= 128, 2 <= r <= 32) with every matmul on up to 128 rows.

The algebra of ``bluestein.py`` (a = pad(x c); P = conj(FFT(a)) conj(S) s/m;
y = conj(FFT(P)) c) over one [a, a r] SBUF tile per part, natural order
x[j] at partition j // (a r), column j % (a r). 65537 and 65521 pad to
2^17 = 128 x 128 x 8, where the symmetric six-step (66x31x66, 1,584 matmuls
billed the 64-column minimum) was Tensor-bound at 8x its roofline.

Each FFT is three stages; every matmul contracts 128 partitions (or a x a):

* a data-stationary stage takes the data block [K, 128 columns] as stationary
  and the complex DFT matrix as moving [Fr | Fi] then [-Fi | Fr]: two matmuls
  leave [Re | Im] side by side in one PSUM region, with the block's columns on
  the partitions (the transpose rides on the matmul);
* the radix-r stage contracts r digits stacked with L others on the partitions
  (block matrix F_r (x) I_L, L the largest divisor of a with r L <= 128), so it
  runs on 128 rows at 128 x 128 x 8 too.

With j = a r p + r c + s and k = k_p + a k_c + a^2 k_s (k_p = l + L h):
FFT1 contracts p (stationary columns {r c + s}, output [c; s, k_p], twiddle
T[c, k_p] = w_(a^2)^(c k_p)), then c (stationary columns {(s, l)} for each h,
output [(s, l); h, k_c], twiddle W2 = w_m^(s k_p) w_(a r)^(s k_c)), then s
(constant-stationary F_r (x) I_L, output [(k_s, l); h, k_c]). FFT2 reads that
layout and contracts, with l = l1 + r l2 + a r L_p, k_s (data-stationary over
[(k_s, l); k_c] blocks, twiddle w_(a r)^(k_c l1)), then k_c (columns {(h, l)} =
k_p for each l1, twiddle W4 = w_m^(k_p l1) w_(a^2)^(k_p l2)), then k_p
(constant-stationary F_a), written at natural positions (column l1 + r l2 of
row L_p) while multiplied by the chirp. Twiddles leave PSUM by the Scalar
engine's copy and a GpSimd product with a table; the m-point tables W2, W4 are
formed on chip once per launch (Scalar engine per-partition scales, GpSimd sums:
float32 products of two correctly rounded factors), as is the spectrum (an FFT
of the kernel sequence made from the chirp tile, ``bluestein_six``).

SBUF: twelve m-point tiles of max(a r, H a) columns at most (the chirp, W2, W4 and the spectrum for the
launch; two working pairs: each stage's input dies as soon as its output tile is made, the radix-r stage of
FFT1 runs in place, and the chirp product goes in blocks of a PSUM bank's width), so r reaches 30 at
120 x 120 x 30 (n = 216001; ``algorithms.wide_sbuf_bytes`` bounds the emulator's count).

HBM per launch: x and y once per transform, the chirp (n points), F_a and T
(a x a), F_r (x) I_L (128 x 128) and small tables: 1.90x the minimum at 65537 batch 1.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nisa, nl
from .bluestein_six import kernel_sequence_tile, load_rows, store_rows
from .cplx import PSUM_BANK, in_sbuf, multiply, multiply_off_vector, psum, sbuf, transform_columns


def _pair(shape: tuple) -> tuple:
    return sbuf(shape), sbuf(shape)


def moving_pair(re: Any, im: Any) -> tuple:
    """A complex HBM matrix F [K, N] as the two moving operands of a data-stationary complex matmul,
    [Fr | Fi] and [-Fi | Fr] ([K, 2N] each), read once; (Fr, Fi, -Fi) for a constant-stationary one are views
    of them (``constant_views``)."""
    k, n = re.shape
    pos, neg = _pair((k, 2 * n))
    nisa.dma_copy(dst=pos[:, 0:n], src=re)
    nisa.dma_copy(dst=pos[:, n:2 * n], src=im)
    nisa.dma_copy(dst=neg[:, n:2 * n], src=pos[:, 0:n])      # SBUF -> SBUF: no second HBM read
    nisa.tensor_scalar(dst=neg[:, 0:n], data=pos[:, n:2 * n], op0=nl.multiply, operand0=-1.0)
    return pos, neg


def constant_views(mov: tuple) -> tuple:
    n = mov[0].shape[1] // 2
    return mov[0][:, 0:n], mov[0][:, n:2 * n], mov[1][:, 0:n]


def repeated(table: tuple, times: int) -> tuple:
    """[P, times, N] copies of a [P, N] table (SBUF -> SBUF DMA), for a PSUM group of ``times`` slots."""
    parts, n = table[0].shape
    out = _pair((parts, times, n))
    for part in range(2):
        for i in range(times):
            nisa.dma_copy(dst=out[part][:, i, :], src=table[part])
    return out


def scaled_rows(dst: tuple, scalars: tuple, vec: tuple) -> None:
    """dst[p, i, :] = scalars[p, i] * vec[p, :] (complex): the four real products on the Scalar engine (activation
    scales by a [P, 1] tile: D/nki/api/generated/nki.isa.activation.html), the sum and difference on GpSimd."""
    parts, count = scalars[0].shape
    n = vec[0].shape[1]
    prod = tuple([sbuf((parts, count, n)) for _ in range(4)])
    for i in nl.affine_range(count):
        for k, (v, s) in enumerate(((0, 0), (1, 1), (0, 1), (1, 0))):
            nisa.activation(dst=prod[k][:, i, :], op=nl.copy, data=vec[v], scale=scalars[s][:, i:i + 1])
    nisa.tensor_tensor(dst=dst[0], data1=prod[0], data2=prod[1], op=nl.subtract, engine=in_sbuf())
    nisa.tensor_tensor(dst=dst[1], data1=prod[2], data2=prod[3], op=nl.add, engine=in_sbuf())


def expanded(e: Any, b: tuple, rows_from_e: bool) -> tuple:
    """Exact 0/1 expansions of the [r, N] table b by matmul with the selection matrix e [r, r L]
    (e[s, s' L + l] = 1 when s = s'): rows_from_e gives [(s, l), N] = b[s, :], else [N, (s, l)] = b[s, :]^T."""
    r, w = e.shape
    n = b[0].shape[1]
    out = _pair((w, n) if rows_from_e else (n, w))
    for part in range(2):
        acc = psum(out[part].shape)
        if rows_from_e:
            nisa.nc_matmul(dst=acc, stationary=e, moving=b[part], is_stationary_onezero=True, accumulate=False)
        else:
            nisa.nc_matmul(dst=acc, stationary=b[part], moving=e, is_moving_onezero=True, accumulate=False)
        nisa.activation(dst=out[part], op=nl.copy, data=acc)
    return out


def _transposing_stage(views: list, slots: int, rows: int, mov: tuple, out: tuple, table: tuple) -> None:
    """For each slot i: views[i] ((re, im) stationary [K, rows]) times the moving complex matrix, [Re | Im] in
    PSUM, then out[:, i, :] = that * table[:, i, :] (out and table [rows, slots, N]; a table of fewer slots repeats per
    PSUM group). A PSUM bank of slots at a time."""
    n = mov[0].shape[1] // 2
    per_bank = max(1, PSUM_BANK // (2 * n))
    for g in nl.affine_range((slots + per_bank - 1) // per_bank):
        first = g * per_bank
        count = min(per_bank, slots - first)
        acc = psum((rows, count, 2 * n))
        for i in nl.affine_range(count):
            st = views[first + i]
            nisa.nc_matmul(dst=acc[:, i, :], stationary=st[0], moving=mov[0], accumulate=False)
            nisa.nc_matmul(dst=acc[:, i, :], stationary=st[1], moving=mov[1], accumulate=True)
        t0 = first if table[0].shape[1] == slots else 0
        multiply_off_vector(out[0][:, first:first + count, :], out[1][:, first:first + count, :],
                            acc[:, :, 0:n], acc[:, :, n:2 * n], table[0][:, t0:t0 + count, :],
                            table[1][:, t0:t0 + count, :])


def fft_down(x: tuple, consts: dict, a: int, r: int, width: int, spec: tuple = ()) -> tuple:
    """FFT1 of the natural [a, a r] tile x: a new tile [(k_s, l); h, k_c] ([r L, H a]); with ``spec`` the result
    leaves PSUM as conj(FFT) * spec. Pass the caller's last reference to x: each stage's input dies as soon as the
    next tile is made (the last stage runs in place), so at most two m-point working tiles are live."""
    fa, g3 = consts["fa"], consts["g"]
    hh = a // width
    y1 = _pair((a, r * a))
    _transposing_stage([tuple([p.ap(pattern=[[a * r, a], [r, a]], offset=s) for p in x]) for s in range(r)], r, a,
                       fa, tuple([p.reshape((a, r, a)) for p in y1]), consts["t1"])
    del x
    z = _pair((r * width, hh * a))
    _transposing_stage([tuple([p.ap(pattern=[[r * a, a], [a, r], [1, width]], offset=width * h) for p in y1])
                        for h in range(hh)], hh, r * width, fa, tuple([p.reshape((r * width, hh, a)) for p in z]),
                       consts["w2"])
    del y1
    # in place: each PSUM group reads its columns of z before it writes them
    if spec:
        transform_columns(z[0], z[1], constant_views(g3), z[0], z[1], spec, conjugate=True,
                          product=multiply_off_vector)
    else:
        transform_columns(z[0], z[1], constant_views(g3), z[0], z[1])
    return z


def fft_up(p: tuple, consts: dict, a: int, r: int, width: int, chirp: tuple) -> tuple:
    """FFT2 of the [(k_s, l); h, k_c] tile p into a new natural [a, a r] tile, conj(FFT) * chirp. Pass the caller's
    last reference to p (as in ``fft_down``)."""
    fa, g3 = consts["fa"], consts["g"]
    hh = a // width
    z1 = _pair((a, hh * r * width))
    _transposing_stage([tuple([q[:, h * a:(h + 1) * a] for q in p]) for h in range(hh)], hh, a, g3,
                       tuple([q.reshape((a, hh, r * width)) for q in z1]), consts["t3"])
    del p
    z2 = _pair((a, r * a))
    _transposing_stage([tuple([q.ap(pattern=[[hh * r * width, a], [r * width, hh], [1, width]], offset=width * l1)
                               for q in z1]) for l1 in range(r)], r, a, fa, tuple([q.reshape((a, r, a)) for q in z2]),
                       consts["w4"])
    del z1
    out = _pair((a, a * r))
    per_bank = max(1, PSUM_BANK // a)
    fr = constant_views(fa)
    for c in nl.affine_range((r + per_bank - 1) // per_bank):
        l0 = c * per_bank
        count = min(per_bank, r - l0)
        acc = (psum((a, count * a)), psum((a, count * a)))
        nisa.nc_matmul(dst=acc[0], stationary=fr[0], moving=z2[0][:, l0 * a:(l0 + count) * a], accumulate=False)
        nisa.nc_matmul(dst=acc[0], stationary=fr[2], moving=z2[1][:, l0 * a:(l0 + count) * a], accumulate=True)
        nisa.nc_matmul(dst=acc[1], stationary=fr[1], moving=z2[0][:, l0 * a:(l0 + count) * a], accumulate=False)
        nisa.nc_matmul(dst=acc[1], stationary=fr[0], moving=z2[1][:, l0 * a:(l0 + count) * a], accumulate=True)
        pattern = [[a * r, a], [1, count], [r, a]]        # column l1 + r l2 of row L_p
        dst = tuple([q.ap(pattern=pattern, offset=l0) for q in out])
        tab = tuple([q.ap(pattern=pattern, offset=l0) for q in chirp])
        multiply_off_vector(dst[0], dst[1], acc[0].reshape((a, count, a)), acc[1].reshape((a, count, a)),
                            tab[0], tab[1], conjugate=True)
    return out


def wide_constants(hbm: tuple, a: int, r: int, width: int) -> dict:
    """The SBUF constants of ``bluestein_wide`` from its HBM tables (see ``bluestein_wide_kernel``)."""
    (fa_re, fa_im, t_re, t_im, g_re, g_im, al_re, al_im, b_re, b_im, e, w4_re, w4_im) = hbm
    fa = moving_pair(fa_re, fa_im)
    g = moving_pair(g_re, g_im)
    t = (nl.load(t_re), nl.load(t_im))
    sel = nl.load(e)
    beta = (nl.load(b_re), nl.load(b_im))
    hh = a // width
    w2 = _pair((r * width, hh, a))
    scaled_rows(w2, (nl.load(al_re), nl.load(al_im)), expanded(sel, beta, True))
    w4 = _pair((a, r, a))
    scaled_rows(w4, (nl.load(w4_re), nl.load(w4_im)), t)
    per_bank = max(1, PSUM_BANK // (2 * a))
    per_bank_g = max(1, PSUM_BANK // (2 * r * width))
    return {"fa": fa, "g": g, "t1": repeated(t, min(per_bank, r)), "w2": w2, "w4": w4,
            "t3": repeated(expanded(sel, beta, False), min(per_bank_g, hh))}


def bluestein_wide(xr: Any, xi: Any, yr: Any, yi: Any, chirp_hbm: tuple, norm_hbm: Any, consts: dict,
                   a: int, r: int, width: int) -> None:
    """y = DFT(x) for HBM [B, n] tensors through the length a*a*r convolution in SBUF, one transform at a time."""
    batch, n = xr.shape
    chirp = _pair((a, a * r))
    load_rows(chirp, [(chirp_hbm[0][0], chirp_hbm[1][0])], n, a)
    spec = spectrum(chirp, norm_hbm, consts, n, a, r, width)
    for t in nl.affine_range(batch):
        # no name holds a transform's tiles: they die before the next transform's are made
        store_rows([(yr[t], yi[t])], fft_up(fft_down(chirped((xr[t], xi[t]), chirp, n, a, r), consts, a, r, width, spec),
                                            consts, a, r, width, chirp), n, a)


def spectrum(chirp: tuple, norm_hbm: Any, consts: dict, n: int, a: int, r: int, width: int) -> tuple:
    """conj(S) s/m in FFT1's output layout: the FFT of the kernel sequence made from the chirp tile, scaled in
    place by the [r L, 2] tile (s/m, -s/m)."""
    norm = nl.load(norm_hbm)
    z = fft_down(kernel_sequence_tile(chirp, n, a * a * r), consts, a, r, width)
    for part in range(2):
        nisa.tensor_scalar(dst=z[part], data=z[part], op0=nl.multiply, operand0=norm[:, part:part + 1],
                           engine=in_sbuf())
    return z


def chirped(row: tuple, chirp: tuple, n: int, a: int, r: int) -> tuple:
    """One HBM transform (re, im) [n] as the natural [a, a r] tile x * chirp (zero past n), the product in blocks
    of 512 columns (temporaries of a bank's width, not of m points)."""
    x = _pair((a, a * r))
    load_rows(x, [row], n, a)
    xc = _pair((a, a * r))
    for c0 in range(0, a * r, PSUM_BANK):         # in column blocks: the product's temporaries stay small
        cols = slice(c0, min(c0 + PSUM_BANK, a * r))
        multiply(xc[0][:, cols], xc[1][:, cols], x[0][:, cols], x[1][:, cols], chirp[0][:, cols], chirp[1][:, cols],
                 engine=in_sbuf())
    return xc


@nki.jit
def bluestein_wide_kernel(xr, xi, c_re, c_im, norm, fa_re, fa_im, t_re, t_im, g_re, g_im, al_re, al_im, b_re, b_im,
                          e, w4_re, w4_im, a, r, width):
    batch, n = xr.shape
    yr = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n), nl.float32, buffer=nl.shared_hbm)
    consts = wide_constants((fa_re, fa_im, t_re, t_im, g_re, g_im, al_re, al_im, b_re, b_im, e, w4_re, w4_im),
                            a, r, width)
    bluestein_wide(xr, xi, yr, yi, (c_re, c_im), norm, consts, a, r, width)
    return yr, yi
