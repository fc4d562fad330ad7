"""2-D transforms with both sides <= 256, each image in SBUF from its load to its store.

For an image X[j1, j2] the 2-D DFT is Y = F1^T X F2, and two data-stationary
matmul stages compute it with no other data movement:

1. A[j2, k1] = sum_j1 X[j1, j2] F1[j1, k1]: X is stationary in [128, 128]
   blocks (rows j1 contract, columns j2 become A's partitions), the blocks of
   j1 accumulate in PSUM;
2. Y[k1, k2] = sum_j2 A[j2, k1] F2[j2, k2]: A is stationary, so Y comes out
   with k1 on partitions: rows of the result, stored contiguously.

A side above 128 is a dense DFT in 128-row blocks (the cost of a 256-point
side is that of two 128-point matmul passes, which is what the four-step
pays too, without its twiddle pass or any transpose). Small images are
packed: g = 128 // n1 on the partitions (I_g (x) F1) times u = 128 // w_in
side by side (I_u (x) F2), so both matmuls see up to 128 rows and columns
(for 64x64 images each matmul serves four; the Tensor engine costs per moving
column). The kinds:

* c2c: four real matmuls per block pair in each stage;
* r2c: X real, so stage 1 is two real matmuls, and stage 2 makes only the
  k2 <= n2 // 2 columns (F2 is the left half of the DFT matrix);
* c2r: stage 1 is the inverse column DFT of the half spectrum; stage 2 the
  real part only, two real matmuls with G[k2, j2] = c_k2 w^(-j2 k2) (c_k2 = 2
  but for the DC and Nyquist bins, whose imaginary parts G's zero sines
  ignore, as torch and NumPy do). When the Nyquist bin is a block of its own
  (n2 = 256: 128 + 1 columns), only its real part is made: two real matmuls
  in stage 1 and one in stage 2 instead of four and two.

The normalisation rides on the last PSUM evacuation (``activation``'s scale).
The input is read once and the output written once: the whole transform is
one pass over HBM besides the DFT matrices.
"""
from __future__ import annotations

from typing import Any

from ..engine import nisa, nki, nl
from .cplx import negated, psum, sbuf

BLOCK = 128


def blocks(size: int) -> list[tuple[int, int]]:
    """(start, length) of the <= 128-long blocks of ``size``."""
    return [(b0, min(BLOCK, size - b0)) for b0 in range(0, size, BLOCK)]


def load_rows(parts: tuple, negate: tuple = ()) -> list:
    """An HBM constant [R, C] (R up to 256) as SBUF row blocks, each a tuple of its parts, plus -part
    for the parts listed in ``negate`` (made once per launch)."""
    out = []
    for r0, rows in blocks(parts[0].shape[0]):
        tiles = [nl.load(part[r0:r0 + rows, :]) for part in parts]
        out.append(tuple(tiles) + tuple([negated(tiles[i]) for i in negate]))
    return out


def _stage(dst: tuple, data: list, consts: list, cols: tuple, products: tuple) -> None:
    """dst[o] = sum over row blocks b of sum over (i, c) in products[o] of data[b][i][:, cols]^T consts[b][c],
    data stationary, accumulating in PSUM (the constants' leading rows and columns: a ragged tile uses the
    leading block of a block-diagonal matrix); terms of a part a block does not have are skipped."""
    c0, width = cols
    for o, terms in enumerate(products):
        first = True
        for block, const in zip(data, consts):
            for i, c in terms:
                if i >= len(block):
                    continue
                moving = const[c][0:block[i].shape[0], 0:dst[o].shape[1]]
                nisa.nc_matmul(dst=dst[o], stationary=block[i][:, c0:c0 + width], moving=moving,
                               accumulate=not first)
                first = False


# (data part, constant part) products per output part: constants are (re, im, -im), data (re, im)
COMPLEX = (((0, 0), (1, 2)), ((0, 1), (1, 0)))
REAL_IN = (((0, 0),), ((0, 1),))
REAL_OUT = (((0, 0), (1, 1)),)     # G as (re, -im): Re(A G) = Ar Gr + Ai (-Gi)


def _spans(base: int, stacks: int, group: int, count: int, n1: int, lo: int, size: int) -> list:
    """(stack v, its first HBM row, how many of its rows fall in the tile rows [lo, lo + size)) for every
    stack of the tile with rows there (the last stack may hold fewer than ``group`` images)."""
    out = []
    for v in range(stacks):
        used = min(group, count - v * group) * n1
        if used > lo:
            out.append((v, (base + v * group) * n1, min(lo + size, used) - lo))
    return out


def _runs(spans: list, size: int) -> list:
    """``_spans`` grouped into runs (first stack, first HBM row, stacks, rows): the stacks with all ``size``
    rows are one run (one DMA per part: consecutive stacks are ``group`` images apart in HBM), a short last
    stack its own."""
    full = [s for s in spans if s[2] == size]
    runs = [(full[0][0], full[0][1], len(full), size)] if full else []
    return runs + [(v, r0, 1, n) for v, r0, n in spans if n != size]


