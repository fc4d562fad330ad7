"""The host side of multi-step launches: which steps a problem needs and their constants.

An n-D transform is the last axis by a 1-D row step, then every other axis
in place (``columns``) when each is <= 128 points with runs of >= 32 points
after it, or 128 * n2 points (``split_columns``: two passes, no rotation);
otherwise, per axis from the last, a 1-D step along the rows and a
rotation that brings the next axis last (d rotations restore the order).
A real transform of n > 128 points goes through a complex one of half the
data: n even, the n/2-point FFT of z[m] = x[2m] + i x[2m+1]; n odd, the
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

from dataclasses import dataclass

import numpy as np

from . import constants as C
from .algorithms import PMAX, choose
from .arguments import c2c_parts, real_kernel_arguments

Step = tuple[tuple, tuple]  # (spec, constant arrays)


def _table(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[4, bins] = (Re A, Im A, Re B, Im B) for out += A Re(src) + B Im(src)."""
    return np.ascontiguousarray(np.stack([a.real, a.imag, b.real, b.imag]), dtype=np.float32)


def _term(coef: np.ndarray, mirrored: bool) -> np.ndarray:
    """coef * src (B = i coef) or coef * conj(src) (B = -i coef)."""
    return _table(coef, (-1j if mirrored else 1j) * coef)


def _c2c(n: int, rows: int, forward: bool, scale: float) -> tuple[str, tuple, tuple]:
    return c2c_parts(choose(n, max(rows, 1)), forward, scale)


def _w(n: int, count: int, forward: bool) -> np.ndarray:
    """w^k = exp(-+2 pi i k / n) for k < count, angles reduced in integers, float64."""
    k = np.arange(count, dtype=np.int64) % n
    return np.exp((-2j if forward else 2j) * np.pi * k / n)


