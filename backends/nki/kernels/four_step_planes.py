"""The four-step at one transform per iteration, output as stacked [2, B, n] planes (batch 1 above all).

At batch 1 a short four-step is a handful of instructions, and the fixed cost of each DMA (~1.3 us over
16 queues, D/nki/deep-dives/nki_perf_guide.html) and the bytes of its constants decide its time. So:

* the input is one tuple of parts: the caller's complex [B, n] array read as float32 [B, 2n] (re and im
  interleaved, one DMA), or the two [B, n] parts a caller with split data has (one DMA each into its half
  of one SBUF tile); the output leaves as one [2, B, n] array (one DMA per transform);
* the constants are one table of max(n1, n2) rows (shorter blocks padded with zeros), with about half of
  each matrix: an even DFT matrix by its left half and s[j] = (-1)^j (F[j, k + n/2] = s[j] F[j, k], the
  right half a per-partition scale on the Scalar engine, D/nki/api/generated/nki.isa.activation.html); an
  odd one (not nested) by its first K = (n + 1)/2 columns and d = w_n^(jK) (F[j, k + K] = d[j] F[j, k]);
  the twiddles T[j, k] = w_n^(jk) (k < n1) by their first half and d = w_n^(j n1/2) where n1 is even. A
  right half d X is two Scalar-engine products with per-partition scales and two GpSimd sums, once per
  launch: a product of two correctly rounded float32 values, not one rounding of the float64 value (the
  error stays ~2e-7, tests/nki/test_nki_fft.py);
* re and im sit side by side in the free dim so each complex stage is two matmuls:

1. [Ar | Ai] = Xr^T [Re F1 | Im F1] + Xi^T [-Im F1 | Re F1]      (A[n2, k1], data stationary)
2. P = A * [Re T | Im T], Q = A * [Im T | Re T] (Vector, reading PSUM); Br = P0 - P1, Bi = Q0 + Q1
   (GpSimd) into W = [-Bi | Br | Bi] (-Bi on the Scalar engine);
3. ``four_step_stacked_kernel`` (n1 = n2 <= 64): [Yr; Yi] = [Br | Bi]^T Re F + [-Bi | Br]^T Im F on 2 n1
   output partitions; ``four_step_table_kernel`` (any n1, n2 <= 128): [Yr | Yi] = Re F2^T [Br | Bi] +
   Im F2^T [-Bi | Br] on n2 partitions. Either way one access pattern stores y[k1 + n1 k2].
"""
from __future__ import annotations

from typing import Any

from ..engine import nisa, nki, nl
from .cplx import psum, sbuf


def dft_columns(n: int) -> int:
    """Table columns of an n-point DFT matrix: [Re F[:, :n/2] | Im F[:, :n/2] | s | -s] (even n) or
    [Re F | Im F]."""
    return n + 2 if n % 2 == 0 else 2 * n


def stationary_columns(n: int) -> int:
    """Table columns of an n-point DFT matrix read only as the last stage's stationary ([Re F | Im F]): as
    ``dft_columns`` for even n; for odd n its first K = (n + 1) / 2 columns and d = w_n^(jK),
    [Re F[:, :K] | Im F[:, :K] | Re d | Im d] (the rest made on chip: F[j, k + K] = d[j] F[j, k])."""
    return n + 2 if n % 2 == 0 else n + 3


def nested(n1: int, n2: int) -> bool:
    """Whether F1 is part of F2 (n2 = r n1): F1[j, k] = w_n1^(jk) = w_n2^(j r k) = F2[j, r k] for j < n1."""
    return n2 % n1 == 0


def k1_columns(n1: int, n2: int) -> int:
    """Columns per part of the k1 axis (A, the twiddles, B, the output tile): n1, or n1 + 1 for an odd n1 whose
    F1 is made on chip from its first (n1 + 1) / 2 columns (not nested): the extra column k1 = n1 is computed
    (F1[:, n1] = 1) and never stored."""
    return n1 + 1 if n1 % 2 and not nested(n1, n2) else n1


def moving_columns(n1: int) -> int:
    """Table columns of F1 (the first stage's moving operand) when it is not read from F2 (not nested)."""
    return stationary_columns(n1) if n1 % 2 else dft_columns(n1)


