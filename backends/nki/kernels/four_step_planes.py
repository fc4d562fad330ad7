"""The four-step at one transform per iteration, output as stacked [2, B, n] planes (batch 1 above all).

At batch 1 a short four-step is a handful of instructions, and the fixed cost of each DMA (~1.3 us over
16 queues, D/nki/deep-dives/nki_perf_guide.html) and the Vector engine's ~2N cycles per two-input
instruction decide its time. So: the input comes as one tuple of parts, either the caller's complex
[B, n] array read as float32 [B, 2n] (re and im interleaved: one DMA) or the two [B, n] parts a caller
with split data has (one DMA each into its half of one SBUF tile); the output leaves as one [2, B, n]
array (one DMA out per transform); the constants as one table where padding its shorter blocks costs
fewer bytes than a DMA's fixed cost, else two (an even-length DFT matrix by its left half and the signs
s[j] = (-1)^j, since F[j, k + n/2] = s[j] F[j, k]; the rest made on the Scalar engine with a
per-partition scale, D/nki/api/generated/nki.isa.activation.html); re and im sit side by side in the
free dim so each complex stage is two matmuls:

1. [Ar | Ai] = Xr^T [Re F1 | Im F1] + Xi^T [-Im F1 | Re F1]      (A[n2, k1], data stationary)
2. P = A * [Re T | Im T], Q = A * [Im T | Re T] (Vector, reading PSUM); Br = P0 - P1, Bi = Q0 + Q1
   (GpSimd) into W = [-Bi | Br | Bi] (-Bi on the Scalar engine);
3. ``four_step_stacked_kernel`` (n1 = n2 <= 64): [Yr; Yi] = [Br | Bi]^T Re F + [-Bi | Br]^T Im F on 2 n1
   output partitions; the other kernels (any n1, n2 <= 128): [Yr | Yi] = Re F2^T [Br | Bi] +
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


def nested(n1: int, n2: int) -> bool:
    """Whether F1 is part of F2 (n2 = r n1): F1[j, k] = w_n1^(jk) = w_n2^(j r k) = F2[j, r k] for j < n1."""
    return n2 % n1 == 0


def table_layout(n1: int, n2: int) -> tuple[int, int]:
    """(column of F1, column of the twiddles) in the one table of ``four_step_table_kernel``:
    [F2 | F1 (unless nested) | Re T | Im T]."""
    f1_at = dft_columns(n2)
    return f1_at, f1_at + (0 if nested(n1, n2) else dft_columns(n1))


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


def load_table(table: Any, twiddle_at: int, n1: int, n2: int) -> Any:
    """The table in SBUF with Re T (n2 rows, n1 columns at ``twiddle_at``) copied after it, so that
    [Re T | Im T] and [Im T | Re T] are both column ranges of one tile."""
    rows, width = table.shape
    c = sbuf((rows, width + n1))
    nisa.dma_copy(dst=c[:, 0:width], src=table)
    nisa.activation(dst=c[0:n2, width:width + n1], op=nl.copy, data=c[0:n2, twiddle_at:twiddle_at + n1])
    return c


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


def _twiddled(x: tuple[Any, Any], g1: Any, c: Any, t0: int, n1: int, n2: int) -> Any:
    """Steps 1 and 2: W = [-Bi | Br | Bi] [n2, 3 n1] for X = (Xr, Xi) [n1, n2] and [Re T | Im T | Re T] at
    column t0 of the table tile."""
    a = psum((n2, 2 * n1))
    nisa.nc_matmul(dst=a, stationary=x[0], moving=g1[:, n1:3 * n1], accumulate=False)
    nisa.nc_matmul(dst=a, stationary=x[1], moving=g1[:, 0:2 * n1], accumulate=True)
    p = sbuf((n2, 2 * n1))
    q = sbuf((n2, 2 * n1))
    nisa.tensor_tensor(dst=p, data1=a, data2=c[0:n2, t0:t0 + 2 * n1], op=nl.multiply)
    nisa.tensor_tensor(dst=q, data1=a, data2=c[0:n2, t0 + n1:t0 + 3 * n1], op=nl.multiply)
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
    t0 = dft_columns(n1)
    c = load_table(table, t0, n1, n1)
    g = dft_blocks(c, 0, n1)
    for t in nl.affine_range(batch):
        w = _twiddled(_load_input(parts, t, n1, n1), g, c, t0, n1, n1)
        acc = psum((2 * n1, n1))
        nisa.nc_matmul(dst=acc, stationary=w[:, n1:3 * n1], moving=g[:, n1:2 * n1], accumulate=False)
        nisa.nc_matmul(dst=acc, stationary=w[:, 0:2 * n1], moving=g[:, 2 * n1:3 * n1], accumulate=True)
        o = sbuf((2 * n1, n1))
        nisa.activation(dst=o, op=nl.copy, data=acc)
        nl.store(y2.ap(pattern=[[batch * n, 2], [1, n1], [n1, n1]], offset=t * n), o)
    return y2


def _planes(parts: tuple, y2: Any, g1: Any, g2: Any, cb: Any, t0: int, n1: int, n2: int) -> None:
    """Every transform of the input parts into the [2, B, n] planes ``y2``: steps 1 and 2 (``_twiddled``),
    then the last stage with F2 stationary (M = n2, N = 2 n1), k2 on partitions and re and im side by side;
    one store per transform."""
    batch, n = y2.shape[1], n1 * n2
    for t in nl.affine_range(batch):
        w = _twiddled(_load_input(parts, t, n1, n2), g1, cb, t0, n1, n2)
        acc = psum((n2, 2 * n1))
        nisa.nc_matmul(dst=acc, stationary=g2[:, n2:2 * n2], moving=w[:, n1:3 * n1], accumulate=False)
        nisa.nc_matmul(dst=acc, stationary=g2[:, 2 * n2:3 * n2], moving=w[:, 0:2 * n1], accumulate=True)
        o = sbuf((n2, 2 * n1))
        nisa.activation(dst=o, op=nl.copy, data=acc)
        nl.store(y2.ap(pattern=[[n1, n2], [batch * n, 2], [1, n1]], offset=t * n), o)


@nki.jit
def four_step_planes_kernel(parts, table_a, table_b, n1, n2):
    """n = n1 * n2 (both <= 128), table_a [n1 rows: F1], table_b [n2 rows: F2 | Re T | Im T]: four DMAs per
    transform and tables for complex input (five for split parts), where one table padded to max(n1, n2) rows
    would cost more bytes than the DMA saved; the last stage keeps k2 on partitions, re and im side by side."""
    y2, _ = _output(parts)
    t0 = dft_columns(n2)
    ca = nl.load(table_a)
    cb = load_table(table_b, t0, n1, n2)
    _planes(parts, y2, dft_blocks(ca, 0, n1), dft_blocks(cb, 0, n2), cb, t0, n1, n2)
    return y2


@nki.jit
def four_step_table_kernel(parts, table, n1, n2):
    """n = n1 * n2 (both <= 128) from one table of max(n1, n2) rows, [F2 | F1 | Re T | Im T] (``table_layout``;
    a block of fewer rows padded with zeros): three DMAs per transform and table for complex input (four for
    split parts). F1 is not in the table when it is part of F2 (``nested``: 5000 = 50 x 100, and n1 = n2): G1
    is then the rows j < n1 and every r-th column of G2, copied on the Scalar engine (G2 itself when r = 1)."""
    y2, _ = _output(parts)
    f1_at, t0 = table_layout(n1, n2)
    c = load_table(table, t0, n1, n2)
    g2 = dft_blocks(c, 0, n2)
    if n1 == n2:
        g1 = g2
    elif nested(n1, n2):
        g1 = sbuf((n1, 3 * n1))
        nisa.activation(dst=g1, op=nl.copy, data=g2.ap(pattern=[[3 * n2, n1], [n2 // n1, 3 * n1]], offset=0))
    else:
        g1 = dft_blocks(c, f1_at, n1)
    _planes(parts, y2, g1, g2, c, t0, n1, n2)
    return y2
