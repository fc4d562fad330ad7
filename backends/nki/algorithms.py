"""Which kernel computes a 1-D transform of length n, with which factors and packing.

* n <= 128: ``small`` (one DFT matmul, block-diagonal packing of the batch, as many transforms per tile
  as the HBM target and the estimate allow);
* n = n1*n2, n1, n2 <= 128: ``four-step`` (at batch >= 64, fewer transforms per step-1 tile where
  I_g (x) F1 would break the HBM target: 129..255);
* n = n1*n2, n1 <= 128 < n2 <= 512: ``tall-four-step`` (n2 in chunks of 128 rows, F2 read by its rows
  and columns <= n2/2; n1 = 1 for 129..512 with a prime factor above 128, where Bluestein is slower),
  unless its DFT matrices break the HBM target (65536 at batch 1);
* n = P*n1*n2 with P in {2, 4}: ``radix-four-step`` (a radix-P butterfly on
  the Vector engine, then P four-steps sharing their last matmul), when the
  estimate prefers it (2^16 at batch 1: full 128x128 tiles);
* n = n1*n2*n3, each <= 128: ``six-step`` (the four-step applied twice, in
  SBUF; X1 staged through HBM above about 1.3M points);
* anything else (a prime factor above 128, or no split into factors <= 128):
  ``bluestein``: a chirp-z convolution through a padded length m >= 2n-2
  (``bluestein_minimum``), in the same launch. Where the HBM target applies (n >= 2^16 or batch >= 64),
  or where the estimate prefers it (mid-size batches), over m = a*b*a in SBUF
  (``symmetric_inner``, kernels/bluestein_six.py), up to n ~ 99k; above that
  over m = s^3 transformed in place in SBUF (``cube_side``,
  kernels/bluestein_cube.py) past n = 216001; otherwise over a 7-smooth m the kernels above
  serve: in SBUF when m is a four-step length, through HBM scratch beyond;
  up to n = 216001, over m = a*a*r in SBUF with every matmul on up to 128 rows
  (``wide_inner``, kernels/bluestein_wide.py) where the estimate prefers it
  (65521 and 65537 over 128 x 128 x 8 = 2^17, 70001 over 126 x 126 x 9), and
  in place of the cube wherever it fits.

Factors are chosen by a rough engine-time estimate (the same documented
figures as the cost model; for the four-step, the ~1.3 us fixed cost per DMA
too; below batch 64 the stacked-plane kernels' own estimate, ``planes_seconds``,
which makes 4096 = 64x64 at batch 1). ``arguments.py`` turns a layout into the
kernel and its constants.

Plans are made for one chip: every estimate takes the ``costmodel.Chip`` whose
figures it uses (clocks, DMA bandwidth, and on trn1 the Vector+GpSimd SBUF and
Vector+Scalar PSUM ports NC-v2 shares, ``sbuf_port``; trn2 shares none).
``choose`` plans for the target's chip unless given one (``target_chip``:
TRNFFT_NKI_TARGET trn1 -> trn1's figures, trn2 and trn3 -> trn2's, the cost model
having no trn3 figures), caches per chip, and marks the layout (``planned_for``).
"""
from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import product
from typing import Callable

from .emulator.costmodel import CHIPS, FP32_FACTOR, ONEZERO_FP32_FACTOR, Chip   # *_FACTOR: matmul cycles / max(N, 64)
from .emulator.hardware import PMAX, PSUM_BANK_FP32 as PSUM_BANK, SBUF_PARTITION_BYTES
from .emulator.target import target
from .kernels.cplx import diagonal_halves
from .kernels.four_step_planes import dft_columns, geometric_columns, k1_columns, nested, table_layout
from .kernels.tall_four_step import (PSUM_COLUMNS, TallTable, f1_placed, fold_rows, formed_rounds, pairable,
                                     turn_windows)
from .kernels.six_step import t2_resident

MAX_POINTS = 1 << 20
MAX_SIDE_2D = PMAX      # 2-D c2c as two matmul stages: both sides on partitions


def target_chip() -> Chip:
    """The chip plans are made for: the cost model's figures for the target (TRNFFT_NKI_TARGET, else this
    machine's chip where the cost model knows it, else trn2: ``target.resolve``), trn1's for trn1 and trn2's
    for trn2 and trn3 (the cost model has no trn3 figures). Read when a plan is made; the plugin declares
    TRNFFT_NKI_TARGET a plan setting, so the core's plan cache re-plans when it changes (the machine's chip
    is read once per process)."""
    return CHIPS[target().name]


def planning_note(chip: Chip | None = None) -> str:
    """Which figures plans are made with, for reports: ``chip``'s (a chip asked for by name), by default the
    target's, and why: the variable or this machine's chip, and whose figures serve a target the cost model
    has none for (trn3: trn2's)."""
    t = target()
    chip = chip or CHIPS[t.name]
    if chip.name != t.name:
        return chip.name
    figures = "" if t.requested == t.name else f": the cost model's figures for {chip.name}" + (
        ", having none for NeuronCore-v4" if t.generation >= 4 else "")
    return f"{chip.name} ({t.why}{figures})"


def dma_seconds(chip: Chip, hbm_bytes: float, transfers: float = 0) -> float:
    """The estimates' DMA time: bytes at the DMA bandwidth plus each transfer's fixed cost over the queues."""
    return hbm_bytes / chip.dma_bytes_per_s + transfers * (chip.dma_fixed_s / chip.dma_queues)


def sbuf_port(chip: Chip, vector_s: float, gpsimd_s: float) -> float:
    """The Vector engine's and GpSimd's busy seconds together: one after the other where they share an SBUF
    access port (NC-v2: trn1), side by side where they do not (trn2; ``emulator/costmodel.py``)."""
    return vector_s + gpsimd_s if chip.shared_ports else max(vector_s, gpsimd_s)


@dataclass(frozen=True)
class Layout:
    """A kernel's shape for one problem: which algorithm, its factors, and transforms per tile."""

    algorithm: str
    n: int
    factors: tuple[int, ...]
    group: int = 1                  # small/four-step: transforms per tile; six-step: j3 per input read
    inner: "Layout | None" = None   # bluestein: the padded length's layout
    k_block: int = 0                # six-step: k1 columns per stage-2/3 block (< n1: X1 staged in HBM)
    per_tile: int = 0               # in-SBUF bluestein: transforms per super tile; fft2: images per tile;
                                    # four-step: 1 = one transform per launch (stacked-plane kernels)
    quarter: bool = False           # tall-four-step: F2 read by its quarter (columns <= n2/2 too)
    taller: bool = False            # tall-four-step: F1 stacked on 2w rows though the first chunk has fewer
    halves: bool = False            # tall-four-step with quarter: Y, Y' from two PSUM tiles (P + Q, P - Q)
    formed: int = 0                 # tall-four-step: F2's first columns made on chip (TallTable.formed)
    paired: bool = False            # tall-four-step with halves: the last lo chunk on two row tiles (TallTable.lifted)
    turns: int = 0                  # tall-four-step, all n2 columns: windows turned from the first (TallTable.turned)
    turn_gpsimd: int = 0            # tall-four-step with turns: the windows' products on GpSimd per lo chunk
    whole: bool = False             # tall-four-step: the twiddles read whole, not as products (TallTable.split)
    middle: int = 0                 # tall-four-step with turns: the middle rows unfolded, 2: stacked (TallTable.middle)
    lone: bool = False              # tall-four-step with turns: n2's row 0 alone, outside the fold (TallTable.lone)
    more: int = 0                   # tall-four-step with a middle: lo rows moved into it (TallTable.more)
    planes: "PlanesOptions | None" = None   # four-step, per_tile = 1: ``planes_options`` at the plan's batch
    planned_for: str = ""           # the chip whose cost-model figures chose it (``choose``); "" if built by hand

    def describe(self) -> str:
        text = f"{self.algorithm} n={self.n}"
        if len(self.factors) > 1:
            text += " = " + "x".join(map(str, self.factors))
        if self.group > 1 and self.algorithm in ("small", "four-step", "bluestein", SYMMETRIC, "tall-four-step"):
            text += f", {self.group} transforms per tile"
        if self.algorithm == "tall-four-step" and self.inner is None:
            text += f", F2 by its {'quarter' if self.quarter else 'rows <= n2/2'}"
            text += ", F1 stacked on padding rows" if self.taller else ""
            text += ", Y = P + Q and P - Q" if self.halves else ""
            text += f", F2's first {self.formed} columns made on chip" if self.formed else ""
            text += ", the last lo chunk's P and Q on two row tiles" if self.paired else ""
            text += f", {self.turns} windows turned from F2's first" if self.turns else ""
            text += f" ({self.turn_gpsimd} of its products per lo chunk on GpSimd)" if self.turn_gpsimd else ""
            text += ", the twiddles read whole" if self.whole else ""
            text += ", the middle rows unfolded" + (", Re and Im F2 stacked" if self.middle == 2 else "") if (
                self.middle) else ""
            text += ", row 0 alone" if self.lone else ""
            text += f", {self.more} lo row{'s' if self.more > 1 else ''} more in the middle" if self.more else ""
        if self.planes is not None and self.planes.group > 1:
            text += f", {self.planes.group} transforms per pass"
        if self.algorithm == "fft2" and self.per_tile > 1:
            text += f", {self.per_tile} images per tile"
        if 0 < self.k_block < self.factors[0]:
            text += f", staged through HBM in blocks of {self.k_block}"
        if self.inner is not None:
            where = ("in SBUF" if self.inner.algorithm in ("four-step", "tall-four-step", SYMMETRIC, CUBE, WIDE)
                     else "through HBM scratch")
            inner = f"{self.inner.algorithm} m={self.inner.n} = " + "x".join(map(str, self.inner.factors))
            text += f", padded to {inner} ({where})"
        return text + (f", planned for {self.planned_for}" if self.planned_for else "")


@lru_cache(maxsize=8192)
def divisors_upto(n: int, limit: int) -> tuple[int, ...]:
    """The divisors of n up to ``limit``, ascending (memoised: the factor searches ask for the same n often)."""
    return tuple([d for d in range(1, min(n, limit) + 1) if n % d == 0])


