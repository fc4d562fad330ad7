"""The four-step with a long second factor: n = n1 * n2, n1 <= 128, 128 < n2 <= 512.

Lengths such as 16385 = 113 x 145 have no split into two factors <= 128 and
only poor three-factor ones (5 x 113 x 29: 116 five-row matmuls). The
four-step's algebra (``four_step.py``) does not need n2 <= 128, only its tiles
do: n2 becomes chunks of at most 128 rows.

1. per chunk c of n2: A_c[n2, k1] = sum_n1 X[n1, n2] F1[n1, k1] (X[:, chunk] stationary,
   so the chunk lands on partitions), times the twiddle chunk T_c[n2, k1];
2. per output chunk of k2: Y[k2, k1] = sum over input chunks of F2[chunk, k2]^T B_c, the
   contraction over n2 split into <= 128-row matmuls accumulating in PSUM;
3. row k2 of Y is y[n1*k2 : n1*(k2 + 1)]: contiguous stores.

Short n1: g = 128 // n1 transforms share a tile (block-diagonal I_g (x) F1, as in
``four_step.py``). Input read once, output written once.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nisa, nl
from .cplx import evacuate, load_constant, load_table, matmul_data_stationary, multiply, psum, sbuf


ROWS = nl.tile_size.pmax   # partitions per chunk of n2


def row_chunks(n: int) -> list[tuple[int, int]]:
    """(first row, rows) of n rows in partition chunks of at most 128."""
    return [(c0, min(ROWS, n - c0)) for c0 in range(0, n, ROWS)]


def tall_four_step(xr: Any, xi: Any, yr: Any, yi: Any, f1: tuple, tw: list, f2: list, n1: int, n2: int,
                   group: int) -> None:
    """y = DFT(x) for HBM [B, n1*n2] tensors, ``group`` transforms per tile (n1 * group <= 128).

    ``f1`` is I_group (x) F1; ``tw`` and ``f2`` are per-chunk lists: twiddle rows T[n2, (t, k1)] (with the
    normalisation, repeated per transform) as (re, im) and F2 row blocks [chunk, n2] as (re, im, -im)."""
    batch = xr.shape[0]
    n = n1 * n2
    rows_re = xr.reshape((batch * n1, n2))
    rows_im = xi.reshape((batch * n1, n2))
    chunks = row_chunks(n2)
    for s in nl.affine_range((batch + group - 1) // group):
        t0 = s * group
        width = min(group, batch - t0) * n1        # (t, k1) columns of this tile
        x = (nl.load(rows_re[t0 * n1:t0 * n1 + width, :]), nl.load(rows_im[t0 * n1:t0 * n1 + width, :]))
        f1_tile = tuple(part[0:width, 0:width] for part in f1)
        b = []
        for i, (c0, rows) in enumerate(chunks):
            a_re = psum((rows, width))
            a_im = psum((rows, width))
            matmul_data_stationary(a_re, a_im, x[0][:, c0:c0 + rows], x[1][:, c0:c0 + rows], f1_tile)
            b_c = (sbuf((rows, width)), sbuf((rows, width)))
            multiply(b_c[0], b_c[1], a_re, a_im, tw[i][0][:, 0:width], tw[i][1][:, 0:width])
            b.append(b_c)
        for k0, cols in chunks:
            acc_re = psum((cols, width))
            acc_im = psum((cols, width))
            for i in range(len(chunks)):
                f_re, f_im, f_neg = (part[:, k0:k0 + cols] for part in f2[i])
                first = i == 0   # accumulate=False overwrites, True adds (D/nki/api/generated/nki.isa.nc_matmul.html)
                nisa.nc_matmul(dst=acc_re, stationary=f_re, moving=b[i][0], accumulate=not first)
                nisa.nc_matmul(dst=acc_re, stationary=f_neg, moving=b[i][1], accumulate=True)
                nisa.nc_matmul(dst=acc_im, stationary=f_im, moving=b[i][0], accumulate=not first)
                nisa.nc_matmul(dst=acc_im, stationary=f_re, moving=b[i][1], accumulate=True)
            o = (sbuf((cols, width)), sbuf((cols, width)))
            evacuate(o[0], o[1], acc_re, acc_im)
            pattern = [[n1, cols], [n, width // n1], [1, n1]]   # [k2, t, k1] -> y[t, k1 + n1*k2]
            nl.store(yr.ap(pattern=pattern, offset=t0 * n + k0 * n1), o[0])
            nl.store(yi.ap(pattern=pattern, offset=t0 * n + k0 * n1), o[1])


def load_tall(f1_re: Any, f1_im: Any, tw_re: Any, tw_im: Any, f2_re: Any, f2_im: Any) -> tuple:
    """The constants in SBUF: F1 whole, the twiddles and F2 in row chunks of at most 128."""
    n2 = tw_re.shape[0]
    tw = [load_table(tw_re[c0:c0 + rows, :], tw_im[c0:c0 + rows, :]) for c0, rows in row_chunks(n2)]
    f2 = [load_constant(f2_re[c0:c0 + rows, :], f2_im[c0:c0 + rows, :]) for c0, rows in row_chunks(n2)]
    return load_constant(f1_re, f1_im), tw, f2


@nki.jit
def tall_four_step_kernel(xr, xi, f1_re, f1_im, tw_re, tw_im, f2_re, f2_im, n1, n2, group):
    batch = xr.shape[0]
    yr = nl.ndarray((batch, n1 * n2), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n1 * n2), nl.float32, buffer=nl.shared_hbm)
    tall_four_step(xr, xi, yr, yi, *load_tall(f1_re, f1_im, tw_re, tw_im, f2_re, f2_im), n1, n2, group)
    return yr, yi
