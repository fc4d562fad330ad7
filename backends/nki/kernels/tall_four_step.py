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

One transform per iteration; input read once, output written once.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nisa, nl
from .cplx import evacuate, load_constant, load_table, matmul_data_stationary, multiply, psum, sbuf


ROWS = nl.tile_size.pmax   # partitions per chunk of n2


def _chunks(n: int) -> list[tuple[int, int]]:
    return [(c0, min(ROWS, n - c0)) for c0 in range(0, n, ROWS)]


def tall_four_step(xr: Any, xi: Any, yr: Any, yi: Any, f1: tuple, tw: list, f2: list, n1: int, n2: int) -> None:
    """y = DFT(x) for HBM [B, n1*n2] tensors. ``tw`` and ``f2`` are per-chunk lists: twiddle rows
    T[n2, k1] (with the normalisation) as (re, im) and F2 row blocks [chunk, n2] as (re, im, -im)."""
    batch = xr.shape[0]
    x3 = (xr.reshape((batch, n1, n2)), xi.reshape((batch, n1, n2)))
    y3 = (yr.reshape((batch, n2, n1)), yi.reshape((batch, n2, n1)))
    chunks = _chunks(n2)
    for t in nl.affine_range(batch):
        x = (nl.load(x3[0][t]), nl.load(x3[1][t]))
        b = []
        for i, (c0, rows) in enumerate(chunks):
            a_re = psum((rows, n1))
            a_im = psum((rows, n1))
            matmul_data_stationary(a_re, a_im, x[0][:, c0:c0 + rows], x[1][:, c0:c0 + rows], f1)
            b_c = (sbuf((rows, n1)), sbuf((rows, n1)))
            multiply(b_c[0], b_c[1], a_re, a_im, tw[i][0], tw[i][1])
            b.append(b_c)
        for k0, cols in chunks:
            acc_re = psum((cols, n1))
            acc_im = psum((cols, n1))
            for i in range(len(chunks)):
                f_re, f_im, f_neg = (part[:, k0:k0 + cols] for part in f2[i])
                first = i == 0   # accumulate=False overwrites, True adds (D/nki/api/generated/nki.isa.nc_matmul.html)
                nisa.nc_matmul(dst=acc_re, stationary=f_re, moving=b[i][0], accumulate=not first)
                nisa.nc_matmul(dst=acc_re, stationary=f_neg, moving=b[i][1], accumulate=True)
                nisa.nc_matmul(dst=acc_im, stationary=f_im, moving=b[i][0], accumulate=not first)
                nisa.nc_matmul(dst=acc_im, stationary=f_re, moving=b[i][1], accumulate=True)
            o = (sbuf((cols, n1)), sbuf((cols, n1)))
            evacuate(o[0], o[1], acc_re, acc_im)
            nl.store(y3[0][t, k0:k0 + cols, :], o[0])
            nl.store(y3[1][t, k0:k0 + cols, :], o[1])


def load_tall(f1_re: Any, f1_im: Any, tw_re: Any, tw_im: Any, f2_re: Any, f2_im: Any) -> tuple:
    """The constants in SBUF: F1 whole, the twiddles and F2 in row chunks of at most 128."""
    n2 = tw_re.shape[0]
    tw = [load_table(tw_re[c0:c0 + rows, :], tw_im[c0:c0 + rows, :]) for c0, rows in _chunks(n2)]
    f2 = [load_constant(f2_re[c0:c0 + rows, :], f2_im[c0:c0 + rows, :]) for c0, rows in _chunks(n2)]
    return load_constant(f1_re, f1_im), tw, f2


@nki.jit
def tall_four_step_kernel(xr, xi, f1_re, f1_im, tw_re, tw_im, f2_re, f2_im, n1, n2):
    batch = xr.shape[0]
    yr = nl.ndarray((batch, n1 * n2), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, n1 * n2), nl.float32, buffer=nl.shared_hbm)
    tall_four_step(xr, xi, yr, yi, *load_tall(f1_re, f1_im, tw_re, tw_im, f2_re, f2_im), n1, n2)
    return yr, yi