def _stacks(part: Any, r0: int, rows: int, stacks: int, step: int) -> Any:
    """Rows r0.. of ``stacks`` stacks of the HBM [R, w] ``part``, ``step`` rows apart, as one access pattern
    [rows, (stack, w)] (D/nki/deep-dives/nki-aps.html)."""
    w = part.shape[1]
    if stacks == 1:
        return part[r0:r0 + rows, :]
    return part.ap(pattern=[[w, rows], [step * w, stacks], [1, w]], offset=r0 * w)


def _load_tile(x: tuple, base: int, stacks: int, group: int, count: int, n1: int) -> list:
    """The tile's images as row blocks of [rows, stacks * w_in] (re, im) SBUF tiles: stack v (images
    base + v*group ..) in columns v*w_in.., its images' rows on the partitions, the full stacks by one DMA
    per part; zeros where a ragged last stack has no image."""
    w_in = x[0].shape[1]
    out = []
    for b0, rows in blocks(min(group, count) * n1):
        tiles = tuple([sbuf((rows, stacks * w_in)) for _ in x])
        if stacks > 1 and count % group:
            for tile in tiles:
                nisa.memset(dst=tile[:, (stacks - 1) * w_in:stacks * w_in], value=0.0)
        for v, r0, k, n in _runs(_spans(base, stacks, group, count, n1, b0, rows), rows):
            for tile, part in zip(tiles, x):
                nisa.dma_copy(dst=tile[0:n, v * w_in:(v + k) * w_in],
                              src=_stacks(part, r0 + b0, n, k, group * n1))
        out.append(tiles)
    return out


def plane(kind: str, x: tuple, y: tuple, f1: list, f2: list, n1: int, group: int, across: int,
          scale: float) -> None:
    """y = the 2-D transform of every image of x ([images * n1, w_in] HBM parts) into y
    ([images * n1, w_out]); ``f1``/``f2``: row blocks (``load_rows``) of I_group (x) F1 and I_across (x) F2.

    A tile holds group * across images: ``group`` stacked on the partitions (n1 <= 64), ``across`` such
    stacks side by side in the free dim (w_in <= 64), so small images still fill the Tensor engine."""
    rows_total, w_in = x[0].shape
    w_out = y[0].shape[1]
    images = rows_total // n1
    first = REAL_IN if kind == "r2c" else COMPLEX
    second = REAL_OUT if kind == "c2r" else COMPLEX
    per_tile = group * across
    for s in nl.affine_range((images + per_tile - 1) // per_tile):
        base = s * per_tile
        count = min(per_tile, images - base)
        stacks = (count + group - 1) // group
        height = min(group, count) * n1
        data = _load_tile(x, base, stacks, group, count, n1)
        stage1: list = []
        for c0, width in blocks(stacks * w_in):   # A[(stack, j2) block, (image, k1)]
            # c2r: a block of the Nyquist bin alone needs the real part only (stage 2 ignores the rest)
            nyquist_alone = kind == "c2r" and w_out % 2 == 0 and (c0, width) == (w_out // 2, 1)
            products = first[:1] if nyquist_alone else first
            acc = tuple([psum((width, height)) for _ in products])
            _stage(acc, data, f1, (c0, width), products)
            a = [sbuf((width, height)) for _ in products]
            for part, tile in zip(a, acc):
                nisa.activation(dst=part, op=nl.copy, data=tile)
            stage1.append(tuple(a))
        for k0, rows in blocks(height):          # Y[(image, k1) block, (stack, k2)]: rows of the result
            out = tuple([psum((rows, stacks * w_out)) for _ in y])
            _stage(out, stage1, f2, (k0, rows), second)
            results = []
            for tile in out:
                result = sbuf((rows, stacks * w_out))
                nisa.activation(dst=result, op=nl.copy, data=tile, scale=scale)
                results.append(result)
            for v, r0, k, n in _runs(_spans(base, stacks, group, count, n1, k0, rows), rows):
                for part, result in zip(y, results):
                    nisa.dma_copy(dst=_stacks(part, r0 + k0, n, k, group * n1),
                                  src=result[0:n, v * w_out:(v + k) * w_out])


@nki.jit
def fft2_small_kernel(xr, xi, f1_re, f1_im, f2_re, f2_im, n1, group, across):
    """2-D c2c of images with both sides <= 128 (the plugin's own kernel for them): the plane, packed;
    the normalisation is in F2."""
    rows, n2 = xr.shape
    yr = nl.ndarray((rows, n2), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((rows, n2), nl.float32, buffer=nl.shared_hbm)
    plane("c2c", (xr, xi), (yr, yi), load_rows((f1_re, f1_im), (1,)), load_rows((f2_re, f2_im), (1,)), n1, group,
          across, 1.0)
    return yr, yi