def r2c_step(n: int, rows: int, scale: float) -> Step:
    """The real forward transform of ``rows`` rows of n points (the input already marshalled)."""
    if n <= PMAX:
        kernel, args = real_kernel_arguments("r2c", choose(n, max(rows, 1)), True, scale)
        return ("r2c-small", args[2], n // 2 + 1), args[:2]
    if n % 2 == 0:
        h = n // 2
        name, arrays, ints = _c2c(h, rows, True, 1.0)
        w = _w(n, h + 1, True)
        tables: tuple[np.ndarray, ...] = (_term(scale * (1 - 1j * w) / 2, False),
                                          _term(scale * (1 + 1j * w) / 2, True))
        ranges: tuple = ((0, 1, ((0, 0, 1, 0, 0), (0, 0, -1, 0, 1))),
                  (1, h, ((0, 0, 1, 0, 0), (0, 0, -1, h, 1))),
                  (h, h + 1, ((0, 0, 1, -h, 0), (0, 0, -1, h, 1))))
        return ("r2c-even", name, ints, ranges, rows, h + 1), (arrays, tables)
    pairs = (rows + 1) // 2
    width = n // 2 + 1
    name, arrays, ints = _c2c(n, pairs, True, 1.0)
    one = np.full(width, scale / 2, dtype=complex)
    tables = (_term(one, False), _term(one, True), _term(-1j * one, False), _term(1j * one, True))
    terms = lambda c: ((0, 0, 1, 0, 0), (0, 0, -1, c, 1), (1, 0, 1, 0, 2), (1, 0, -1, c, 3))  # noqa: E731
    ranges = ((0, 1, terms(0)), (1, width, terms(n)))
    return ("r2c-odd", name, ints, ranges, 2 * pairs, width), (arrays, tables)


def c2r_step(n: int, rows: int, scale: float) -> Step:
    """The inverse of ``r2c_step``: onesided spectra [rows (even for odd n > 128), n//2+1] to n real points."""
    if n <= PMAX:
        kernel, args = real_kernel_arguments("c2r", choose(n, max(rows, 1)), False, scale)
        return ("c2r-small", args[2], n), args[:2]
    if n % 2 == 0:
        h = n // 2
        name, arrays, ints = _c2c(h, rows, False, 1.0)
        w = _w(n, h, False)
        direct, mirror = _term(scale * (1 + 1j * w), False), _term(scale * (1 - 1j * w), True)
        direct[2:, 0] = 0.0   # Im X[0] ignored
        mirror[2:, 0] = 0.0   # Im X[h] ignored
        ranges: tuple = ((0, h, ((0, 0, 1, 0, 0), (0, 0, -1, h, 1))),)
        return ("c2r-even", name, ints, ranges, rows, h + 1, h), (arrays, (direct, mirror))
    pairs = (rows + 1) // 2
    width = n // 2 + 1
    name, arrays, ints = _c2c(n, pairs, False, 1.0)
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

    def describe(self) -> str:
        return (f"{self.kind} {'x'.join(map(str, self.lengths))} in one launch: "
                + ", ".join(f"{spec[0]} ({spec[1]})" if isinstance(spec[1], str) else spec[0]
                            for spec, _ in self.steps))

    @property
    def last_step(self) -> str:
        return self.steps[-1][0][0]

    @property
    def first_step(self) -> str:
        return self.steps[0][0][0]


def build(kind: str, lengths: tuple[int, ...], images: int, forward: bool, scale: float) -> Program:
    """The program of ``images`` transforms of ``lengths`` (1-D real, or any rank)."""
    d = len(lengths)
    n_last = lengths[-1]
    last_in = n_last // 2 + 1 if kind == "c2r" else n_last
    last_out = n_last // 2 + 1 if kind == "r2c" else n_last
    rest = int(np.prod(lengths[:-1], dtype=np.int64))
    rows = images * rest
    odd_pairs = kind == "c2r" and n_last > PMAX and n_last % 2 == 1 and rows % 2 == 1  # needs a padded row
    if d > 1 and not odd_pairs and _columns_fit(lengths[:-1], last_in if kind == "c2r" else last_out):
        return _column_program(kind, lengths, images, forward, scale)
    steps: list[Step] = []
    if kind == "r2c":
        steps.append(r2c_step(n_last, rows, scale))
        scale = 1.0
    elif kind == "c2c":
        name, arrays, ints = _c2c(n_last, rows, forward, scale)
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
            name, arrays, ints = _c2c(nxt, out_rows, forward, scale)
            steps.append((("c2c", name, ints), arrays))
            scale = 1.0
    if kind == "c2r":
        steps.append(c2r_step(n_last, rows, scale))
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
    first = (("columns", outer, PMAX, n2 * inner), C.dft_pair(PMAX, forward, scale))
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


def _column_program(kind: str, lengths: tuple[int, ...], images: int, forward: bool, scale: float) -> Program:
    """n-D without rotations: the last axis by a row step, every other axis by a ``columns`` step."""
    n_last = lengths[-1]
    rows = images * int(np.prod(lengths[:-1], dtype=np.int64))
    width = n_last // 2 + 1 if kind != "c2c" else n_last
    middle: list[Step] = []
    inner = width
    for j in range(len(lengths) - 2, -1, -1):
        n = lengths[j]
        outer = rows * width // (inner * n)
        s = 1.0 if middle or kind != "c2r" else scale
        if n > PMAX:
            middle.extend(split_columns(outer, n, inner, forward, s))
        else:
            middle.append((("columns", outer, n, inner), C.dft_pair(n, forward, s)))
        inner *= n
    if kind == "c2r":
        return Program(kind, tuple(lengths), images, (*middle, c2r_step(n_last, rows, 1.0)))
    if kind == "r2c":
        first = r2c_step(n_last, rows, scale)
    else:
        name, arrays, ints = _c2c(n_last, rows, forward, scale)
        first = (("c2c", name, ints), arrays)
    return Program(kind, tuple(lengths), images, (first, *middle))
