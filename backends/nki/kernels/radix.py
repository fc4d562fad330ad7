"""A radix-2/4 step on the Vector engine in front of a four-step: n = P * M, P in {2, 4}, M = n1 * n2.

Decimation in frequency: with x split into P contiguous blocks x_p[m] = x[p*M + m],

    y[P*k + q] = sum_m w_M^(m k) * w_n^(m q) * u_q[m],    u_q = sum_p w_P^(p q) x_p,

so one radix-P butterfly across the blocks (only adds and swaps: w_P^(pq)
is +-1 or +-i), a twiddle w_n^(m q), and P four-step transforms of length
M (matmul, twiddle, matmul) give the whole transform. The P four-steps
share their last matmul: block q's step-1 result goes to columns (k1, q) of
one tile, so step 3 writes rows k2 of [k1, q], which are the contiguous
output y[P*(k1 + n1*k2) + q]. This keeps 2^15..2^16 on full 128x128 tiles
where three matmul stages would use 8- or 16-point ones.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nisa, nl
from .cplx import in_sbuf, load_constant, load_table, matmul_data_stationary, multiply, psum, sbuf, transform_columns


def _combine(dst: Any, a: Any, b: Any, op: Any) -> None:
    nisa.tensor_tensor(dst=dst, data1=a, data2=b, op=op)


def _butterfly(u: list, x: list, radix: int, forward: bool) -> None:
    """u_q = sum_p w_P^(pq) x_p for P = 2 or 4, on (re, im) tile pairs; adds and subtracts only."""
    if radix == 2:
        for part in range(2):
            _combine(u[0][part], x[0][part], x[1][part], nl.add)
            _combine(u[1][part], x[0][part], x[1][part], nl.subtract)
        return
    shape = x[0][0].shape
    a = (sbuf(shape), sbuf(shape))
    b = (sbuf(shape), sbuf(shape))
    c = (sbuf(shape), sbuf(shape))
    d = (sbuf(shape), sbuf(shape))
    for part in range(2):
        _combine(a[part], x[0][part], x[2][part], nl.add)
        _combine(b[part], x[0][part], x[2][part], nl.subtract)
        _combine(c[part], x[1][part], x[3][part], nl.add)
        _combine(d[part], x[1][part], x[3][part], nl.subtract)
        _combine(u[0][part], a[part], c[part], nl.add)
        _combine(u[2][part], a[part], c[part], nl.subtract)
    # u1 = b + w d, u3 = b - w d with w = -i (forward) or +i (inverse): (re, im) of w d = (+-d_im, -+d_re)
    plus, minus = (nl.add, nl.subtract) if forward else (nl.subtract, nl.add)
    _combine(u[1][0], b[0], d[1], plus)
    _combine(u[1][1], b[1], d[0], minus)
    _combine(u[3][0], b[0], d[1], minus)
    _combine(u[3][1], b[1], d[0], plus)


def radix_four_step(xr: Any, xi: Any, yr: Any, yi: Any, w: tuple, f1: tuple, tw: tuple, f2: tuple,
                    n1: int, n2: int, radix: int, forward: bool) -> None:
    """y = DFT(x) for HBM [B, radix*n1*n2] tensors; ``w`` is the HBM table [radix - 1, n1, n2]."""
    batch = xr.shape[0]
    x4 = (xr.reshape((batch, radix, n1, n2)), xi.reshape((batch, radix, n1, n2)))
    y3 = (yr.reshape((batch, n2, radix * n1)), yi.reshape((batch, n2, radix * n1)))
    for t in nl.affine_range(batch):
        x = []
        u = []
        for p in range(radix):
            x.append((nl.load(x4[0][t, p]), nl.load(x4[1][t, p])))
            u.append((sbuf((n1, n2)), sbuf((n1, n2))))
        _butterfly(u, x, radix, forward)
        b_re = sbuf((n2, n1, radix))
        b_im = sbuf((n2, n1, radix))
        for q in nl.affine_range(radix):
            src = u[q]
            if q > 0:
                w_re = nl.load(w[0][q - 1])
                w_im = nl.load(w[1][q - 1])
                src = (sbuf((n1, n2)), sbuf((n1, n2)))
                multiply(src[0], src[1], u[q][0], u[q][1], w_re, w_im, engine=in_sbuf())
            a_re = psum((n2, n1))
            a_im = psum((n2, n1))
            matmul_data_stationary(a_re, a_im, src[0], src[1], f1)
            multiply(b_re[:, :, q], b_im[:, :, q], a_re, a_im, tw[0], tw[1])
        o_re = sbuf((n2, n1 * radix))
        o_im = sbuf((n2, n1 * radix))
        transform_columns(o_re, o_im, f2, b_re.reshape((n2, n1 * radix)), b_im.reshape((n2, n1 * radix)))
        nl.store(y3[0][t], o_re)
        nl.store(y3[1][t], o_im)


@nki.jit
def radix_four_step_kernel(xr, xi, w_re, w_im, f1_re, f1_im, tw_re, tw_im, f2_re, f2_im, n1, n2, radix, forward):
    batch = xr.shape[0]
    yr = nl.ndarray((batch, radix * n1 * n2), nl.float32, buffer=nl.shared_hbm)
    yi = nl.ndarray((batch, radix * n1 * n2), nl.float32, buffer=nl.shared_hbm)
    radix_four_step(xr, xi, yr, yi, (w_re, w_im), load_constant(f1_re, f1_im), load_table(tw_re, tw_im),
                    load_constant(f2_re, f2_im), n1, n2, radix, forward)
    return yr, yi
