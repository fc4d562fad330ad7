"""The four-step with a long second factor: n = n1 * n2, n1 <= 128, 128 < n2 <= 512, F2 read by half its rows.

Lengths such as 16385 = 113 x 145 have no split into two factors <= 128 and
only poor three-factor ones (5 x 113 x 29: 116 five-row matmuls). The
four-step's algebra (``four_step.py``) does not need n2 <= 128, only its tiles
do: n2 becomes chunks of at most 128 rows.

The n2-point DFT matrix dominated the launch at small batches (4110 = 30 x 137: 150 KB of F2 against 66 KB
of input and output), so the second stage reads only its rows j <= n2/2 ("lo"; the rows above are "hi").
Since F2[n2 - j, k] = conj(F2[j, k]), with S[j] = B[j] + B[n2 - j] and D[j] = B[j] - B[n2 - j] (S[0] = B[0],
and for even n2 S[n2/2] = B[n2/2]; their D rows meet Im F2 rows that are 0):

    Y[k] = sum over j <= n2/2 of Re F2[j, k] S[j] + i Im F2[j, k] D[j]     (every k < n2)

which halves both the matrix bytes and the second stage's contraction. Per tile of g transforms
(g * n1 <= 128 columns (t, k1), re and im side by side in the free dim):

1. per row chunk of lo and of hi: [Ar | Ai] = Xr^T [Re F1 | Im F1] + Xi^T [-Im F1 | Re F1] (X stationary,
   so the rows land on partitions; one matmul with re over im on the contraction where the table is 2 g n1
   rows tall anyway), left PSUM by the Scalar engine and multiplied by the twiddles on GpSimd;
2. the hi rows reversed onto their partners' partitions by the exchange matrix on the Tensor engine
   (R = J^T B_hi: positive-step access patterns cannot reverse, D/nki/deep-dives/nki-aps.html), then on
   GpSimd [Sr | Si] = B_lo + R and [-Di | Dr];
3. per output chunk of k2: [Yr | Yi] = Re F2^T [Sr | Si] + Im F2^T [-Di | Dr], F2 stationary, so row k2 of
   Y is y[n1*k2 : n1*(k2 + 1)]: contiguous stores. With F2's quarter (``quarter``: columns k <= n2/2 too, half
   the bytes again) the same products with Im F2's sign flipped give Y[n2 - k] (free size 4 width:
   [Sr | Si | Sr | Si] and [-Di | Dr | Di | -Dr] moving), put back in row order by J^T. The planner picks the
   quarter where DMA binds (small batches) and the whole lo rows where the extra J^T matmuls would bind.

Short n1: g = 128 // n1 transforms share a tile (block-diagonal I_g (x) F1, as in ``four_step.py``). The
constants are one table (``TallTable``), read by one DMA; input read once, output written once.

n1 = 1 (n = n2 with a prime factor above 128, 131..509: the alternative is Bluestein): F1 = I_g and the
twiddles are all the normalisation, so the table holds F2 alone, the normalisation folded into its values;
step 1 is the transpose of the tile by the Tensor engine against an identity made on chip (an iota compared
with 0, once per launch), and its PSUM copy is B itself (no twiddle product). Its table in HBM holds each row
chunk's block without padding rows (one DMA per chunk): at batch 64 and n2 near 512 F2's folded rows are
about the input and output's bytes, and a 128th row of zeros would break the 2x target (509: 2.002x).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..engine import nki, nisa, nl
from .cplx import in_sbuf, multiply, psum, sbuf


ROWS = nl.tile_size.pmax   # partitions per chunk of n2


def row_chunks(n: int) -> list[tuple[int, int]]:
    """(first row, rows) of n rows in partition chunks of at most 128."""
    return [(c0, min(ROWS, n - c0)) for c0 in range(0, n, ROWS)]


def fold_rows(n2: int) -> tuple[int, int]:
    """(lo, hi): rows j <= n2/2 of F2 that the kernel reads, and the rows above them."""
    lo = n2 // 2 + 1
    return lo, n2 - lo


@dataclass(frozen=True)
class TallTable:
    """Column offsets of the tall four-step's one constant table, [rows, columns] float32:
    [Re F1 | Im F1] (I_g (x) F1, ``width`` rows; with [-Im F1 | Re F1] below where ``stacked``), per lo chunk
    and per hi chunk of n2's rows the twiddles [Re T | Im T] (T[j2, (t, k1)] = w_n^(j2 k1), normalisation
    included), per lo chunk [Re F2 | Im F2] (rows j <= n2/2; columns k <= n2/2 where ``quarter``, else all
    n2). Row r of a chunk's block is row c0 + r of its matrix. For n1 = 1 only the F2 blocks (``identity``)."""

    n1: int
    n2: int
    width: int
    quarter: bool = True   # F2's columns k <= n2/2 only (Y[n2 - k] mirrored back by J^T), else all n2

    @property
    def lo_chunks(self) -> list[tuple[int, int]]:
        return row_chunks(fold_rows(self.n2)[0])

    @property
    def hi_chunks(self) -> list[tuple[int, int]]:
        return row_chunks(fold_rows(self.n2)[1])

    @property
    def identity(self) -> bool:
        """n1 = 1: no F1 or twiddle blocks (F1 = I_g made on chip, the normalisation in F2's values)."""
        return self.n1 == 1

    @property
    def stacked(self) -> bool:
        """Whether F1's block is [[Re F1 | Im F1]; [-Im F1 | Re F1]] on 2 width rows (step 1 as one matmul with
        re and im on the contraction, for full tiles): where the n2 row chunks make the table that tall anyway
        (4110 = 30 x 137 at batch 1: 60 of 69 rows; at batch 2 the 120 rows would double the table)."""
        return 2 * self.width <= min(ROWS, max(fold_rows(self.n2)))

    @property
    def rows(self) -> int:
        f1_rows = 0 if self.identity else self.width * (2 if self.stacked else 1)
        return max(f1_rows, min(ROWS, max(fold_rows(self.n2))))

    @property
    def f1_blocks(self) -> int:
        """Blocks of 2 width columns before F2: F1 and the twiddles of every row chunk (none for n1 = 1)."""
        return 0 if self.identity else 1 + len(self.lo_chunks) + len(self.hi_chunks)

    def f1(self) -> int:
        return 0

    def twiddle(self, half: int, i: int) -> int:
        """Column of [Re T | Im T] for chunk i of the lo (half 0) or hi (half 1) rows."""
        return 2 * self.width * (1 + i + (len(self.lo_chunks) if half else 0))

    @property
    def f2_columns(self) -> int:
        return fold_rows(self.n2)[0] if self.quarter else self.n2

    def f2(self, i: int) -> int:
        return 2 * self.width * self.f1_blocks + 2 * self.f2_columns * i

    @property
    def columns(self) -> int:
        return self.f2(len(self.lo_chunks))

    @property
    def hbm_elements(self) -> int:
        """Floats of the table in HBM: [rows, columns], or for n1 = 1 the lo chunks' F2 blocks one after
        another, [rows of the chunk, 2 f2_columns] each (no padding rows)."""
        if self.identity:
            return fold_rows(self.n2)[0] * 2 * self.f2_columns
        return self.rows * self.columns


