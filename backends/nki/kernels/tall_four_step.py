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
   so the rows land on partitions; one matmul with re over im on the contraction where the first table
   block is 2 g n1 rows tall anyway), left PSUM by the Scalar engine; the lo rows multiplied by the twiddles
   on GpSimd;
2. the hi rows reversed onto their partners' partitions by the exchange matrix on the Tensor engine
   (R = J^T A_hi: positive-step access patterns cannot reverse, D/nki/deep-dives/nki-aps.html) and only then
   twiddled, then on GpSimd [Sr | Si] = B_lo + R and [-Di | Dr];
3. per output chunk of k2: [Yr | Yi] = Re F2^T [Sr | Si] + Im F2^T [-Di | Dr], F2 stationary, so row k2 of
   Y is y[n1*k2 : n1*(k2 + 1)]: contiguous stores. With F2's quarter (``quarter``: columns k <= n2/2 too, half
   the bytes again) the same products with Im F2's sign flipped give Y[n2 - k], put back in row order by J^T:
   from moving [Sr | Si | Sr | Si] and [-Di | Dr | Di | -Dr] (free size 4 width, one PSUM tile), or
   (``halves``) P = Re F2^T [Sr | Si] and Q = Im F2^T [-Di | Dr] in two PSUM tiles (free size 2 width: half
   the Tensor time), Y = P + Q and Y[n2 - k] = P - Q on GpSimd. The planner picks among these forms (and
   ``taller``, ``formed`` below) by its estimate.

Half-shifted twiddles (no table for the hi rows): with T~[j2, k1] = w_n^((j2 - n2/2) k1) and
F1''[j1, k1] = w_2n1^((2 j1 + 1) k1) = F1[j1, k1] w_2n1^(k1), T~ (X F1'') = T (X F1) and T~[n2 - j] =
conj(T~[j]): the hi row n2 - j, once J has put it on row j's partition, takes conj of row j's twiddle. Both
are correctly rounded constants (exponents (2 j2 - n2) k1 mod 2n and (2 j1 + 1) k1 mod 2 n1); the
normalisation rides on F2. The twiddles are read by their n1 columns and used for all g transforms of a tile
(a zero step over t). For n1 >= 4 the table holds T~'s columns k1 < m (m = ceil(sqrt(n1))) and V[j, b] =
T~[j, m b]; the other columns are made once per launch on GpSimd, T~[j, a + m b] = T~[j, a] V[j, b]: a
float32 product of two correctly rounded float32 values (a stated departure from one rounding of the
float64 value; the error stays ~2-3e-7, tests/nki/test_nki_tall_fold.py), unless the planner takes ``whole``:
all n1 columns read, a few more bytes for no GpSimd products (4103 = 11 x 373 at batch 1: 6 KB for 144 cycles).

Short n1: g = 128 // n1 transforms share a tile (block-diagonal I_g (x) F1, as in ``four_step.py``). The
constants are one block per lo chunk of rows (``TallTable``): HBM holds them one after another without padding
rows, one DMA each; ``taller`` stacks F1 on 2 g n1 rows also where the first chunk has fewer (padding rows for
one step-1 matmul per chunk instead of two); ``formed`` (a planner option where DMA binds) leaves F2's first L
columns out of HBM and makes them once per launch from the last s = f2 - L, F2[j, k] = F2[j, k + s] W[j] with
W[j] = w_n2^(-j s) one more column (``_form``: the Scalar engine's per-partition scales and GpSimd sums, no
matmul; a stated departure from one rounding like the twiddles' products, 4097: 2.5e-7); its block is read as
two segments, [Re F2's last s | Re T~ | Re W | F1''a] and the same for Im with F1''b, F1'' split into its two
column halves so that each segment carries one (no Im F2 columns read to even the segments out). The hi rows
are chunked as the partners of the lo chunks (each hi chunk pairs with one lo chunk: one J matmul in and one
out) where that makes no more chunks; every J block is a view of one compare of an iota of p + q (J and J^T of
a pair share theirs). The input is read once: a complex [B, n] array as float32 [B, 2n] by one DMA
per tile (re and im parted by the access pattern), or split (re, im) parts by one DMA each. The output is
written once: for n2 <= 253 (one chunk of lo rows and one of hi) by one store per tile (``TallTable.merged``);
else the second stage's column chunks and the mirror windows are equal windows at a fixed stride
(``TallTable.windows``: neighbours may share a row, written twice with the same values), one store per tile for
Y's rows and one for the mirrored rows (all n2 columns: one), or where there are no such windows one store per
chunk. A DMA's fixed cost is ~1.3 us over 16 queues, so at batch 1 two stores fewer are ~0.16 us (6915 =
15 x 461: 7 transfers -> 5). Step 1's chunks of equal rows share one PSUM tile and one Scalar copy
(``copy_groups``), and so do a store's mirror windows: a copy costs max(columns, 64) cycles, so below 64
columns two copy in the time of one. ``paired`` (with ``halves``, n2 = 256..383, ``TallTable.lifted``): the last lo
chunk has at most 64 rows, and its products P += Re F2^T S and Q += Im F2^T D (independent, disjoint PSUM columns)
run on PE rows 0..63 and 64..127 side by side (``cplx.matmul_on_rows``), with its Im F2 (once per launch) and D
(per tile) copied to partitions 64.. by SBUF -> SBUF DMA: one matmul of N = 2 width fewer per out chunk in the
cost model's Tensor time (17554 = 67 x 262 at batch 1: 3.45 -> 3.06 us MODELLED trn1). ``turns`` (with all n2
columns, ``TallTable.turned``): the output's R windows of M columns at a stride L come from F2's first window
alone, F2[j, k + r L] = F2[j, k] rho_r[j] (angle addition) carried by the moving operands: per lo chunk
[S | c S + s E | ..] against Re F2 and [E | c E - s S | ..] against Im F2 (E = iD), two matmuls of N = 2 R width
for all the windows where each window took two (at batch 1 each charged 64 columns), one PSUM copy and one store,
no J^T; the table holds M columns of F2 and rho. The products [S | E] c and [S | E] s run on the Scalar engine or,
``turn_gpsimd`` of them, on GpSimd (4103 = 11 x 373 at batch 1: 1.28 -> 0.97 us MODELLED trn1).

n1 = 1 (n = n2 with a prime factor above 128, 131..509: the alternative is Bluestein): F1 = I_g and the
twiddles are all the normalisation, so the table holds F2 alone, the normalisation folded into its values;
step 1 is the transpose of the tile by the Tensor engine against an identity made on chip (an iota compared
with 0, once per launch), and its PSUM copy is B itself (no twiddle product). At batch 64 and n2 near 512
F2's folded rows are about the input and output's bytes, and a 128th row of zeros would break the 2x target
(509: 2.002x): no block has padding rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from math import isqrt
from typing import Any

from ..engine import nki, nisa, nl
from .cplx import ROW_TILE, in_sbuf, matmul_on_rows, multiply, psum, sbuf


ROWS = nl.tile_size.pmax   # partitions per chunk of n2
PSUM_COLUMNS = 512   # float32 columns of one PSUM bank (2 KiB per partition)


def row_chunks(n: int) -> list[tuple[int, int]]:
    """(first row, rows) of n rows in partition chunks of at most 128."""
    return [(c0, min(ROWS, n - c0)) for c0 in range(0, n, ROWS)]


