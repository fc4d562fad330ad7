"""The host side of multi-step launches: which steps a problem needs and their constants.

An n-D transform whose last two axes are both <= 256 does them in one
``plane`` step (each image in SBUF from load to store); otherwise it is the
last axis by a 1-D row step; then every other axis in place (``columns``)
when each is <= 128 points with runs of >= 32 points after it, or 128 * n2
points (``split_columns``: two passes, no rotation); otherwise, per axis
from the last, a 1-D step along the rows and a rotation that brings the
next axis last (d rotations restore the order).
A real transform of n = n1 * n2 (both <= 128; c2r: n even) is one real
four-step (``kernels/real_four_step.py``). Other real transforms of n > 128
points go through a complex one of half the data: n even, the n/2-point FFT of z[m] = x[2m] + i x[2m+1]; n odd, the
n-point FFT of two real rows as re and im. The mirror tables (see
``kernels/mirror.py``) turn that FFT into the onesided spectrum and back:

* r2c, n = 2h: X[k] = a_k Z[k] + b_k conj(Z[h-k]), a_k = (1 - i w^k)/2, b_k = (1 + i w^k)/2;
* c2r, n = 2h: Z[k] = a_k X[k] + b_k conj(X[h-k]), a_k = 1 + i w^-k, b_k = 1 - i w^-k
  (imaginary parts of X[0] and X[h] ignored, as torch and NumPy do);
* r2c, n odd: X1 = (Z + conj(Z[-k]))/2, X2 = (Z - conj(Z[-k]))/2i for rows 2t, 2t+1;
* c2r, n odd: Z[k] = X1[k] + i X2[k] for k <= n//2, conj(X1[n-k]) + i conj(X2[n-k]) above.

The de-interleaving of x[2m], x[2m+1] (and of row pairs) is marshalling,
done where the data lives (``marshal.program_input``/``program_output``,
NumPy or device tensors); everything between the input and the output stays
in device memory.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import constants as C
from .algorithms import PMAX, PSUM_BANK, choose, divisors_upto, four_step_factors, pack_2d, target_chip
from .arguments import c2c_parts, c2r_weights, real_kernel_arguments
from .emulator.costmodel import Chip

Step = tuple[tuple, tuple]  # (spec, constant arrays)


def _table(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[4, bins] = (Re A, Im A, Re B, Im B) for out += A Re(src) + B Im(src)."""
    return np.ascontiguousarray(np.stack([a.real, a.imag, b.real, b.imag]), dtype=np.float32)


def _term(coef: np.ndarray, mirrored: bool) -> np.ndarray:
    """coef * src (B = i coef) or coef * conj(src) (B = -i coef)."""
    return _table(coef, (-1j if mirrored else 1j) * coef)


def _c2c(chip: Chip, n: int, rows: int, forward: bool, scale: float) -> tuple[str, tuple, tuple]:
    return c2c_parts(choose(n, max(rows, 1), planes=False, chip=chip), forward, scale)


def _w(n: int, count: int, forward: bool) -> np.ndarray:
    """w^k = exp(-+2 pi i k / n) for k < count, angles reduced in integers, float64."""
    k = np.arange(count, dtype=np.int64) % n
    return np.exp((-2j if forward else 2j) * np.pi * k / n)


