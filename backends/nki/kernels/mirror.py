"""Pairing bin k with its mirror image: the pre/post-processing of real transforms through complex ones.

A real transform done as a complex one needs, for every output bin k, the
input bin k and the conjugate of a mirrored bin c - k (Z[k] and conj(Z[h-k])
for an even-length rfft through an h = n/2-point FFT; X1/X2 of two real rows
packed as one complex row; the Hermitian half spectrum of an irfft). Each
output is a sum of terms

    out_o[r, k] += A[k] * Re(src_s[r, idx]) + B[k] * Im(src_s[r, idx]),   idx = base + sign * k

with complex per-bin tables A, B (so a term can be a*z, b*conj(z), or ignore an
imaginary part, as torch does for the DC and Nyquist bins of a c2r input).

Tiles put 128 bins on partitions and up to 128 rows on the free dim
(``load_transpose2d``), so A and B are per-partition scalars for
``tensor_scalar``; a mirrored block is reversed along the partitions by one
matmul with the anti-identity J, and the result goes back to rows by a
Tensor-engine transpose before a contiguous store. With few rows (a single
long rfft) that would leave one column per tile, so each row's bins fill
[128, W] tiles instead (bin k0 + p + 128 c), the tables are elementwise
tiles, and a mirrored chunk is reversed in both dims by two matmuls.
"""
from __future__ import annotations

from typing import Any

from ..engine import nisa, nl
from .cplx import psum, sbuf

BLOCK = 128
FEW_ROWS = 32   # below this many rows, each row's bins fill the partitions and the free dim


def _load_source(src: tuple, r0: int, rows: int, lo: int, width: int, sign: int, jay: Any) -> tuple:
    """Bins lo..lo+width-1 (sign=+1) or reversed (sign=-1) of rows r0.. as [width, rows] (re, im) tiles."""
    parts = []
    for part in src:
        tile = nl.load_transpose2d(part[r0:r0 + rows, lo:lo + width])
        if sign < 0:
            flipped = psum((width, rows))
            nisa.nc_matmul(dst=flipped, stationary=jay[0:width, BLOCK - width:BLOCK], moving=tile,
                           is_stationary_onezero=True, accumulate=False)
            tile = flipped
        parts.append(tile)
    return tuple(parts)


def _accumulate(out: Any, first: bool, a: Any, b: Any, s_re: Any, s_im: Any) -> None:
    """out (+)= a * s_re + b * s_im with a, b [K, 1] per-partition scalars: two fused Vector instructions."""
    t = sbuf(out.shape)
    if first:
        nisa.tensor_scalar(dst=t, data=s_im, op0=nl.multiply, operand0=b)
    else:
        nisa.scalar_tensor_tensor(dst=t, data=s_im, op0=nl.multiply, operand0=b, op1=nl.add, operand1=out)
    nisa.scalar_tensor_tensor(dst=out, data=s_re, op0=nl.multiply, operand0=a, op1=nl.add, operand1=t)


def anti_identity() -> Any:
    """J [128, 128] (J[q, p] = 1 where q + p = 127) made on chip: an iota of q + p, compared with 127."""
    index = sbuf((BLOCK, BLOCK))
    nisa.iota(dst=index, pattern=[[1, BLOCK]], offset=0, channel_multiplier=1)
    jay = sbuf((BLOCK, BLOCK))
    nisa.tensor_scalar(dst=jay, data=index, op0=nl.equal, operand0=float(BLOCK - 1))
    return jay