def _exchange(table: TallTable) -> dict:
    """(J, J^T) for every (lo chunk, hi chunk) pair that pairs rows: J [hi rows, lo rows] with J[p, q] = 1
    where hi row h0 + p (n2's row lo + h0 + p) is the partner n2 - j of lo row j = l0 + q (the same pairing
    takes output row k to n2 - k). Made on chip: an iota of p + q compared with the block's constant
    (GpSimd), once per launch."""
    lo, _ = fold_rows(table.n2)
    index = sbuf((ROWS, ROWS))
    nisa.iota(dst=index, pattern=[[1, ROWS]], offset=0, channel_multiplier=1)
    blocks = {}
    for i, (l0, lr) in enumerate(table.lo_chunks):
        for h, (h0, hr) in enumerate(table.hi_chunks):
            d = table.n2 - lo - h0 - l0          # p + q of the pairs in this block
            if 0 <= d <= hr - 1 + lr - 1:
                pair = []
                for shape in ((hr, lr), (lr, hr))[:2 if table.quarter else 1]:
                    jay = sbuf(shape)
                    nisa.tensor_scalar(dst=jay, data=index[0:shape[0], 0:shape[1]], op0=nl.equal,
                                       operand0=float(d), engine=in_sbuf())
                    pair.append(jay)
                blocks[i, h] = tuple(pair)
    return blocks