def twiddle_columns(m: int, halves: int) -> int:
    """Table columns of the twiddles over m = ``k1_columns``: [Re T | Im T] (``halves`` = 1), or for even m the
    factor d = w_n^(j m/2) and the first half, [Re d | Im d | Re T[:, :m/2] | Im T[:, :m/2]] (``halves`` = 2;
    the rest is made on chip, T[j, k + m/2] = d[j] T[j, k])."""
    return 2 * m if halves == 1 else m + 2


def table_layout(n1: int, n2: int, halves: int = 1) -> tuple[int, int]:
    """(column of F1, table width) of the one table of ``four_step_table_kernel``:
    [F2 | F1 (unless nested) | twiddles (``twiddle_columns``)]."""
    if nested(n1, n2):
        return dft_columns(n2), dft_columns(n2) + twiddle_columns(n1, halves)
    f1_at = stationary_columns(n2)
    return f1_at, f1_at + moving_columns(n1) + twiddle_columns(k1_columns(n1, n2), halves)


def dft_blocks(c: Any, k0: int, n: int) -> Any:
    """G = [-Im F | Re F | Im F] [n, 3n] from the first n rows of the table tile ``c`` at column k0
    (``dft_columns`` wide): [Re F | Im F] = G[:, n:3n] and [-Im F | Re F] = G[:, 0:2n]."""
    g = sbuf((n, 3 * n))
    if n % 2:
        nisa.activation(dst=g[:, n:3 * n], op=nl.copy, data=c[0:n, k0:k0 + 2 * n])
        nisa.activation(dst=g[:, 0:n], op=nl.copy, data=c[0:n, k0 + n:k0 + 2 * n], scale=-1.0)
        return g
    h = n // 2
    blocks = g.reshape((n, 3, 2, h))               # [-Im F | Re F | Im F], each as (left, right) halves
    left = c[0:n, k0:k0 + n].reshape((n, 2, h))    # Re F[:, :h], Im F[:, :h]
    sign, minus_sign = c[0:n, k0 + n:k0 + n + 1], c[0:n, k0 + n + 1:k0 + n + 2]
    nisa.activation(dst=blocks[:, 1:3, 0, :], op=nl.copy, data=left)
    nisa.activation(dst=blocks[:, 1:3, 1, :], op=nl.copy, data=left, scale=sign)
    nisa.activation(dst=blocks[:, 0, 0, :], op=nl.copy, data=c[0:n, k0 + h:k0 + n], scale=-1.0)
    nisa.activation(dst=blocks[:, 0, 1, :], op=nl.copy, data=c[0:n, k0 + h:k0 + n], scale=minus_sign)
    return g


def stationary_dft(c: Any, k0: int, n: int) -> Any:
    """[Re F | Im F] [n, 2n] from the first n rows of the table tile ``c`` at column k0 (``stationary_columns``
    wide). Even n: the left half and its sign-scaled copy (Scalar engine). Odd n: F_L = F[:, :K] into place,
    and F[:, K:n] = d F_L[:, :K-1], Re = Re d Re F_L - Im d Im F_L, Im = Re d Im F_L + Im d Re F_L: the
    products on the Scalar engine (per-partition scales), the two sums on GpSimd; a product of two correctly
    rounded float32 values, not one rounding of the float64 value."""
    f = sbuf((n, 2 * n))
    if n % 2 == 0:
        h = n // 2
        blocks = f.reshape((n, 2, 2, h))            # (Re F | Im F) x (left | right)
        left = c[0:n, k0:k0 + n].reshape((n, 2, h))
        nisa.activation(dst=blocks[:, :, 0, :], op=nl.copy, data=left)
        nisa.activation(dst=blocks[:, :, 1, :], op=nl.copy, data=left, scale=c[0:n, k0 + n:k0 + n + 1])
        return f
    k = (n + 1) // 2
    w = n - k
    parts = f.reshape((n, 2, n))                    # Re F, Im F
    left = c[0:n, k0:k0 + 2 * k].reshape((n, 2, k))
    re_d, im_d = c[0:n, k0 + 2 * k:k0 + 2 * k + 1], c[0:n, k0 + 2 * k + 1:k0 + 2 * k + 2]
    nisa.activation(dst=parts[:, :, 0:k], op=nl.copy, data=left)
    nisa.activation(dst=parts[:, :, k:n], op=nl.copy, data=left[:, :, 0:w], scale=re_d)
    v = sbuf((n, 2 * w))
    nisa.activation(dst=v.reshape((n, 2, w)), op=nl.copy, data=left[:, :, 0:w], scale=im_d)   # Im d F_L
    nisa.tensor_tensor(dst=parts[:, 0, k:n], data1=parts[:, 0, k:n], data2=v[:, w:2 * w], op=nl.subtract,
                       engine=nisa.engine.gpsimd)
    nisa.tensor_tensor(dst=parts[:, 1, k:n], data1=parts[:, 1, k:n], data2=v[:, 0:w], op=nl.add,
                       engine=nisa.engine.gpsimd)
    return f