def combine(srcs: tuple, outs: tuple, ranges: tuple, tables: tuple, jay: Any) -> None:
    """outs[o][r, k] = sum of the terms of k's range, for every row r (see the module docstring).

    ``srcs``/``outs``: (re, im) HBM views [R, *]; ``ranges``: (k_lo, k_hi, terms) with terms
    (o, s, sign, base, t); ``tables[t]``: HBM [4, bins] = (Re A, Im A, Re B, Im B) by output bin.
    Few rows: each row's bins in [128, W] tiles (``_columns``); many: bins x rows tiles."""
    rows_total = outs[0][0].shape[0]
    for k_lo, k_hi, terms in ranges:
        bulk = 0
        if rows_total < FEW_ROWS:
            bulk = (k_hi - k_lo) // BLOCK * BLOCK
            for r in nl.affine_range(rows_total):
                for cb in nl.affine_range((bulk + BLOCK * BLOCK - 1) // (BLOCK * BLOCK)):
                    k0 = k_lo + cb * BLOCK * BLOCK
                    _columns(srcs, outs, r, k0, min(BLOCK, (k_lo + bulk - k0) // BLOCK), terms, tables, jay)
        if k_lo + bulk < k_hi:
            _bins_by_rows(srcs, outs, k_lo + bulk, k_hi, terms, tables, jay)


def _bins_by_rows(srcs: tuple, outs: tuple, k_lo: int, k_hi: int, terms: tuple, tables: tuple, jay: Any) -> None:
    """Tiles of 128 bins (partitions) x up to 128 rows; the tables are per-partition scalars."""
    rows_total = outs[0][0].shape[0]
    for kb in nl.affine_range((k_hi - k_lo + BLOCK - 1) // BLOCK):
        k0 = k_lo + kb * BLOCK
        width = min(BLOCK, k_hi - k0)
        tabs = [nl.load_transpose2d(table[:, k0:k0 + width]) for table in tables]
        for rb in nl.affine_range((rows_total + BLOCK - 1) // BLOCK):
            r0 = rb * BLOCK
            rows = min(BLOCK, rows_total - r0)
            acc = [()] * len(outs)   # per output (NKI dicts take string keys): its accumulators once made
            made = []                # the outputs in the order their accumulators were made
            for o, s, sign, base, t in terms:
                lo = base + k0 if sign > 0 else base - (k0 + width - 1)
                s_re, s_im = _load_source(srcs[s], r0, rows, lo, width, sign, jay)
                first = len(acc[o]) == 0
                if first:
                    acc[o] = (sbuf((width, rows)), sbuf((width, rows)))
                    made.append(o)
                tab = tabs[t]
                _accumulate(acc[o][0], first, tab[:, 0:1], tab[:, 2:3], s_re, s_im)
                _accumulate(acc[o][1], first, tab[:, 1:2], tab[:, 3:4], s_re, s_im)
            for o in made:
                for part, tile in ((0, acc[o][0]), (1, acc[o][1])):
                    _store_transposed(outs[o][part][r0:r0 + rows, k0:k0 + width], tile)


def _store_transposed(dst: Any, tile: Any) -> None:
    """dst [a, b] in HBM = tile [b, a] in SBUF, transposed on the Tensor engine."""
    back = psum((tile.shape[1], tile.shape[0]))
    nisa.nc_transpose(dst=back, data=tile)
    out = sbuf(back.shape)
    nisa.activation(dst=out, op=nl.copy, data=back)
    nl.store(dst, out)


def _chunk(row: Any, lo: int, cols: int) -> Any:
    """Points lo .. lo + 128*cols of a 1-D HBM row as [cols, 128]: transposed loads give [128, cols]."""
    return row[lo:lo + BLOCK * cols].reshape((cols, BLOCK))


def _reversed_columns(data: Any, cols: int, jay: Any) -> Any:
    """[p, c] -> [127 - p, cols - 1 - c] of a [128, cols] SBUF tile: two matmuls with anti-identities."""
    flipped = psum((cols, BLOCK))
    nisa.nc_matmul(dst=flipped, stationary=data, moving=jay, is_moving_onezero=True, accumulate=False)
    middle = sbuf((cols, BLOCK))
    nisa.activation(dst=middle, op=nl.copy, data=flipped)
    out = psum((BLOCK, cols))
    nisa.nc_matmul(dst=out, stationary=middle, moving=jay[0:cols, BLOCK - cols:BLOCK], is_moving_onezero=True,
                   accumulate=False)
    return out


def _columns(srcs: tuple, outs: tuple, r: int, k0: int, cols: int, terms: tuple, tables: tuple, jay: Any) -> None:
    """Bins k0 + p + 128 c (p < 128, c < cols) of row r: [128, cols] tiles, tables elementwise."""
    tabs = [[nl.load_transpose2d(_chunk(table[j], k0, cols)) for j in range(4)] for table in tables]
    acc = [()] * len(outs)   # as in _bins_by_rows
    made = []
    for o, s, sign, base, t in terms:
        lo = base + k0 if sign > 0 else base - (k0 + BLOCK * cols - 1)
        src = []
        for part in srcs[s]:
            tile = nl.load_transpose2d(_chunk(part[r], lo, cols))
            src.append(tile if sign > 0 else _reversed_columns(tile, cols, jay))
        first = len(acc[o]) == 0
        if first:
            acc[o] = (sbuf((BLOCK, cols)), sbuf((BLOCK, cols)))
            made.append(o)
        tab = tabs[t]
        for out, a, b in ((acc[o][0], tab[0], tab[2]), (acc[o][1], tab[1], tab[3])):
            p = sbuf((BLOCK, cols))
            nisa.tensor_tensor(dst=p, data1=src[1], data2=b, op=nl.multiply)
            q = sbuf((BLOCK, cols))
            nisa.tensor_tensor(dst=q, data1=src[0], data2=a, op=nl.multiply)
            if first:
                nisa.tensor_tensor(dst=out, data1=p, data2=q, op=nl.add)
            else:
                nisa.tensor_tensor(dst=p, data1=p, data2=q, op=nl.add)
                nisa.tensor_tensor(dst=out, data1=out, data2=p, op=nl.add)
    for o in made:
        for part, tile in ((0, acc[o][0]), (1, acc[o][1])):
            _store_transposed(_chunk(outs[o][part][r], k0, cols), tile)