def _identity_f1(table: TallTable) -> Any:
    """For n1 = 1, what the table's F1 block would hold: I [rows, 2 width] (rows = 2 width where ``stacked``:
    [[Re F1 | Im F1]; [-Im F1 | Re F1]] = I_2w; else width: [Re F1 | Im F1] = [I | 0]). An iota of q - p
    compared with 0 on GpSimd, once per launch."""
    w = table.width
    rows = 2 * w if table.stacked else w
    index = sbuf((rows, 2 * w))
    nisa.iota(dst=index, pattern=[[1, 2 * w]], offset=0, channel_multiplier=-1)
    eye = sbuf((rows, 2 * w))
    nisa.tensor_scalar(dst=eye, data=index, op0=nl.equal, operand0=0.0, engine=in_sbuf())
    return eye


def _g1(c: Any, table: TallTable, width: int) -> Any:
    """G1 = [-Im F1 | Re F1 | Im F1] [width, 3 width] from the table's F1 block (its leading width x width blocks
    of I_g (x) F1: fewer transforms in a last tile), on the Scalar engine."""
    w0 = table.width
    g1 = sbuf((width, 3 * width))
    nisa.activation(dst=g1[:, width:2 * width], op=nl.copy, data=c[0:width, 0:width])
    nisa.activation(dst=g1[:, 2 * width:3 * width], op=nl.copy, data=c[0:width, w0:w0 + width])
    nisa.activation(dst=g1[:, 0:width], op=nl.copy, data=c[0:width, w0:w0 + width], scale=-1.0)
    return g1


def _load_x(rows_re: Any, rows_im: Any, r0: int, width: int, n2: int, stacked: bool) -> Any:
    """The tile's input rows (t, j1): stacked, re over im on 2 width partitions [2 width, n2]; else re and im
    side by side [width, 2 n2]. One DMA per part either way."""
    if stacked:
        x = sbuf((2 * width, n2))
        nisa.dma_copy(dst=x[0:width, :], src=rows_re[r0:r0 + width, :])
        nisa.dma_copy(dst=x[width:2 * width, :], src=rows_im[r0:r0 + width, :])
        return x
    x = sbuf((width, 2 * n2))
    nisa.dma_copy(dst=x[:, 0:n2], src=rows_re[r0:r0 + width, :])
    nisa.dma_copy(dst=x[:, n2:2 * n2], src=rows_im[r0:r0 + width, :])
    return x


def _twiddled(x: Any, g1: Any, c: Any, f1: Any, table: TallTable, col: int, c0: int, rows: int, width: int) -> Any:
    """B = [Br | Bi] [rows, 2 width] for n2's rows c0.. c0 + rows: step 1, the Scalar engine's copy out of
    PSUM, the twiddle product (table column ``col``) on GpSimd (none for n1 = 1: the copy is B; ``f1`` the
    identity made on chip). Step 1 is one matmul on a stacked x (``g1`` None: K = 2 width, the F1 block
    [[Re F1 | Im F1]; [-Im F1 | Re F1]] moving), else two."""
    n2 = table.n2
    a = psum((rows, 2 * width))
    if g1 is None:
        nisa.nc_matmul(dst=a, stationary=x[:, c0:c0 + rows], moving=f1[0:2 * width, 0:2 * width], accumulate=False)
    else:
        nisa.nc_matmul(dst=a, stationary=x[:, c0:c0 + rows], moving=g1[:, width:3 * width], accumulate=False)
        nisa.nc_matmul(dst=a, stationary=x[:, n2 + c0:n2 + c0 + rows], moving=g1[:, 0:2 * width],
                       accumulate=True)
    s = sbuf((rows, 2 * width))
    nisa.activation(dst=s, op=nl.copy, data=a)
    if table.identity:
        return s
    b = sbuf((rows, 2 * width))
    im = col + table.width
    multiply(b[:, 0:width], b[:, width:2 * width], s[:, 0:width], s[:, width:2 * width],
             c[0:rows, col:col + width], c[0:rows, im:im + width], engine=in_sbuf())
    return b