def moving_dft(c: Any, k0: int, n: int) -> Any:
    """G = [-Im F | Re F | Im F] [n, 3 (n + 1)] for odd n from its first K = (n + 1) / 2 columns and d = w_n^(jK)
    (``stationary_columns`` wide at column k0): each block is [left K | right K] columns, the right ones
    d F[:, :K] (their last one is F[:, n] = 1, the unused extra column of ``k1_columns``); products on the
    Scalar engine, the two sums on GpSimd, as ``stationary_dft``."""
    k = (n + 1) // 2
    g = sbuf((n, 6 * k))
    blocks = g.reshape((n, 3, 2, k))                 # (-Im F | Re F | Im F) x (left | right)
    left = c[0:n, k0:k0 + 2 * k].reshape((n, 2, k))  # Re F_L, Im F_L
    re_d, im_d = c[0:n, k0 + 2 * k:k0 + 2 * k + 1], c[0:n, k0 + 2 * k + 1:k0 + 2 * k + 2]
    nisa.activation(dst=blocks[:, 1:3, 0, :], op=nl.copy, data=left)
    nisa.activation(dst=blocks[:, 1:3, 1, :], op=nl.copy, data=left, scale=re_d)
    v = sbuf((n, 2 * k))
    nisa.activation(dst=v.reshape((n, 2, k)), op=nl.copy, data=left, scale=im_d)      # Im d F_L
    nisa.tensor_tensor(dst=blocks[:, 1, 1, :], data1=blocks[:, 1, 1, :], data2=v[:, k:2 * k], op=nl.subtract,
                       engine=nisa.engine.gpsimd)
    nisa.tensor_tensor(dst=blocks[:, 2, 1, :], data1=blocks[:, 2, 1, :], data2=v[:, 0:k], op=nl.add,
                       engine=nisa.engine.gpsimd)
    nisa.activation(dst=blocks[:, 0, :, :], op=nl.copy, data=blocks[:, 2, :, :], scale=-1.0)
    return g


def load_twiddles(table: Any, n1: int, n2: int, halves: int = 1) -> tuple[Any, Any, Any]:
    """The table in SBUF (its last ``twiddle_columns`` are the twiddles) and two views of T [n2, n1] (n1 here
    the ``k1_columns`` width) in it,
    [Re T | Im T] and [Im T | Re T] (the operands of the twiddle products). After the table come Re T's first
    columns again, so that both views are column ranges; with ``halves`` = 2 also the formed second half
    T1 = d T0 as [Re T1 | Im T1 | Re T1]: Re T1 = Re d Re T0 - Im d Im T0 and Im T1 = Re d Im T0 + Im d Re T0,
    the four products on the Scalar engine (per-partition scales) and the two sums on GpSimd; a product of
    two correctly rounded float32 values, not one rounding of the float64 value."""
    rows, width = table.shape
    k = n1 // halves
    a = width - 2 * k                                   # Re T0 | Im T0
    c = sbuf((rows, width + (2 * n1 if halves == 2 else n1)))
    nisa.dma_copy(dst=c[:, 0:width], src=table)
    nisa.activation(dst=c[0:n2, width:width + k], op=nl.copy, data=c[0:n2, a:a + k])
    if halves == 1:
        return c, c[0:n2, a:a + 2 * n1], c[0:n2, a + n1:a + 3 * n1]
    re_d, im_d = c[0:n2, a - 2:a - 1], c[0:n2, a - 1:a]
    t1 = width + k                                      # Re T1 | Im T1 | Re T1
    nisa.activation(dst=c[0:n2, t1:t1 + 2 * k], op=nl.copy, data=c[0:n2, a:a + 2 * k], scale=re_d)
    v = sbuf((n2, 2 * k))
    nisa.activation(dst=v, op=nl.copy, data=c[0:n2, a + k:a + 3 * k], scale=im_d)      # Im d [Im T0 | Re T0]
    nisa.tensor_tensor(dst=c[0:n2, t1:t1 + k], data1=c[0:n2, t1:t1 + k], data2=v[:, 0:k], op=nl.subtract,
                       engine=nisa.engine.gpsimd)
    nisa.tensor_tensor(dst=c[0:n2, t1 + k:t1 + 2 * k], data1=c[0:n2, t1 + k:t1 + 2 * k], data2=v[:, k:2 * k],
                       op=nl.add, engine=nisa.engine.gpsimd)
    nisa.activation(dst=c[0:n2, t1 + 2 * k:t1 + 3 * k], op=nl.copy, data=c[0:n2, t1:t1 + k])
    wide = c.shape[1]
    pattern = [[wide, n2], [k, 2], [3 * k, 2], [1, k]]   # (Re | Im) x (T0 | T1), k columns each
    return c, c.ap(pattern=pattern, offset=a), c.ap(pattern=pattern, offset=a + k)


