"""What each NKI kernel is called with: the kernel for a layout and its constants, built once per plan.

DFT matrices, twiddles and chirps come from ``constants.py`` (integer-reduced
angles, float64, rounded once) in the layout each kernel reads them in;
the arrays are the HBM traffic a launch adds to its input and output.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import constants as C
from .algorithms import (CUBE, PSUM_BANK, SYMMETRIC, WIDE, Layout, PlanesOptions, planes_options, six_step_stacks,
                         stacked_square, target_chip, wide_width)
from .kernels.bluestein import bluestein_kernel
from .kernels.bluestein_sbuf import bluestein_sbuf_kernel, bluestein_sbuf_square_kernel, bluestein_sbuf_stacked_kernel
from .kernels.bluestein_cube import FOLD, RUN, bluestein_cube_kernel
from .kernels.bluestein_six import bluestein_six_kernel
from .kernels.bluestein_wide import bluestein_wide_kernel
from .kernels.four_step import four_step_kernel, four_step_square_kernel
from .kernels.four_step_planes import (four_step_stacked_interleaved_kernel, four_step_stacked_kernel,
                                       four_step_table_interleaved_kernel, four_step_table_kernel, k1_columns, nested)
from .kernels.packed import MARK
from .kernels.plane import fft2_small_kernel
from .kernels.radix import radix_four_step_kernel
from .kernels.six_step import six_step_kernel
from .kernels.tall_four_step import (TallTable, fold_rows, tall_four_step_interleaved_kernel, tall_four_step_kernel,
                                     tall_view)
from .kernels.small import small_fft_kernel, small_irfft_kernel, small_rfft_kernel


def real_kernel_arguments(kind: str, layout: Layout, forward: bool, scale: float) -> tuple[Any, tuple]:
    """(kernel, arguments after the input parts) of an r2c or c2r plan (n <= 128)."""
    table = small_table(kind, layout.n, layout.group, forward, scale)
    if kind == "r2c":
        return small_rfft_kernel, (table, layout.group)
    return small_irfft_kernel, (table, layout.group, layout.n)


def small_table(kind: str, n: int, group: int, forward: bool, scale: float) -> np.ndarray:
    """The one table of the ``small`` kernel (``kernels/small.py`` makes its matrices from it on chip) for
    ``group`` transforms per tile, every matrix block-diagonal I_group (x) A:

    * c2c: A = F [n, n] (Re, Im); c2r: A = (C, S) [n//2+1, n], the real output's cosine and sine weights;
      an even n as every block's left half and the row signs s (A[r, k + n/2] = s_r A[r, k]: (-1)^r for
      both), [L(Re) | L(Im) | s], half the bytes; an odd n whole, [Re | Im];
    * r2c: the halfcomplex matrix [Re F[:, 0:h] | Im F[:, 1:n-h+1]] (h = n//2+1; the imaginary columns left
      out, the DC bin's and an even n's Nyquist bin's, are zero): n columns, one matmul per tile."""
    half = n // 2 + 1
    if kind == "r2c":
        re, im = C.roots(C.outer_exponents(n, half), n, forward, scale)
        return _table(list(C.block_diagonal((np.concatenate([re, im[:, 1:n - half + 1]], axis=1),), group)))
    if kind == "c2c":
        parts = C.dft_pair(n, forward, scale)
    else:
        parts = c2r_weights(n, forward, scale)
    if n % 2:
        return _table(list(C.block_diagonal(parts, group)))
    rows = parts[0].shape[0]
    sign = np.tile((1.0 - 2.0 * (np.arange(rows) % 2)).reshape(-1, 1), (group, 1))
    return _table([*C.block_diagonal(tuple(p[:, :n // 2] for p in parts), group), sign])


def c2r_weights(n: int, forward: bool, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(C, S) [n//2+1, n] with y = Re(X) C + Im(X) S the real inverse of a onesided spectrum X: the bins that
    stand for their mirror images doubled, the imaginary parts of the DC (and an even n's Nyquist) bin
    ignored, as torch/NumPy do."""
    half = n // 2 + 1
    re, im = C.roots(C.outer_exponents(half, n), n, forward)
    weight = np.full((half, 1), 2.0)
    weight[0] = 1.0
    im = im.copy()
    im[0] = 0.0
    if n % 2 == 0:
        weight[-1] = 1.0
        im[-1] = 0.0
    return (scale * weight * re).astype(np.float32), (-scale * weight * im).astype(np.float32)


def kernel_arguments(layout: Layout, forward: bool, scale: float) -> tuple[Any, tuple]:
    """(kernel, arguments after xr, xi) for one plan: built once, reused by every call."""
    arrays, ints = _constants(layout, forward, scale)
    kernels = {"small": small_fft_kernel, "four-step": four_step_kernel, "six-step": six_step_kernel,
               "radix-four-step": radix_four_step_kernel, "bluestein": bluestein_kernel, "fft2": fft2_small_kernel,
               "tall-four-step": tall_four_step_kernel}
    kernel = kernels[layout.algorithm]
    if layout.algorithm == "four-step" and layout.per_tile == 1:   # one transform per launch: stacked planes
        n1, n2 = layout.factors
        # a layout built by hand may leave its options out: the target's plan for one transform
        return _planes_arguments(n1, n2, forward, scale, layout.planes or planes_options(target_chip(), n1, n2))
    if _square(layout):   # F2 = F1 (the normalisation rides on the twiddles): one matrix read, one table
        f_re, f_im, tw_re, tw_im = arrays[:4]
        table = np.ascontiguousarray(np.concatenate([f_re, f_im, -f_im, tw_re, tw_im], axis=1), dtype=np.float32)
        return four_step_square_kernel, (table, layout.factors[0])
    if layout.algorithm == "bluestein":
        kernel = {"four-step": bluestein_sbuf_kernel, "tall-four-step": bluestein_sbuf_stacked_kernel,
                  SYMMETRIC: bluestein_six_kernel, CUBE: bluestein_cube_kernel,
                  WIDE: bluestein_wide_kernel}.get(_inner_name(layout), kernel)
        if kernel is bluestein_sbuf_stacked_kernel or (kernel is bluestein_sbuf_kernel and layout.group == 1
                                                       and layout.per_tile == 1):
            return bluestein_sbuf_stacked_kernel, _bluestein_sbuf_tables(arrays, *ints[:2])
        if kernel is bluestein_sbuf_kernel and layout.inner is not None and _square(layout.inner) and layout.group == 1:
            return bluestein_sbuf_square_kernel, (*arrays[:6], *arrays[8:], *ints)   # F2 = F1: read once
        if kernel is bluestein_kernel:   # the inner FFT's constants, which vary with its algorithm, as one table
            return kernel, (*arrays, *packed(ints[0]), ints[1])
    return kernel, (*arrays, *ints)


def returns_stacked_planes(kernel: Any) -> bool:
    """Whether ``kernel`` returns its output as one [2, B, n] array, re over im."""
    return kernel in (*INTERLEAVED_INPUT, *INTERLEAVED_INPUT.values(), bluestein_sbuf_stacked_kernel)


# Kernels of (xr, xi, ...) with a twin that takes a complex [B, n] array as it is, read as float32 [B, 2n] (re and
# im interleaved, one DMA); both output [2, B, n] planes.
INTERLEAVED_INPUT = {four_step_stacked_kernel: four_step_stacked_interleaved_kernel,
                     four_step_table_kernel: four_step_table_interleaved_kernel,
                     tall_four_step_kernel: tall_four_step_interleaved_kernel}


def packed(structure: Any) -> tuple[np.ndarray, Any]:
    """(table, layout): every array in ``structure`` (tuples nested any deep) side by side in one float32
    [1, total] table, and ``structure`` with each array replaced by (MARK, offset, shape), which
    ``kernels/packed.unpack`` turns back into views of the table. Kernel arguments are top-level arrays only
    (``kernels/packed.py``)."""
    arrays: list[np.ndarray] = []
    offset = 0

    def place(item: Any) -> Any:
        nonlocal offset
        if isinstance(item, tuple):
            return tuple(place(i) for i in item)
        if not isinstance(item, np.ndarray):
            return item
        if item.dtype != np.float32:
            raise TypeError(f"packed constants are float32, not {item.dtype}")
        arrays.append(item.reshape(-1))
        offset += item.size
        return MARK, offset - item.size, tuple(int(d) for d in item.shape)

    layout = place(structure)
    table = np.concatenate(arrays).reshape(1, -1) if arrays else np.zeros((1, 1), np.float32)
    return table, layout


def _dft_table(f_re: np.ndarray, f_im: np.ndarray) -> list:
    """An even n-point DFT matrix as ``four_step_planes.dft_columns`` reads it: its left half and the signs
    (F[j, k + n/2] = (-1)^j F[j, k])."""
    n = f_re.shape[0]
    sign = (1.0 - 2.0 * (np.arange(n) % 2)).reshape(-1, 1)
    return [f_re[:, :n // 2], f_im[:, :n // 2], sign, -sign]


def _geometric_table(rows: int, cols: int, n: int, width: int, forward: bool, scale: float = 1.0) -> list:
    """M[j, k] = scale w_n^(jk) (j < rows, k < cols) as ``four_step_planes.form_geometric`` reads it: its first
    ``width`` columns and f_r = w_n^(j width r) (M[j, k + width r] = f_r[j] M[j, k]), r = 1..ceil(cols / width) - 1."""
    j = np.arange(rows, dtype=np.int64).reshape(-1, 1)
    blocks = np.arange(1, -(-cols // width), dtype=np.int64).reshape(1, -1)
    return [*C.roots(C.outer_exponents(rows, width), n, forward, scale), *C.roots(j * width * blocks, n, forward)]


def _planes_arguments(n1: int, n2: int, forward: bool, scale: float, o: PlanesOptions) -> tuple[Any, tuple]:
    """The four-step's F1, T and F2 as the tables of the stacked-plane kernels (``four_step_planes.py``): an even
    DFT matrix by its left half, an odd one and the twiddles (over ``k1_columns``) by their first columns as
    the ``PlanesOptions`` say, F1 left out when it is read from F2 (``nested``)."""
    n = n1 * n2
    m = k1_columns(n1, n2)
    tw = _geometric_table(n2, m, n, o.ct, forward, scale)
    if stacked_square(n1, n2):   # the rows repeated: a copy per transform of a pass
        table = np.tile(_table(_dft_table(*C.dft_pair(n1, forward)) + tw), (o.group, 1))
        return four_step_stacked_kernel, (table, n1, o.ct, o.vector_products, o.group)
    f2 = _dft_table(*C.dft_pair(n2, forward)) if n2 % 2 == 0 else _geometric_table(n2, n2, n2, o.c2, forward)
    f1 = []
    if not nested(n1, n2):
        f1 = _dft_table(*C.dft_pair(n1, forward)) if n1 % 2 == 0 else _geometric_table(n1, m, n1, o.c1, forward)
    rows = max(n1, o.group * n2)   # F2's and the twiddles' rows repeated: a copy per transform of a pass
    table = _table([_rows(np.tile(b, (o.group, 1)), rows) for b in f2] + [_rows(b, rows) for b in f1]
                   + [_rows(np.tile(b, (o.group, 1)), rows) for b in tw])
    return four_step_table_kernel, (table, n1, n2, *o.widths, o.vector_products, o.group)


def _rows(block: np.ndarray, rows: int) -> np.ndarray:
    """``block`` with zero rows appended up to ``rows``."""
    return np.pad(block, ((0, rows - block.shape[0]), (0, 0)))


def _table(parts: list) -> np.ndarray:
    """Column blocks side by side as one float32 HBM table (one DMA)."""
    return np.ascontiguousarray(np.concatenate(parts, axis=1), np.float32)


def _bluestein_sbuf_tables(arrays: tuple, n1: int, n2: int) -> tuple:
    """``_bluestein_sbuf_constants`` (one transform per tile) as the two tables of ``bluestein_sbuf_stacked_kernel``:
    rows n1 [pre | F1 | T2 | post], rows n2 [T1 | conj(S) | F2 (unless n1 = n2)], (re, im) each."""
    pre, f1, tw1, f2, spec, tw2, post = (arrays[i:i + 2] for i in range(0, 14, 2))
    a = [*pre, *f1, *tw2, *post]
    b = [*tw1, *spec, *(f2 if n1 != n2 else ())]
    return (*(np.ascontiguousarray(np.concatenate(t, axis=1), np.float32) for t in (a, b)), n1, n2)


def _inner_name(layout: Layout) -> str:
    return layout.inner.algorithm if layout.inner is not None else ""


def _square(layout: Layout) -> bool:
    """A four-step of n1 = n2 with one transform per tile: both stages use the same DFT matrix."""
    return layout.algorithm == "four-step" and layout.factors[0] == layout.factors[1] and layout.group == 1


def c2c_parts(layout: Layout, forward: bool, scale: float) -> tuple[str, tuple, tuple]:
    """(helper name, constant arrays, integer arguments) of a 1-D layout, for a step of ``program_kernel``."""
    arrays, ints = _constants(layout, forward, scale)
    name = layout.algorithm
    if name == "bluestein":
        name = {"four-step": "bluestein-sbuf", SYMMETRIC: "bluestein-six",
                CUBE: "bluestein-cube", WIDE: "bluestein-wide"}.get(_inner_name(layout), name)
    return name, arrays, ints


def _constants(layout: Layout, forward: bool, scale: float) -> tuple[tuple, tuple]:
    """(constant arrays, integer shape arguments) of a layout's kernel."""
    if layout.algorithm == "small":
        return (small_table("c2c", layout.n, layout.group, forward, scale),), (layout.group,)
    if layout.algorithm == "fft2":
        n1, n2 = layout.factors
        across = layout.per_tile // layout.group
        f1 = C.block_diagonal(C.dft_pair(n1, forward), layout.group)
        return (*f1, *C.block_diagonal(C.dft_pair(n2, forward, scale), across)), (n1, layout.group, across)
    if layout.algorithm == "four-step":
        n1, n2 = layout.factors
        f1 = C.block_diagonal(C.dft_pair(n1, forward), layout.group)
        tw = C.tiled(C.roots(C.outer_exponents(n2, n1), layout.n, forward, scale), layout.group)
        f2 = C.dft_pair(n2, forward)
        return (*f1, *tw, *f2), (n1, n2, layout.group)
    if layout.algorithm == "tall-four-step":
        n1, n2 = layout.factors
        flags = (layout.quarter, layout.taller)
        table = TallTable(n1, n2, layout.group * n1, *flags, layout.halves, layout.formed, layout.paired, layout.turns,
                          layout.turn_gpsimd, layout.whole, layout.middle, layout.lone, layout.more)
        return ((_tall_table(n1, n2, layout.group, forward, scale, *flags, layout.formed, layout.turns, layout.whole,
                             layout.middle, layout.lone, layout.more),),
                (tall_view(table, scale),))
    if layout.algorithm == "radix-four-step":
        radix, n1, n2 = layout.factors
        j = np.arange(n1 * n2, dtype=np.int64).reshape(1, n1, n2)
        q = np.arange(1, radix, dtype=np.int64).reshape(-1, 1, 1)
        w = C.roots(j * q, layout.n, forward)
        f1 = C.dft_pair(n1, forward)
        tw = C.roots(C.outer_exponents(n2, n1), n1 * n2, forward)
        f2 = C.dft_pair(n2, forward, scale)
        return (*w, *f1, *tw, *f2), (n1, n2, radix, forward)
    if layout.algorithm == "six-step":
        n1, n2, n3 = layout.factors
        r1, r2 = six_step_stacks(n1, n3, layout.k_block < n1)
        f1 = C.block_diagonal(C.dft_pair(n1, forward), r1)
        t1 = C.roots(C.outer_exponents(n2, n1), n1 * n2, forward)
        f2 = C.dft_pair(n2, forward)
        t2 = _six_step_t2(n1, n2, n3, r2, layout.n, forward)
        f3 = C.block_diagonal(C.dft_pair(n3, forward, scale), r2)
        return (*f1, *t1, *f2, *t2, *f3), (n1, n2, n3, layout.group, layout.k_block)
    if layout.algorithm == "bluestein":
        assert layout.inner is not None
        n, m = layout.n, layout.inner.n
        c = C.chirp(n, forward)
        if layout.inner.algorithm == SYMMETRIC:
            return _bluestein_six_constants(layout.inner, c, scale, layout.group)
        if layout.inner.algorithm == CUBE:
            return _bluestein_cube_constants(layout.inner, c, scale, forward)
        if layout.inner.algorithm == WIDE:
            return _bluestein_wide_constants(layout.inner, c, scale)
        spec = np.conj(np.fft.fft(kernel_sequence(c, m))) / m      # conj(S): the kernel multiplies conj(A) by it
        if layout.inner.algorithm in ("four-step", "tall-four-step"):
            return _bluestein_sbuf_constants(layout.inner, c, spec, scale, layout.group, layout.per_tile)
        inner_arrays, inner_ints = _constants(layout.inner, True, 1.0)
        inner_shape = (layout.inner.algorithm, *inner_ints)
        return (*_row_pair(c), *_row_pair(spec), *_row_pair(scale * c)), (inner_arrays, inner_shape)
    raise ValueError(f"unknown algorithm {layout.algorithm}")


def _exact_roots(exponents: np.ndarray, n: int, forward: bool) -> tuple[np.ndarray, np.ndarray]:
    """(Re, Im) of w_n^e per exponent, Im exactly 0 where the angle is 0 or pi (a column of per-row factors)."""
    e = exponents % n
    re, im = C.roots(e, n, forward)
    return re, np.where(2 * e % n == 0, np.float32(0), im)


def _tall_table(n1: int, n2: int, group: int, forward: bool, scale: float, quarter: bool,
                taller: bool = False, formed: int = 0, turns: int = 0, whole: bool = False,
                middle: int = 0, lone: bool = False, more: int = 0) -> np.ndarray:
    """The tall four-step's constants (``TallTable``) as one flat row: per lo chunk of n2's rows its block,
    [F2 | T~] in two parts (Re, Im), then F1'' for ``f1_block``'s, without padding rows (``formed``: without F2's
    first columns, W = w_n2^(-j shift) after T~ and F1'''s halves ending the parts). F1''[j1, k1] =
    w_2n1^((2 j1 + 1) k1) (I_g (x) it) and T~[j2, k1] = w_n^((j2 - n2/2) k1) = w_2n^((2 j2 - n2) k1) over n1
    columns (``split``: its columns k1 < m and V[j2, b] = T~[j2, m b]): T~ F1'' = T F1 with T~[n2 - j] =
    conj(T~[j]), so the hi rows need no table. F2's rows j <= n2/2 with the normalisation (columns k <= n2/2
    where ``quarter``, and k = lo where ``merged``; its first window's M where ``turned``, with rho_r =
    w_n2^(j r L) after W; Im F2 zero where j = 0 or 2j = n2: there the kernel's D rows are not differences).
    The ``middle``'s block holds n2's rows c0.. n2 - c0 as they are (``TallTable.middle_rows``), stacked: then
    the same rows as G = -i F2, i T~, W, rho from row q = P (``TallTable.middle_offset``). ``lone``: no row 0, the
    lo chunks from row 1; ``more``: the middle from that many rows earlier. For n1 = 1 F2 alone."""
    layout = TallTable(n1, n2, group * n1, quarter, taller, formed=formed, turns=turns, whole=whole, middle=middle,
                       lone=lone, more=more)
    w = layout.width
    table = np.zeros((layout.rows, layout.columns), np.float32)
    lo, _ = fold_rows(n2)
    if not layout.identity:
        f1 = C.block_diagonal(C.roots(np.outer(2 * np.arange(n1) + 1, np.arange(n1)), 2 * n1, forward), group)
        re, im = layout.f1_at
        table[:w, re:re + w], table[:w, im:im + w] = f1
        if layout.stacked:
            table[w:2 * w, re:re + w], table[w:2 * w, im:im + w] = -f1[1], f1[0]
        m, pieces = layout.split
        k1 = np.arange(n1) if pieces == 1 else np.concatenate([np.arange(m), m * np.arange(pieces)])
        tw = C.roots(np.outer(2 * np.arange(n2) - n2, k1), 2 * n1 * n2, forward)   # T~[:, k1], or [:, a] and V
        for i, (c0, rows) in enumerate(layout.lo_chunks):
            for k, part in enumerate(tw):   # Re, then Im part_columns further: [T~] or [T~[:, :m] | V]
                col = layout.twiddle(i) + k * layout.part_columns
                table[:rows, col:col + layout.twiddle_columns] = part[c0:c0 + rows]
    f2_re, f2_im = C.roots(C.outer_exponents(n2, layout.f2_columns), n2, forward, scale)   # rows past lo: middle
    f2_im = f2_im.copy()
    f2_im[0] = 0.0
    if n2 % 2 == 0:   # row and column n2/2 (sin(pi j) = 0): exact zeros, not rounding residue
        f2_im[lo - 1] = 0.0
        f2_im[:, n2 // 2:n2 // 2 + 1] = 0.0   # where the table has that column (not a ``turned`` window's M < n2/2)
    if layout.merged:   # column lo = conj(column n2 - lo), exactly: Y'[lo] repeats Y[n2 - lo] bit for bit
        f2_re[:, lo], f2_im[:, lo] = f2_re[:, n2 - lo], -f2_im[:, n2 - lo]
    if formed:   # W[j] = w_n2^(-j shift)
        w_re, w_im = _exact_roots(-np.arange(n2, dtype=np.int64) * layout.shift, n2, forward)
    turned = [_exact_roots(np.arange(n2, dtype=np.int64) * r * layout.turned_windows[2], n2, forward)
              for r in range(1, layout.turns)] if layout.turned else []   # rho_r[j] = w_n2^(j r L)
    for i, (c0, rows) in enumerate(layout.lo_chunks):
        for k, part in enumerate((f2_re, f2_im)):
            col = layout.f2(i) + k * layout.part_columns
            table[:rows, col:col + layout.f2_columns] = part[c0:c0 + rows]
            if formed:
                table[:rows, layout.factor(i) + k * layout.part_columns] = (w_re, w_im)[k][c0:c0 + rows]
            for r, rho in enumerate(turned):
                table[:rows, layout.turn(i) + r + k * layout.part_columns] = rho[k][c0:c0 + rows]
    q = layout.middle_offset
    if q:   # rows q = P..: G = -i F2 (Re G = Im F2 against i rho B), i T~ (makes iB), the same W and rho
        i, rows, step = len(layout.lo_chunks) - 1, layout.middle_rows, layout.part_columns
        m = 0 if layout.identity else layout.split[0]   # T~[:, :m] turned by i; V (split) as it is
        for first, width, sign in ((layout.f2(i), layout.f2_columns, 1), (layout.twiddle(i), m, -1)):
            re = table[:rows, first:first + width].copy()   # -i F2: (Im, -Re); i T~: (-Im, Re)
            table[q:q + rows, first:first + width] = sign * table[:rows, first + step:first + step + width]
            table[q:q + rows, first + step:first + step + width] = -sign * re
        same = layout.twiddle(i) + m   # V, W and rho: the same rows
        for first in (same, same + step):
            table[q:q + rows, first:layout.turn(i) + layout.turn_columns + first - same] = (
                table[:rows, first:layout.turn(i) + layout.turn_columns + first - same])
    blocks = []
    for i in range(len(layout.lo_chunks)):
        rows, skip, step = layout.block_rows(i), formed, layout.part_columns
        if skip:   # the two parts from their first read column, ``segment`` columns each (``load_tall``)
            first, seg = layout.f2(i) + skip, layout.segment(i)
            block = np.concatenate([table[:rows, first:first + seg], table[:rows, first + step:first + step + seg]],
                                   axis=1)
        else:
            block = table[:rows, layout.block(i):layout.block(i) + layout.block_columns(i)]
        blocks.append(block.ravel())
    return np.concatenate(blocks).reshape(1, layout.hbm_elements)


def _six_step_t2(n1: int, n2: int, n3: int, slots: int, n: int, forward: bool) -> tuple:
    """The six-step's T2[(s, j3), (g, k2)] = w_n^(j3 (k1 + n1 k2)) for k1 = s * groups + g (``kernels/six_step.py``:
    k1 columns on ``slots`` partition blocks of n3 rows, so the kernel reads a block with one DMA); zero
    where k1 >= n1. With one slot it is [n3, (k1, k2)]."""
    groups = -(-n1 // slots)
    s = np.arange(slots, dtype=np.int64).reshape(-1, 1, 1, 1)
    j3 = np.arange(n3, dtype=np.int64).reshape(1, -1, 1, 1)
    k1 = s * groups + np.arange(groups, dtype=np.int64).reshape(1, 1, -1, 1)
    k2 = np.arange(n2, dtype=np.int64).reshape(1, 1, 1, -1)
    shape = (slots * n3, groups * n2)
    keep = np.broadcast_to(k1 < n1, (slots, n3, groups, n2)).reshape(shape)
    return tuple(np.where(keep, part.reshape(shape), np.float32(0)).astype(np.float32)
                 for part in C.roots(j3 * (k1 + n1 * k2), n, forward))


def kernel_sequence(c: np.ndarray, m: int) -> np.ndarray:
    """Bluestein's convolution kernel wrapped to m >= 2n - 2 points: b[l] = conj(c[l]) and b[m - l] = conj(c[l])
    for 0 <= l < n, zero between. At m = 2n - 2 both halves hold point n - 1, with the same value (c is even in
    l: ``algorithms.bluestein_minimum``), so the second assignment leaves it as it is."""
    n = c.size
    if m < 2 * n - 2:
        raise ValueError(f"Bluestein's kernel of n={n} needs m >= {2 * n - 2} points, not {m}")
    b = np.zeros(m, np.complex128)
    b[:n] = np.conj(c)
    b[m - n + 1:] = np.conj(c[1:])[::-1]
    return b


def _bluestein_sbuf_constants(inner: Layout, c: np.ndarray, spec: np.ndarray, scale: float,
                              group: int, per_tile: int) -> tuple[tuple, tuple]:
    """Chirps, DFT matrices, twiddles and conj(S) in the layouts ``bluestein_sbuf`` reads them in."""
    n1, n2 = inner.factors
    m = inner.n
    padded = np.zeros(m, np.complex128)
    padded[:c.size] = c
    pre = _pair(np.tile(padded.reshape(n1, n2), (group, 1)))
    f1 = C.block_diagonal(C.dft_pair(n1, True), group)
    tw1 = C.tiled(C.roots(C.outer_exponents(n2, n1), m, True), group)
    f2 = C.dft_pair(n2, True)
    spec_tile = _pair(np.tile(spec.reshape(n2, n1), (1, per_tile)))
    per_bank = min(per_tile, max(1, PSUM_BANK // n2))   # transforms per second-FFT matmul group, at most a tile
    tw2 = C.tiled(C.roots(C.outer_exponents(n1, n2), m, True), per_bank)
    post = _pair(np.tile((scale * padded).reshape(n1, n2), (1, per_tile)))
    return (*pre, *f1, *tw1, *f2, *spec_tile, *tw2, *post), (n1, n2, group, per_tile)


def _bluestein_six_constants(inner: Layout, c: np.ndarray, scale: float, group: int) -> tuple[tuple, tuple]:
    """The chirp (n points), the six-step's small matrices and twiddle factors, and s/m for ``bluestein_six``
    with ``group`` transforms per tile: the spectrum and the m-point second-stage twiddle are formed on chip."""
    a, b, _ = inner.factors
    m = inner.n
    f1 = C.block_diagonal(C.dft_pair(a, True), group)
    t1 = C.roots(C.outer_exponents(b, a), a * b, True)       # w_(ab)^(j2 k1), folded into F2 on chip
    f2 = C.dft_pair(b, True)
    ta = C.roots(np.tile(C.outer_exponents(a, a), (group, 1)), m, True)          # w_m^(j3 k1), per block
    tb = C.roots(np.tile(C.outer_exponents(a, b), (group, 1)), a * b, True)      # w_m^(j3 a k2) = w_(ab)^(j3 k2)
    norm = np.full((group * a, 1), scale / m, np.float32)
    return (*_row_pair(c), *f1, *t1, *f2, *ta, *tb, norm), (a, b, group)


def _bluestein_wide_constants(inner: Layout, c: np.ndarray, scale: float) -> tuple[tuple, tuple]:
    """The tables of ``bluestein_wide`` over m = a*a*r (forward inner FFTs; the direction rides on the chirp):
    the chirp and (s/m, -s/m); F_a; T = w_(a^2)^(c k); F_r (x) I_L; alpha [(s, l), h] = w_m^(s (l + L h));
    beta [s, k] = w_(a r)^(s k); the 0/1 selection e [s, (s', l)]; w_m^(k l1) [k, l1]."""
    a, _, r = inner.factors
    m, width = inner.n, wide_width(a, r)
    s_l = np.repeat(np.arange(r, dtype=np.int64), width)[:, None]             # s of partition s L + l
    l_of = np.tile(np.arange(width, dtype=np.int64), r)[:, None]
    h = np.arange(a // width, dtype=np.int64)[None, :]
    g = tuple(np.kron(part, np.eye(width, dtype=np.float32)).astype(np.float32) for part in C.dft_pair(r, True))
    norm = np.tile(np.array([[scale / m, -scale / m]], np.float32), (r * width, 1))
    e = np.kron(np.eye(r, dtype=np.float32), np.ones((1, width), np.float32))
    return ((*_row_pair(c), norm, *C.dft_pair(a, True), *C.roots(C.outer_exponents(a, a), a * a, True), *g,
             *C.roots(s_l * (l_of + width * h), m, True), *C.roots(C.outer_exponents(r, a), a * r, True), e,
             *C.roots(C.outer_exponents(a, r), m, True)), (a, r, width))


def _bluestein_cube_constants(inner: Layout, c: np.ndarray, scale: float, forward: bool) -> tuple[tuple, tuple]:
    """The tables of ``bluestein_cube`` over m = s^3: F_s, T = w_(s^2)^(pc), A = w_m^(pc), the exchange matrix,
    column blocks 0..s/2 of conj(S) s/m in the first FFT's output layout ([k3, k1 s + k2] holds
    k = k1 + s k2 + s^2 k3), and the chirp's factors D, E^T, R^T for the folded rows (``times_chirp``)."""
    s = inner.factors[0]
    m, width, n = inner.n, s * s, c.size
    half, rows = (width + 1) // 2, FOLD + -(-n // width)
    table = (np.conj(np.fft.fft(kernel_sequence(c, m))) * (scale / m)).reshape(s, s, s)     # [k3, k2, k1]
    blocks = np.ascontiguousarray(table[:, :, :s // 2 + 1].transpose(0, 2, 1).reshape(s, -1))   # [k3, k1 s + k2]
    base = np.zeros(rows, np.int64)          # the point each folded row starts at (unused rows: 0)
    h = rows - FOLD
    base[:h] = np.arange(h) * width
    base[FOLD:] = np.arange(h) * width + half
    runs = -(-half // RUN)
    r = RUN * np.arange(runs, dtype=np.int64)
    c0 = np.arange(RUN, dtype=np.int64)
    d = C.roots((base[:, None] + r[None, :]) ** 2, 2 * n, forward)                    # chirp at each run start
    et = C.roots(2 * c0[:, None] * base[None, :], 2 * n, forward)                     # E^T [c0, p]
    rt = C.roots(2 * c0[:, None] * r[None, :] + c0[:, None] ** 2, 2 * n, forward)    # R^T [c0, r]
    j = np.ascontiguousarray(np.eye(s, dtype=np.float32)[::-1])
    return ((*C.dft_pair(s, True), *C.roots(C.outer_exponents(s, s), width, True),
             *C.roots(C.outer_exponents(s, s), m, True), j, *_pair(blocks), np.eye(RUN, dtype=np.float32),
             *et, *rt, *d), (s, h))


def _pair(z: np.ndarray) -> C.Pair:
    return np.ascontiguousarray(z.real, dtype=np.float32), np.ascontiguousarray(z.imag, dtype=np.float32)


def _row_pair(z: np.ndarray) -> C.Pair:
    return z.real.astype(np.float32).reshape(1, -1), z.imag.astype(np.float32).reshape(1, -1)


def constant_bytes(args: tuple) -> int:
    """Bytes of the plan constants a launch reads (nested tuples included)."""
    return sum(constant_bytes(a) if isinstance(a, tuple) else a.nbytes for a in args
               if isinstance(a, (tuple, np.ndarray)))