def _folded(b_lo: Any, b_hi: list, jays: dict, i: int, rows: int, width: int, quarter: bool) -> tuple[Any, Any]:
    """The second stage's moving operands of lo chunk i: [Sr | Si] and [-Di | Dr] [rows, 2 width], and for a
    ``quarter`` table [Sr | Si | Sr | Si] and [-Di | Dr | Di | -Dr] [rows, 4 width] (Y[k] from the first
    halves, Y[n2 - k] from the second). The hi rows reversed onto their partners by J (accumulating over the
    hi chunks that pair with this chunk), the sums and differences on GpSimd, the second halves copied by the
    Scalar engine."""
    w = width
    pairs = [(h, jay[0]) for (lo_i, h), jay in jays.items() if lo_i == i]
    s = sbuf((rows, 4 * w))
    d = sbuf((rows, 4 * w))
    eng = in_sbuf()
    if pairs:
        r = psum((rows, 2 * w))
        for k, (h, jay) in enumerate(pairs):
            nisa.nc_matmul(dst=r, stationary=jay, moving=b_hi[h], accumulate=k > 0)
        rs = sbuf((rows, 2 * w))
        nisa.activation(dst=rs, op=nl.copy, data=r)
        nisa.tensor_tensor(dst=s[:, 0:2 * w], data1=b_lo, data2=rs, op=nl.add, engine=eng)
        nisa.tensor_tensor(dst=d[:, 0:w], data1=rs[:, w:2 * w], data2=b_lo[:, w:2 * w], op=nl.subtract, engine=eng)
        nisa.tensor_tensor(dst=d[:, w:2 * w], data1=b_lo[:, 0:w], data2=rs[:, 0:w], op=nl.subtract, engine=eng)
    else:   # no partner rows (the middle row of an even n2 alone in its chunk): S = B, D meets zero Im F2 rows
        nisa.tensor_copy(dst=s[:, 0:2 * w], src=b_lo, engine=eng)
        nisa.tensor_copy(dst=d[:, w:2 * w], src=b_lo[:, 0:w], engine=eng)
        nisa.activation(dst=d[:, 0:w], op=nl.copy, data=b_lo[:, w:2 * w], scale=-1.0)
    if not quarter:
        return s[:, 0:2 * w], d[:, 0:2 * w]
    nisa.activation(dst=s[:, 2 * w:4 * w], op=nl.copy, data=s[:, 0:2 * w])
    nisa.activation(dst=d[:, 2 * w:4 * w], op=nl.copy, data=d[:, 0:2 * w], scale=-1.0)
    return s, d