def _load_input(parts: tuple, t: int, rows: int, cols: int) -> tuple[Any, Any]:
    """Transform t as (Xr, Xi) [rows, cols] views of one SBUF tile. One part (a complex [B, n] array read as
    float32 [B, 2n]): one DMA of contiguous rows, Xr and Xi its even and odd columns (an 8-byte stride, within
    the 16 bytes the performance guide allows at full bandwidth). Two parts (re, im): one DMA each into its half."""
    n = rows * cols
    x = sbuf((rows, 2 * cols))
    if len(parts) == 1:
        nisa.dma_copy(dst=x, src=parts[0].ap(pattern=[[2 * cols, rows], [1, 2 * cols]], offset=2 * t * n))
        pairs = x.reshape((rows, cols, 2))
        return pairs[:, :, 0], pairs[:, :, 1]
    for k, part in enumerate(parts):
        nisa.dma_copy(dst=x[:, k * cols:(k + 1) * cols], src=part.ap(pattern=[[cols, rows], [1, cols]], offset=t * n))
    return x[:, 0:cols], x[:, cols:2 * cols]


def _twiddled(x: tuple[Any, Any], g1: Any, t: tuple[Any, Any], n1: int, n2: int) -> Any:
    """Steps 1 and 2: W = [-Bi | Br | Bi] [n2, 3 n1] for X = (Xr, Xi) [rows, n2] and the twiddle views
    t = ([Re T | Im T], [Im T | Re T]) (``load_twiddles``); n1 here is the ``k1_columns`` width."""
    a = psum((n2, 2 * n1))
    nisa.nc_matmul(dst=a, stationary=x[0], moving=g1[:, n1:3 * n1], accumulate=False)
    nisa.nc_matmul(dst=a, stationary=x[1], moving=g1[:, 0:2 * n1], accumulate=True)
    p = sbuf((n2, 2 * n1))
    q = sbuf((n2, 2 * n1))
    nisa.tensor_tensor(dst=p, data1=a, data2=t[0], op=nl.multiply)
    nisa.tensor_tensor(dst=q, data1=a, data2=t[1], op=nl.multiply)
    w = sbuf((n2, 3 * n1))
    nisa.tensor_tensor(dst=w[:, n1:2 * n1], data1=p[:, 0:n1], data2=p[:, n1:2 * n1], op=nl.subtract,
                       engine=nisa.engine.gpsimd)
    nisa.tensor_tensor(dst=w[:, 2 * n1:3 * n1], data1=q[:, 0:n1], data2=q[:, n1:2 * n1], op=nl.add,
                       engine=nisa.engine.gpsimd)
    nisa.activation(dst=w[:, 0:n1], op=nl.copy, data=w[:, 2 * n1:3 * n1], scale=-1.0)
    return w


def _output(parts: tuple) -> tuple[Any, int]:
    """The [2, B, n] output planes for the input parts, and B."""
    batch = parts[0].shape[0]
    n = parts[0].shape[1] // (2 if len(parts) == 1 else 1)
    return nl.ndarray((2, batch, n), nl.float32, buffer=nl.shared_hbm), batch


