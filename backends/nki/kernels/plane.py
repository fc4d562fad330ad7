"""2-D transforms of images with both sides <= 256, each image in SBUF from its load to its store.

For an image X[j1, j2] the 2-D DFT is Y = F1^T X F2, and two data-stationary
matmul stages compute it with no other data movement (``two_d.py`` does the
same for sides <= 128 with several images per tile):

1. A[j2, k1] = sum_j1 X[j1, j2] F1[j1, k1]: X is stationary in [128, 128]
   blocks (rows j1 contract, columns j2 become A's partitions), the blocks of
   j1 accumulate in PSUM;
2. Y[k1, k2] = sum_j2 A[j2, k1] F2[j2, k2]: A is stationary, so Y comes out
   with k1 on partitions: rows of the result, stored contiguously.

A side above 128 is a dense DFT in 128-row blocks (the cost of a 256-point
side is that of two 128-point matmul passes, which is what the four-step
pays too, without its twiddle pass or any transpose). The kinds:

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

from ..engine import nisa, nl
from .cplx import psum, sbuf

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
        for i in negate:
            neg = sbuf(tiles[i].shape)
            nisa.tensor_scalar(dst=neg, data=tiles[i], op0=nl.multiply, operand0=-1.0)
            tiles.append(neg)
        out.append(tuple(tiles))
    return out


def _stage(dst: tuple, data: list, consts: list, cols: tuple, products: tuple) -> None:
    """dst[o] = sum over row blocks b of sum over (i, c) in products[o] of data[b][i][:, cols]^T consts[b][c],
    data stationary, accumulating in PSUM; a data part that is None (not needed) is skipped."""
    c0, width = cols
    for o, terms in enumerate(products):
        first = True
        for block, const in zip(data, consts):
            for i, c in terms:
                if block[i] is None:
                    continue
                nisa.nc_matmul(dst=dst[o], stationary=block[i][:, c0:c0 + width], moving=const[c],
                               accumulate=not first)
                first = False


# (data part, constant part) products per output part: constants are (re, im, -im), data (re, im)
COMPLEX = (((0, 0), (1, 2)), ((0, 1), (1, 0)))
REAL_IN = (((0, 0),), ((0, 1),))
REAL_OUT = (((0, 0), (1, 1)),)     # G as (re, -im): Re(A G) = Ar Gr + Ai (-Gi)


def plane(kind: str, x: tuple, y: tuple, f1: list, f2: list, n1: int, scale: float) -> None:
    """y = the 2-D transform of every image of x ([images * n1, w_in] HBM parts) into y
    ([images * n1, w_out]); ``f1``/``f2`` are row blocks of the stage matrices (``load_rows``)."""
    rows_total, w_in = x[0].shape
    w_out = y[0].shape[1]
    first = REAL_IN if kind == "r2c" else COMPLEX
    second = REAL_OUT if kind == "c2r" else COMPLEX
    for img in nl.affine_range(rows_total // n1):
        r0 = img * n1
        data = [tuple(nl.load(part[r0 + b0:r0 + b0 + rows, :]) for part in x) for b0, rows in blocks(n1)]
        stage1: list = []
        for c0, width in blocks(w_in):   # A[j2 block, k1]
            # c2r: a block of the Nyquist bin alone needs the real part only (stage 2 ignores the rest)
            nyquist_alone = kind == "c2r" and w_out % 2 == 0 and (c0, width) == (w_out // 2, 1)
            products = first[:1] if nyquist_alone else first
            acc = tuple(psum((width, n1)) for _ in products)
            _stage(acc, data, f1, (c0, width), products)
            a = [sbuf((width, n1)) for _ in products]
            for part, tile in zip(a, acc):
                nisa.activation(dst=part, op=nl.copy, data=tile)
            stage1.append((a[0], a[1] if len(a) > 1 else None))
        for k0, rows in blocks(n1):      # Y[k1 block, k2], rows of the result
            out = tuple(psum((rows, w_out)) for _ in y)
            _stage(out, stage1, f2, (k0, rows), second)
            for part, tile in zip(y, out):
                result = sbuf((rows, w_out))
                nisa.activation(dst=result, op=nl.copy, data=tile, scale=scale)
                nl.store(part[r0 + k0:r0 + k0 + rows, :], result)