def tall_four_step(xr: Any, xi: Any, y: tuple, c: Any, n1: int, n2: int, group: int, quarter: bool) -> None:
    """y = DFT(x) for HBM [B, n1*n2] tensors, ``group`` transforms per tile (n1 * group <= 128), ``c`` the
    constant table in SBUF (``TallTable``, ``load_tall``); y = (yr, yi) or (y2,) as ``_store`` writes them."""
    batch = xr.shape[0]
    table = TallTable(n1, n2, group * n1, quarter)
    lo, _ = fold_rows(n2)
    jays = _exchange(table)
    f1 = _identity_f1(table) if table.identity else c
    rows_re = xr.reshape((batch * n1, n2))
    rows_im = xi.reshape((batch * n1, n2))
    g1s: dict = {}
    for s in nl.affine_range((batch + group - 1) // group):
        t0 = s * group
        width = min(group, batch - t0) * n1        # (t, k1) columns of this tile
        stacked = width == table.width and table.stacked
        if width not in g1s:
            g1s[width] = None if stacked else _g1(f1, table, width)
        g1 = g1s[width]
        x = _load_x(rows_re, rows_im, t0 * n1, width, n2, stacked)
        b_lo = [_twiddled(x, g1, c, f1, table, table.twiddle(0, i), c0, rows, width)
                for i, (c0, rows) in enumerate(table.lo_chunks)]
        b_hi = [_twiddled(x, g1, c, f1, table, table.twiddle(1, h), lo + c0, rows, width)
                for h, (c0, rows) in enumerate(table.hi_chunks)]
        folded = [_folded(b_lo[i], b_hi, jays, i, rows, width, table.quarter)
                  for i, (_, rows) in enumerate(table.lo_chunks)]
        if table.quarter:
            _quarter_stage(y, c, table, folded, jays, t0, width)
        else:
            for k0, cols in row_chunks(n2):   # [Yr | Yi] = Re F2^T [Sr | Si] + Im F2^T [-Di | Dr]
                acc = _second_stage(c, table, folded, k0, cols, 2 * width)
                o = sbuf((cols, 2 * width))
                nisa.activation(dst=o, op=nl.copy, data=acc)
                _store(y, o, t0, k0, n1, n2, width)


def _second_stage(c: Any, table: TallTable, folded: list, k0: int, cols: int, free: int) -> Any:
    """PSUM [cols, free] = sum over the lo chunks of Re F2^T M1 + Im F2^T M2 for F2's columns k0.."""
    acc = psum((cols, free))
    for i, (_, rows) in enumerate(table.lo_chunks):
        f = table.f2(i)
        im = f + table.f2_columns
        nisa.nc_matmul(dst=acc, stationary=c[0:rows, f + k0:f + k0 + cols], moving=folded[i][0],
                       accumulate=i > 0)   # accumulate=False overwrites (nki.isa.nc_matmul page)
        nisa.nc_matmul(dst=acc, stationary=c[0:rows, im + k0:im + k0 + cols], moving=folded[i][1], accumulate=True)
    return acc


def _quarter_stage(y: tuple, c: Any, table: TallTable, folded: list, jays: dict, t0: int, width: int) -> None:
    """The second stage over F2's quarter: per lo chunk of k, [Yr | Yi | Y'r | Y'i] with Y'[k] = Y[n2 - k]; the
    Y rows stored, the Y' rows put back in row order (hi row p is n2's row lo + p) by J^T and stored."""
    n1, n2 = table.n1, table.n2
    lo, _ = fold_rows(n2)
    mirrored = []
    for k0, cols in table.lo_chunks:
        acc = _second_stage(c, table, folded, k0, cols, 4 * width)
        o = sbuf((cols, 4 * width))
        nisa.activation(dst=o, op=nl.copy, data=acc)
        _store(y, o[:, 0:2 * width], t0, k0, n1, n2, width)
        mirrored.append(o[:, 2 * width:4 * width])
    for h, (h0, cols) in enumerate(table.hi_chunks):
        pairs = [(i, jay[1]) for (i, hh), jay in jays.items() if hh == h]
        acc = psum((cols, 2 * width))
        for k, (i, jay) in enumerate(pairs):
            nisa.nc_matmul(dst=acc, stationary=jay, moving=mirrored[i], accumulate=k > 0)
        o = sbuf((cols, 2 * width))
        nisa.activation(dst=o, op=nl.copy, data=acc)
        _store(y, o, t0, lo + h0, n1, n2, width)


def _store(y: tuple, o: Any, t0: int, k0: int, n1: int, n2: int, width: int) -> None:
    """Rows k2 = k0.. of Y, o = [Yr | Yi] [rows, 2 width], into y[t, k1 + n1 k2]: y = (yr, yi) [B, n] (two
    DMAs) or (y2,) [2, B, n] (one DMA, re over im)."""
    n = n1 * n2
    rows, g = o.shape[0], width // n1
    if len(y) == 1:
        y2 = y[0]
        pattern = [[n1, rows], [y2.shape[1] * n, 2], [n, g], [1, n1]]   # [k2, part, t, k1]
        nl.store(y2.ap(pattern=pattern, offset=t0 * n + k0 * n1), o)
        return
    pattern = [[n1, rows], [n, g], [1, n1]]   # [k2, t, k1] -> y[t, k1 + n1*k2]
    for part, half in zip(y, (o[:, 0:width], o[:, width:2 * width])):
        nl.store(part.ap(pattern=pattern, offset=t0 * n + k0 * n1), half)


def load_tall(table: Any, n1: int, n2: int, group: int, quarter: bool) -> Any:
    """The constant table into SBUF: one DMA, or for n1 = 1 one per row chunk of F2 (``TallTable.hbm_elements``)."""
    layout = TallTable(n1, n2, group * n1, quarter)
    if not layout.identity:
        return nl.load(table)
    c = sbuf((layout.rows, layout.columns))
    cols, offset = 2 * layout.f2_columns, 0
    for i, (_, rows) in enumerate(layout.lo_chunks):
        nisa.dma_copy(dst=c[0:rows, layout.f2(i):layout.f2(i) + cols],
                      src=table.ap(pattern=[[cols, rows], [1, cols]], offset=offset))
        offset += rows * cols
    return c


@nki.jit
def tall_four_step_kernel(xr, xi, table, n1, n2, group, quarter):
    """The output as one [2, B, n] array, re over im (one store DMA per row chunk)."""
    batch = xr.shape[0]
    y2 = nl.ndarray((2, batch, n1 * n2), nl.float32, buffer=nl.shared_hbm)
    tall_four_step(xr, xi, (y2,), load_tall(table, n1, n2, group, quarter), n1, n2, group, quarter)
    return y2