@nki.jit
def four_step_stacked_kernel(parts, table, n1):
    """n = n1 * n1 (n1 <= 64, even), the table [F (``dft_columns``) | Re T | Im T]: three DMAs per transform and
    table for complex input (four for split parts); the last stage puts re over im on 2 n1 output partitions
    (M = 2 n1, N = n1)."""
    y2, batch = _output(parts)
    n = n1 * n1
    c, *tw = load_twiddles(table, n1, n1)
    g = dft_blocks(c, 0, n1)
    for t in nl.affine_range(batch):
        w = _twiddled(_load_input(parts, t, n1, n1), g, tw, n1, n1)
        acc = psum((2 * n1, n1))
        nisa.nc_matmul(dst=acc, stationary=w[:, n1:3 * n1], moving=g[:, n1:2 * n1], accumulate=False)
        nisa.nc_matmul(dst=acc, stationary=w[:, 0:2 * n1], moving=g[:, 2 * n1:3 * n1], accumulate=True)
        o = sbuf((2 * n1, n1))
        nisa.activation(dst=o, op=nl.copy, data=acc)
        nl.store(y2.ap(pattern=[[batch * n, 2], [1, n1], [n1, n1]], offset=t * n), o)
    return y2


def _planes(parts: tuple, y2: Any, g1: Any, f2: Any, tw: Any, n1: int, n2: int) -> None:
    """Every transform of the input parts into the [2, B, n] planes ``y2``: steps 1 and 2 (``_twiddled``),
    then the last stage with F2 = ``f2`` [Re F2 | Im F2] stationary (M = n2, N = 2 m, m = ``k1_columns``),
    k2 on partitions and re and im side by side; one store per transform (of the first n1 columns of each
    part)."""
    batch, n, m = y2.shape[1], n1 * n2, k1_columns(n1, n2)
    for t in nl.affine_range(batch):
        w = _twiddled(_load_input(parts, t, n1, n2), g1, tw, m, n2)
        acc = psum((n2, 2 * m))
        nisa.nc_matmul(dst=acc, stationary=f2[:, 0:n2], moving=w[:, m:3 * m], accumulate=False)
        nisa.nc_matmul(dst=acc, stationary=f2[:, n2:2 * n2], moving=w[:, 0:2 * m], accumulate=True)
        o = sbuf((n2, 2 * m))
        nisa.activation(dst=o, op=nl.copy, data=acc)
        nl.store(y2.ap(pattern=[[n1, n2], [batch * n, 2], [1, n1]], offset=t * n),
                 o if m == n1 else o.ap(pattern=[[2 * m, n2], [m, 2], [1, n1]], offset=0))


@nki.jit
def four_step_table_kernel(parts, table, n1, n2, halves):
    """n = n1 * n2 (both <= 128) from one table of max(n1, n2) rows, [F2 (``stationary_columns``) | F1 |
    twiddles] (``table_layout``;
    a block of fewer rows padded with zeros): three DMAs per transform and table for complex input (four for
    split parts). F1 is not in the table when it is part of F2 (``nested``: 5000 = 50 x 100, and n1 = n2): G1
    is then the rows j < n1 and every r-th column of G2, copied on the Scalar engine (G2 itself when r = 1)."""
    y2, _ = _output(parts)
    f1_at, _ = table_layout(n1, n2, halves)
    c, *tw = load_twiddles(table, k1_columns(n1, n2), n2, halves)
    if not nested(n1, n2):
        g1 = moving_dft(c, f1_at, n1) if n1 % 2 else dft_blocks(c, f1_at, n1)
        _planes(parts, y2, g1, stationary_dft(c, 0, n2), tw, n1, n2)
        return y2
    g2 = dft_blocks(c, 0, n2)
    g1 = g2
    if n1 < n2:
        g1 = sbuf((n1, 3 * n1))
        nisa.activation(dst=g1, op=nl.copy, data=g2.ap(pattern=[[3 * n2, n1], [n2 // n1, 3 * n1]], offset=0))
    _planes(parts, y2, g1, g2[:, n2:3 * n2], tw, n1, n2)
    return y2
