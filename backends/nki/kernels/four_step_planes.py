"""The four-step at a few transforms per pass (one at batch 1), output as stacked [2, B, n] planes.

At batch 1 a short four-step is a handful of instructions, and the fixed cost of each DMA (~1.3 us over
16 queues, D/nki/deep-dives/nki_perf_guide.html) and the bytes of its constants decide its time. So:

* the input is the caller's complex [B, n] array read as float32 [B, 2n] (re and im interleaved, one DMA:
  the ``*_interleaved_kernel``s), or the two [B, n] parts a caller with split data has (one DMA each into its
  half of one SBUF tile); the output leaves as one [2, B, n] array (one DMA per pass);
* the constants are one table of max(n1, g n2) rows (shorter blocks padded with zeros), with a part of each
  matrix: an even DFT matrix by its left half and s[j] = (-1)^j (F[j, k + n/2] = s[j] F[j, k], the right
  half a per-partition scale on the Scalar engine, D/nki/api/generated/nki.isa.activation.html); an odd
  DFT matrix and the twiddles T[j, k] = w_n^(jk) (k < ``k1_columns``) are geometric along their rows,
  M[j, k + c r] = f_r[j] M[j, k] with f_r = w^(j c r), so each is read by its first c columns and the
  factors f_1..f_R (R = ceil(m / c) - 1, ``geometric_columns``; c = m reads it whole), the planner choosing
  c per matrix (fewer bytes against more on-chip work). A block c r.. is two per-partition products (Re f
  on the Scalar engine, Im f on GpSimd) and two GpSimd sums, once per launch: a product of two correctly
  rounded float32 values, not one rounding of the float64 value (the error stays ~3e-7,
  tests/nki/test_nki_fft.py);
* re and im sit side by side in the free dim so each complex stage is two matmuls:

1. [Ar | Ai] = Xr^T [Re F1 | Im F1] + Xi^T [-Im F1 | Re F1]      (A[n2, k1], data stationary)
2. P = A * [Re T | Im T], Q = A * [Im T | Re T], Br = P0 - P1, Bi = Q0 + Q1 into W = [-Bi | Br | Bi]: the
   products on GpSimd after the Scalar engine copies A out of PSUM (~N cycles, where the Vector engine takes
   ~2N + 60 and shares GpSimd's SBUF port on trn1, ``emulator/costmodel.py``), or on the Vector engine reading
   PSUM where the Scalar engine is the busier (the planner's choice), the sums on GpSimd, -Bi on the Scalar
   engine;
3. ``four_step_stacked_kernel`` (n1 = n2 <= 64): [Yr; Yi] = [Br | Bi]^T Re F + [-Bi | Br]^T Im F on 2 n1
   output partitions; ``four_step_table_kernel`` (any n1, n2 <= 128): [Yr | Yi] = Re F2^T [Br | Bi] +
   Im F2^T [-Bi | Br] on n2 partitions. Either way one access pattern stores y[k1 + n1 k2].

A pass takes g transforms (g n2 <= 128, the planner's ``PlanesOptions.group``; at small batches the Tensor engine
and the fixed cost per DMA are spent per pass, not per transform): one DMA reads them side by side, X = [X_0 |
.. | X_g-1] [n1, g n2] is step 1's stationary (M = g n2: one matmul pair puts each A_t on its own n2 partitions),
step 2 runs once on the g n2 rows (so F2's and the twiddles' table rows are repeated g times; F1's are not), and
step 3 takes them all: the table kernel against I_g (x) F2 stationary (``block_diagonal``: the same N), the
stacked kernel against I_g (x) F moving (N = g n1), as two independent matmuls on the two 64-row tiles where its
blocks meet row 64 (``cplx.diagonal_matmul``: N = 64, half; each half's operands on its own rows).
"""
from __future__ import annotations

from typing import Any

from ..engine import nisa, nki, nl
from .cplx import diagonal_matmul, in_sbuf, psum, sbuf


def dft_columns(n: int) -> int:
    """Table columns of an even n-point DFT matrix: [Re F[:, :n/2] | Im F[:, :n/2] | s | -s]."""
    return n + 2