@lru_cache(maxsize=None)
def _diagonal_columns(rows: int, block: int) -> int:
    """The cycles / FP32_FACTOR of one matmul X^T (I (x) F) with ``block``-row blocks on ``rows`` rows: max(N, 64),
    or on two 64-row tiles side by side (``cplx.diagonal_halves``) the longer half's."""
    return max(max(hi - lo for lo, hi in diagonal_halves(rows, block)), 64)


def _four_step_seconds(chip: Chip, n1: int, n2: int, batch: int, group: int = 0) -> float:
    group = group or min(PMAX // n1, batch)
    groups = math.ceil(batch / group)
    per_tile = group * max(1, PSUM_BANK // (group * n1))
    tiles = math.ceil(batch / per_tile)
    tensor = 16 * (groups * _diagonal_columns(group * n1, n1) + tiles * max(min(per_tile, batch) * n1, 64))
    vector = groups * 6 * (2 * group * n1 + 60)
    hbm = 16 * batch * n1 * n2 + 8 * ((group * n1) ** 2 + n2 * group * n1 + n2 * n2)
    transfers = 6 + 2 * groups + 2 * tiles   # constants (re, im of three), loads per group, stores per tile
    return max(tensor / chip.tensor_hz, vector / chip.vector_hz, dma_seconds(chip, hbm, transfers))


@lru_cache(maxsize=4096)
def four_step_factors(chip: Chip, n: int, batch: int) -> tuple[int, int] | None:
    pairs = [(n // d, d) for d in divisors_upto(n, PMAX) if n // d <= PMAX and n // d > 1 and d > 1]
    if not pairs:
        return None
    return min(pairs, key=lambda p: (_four_step_seconds(chip, p[0], p[1], batch), -p[1]))


def stacked_square(n1: int, n2: int) -> bool:
    """Whether the batch-1 four-step n1 x n2 runs ``four_step_stacked_kernel`` (re over im on 2 n1 partitions)."""
    return n1 == n2 and 2 * n1 <= PMAX and n1 % 2 == 0


@dataclass(frozen=True)
class PlanesOptions:
    """How the batch-1 four-step (``kernels/four_step_planes.py``) reads its table and spreads its work: the
    first columns by which it reads an odd F1, an odd F2 and the twiddles (c1, c2, ct; ``form_geometric``),
    whether the twiddle products run on the Vector engine reading PSUM or on GpSimd (``vector_products``), and
    how many transforms a pass takes (``group``: stacked on the partitions, the table's rows repeated per
    transform; ``planes_groups``)."""

    c1: int
    c2: int
    ct: int
    vector_products: int
    group: int = 1

    @property
    def widths(self) -> tuple[int, int, int]:
        return self.c1, self.c2, self.ct


def planes_table_bytes(n1: int, n2: int, widths: tuple[int, int, int], group: int = 1) -> int:
    """Bytes of the batch-1 four-step's one table (``arguments._planes_arguments``) for the widths (c1, c2, ct)
    (``PlanesOptions.widths``) and ``group`` transforms per pass (the rows repeated per transform)."""
    c1, c2, ct = widths
    if stacked_square(n1, n2):
        return 4 * group * n1 * (dft_columns(n1) + geometric_columns(n1, ct))
    return 4 * max(n1, group * n2) * table_layout(n1, n2, c1, c2, ct)[2]


def planes_groups(n1: int, n2: int, batch: int) -> range:
    """Transforms per pass the stacked-plane kernels may take: up to as many as their rows of A (n2 each) fit
    the 128 partitions, no more than the batch."""
    return range(1, min(PMAX // n2, batch) + 1)


def _scalar(elements: int) -> int:
    """Scalar-engine cycles of one instruction over ``elements`` per partition (~max(N, 64))."""
    return max(elements, 64)


@lru_cache(maxsize=None)
def _geometric_cycles(m: int, width: int) -> tuple[int, int]:
    """(Scalar, GpSimd) cycles of ``four_step_planes.form_geometric``: the copy of the first columns, then per
    block the Re f product on the Scalar engine, the Im f product and the two sums on GpSimd."""
    scalar, gpsimd = _scalar(2 * width), 0
    for r in range(1, -(-m // width)):
        w = min(width, m - width * r)
        scalar, gpsimd = scalar + _scalar(2 * w), gpsimd + 4 * w
    return scalar, gpsimd


def _even_dft_cycles(n: int, negated: bool) -> int:
    """Scalar-engine cycles of ``four_step_planes.dft_blocks`` (``negated``) or the even ``stationary_dft``."""
    return 2 * _scalar(n) + (2 * _scalar(n // 2) if negated else 0)


@lru_cache(maxsize=None)
def _planes_once(n1: int, n2: int, widths: tuple[int, int, int], group: int = 1) -> tuple[int, int]:
    """(Scalar, GpSimd) cycles of the stacked-plane kernels' once-per-launch work: the twiddles, F1 and F2 made
    from the table (on ``group`` copies of its rows at the same cost), and with ``group`` > 1 I_group (x) F2
    (``four_step_planes.block_diagonal``: the masks' iota and three GpSimd instructions, a product per block,
    on the Scalar engine and GpSimd in turn)."""
    c1, c2, ct = widths
    m = k1_columns(n1, n2)
    scalar, gpsimd = _geometric_cycles(m, ct) if ct < m else (0, 0)
    scalar += _scalar(m)                     # the copy of Re T
    if group > 1:
        scalar, gpsimd = scalar + -(-group // 2) * _scalar(2 * n2), gpsimd + 4 * group + group // 2 * 2 * n2
    if stacked_square(n1, n2):
        return scalar + _even_dft_cycles(n1, True), gpsimd
    if nested(n1, n2):
        if n2 % 2 == 0:
            return scalar + _even_dft_cycles(n2, True) + (_scalar(3 * n1) if n1 < n2 else 0), gpsimd
        s2, g2 = _geometric_cycles(n2, c2)
        return scalar + s2 + (_scalar(n2) if n1 == n2 else _scalar(2 * n1) + _scalar(n1)), gpsimd + g2
    if n1 % 2:
        s1, g1 = _geometric_cycles(m, c1)
        scalar, gpsimd = scalar + s1 + _scalar(m), gpsimd + g1
    else:
        scalar += _even_dft_cycles(n1, True)
    if n2 % 2:
        s2, g2 = _geometric_cycles(n2, c2)
        return scalar + s2, gpsimd + g2
    return scalar + _even_dft_cycles(n2, False), gpsimd


def _planes_seconds(chip: Chip, n1: int, n2: int, options: PlanesOptions, batch: int) -> float:
    """The estimate of ``planes_seconds`` for given ``options``, ``group`` transforms per pass (the last pass the
    rest). Per pass: step 1 one fp32 matmul pair (~4 max(N, 64) cycles each) for the pass's transforms stacked
    on M; the twiddle products (two on the Vector engine reading PSUM, or the Scalar engine's copy of A and two
    on GpSimd), GpSimd's two sums and the Scalar engine's -Bi on the pass's rows at once; the last stage one
    pair against I_group (x) F2 stationary (table kernel), or stacked square against I_group (x) F moving, on two
    row tiles side by side where its blocks meet row 64 (``_diagonal_columns``); the Scalar engine's copy of Y
    out of PSUM; the DMA (the table once, each pass's input and output, ~1.3 us / 16 queues per
    transfer). Once per launch the matrices made from the table (``_planes_once``); on trn1 Vector + GpSimd, and
    the PSUM-reading part of Vector + Scalar, share a port (``emulator/costmodel.py``)."""
    m = k1_columns(n1, n2)
    group = options.group
    passes, last_copies, tensor = _pass_terms(chip, n1, n2, group, batch)
    scalar_once, gpsimd_once = _planes_once(n1, n2, options.widths, group)
    products = 2 * (2 * 2 * m + 60) if options.vector_products else 0
    a_copy = 0 if options.vector_products else _scalar(2 * m)
    scalar = (scalar_once + passes * (a_copy + _scalar(m)) + last_copies) / chip.scalar_hz
    vector = passes * products / chip.vector_hz
    gpsimd = (gpsimd_once + passes * (2 * m if options.vector_products else 6 * m)) / chip.gpsimd_hz
    psum_port = (passes * (products / chip.vector_hz + a_copy / chip.scalar_hz) + last_copies / chip.scalar_hz
                 if chip.shared_ports else 0)
    dma = dma_seconds(chip, 16 * n1 * n2 * batch + planes_table_bytes(n1, n2, options.widths, group),
                      1 + 2 * passes)
    return max(tensor, scalar, sbuf_port(chip, vector, gpsimd), psum_port, dma)


def _passes(group: int, batch: int) -> list[int]:
    """Transforms per pass: ``group`` each, the last pass the rest."""
    return [group] * (batch // group) + ([batch % group] if batch % group else [])


@lru_cache(maxsize=8192)
def _pass_terms(chip: Chip, n1: int, n2: int, group: int, batch: int) -> tuple[int, int, float]:
    """What ``_planes_seconds`` takes from the passes alone (memoised: the options search asks per option): their
    number, the Scalar cycles of the last stage's copies out of PSUM, and the Tensor term (per pass step 1's
    matmul pair and the last stage's)."""
    m = k1_columns(n1, n2)
    passes = _passes(group, batch)
    square = stacked_square(n1, n2)
    copies = sum(_scalar(count * n1) if square else _scalar(2 * m) for count in passes)
    last = (sum(_diagonal_columns(count * n1, n1) for count in passes) if square
            else len(passes) * max(2 * m, 64))
    return len(passes), copies, 8 * (len(passes) * max(2 * m, 64) + last) / chip.tensor_hz


def _planes_floor(chip: Chip, n1: int, n2: int, group: int, batch: int) -> float:
    """A floor of ``_planes_seconds`` whatever the widths and product engine: its Tensor term, and its DMA term
    without the table."""
    passes, _, tensor = _pass_terms(chip, n1, n2, group, batch)
    return max(tensor, dma_seconds(chip, 16 * n1 * n2 * batch, 1 + 2 * passes))


def _width_options(m: int, geometric: bool) -> list[int]:
    """First-column counts c = ceil(m / b), b = 1..6, for a geometric block of m columns (one, the whole,
    when it is not read geometrically)."""
    return sorted({-(-m // b) for b in range(1, 7)}, reverse=True) if geometric else [m]


@lru_cache(maxsize=None)
def planes_options(chip: Chip, n1: int, n2: int, batch: int = 1) -> PlanesOptions:
    """The fastest ``PlanesOptions`` by the estimate at ``batch`` (ties: fewer transforms per pass, then the most
    columns read, the least made on chip). Groups from the most transforms per pass down; a group whose floor
    (``_planes_floor``) is above the best found is not weighed option by option (it could not win)."""
    m = k1_columns(n1, n2)
    square = stacked_square(n1, n2)
    f1 = _width_options(m, n1 % 2 == 1 and not nested(n1, n2) and not square)
    f2 = _width_options(n2, n2 % 2 == 1 and not square)
    best: tuple | None = None
    for g in reversed(planes_groups(n1, n2, batch)):
        if best is not None and _planes_floor(chip, n1, n2, g, batch) > best[0]:
            continue
        options = [PlanesOptions(c1, c2, ct, vp, g) for c1 in f1 for c2 in f2 for ct in _width_options(m, True)
                   for vp in (0, 1)]
        found = min((_planes_seconds(chip, n1, n2, o, batch), g, -sum(o.widths), i) for i, o in enumerate(options))
        if best is None or found < best[:4]:
            best = (*found, options[found[3]])
    assert best is not None
    return best[4]


def planes_seconds(chip: Chip, n1: int, n2: int, batch: int = 1) -> float:
    """Rough time of ``batch`` four-steps on stacked planes, a few transforms per pass (``kernels/four_step_planes.py``,
    complex input read with one DMA per pass), as ``planes_options`` says (``_planes_seconds``)."""
    return _planes_seconds(chip, n1, n2, planes_options(chip, n1, n2, batch), batch)


def _four_step_constant_bytes(n1: int, n2: int, group: int) -> int:
    """The batched four-step's tables: I_group (x) F1, the twiddles [n2, group n1] and F2, (re, im) each."""
    return 8 * ((group * n1) ** 2 + n2 * group * n1 + n2 * n2)


def four_step_packing(chip: Chip, n: int, batch: int) -> tuple[int, int, int] | None:
    """(n1, n2, transforms per step-1 tile) of the batched four-step, the fastest by the estimate among those
    whose tables keep the HBM target, or None: I_g (x) F1 grows as g^2, so just above 128 points (129 = 3 x 43
    at batch 64: 42 per tile, 2.40x the minimum) fewer transforms per tile or the other factor order."""
    options = []
    for n2 in divisors_upto(n, PMAX):
        n1 = n // n2
        if not (1 < n1 <= PMAX and n2 > 1):
            continue
        for group in range(1, min(PMAX // n1, batch) + 1):
            if not _over_hbm_target(n, batch, _four_step_constant_bytes(n1, n2, group)):
                options.append((_four_step_seconds(chip, n1, n2, batch, group), -n2, -group, n1, n2, group))
    return min(options)[3:] if options else None


SBUF_BUDGET = SBUF_PARTITION_BYTES - 32 * 1024   # bytes per partition for the data tiles (160 KiB of 192)


@lru_cache(maxsize=16384)
def six_step_blocks(n1: int, n2: int, n3: int) -> tuple[int, int] | None:
    """(j3 columns per input read, k1 columns per stage-2/3 block) that fit SBUF, or None.

    The input block is read as ``six_step_stacks``' runs of columns on stacked partition blocks. X1 lives in
    SBUF when X1 and X2 fit together; otherwise it is staged through HBM and stages 2 and 3 run on blocks of k1
    (k_block < n1). The block is n3 less the fewest steps of 512 // n1 columns that bring it within SBUF (or
    down to one step), in closed form (memoised: the Bluestein search asks for thousands of triples)."""
    step = max(1, PSUM_BANK // n1)
    x1 = 8 * n3 * n1
    staged = x1 + 8 * n1 * n2 > SBUF_BUDGET
    stack, slots = six_step_stacks(n1, n3, staged)
    # live beside the input block: X1 and, when it stays in SBUF for the launch, T2 [slots * n3, groups * n2]
    resident = 0 if staged else x1 + (8 * n2 * -(-n1 // slots) if t2_resident(n1, n2, n3, slots) else 0)
    room = SBUF_BUDGET - resident
    fits = stack * (room // (8 * n2)) if room >= 0 else 0    # the widest block within SBUF: ceil(b / stack) rows
    block = n3 - step * max(0, -(-(n3 - max(fits, step)) // step))
    if 8 * n2 * -(-block // stack) > room:
        return None
    if not staged:
        return block, n1
    return block, min(n1, max(1, (SBUF_BUDGET - 16 * 2048) // (8 * (n3 + n2))))


@lru_cache(maxsize=8192)
def six_step_stacks(n1: int, n3: int, staged: bool) -> tuple[int, int]:
    """(j3 columns per stage-1 matmul, k1 columns per stage-2 matmul) of the six-step: as many n1-row and
    n3-row blocks as fill 128 partitions (the DFT matrices I_r (x) F1 and I_r (x) F3); 1 and 1 when X1 is
    staged through HBM. The second is the fewest slots that cover n1 in as many groups as the most would."""
    if staged:
        return 1, 1
    groups = -(-n1 // max(1, PMAX // n3))
    return max(1, min(PMAX // n1, n3)), -(-n1 // groups)


def _six_step_seconds(chip: Chip, n1: int, n2: int, n3: int, batch: int) -> float:
    """Rough engine time of ``batch`` six-steps: complex matmul sets (4 fp32 matmuls, ~16 max(N, 64) cycles)
    with the stacked operands of ``six_step_stacks``, the two twiddle products on the Scalar engine (PSUM ->
    SBUF) and GpSimd, the DMA (x, y and T2 per transform, a few transfers per slot)."""
    blocks = six_step_blocks(n1, n2, n3)
    n = n1 * n2 * n3
    if blocks is None or blocks[1] < n1:   # the plain stages (X1 through HBM): per-column matmuls, twiddles on the Vector engine
        per1 = max(1, PSUM_BANK // n1)
        tensor = 16 * (n3 * max(n1, 64) + n1 * max(n2, 64) + max(n1 * n2, 64))
        vector = 6 * (-(-n3 // per1) * (2 * per1 * n1 + 60) + n1 * (2 * n2 + 60))
        hbm = 40 * n + (8 * (n1 * n1 + n2 * n2 + n3 * n3 + n2 * n1)) / batch
        return batch * max(tensor / chip.tensor_hz, vector / chip.vector_hz, dma_seconds(chip, hbm))
    r1, r2 = six_step_stacks(n1, n3, False)
    groups = -(-n1 // r2)
    chunks = -(-n3 // blocks[0])
    tensor = 16 * (-(-n3 // r1) * _diagonal_columns(r1 * n1, n1) + groups * max(n2, 64) + max(n2 * groups, 64))
    points = n3 * n1 + n2 * groups              # per partition, the two twiddle products
    gpsimd = 6 * points
    scalar = 2 * points + 2 * n2 * groups        # ... and the last stage's PSUM -> SBUF copies
    resident = t2_resident(n1, n2, n3, r2)
    t2_transfers = 2 * (1 if resident else 2 * -(-groups // max(1, PSUM_BANK // n2)))
    transfers = 2 * r1 * chunks + 2 * r2 * -(-n2 * groups // 2048) + (t2_transfers + 8) / (batch if resident else 1)
    hbm = 16 * n + 8 * n / (batch if resident else 1) + 8 * ((r1 * n1) ** 2 + n2 * n2 + (r2 * n3) ** 2 + n1 * n2) / batch
    dma = dma_seconds(chip, hbm, transfers)
    return batch * max(tensor / chip.tensor_hz, gpsimd / chip.gpsimd_hz, scalar / chip.scalar_hz, dma)


@lru_cache(maxsize=4096)
def six_step_factors(chip: Chip, n: int, batch: int) -> tuple[int, int, int] | None:
    triples = []
    for n1 in divisors_upto(n, PMAX):
        for n2 in divisors_upto(n // n1, PMAX):
            n3 = n // (n1 * n2)
            if min(n1, n2, n3) > 1 and n3 <= PMAX and six_step_blocks(n1, n2, n3) is not None:
                triples.append((n1, n2, n3))
    if not triples:
        return None
    return min(triples, key=lambda t: (_six_step_seconds(chip, t[0], t[1], t[2], batch), t))


@lru_cache(maxsize=1)
def _seven_smooth_lengths() -> tuple[int, ...]:
    """Every m <= 4 * 2^20 with no prime factor above 7, ascending (~1,900 of them): the candidates for
    Bluestein's padded lengths, made once rather than testing each m in a range."""
    limit = 4 * MAX_POINTS
    found = [1]
    for p in (2, 3, 5, 7):
        for m in tuple(found):
            m *= p
            while m <= limit:
                found.append(m)
                m *= p
    return tuple(sorted(found))


def seven_smooth_between(low: int, high: int) -> tuple[int, ...]:
    """The 7-smooth lengths m with low <= m <= high (high <= 4 * 2^20), ascending."""
    assert high <= 4 * MAX_POINTS, high
    lengths = _seven_smooth_lengths()
    return lengths[bisect_left(lengths, low):bisect_right(lengths, high)]


def bluestein_minimum(n: int) -> int:
    """The shortest circular convolution that gives Bluestein's n outputs: m = 2n - 2 (n >= 2).

    y_k = c_k sum_j a_j b_(k-j) for 0 <= j, k < n needs the kernel b_l = conj(c_l) at the lags
    -(n-1) <= l <= n-1. Modulo m = 2n - 2 these 2n - 1 lags fall on distinct residues except l = n-1
    and l = -(n-1), which share residue n-1; c_l = exp(-+i pi l^2 / n) is even in l, so both carry
    the same value conj(c_(n-1)) and the wrapped sequence (b_l at l and at m - l) is well defined:
    the circular convolution equals the linear one at k = 0..n-1 (the input a is zero from n on, so
    no other lag reaches those outputs). 65537 then pads to 2^17 instead of past it."""
    return max(1, 2 * n - 2)


@lru_cache(maxsize=1024)
def bluestein_inner(chip: Chip, n: int, batch: int) -> "Layout | None":
    """The padded length m >= 2n - 2 (``bluestein_minimum``) for Bluestein: among the 7-smooth lengths up to
    15% above it that the other kernels serve, the one with the smallest estimated time."""
    best: tuple[float, Layout] | None = None
    low = bluestein_minimum(n)
    for m in seven_smooth_between(low, min(4 * n, PMAX ** 3)):
        if best is not None and m > 1.15 * low:
            break
        inner = _factored(chip, m, batch, tall=False)
        if inner is not None and (best is None or estimated_seconds(chip, inner, batch) < best[0]):
            best = (estimated_seconds(chip, inner, batch), inner)
    return best[1] if best is not None else None


SYMMETRIC = "symmetric-six-step"   # Bluestein's in-SBUF inner length m = a*b*a (bluestein_six.py)
HBM_TARGET_POINTS = 1 << 16         # issue 9: HBM traffic <= 2x the minimum for n >= 2^16 at any batch ...
HBM_TARGET_BATCH = 64               # ... and for batches >= 64 at any n


def symmetric_sbuf_bytes(a: int, b: int, g: int) -> int:
    """Bytes per partition ``bluestein_six`` keeps live with g transforms per tile: the chirp, spectrum and
    twiddle [g*a, ab], the folded stage-2 matrices [b, 3ab], two working tiles and the six-step's X2
    [g*a, ab], X1 [b, a*g*a], the block-diagonal F1, temporaries and ~8 KiB of small tables."""
    return 4 * (13 * a * b + 2 * g * a * a + 3 * g * a + 2048) + 8 * 1024


def _symmetric_seconds(chip: Chip, a: int, b: int, g: int, batch: int) -> float:
    """Rough engine time of the in-SBUF Bluestein: 2 FFTs and 3 pointwise products per tile of g transforms,
    one FFT (the spectrum) and the twiddle formations per launch."""
    rows = g * a
    bank2 = max(1, PSUM_BANK // b)
    fft_vector = 6 * (2 * a * b + 60 * -(-a // bank2))
    fft_tensor = 16 * (a * max(rows, 64) + a * max(b, 64) + a * b)
    pointwise = 3 * 6 * (2 * a * b + 60 * -(-a * b // 1024))
    once = 2 * 4 * min(a, b) * (2 * max(a, b) + 60)
    tiles = -(-batch // g)
    vector = (tiles * (2 * fft_vector + pointwise) + fft_vector + once) / chip.vector_hz
    tensor = (2 * tiles + 1) * fft_tensor / chip.tensor_hz
    return max(vector, tensor)


CUBE = "cube"   # Bluestein's in-place inner length m = s^3 (bluestein_cube.py)
WIDE = "wide-six-step"   # Bluestein's in-SBUF inner length m = a*a*r, matmuls on up to 128 rows (bluestein_wide.py)
WIDE_RADIX = (2, 32)     # r (SBUF bounds it first: ``wide_sbuf_bytes``)


@lru_cache(maxsize=8192)
def wide_width(a: int, r: int) -> int:
    """L, the largest divisor of a with r * L <= 128: the radix-r stage of ``bluestein_wide`` contracts r digits
    beside L others on the partitions (F_r (x) I_L)."""
    return next(d for d in range(min(a, PMAX // r), 0, -1) if a % d == 0)


def cube_side(n: int) -> "int | None":
    """The smallest s <= 128 with s^3 >= 2n - 2 (``bluestein_minimum``): ``bluestein_cube``'s padded length
    m = s^3 fills an SBUF region [s, s^2] (128 KiB per partition at s = 128, of 192) transformed in place; None
    past n = 2^20."""
    s = 2
    while s ** 3 < bluestein_minimum(n):
        s += 1
    return s if s <= PMAX else None


@lru_cache(maxsize=16384)
def wide_seconds(chip: Chip, a: int, r: int, batch: int) -> float:
    """Rough engine time of ``bluestein_wide`` over a*a*r: three FFTs at the first transform (the spectrum), two
    per transform after it, each stage's PSUM result out by the Scalar engine and times a table on GpSimd."""
    width = wide_width(a, r)
    hh, f = a // width, a * r
    full = PSUM_BANK // a
    down = 8 * (r + hh) * max(2 * a, 64) + 16 * -(-hh * a // PSUM_BANK) * max(min(PSUM_BANK, hh * a), 64)
    up = 8 * hh * max(2 * r * width, 64) + 8 * r * max(2 * a, 64) + 16 * -(-r // full) * max(full * a, 64)
    tensor = (batch * (down + up) + down) / chip.tensor_hz
    ffts = 2 * batch + 1
    port = (batch * (42 * f + 2 * (f + 60)) + 14 * f) / chip.gpsimd_hz
    scalar = ffts * 6 * f / chip.scalar_hz
    hbm = (16 * batch * a * a * r / 2 + 8 * (2 * a * a + (r * width) ** 2)) / chip.dma_bytes_per_s
    return max(tensor, port, scalar, hbm)


def wide_sbuf_bytes(a: int, r: int) -> int:
    """Bytes per partition ``bluestein_wide`` keeps live at its peak, an upper bound fitted to the emulator's count
    (65,536 at 128 x 128 x 8, 92,160 at 126 x 126 x 12, 153,600 at 120 x 120 x 24): twelve m-point tiles of
    max(a r, H a) columns (the chirp, W2, W4, the spectrum and two working pairs), the F_a tables and
    PSUM-group temporaries."""
    width = wide_width(a, r)
    return 4 * (12 * max(a * r, (a // width) * a) + 32 * a) + 8 * 1024


def wide_inner(chip: Chip, n: int, batch: int) -> "Layout | None":
    """Bluestein's padded length as m = a*a*r >= 2n - 2 (a <= 128, 2 <= r <= 32) for ``bluestein_wide``: the
    fastest by the rough estimate with the radix stage on at least 64 partitions (r L >= 64: the kernel's point,
    and where ``wide_sbuf_bytes`` bounds the emulator's count), that fits SBUF (its whole count against trn1's
    192 KiB) and whose constants keep the HBM target; None past n = 216001 (120 x 120 x 30)."""
    low = bluestein_minimum(n)
    target = n >= HBM_TARGET_POINTS or batch >= HBM_TARGET_BATCH
    options = []
    for r in range(WIDE_RADIX[0], WIDE_RADIX[1] + 1):
        for a in range(max(2, math.isqrt(-(-low // r))), PMAX + 1):
            constants = 8 * n + 8 * (2 * a * a + (r * wide_width(a, r)) ** 2)
            if a * a * r >= low and 2 * r * wide_width(a, r) >= PMAX and wide_sbuf_bytes(a, r) <= SBUF_PARTITION_BYTES \
                    and not (
                    target and constants > 16 * n * batch):
                options.append((wide_seconds(chip, a, r, batch), a, r))
    if not options:
        return None
    _, a, r = min(options)
    return Layout(WIDE, a * a * r, (a, a, r))


def symmetric_inner(chip: Chip, n: int, batch: int) -> "Layout | None":
    """Bluestein's padded length as m = a*b*a >= 2n - 2 (a, b <= 128) whose working set fits SBUF, with
    g = 128 // a transforms per tile (at most the batch), the fastest by the rough estimate; None when none
    fits (then the convolution goes through HBM)."""
    options = []
    for a in range(2, PMAX + 1):
        b = max(2, -(-bluestein_minimum(n) // (a * a)))
        for g in range(min(PMAX // a, max(batch, 1)), 0, -1):
            if b <= PMAX and symmetric_sbuf_bytes(a, b, g) <= SBUF_PARTITION_BYTES:
                options.append((_symmetric_seconds(chip, a, b, g, batch), a, b, g))
                break
    if not options:
        return None
    _, a, b, g = min(options)
    return Layout(SYMMETRIC, a * b * a, (a, b, a), g)


def estimated_seconds(chip: Chip, layout: Layout, batch: int) -> float:
    """The rough engine-time estimate the factor choice uses (not the cost model)."""
    f = layout.factors
    if layout.algorithm == "four-step":
        return _four_step_seconds(chip, f[0], f[1], batch)
    if layout.algorithm == "radix-four-step":
        return _radix_seconds(chip, f[0], f[1], f[2], batch)
    if layout.algorithm == "tall-four-step":
        return _tall_seconds(chip, f[0], f[1], batch, layout.quarter, layout.taller, layout.halves, layout.formed,
                             layout.paired, layout.turns, layout.turn_gpsimd, layout.whole, layout.middle, layout.lone,
                             layout.more)
    return _six_step_seconds(chip, f[0], f[1], f[2], batch)


def _radix_seconds(chip: Chip, radix: int, n1: int, n2: int, batch: int) -> float:
    """Rough time of ``radix_four_step`` per the cost model: the butterfly's adds (4 or 16 Vector instructions
    over [n1, n2]) and one more, the P twiddle products after step 1 on the Vector engine reading PSUM [n2, n1],
    the P - 1 pre-twiddle products on GpSimd (SBUF operands), Vector and GpSimd sharing NC-v2's SBUF port
    (within 1% of the model at 2x128x128, 4x128x128 and 4x96x128; the old form, ~40% above it, hid that
    32768 at batch 1 runs faster here, 5.40 us, than as the six-step 16x64x32, 6.77 us MODELLED)."""
    tensor = 16 * (radix * max(n1, 64) + max(radix * n1, 64))
    butterfly = 4 if radix == 2 else 16
    vector = (butterfly + 1) * (2 * n2 + 60) + 6 * radix * (2 * n1 + 60)
    port = sbuf_port(chip, vector / chip.vector_hz, 6 * (radix - 1) * n2 / chip.gpsimd_hz)
    n = radix * n1 * n2
    hbm = 16 * n + 8 * (n - n1 * n2) + 8 * (n1 * n1 + n1 * n2 + n2 * n2) / batch
    return batch * max(tensor / chip.tensor_hz, port, dma_seconds(chip, hbm))


@lru_cache(maxsize=4096)
def radix_factors(chip: Chip, n: int, batch: int) -> tuple[int, int, int] | None:
    """(radix, n1, n2) for a radix-2/4 step in front of a four-step of n / radix, or None."""
    options = []
    for radix in (2, 4):
        if n % radix == 0 and n // radix > PMAX:
            pair = four_step_factors(chip, n // radix, batch)
            if pair is not None:
                options.append((radix, *pair))
    if not options:
        return None
    return min(options, key=lambda o: _radix_seconds(chip, o[0], o[1], o[2], batch))


TALL_MAX = 4 * PMAX   # tall-four-step: the second factor in up to four chunks of 128 rows


def tall_group(n1: int, batch: int) -> int:
    """Transforms per tile of the tall four-step: as many n1-row blocks as fill 128 partitions."""
    return max(1, min(PMAX // n1, batch))


@lru_cache(maxsize=16384)
def _tall_seconds(chip: Chip, n1: int, n2: int, batch: int, quarter: bool = True, taller: bool = False,
                  halves: bool = False, formed: int = 0, paired: bool = False, turns: int = 0,
                  turn_gpsimd: int = 0, whole: bool = False, middle: int = 0, lone: bool = False,
                  more: int = 0) -> float:
    """Rough time of ``tall_four_step`` (F2 by its rows <= n2/2, and its columns <= n2/2 for ``quarter``): per
    tile, step 1 per row chunk (one or two matmuls of N = 2w), the exchange matmuls (in, and out for the
    quarter), the second stage (two matmuls of N = 4w per lo chunk and out chunk, N = 2w for ``halves`` or
    all n2 columns); the twiddle products (lo rows, and the hi rows' conj(T~) after the
    exchange; none for n1 = 1), folds and the ``halves`` sums on GpSimd, the PSUM copies on the Scalar engine
    (step 1's per group of equal chunks, Y' per store: ``copy_groups``, ``mirror_stores``);
    one table block per lo chunk (``formed`` columns: two Scalar products and two GpSimd sums per block, once),
    and per tile one DMA in (complex input) and ``store_count`` out (rows two windows share written twice). The J
    matmuls, and step 1 against the identity for n1 = 1, have a 0/1 operand: flagged, at half the fp32 cycles.
    ``paired`` (``TallTable.lifted``): the last lo chunk's P and Q products side by side, one SBUF -> SBUF DMA per
    launch and per tile. ``turns`` (``TallTable.turned``): one PSUM tile of all the windows per tile, two
    matmuls of N = 2 turns w per lo chunk, the windows' operands by two products (Scalar, or ``turn_gpsimd`` of them
    on GpSimd) and two GpSimd sums each. ``whole``: the twiddles read whole (``TallTable.split``). ``middle``
    (``TallTable.middle_rows``): the middle rows' one step-1 matmul, no J matmul, copy, conj(T~) product or fold,
    half-width turned products and sums, one product by -1 for iX; stacked (``middle_offset``): one F2 matmul
    for them, no iX. ``lone`` (``TallTable.lone``): row 0's step 1, scaled copy, twiddle product and one K = 1
    matmul of a ones row per tile. ``more`` (``TallTable.more``): the same instructions, other table rows."""
    tensor, gpsimd, scalar, io_bytes, transfers, lo = _tall_cycles(n1, n2, batch, quarter, taller, halves, paired,
                                                                   turns, turn_gpsimd, whole, middle, lone, more)
    floats = _tall_table_floats(n1, n2, batch, quarter, taller, turns, whole, middle, lone, more)
    for _, cols in formed_rounds(floats[0], formed):
        scalar += 2 * max(2 * cols, 64) * lo   # F2's formed columns, once per launch
        gpsimd += 2 * cols * lo
    hbm = io_bytes + _tall_constant_bytes(n1, n2, batch, quarter, taller, formed, turns, whole, middle, lone, more)
    return max(tensor / chip.tensor_hz, gpsimd / chip.gpsimd_hz, scalar / chip.scalar_hz,
               dma_seconds(chip, hbm, transfers))


@lru_cache(maxsize=4096)
def _tall_cycles(n1: int, n2: int, batch: int, quarter: bool, taller: bool,
                 halves: bool, paired: bool = False, turns: int = 0,
                 turn_gpsimd: int = 0, whole: bool = False, middle: int = 0,
                 lone: bool = False, more: int = 0) -> tuple[int, int, int, int, int, int]:
    """The parts of ``_tall_seconds`` that neither the chip nor the formed count changes (the planner weighs
    ~60 formed counts per form): (Tensor, GpSimd, Scalar cycles, the bytes DMA moves for the input, the output
    and the ``paired`` SBUF -> SBUF copies (at the same DMA rate), DMA transfers, lo chunks)."""
    group = tall_group(n1, batch)
    table = TallTable(n1, n2, group * n1, quarter, taller, halves, paired=paired, turns=turns, whole=whole,
                      middle=middle, lone=lone, more=more)
    lo, hi = len(table.lo_chunks), len(table.hi_chunks)
    mid, stacked = bool(table.middle_rows), bool(table.middle_offset)   # the middle: unfolded, stacked
    outs = len(table.out_chunks)   # F2's column chunks
    tiles = -(-batch // group)
    tensor = gpsimd = scalar = 0
    for w in [table.width] * (batch // group) + [n1 * (batch % group)] * (batch % group > 0):
        step_one = 1 if table.stacked and w == table.width else 2   # matmuls per row chunk
        second = 2 * lo * outs * max((2 if halves and quarter else 4 if quarter else 2) * w, 64)   # F2's matmuls
        if table.turned:   # every window in one PSUM tile (the stacked middle's Re and Im F2 in one matmul)
            second = (2 * lo - stacked) * max(2 * w * outs, 64)
        exchanges = table.pairs + (len(table.return_pairs) or table.merged)   # J in; J^T out for the quarter
        identity = ONEZERO_FP32_FACTOR if table.identity else FP32_FACTOR   # n1 = 1: step 1 against I, hinted
        beside = FP32_FACTOR * max(2 * w, 64) * outs if table.lifted else 0   # Q's beside P's: no time of its own
        tensor += (max(2 * w, 64) * (identity * step_one * (lo + hi) + ONEZERO_FP32_FACTOR * exchanges)
                   + FP32_FACTOR * second - beside)
        folds = lo - mid   # the middle: one twiddle product, no fold; unfolded, -Xi of each window (``_middle``)
        gpsimd += (0 if table.identity else 6 * w * (2 * folds + mid)) + 4 * w * folds + w * outs * (mid - stacked)
        scalar += sum(max(2 * w * len(g), 64) for g in table.copy_groups(w))   # step 1: one copy per group
        copies = folds   # Scalar copies of 2w columns: the folds' per lo chunk
        if quarter:   # per lo chunk the moving operands' second halves (not ``halves``); Y' back by J^T
            copies += (0 if halves else 2 * lo) + table.merged
            scalar += sum(max(2 * w * count, 64) for *_, count in table.mirror_stores if not table.merged)
            scalar += max(4 * w, 64) * outs   # [Y | Y'], or [P | Q] for ``halves``: one copy of 4w columns
            gpsimd += 4 * w * outs if halves else 0   # Y = P + Q and P - Q
        elif table.turned:   # the windows' products and sums per lo chunk; one copy of them all out of PSUM
            for chunks, z in ((folds, 4 * w), (mid, 2 * w)):   # the middle's: rho_r B, 2w columns
                scalar += max(z, 64) * chunks * (2 * (outs - 1) - turn_gpsimd)
                gpsimd += z * chunks * (outs - 1 + turn_gpsimd)
            scalar += max(2 * w * outs, 64)
            if lone:   # row 0: step 1, its scaled copy, twiddle product and the ones row against it (``_lone_row``)
                tensor += max(2 * w, 64) * FP32_FACTOR * step_one + ONEZERO_FP32_FACTOR * max(2 * w * outs, 64)
                scalar += max(2 * w, 64)
                gpsimd += 6 * w
        else:
            copies += outs   # the output per chunk of F2's columns
        scalar += max(2 * w, 64) * copies
    for w in {table.width} | {n1 * (batch % group)} - {0}:   # G1 (three copies) per tile width not stacked
        scalar += 0 if table.stacked and w == table.width else 3 * max(w, 64)
    if not table.identity and table.split[1] > 1:   # the twiddles' products, once per launch
        gpsimd += 6 * table.split[0] * table.split[1] * lo
    gpsimd += table.made_on_chip   # J blocks, identities: iotas and compares, once per launch
    io_bytes = 8 * n1 * batch * (n2 + table.stored_rows)   # rows two stores share: twice
    transfers = lo + tiles * (1 + table.store_count)
    if table.lifted:   # Im F2 of the last lo chunk once, its D per tile, SBUF -> SBUF
        io_bytes += 4 * table.lifted * (table.f2_columns + 2 * n1 * batch)
        transfers += 1 + tiles
    return tensor, gpsimd, scalar, io_bytes, transfers, lo


@lru_cache(maxsize=4096)
def _tall_table_floats(n1: int, n2: int, batch: int, quarter: bool, taller: bool,
                       turns: int = 0, whole: bool = False, middle: int = 0, lone: bool = False,
                       more: int = 0) -> tuple[int, int, tuple]:
    """(F2's columns in the table, its floats in HBM without formed columns, ``f1_placed``'s arguments for one
    formed column: blocks' rows, F1's rows, columns, F1's columns): each formed column more leaves a Re and an
    Im column of every block out of HBM, and ``f1_placed`` weighs where F1'' goes again."""
    table = TallTable(n1, n2, tall_group(n1, batch) * n1, quarter, taller, turns=turns, whole=whole, middle=middle,
                      lone=lone, more=more)
    one = TallTable(n1, n2, table.width, quarter, taller, formed=1, turns=turns, whole=whole, middle=middle, lone=lone,
                    more=more)
    return table.f2_columns, table.hbm_elements, one.f1_arguments


@lru_cache(maxsize=65536)   # the planner asks again per product split (``turn_gpsimd``)
def _tall_constant_bytes(n1: int, n2: int, batch: int, quarter: bool = True, taller: bool = False,
                         formed: int = 0, turns: int = 0, whole: bool = False, middle: int = 0,
                         lone: bool = False, more: int = 0) -> int:
    _, plain, (spans, f1_rows, base, extra) = _tall_table_floats(n1, n2, batch, quarter, taller, turns, whole, middle,
                                                                 lone, more)
    return 4 * (plain if formed == 0 else f1_placed(spans, f1_rows, base - 2 * (formed - 1), extra)[0])


@lru_cache(maxsize=4096)
def tall_factors(chip: Chip, n: int,
                 batch: int) -> tuple[float, tuple[int, int, bool, bool, bool, int, bool, int, int, bool, int, bool,
                                                   int]] | None:
    """(estimated seconds, (n1 <= 128, 128 < n2 <= 512, quarter, taller, halves, formed, paired, turns,
    turn_gpsimd, whole, middle, lone, more)) for ``tall-four-step``
    (``TallTable``), the fastest by the estimate among those whose table keeps the HBM target (ties: no ``more``,
    whose moved rows the middle contracts with their partners, so more MACs for the same time; then fewer
    constant bytes), or None; n1 = 1 (n itself 129..512: F2 alone in the table) included.
    Not n2 = 256 or 512 where a radix form serves: their middle row j = n2/2 is alone in a third chunk of rows
    and the radix form is faster (MODELLED trn1: 32768 batch 1 5.40 against 6.19 us, batch 64 324 against
    351 us; 65536 batch 64 828 against 843 us; the radix estimate was ~40% above its model when this rule was
    made and is now within 1% of it, so the rule could become a comparison of estimates)."""
    lone_middle = radix_factors(chip, n, batch) is not None
    best: tuple[tuple[float, bool, int], float, tuple[int, int, bool, bool, bool, int, bool, int, int, bool, int, bool,
                                                      int]] | None = None
    for d in divisors_upto(n, PMAX):
        lo = fold_rows(n // d)[0]
        if not PMAX < n // d <= TALL_MAX or (lone_middle and lo % PMAX == 1):
            continue
        wide = 2 * tall_group(d, batch) * d
        forms = [(True, False, False, 0, 0, 0, False, 0), (True, True, False, 0, 0, 0, False, 0),
                 (False, False, False, 0, 0, 0, False, 0)]
        forms += [(True, True, True, 0, 0, 0, False, 0)] if pairable(n // d) else []
        forms += [(False, False, False, turns, g, middle, lone, more) for turns in tall_turns(d, n // d, batch)
                  for middle, lone in tall_rows(d, n // d, turns)
                  for more in tall_mores(d, n // d, turns, middle, wide // 2) for g in range(2 * turns - 1)]
        wholes = (False, True) if TallTable(d, n // d, 1).split[1] > 1 else (False,)   # twiddle products or not
        for (quarter, halves, paired, turns, g, middle, lone, more), taller, whole in product(forms, (False, True),
                                                                                             wholes):
            if taller and not lo < wide <= PMAX:   # only where it changes the table
                continue
            flags = (quarter, taller, halves)
            rows = (middle, lone, more)
            for formed in _formed_columns(chip, d, n // d, batch, *flags, paired, turns, g, whole, *rows):
                constants = _tall_constant_bytes(d, n // d, batch, quarter, taller, formed, turns, whole, *rows)
                if _over_hbm_target(n, batch, constants):
                    continue
                seconds = _tall_seconds(chip, d, n // d, batch, *flags, formed, paired, turns, g, whole, *rows)
                key = (round(seconds, 12), more > 0, constants)   # ties: no rows moved (fewer MACs), fewer bytes
                if best is None or key < best[0]:
                    best = (key, seconds,
                            (d, n // d, quarter, taller, halves, formed, paired, turns, g, whole, *rows))
    return best[1:] if best is not None else None


TURNS_MORE = 2   # tall_turns: windows weighed beyond the fewest


def tall_middles(n1: int, n2: int, turns: int) -> list[int]:
    """The ``middle`` values the planner weighs for a ``turned`` table (``TallTable.middle_rows``): 0, and 1
    (unfolded) and 2 (stacked) where each applies."""
    def fits(middle: int) -> bool:
        try:
            TallTable(n1, n2, n1, False, turns=turns, middle=middle)
        except ValueError:   # no middle rows for this n2 (``TallTable.__post_init__``)
            return False
        return True

    return [middle for middle in (0, 1, 2) if fits(middle)]


def tall_rows(n1: int, n2: int, turns: int) -> list[tuple[int, bool]]:
    """(middle, lone) of a ``turned`` table, the ways the planner weighs to take its last lo rows: each of
    ``tall_middles``, and row 0 alone (``TallTable.lone``) where that leaves the lo rows 1.. in whole chunks of
    128 (lo = 128 c + 1: n2 = 257, where rows 0..128 took a chunk of 128 and a middle of 2) and n1 > 1."""
    rows = [(middle, False) for middle in tall_middles(n1, n2, turns)]
    return rows + [(0, True)] if n1 > 1 and (fold_rows(n2)[0] - 1) % PMAX == 0 else rows


@lru_cache(maxsize=4096)
def tall_mores(n1: int, n2: int, turns: int, middle: int, width: int) -> tuple[int, ...]:
    """The ``more`` values the planner weighs for a ``middle`` (``TallTable.more``): 0, and the most lo rows moved
    into the middle whose block stays within F1'''s rows (2 width stacked, as every middle table with 2 width <= 128
    is, else width), where that is more than none: the engines' instructions are the same, only the table's rows
    move (a middle's block padded below F1'' gains them free, the folded chunk's block loses them). 4208 = 16 x 263
    stacked: 4 (P = 8 -> 16)."""
    if not middle:
        return (0,)
    f1_rows = 2 * width if 2 * width <= PMAX else width
    more = 0
    while True:
        try:
            table = TallTable(n1, n2, width, False, turns=turns, middle=middle, more=more + 1)
        except ValueError:   # no middle with that many rows (``TallTable.__post_init__``)
            break
        if table.span(len(table.lo_chunks) - 1) > f1_rows:
            break
        more += 1
    return (0, more) if more else (0,)


def tall_turns(n1: int, n2: int, batch: int) -> list[int]:
    """The window counts the planner weighs for ``TallTable.turned``: from the fewest of <= 128 rows, up to
    ``TURNS_MORE`` more (a smaller table, more products per tile), each where windows of equal rows exist
    (``turn_windows``) and all of them fit one PSUM bank at the tile's width (2 turns width <= 512 columns)."""
    fewest = max(2, -(-n2 // PMAX))
    width = tall_group(n1, batch) * n1
    return [r for r in range(fewest, fewest + TURNS_MORE + 1)
            if turn_windows(n2, r) is not None and 2 * r * width <= PSUM_COLUMNS]


def _formed_columns(chip: Chip, n1: int, n2: int, batch: int, quarter: bool, taller: bool, halves: bool,
                    paired: bool = False, turns: int = 0, turn_gpsimd: int = 0, whole: bool = False,
                    middle: int = 0, lone: bool = False, more: int = 0) -> list[int]:
    """The ``formed`` column counts the planner weighs: none, L = f2 q / 16 (q = 1..15); the fastest count
    with R rounds for R <= ``FORMED_ROUNDS`` (``_fastest_with_rounds``); around the fastest of those by the
    estimate, and around the fastest with q <= 11, every f2 / 64th column within f2 / 16 (4097: 96 of 122
    columns, 0.73 us, against 84, 0.78 us); and every column next to the fastest of those (the estimate steps
    with the rounds: 6915 = 15 x 461, 166 of 231 columns, not 165 on the f2 / 64 grid). 4122 = 18 x 229: 92
    of 116 columns, 0.724 us, against 88, 0.737 us, when the fastest with q <= 11 (80) was the only centre
    (MODELLED trn1)."""
    f2 = _tall_table_floats(n1, n2, batch, quarter, taller, turns, whole, middle, lone, more)[0]
    coarse = {-(-f2 * q // 16): q for q in range(1, 16)}

    def seconds(c: int) -> float:
        return _tall_seconds(chip, n1, n2, batch, quarter, taller, halves, c, paired, turns, turn_gpsimd, whole,
                             middle, lone, more)

    def fastest(counts: set[int]) -> int:
        return min(sorted(counts), key=seconds)

    coarse |= {c: 16 for c in _fastest_with_rounds(f2, seconds) if c not in coarse}

    def around(centre: int, span: int, stride: int) -> set[int]:
        return {c for c in range(centre - span, centre + span + 1, stride) if formed_allowed(f2, c)}

    span, stride = -(-f2 // 16), max(1, f2 // 64)
    bests = {fastest(set(coarse)), fastest({c for c, q in coarse.items() if q <= 11} or set(coarse))}
    fine = set(coarse).union(*(around(best, span, stride) for best in bests))
    return [0] + sorted(fine | around(fastest(fine), stride - 1, 1))


FORMED_ROUNDS = 8   # _formed_columns: the rounds searched one by one
FORMED_MAX_ROUNDS = 48   # each round a product of the last: 45 rounds measured 4.4e-7 (15995 x 8), 121 rounds 1.5e-6


def formed_allowed(f2: int, count: int) -> bool:
    """Whether the planner may make ``count`` of F2's f2 first columns on chip: 0 < count < f2, in at most
    ``FORMED_MAX_ROUNDS`` rounds (``TallTable.rounds``: ceil(count / (f2 - count)))."""
    return 0 < count < f2 and -(-count // (f2 - count)) <= FORMED_MAX_ROUNDS


def _fastest_with_rounds(f2: int, seconds: Callable[[int], float]) -> list[int]:
    """Per R = 1..``FORMED_ROUNDS``, the fastest formed count L with R rounds (R = ceil(L / (f2 - L)):
    L <= R f2 / (R + 1)), by bisection. With R fixed the estimate is quasi-convex in L: the DMA term falls,
    GpSimd's rises, the Scalar engine's falls while the last round is under its 64-cycle floor and then rises
    (4097 = 17 x 241 on trn2's figures: 72 of 122 columns, between two grid points, with 2 rounds)."""
    found, first = [], 1
    for rounds in range(1, FORMED_ROUNDS + 1):
        a, b = first, min(f2 - 1, rounds * f2 // (rounds + 1))
        first = b + 1
        if a > b:
            continue
        while a < b:   # the first L whose successor is no faster
            mid = (a + b) // 2
            a, b = (a, mid) if seconds(mid + 1) >= seconds(mid) else (mid + 1, b)
        found.append(a)
    return found


def _over_hbm_target(n: int, batch: int, constant_bytes: int, minimum: int = 0) -> bool:
    """Whether constants of this size break the HBM target (<= 2x input + output, where it applies);
    ``minimum``: the input + output bytes when not 16 n batch (complex64 in and out)."""
    applies = n >= HBM_TARGET_POINTS or batch >= HBM_TARGET_BATCH
    minimum = minimum or 16 * n * batch
    return applies and minimum + constant_bytes > 2 * minimum


def small_constant_bytes(n: int, group: int, kind: str = "c2c") -> int:
    """Bytes of the ``small`` kernel's table for ``group`` transforms per tile (``arguments.small_table``):
    c2c the block-diagonal DFT matrix (Re, Im; an even n by each block's left half and the signs, since
    F[j, k + n/2] = (-1)^j F[j, k]); r2c one halfcomplex matrix [g n, g n] (the real and the nonzero imaginary
    columns); c2r (C, S) [g (n//2+1), g n], an even n by the left halves and the signs."""
    w = group * n
    if kind == "r2c":
        return 4 * w * w
    rows = group * (n // 2 + 1) if kind == "c2r" else w
    if n % 2:
        return 8 * rows * w
    return 4 * rows * (w + 1)


def small_minimum_bytes(n: int, batch: int, kind: str = "c2c") -> int:
    """Input + output bytes of ``batch`` transforms of n points: complex64 both ways, or float32 one way."""
    return batch * (16 * n if kind == "c2c" else 4 * n + 8 * (n // 2 + 1))


def _small_seconds(chip: Chip, n: int, group: int, batch: int, kind: str) -> float:
    """Rough time of the ``small`` kernel: rows of ``group`` transforms in tiles of 128 rows (a ragged last row
    apart), per tile a load per input part, its matmuls, a PSUM evacuation and a store per output part."""
    full, rest = divmod(batch, group)
    tiles = -(-full // PMAX) + (1 if rest else 0)
    parts_in, parts_out = {"c2c": (2, 2), "r2c": (1, 2), "c2r": (2, 1)}[kind]
    products = 1 if kind == "r2c" else parts_in * parts_out
    width = group * n
    tensor = tiles * products * 4 * max(width, 64)
    scalar = tiles * parts_out * max(width, 64) + 3 * max(width, 64)
    dma = dma_seconds(chip, small_minimum_bytes(n, batch, kind) + small_constant_bytes(n, group, kind),
                      1 + tiles * (parts_in + parts_out))
    return max(tensor / chip.tensor_hz, scalar / chip.scalar_hz, dma)


def small_group(chip: Chip, n: int, batch: int, kind: str = "c2c") -> int:
    """Transforms per tile of the ``small`` kernel: the fastest by the estimate among those whose table keeps
    the HBM target where it applies. Packing more transforms per tile saves matmul columns only up to 64
    (the Tensor engine's minimum moving size) and tiles only past 128 rows, while the block-diagonal table
    grows as the square: at batch 64, n = 1..64 read a table up to 65x the data with a full tile (g = 128 // n)."""
    most = min(PMAX // n, max(batch, 1))
    minimum = small_minimum_bytes(n, batch, kind)
    allowed = [g for g in range(1, most + 1)
               if not _over_hbm_target(n, batch, small_constant_bytes(n, g, kind), minimum)] or [1]
    return min(allowed, key=lambda g: (_small_seconds(chip, n, g, batch, kind), -g))


@lru_cache(maxsize=4096)
def _factored(chip: Chip, n: int, batch: int, tall: bool = True) -> "Layout | None":
    """The fastest factored layout by the estimate (``tall``: the tall four-step may serve, which
    Bluestein's HBM-scratch inner FFT does not take)."""
    pair = four_step_factors(chip, n, batch)
    if pair is not None:
        return Layout("four-step", n, pair, min(PMAX // pair[0], max(batch, 1)))
    options: list[tuple[float, Layout]] = []
    radix = radix_factors(chip, n, batch)
    if radix is not None:
        options.append((_radix_seconds(chip, *radix, batch), Layout("radix-four-step", n, radix)))
    triple = six_step_factors(chip, n, batch)
    if triple is not None:
        block, k_block = six_step_blocks(*triple) or (1, 1)
        options.append((_six_step_seconds(chip, *triple, batch), Layout("six-step", n, triple, block, k_block=k_block)))
    tall_option = tall_factors(chip, n, batch) if tall else None
    if tall_option is not None:
        seconds, (n1, n2, quarter, taller, halves, formed, paired, turns, g, whole, middle, lone, more) = tall_option
        options.append((seconds, Layout("tall-four-step", n, (n1, n2), tall_group(n1, batch), quarter=quarter,
                                        taller=taller, halves=halves, formed=formed, paired=paired, turns=turns,
                                        turn_gpsimd=g, whole=whole, middle=middle, lone=lone, more=more)))
    return min(options, key=lambda o: o[0])[1] if options else None


def choose_2d(n1: int, n2: int, batch: int, chip: Chip | None = None) -> Layout:
    """The layout of ``batch`` 2-D transforms of [n1, n2] planned for ``chip`` (by default the target's,
    ``target_chip``), or ValueError when a side exceeds 128."""
    if not (1 <= n1 <= MAX_SIDE_2D and 1 <= n2 <= MAX_SIDE_2D):
        raise ValueError(f"2-D [{n1}, {n2}]: the two-matmul kernel takes sides <= {MAX_SIDE_2D}")
    chip = chip or target_chip()
    group, across = pack_2d(chip, n1, n2, batch)
    return Layout("fft2", n1 * n2, (n1, n2), group, per_tile=group * across, planned_for=chip.name)


@lru_cache(maxsize=1024)
def pack_2d(chip: Chip, n1: int, width: int, images: int, width_out: int = 0, image_bytes: int = 0) -> tuple[int, int]:
    """(images stacked on the partitions, stacks side by side) of a 2-D kernel tile (``kernels/plane.py``):
    at most as many as 128 rows and 128 input columns hold, no more than the images need, the fastest by a
    rough estimate among those whose block-diagonal matrices I_group (x) F1 and I_across (x) F2 (read on every
    call, growing as the square of the packing) keep the HBM target where it applies. ``width_out``: the
    output columns (r2c, c2r); ``image_bytes``: input + output bytes of one image (16 n1 width: c2c)."""
    if n1 > PMAX or width > PMAX:
        return (1 if n1 > PMAX else max(1, min(PMAX // n1, images))), 1
    width_out = width_out or width
    images = max(images, 1)
    minimum = (image_bytes or 16 * n1 * width) * images
    options = []
    for group in range(1, min(PMAX // n1, images) + 1):
        for across in range(1, min(PMAX // width, -(-images // group)) + 1):
            table = 8 * ((group * n1) ** 2 + across * across * width * width_out)
            if not _over_hbm_target(n1 * width, images, table, minimum):
                options.append((_plane_seconds(chip, n1, width, group, across, images, table + minimum),
                                -group * across, group, across))
    if not options:
        return 1, 1
    return min(options)[2:]


def _plane_seconds(chip: Chip, n1: int, width: int, group: int, across: int, images: int, hbm: int) -> float:
    """Rough time of ``kernels/plane.py`` for [n1, width] images, ``group`` x ``across`` per tile, ``hbm`` bytes
    moved: two complex matmul stages and two PSUM evacuations per tile, a load and a store per part (the full
    stacks by one access pattern; a short last stack by one more)."""
    tiles = -(-images // (group * across))
    ragged = 1 if images % (group * across) % group else 0
    tensor = tiles * 16 * (max(group * n1, 64) + max(across * width, 64))
    scalar = tiles * 2 * (max(group * n1, 64) + max(across * width, 64))
    dma = dma_seconds(chip, hbm, 4 + 4 * (tiles + ragged))
    return max(tensor / chip.tensor_hz, scalar / chip.scalar_hz, dma)


def choose(n: int, batch: int = 1, planes: bool = True, kind: str = "c2c", chip: Chip | None = None) -> Layout:
    """The layout for ``batch`` transforms of length n (1 <= n <= 2^20), or ValueError. ``planes``: a kernel
    of its own on stacked re/im planes may serve (not a step of a multi-step program); ``kind``: c2c, or r2c
    / c2r for n <= 128 (the packed real kernels); ``chip``: the figures to plan by, by default the target's
    (``target_chip``)."""
    chip = chip or target_chip()
    return replace(_choose(chip, n, batch, planes, kind), planned_for=chip.name)


@lru_cache(maxsize=4096)
def _choose(chip: Chip, n: int, batch: int, planes: bool, kind: str) -> Layout:
    """``choose`` for one chip (the cache keys on it: plans differ between chips)."""
    if not 1 <= n <= MAX_POINTS:
        raise ValueError(f"n={n}: the NKI kernels take 1 <= n <= {MAX_POINTS}")
    if n <= PMAX:
        return Layout("small", n, (n,), small_group(chip, n, batch, kind))
    layout = _factored(chip, n, batch)
    if layout is not None and layout.algorithm == "tall-four-step":
        # the tall four-step reads its n2 x n2 DFT matrix per launch: for a short transform with a large
        # prime factor (1018 = 2 x 509) Bluestein is faster
        blue = _bluestein(chip, n, batch, planes)
        if blue is not None and _bluestein_seconds(chip, blue, batch, planes) < estimated_seconds(chip, layout, batch):
            return blue
    if (layout is not None and layout.algorithm == "four-step" and batch > 1 and _over_hbm_target(
            n, batch, _four_step_constant_bytes(layout.factors[0], layout.factors[1], layout.group))):
        packing = four_step_packing(chip, n, batch)
        if packing is not None:
            layout = Layout("four-step", n, packing[:2], packing[2])
    if layout is not None:
        if planes and batch < HBM_TARGET_BATCH and layout.algorithm == "four-step":
            # a few transforms per pass on the stacked-plane kernels, with the factors their own estimate prefers:
            # always at batch 1, at small batches where estimated faster than the batched four-step
            # (4096 x 2: 2.14 us MODELLED packed 32 x 128, 0.91 us two per pass)
            pairs = [(n // d, d) for d in divisors_upto(n, PMAX) if 1 < n // d <= PMAX and d > 1]
            n1, n2 = min(pairs, key=lambda p: (planes_seconds(chip, p[0], p[1], batch), -p[1]))
            if batch == 1 or planes_seconds(chip, n1, n2, batch) < estimated_seconds(chip, layout, batch):
                return replace(layout, factors=(n1, n2), group=1, per_tile=1,
                               planes=planes_options(chip, n1, n2, batch))
        return layout
    blue = _bluestein(chip, n, batch, planes)
    if blue is not None:
        return blue
    raise ValueError(f"n={n}: no factorisation into factors <= {PMAX} and no Bluestein length m >= 2n-2 "
                     f"whose transform fits SBUF")


def _bluestein(chip: Chip, n: int, batch: int, planes: bool = True) -> "Layout | None":
    symmetric = symmetric_inner(chip, n, batch)
    side = cube_side(n)
    wide = wide_inner(chip, n, batch)
    if symmetric is None and side is not None and (n >= HBM_TARGET_POINTS or batch >= HBM_TARGET_BATCH):
        # too long for the a*b*a form: full-width over a*a*r where it fits SBUF (up to n = 216001; faster than
        # the cube at every length and batch sampled: 137303 batch 1 168.8 -> 118.2 us MODELLED, 200003 218.6 ->
        # 179.3), else in place over s^3, HBM ~1.5x the minimum (the HBM-scratch six-step reads and writes ~17x)
        return Layout("bluestein", n, (n,), 1, wide if wide is not None else Layout(CUBE, side ** 3, (side,) * 3))
    stacked = planes and batch == 1
    target = symmetric is not None and (n >= HBM_TARGET_POINTS or batch >= HBM_TARGET_BATCH)
    # the search over padded lengths only where its answer is weighed (hundreds of six-step estimates per length)
    inner = None if target else bluestein_inner(chip, n, batch)
    if symmetric is not None and (target or inner is None
                                  or _symmetric_seconds(chip, symmetric.factors[0], symmetric.factors[1],
                                                        symmetric.group, batch)
                                  < _inner_seconds(chip, inner, batch, stacked)):
        # in SBUF with the spectrum and twiddles made on chip: HBM ~1x the minimum, always where the HBM
        # target applies, elsewhere when estimated faster (4099 batch 32: 200 -> 161 us MODELLED); at small
        # batches its per-launch work (one more FFT, the twiddle formation) makes it slower than the
        # four-step / HBM-scratch forms (8193 batch 1: 15 vs 104 us)
        inner = symmetric
    elif stacked and (inner is None or inner.algorithm != "four-step"):
        # one transform in SBUF over a tall four-step (bluestein_sbuf_stacked_kernel), past the four-step's
        # 16384 points: 8193 batch 1 through HBM scratch 11.1 us MODELLED, over 128 x 130 in SBUF less
        tall = tall_bluestein_inner(chip, n)
        if tall is not None and (inner is None or _stacked_bluestein_seconds(chip, *tall.factors) <
                                 _inner_seconds(chip, inner, batch, stacked)):
            inner = tall
    if inner is None:
        return Layout("bluestein", n, (n,), 1, wide) if wide is not None else None
    f = inner.factors
    group, per_tile = bluestein_sbuf_tiles(f[0], f[1], batch) if inner.algorithm == "four-step" else (1, 1)
    if inner.algorithm == SYMMETRIC:
        group = inner.group
    layout = Layout("bluestein", n, (n,), group, inner, per_tile=per_tile)
    if wide is not None and wide_seconds(chip, wide.factors[0], wide.factors[2], batch) < _bluestein_seconds(
            chip, layout, batch, planes):
        # every matmul on up to 128 rows: 65537 batch 1 over 128 x 128 x 8, 175.5 -> 53.8 us MODELLED
        return Layout("bluestein", n, (n,), 1, wide)
    return layout


STACKED_TALL_MAX = 6 * PMAX   # the one-transform in-SBUF Bluestein: n2 in up to six chunks of 128 rows


def stacked_bluestein_bytes(n1: int, n2: int) -> int:
    """Rough bytes per partition ``bluestein_sbuf_stacked_kernel`` keeps live: the n1-row table, the n2-row
    table chunks (F2 with -Im F2), and the working tiles of one transform."""
    chunks = -(-n2 // PMAX)
    return 4 * ((6 * n2 + 3 * n1) + chunks * (4 * n1 + 3 * n2) + 12 * n2 + 8 * chunks * n1)


@lru_cache(maxsize=1024)
def tall_bluestein_inner(chip: Chip, n: int) -> "Layout | None":
    """A padded length m = n1 * n2 >= 2n - 2 (7-smooth, up to 15% above) with n1 <= 128 < n2 <= 768 that fits
    SBUF, the fastest by the estimate: the inner FFT of the one-transform in-SBUF Bluestein past 16384 points."""
    low = bluestein_minimum(n)
    best: tuple[float, Layout] | None = None
    for m in seven_smooth_between(low, min(int(1.15 * low), PMAX * STACKED_TALL_MAX)):
        for n1 in divisors_upto(m, PMAX):
            if PMAX < m // n1 <= STACKED_TALL_MAX and stacked_bluestein_bytes(n1, m // n1) <= SBUF_BUDGET:
                seconds = _stacked_bluestein_seconds(chip, n1, m // n1)
                if best is None or seconds < best[0]:
                    best = (seconds, Layout("tall-four-step", m, (n1, m // n1)))
    return best[1] if best is not None else None


def _stacked_bluestein_seconds(chip: Chip, n1: int, n2: int) -> float:
    """Rough time of ``bluestein_sbuf_stacked_kernel`` over n1 x n2 (n2 in chunks of 128): complex matmul sets
    (4 fp32 matmuls, ~16 max(N, 64) cycles), the five complex products on GpSimd, the DMA (re and im in apart:
    two DMAs each for the rows and a partial row, two out, the tables)."""
    chunks = -(-n2 // PMAX)
    m = n1 * n2
    tensor = 16 * (chunks * max(n1, 64) + chunks * chunks * max(n1, 64) + chunks * n2 + n2)
    gpsimd = 6 * (3 * n2 + 2 * chunks * n1) + 2 * n2
    hbm = 8 * m + 8 * (5 * m + n1 * n1 + (n2 * n2 if n2 != n1 else 0))   # n1 = n2: F2 is F1, not read again
    return max(tensor / chip.tensor_hz, gpsimd / chip.gpsimd_hz, dma_seconds(chip, hbm, 7 + chunks))


def _convolution_seconds(chip: Chip, inner: Layout, batch: int) -> float:
    """Rough time of a Bluestein convolution over ``inner`` (four-step, radix or six-step): two inner FFTs
    and three pointwise complex products of m points per transform; over the radix and six-step forms these
    read and write HBM scratch (~56 m bytes beyond the FFTs' own: 32771 over the six-step 25 x 105 x 25,
    MODELLED 32.9 us, is DMA-bound), over the four-step they stay in SBUF (``bluestein_sbuf``)."""
    scratch = 0 if inner.algorithm == "four-step" else 56 * inner.n / chip.dma_bytes_per_s
    pointwise = batch * (3 * 6 * (2 * inner.n / PMAX + 60) / chip.vector_hz + scratch)
    return 2 * estimated_seconds(chip, inner, batch) + pointwise


def _inner_seconds(chip: Chip, inner: Layout, batch: int, stacked: bool) -> float:
    """Rough time of a Bluestein convolution over a four-step, tall, radix or six-step inner FFT: the
    one-transform in-SBUF kernel's estimate (``stacked``, four-step or tall inner), else ``_convolution_seconds``."""
    if inner.algorithm == "tall-four-step" or (stacked and inner.algorithm == "four-step"):
        return _stacked_bluestein_seconds(chip, *inner.factors)
    return _convolution_seconds(chip, inner, batch)


def _bluestein_seconds(chip: Chip, layout: Layout, batch: int, planes: bool = True) -> float:
    """Rough: the in-SBUF forms' own estimates, or the convolution over the other inner lengths."""
    inner = layout.inner
    assert inner is not None
    if inner.algorithm == SYMMETRIC:
        return _symmetric_seconds(chip, inner.factors[0], inner.factors[1], inner.group, batch)
    if inner.algorithm == WIDE:
        return wide_seconds(chip, inner.factors[0], inner.factors[2], batch)
    return _inner_seconds(chip, inner, batch, planes and batch == 1)


def bluestein_sbuf_tiles(n1: int, n2: int, batch: int) -> tuple[int, int]:
    """(transforms per step-1 tile, transforms per super tile) of the in-SBUF Bluestein:
    full partitions in step 1, rows of at most ~2048 points in the rest, no more than the batch."""
    group = max(1, min(PMAX // n1, batch))
    per_tile = group * max(1, 4 * PSUM_BANK // (group * max(n1, n2)))
    return group, min(per_tile, group * -(-batch // group))
