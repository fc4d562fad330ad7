"""Several transform steps in one launch: n-D transforms, and real transforms through complex ones.

The host (``programs.py``) writes a program: a tuple of steps, each a spec
(strings and ints) with its constant arrays. This kernel runs them in order
on HBM tensors; every intermediate lives in device memory (``shared_hbm``
scratch), none goes back to the host. Steps:

* ``c2c``: a 1-D complex transform of the rows, by any kernel helper of a
  1-D layout (small, four-step, radix, six-step, Bluestein);
* ``rotate``: per image, [r, c] -> [c, r] (the DMA transposes), so the next
  axis becomes the last one: d rotations bring an n-D array back to its order;
* ``columns``: the DFT along a middle axis of length <= 128 without moving it:
  [n, inner] tiles with the axis on partitions, the DFT matrix stationary; a short axis
  fills the partitions with outer slices (block-diagonal I (x) F) or inner sub-runs (F (x) I)
  (used when every axis but the last is such an axis, with inner runs >= 32);
* ``columns-twiddled``: the second pass of a middle axis of 128 * n2 points
  (``programs.split_columns``): twiddled n2-point DFTs of g = 128 / n2 stacked
  rows, the digit reversal k = k1 + 128 k2 done by the stores;
* ``r2c-small`` / ``c2r-small``: the packed real DFT kernels (n <= 128);
* ``plane``: the last two axes, both <= 256, of every image in SBUF between its load and its store
  (``plane.py``: two data-stationary matmul stages, small images packed; c2c, r2c, c2r);
* ``r2c-four-step`` / ``c2r-four-step``: real transforms of n = n1 * m2 (both <= 128; c2r: n1 even)
  as one four-step with the real structure folded in (``real_four_step.py``): no mirror pass;
* ``r2c-even`` / ``r2c-odd`` / ``c2r-even`` / ``c2r-odd``: real transforms of the other
  lengths through one complex transform of half the data plus a mirror
  pass (``mirror.py``): an even n as an n/2-point FFT of x[2m] + i x[2m+1],
  an odd n as one n-point FFT of two real rows packed as re and im.
"""
from __future__ import annotations

from typing import Any

from ..engine import nki, nl
from .bluestein import bluestein, zero_tail
from .bluestein_sbuf import bluestein_sbuf
from .bluestein_cube import bluestein_cube, load_bluestein_cube
from .bluestein_six import bluestein_six, load_bluestein_six
from .bluestein_wide import bluestein_wide, wide_constants
from .cplx import constant_slice, load_constant, load_table, sbuf, transform_columns
from .four_step import four_step
from .mirror import anti_identity, combine
from .plane import load_rows, plane
from .radix import radix_four_step
from .real_four_step import irfft_four_step, rfft_four_step
from .six_step import six_step
from .tall_four_step import load_tall, tall_four_step
from .small import small_dft

TRANSPOSE_ROWS = 512
COLUMN_CHUNK = 4096   # points per partition of one middle-axis tile


def _hbm(rows: int, cols: int) -> Any:
    return nl.ndarray((rows, cols), nl.float32, buffer=nl.shared_hbm)


def c2c(algorithm: str, x: tuple, y: tuple, a: tuple, ints: tuple) -> None:
    """y = DFT(x) along the rows of whole HBM tensors, by the helper of ``algorithm``."""
    if algorithm == "small":
        small_dft("c2c", x, y, a[0], ints[0], x[0].shape[1])
    elif algorithm == "four-step":
        four_step(x[0], x[1], y[0], y[1], load_constant(a[0], a[1]), load_table(a[2], a[3]),
                  load_constant(a[4], a[5]), *ints)
    elif algorithm == "radix-four-step":
        radix_four_step(x[0], x[1], y[0], y[1], (a[0], a[1]), load_constant(a[2], a[3]), load_table(a[4], a[5]),
                        load_constant(a[6], a[7]), *ints)
    elif algorithm == "tall-four-step":
        n1, n2, group, quarter, taller, _, formed, _, turns, _, whole = ints
        tall_four_step((x[0], x[1]), (y[0], y[1]),
                       load_tall(a[0], n1, n2, group, quarter, taller, formed, turns, whole), *ints)
    elif algorithm == "six-step":
        six_step(x[0], x[1], y[0], y[1], load_constant(a[0], a[1]), load_table(a[2], a[3]),
                 load_constant(a[4], a[5]), (a[6], a[7]), load_constant(a[8], a[9]), *ints)
    elif algorithm == "bluestein-sbuf":
        bluestein_sbuf(x[0], x[1], y[0], y[1], load_table(a[0], a[1]), load_constant(a[2], a[3]),
                       load_table(a[4], a[5]), load_constant(a[6], a[7]), load_table(a[8], a[9]),
                       load_table(a[10], a[11]), load_table(a[12], a[13]), *ints)
    elif algorithm == "bluestein-six":
        bluestein_six(x[0], x[1], y[0], y[1], *load_bluestein_six(a), *ints)
    elif algorithm == "bluestein-wide":
        bluestein_wide(x[0], x[1], y[0], y[1], (a[0], a[1]), a[2], wide_constants(a[3:], *ints), *ints)
    elif algorithm == "bluestein-cube":
        bluestein_cube(x[0], x[1], y[0], y[1], load_bluestein_cube(a), *ints)
    else:
        bluestein(x[0], x[1], y[0], y[1], (a[0], a[1]), (a[2], a[3]), (a[4], a[5]), ints[0], ints[1])