def real_four_step_factors(chip: Chip, n: int, rows: int, kind: str) -> tuple[int, int] | None:
    """(n1, m2) of the fused real four-step (``kernels/real_four_step.py``), or None: n = n1 * m2 with
    both <= 128, the complex four-step's choice; c2r also needs n1 even (n even)."""
    if n <= PMAX:
        return None
    pairs = [(n1, n // n1) for n1 in divisors_upto(n, PMAX) if 1 < n1 and 1 < n // n1 <= PMAX]
    if kind == "c2r":
        pairs = [p for p in pairs if p[0] % 2 == 0]
    if not pairs:
        return None
    best = four_step_factors(chip, n, max(rows, 1))
    return best if best in pairs else min(pairs, key=lambda p: abs(p[0] - p[1]))


def _real_four_step(chip: Chip, kind: str, n: int, rows: int, scale: float) -> Step | None:
    """The fused real four-step step of ``rows`` transforms of n points, or None where it does not apply."""
    factors = real_four_step_factors(chip, n, rows, kind)
    if factors is None:
        return None
    n1, m2 = factors
    if kind == "r2c":
        group = max(1, min(PMAX // n1, rows))
        k2 = np.arange((n // 2) // n1 + 1, dtype=np.int64)
        f1 = C.block_diagonal(C.dft_pair(n1, True), group)
        per_tile = _per_tile(n1, group, rows)
        tw = C.tiled(C.roots(C.outer_exponents(m2, n1), n, True, scale), group)
        f2 = C.roots(np.outer(np.arange(m2, dtype=np.int64), k2), m2, True)
        return ("r2c-four-step", n1, m2, group, per_tile), (_packed(*f1), _packed(*tw, *f2))
    group = max(1, min(PMAX // (n1 // 2 + 2), rows))   # K = group * (n1/2 bin rows + 2 edge rows)
    per_tile = _per_tile(n1, group, rows)
    tw = C.tiled(C.roots(C.outer_exponents(m2, n1), n, False, scale), group)
    g_re, g_im = C.roots(C.outer_exponents(m2, m2), m2, False)
    stages = [_first_stage_c2r(n1, group)]
    if rows % group:   # the last group of the launch is short: its own matrix (the edge rows move up)
        stages.append(_first_stage_c2r(n1, rows % group))
    return ("c2r-four-step", n1, m2, group, per_tile), (_packed(*tw, g_re, -g_im), *stages)


def _first_stage_c2r(n1: int, count: int) -> np.ndarray:
    """[Re | Im] of the c2r first-stage matrix for ``count`` transforms: rows (t, ka) of I (x) 2 conj(F1)[0:n1/2],
    then rows (t, DC / Nyquist) of the edge correction -Re X[0] + (-1)^ja Re X[n/2] (real)."""
    f_re, f_im = C.block_diagonal(C.roots(C.outer_exponents(n1 // 2, n1), n1, False, 2.0), count)
    ja = np.arange(n1)
    edge = np.kron(np.eye(count), np.stack([-np.ones(n1), np.where(ja % 2 == 0, 1.0, -1.0)]))
    return _packed(np.vstack([f_re, edge]), np.vstack([f_im, np.zeros_like(edge)]))


def _per_tile(n1: int, group: int, rows: int) -> int:
    """Transforms per stage-3 tile of the real four-step: whole groups filling one PSUM bank, no more
    groups than the rows make (the kernel repeats the group's twiddles that many times on chip)."""
    return group * min(max(1, PSUM_BANK // (group * n1)), -(-max(rows, 1) // group))


def _packed(*arrays: np.ndarray) -> np.ndarray:
    """Tables with the same rows side by side in one float32 array: one DMA instead of several
    (each DMA has a fixed cost of ~1.3 us, nki-reference.md section 7)."""
    return np.ascontiguousarray(np.concatenate(arrays, axis=1), dtype=np.float32)


def r2c_step(chip: Chip, n: int, rows: int, scale: float) -> Step:
    """The real forward transform of ``rows`` rows of n points (the input already marshalled)."""
    if n <= PMAX:
        kernel, args = real_kernel_arguments("r2c", choose(n, max(rows, 1), kind="r2c", chip=chip), True, scale)
        return ("r2c-small", args[1], n // 2 + 1), args[:1]
    fused = _real_four_step(chip, "r2c", n, rows, scale)
    if fused is not None:
        return fused
    if n % 2 == 0:
        h = n // 2
        name, arrays, ints = _c2c(chip, h, rows, True, 1.0)
        w = _w(n, h + 1, True)
        tables: tuple[np.ndarray, ...] = (_term(scale * (1 - 1j * w) / 2, False),
                                          _term(scale * (1 + 1j * w) / 2, True))
        ranges: tuple = ((0, 1, ((0, 0, 1, 0, 0), (0, 0, -1, 0, 1))),
                  (1, h, ((0, 0, 1, 0, 0), (0, 0, -1, h, 1))),
                  (h, h + 1, ((0, 0, 1, -h, 0), (0, 0, -1, h, 1))))
        return ("r2c-even", name, ints, ranges, rows, h + 1), (arrays, tables)
    pairs = (rows + 1) // 2
    width = n // 2 + 1
    name, arrays, ints = _c2c(chip, n, pairs, True, 1.0)
    one = np.full(width, scale / 2, dtype=complex)
    tables = (_term(one, False), _term(one, True), _term(-1j * one, False), _term(1j * one, True))
    terms = lambda c: ((0, 0, 1, 0, 0), (0, 0, -1, c, 1), (1, 0, 1, 0, 2), (1, 0, -1, c, 3))  # noqa: E731
    ranges = ((0, 1, terms(0)), (1, width, terms(n)))
    return ("r2c-odd", name, ints, ranges, 2 * pairs, width), (arrays, tables)


def c2r_step(chip: Chip, n: int, rows: int, scale: float) -> Step:
    """The inverse of ``r2c_step``: onesided spectra [rows (even for odd n > 128), n//2+1] to n real points."""
    if n <= PMAX:
        kernel, args = real_kernel_arguments("c2r", choose(n, max(rows, 1), kind="c2r", chip=chip), False, scale)
        return ("c2r-small", args[1], n), args[:1]
    fused = _real_four_step(chip, "c2r", n, rows, scale) if n % 2 == 0 else None
    if fused is not None:
        return fused
    if n % 2 == 0:
        h = n // 2
        name, arrays, ints = _c2c(chip, h, rows, False, 1.0)
        w = _w(n, h, False)
        direct, mirror = _term(scale * (1 + 1j * w), False), _term(scale * (1 - 1j * w), True)
        direct[2:, 0] = 0.0   # Im X[0] ignored
        mirror[2:, 0] = 0.0   # Im X[h] ignored
        ranges: tuple = ((0, h, ((0, 0, 1, 0, 0), (0, 0, -1, h, 1))),)
        return ("c2r-even", name, ints, ranges, rows, h + 1, h), (arrays, (direct, mirror))
    pairs = (rows + 1) // 2
    width = n // 2 + 1
    name, arrays, ints = _c2c(chip, n, pairs, False, 1.0)
    one = np.full(n, scale, dtype=complex)
    tables = [_term(one, False), _term(1j * one, False), _term(one, True), _term(1j * one, True)]
    tables[0][2:, 0] = 0.0
    tables[1][2:, 0] = 0.0    # Im X1[0], Im X2[0] ignored
    ranges = ((0, width, ((0, 0, 1, 0, 0), (0, 1, 1, 0, 1))),
              (width, n, ((0, 0, -1, n, 2), (0, 1, -1, n, 3))))
    return ("c2r-odd", name, ints, ranges, pairs, width, n), (arrays, tuple(tables))


@dataclass(frozen=True)
class Program:
    """The steps of one launch and how its input and output are marshalled."""

    kind: str
    lengths: tuple[int, ...]
    images: int
    steps: tuple[Step, ...]
    planned_for: str = ""   # the chip whose cost-model figures chose its steps' layouts

    def describe(self) -> str:
        return (f"{self.kind} {'x'.join(map(str, self.lengths))} in one launch: "
                + ", ".join(f"{spec[0]} ({spec[1]})" if isinstance(spec[1], str) else spec[0]
                            for spec, _ in self.steps)
                + (f", planned for {self.planned_for}" if self.planned_for else ""))

    @property
    def last_step(self) -> str:
        return self.steps[-1][0][0]

    @property
    def first_step(self) -> str:
        return self.steps[0][0][0]


def build(kind: str, lengths: tuple[int, ...], images: int, forward: bool, scale: float,
          chip: Chip | None = None) -> Program:
    """The program of ``images`` transforms of ``lengths`` (1-D real, or any rank), its steps planned for ``chip``
    (by default the target's, ``algorithms.target_chip``)."""
    chip = chip or target_chip()
    return replace(_build(chip, kind, lengths, images, forward, scale), planned_for=chip.name)


def _build(chip: Chip, kind: str, lengths: tuple[int, ...], images: int, forward: bool, scale: float) -> Program:
    d = len(lengths)
    n_last = lengths[-1]
    last_in = n_last // 2 + 1 if kind == "c2r" else n_last
    last_out = n_last // 2 + 1 if kind == "r2c" else n_last
    rest = int(np.prod(lengths[:-1], dtype=np.int64))
    rows = images * rest
    odd_pairs = kind == "c2r" and n_last > PMAX and n_last % 2 == 1 and rows % 2 == 1  # needs a padded row
    width = last_in if kind == "c2r" else last_out
    in_place = d > 1 and not odd_pairs and _columns_fit(lengths[:-1], width)
    if _plane_fits(kind, lengths) and (d == 2 or _columns_fit(lengths[:-2], lengths[-2] * width)):
        program = _column_program(chip, kind, lengths, images, forward, scale, plane=True)
        if in_place or all(_partitions(spec) >= COLUMN_MIN_PARTITIONS for spec, _ in program.steps
                           if spec[0] == "columns"):
            return program
    if in_place:
        return _column_program(chip, kind, lengths, images, forward, scale)
    steps: list[Step] = []
    if kind == "r2c":
        steps.append(r2c_step(chip, n_last, rows, scale))
        scale = 1.0
    elif kind == "c2c":
        name, arrays, ints = _c2c(chip, n_last, rows, forward, scale)
        steps.append((("c2c", name, ints), arrays))
        scale = 1.0
    order = list(lengths[:-1]) + [last_in if kind == "c2r" else last_out]  # axes after the images
    for turn in range(d if d > 1 else 0):   # bring the last axis to the front, d times
        c, r = order[-1], int(np.prod(order[:-1], dtype=np.int64))
        order = [c] + order[:-1]
        nxt = order[-1]
        out_rows = images * c * r // nxt
        if kind == "c2r" and turn == d - 1 and n_last > PMAX and n_last % 2 == 1:
            out_rows += out_rows % 2   # c2r-odd pairs rows
        steps.append((("rotate", images, r, c, nxt, out_rows), ()))
        if turn < d - 1:
            name, arrays, ints = _c2c(chip, nxt, out_rows, forward, scale)
            steps.append((("c2c", name, ints), arrays))
            scale = 1.0
    if kind == "c2r":
        steps.append(c2r_step(chip, n_last, rows, scale))
    return Program(kind, tuple(lengths), images, tuple(steps))


COLUMN_MIN_INNER = 32   # middle-axis tiles narrower than this lose to a rotation


def _columns_fit(middle: tuple[int, ...], width: int) -> bool:
    """Whether every axis but the last can be transformed in place: length <= 128 or 128 * n2 with n2
    dividing 128 (``split_columns``), inner runs >= 32."""
    inner = width
    for n in reversed(middle):
        if (n > PMAX and not _splits(n, inner)) or inner < COLUMN_MIN_INNER:
            return False
        inner *= n
    # a short axis on the partitions leaves the Tensor engine mostly idle: with a split axis
    # (which rotations used to take) such an axis stays a row step between rotations
    return max(middle) <= PMAX or min(middle) >= SPLIT_MIN_OTHER


SPLIT_MIN_STORE = 4096   # points per store of ``columns-twiddled`` (g * inner); fewer lose to a rotation
SPLIT_MIN_OTHER = 32     # shortest other in-place axis next to a split one


def _splits(n: int, inner: int) -> bool:
    """n = 128 * n2 with n2 a divisor of 128 (two ``columns``-like passes, g = 128 / n2 rows stacked),
    and stores of g rows of ``inner`` points large enough that the DMA's fixed cost stays small."""
    return (n > PMAX and n % PMAX == 0 and PMAX % (n // PMAX) == 0
            and PMAX // (n // PMAX) * inner >= SPLIT_MIN_STORE)


def split_columns(outer: int, n: int, inner: int, forward: bool, scale: float) -> tuple[Step, Step]:
    """The DFT along a middle axis of n = 128 * n2 points in place of layout, as two passes.

    With j = j1 n2 + j2 and k = k1 + 128 k2: A[k1, j2] = sum_j1 x[j] W_128^(j1 k1) (a ``columns``
    step over j1), then X[k] = sum_j2 A[k1, j2] W_n^(j2 k) (``columns-twiddled``: g = 128 / n2 values
    of k1 stacked on the partitions as rows (k1, j2), each block its own twiddled matrix, output
    partitions ordered (k2, k1) so each k2 is one store)."""
    n2 = n // PMAX
    g = PMAX // n2
    first = (("columns", outer, PMAX, n2 * inner, 1, 1), C.dft_pair(PMAX, forward, scale))
    j2 = np.arange(n2, dtype=np.int64)
    k2 = np.arange(n2, dtype=np.int64)
    re = np.zeros((PMAX, PMAX // g * PMAX), dtype=np.float32)
    im = np.zeros_like(re)
    for q in range(PMAX // g):
        for t in range(g):
            e = np.outer(j2, q * g + t + PMAX * k2)            # [j2, k2]
            w_re, w_im = C.roots(e, n, forward)
            rows = t * n2 + j2
            cols = q * PMAX + k2 * g + t
            re[np.ix_(rows, cols)] = w_re
            im[np.ix_(rows, cols)] = w_im
    return first, (("columns-twiddled", outer, n2, inner), (re, im))


COLUMN_MIN_RUN = 512   # points per partition per DMA (2 KiB, nki-reference.md section 7)


def columns_step(outer: int, n: int, inner: int, forward: bool) -> Step:
    """The in-place DFT of a middle axis of n <= 128 points, filling the partitions: ``group`` outer slices
    side by side (block-diagonal I_group (x) F), then each inner run cut into ``split`` sub-runs of >= 512
    points (F (x) I_split): the Tensor engine's cost is per moving column, so a 64-point axis of a single
    image costs half as much on 128 partitions as on 64."""
    group = max(1, min(PMAX // n, outer))
    split = max([s for s in divisors_upto(inner, PMAX // (n * group)) if inner // s >= COLUMN_MIN_RUN] or [1])
    f = C.dft_pair(n, forward)
    eye = np.eye(split, dtype=np.float32)
    matrix = tuple(np.kron(np.eye(group, dtype=np.float32), np.kron(m, eye)).astype(np.float32) for m in f)
    return ("columns", outer, n, inner, group, split), matrix


COLUMN_MIN_PARTITIONS = 32   # a plane's columns steps on fewer partitions lose to rotations


def _partitions(spec: tuple) -> int:
    """Partitions a ``columns`` step's tiles fill: n * group * split."""
    return spec[2] * spec[4] * spec[5]


PLANE_MAX = 2 * PMAX        # ``plane``: sides up to two 128-row blocks


def _plane_fits(kind: str, lengths: tuple[int, ...]) -> bool:
    """Whether the last two axes go through one ``plane`` step: both <= 256 (a whole 2-D c2c problem with
    both <= 128 is the plugin's own launch of the same kernel)."""
    if len(lengths) < 2:
        return False
    n1, n2 = lengths[-2:]
    if kind == "c2c" and max(n1, n2) <= PMAX:
        return len(lengths) > 2
    return max(n1, n2) <= PLANE_MAX


def plane_step(chip: Chip, kind: str, n1: int, n2: int, images: int, forward: bool, scale: float) -> Step:
    """The 2-D transform of ``images`` [n1, n2] images in SBUF (``kernels/plane.py``): the stage matrices
    F1 [n1, n1] and F2 (c2c [n2, n2], r2c [n2, n2//2+1]; c2r G [n2//2+1, n2] as (re, -im)), block-diagonal
    for the images a tile packs (as ``algorithms.choose_2d`` packs them); one matrix when the two stages
    share it; the normalisation is applied on chip."""
    half = n2 // 2 + 1
    w_in = half if kind == "c2r" else n2
    w_out = half if kind == "r2c" else n2
    image_bytes = n1 * (16 * n2 if kind == "c2c" else 4 * n2 + 8 * half)   # input + output of one image
    group, across = pack_2d(chip, n1, w_in, images, w_out, image_bytes)
    f1 = C.block_diagonal(C.dft_pair(n1, forward), group)
    f2: tuple
    if kind == "c2c":
        f2 = () if n1 == n2 and group == across else C.dft_pair(n2, forward)
    elif kind == "r2c":
        f2 = C.roots(np.outer(np.arange(n2, dtype=np.int64), np.arange(half, dtype=np.int64)), n2, True)
    else:
        f2 = c2r_weights(n2, False, 1.0)
    if f2:
        f2 = C.block_diagonal(f2, across)
    return ("plane", kind, n1, group, across, w_out, scale), (*f1, *f2)


def _column_program(chip: Chip, kind: str, lengths: tuple[int, ...], images: int, forward: bool, scale: float,
                    plane: bool = False) -> Program:
    """n-D without rotations: the last axis by a row step (or the last two by a ``plane`` step), every
    other axis by a ``columns`` step; the normalisation on the step that reads (r2c, c2c) or writes (c2r)
    the real data."""
    n_last = lengths[-1]
    trailing = 2 if plane else 1
    rows = images * int(np.prod(lengths[:-1], dtype=np.int64))
    width = n_last // 2 + 1 if kind != "c2c" else n_last
    middle: list[Step] = []
    inner = width * (lengths[-2] if plane else 1)
    for j in range(len(lengths) - 1 - trailing, -1, -1):
        n = lengths[j]
        outer = rows * width // (inner * n)
        if n > PMAX:
            middle.extend(split_columns(outer, n, inner, forward, 1.0))
        else:
            middle.append(columns_step(outer, n, inner, forward))
        inner *= n
    if plane:
        ends = plane_step(chip, kind, lengths[-2], n_last, rows // lengths[-2], forward, scale)
    elif kind == "c2r":
        ends = c2r_step(chip, n_last, rows, scale)
    elif kind == "r2c":
        ends = r2c_step(chip, n_last, rows, scale)
    else:
        name, arrays, ints = _c2c(chip, n_last, rows, forward, scale)
        ends = (("c2c", name, ints), arrays)
    steps = (*middle, ends) if kind == "c2r" else (ends, *middle)
    return Program(kind, tuple(lengths), images, steps)