def _even(total: int, count: int) -> list[tuple[int, int]]:
    """(rows, stride) of ``count`` windows of equal rows <= 128 at a fixed stride, the first at row 0 and the
    last ending at row total - 1, sharing at most 4 rows per window after the first (``even_windows``)."""
    found = []
    for rows in range(-(-total // count), ROWS + 1):
        if count * rows - total > 4 * (count - 1):
            break
        if count == 1 or (total - rows) % (count - 1) == 0:
            found.append((rows, (total - rows) // (count - 1) if count > 1 else 0))
    return found


@lru_cache(maxsize=1024)
def store_windows(n2: int, quarter: bool) -> tuple[tuple[int, int, int], tuple[int, int, int]] | None:
    """Equal windows at a fixed stride for the output (``TallTable.windows``): ((count, rows, stride) of F2's
    column chunks in the second stage, (count, rows, stride) of the mirror windows, hi rows, for a quarter;
    (0, 0, 0) for all n2 columns), so that each kind leaves in one store per tile (``_store``) instead of one
    per chunk. Neighbouring windows may share rows (at most 4 per window after the first: each store saved is
    worth ~20 rows of the widest tile's bytes), written twice with the same values. For a quarter only where
    each mirror window's partners lie in one column chunk (one J^T matmul each) and there are no more mirror
    windows than hi chunks or (chunk, hi chunk) pairs (no matmul or copy more than the chunks' form); the
    fewest mirror windows, then the fewest shared rows. None where there are none, or one chunk each already.
    6915 = 15 x 461: columns 0..115 and 115..230, hi rows 0..114 and 115..229; 2 stores per tile, not 4."""
    lo, hi = fold_rows(n2)
    columns = lo if quarter else n2
    count = -(-columns // ROWS)
    if not quarter:
        found = _even(columns, count)
        return ((count, *found[0]), (0, 0, 0)) if found and count > 1 else None
    chunks = TallTable(1, n2, 1)
    most = min(len(chunks.hi_chunks), chunks.pairs)
    best = None
    for mirrors in range(-(-hi // ROWS), most + 1):
        for rows, stride in _even(columns, count):
            for m_rows, m_stride in _even(hi, mirrors):
                # hi row h0 + p takes Y'[k], k = hi - h0 - p: each window's k inside one column chunk
                if all(any(c * stride <= hi - m * m_stride - m_rows + 1 and hi - m * m_stride <= c * stride + rows - 1
                           for c in range(count)) for m in range(mirrors)):
                    key = (mirrors, count * rows + mirrors * m_rows)
                    if best is None or key < best[0]:
                        best = (key, ((count, rows, stride), (mirrors, m_rows, m_stride)))
    return best[1] if best is not None and best[1][0][0] + best[1][1][0] > 2 else None


@lru_cache(maxsize=4096)
def turn_windows(n2: int, turns: int) -> tuple[int, int] | None:
    """(rows M, stride L) of ``turns`` equal windows of all n2 columns (``TallTable.turned``), the fewest rows
    (``_even``: at most 4 shared per window after the first), or None where there are none."""
    found = _even(n2, turns) if turns >= 2 else []
    return found[0] if found else None


def pairable(n2: int) -> bool:
    """Whether ``TallTable.paired`` can apply to n2 (with ``halves``): two or more chunks of lo rows, the last
    of at most ``ROW_TILE`` rows (n2 = 256..383: 262 = 128 + 4 lo rows)."""
    lo = fold_rows(n2)[0]
    return lo > ROWS and (lo - 1) % ROWS + 1 <= ROW_TILE


def formed_rounds(f2: int, formed: int) -> list[tuple[int, int]]:
    """(first column, columns) of F2's ``formed`` first columns of f2 made per round, last first
    (``TallTable.rounds``)."""
    shift = f2 - formed
    ends = range(formed, 0, -shift) if formed else ()
    return [(max(0, end - shift), end - max(0, end - shift)) for end in ends]


def fold_rows(n2: int) -> tuple[int, int]:
    """(lo, hi): rows j <= n2/2 of F2 that the kernel reads, and the rows above them."""
    lo = n2 // 2 + 1
    return lo, n2 - lo


def f1_placed(spans: tuple[int, ...], f1_rows: int, base: int, extra: int) -> tuple[int, int]:
    """(floats of the table in HBM, the lo chunk whose block holds F1'') for blocks of ``spans`` data rows and
    ``base`` columns each, F1'' (``f1_rows`` rows, ``extra`` columns) in the block where it adds the fewest
    floats, max(rows, f1_rows) x (base + extra) - rows x base, the first on a tie (rows below a block's data
    rows, or below F1'' rows, are zero in HBM)."""
    added = [max(rows, f1_rows) * (base + extra) - rows * base for rows in spans]
    block = added.index(min(added))
    return sum(spans) * base + added[block], block


@dataclass(frozen=True)
class TallTable:
    """Column offsets of the tall four-step's constants in SBUF, [rows, columns] float32: per lo chunk of n2's
    rows (j <= n2/2) one block, [Re F2 | Re T~ | Im F2 | Im T~ | F1''] for one chunk (``f1_block``) and without F1''
    for the others (with W after each T~ where ``formed``), where
    F1'' = [Re | Im] of I_g (x) w_2n1^((2 j1 + 1) k1) (``width`` rows; with [-Im | Re] below where
    ``stacked``), T~ = w_n^((j2 - n2/2) k1) for the chunk's rows (``twiddle_columns``: whole or ``split``) and
    F2 = [Re F2 | Im F2] for its rows, the normalisation included (columns k <= n2/2 where ``quarter``, and
    k = lo where ``merged``; else all n2). Row r of a block is row c0 + r of its matrix. For n1 = 1 the F2
    blocks alone (``identity``).

    HBM holds the blocks one after another, each [its rows, its columns] without padding rows, read by one
    DMA each (``load_tall``). No twiddles for the hi rows: T~[n2 - j] = conj(T~[j]), applied after J has
    put the hi rows on their partners' partitions (``_folded``); the half-row shift's factor w_2n1^k1 rides
    on F1''. The chunk lists are cached per table (the planner's estimates ask for them many times): read,
    never modify them."""

    n1: int
    n2: int
    width: int
    quarter: bool = True   # F2's columns k <= n2/2 only (Y[n2 - k] mirrored back by J^T), else all n2
    taller: bool = False   # F1 stacked on 2 width rows even where the first chunk has fewer (padding rows)
    halves: bool = False   # with quarter: Y and Y' from P and Q in two PSUM tiles (moving free size 2 width)
    formed: int = 0   # F2's columns k < formed made on chip, F2[j, k] = F2[j, k + shift] W[j]
    paired: bool = False   # with halves: the last lo chunk's P and Q products side by side on two row tiles
    turns: int = 0   # all n2 columns as ``turns`` windows at a stride L from F2's first window's (``turned``)
    turn_gpsimd: int = 0   # ``turned``: of the 2 (turns - 1) products per lo chunk, the first this many on GpSimd
    whole: bool = False   # T~ read whole (n1 columns), not ``split``
    middle: int = 0   # ``turned``: the rows from the last lo chunk's first on taken unfolded (``middle_rows``); 2: with
    #                   Re F2 and Im F2 stacked on the contraction (``middle_offset``)
    lone: bool = False   # ``turned``: n2's row 0 alone, outside the fold, the lo chunks from row 1 (``_lone_row``)
    more: int = 0   # ``middle``: lo rows taken from the last folded chunk into the middle, 2 more middle rows each

    def __post_init__(self) -> None:
        """A ``middle`` or ``lone`` that cannot work is refused here, not run into a wrong result or a broadcast
        error."""
        if self.middle not in (0, 1, 2):
            raise ValueError(f"middle must be 0, 1 (unfolded) or 2 (stacked), not {self.middle!r}")
        if self.more < 0 or (self.more and not self.middle):
            raise ValueError(f"more (rows moved into the middle) must be 0, or > 0 with a middle: more = "
                             f"{self.more!r}, middle = {self.middle}")
        if self.middle and not self.middle_rows:
            raise ValueError(
                f"middle = {self.middle} needs turned windows (turns >= 2, neither quarter nor halves), n1 > 1 and "
                f"the rows from the last lo chunk's first (less ``more``, leaving the chunk before it a row) to "
                f"their partners in one chunk of <= {ROWS} after another: n1 = {self.n1}, n2 = {self.n2}, turns = "
                f"{self.turns}, quarter = {self.quarter}, halves = {self.halves}, more = {self.more}")
        if self.middle == 2 and not self.middle_offset:
            raise ValueError(f"middle = 2 (stacked) needs <= {ROW_TILE} middle rows (twice on <= {ROWS} "
                             f"partitions), n2 = {self.n2} has {self.middle_rows} (more = {self.more})")
        if self.lone and not (self.turned and not self.identity and not self.middle):
            raise ValueError(
                f"lone (row 0 alone) needs turned windows (turns >= 2, neither quarter nor halves), n1 > 1 and no "
                f"middle: n1 = {self.n1}, turns = {self.turns}, quarter = {self.quarter}, halves = {self.halves}, "
                f"middle = {self.middle}")

    @property
    def lifted(self) -> int:
        """Rows of the last lo chunk whose Im F2 block and D sit also on partitions ``ROW_TILE``.. (``paired``,
        ``pairable``), else 0: its P product (K = rows <= 64) runs on PE rows 0..63 beside its Q product on rows
        64..127, independent matmuls into disjoint PSUM columns, so the two take the time of one
        (``costmodel.TensorSchedule``). 17554 = 67 x 262 at batch 1: 8 matmuls of N = 134 in the second stage,
        2 of them now beside others. Costs one SBUF -> SBUF DMA per launch (Im F2) and one per tile (D)."""
        if not (self.paired and self.quarter and self.halves and not self.merged and pairable(self.n2)):
            return 0
        return self.lo_chunks[-1][1]

    @cached_property
    def lo_chunks(self) -> list[tuple[int, int]]:
        """(first row, rows) of the lo rows in chunks of <= 128; with a ``middle`` the last is the middle's rows."""
        lo = fold_rows(self.n2)[0]
        if self.lone:
            return [(c0 + 1, rows) for c0, rows in row_chunks(lo - 1)]
        chunks = row_chunks(lo)
        if self.middle_rows:
            c0 = chunks[-1][0] - self.more
            chunks[-2] = (chunks[-2][0], chunks[-2][1] - self.more)
            chunks[-1] = (c0, self.n2 - 2 * c0 + 1)
        return chunks

    @property
    def middle_rows(self) -> int:
        """Rows of the ``middle`` (``turned`` only): the last lo chunk's rows c0.. n2/2 and their partners up to
        n2 - c0, adjacent rows of n2 taken as they are, Y[k] += sum over j of F2[j, k] B[j]: one step-1 matmul for
        both (they were two chunks of rows), no J matmul, PSUM copy, conj(T~) product or fold for them; the
        moving operands rho_r B against Re F2 and i rho_r B against Im F2 (``_middle``); the table holds their F2,
        T~, rho rows (T~[j] for j > n2/2 as for any row), twice the last lo chunk's. 0 where there is none: n2 - 2 c0 + 1 <= 128
        rows and two lo chunks or more. ``more`` moves c0 that many rows earlier, out of the chunk before (which keeps
        a row at least): the table's rows cost DMA bytes, the engines' instructions do not depend on partitions, so
        where the middle's block is padded below F1'''s rows (``f1_block``) the rows it gains are free and the
        folded chunk's block loses them (4208 = 16 x 263: P = 8 stacked on 16 rows, F1'' on 32; with more = 4,
        P = 16 on 32 rows and the first block 124 rows, not 128)."""
        if not (self.middle and self.turned) or self.identity:
            return 0
        lo = fold_rows(self.n2)[0]
        c0 = (lo - 1) // ROWS * ROWS - self.more
        rows = self.n2 - 2 * c0 + 1
        return rows if c0 > (lo - 1) // ROWS * ROWS - ROWS and c0 > 0 and rows <= ROWS else 0

    @property
    def middle_offset(self) -> int:
        """``middle`` = 2: the partition q = P (the middle's rows, <= 64) where its second copy begins, else 0.
        Its block is [2P rows]: rows r < P as n2's rows c0 + r, rows P + r as G = -i F2 (Re G = Im F2, Im G =
        -Re F2), i T~, and the same W and rho; step 1 writes the rows twice (the stationary reads x's columns
        c0.. c0 + P - 1 twice, M = 2P), so the twiddle product makes B on rows r and iB on rows P + r, and per
        window rho_r B and rho_r iB are one complex product per partition: Y[k + rL] += sum over the 2P rows of
        (Re F2 | Im F2)[j, k] (rho_r B | i rho_r B)[j], one matmul of K = 2P where Re F2 and Im F2 took two.
        No padding rows: every instruction on the block (step 1's matmul and copy, the twiddle and turn
        products, ``_form``, the F2 matmul) reads or writes its 2P partitions from partition 0, which trn1's
        start-partition rule allows for any count up to 128 (tiling overview, ``emulator/isa.py::_tile``);
        none starts at partition P."""
        rows = self.middle_rows
        return rows if self.middle == 2 and 0 < rows <= ROW_TILE else 0

    def span(self, i: int) -> int:
        """Partitions of lo chunk i's data tiles: its rows, or 2P for the stacked ``middle``."""
        rows = self.lo_chunks[i][1]
        return self.middle_offset + rows if i == len(self.lo_chunks) - 1 and self.middle_offset else rows

    @cached_property
    def hi_chunks(self) -> list[tuple[int, int]]:
        """(first, rows) of the hi rows (hi row h is n2's row lo + h) in chunks: the partners of each lo chunk's
        rows, last lo chunk first, so that each pairs with one lo chunk (one J matmul in and one out each)
        where that makes no more chunks than 128 rows at a time (lo = 199: 71 + 127 rows, 2 pairs, not
        128 + 70, 3 pairs; lo = 129: 128 rows, not 1 + 127)."""
        lo, hi = fold_rows(self.n2)
        folded = self.lo_chunks[:-1] if self.middle_rows else self.lo_chunks
        start = self.n2 - lo - folded[-1][0] - folded[-1][1] + 1 if self.middle_rows else 0   # hi rows after it
        mirrored = []
        for c0, rows in reversed(folded):
            first, last = max(c0, 1), min(c0 + rows, self.n2 - lo + 1) - 1   # partner rows j, 1 <= j <= n2 - lo
            if first <= last:
                mirrored.append((self.n2 - lo - last, last - first + 1))
        plain = [(start + h0, rows) for h0, rows in row_chunks(hi - start)]
        return mirrored if len(mirrored) <= len(plain) else plain

    @property
    def made_on_chip(self) -> int:
        """GpSimd cycles (elements per partition) of the iota and compares, or the selects, that make the J
        blocks, and of the identities, once per launch (``_exchange``, ``_identity_f1``)."""
        cycles = self._compare_cycles(self.exchange_compares)
        if self.identity:
            cycles += 4 * self.width
        return cycles

    @cached_property
    def ones(self) -> int:
        """Column of the table holding 1 on every row the J blocks need, or -1: Re T~[:, 0] of the first lo chunk
        (T~[j, 0] = w^0, exactly 1). There each J block is one GpSimd affine_select of that column read with a
        zero step (1 where p + q = d, else 0), not an iota and a compare: 4155 = 15 x 277 at batch 1, 128 GpSimd
        cycles where it took 256. Not for n1 = 1 (no twiddles) or J blocks taller than the first lo chunk
        (``merged``'s J^T: lo + 1 rows)."""
        rows = max(r for block in self.exchange_blocks.values() for r, _, _ in block)
        return -1 if self.identity or rows > self.lo_chunks[0][1] else self.twiddle(0)

    @cached_property
    def exchange_blocks(self) -> dict[tuple, tuple[tuple[int, int, int], ...]]:
        """(lo chunk, hi chunk) -> ((rows, columns, d),) of J [hi rows, lo rows] (1 where p + q = d), the fold's
        exchange in; ("out", out chunk, mirror window) -> ((rows, columns, d),) of J^T [out chunk rows, window
        rows], Y' back in row order for a quarter (``return_pairs``). ``merged``: J [hi, lo] in and J^T [lo + 1,
        lo] out."""
        lo, hi = fold_rows(self.n2)
        if self.merged:
            return {(0, 0): ((hi, lo, hi), (lo + 1, lo, lo))}
        blocks: dict[tuple, tuple[tuple[int, int, int], ...]] = {}
        for i, h, d in self.paired_chunks:
            blocks[i, h] = ((self.hi_chunks[h][1], self.lo_chunks[i][1], d),)
        for i, h, d in self.return_pairs:
            blocks["out", i, h] = ((self.out_chunks[i][1], self.mirror_chunks[h][1], d),)
        return blocks

    @property
    def windows(self) -> tuple[tuple[int, int, int], tuple[int, int, int]] | None:
        """((count, rows, stride), (count, rows, stride)) of the second stage's column chunks of F2 (the rows
        k of Y they make) and, for a quarter, of the mirror windows (hi rows, put in row order by J^T), or None
        (one store per chunk; ``merged`` tables have their own single store): ``store_windows``, or for
        ``turns`` (``turned``) that many windows of all n2 columns."""
        if self.turned:
            return self.turned_windows, (0, 0, 0)
        return None if self.merged else store_windows(self.n2, self.quarter)

    @property
    def turned(self) -> bool:
        """Whether the second stage makes all n2 columns of Y from F2's first window alone (``turns`` >= 2
        windows of M rows at a stride L, all n2 columns, neither quarter nor halves): column k + r L of F2 is
        column k times rho_r[j] = w_n2^(j r L) per row (angle addition), so with rho_r = c + i s

            Y[k + r L] = sum over j of Re F2[j, k] (c S + s E)[j] + Im F2[j, k] (c E - s S)[j],   E = iD,

        and the moving operands [S | M1_1 | ..] against Re F2 and [E | M2_1 | ..] against Im F2 (free size 2 turns
        width, one PSUM tile [M, turns x 2 width]) make every window in two matmuls per lo chunk, where the
        windows' own columns take two per lo chunk and window, each charged at least 64 columns (``_turn``).
        The table holds M columns of F2 and rho_r (r >= 1, Re and Im) instead of n2 columns."""
        return self.turns >= 2 and not self.quarter and not self.halves

    @property
    def turned_windows(self) -> tuple[int, int, int]:
        """(turns, rows M, stride L) of a ``turned`` table's windows (``turn_windows``)."""
        found = turn_windows(self.n2, self.turns)
        if found is None:
            raise ValueError(f"no {self.turns} equal windows of <= {ROWS} rows cover n2 = {self.n2}")
        return (self.turns, *found)

    @cached_property
    def out_chunks(self) -> list[tuple[int, int]]:
        """(first column k, columns) of F2's column chunks in the second stage: the ``windows``, else the lo
        chunks (quarter) or n2's row chunks."""
        if self.windows is not None:
            count, rows, stride = self.windows[0]
            return [(c * stride, rows) for c in range(count)]
        return self.lo_chunks if self.quarter else row_chunks(self.n2)

    @cached_property
    def mirror_chunks(self) -> list[tuple[int, int]]:
        """(first hi row, rows) of Y's hi rows as J^T puts them in row order (a quarter): the ``windows``, else
        the hi chunks."""
        if self.windows is not None:
            count, rows, stride = self.windows[1]
            return [(c * stride, rows) for c in range(count)]
        return self.hi_chunks

    @cached_property
    def return_pairs(self) -> list[tuple[int, int, int]]:
        """(out chunk i, mirror window h, d) for a quarter: hi row h0 + p takes Y'[k] = Y[n2 - k] from out chunk
        i's row q, k = k0 + q = hi - h0 - p, so p + q = d = hi - h0 - k0; each k from the first chunk holding it
        (``windows``: every window from one chunk; else the chunks are the lo chunks, disjoint)."""
        if not self.quarter or self.merged:
            return []
        hi = fold_rows(self.n2)[1]
        found = []
        for h, (h0, rows) in enumerate(self.mirror_chunks):
            ks = range(hi - h0 - rows + 1, hi - h0 + 1)
            if self.windows is not None:
                i = next(i for i, (k0, c) in enumerate(self.out_chunks) if k0 <= ks[0] and ks[-1] < k0 + c)
                found.append((i, h, hi - h0 - self.out_chunks[i][0]))
                continue
            found += [(i, h, hi - h0 - k0) for i, (k0, c) in enumerate(self.out_chunks)
                      if k0 <= ks[-1] and ks[0] < k0 + c]
        return found

    def copy_groups(self, width: int) -> list[tuple[int, ...]]:
        """Step 1's row chunks (indices into lo chunks + hi chunks) whose PSUM outputs share one tile and one
        Scalar copy, in order, at most ``PSUM_COLUMNS`` columns of 2 width each. A copy costs max(columns, 64)
        cycles whatever its partitions, so at 2 width < 64 chunks copied together cost one: 4155 = 15 x 277 at
        batch 1, 3 chunks of 128, 22 and 127 rows, one copy of 90 columns (90 cycles) where each took 64. The
        tile has the group's most rows (2P for the stacked ``middle``); a chunk with fewer leaves the rest of its slot unwritten,
        copied with it and never read (each chunk's output is the view of its own rows)."""
        chunks = len(self.lo_chunks) + len(self.hi_chunks)
        most = max(1, PSUM_COLUMNS // (2 * width))
        return [tuple(range(k, min(k + most, chunks))) for k in range(0, chunks, most)]

    @property
    def out_stores(self) -> list[tuple[int, int, int, int]]:
        """(first row of n2, rows, stride, count) of each store per tile of Y's rows from the out chunks: one of
        the ``windows``, or one per chunk. Not for ``merged`` tables (one store of 2 lo rows)."""
        if self.windows is not None:
            count, rows, stride = self.windows[0]
            return [(0, rows, stride, count)]
        return [(k0, cols, 0, 1) for k0, cols in self.out_chunks]

    @property
    def mirror_stores(self) -> list[tuple[int, int, int, int]]:
        """As ``out_stores`` for the mirror windows' hi rows (a quarter)."""
        if not self.quarter:
            return []
        lo = fold_rows(self.n2)[0]
        if self.windows is not None:
            count, rows, stride = self.windows[1]
            return [(lo, rows, stride, count)]
        return [(lo + h0, rows, 0, 1) for h0, rows in self.mirror_chunks]

    @property
    def stored_rows(self) -> int:
        """Rows of Y written per tile (rows shared by two windows, or by a ``merged`` store's halves, twice)."""
        if self.merged:
            return 2 * fold_rows(self.n2)[0]
        return sum(rows * count for _, rows, _, count in self.out_stores + self.mirror_stores)

    @property
    def store_count(self) -> int:
        """Output DMAs per tile."""
        return 1 if self.merged else len(self.out_stores) + len(self.mirror_stores)

    @cached_property
    def exchange_compares(self) -> list[tuple[int, int, int]]:
        """(D, rows, columns) of the compares M = [p + q = D] that hold every J block (``exchange_blocks``) as a
        view, J = M[0:r, D - d:D - d + c] (1 where p + q = d): one compare per distinct d (J and J^T of a pair
        share theirs), or one for all where that is fewer columns (``merged``: J's d = hi and J^T's lo, one
        compare of 2 lo - hi columns against lo + 1 + lo)."""
        specs = [spec for block in self.exchange_blocks.values() for spec in block]

        def compare(group: list) -> tuple[int, int, int]:
            top = max(d for _, _, d in group)
            return top, max(r for r, _, _ in group), max(top - d + c for _, c, d in group)

        apart = [compare([s for s in specs if s[2] == d]) for d in sorted({s[2] for s in specs})]
        together = [compare(specs)]
        return min((together, apart), key=self._compare_cycles)

    def _compare_cycles(self, compares: list[tuple[int, int, int]]) -> int:
        """GpSimd cycles of ``compares``: each its columns, plus the iota of the widest (none where the J blocks
        are selects of a column of ones, ``ones``)."""
        iota = 0 if self.ones >= 0 else max(c for _, _, c in compares)
        return iota + sum(c for _, _, c in compares)

    def exchange_view(self, spec: tuple[int, int, int]) -> tuple[int, int]:
        """(index into ``exchange_compares``, first column) of J block ``spec`` = (rows, columns, d)."""
        r, c, d = spec
        return next((k, top - d) for k, (top, rows, cols) in enumerate(self.exchange_compares)
                    if top >= d and r <= rows and top - d + c <= cols)

    @cached_property
    def paired_chunks(self) -> list[tuple[int, int, int]]:
        """(lo chunk i, hi chunk h, d) for every pair of chunks holding partner rows: hi row h0 + p (n2's row
        lo + h0 + p) is the partner n2 - j of lo row j = l0 + q where p + q = d (the same pairing takes output
        row k to n2 - k)."""
        lo = fold_rows(self.n2)[0]
        return [(i, h, d) for i, (l0, lr) in enumerate(self.lo_chunks) for h, (h0, hr) in enumerate(self.hi_chunks)
                if 0 <= (d := self.n2 - lo - h0 - l0) <= hr - 1 + lr - 1]

    @property
    def pairs(self) -> int:
        """(lo chunk, hi chunk) pairs with partner rows: the J matmuls in (and out, for a quarter) per tile."""
        return len(self.paired_chunks)

    @property
    def identity(self) -> bool:
        """n1 = 1: no F1 or twiddle blocks (F1 = I_g made on chip, the normalisation in F2's values)."""
        return self.n1 == 1

    @property
    def stacked(self) -> bool:
        """Whether F1's block is [[Re F1 | Im F1]; [-Im F1 | Re F1]] on 2 width rows (step 1 as one matmul with
        re and im on the contraction, for full tiles): where the first chunk makes the block that tall anyway
        (4110 = 30 x 137 at batch 1: 60 of 69 rows; at batch 2 the 120 rows would double the block), or
        ``taller`` (5206 = 38 x 137 at batch 1: 76 rows against 69, 7 padding rows for 2 fewer matmuls)."""
        return 2 * self.width <= ROWS and (2 * self.width <= fold_rows(self.n2)[0] or self.taller)

    @property
    def f1_rows(self) -> int:
        return 0 if self.identity else self.width * (2 if self.stacked else 1)

    def block_rows(self, i: int) -> int:
        """Rows of lo chunk i's block (``f1_block``'s also holds F1''; the stacked ``middle`` 2P)."""
        return max(self.span(i), self.f1_rows if i == self.f1_block else 0)

    @cached_property
    def f1_block(self) -> int:
        """The lo chunk whose block holds F1'' (``f1_placed``): 4102 = 14 x 293 at batch 1, F1'''s 28 rows in the
        middle's block of 38 rows, not the first chunk's of 128, 10 KB fewer; 4112 = 16 x 257, the stacked
        middle's 4 rows made 32 for F1'' (1.5 KB fewer than F1'' in the first block)."""
        return f1_placed(*self.f1_arguments)[1]

    @cached_property
    def f1_arguments(self) -> tuple[tuple[int, ...], int, int, int]:
        """``f1_placed``'s arguments: the blocks' data rows, F1'''s rows, each block's columns, F1'''s columns."""
        spans = tuple(self.span(i) for i in range(len(self.lo_chunks)))
        return spans, self.f1_rows, self.base_columns, 0 if self.identity else 2 * self.width

    @cached_property
    def base_columns(self) -> int:
        """Columns of each lo chunk's block in HBM, F1'' not counted (``read_columns``)."""
        if self.formed:
            return 2 * (self.part_columns - self.formed - self.width * self.inner_f1)
        return 2 * self.part_columns

    @property
    def rows(self) -> int:
        return max(self.block_rows(i) for i in range(len(self.lo_chunks)))

    @property
    def merged(self) -> bool:
        """Whether the output leaves in one DMA per tile: a quarter table with one chunk of lo rows and one of
        hi rows, and F2's column k = lo too (lo + 1 <= 128 columns). Then the mirrored products Y'[k] =
        Y[n2 - k] for k = 1..lo, put in row order by J^T, are the rows n2 - lo.. n2 - 1, next to the rows
        0.. lo - 1 in one SBUF tile, and one access pattern stores both (rows n2 - lo.. lo - 1, one or two,
        are in both halves, the same values from the same products: written twice)."""
        lo, hi = fold_rows(self.n2)
        return self.quarter and lo + 1 <= ROWS and hi <= ROWS

    @property
    def f2_columns(self) -> int:
        lo = fold_rows(self.n2)[0]
        if self.turned:
            return self.turned_windows[1]
        return (lo + self.merged) if self.quarter else self.n2

    @property
    def split(self) -> tuple[int, int]:
        """(m, blocks): T~'s columns k1 = a + m b (a < m, b < blocks) as the products T~[j, a] V[j, b] with
        V[j, b] = T~[j, m b], made on chip once per launch; blocks = 1 (T~ read whole) for n1 <= 3 or ``whole``
        (a planner option: n1 - m - blocks more columns read, 6 m blocks GpSimd cycles per lo chunk fewer)."""
        m = self.n1 if self.n1 <= 3 or self.whole else isqrt(self.n1 - 1) + 1   # ceil(sqrt(n1))
        return m, -(-self.n1 // m)

    @property
    def twiddle_columns(self) -> int:
        """Columns per part (Re, Im) of the twiddles: T~ (n1), or ``split`` T~[:, :m] and V (m + blocks)."""
        if self.identity:
            return 0
        m, blocks = self.split
        return self.n1 if blocks == 1 else m + blocks

    @property
    def inner_f1(self) -> bool:
        """Whether F1'''s two column halves end the two parts (``formed`` tables with an F1 block): the DMA reads
        each part from its first read column to its end, so F1'' rides in both segments, width columns each."""
        return self.formed > 0 and not self.identity

    @property
    def part_columns(self) -> int:
        """Columns from a block's Re F2 to its Im F2 (and from Re T~ to Im T~): [Re F2 | Re T~ | Re W | Re rho |
        F1''a | Im F2 | Im T~ | Im W | Im rho | F1''b], W (one column, ``formed`` tables only) = w_n2^(-j shift),
        the factor of the formed columns, rho (``turn_columns``, ``turned`` tables only) the windows' factors,
        F1''a and F1''b (``inner_f1``, width columns each, in ``f1_block``'s block; the other blocks leave them
        unused) the halves of F1'' (``f1_at``)."""
        return (self.f2_columns + self.twiddle_columns + self.turn_columns
                + (1 + self.width * self.inner_f1 if self.formed else 0))

    @property
    def turn_columns(self) -> int:
        """Columns per part of ``turned``'s factors rho_1 .. rho_(turns - 1) (none otherwise)."""
        return self.turns - 1 if self.turned else 0

    @property
    def f1_at(self) -> tuple[int, int]:
        """Columns of F1'''s two halves, [Re F1'' (over -Im F1'' where ``stacked``)] and [Im F1'' (over Re F1'')]:
        the end of ``f1_block``'s two parts (``inner_f1``), else after them, side by side."""
        first = self.block(self.f1_block)
        if self.inner_f1:
            return first + self.part_columns - self.width, first + 2 * self.part_columns - self.width
        return first + 2 * self.part_columns, first + 2 * self.part_columns + self.width

    @property
    def shift(self) -> int:
        """``formed``: the columns read, F2's last; column k < formed is made from column k + shift."""
        return self.f2_columns - self.formed

    @property
    def rounds(self) -> list[tuple[int, int]]:
        """(first column, columns) formed per round, last first: each from the ``shift`` columns after it, read
        or formed the round before (formed > shift: a product of a product)."""
        return formed_rounds(self.f2_columns, self.formed)

    def factor(self, i: int) -> int:
        """Column of Re W for lo chunk i (``formed``; Im W ``part_columns`` further)."""
        return self.twiddle(i) + self.twiddle_columns

    def turn(self, i: int) -> int:
        """Column of Re rho_1 for lo chunk i (``turned``; rho_r r - 1 columns further, Im ``part_columns``
        further): after T~ and W."""
        return self.factor(i) + (1 if self.formed else 0)

    def f1_columns(self, i: int) -> int:
        """Columns of F1'' after lo chunk i's two parts (``f1_block``'s, unless ``inner_f1``)."""
        return 2 * self.width if i == self.f1_block and not self.identity and not self.inner_f1 else 0

    def block_columns(self, i: int) -> int:
        return self.f1_columns(i) + 2 * self.part_columns

    def block(self, i: int) -> int:
        """First column of lo chunk i's block."""
        return sum(self.block_columns(b) for b in range(i))

    def f2(self, i: int) -> int:
        """Column of Re F2 for lo chunk i (Im F2 ``part_columns`` further): the block's first."""
        return self.block(i)

    def twiddle(self, i: int) -> int:
        """Column of Re T~ (or Re T~[:, :m] and Re V) for lo chunk i (Im ``part_columns`` further)."""
        return self.f2(i) + self.f2_columns

    @property
    def columns(self) -> int:
        return self.block(len(self.lo_chunks))

    def segment(self, i: int) -> int:
        """``formed``: the columns of each part of lo chunk i's block in HBM, from the first read F2 column to the
        part's end (less the unused F1'' columns of blocks other than ``f1_block``'s)."""
        return self.part_columns - self.formed - (self.width if self.inner_f1 and i != self.f1_block else 0)

    def read_columns(self, i: int) -> int:
        """Columns of lo chunk i's block in HBM: all, or where ``formed`` its two parts' ``segment``s."""
        return 2 * self.segment(i) if self.formed else self.block_columns(i)

    @property
    def hbm_elements(self) -> int:
        """Floats of the table in HBM: the lo chunks' blocks one after another, [block rows, ``read_columns``]."""
        return sum(self.block_rows(i) * self.read_columns(i) for i in range(len(self.lo_chunks)))


@dataclass(frozen=True)
class TallView(nl.NKIObject):
    """What the kernel reads of a ``TallTable``, as plain values (``tall_view`` builds it on the host): the tall
    four-step's trace-time code is NKI language (docs/architecture.md), where ``TallTable``'s cached properties,
    sets and tuple-keyed dicts are not, so the planner's class stays on the host and the kernel takes this
    snapshot as an argument (a class instance passes as its object dictionary, language guide "Class Support").
    The methods ``f2(i)``, ``twiddle(i)``, ... read ``TallTable``'s values per lo chunk from tuples."""

    n1: int
    n2: int
    width: int
    quarter: bool
    halves: bool
    formed: int
    lifted: int
    identity: bool
    stacked: bool
    merged: bool
    turned: bool
    turns: int
    turn_gpsimd: int
    middle_rows: int    # rows of the unfolded ``middle`` (the last lo chunk's), else 0
    ones: int           # the table's column of ones for the J blocks' selects (``TallTable.ones``), else -1
    middle_offset: int  # the stacked middle's q = P, else 0
    lone: bool          # n2's row 0 alone (``TallTable.lone``)
    scale: float        # the normalisation (``_lone_row``'s copy; elsewhere it rides on F2's values)
    turned_windows: tuple
    part_columns: int
    f2_columns: int
    shift: int
    columns: int
    rows: int
    split: tuple
    f1_at: tuple
    lo_chunks: tuple
    hi_chunks: tuple
    out_chunks: tuple
    out_stores: tuple
    mirror_stores: tuple
    return_pairs: tuple
    rounds: tuple
    exchange_compares: tuple
    exchange: tuple     # (key, ((rows, columns, compare, first column), ...)): the J blocks (``_exchange``)
    in_pairs: tuple     # (lo chunk, hi chunk) of the fold's J blocks in, in ``exchange``'s order
    per_chunk: tuple    # per lo chunk i: (f2, twiddle, factor, segment, read_columns, block, block_rows, turn, span)
    copy_groups_by_width: tuple

    def f2(self, i: int) -> int:
        return self.per_chunk[i][0]

    def twiddle(self, i: int) -> int:
        return self.per_chunk[i][1]

    def factor(self, i: int) -> int:
        return self.per_chunk[i][2]

    def segment(self, i: int) -> int:
        return self.per_chunk[i][3]

    def read_columns(self, i: int) -> int:
        return self.per_chunk[i][4]

    def block(self, i: int) -> int:
        return self.per_chunk[i][5]

    def block_rows(self, i: int) -> int:
        return self.per_chunk[i][6]

    def turn(self, i: int) -> int:
        return self.per_chunk[i][7]

    def span(self, i: int) -> int:
        return self.per_chunk[i][8]

    def copy_groups(self, width: int) -> tuple:
        return self.copy_groups_by_width[width]


def jay_key(key: tuple) -> str:
    """The string key (NKI dicts take string keys) of an ``exchange_blocks`` key: "i h" or "out i h"."""
    return " ".join([str(k) for k in key])


def tall_view(t: TallTable, scale: float = 1.0) -> TallView:
    """The snapshot of ``t`` the kernel takes (host side: ordinary Python), ``scale`` the normalisation."""
    def deep(value: Any) -> Any:
        return tuple(deep(v) for v in value) if isinstance(value, (list, tuple)) else value

    exchange = tuple((jay_key(key), tuple((*spec[:2], *t.exchange_view(spec)) for spec in block))
                     for key, block in t.exchange_blocks.items())
    per_chunk = tuple((t.f2(i), t.twiddle(i), t.factor(i), t.segment(i), t.read_columns(i), t.block(i),
                       t.block_rows(i), t.turn(i), t.span(i)) for i in range(len(t.lo_chunks)))
    return TallView(
        t.n1, t.n2, t.width, t.quarter, t.halves, t.formed, t.lifted, t.identity, t.stacked, t.merged, t.turned,
        t.turns, t.turn_gpsimd, t.middle_rows, t.ones, t.middle_offset, t.lone, float(scale), deep(t.turned_windows) if t.turned else (),
        t.part_columns, t.f2_columns, t.shift, t.columns, t.rows, deep(t.split), deep(t.f1_at), deep(t.lo_chunks),
        deep(t.hi_chunks), deep(t.out_chunks), deep(t.out_stores), deep(t.mirror_stores), deep(t.return_pairs),
        deep(t.rounds), deep(t.exchange_compares), exchange,
        tuple(key for key in t.exchange_blocks if key[0] != "out"), per_chunk,
        tuple(deep(t.copy_groups(w)) if w else () for w in range(t.width + 1)))


def _exchange(table: TallView, c: Any) -> dict:
    """The J blocks (``TallTable.exchange_blocks``), by ``jay_key``: per (lo chunk, hi chunk) pair that pairs rows,
    (J,), J [hi rows, lo rows] with J[p, q] = 1 where hi row h0 + p (n2's row lo + h0 + p) is the partner n2 - j
    of lo row j = l0 + q; per ("out", out chunk, mirror window) that pair, (J^T,) (``return_pairs``); merged (J,
    J^T). Made on chip, once per launch: an iota of p + q and its compares with constants (GpSimd,
    ``exchange_compares``), or where the table has a column of ones (``TallTable.ones``) one affine_select each
    of it, each J a view of one of them."""
    compares = table.exchange_compares
    made = []
    if table.ones >= 0:
        for top, rows, cols in compares:
            out = sbuf((rows, cols))
            ones = c.ap(pattern=[[c.shape[1], rows], [0, cols]], offset=table.ones)
            nisa.affine_select(dst=out, pattern=[[1, cols]], channel_multiplier=1, on_true_tile=ones,
                               on_false_value=0.0, cmp_op=nl.equal, offset=-top)   # 1 where p + q = top
            made.append(out)
    else:
        index = sbuf((max([r for _, r, _ in compares]), max([n for _, _, n in compares])))
        nisa.iota(dst=index, pattern=[[1, index.shape[1]]], offset=0, channel_multiplier=1)
        for top, rows, cols in compares:
            out = sbuf((rows, cols))
            nisa.tensor_scalar(dst=out, data=index[0:rows, 0:cols], op0=nl.equal, operand0=float(top),
                               engine=in_sbuf())
            made.append(out)
    jays = {}
    for key, views in table.exchange:
        jays[key] = tuple([made[k][0:rows, col:col + cols] for rows, cols, k, col in views])
    return jays


def _identity_f1(table: TallView) -> Any:
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


def _g1(f1: tuple, width: int) -> Any:
    """G1 = [-Im F1 | Re F1 | Im F1] [width, 3 width] from the F1 block (``f1`` = (tile, column of Re F1'', of
    Im F1''); its leading width x width blocks of I_g (x) F1: fewer transforms in a last tile), on the Scalar
    engine."""
    c, re, im = f1
    g1 = sbuf((width, 3 * width))
    nisa.activation(dst=g1[:, width:2 * width], op=nl.copy, data=c[0:width, re:re + width])
    nisa.activation(dst=g1[:, 2 * width:3 * width], op=nl.copy, data=c[0:width, im:im + width])
    nisa.activation(dst=g1[:, 0:width], op=nl.copy, data=c[0:width, im:im + width], scale=-1.0)
    return g1


def _load_x(parts: tuple, r0: int, width: int, n2: int, stacked: bool) -> Any:
    """The tile's input rows (t, j1) from rows r0.. of n2 points: stacked, re over im on 2 width partitions
    [2 width, n2]; else re and im side by side [width, 2 n2]. ``parts`` = (x,), a complex [B, n] array read as
    float32 [B, 2n]: one DMA, re and im taken apart by its access pattern (an 8-byte stride, within the 16
    bytes the performance guide allows at full bandwidth; dma_copy needs equal element counts, not shapes);
    or (re, im) [B, n] each: one DMA per part."""
    shape = (2 * width, n2) if stacked else (width, 2 * n2)
    x = sbuf(shape)
    if len(parts) == 1:
        pattern = [[1, 2], [2 * n2, width], [2, n2]] if stacked else [[2 * n2, width], [1, 2], [2, n2]]
        nisa.dma_copy(dst=x, src=parts[0].ap(pattern=pattern, offset=2 * r0 * n2))
        return x
    for k, part in enumerate(parts):
        rows = part.reshape((part.shape[0] * part.shape[1] // n2, n2))[r0:r0 + width, :]
        nisa.dma_copy(dst=x[k * width:(k + 1) * width, :] if stacked else x[:, k * n2:(k + 1) * n2], src=rows)
    return x


def _twiddles(c: Any, table: TallView) -> list:
    """Per lo chunk, (tile, column of Re T~, columns from Re to Im) of its twiddles over k1: the table itself,
    or where ``split`` a tile made once per launch on GpSimd, T~[j, a + m b] = T~[j, a] V[j, b] (both read
    with a zero step: a float32 product of two correctly rounded float32 values; exact for k1 < m, V[j, 0] = 1).
    None for n1 = 1."""
    if table.identity:
        return [None] * len(table.lo_chunks)
    m, blocks = table.split
    step = table.part_columns
    if blocks == 1:
        return [(c, table.twiddle(i), step) for i in range(len(table.lo_chunks))]
    out = []
    per = c.shape[1]
    for i in range(len(table.lo_chunks)):
        rows, col = table.span(i), table.twiddle(i)
        a = [c.ap(pattern=[[per, rows], [0, blocks], [1, m]], offset=col + k * step) for k in (0, 1)]
        v = [c.ap(pattern=[[per, rows], [1, blocks], [0, m]], offset=col + m + k * step) for k in (0, 1)]
        full = sbuf((rows, 2 * m * blocks))
        multiply(full[:, 0:m * blocks], full[:, m * blocks:2 * m * blocks], a[0], a[1], v[0], v[1], engine=in_sbuf())
        out.append((full, 0, m * blocks))
    return out


def _twiddle_views(tw: tuple, rows: int, width: int, n1: int) -> tuple[Any, Any]:
    """(Re T~, Im T~) [rows, width] over the tile's columns (t, k1): T~'s n1 columns read g times (a zero
    step over t)."""
    tile, col, per = tw
    pattern = [[tile.shape[1], rows], [0, width // n1], [1, n1]]
    return tile.ap(pattern=pattern, offset=col), tile.ap(pattern=pattern, offset=col + per)


def _step_one(x: Any, g1: Any, f1: Any, table: TallView, width: int) -> list:
    """B = [Br | Bi] [rows, 2 width] for every lo chunk, then every hi chunk of n2's rows: step 1 into one PSUM
    tile per ``copy_groups`` group (equal rows), one copy out of PSUM by the Scalar engine per group, and the lo
    rows' twiddle product (``_twiddles``) on GpSimd (none for n1 = 1, and none for the hi rows: the copy is B;
    ``f1`` the identity made on chip). Step 1 is one matmul on a stacked x (``g1`` None: K = 2 width, the F1
    block [[Re F1 | Im F1]; [-Im F1 | Re F1]] moving), else two."""
    n2, w2 = table.n2, 2 * width
    lo = fold_rows(n2)[0]
    chunks = list(table.lo_chunks) + [(lo + h0, rows) for h0, rows in table.hi_chunks]
    twice = len(table.lo_chunks) - 1 if table.middle_offset else -1   # the stacked middle: its rows twice
    out: list = [None] * len(chunks)
    for group in table.copy_groups(width):
        made = [2 * table.middle_offset if j == twice else chunks[j][1] for j in group]   # M of each matmul
        a = psum((max(made), len(group) * w2))
        for k, j in enumerate(group):
            _step_matmuls(a[0:made[k], k * w2:(k + 1) * w2], x, g1, f1, table, width, chunks[j][0], made[k],
                          j == twice)
        s = sbuf((max(made), len(group) * w2))
        nisa.activation(dst=s, op=nl.copy, data=a)   # slots' rows past their chunk's: copied, never read
        for k, j in enumerate(group):
            out[j] = s[0:made[k], k * w2:(k + 1) * w2]
    return out


def _step_matmuls(dst: Any, x: Any, g1: Any, f1: Any, table: TallView, width: int, c0: int, rows: int,
                  twice: bool) -> None:
    """Step 1 of n2's rows c0.. (``rows`` PSUM partitions; ``twice``: the stacked middle's) into ``dst``: one
    matmul on a stacked x (``g1`` None: the F1 block moving), else two against G1."""
    w2, n2 = 2 * width, table.n2
    if g1 == None:  # noqa: E711
        tile, re, im = f1
        moving = tile.ap(pattern=[[tile.shape[1], w2], [im - re, 2], [1, width]], offset=re)
        nisa.nc_matmul(dst=dst, stationary=_columns(x, c0, rows, twice), moving=moving,
                       is_moving_onezero=table.identity, accumulate=False)
        return
    nisa.nc_matmul(dst=dst, stationary=_columns(x, c0, rows, twice), moving=g1[:, width:3 * width],
                   is_moving_onezero=table.identity, accumulate=False)
    nisa.nc_matmul(dst=dst, stationary=_columns(x, n2 + c0, rows, twice), moving=g1[:, 0:w2],
                   is_moving_onezero=table.identity, accumulate=True)


def _lone_row(x: Any, g1: Any, f1: Any, table: TallView, width: int) -> Any:
    """B[0] [1, 2 width] of n2's row 0 taken alone (``TallTable.lone``): its partner is itself, Re F2[0, k] is the
    normalisation on every column k and rho_r[0] = 1, so it adds B[0] times the normalisation to every column of
    every window (``_turned_stage``: one K = 1 matmul of a row of ones). Its own step-1 matmul(s), a Scalar copy
    out of PSUM scaled by the normalisation (``TallView.scale``), and the twiddle product on GpSimd with
    T~[0, k1] = w_2n1^(-k1) = conj(F1''[0, k1]), the first row of F1'' (partition 0 of its block) read with a zero
    step over the tile's transforms: the table holds no row 0."""
    w2, n1 = 2 * width, table.n1
    a = psum((1, w2))
    _step_matmuls(a, x, g1, f1, table, width, 0, 1, False)
    s = sbuf((1, w2))
    nisa.activation(dst=s, op=nl.copy, data=a, scale=table.scale)
    tile, re, im = f1
    first = [tile.ap(pattern=[[tile.shape[1], 1], [0, width // n1], [1, n1]], offset=col) for col in (re, im)]
    b = sbuf((1, w2))
    multiply(b[:, 0:width], b[:, width:w2], first[0], first[1], s[:, 0:width], s[:, width:w2], conjugate=True,
             engine=in_sbuf())
    return b


def _columns(x: Any, c0: int, rows: int, twice: bool) -> Any:
    """Step 1's stationary: x's columns c0.. c0 + rows - 1, or where ``twice`` its columns c0.. c0 + rows / 2 - 1
    read twice (a zero step: the stacked ``middle``'s P rows on partitions 0.. and P..)."""
    if twice:
        return x.ap(pattern=[[x.shape[1], x.shape[0]], [0, 2], [1, rows // 2]], offset=c0)
    return x[:, c0:c0 + rows]


def _twiddled(s: Any, table: TallView, tw: tuple | None, rows: int, width: int, into: Any = None) -> Any:
    """B of a lo chunk: its step 1 output ``s`` times the twiddles (``_twiddles``) on GpSimd (into ``into`` where
    given), or ``s`` itself for n1 = 1 (``tw`` None)."""
    if tw == None:  # noqa: E711 (NKI 0.3 has no 'is')
        return s
    b = sbuf((rows, 2 * width)) if into == None else into  # noqa: E711
    multiply(b[:, 0:width], b[:, width:2 * width], s[:, 0:width], s[:, width:2 * width],
             *_twiddle_views(tw, rows, width, table.n1), engine=in_sbuf())
    return b


def _folded(b_lo: Any, b_hi: list, jays: dict, tw: tuple | None, table: TallView, i: int, rows: int,
            width: int, into: Any = None) -> tuple[Any, Any]:
    """The second stage's moving operands of lo chunk i: [Sr | Si] and [-Di | Dr] [rows, 2 width] (in the first
    4 width columns of ``into`` where given: ``_turn``), and for a ``quarter`` table without ``halves``
    [Sr | Si | Sr | Si] and [-Di | Dr | Di | -Dr] [rows, 4 width] (Y[k] from the first halves, Y[n2 - k] from the
    second). The hi rows (not yet twiddled) reversed onto their partners by J (accumulating over the hi chunks
    that pair with this chunk) and multiplied by conj(T~) of their partners' rows (T~[n2 - j] = conj(T~[j])),
    the sums and differences on GpSimd, the second halves copied by the Scalar engine."""
    w = width
    pairs = [(h, jays[jay_key((i, h))][0]) for ii, h in table.in_pairs if ii == i]   # not ("out", ...): J^T
    s = sbuf((rows, 4 * w)) if into == None else into[:, 0:2 * w]
    d = sbuf((rows, 4 * w)) if into == None else into[:, 2 * w:4 * w]
    eng = in_sbuf()
    if pairs:
        r = psum((rows, 2 * w))
        for k, (h, jay) in enumerate(pairs):
            nisa.nc_matmul(dst=r, stationary=jay, moving=b_hi[h], is_stationary_onezero=True, accumulate=k > 0)
        rs = sbuf((rows, 2 * w))
        nisa.activation(dst=rs, op=nl.copy, data=r)
        if tw != None:  # noqa: E711
            r_in = rs
            rs = sbuf((rows, 2 * w))
            t_re, t_im = _twiddle_views(tw, rows, w, table.n1)
            multiply(rs[:, 0:w], rs[:, w:2 * w], t_re, t_im, r_in[:, 0:w], r_in[:, w:2 * w], conjugate=True, engine=eng)
        nisa.tensor_tensor(dst=s[:, 0:2 * w], data1=b_lo, data2=rs, op=nl.add, engine=eng)
        nisa.tensor_tensor(dst=d[:, 0:w], data1=rs[:, w:2 * w], data2=b_lo[:, w:2 * w], op=nl.subtract, engine=eng)
        nisa.tensor_tensor(dst=d[:, w:2 * w], data1=b_lo[:, 0:w], data2=rs[:, 0:w], op=nl.subtract, engine=eng)
    else:   # no partner rows (the middle row of an even n2 alone in its chunk): S = B, D meets zero Im F2 rows
        nisa.tensor_copy(dst=s[:, 0:2 * w], src=b_lo, engine=eng)
        nisa.tensor_copy(dst=d[:, w:2 * w], src=b_lo[:, 0:w], engine=eng)
        nisa.activation(dst=d[:, 0:w], op=nl.copy, data=b_lo[:, w:2 * w], scale=-1.0)
    if not table.quarter or table.halves:
        return s[:, 0:2 * w], d[:, 0:2 * w]
    nisa.activation(dst=s[:, 2 * w:4 * w], op=nl.copy, data=s[:, 0:2 * w])
    nisa.activation(dst=d[:, 2 * w:4 * w], op=nl.copy, data=d[:, 0:2 * w], scale=-1.0)
    return s, d


def tall_four_step(parts: tuple, y: tuple, c: Any, table: TallView) -> None:
    """y = DFT(x) for x = ``parts`` ((x,) complex [B, n] as float32 [B, 2n], or (xr, xi) [B, n]), table.width // n1
    transforms per tile (<= 128 columns), ``c`` the constant table in SBUF (``TallTable``, ``load_tall``);
    y = (yr, yi) or (y2,) as ``_store`` writes them."""
    batch = parts[0].shape[0]
    n1, n2 = table.n1, table.n2
    group = table.width // n1
    jays = _exchange(table, c)
    _lift_im_f2(c, table)
    tws = _twiddles(c, table)
    f1 = (_identity_f1(table), 0, table.width) if table.identity else (c, *table.f1_at)
    g1s: dict = {}
    for s in nl.affine_range((batch + group - 1) // group):
        t0 = s * group
        width = min(group, batch - t0) * n1        # (t, k1) columns of this tile
        stacked = width == table.width and table.stacked
        key = str(width)   # NKI dicts take string keys
        if key not in g1s:
            g1s[key] = None if stacked else _g1(f1, width)
        g1 = g1s[key]
        x = _load_x(parts, t0 * n1, width, n2, stacked)
        b = _step_one(x, g1, f1, table, width)
        b_hi = b[len(table.lo_chunks):]
        if table.turned:   # every window from F2's first (``TallTable.turned``)
            zs = []
            for i, (_, rows) in enumerate(table.lo_chunks):
                if table.middle_rows and i == len(table.lo_chunks) - 1:
                    zs.append(_middle(b[i], c, table, tws[i], i, width))
                    continue
                z = sbuf((rows, table.turns * 4 * width))
                _folded(_twiddled(b[i], table, tws[i], rows, width), b_hi, jays, tws[i], table, i, rows, width,
                        into=z)
                _turn(z, c, table, i, rows, width)
                zs.append(z)
            lone = _lone_row(x, g1, f1, table, width) if table.lone else None
            _turned_stage(y, c, table, zs, t0, width, lone)
            continue
        b_lo = [_twiddled(b[i], table, tws[i], rows, width) for i, (_, rows) in enumerate(table.lo_chunks)]
        folded = [_folded(b_lo[i], b_hi, jays, tws[i], table, i, rows, width)
                  for i, (_, rows) in enumerate(table.lo_chunks)]
        if table.lifted:   # D of the last lo chunk onto partitions ROW_TILE.. (``TallTable.lifted``)
            d = sbuf((ROW_TILE + table.lifted, 2 * width))[ROW_TILE:ROW_TILE + table.lifted, :]
            nisa.dma_copy(dst=d, src=folded[-1][1])
            folded[-1] = (folded[-1][0], d)
        if table.quarter:
            _quarter_stage(y, c, table, folded, jays, t0, width)
        else:   # [Yr | Yi] = Re F2^T [Sr | Si] + Im F2^T [-Di | Dr] per out chunk
            tiles, slots = _store_tiles(table.out_stores, 2 * width)
            for (k0, cols), o in zip(table.out_chunks, slots):
                nisa.activation(dst=o, op=nl.copy, data=_second_stage(c, table, folded, k0, cols, 2 * width))
            for tile, store in zip(tiles, table.out_stores):
                _store(y, tile, t0, store, n1, n2, width, 2 * width)


def _turn(z: Any, c: Any, table: TallView, i: int, rows: int, width: int) -> None:
    """Lo chunk i's moving operands for the ``turned`` windows r = 1 .. turns - 1, from Z = [S | E] (E = iD =
    [-Di | Dr]) in z's first 4 width columns: [M1_r | M2_r] = [c S + s E | c E - s S] at 4 width r, with
    rho_r = c + i s per row (``_rotations``)."""
    _rotations(z, z[:, 0:4 * width], c, table, i, rows, 2 * width, 0, 4 * width, nl.add, nl.subtract)


def _rotations(z: Any, data: Any, c: Any, table: TallView, i: int, rows: int, half: int, at: int, slot: int,
               first_op: Any, second_op: Any) -> None:
    """For the ``turned`` windows r = 1 .. turns - 1 of lo chunk i: the products D c and D s of ``data`` D
    [rows, 2 half] with rho_r = c + i s per row (``TallTable.turn``: per-partition scales, the Scalar engine's
    activation, max(2 half, 64) cycles, or for the first ``turn_gpsimd`` of the 2 (turns - 1) GpSimd's
    tensor_scalar, 2 half), then on GpSimd z[:, r slot + at ..] = [Dc_0 first_op Ds_1 | Dc_1 second_op Ds_0]
    (halves _0 and _1 of half columns each): float32 products of correctly rounded values (a stated departure
    from one rounding, as the formed columns')."""
    full, step = 2 * half, table.part_columns
    for r in range(1, table.turns):
        col = table.turn(i) + r - 1
        zc, zs = sbuf((rows, full)), sbuf((rows, full))
        for k, (dst, at_col) in enumerate(((zc, col), (zs, col + step))):
            if 2 * (r - 1) + k < table.turn_gpsimd:
                nisa.tensor_scalar(dst=dst, data=data, op0=nl.multiply, operand0=c[0:rows, at_col:at_col + 1],
                                   engine=in_sbuf())
            else:
                nisa.activation(dst=dst, op=nl.copy, data=data, scale=c[0:rows, at_col:at_col + 1])
        x = r * slot + at
        nisa.tensor_tensor(dst=z[:, x:x + half], data1=zc[:, 0:half], data2=zs[:, half:full], op=first_op,
                           engine=in_sbuf())
        nisa.tensor_tensor(dst=z[:, x + half:x + full], data1=zc[:, half:full], data2=zs[:, 0:half], op=second_op,
                           engine=in_sbuf())


def _middle(s: Any, c: Any, table: TallView, tw: tuple, i: int, width: int) -> Any:
    """The ``middle``'s moving operands (``TallTable.middle_rows``) from its step 1 output ``s``: B = s T~ (the
    twiddle product on GpSimd) and per window X_r = rho_r B (X_0 = B), one complex product per partition: the
    products B c and B s of 2 width columns and two GpSimd sums of width (``_rotations``). Unfolded, the Im F2 part takes iX_r = [-Xi | Xr]: each window's slot is [-Xi | Xr | Xi] (3 width
    columns; X from its second column, iX from its first), the -Xi of all windows one GpSimd product by -1.
    Stacked (``middle_offset``), the slots are X_r alone, [2P, 2 width]: rows P.. hold iB (their twiddles are
    i T~), so their X_r is i rho_r B."""
    w, w2 = width, 2 * width
    rows, turns = table.span(i), table.turns
    eng = in_sbuf()
    slot, at = (w2, 0) if table.middle_offset else (3 * w, w)   # a window's columns, X_r's first
    z = sbuf((rows, turns * slot))
    _twiddled(s[0:rows, :], table, tw, rows, w, into=z[:, at:at + w2])
    _rotations(z, z[:, at:at + w2], c, table, i, rows, w, at, slot, nl.subtract, nl.add)
    if not table.middle_offset:   # -Xi of every window in one instruction
        per = z.shape[1]
        nisa.tensor_scalar(dst=z.ap(pattern=[[per, rows], [slot, turns], [1, w]], offset=0),
                           data=z.ap(pattern=[[per, rows], [slot, turns], [1, w]], offset=w2), op0=nl.multiply,
                           operand0=-1.0, engine=eng)
    return z


def _turned_stage(y: tuple, c: Any, table: TallView, zs: list, t0: int, width: int, lone: Any = None) -> None:
    """The ``turned`` second stage: PSUM [M, turns x 2 width] = sum over the lo chunks of Re F2^T [S | M1_1 | ..]
    + Im F2^T [E | M2_1 | ..] (F2's first M columns stationary, the moving operands strided views of z), window r
    in columns 2 width r.., plus where ``lone`` (B[0], ``_lone_row``) ones^T [B[0] | B[0] | ..] (the table's
    column of ones at partition 0 read M times, a 0/1 operand), copied out by the Scalar engine in one
    instruction and stored in one DMA (the windows at stride L: ``out_stores``)."""
    count, rows_out, _ = table.turned_windows
    w2 = 2 * width
    acc = psum((rows_out, count * w2))
    for i, (_, rows) in enumerate(table.lo_chunks):
        f, z = table.f2(i), zs[i]
        if table.middle_offset and i == len(table.lo_chunks) - 1:   # Re F2 over Im F2 against [B ; iB] turned
            span = table.span(i)
            nisa.nc_matmul(dst=acc, stationary=c[0:span, f:f + rows_out], moving=z, accumulate=i > 0)
            continue
        middle = table.middle_rows and i == len(table.lo_chunks) - 1   # slots [-Xi | Xr | Xi] (``_middle``)
        for part in (0, 1):   # Re F2 against [S | M1_r], Im F2 against [E | M2_r]
            pattern = [[z.shape[1], rows], [3 * width if middle else 2 * w2, count], [1, w2]]
            moving = z.ap(pattern=pattern, offset=(1 - part) * width if middle else part * w2)
            col = f + part * table.part_columns
            nisa.nc_matmul(dst=acc, stationary=c[0:rows, col:col + rows_out], moving=moving,
                           accumulate=i > 0 or part > 0)
    if lone != None:  # noqa: E711
        ones = c.ap(pattern=[[c.shape[1], 1], [0, rows_out]], offset=table.twiddle(0))   # Re T~[1, 0] = 1
        nisa.nc_matmul(dst=acc, stationary=ones, moving=lone.ap(pattern=[[w2, 1], [0, count], [1, w2]], offset=0),
                       is_stationary_onezero=True, accumulate=True)
    o = sbuf((rows_out, count * w2))
    nisa.activation(dst=o, op=nl.copy, data=acc)
    _store(y, o, t0, table.out_stores[0], table.n1, table.n2, width, w2)


def _lift_im_f2(c: Any, table: TallView) -> None:
    """The last lo chunk's Im F2 block (formed columns made) copied to partitions ``ROW_TILE``.. of the table by
    one SBUF -> SBUF DMA, once per launch (``TallTable.lifted``)."""
    rows = table.lifted
    if rows:
        im = table.f2(len(table.lo_chunks) - 1) + table.part_columns
        nisa.dma_copy(dst=c[ROW_TILE:ROW_TILE + rows, im:im + table.f2_columns],
                      src=c[0:rows, im:im + table.f2_columns])


def _second_stage(c: Any, table: TallView, folded: list, k0: int, cols: int, free: int,
                  split: bool = False) -> Any:
    """PSUM [cols, free] = sum over the lo chunks of Re F2^T M1 + Im F2^T M2 for F2's columns k0..: one tile,
    or ``split`` [P | Q] [cols, 2 free], P = sum Re F2^T M1 and Q = sum Im F2^T M2 (one copy out of PSUM for
    both)."""
    whole = psum((cols, 2 * free if split else free))
    acc, other = (whole[:, 0:free], whole[:, free:2 * free]) if split else (whole, whole)
    for i, (_, rows) in enumerate(table.lo_chunks):
        f = table.f2(i)
        im = f + table.part_columns
        if split and table.lifted and i == len(table.lo_chunks) - 1:   # P's and Q's side by side
            matmul_on_rows(acc, c[0:rows, f + k0:f + k0 + cols], folded[i][0], 0, True)
            matmul_on_rows(other, c[ROW_TILE:ROW_TILE + rows, im + k0:im + k0 + cols], folded[i][1], ROW_TILE, True)
            continue
        nisa.nc_matmul(dst=acc, stationary=c[0:rows, f + k0:f + k0 + cols], moving=folded[i][0],
                       accumulate=i > 0)   # accumulate=False overwrites (nki.isa.nc_matmul page)
        nisa.nc_matmul(dst=other, stationary=c[0:rows, im + k0:im + k0 + cols], moving=folded[i][1],
                       accumulate=i > 0 or not split)
    return whole


def _both_halves(o: Any, c: Any, table: TallView, folded: list, k0: int, cols: int, width: int) -> None:
    """o[:, 0:4 width] = [Y | Y'] for F2's quarter columns k0.. (Y'[k] = Y[n2 - k]): one PSUM tile from the
    4 width moving operands, copied out by the Scalar engine; or for ``halves`` [P | Q] (``_second_stage``,
    moving free size 2 width: half the Tensor time), copied out by the Scalar engine in one instruction
    (4 width columns: below 64 the same cycles as one of 2 width), Y = P + Q and Y' = P - Q (Im F2's sign
    flipped) on GpSimd."""
    w2 = 2 * width
    if not table.halves:
        acc = _second_stage(c, table, folded, k0, cols, 2 * w2)
        nisa.activation(dst=o[0:cols, 0:2 * w2], op=nl.copy, data=acc)
        return
    whole = _second_stage(c, table, folded, k0, cols, w2, split=True)
    pq = sbuf((cols, 2 * w2))
    nisa.activation(dst=pq, op=nl.copy, data=whole)
    p, q = pq[:, 0:w2], pq[:, w2:2 * w2]
    nisa.tensor_tensor(dst=o[0:cols, 0:w2], data1=p, data2=q, op=nl.add, engine=in_sbuf())
    nisa.tensor_tensor(dst=o[0:cols, w2:2 * w2], data1=p, data2=q, op=nl.subtract, engine=in_sbuf())


def _quarter_stage(y: tuple, c: Any, table: TallView, folded: list, jays: dict, t0: int, width: int) -> None:
    """The second stage over F2's quarter: per out chunk of k, [Yr | Yi | Y'r | Y'i] with Y'[k] = Y[n2 - k]; the
    Y rows stored, the Y' rows put back in row order (hi row p is n2's row lo + p) by J^T per mirror window
    and stored (``TallTable.out_stores``, ``mirror_stores``: one DMA per store)."""
    if table.merged:
        _merged_stage(y, c, table, folded, jays[jay_key((0, 0))][1], t0, width)
        return
    n1, n2 = table.n1, table.n2
    w2 = 2 * width
    tiles, slots = _store_tiles(table.out_stores, 2 * w2)
    for (k0, cols), o in zip(table.out_chunks, slots):
        _both_halves(o, c, table, folded, k0, cols, width)
    for tile, store in zip(tiles, table.out_stores):
        _store(y, tile, t0, store, n1, n2, width, 2 * w2)
    h = 0
    for tile, store in zip(_store_tiles(table.mirror_stores, w2)[0], table.mirror_stores):
        rows, count = store[1], store[3]
        acc = psum((rows, count * w2))   # the store's windows side by side: one copy out of PSUM
        for slot in range(count):
            pairs = [(i, jays[jay_key(("out", i, h))][0]) for i, hh, _ in table.return_pairs if hh == h]
            for k, (i, jay) in enumerate(pairs):
                nisa.nc_matmul(dst=acc[:, slot * w2:(slot + 1) * w2], stationary=jay, moving=slots[i][:, w2:2 * w2],
                               is_stationary_onezero=True, accumulate=k > 0)
            h += 1
        nisa.activation(dst=tile, op=nl.copy, data=acc)
        _store(y, tile, t0, store, n1, n2, width, w2)


def _store_tiles(stores: tuple, slot: int) -> tuple[list, list]:
    """Per store (``TallTable.out_stores``), an SBUF tile [rows, count * slot], and the views of all its slots,
    [rows, slot] each, in chunk order."""
    tiles, slots = [], []
    for _, rows, _, count in stores:
        tile = sbuf((rows, count * slot))
        tiles.append(tile)
        slots += [tile[:, k * slot:(k + 1) * slot] for k in range(count)]
    return tiles, slots


def _merged_stage(y: tuple, c: Any, table: TallView, folded: list, jay: Any, t0: int, width: int) -> None:
    """``_quarter_stage`` for a ``merged`` table: o = [Y | Y' | Y' in row order] [lo + 1, 6 width] and one
    store of its first and last thirds (rows 0.. lo - 1 and n2 - lo.. n2 - 1)."""
    n1, n2 = table.n1, table.n2
    lo, _ = fold_rows(n2)
    w2 = 2 * width
    o = sbuf((lo + 1, 3 * w2))
    _both_halves(o, c, table, folded, 0, lo + 1, width)
    back = psum((lo, w2))
    nisa.nc_matmul(dst=back, stationary=jay, moving=o[:, w2:2 * w2], is_stationary_onezero=True, accumulate=False)
    nisa.activation(dst=o[0:lo, 2 * w2:3 * w2], op=nl.copy, data=back)
    n, g = n1 * n2, width // n1
    halves = o.ap(pattern=[[3 * w2, lo], [2 * w2, 2], [1, w2]], offset=0)   # [k, half, (part, t, k1)]
    if len(y) == 1:
        y2 = y[0]
        pattern = [[n1, lo], [(n2 - lo) * n1, 2], [y2.shape[1] * n, 2], [n, g], [1, n1]]
        nl.store(y2.ap(pattern=pattern, offset=t0 * n), halves)
        return
    for part in (0, 1):   # (yr, yi): one store per part
        half = o.ap(pattern=[[3 * w2, lo], [2 * w2, 2], [1, width]], offset=part * width)
        nl.store(y[part].ap(pattern=[[n1, lo], [(n2 - lo) * n1, 2], [n, g], [1, n1]], offset=t0 * n), half)


def _store(y: tuple, o: Any, t0: int, store: tuple[int, int, int, int], n1: int, n2: int, width: int,
           slot: int) -> None:
    """Rows r0 + k stride + q (k < count, q < rows; ``store``) of Y from o [rows, count * slot], slot k's first 2
    width columns [Yr | Yi], into y[t, k1 + n1 k2]: y = (yr, yi) [B, n] (two DMAs) or (y2,) [2, B, n] (one DMA,
    re over im). Rows two windows share are written twice, the same values."""
    n = n1 * n2
    r0, rows, stride, count = store
    g, per = width // n1, o.shape[1]
    if len(y) == 1:
        y2 = y[0]
        pattern = [[n1, rows], [stride * n1, count], [y2.shape[1] * n, 2], [n, g], [1, n1]]   # [k2, window, part, t, k1]
        nl.store(y2.ap(pattern=pattern, offset=t0 * n + r0 * n1),
                 o.ap(pattern=[[per, rows], [slot, count], [1, 2 * width]], offset=0))
        return
    pattern = [[n1, rows], [stride * n1, count], [n, g], [1, n1]]   # [k2, window, t, k1] -> y[t, k1 + n1*k2]
    for part in (0, 1):
        nl.store(y[part].ap(pattern=pattern, offset=t0 * n + r0 * n1),
                 o.ap(pattern=[[per, rows], [slot, count], [1, width]], offset=part * width))


def load_tall(table: Any, layout: TallView) -> Any:
    """The constants into SBUF: one DMA per lo chunk's block (``TallTable``, no padding rows in HBM; a block
    with ``formed`` columns as its two parts [Re F2[:, skip:] | Re T~ | Re W | F1''a] and [Im F2[:, skip:] |
    Im T~ | Im W | F1''b], skip = formed, F1'''s halves in ``f1_block``'s only), then the formed columns made
    on chip."""
    c = sbuf((layout.rows, layout.columns))
    offset, step = 0, layout.part_columns
    for i in range(len(layout.lo_chunks)):
        rows, skip = layout.block_rows(i), layout.formed
        cols = layout.read_columns(i)
        src = table[0:1, offset:offset + rows * cols].reshape((rows, cols))   # a view of a packed table, or the table
        if skip:   # two segments: the Re part and the Im part from their first read column
            nisa.dma_copy(dst=c.ap(pattern=[[layout.columns, rows], [step, 2], [1, layout.segment(i)]],
                                   offset=layout.f2(i) + skip), src=src)
        else:
            col = layout.block(i)
            nisa.dma_copy(dst=c[0:rows, col:col + cols], src=src)
        offset += rows * cols
    _form(c, layout)
    return c


def _form(c: Any, table: TallView) -> None:
    """F2's ``formed`` columns k < L of each block, F2[j, k] = F2[j, k + s] W[j] with s = ``shift`` and
    W[j] = w_n2^(-j s) (read, one column), by ``rounds``: per round the Scalar engine's two products of
    [Re D | Im D] (D = the s columns after it) with the per-partition scales Im W and Re W, then on GpSimd
    Re F2 = Re D Re W - Im D Im W and Im F2 = Re D Im W + Im D Re W. Once per launch. A float32 product of two
    correctly rounded values (of a product and one for a second round): a stated departure from one rounding
    of the float64 value."""
    step, per, shift = table.part_columns, c.shape[1], table.shift
    for i in range(len(table.lo_chunks)):
        rows, f, w = table.span(i), table.f2(i), table.factor(i)
        for k0, cols in table.rounds:
            d = c.ap(pattern=[[per, rows], [step, 2], [1, cols]], offset=f + k0 + shift)   # [Re D | Im D]
            x, y = sbuf((rows, 2 * cols)), sbuf((rows, 2 * cols))
            nisa.activation(dst=x, op=nl.copy, data=d, scale=c[0:rows, w + step:w + step + 1])   # D Im W
            nisa.activation(dst=y, op=nl.copy, data=d, scale=c[0:rows, w:w + 1])                 # D Re W
            nisa.tensor_tensor(dst=c[0:rows, f + k0:f + k0 + cols], data1=y[:, 0:cols], data2=x[:, cols:2 * cols],
                               op=nl.subtract, engine=in_sbuf())
            nisa.tensor_tensor(dst=c[0:rows, f + step + k0:f + step + k0 + cols], data1=x[:, 0:cols],
                               data2=y[:, cols:2 * cols], op=nl.add, engine=in_sbuf())


def _tall_kernel(parts: tuple, table: Any, view: TallView) -> Any:
    """The input parts (``tall_four_step``), the output as one [2, B, n] array, re over im (re and im in each
    store DMA)."""
    batch = parts[0].shape[0]
    y2 = nl.ndarray((2, batch, view.n1 * view.n2), nl.float32, buffer=nl.shared_hbm)
    tall_four_step(parts, (y2,), load_tall(table, view), view)
    return y2


@nki.jit
def tall_four_step_kernel(xr, xi, table, view):
    """``table`` the constants in HBM (``arguments._tall_table``), ``view`` their layout (``tall_view``)."""
    return _tall_kernel((xr, xi), table, view)


@nki.jit
def tall_four_step_interleaved_kernel(x, table, view):
    """x: a complex [B, n] array read as float32 [B, 2n]."""
    return _tall_kernel((x,), table, view)