def rotate(x: tuple, images: int, r: int, c: int, width: int, rows_out: int) -> tuple:
    """Each image [r, c] of x becomes [c, r], into new [rows_out, width] tensors (the next step's rows);
    rows past images * c * r / width (padding to an even count for ``c2r-odd``) are zeroed."""
    used = images * c * r // width
    y = tuple(_hbm(rows_out, width) for _ in x)
    views = tuple(part[0:used, :].reshape((images * c, r)) for part in y)
    for b in nl.affine_range(images):
        for cb in nl.affine_range((c + 127) // 128):
            c0 = cb * 128
            cols = min(128, c - c0)
            for rb in nl.affine_range((r + TRANSPOSE_ROWS - 1) // TRANSPOSE_ROWS):
                r0 = rb * TRANSPOSE_ROWS
                rows = min(TRANSPOSE_ROWS, r - r0)
                for src, dst in zip(x, views):
                    tile = nl.load_transpose2d(src[b * r + r0:b * r + r0 + rows, c0:c0 + cols])
                    nl.store(dst[b * c + c0:b * c + c0 + cols, r0:r0 + rows], tile)
    if rows_out > used:
        zero_tail(tuple(part[used:rows_out, :].reshape((1, (rows_out - used) * width)) for part in y),
                  0, (rows_out - used) * width)
    return y


def columns(x: tuple, outer: int, n: int, inner: int, f: tuple, group: int, split: int) -> tuple:
    """The DFT along a middle axis of length n <= 128 in place of layout: x viewed as
    [outer, n, split, inner / split], so tiles of ``group`` outer slices x n x ``split`` rows (contiguous in
    HBM) fill the partitions, times I_group (x) F (x) I_split stationary (no rotation needed)."""
    width = x[0].shape[1]
    rows = outer * n * inner // width          # x may carry a padding row (after r2c-odd)
    run = inner // split
    y = (_hbm(rows, width), _hbm(rows, width))
    x2 = tuple(part[0:rows, :].reshape((outer * n * split, run)) for part in x)
    y2 = tuple(part.reshape((outer * n * split, run)) for part in y)
    for ob in nl.affine_range((outer + group - 1) // group):
        r0 = ob * group * n * split
        p = min(group, outer - ob * group) * n * split
        for cb in nl.affine_range((run + COLUMN_CHUNK - 1) // COLUMN_CHUNK):
            c0 = cb * COLUMN_CHUNK
            cols = min(COLUMN_CHUNK, run - c0)
            x_re = nl.load(x2[0][r0:r0 + p, c0:c0 + cols])
            x_im = nl.load(x2[1][r0:r0 + p, c0:c0 + cols])
            o_re = sbuf((p, cols))
            o_im = sbuf((p, cols))
            transform_columns(o_re, o_im, constant_slice(f, p, p), x_re, x_im)
            nl.store(y2[0][r0:r0 + p, c0:c0 + cols], o_re)
            nl.store(y2[1][r0:r0 + p, c0:c0 + cols], o_im)
    return y


def twiddled_columns(x: tuple, outer: int, n2: int, inner: int, m: tuple) -> tuple:
    """x viewed as [outer, 128 (k1), n2 (j2), inner]: tiles of rows (k1, j2) for g = 128 / n2 values of k1
    times the block-diagonal twiddled DFT of their group give partitions (k2, k1), stored to
    y viewed as [outer, n2 (k2), 128 (k1), inner]."""
    width = x[0].shape[1]
    g = 128 // n2
    rows = outer * 128 * n2 * inner // width
    y = (_hbm(rows, width), _hbm(rows, width))
    x2 = tuple(part[0:rows, :].reshape((outer * 128 * n2, inner)) for part in x)
    y4 = tuple(part.reshape((outer, n2, 128, inner)) for part in y)
    for o in nl.affine_range(outer):
        for q in nl.affine_range(n2):
            r0 = (o * 128 + q * g) * n2
            block = tuple(part[:, q * 128:(q + 1) * 128] for part in m)
            for cb in nl.affine_range((inner + COLUMN_CHUNK - 1) // COLUMN_CHUNK):
                c0 = cb * COLUMN_CHUNK
                cols = min(COLUMN_CHUNK, inner - c0)
                x_re = nl.load(x2[0][r0:r0 + 128, c0:c0 + cols])
                x_im = nl.load(x2[1][r0:r0 + 128, c0:c0 + cols])
                o_re = sbuf((128, cols))
                o_im = sbuf((128, cols))
                transform_columns(o_re, o_im, block, x_re, x_im)
                for k2 in nl.affine_range(n2):
                    nl.store(y4[0][o, k2, q * g:(q + 1) * g, c0:c0 + cols], o_re[k2 * g:(k2 + 1) * g, :])
                    nl.store(y4[1][o, k2, q * g:(q + 1) * g, c0:c0 + cols], o_im[k2 * g:(k2 + 1) * g, :])
    return y


def _pairs(x: tuple, rows: int, width: int) -> tuple:
    """Rows 2t and 2t+1 of the (re, im) tensors [2*rows, width] as two sources [rows, width]."""
    views = tuple(part.reshape((rows, 2 * width)) for part in x)
    return (views[0][:, 0:width], views[1][:, 0:width]), (views[0][:, width:2 * width], views[1][:, width:2 * width])


def run_step(spec: tuple, a: tuple, x: tuple) -> tuple:
    """One step of a program on the current tensors ``x``; returns the new ones."""
    kind = spec[0]
    if kind == "c2c":
        y: tuple = (_hbm(*x[0].shape), _hbm(*x[0].shape))
        c2c(spec[1], x, y, a, spec[2])
        return y
    if kind == "rotate":
        return rotate(x, *spec[1:])
    if kind == "columns":
        return columns(x, spec[1], spec[2], spec[3], load_constant(a[0], a[1]), spec[4], spec[5])
    if kind == "columns-twiddled":
        return twiddled_columns(x, spec[1], spec[2], spec[3], load_constant(a[0], a[1]))
    if kind == "r2c-small":
        rows, half = x[0].shape[0], spec[2]
        y = (_hbm(rows, half), _hbm(rows, half))
        small_dft("r2c", x, y, a[0], spec[1], x[0].shape[1])
        return y
    if kind == "c2r-small":
        y = (_hbm(x[0].shape[0], spec[2]),)
        small_dft("c2r", x, y, a[0], spec[1], spec[2])
        return y
    if kind == "plane":
        transform, n1, group, across, width, scale = spec[1:]
        f1 = load_rows(a[0:2], () if transform == "r2c" else (1,))
        f2 = f1 if len(a) == 2 else load_rows(a[2:4], () if transform == "c2r" else (1,))
        y = tuple(_hbm(x[0].shape[0], width) for _ in range(1 if transform == "c2r" else 2))
        plane(transform, x, y, f1, f2, n1, group, across, scale)
        return y
    if kind == "r2c-four-step":
        width = spec[1] * spec[2] // 2 + 1
        y = (_hbm(x[0].shape[0], width), _hbm(x[0].shape[0], width))
        rfft_four_step(x[0], y[0], y[1], nl.load(a[0]), nl.load(a[1]), *spec[1:])
        return y
    if kind == "c2r-four-step":
        y = (_hbm(x[0].shape[0], spec[1] * spec[2]),)
        irfft_four_step(x[0], x[1], y[0], nl.load(a[0]), tuple(nl.load(t) for t in a[1:]), *spec[1:])
        return y
    inner, tables = a
    algorithm, ints, ranges, rows, width = spec[1], spec[2], spec[3], spec[4], spec[5]
    jay_tile = anti_identity()
    if kind in ("r2c-even", "r2c-odd"):
        z = (_hbm(*x[0].shape), _hbm(*x[0].shape))
        c2c(algorithm, x, z, inner, ints)
        y = (_hbm(rows, width), _hbm(rows, width))
        outs = (y,) if kind == "r2c-even" else _pairs(y, rows // 2, width)
        combine((z,), outs, ranges, tables, jay_tile)
        return y
    n = spec[6]
    srcs = (x,) if kind == "c2r-even" else _pairs(x, rows, x[0].shape[1])
    z = (_hbm(rows, n), _hbm(rows, n))
    combine(srcs, (z,), ranges, tables, jay_tile)
    y = (_hbm(rows, n), _hbm(rows, n))
    c2c(algorithm, z, y, inner, ints)
    return y


@nki.jit
def program_kernel(parts, arrays, steps):
    x = parts
    for spec, a in zip(steps, arrays):
        x = run_step(spec, a, x)
    return x