def geometric_columns(m: int, c: int) -> int:
    """Table columns of an m-column geometric matrix read by its first c columns (``form_geometric``):
    [Re M[:, :c] | Im M[:, :c] | Re f_1..f_R | Im f_1..f_R], R = ceil(m / c) - 1."""
    return 2 * c + 2 * (-(-m // c) - 1)


def nested(n1: int, n2: int) -> bool:
    """Whether F1 is part of F2 (n2 = r n1): F1[j, k] = w_n1^(jk) = w_n2^(j r k) = F2[j, r k] for j < n1."""
    return n2 % n1 == 0


def k1_columns(n1: int, n2: int) -> int:
    """Columns per part of the k1 axis (A, the twiddles, B, the output tile): n1, or n1 + 1 for an odd n1 whose
    F1 is made on chip (not nested): the extra column k1 = n1 is computed (F1[:, n1] = 1) and never stored."""
    return n1 + 1 if n1 % 2 and not nested(n1, n2) else n1


def f2_columns(n2: int, c2: int) -> int:
    """Table columns of F2: ``dft_columns`` (even n2), else geometric by its first c2 columns."""
    return dft_columns(n2) if n2 % 2 == 0 else geometric_columns(n2, c2)


def f1_columns(n1: int, n2: int, c1: int) -> int:
    """Table columns of F1 (the first stage's moving operand): none when it is part of F2 (``nested``),
    ``dft_columns`` (even n1), else geometric over ``k1_columns`` by its first c1 columns."""
    if nested(n1, n2):
        return 0
    return dft_columns(n1) if n1 % 2 == 0 else geometric_columns(k1_columns(n1, n2), c1)


def table_layout(n1: int, n2: int, c1: int, c2: int, ct: int) -> tuple[int, int, int]:
    """(column of F1, column of the twiddles, table width) of ``four_step_table_kernel``'s one table
    [F2 | F1 | twiddles], the twiddles geometric over ``k1_columns`` by their first ct columns."""
    f1_at = f2_columns(n2, c2)
    t_at = f1_at + f1_columns(n1, n2, c1)
    return f1_at, t_at, t_at + geometric_columns(k1_columns(n1, n2), ct)


def scaled(dst: Any, data: Any, scale: Any = 1.0) -> None:
    """dst = data * scale (a number or a [P, 1] tile: a per-partition scale) on the Scalar engine."""
    nisa.activation(dst=dst, op=nl.copy, data=data, scale=scale)


def form_geometric(c: Any, k0: int, rows: int, m: int, width: int, dst: Any) -> None:
    """dst [rows, 2, m] = [Re M | Im M] from the table block at column k0 (``geometric_columns`` wide): the
    first ``width`` columns copied (Scalar engine), then per block r the columns width r.. as f_r M[:, :w]:
    Re f_r M on the Scalar engine (a per-partition scale), Im f_r M on GpSimd (a [P, 1] operand), and the two
    sums on GpSimd, Re = Re f Re M - Im f Im M, Im = Re f Im M + Im f Re M."""
    blocks = -(-m // width) - 1
    left = c[0:rows, k0:k0 + 2 * width].reshape((rows, 2, width))
    f = k0 + 2 * width
    scaled(dst[:, :, 0:width], left)
    for r in range(1, blocks + 1):
        w = min(width, m - width * r)
        block = dst[:, :, width * r:width * r + w]
        scaled(block, left[:, :, 0:w], c[0:rows, f + r - 1:f + r])
        v = sbuf((rows, 2, w))
        nisa.tensor_scalar(dst=v, data=left[:, :, 0:w], op0=nl.multiply,
                           operand0=c[0:rows, f + blocks + r - 1:f + blocks + r], engine=in_sbuf())
        nisa.tensor_tensor(dst=block[:, 0, :], data1=block[:, 0, :], data2=v[:, 1, :], op=nl.subtract,
                           engine=in_sbuf())
        nisa.tensor_tensor(dst=block[:, 1, :], data1=block[:, 1, :], data2=v[:, 0, :], op=nl.add, engine=in_sbuf())


def dft_blocks(c: Any, k0: int, n: int, rows: int = 0) -> Any:
    """G = [-Im F | Re F | Im F] [rows, 3n] for even n from the first ``rows`` (default n; a multiple of n: the
    table's rows repeated, one copy per transform of a pass) rows of the table tile ``c`` at column k0
    (``dft_columns`` wide) on the Scalar engine: [Re F | Im F] = G[:, n:3n] and [-Im F | Re F] = G[:, 0:2n]."""
    rows = rows or n
    g = sbuf((rows, 3 * n))
    h = n // 2
    blocks = g.reshape((rows, 3, 2, h))               # [-Im F | Re F | Im F], each as (left, right) halves
    left = c[0:rows, k0:k0 + n].reshape((rows, 2, h))    # Re F[:, :h], Im F[:, :h]
    sign, minus_sign = c[0:rows, k0 + n:k0 + n + 1], c[0:rows, k0 + n + 1:k0 + n + 2]
    scaled(blocks[:, 1:3, 0, :], left)
    scaled(blocks[:, 1:3, 1, :], left, sign)
    scaled(blocks[:, 0, 0, :], c[0:rows, k0 + h:k0 + n], -1.0)
    scaled(blocks[:, 0, 1, :], c[0:rows, k0 + h:k0 + n], minus_sign)
    return g


def stationary_dft(c: Any, k0: int, n: int, width: int, rows: int = 0) -> Any:
    """[Re F | Im F] [rows, 2n] from the first ``rows`` (default n; a multiple of n, the table's rows repeated)
    rows of the table tile ``c`` at column k0. Even n: the left half and its sign-scaled copy (Scalar engine).
    Odd n: ``form_geometric`` by its first ``width`` columns."""
    rows = rows or n
    f = sbuf((rows, 2 * n))
    if n % 2:
        form_geometric(c, k0, rows, n, width, f.reshape((rows, 2, n)))
        return f
    h = n // 2
    blocks = f.reshape((rows, 2, 2, h))            # (Re F | Im F) x (left | right)
    left = c[0:rows, k0:k0 + n].reshape((rows, 2, h))
    scaled(blocks[:, :, 0, :], left)
    scaled(blocks[:, :, 1, :], left, c[0:rows, k0 + n:k0 + n + 1])
    return f


def diagonal_masks(n: int, group: int) -> Any:
    """[group n, group] of 0/1: column t marks partitions t n .. (t + 1) n. An iota of n t - p, two compares and
    their product on GpSimd, once per launch (so no instruction starts at partition t n, which NeuronCore-v2
    allows only at 0, 32, 64 and 96 for <= 32 partitions, D/nki/get-started/about/tiling-overview.html)."""
    rows = group * n
    v = sbuf((rows, group))
    nisa.iota(dst=v, pattern=[[n, group]], offset=0, channel_multiplier=-1)
    inside = sbuf((rows, group))
    below = sbuf((rows, group))
    nisa.tensor_scalar(dst=inside, data=v, op0=nl.less_equal, operand0=0.0, engine=in_sbuf())
    nisa.tensor_scalar(dst=below, data=v, op0=nl.greater, operand0=float(-n), engine=in_sbuf())
    nisa.tensor_tensor(dst=inside, data1=inside, data2=below, op=nl.multiply, engine=in_sbuf())
    return inside


def block_diagonal(f: Any, n: int, group: int) -> Any:
    """I_group (x) [Re F | Im F] as a [group n, 2, group n] tile from ``f`` [group n, 2, n] (Re F and Im F with the
    table's rows repeated per transform): column block t is f times the mask of rows t n.. (``diagonal_masks``; a
    per-partition scale over every row, zeros included, on the Scalar engine for even t and GpSimd for odd t). As
    an operand of the last stage it takes a pass's transforms, stacked on the partitions, in one matmul."""
    rows = group * n
    masks = diagonal_masks(n, group)
    d = sbuf((rows, 2, rows))
    for t in range(group):
        if t % 2:
            nisa.tensor_scalar(dst=d[:, :, t * n:(t + 1) * n], data=f, op0=nl.multiply, operand0=masks[:, t:t + 1],
                               engine=in_sbuf())
        else:
            scaled(d[:, :, t * n:(t + 1) * n], f, masks[:, t:t + 1])
    return d


def moving_dft(c: Any, k0: int, n: int, m: int, width: int) -> Any:
    """G = [-Im F | Re F | Im F] [n, 3m] for odd n over m = n + 1 columns (the last one F[:, n] = 1, the unused
    extra column of ``k1_columns``), ``form_geometric`` by its first ``width`` columns, -Im F on the Scalar
    engine."""
    g = sbuf((n, 3 * m))
    form_geometric(c, k0, n, m, width, g[:, m:3 * m].reshape((n, 2, m)))
    scaled(g[:, 0:m], g[:, 2 * m:3 * m], -1.0)
    return g


def load_twiddles(table: Any, n1: int, n2: int, width: int) -> tuple[Any, Any, Any]:
    """The table in SBUF (its last ``geometric_columns(n1, width)`` are the twiddles T [n2, n1], n1 here the
    ``k1_columns`` width) and two views of T, [Re T | Im T] and [Im T | Re T] (the operands of the twiddle
    products): read whole (``width`` = n1), the table's own columns with a copy of Re T after them; else in a
    tile [Re T | Im T | Re T] made by ``form_geometric`` and the copy (Scalar engine)."""
    rows, cols = table.shape
    c = sbuf((rows, cols + (n1 if width == n1 else 0)))
    nisa.dma_copy(dst=c[:, 0:cols], src=table)
    if width == n1:
        a = cols - 2 * n1
        scaled(c[0:n2, cols:cols + n1], c[0:n2, a:a + n1])
        return c, c[0:n2, a:a + 2 * n1], c[0:n2, a + n1:a + 3 * n1]
    t = sbuf((n2, 3 * n1))
    form_geometric(c, cols - geometric_columns(n1, width), n2, n1, width, t[:, 0:2 * n1].reshape((n2, 2, n1)))
    scaled(t[:, 2 * n1:3 * n1], t[:, 0:n1])
    return c, t[:, 0:2 * n1], t[:, n1:3 * n1]


def _load_input(parts: tuple, t: int, rows: int, cols: int, count: int = 1) -> tuple[Any, Any]:
    """Transforms t .. t + count - 1 as (Xr, Xi) [rows, count, cols] views of one SBUF tile (the transforms side
    by side in the free dim: as a stationary operand they stack on M, the output's partitions). One part (a
    complex [B, n] array read as float32 [B, 2n]): one DMA of contiguous rows, Xr and Xi its even and odd columns
    (an 8-byte stride, within the 16 bytes the performance guide allows at full bandwidth). Two parts (re, im):
    one DMA each into its half."""
    n = rows * cols
    if len(parts) == 1:
        x = sbuf((rows, count, 2 * cols))
        nisa.dma_copy(dst=x, src=parts[0].ap(pattern=[[2 * cols, rows], [2 * n, count], [1, 2 * cols]],
                                             offset=2 * t * n))
        pairs = x.reshape((rows, count, cols, 2))
        return pairs[:, :, :, 0], pairs[:, :, :, 1]
    x = sbuf((rows, 2, count, cols))
    for k, part in enumerate(parts):
        nisa.dma_copy(dst=x[:, k], src=part.ap(pattern=[[cols, rows], [n, count], [1, cols]], offset=t * n))
    return x[:, 0], x[:, 1]


def _twiddled(x: tuple[Any, Any], g1: Any, t: tuple[Any, Any], n1: int, n2: int, vector_products: int) -> Any:
    """Steps 1 and 2: W = [-Bi | Br | Bi] [n2, 3 n1] for X = (Xr, Xi) [rows, count, cols] (``_load_input``) and
    the twiddle views t = ([Re T | Im T], [Im T | Re T]) (``load_twiddles``); n1 here is the ``k1_columns``
    width, n2 the rows of A, count x cols (a pass's transforms one under the other). The two
    products on the Vector engine reading A in PSUM (``vector_products``), or on GpSimd after the Scalar engine
    copies A out of PSUM; the sums on GpSimd, -Bi on the Scalar engine."""
    a = psum((n2, 2 * n1))
    nisa.nc_matmul(dst=a, stationary=x[0], moving=g1[:, n1:3 * n1], accumulate=False)
    nisa.nc_matmul(dst=a, stationary=x[1], moving=g1[:, 0:2 * n1], accumulate=True)
    eng = nisa.engine.vector if vector_products else in_sbuf()
    if not vector_products:
        s = sbuf((n2, 2 * n1))
        nisa.activation(dst=s, op=nl.copy, data=a)
        a = s
    p = sbuf((n2, 2 * n1))
    q = sbuf((n2, 2 * n1))
    nisa.tensor_tensor(dst=p, data1=a, data2=t[0], op=nl.multiply, engine=eng)
    nisa.tensor_tensor(dst=q, data1=a, data2=t[1], op=nl.multiply, engine=eng)
    w = sbuf((n2, 3 * n1))
    nisa.tensor_tensor(dst=w[:, n1:2 * n1], data1=p[:, 0:n1], data2=p[:, n1:2 * n1], op=nl.subtract,
                       engine=in_sbuf())
    nisa.tensor_tensor(dst=w[:, 2 * n1:3 * n1], data1=q[:, 0:n1], data2=q[:, n1:2 * n1], op=nl.add,
                       engine=in_sbuf())
    scaled(w[:, 0:n1], w[:, 2 * n1:3 * n1], -1.0)
    return w


def _output(parts: tuple) -> tuple[Any, int]:
    """The [2, B, n] output planes for the input parts, and B."""
    batch = parts[0].shape[0]
    n = parts[0].shape[1] // (2 if len(parts) == 1 else 1)
    return nl.ndarray((2, batch, n), nl.float32, buffer=nl.shared_hbm), batch


def _twiddle_rows(tw: tuple, rows: int) -> tuple:
    """The twiddle views (``load_twiddles``) on their first ``rows`` partitions."""
    return tw[0][0:rows], tw[1][0:rows]


def four_step_stacked(parts: tuple, table: Any, n1: int, ct: int, vector_products: int, group: int) -> Any:
    """n = n1 * n1 (n1 <= 64, even), the table [F (``dft_columns``) | twiddles (by their first ct columns)] with
    its n1 rows repeated ``group`` times: ``group`` transforms per pass, three DMAs per pass and table for
    complex input (four for split parts). A pass stacks its transforms on M in step 1 (one matmul pair) and on
    the partitions in step 2 (one set of instructions); the last stage puts re over im on 2 n1 output partitions
    (M = 2 n1) against I_g (x) Re F and I_g (x) Im F moving (``block_diagonal``, N = g n1), on the two 64-row
    tiles side by side where its blocks meet row 64 (``cplx.diagonal_matmul``: N halves).
    ``vector_products``: see ``_twiddled``."""
    y2, batch = _output(parts)
    n = n1 * n1
    c, tw_a, tw_b = load_twiddles(table, n1, group * n1, ct)
    tw = (tw_a, tw_b)
    g = dft_blocks(c, 0, n1, group * n1)
    f: Any = block_diagonal(g.reshape((group * n1, 3, n1))[:, 1:3, :], n1, group) if group > 1 else None
    for s in nl.affine_range(-(-batch // group)):
        t0 = s * group
        rows = min(group, batch - t0) * n1
        w = _twiddled(_load_input(parts, t0, n1, n1, rows // n1), g[0:n1], _twiddle_rows(tw, rows), n1, rows,
                      vector_products)
        acc = psum((2 * n1, rows))
        re, im = (g[:, n1:2 * n1], g[:, 2 * n1:3 * n1]) if group == 1 else (f[0:rows, 0, 0:rows], f[0:rows, 1, 0:rows])
        diagonal_matmul(acc, w[:, n1:3 * n1], re, n1, False)
        diagonal_matmul(acc, w[:, 0:2 * n1], im, n1, True)
        o = sbuf((2 * n1, rows))
        nisa.activation(dst=o, op=nl.copy, data=acc)
        nl.store(y2.ap(pattern=[[batch * n, 2], [1, n1], [n, rows // n1], [n1, n1]], offset=t0 * n), o)
    return y2


def _planes(parts: tuple, y2: Any, g1: Any, f2: Any, tw: Any, n1: int, n2: int, vector_products: int,
            group: int = 1) -> None:
    """Every transform of the input parts into the [2, B, n] planes ``y2``, ``group`` per pass: steps 1 and 2
    (``_twiddled``, the pass's transforms one under the other), then the last stage with ``f2`` [group n2, 2,
    group n2] (I_group (x) [Re F2 | Im F2], ``block_diagonal``; for one transform [Re F2 | Im F2]) stationary
    (M = count n2, N = 2 m, m = ``k1_columns``), (t, k2) on partitions and re and im side by side; one store per
    pass (of the first n1 columns of each part)."""
    batch, n, m = y2.shape[1], n1 * n2, k1_columns(n1, n2)
    for s in nl.affine_range(-(-batch // group)):
        t0 = s * group
        rows = min(group, batch - t0) * n2
        w = _twiddled(_load_input(parts, t0, n1, n2, rows // n2), g1, _twiddle_rows(tw, rows), m, rows,
                      vector_products)
        acc = psum((rows, 2 * m))
        nisa.nc_matmul(dst=acc, stationary=f2[0:rows, 0, 0:rows], moving=w[:, m:3 * m], accumulate=False)
        nisa.nc_matmul(dst=acc, stationary=f2[0:rows, 1, 0:rows], moving=w[:, 0:2 * m], accumulate=True)
        o = sbuf((rows, 2 * m))
        nisa.activation(dst=o, op=nl.copy, data=acc)
        nl.store(y2.ap(pattern=[[n1, rows], [batch * n, 2], [1, n1]], offset=t0 * n),
                 o if m == n1 else o.ap(pattern=[[2 * m, rows], [m, 2], [1, n1]], offset=0))


def _nested_blocks(c: Any, n1: int, n2: int, c2: int, rows: int = 0) -> tuple[Any, Any]:
    """(G1, [Re F2 | Im F2] on ``rows`` rows, default n2) when F1 is part of F2 (``nested``): G2 = [-Im F2 | Re F2 |
    Im F2] (``dft_blocks`` for even n2; odd: ``form_geometric`` by its first c2 columns and -Im F2), G1 its rows
    j < n1 and every r-th column (r = n2 / n1; G2's first n1 rows when r = 1); the copies on the Scalar engine."""
    rows = rows or n2
    if n2 % 2 == 0:
        g2 = dft_blocks(c, 0, n2, rows)
    else:
        g2 = sbuf((rows, 3 * n2))
        form_geometric(c, 0, rows, n2, c2, g2[:, n2:3 * n2].reshape((rows, 2, n2)))
        if n1 == n2:
            scaled(g2[0:n1, 0:n2], g2[0:n1, 2 * n2:3 * n2], -1.0)
    if n1 == n2:
        return g2[0:n1], g2[:, n2:3 * n2]
    g1 = sbuf((n1, 3 * n1))
    r = n2 // n1
    if n2 % 2 == 0:
        scaled(g1, g2.ap(pattern=[[3 * n2, n1], [r, 3 * n1]], offset=0))
    else:
        scaled(g1[:, n1:3 * n1], g2.ap(pattern=[[3 * n2, n1], [n2, 2], [r, n1]], offset=n2))
        scaled(g1[:, 0:n1], g1[:, 2 * n1:3 * n1], -1.0)
    return g1, g2[:, n2:3 * n2]


def four_step_table(parts: tuple, table: Any, n1: int, n2: int, c1: int, c2: int, ct: int, vector_products: int,
                    group: int) -> Any:
    """n = n1 * n2 (both <= 128) from one table of max(n1, group n2) rows, [F2 | F1 | twiddles] (``table_layout``;
    F2's and the twiddles' n2 rows repeated ``group`` times, a block of fewer rows padded with zeros; an odd
    matrix and the twiddles by their first c2, c1, ct columns): ``group`` transforms per pass (group n2 <= 128),
    three DMAs per pass and table for complex input (four for split parts). F1 is not in the table when it is
    part of F2 (``nested``: 5000 = 50 x 100, and n1 = n2). ``vector_products``: see ``_twiddled``."""
    y2, _ = _output(parts)
    f1_at, _, _ = table_layout(n1, n2, c1, c2, ct)
    m = k1_columns(n1, n2)
    rows = group * n2
    c, tw_a, tw_b = load_twiddles(table, m, rows, ct)
    tw = (tw_a, tw_b)
    if nested(n1, n2):
        g1, f2 = _nested_blocks(c, n1, n2, c2, rows)
    else:
        g1 = moving_dft(c, f1_at, n1, m, c1) if n1 % 2 else dft_blocks(c, f1_at, n1)
        f2 = stationary_dft(c, 0, n2, c2, rows)
    f2 = block_diagonal(f2.reshape((rows, 2, n2)), n2, group) if group > 1 else f2.reshape((n2, 2, n2))
    _planes(parts, y2, g1, f2, tw, n1, n2, vector_products, group)
    return y2


# The kernels: split input (xr, xi [B, n]), or one complex array read as float32 [B, 2n] (``_load_input``).
@nki.jit
def four_step_stacked_kernel(xr, xi, table, n1, ct, vector_products, group=1):
    return four_step_stacked((xr, xi), table, n1, ct, vector_products, group)


@nki.jit
def four_step_stacked_interleaved_kernel(x, table, n1, ct, vector_products, group=1):
    return four_step_stacked((x,), table, n1, ct, vector_products, group)


@nki.jit
def four_step_table_kernel(xr, xi, table, n1, n2, c1, c2, ct, vector_products, group=1):
    return four_step_table((xr, xi), table, n1, n2, c1, c2, ct, vector_products, group)


@nki.jit
def four_step_table_interleaved_kernel(x, table, n1, n2, c1, c2, ct, vector_products, group=1):
    return four_step_table((x,), table, n1, n2, c1, c2, ct, vector_products, group)
