"""Complex arithmetic on split (re, im) float32 tiles: the pieces every FFT kernel is built from.

Trainium has no complex dtype, so a complex tile is a pair of fp32 tiles and
a complex matmul is four real ``nc_matmul``s accumulating into two PSUM
tiles (design.md section 6):

    Re(S^T M) = Sr^T Mr + Si^T (-Mi)      Im(S^T M) = Sr^T Mi + Si^T Mr

where the negated imaginary part belongs to the constant operand and is
made once per launch by :func:`load_constant`. These are plain module-level
helpers (sub-kernels without ``@nki.jit``) called from the kernels.
"""
from __future__ import annotations

from typing import Any

from ..emulator.hardware import PSUM_BANK_FP32
from ..engine import nisa, nl

F32 = nl.float32
# fp32 per partition in one PSUM bank (2 KiB / 4 B): the matmul moving/output free size every kernel tiles by.
# The documented constant, not nl.tile_size.psum_fmax: the host planners read it too, and the real engine's
# value may differ (a larger moving size on NeuronCore-v4), which would make plans depend on the engine bound.
PSUM_BANK = PSUM_BANK_FP32
ROW_TILE = 64   # PE rows of a row tile every target has (nc_matmul "Tiling mode": 2 x 64 from NeuronCore-v2)


def sbuf(shape: Any) -> Any:
    return nl.ndarray(shape, F32, buffer=nl.sbuf)


def psum(shape: Any) -> Any:
    return nl.ndarray(shape, F32, buffer=nl.psum)


def negated(part: Any) -> Any:
    """-part in a new SBUF tile: the negated imaginary part a complex matmul's constant operand needs."""
    neg = sbuf(part.shape)
    nisa.tensor_scalar(dst=neg, data=part, op0=nl.multiply, operand0=-1.0)
    return neg


def load_constant(re: Any, im: Any) -> tuple[Any, Any, Any]:
    """An HBM constant into SBUF as (re, im, -im); the negation runs once per launch."""
    c_re = nl.load(re)
    c_im = nl.load(im)
    return c_re, c_im, negated(c_im)


def load_table(re: Any, im: Any) -> tuple[Any, Any]:
    """An HBM table (twiddles, chirps) into SBUF as (re, im)."""
    return nl.load(re), nl.load(im)


def constant_slice(c: tuple, rows: int, cols: int) -> tuple:
    """The leading [rows, cols] block of every part of a constant (a smaller block-diagonal)."""
    return c[0][0:rows, 0:cols], c[1][0:rows, 0:cols], c[2][0:rows, 0:cols]


def matmul_on_rows(dst: Any, stationary: Any, moving: Any, start_row: int, accumulate: bool) -> None:
    """One nc_matmul on the row tile of PE rows start_row .. start_row + ``ROW_TILE`` (a multiple of 64): both
    operands [K <= 64, .] must sit on those SBUF partitions, each partition feeding its own PE row (the cost
    model credits matmuls on disjoint row tiles as running side by side, ``emulator/costmodel.py``)."""
    nisa.nc_matmul(dst=dst, stationary=stationary, moving=moving, accumulate=accumulate,
                   tile_position=(start_row, 0), tile_size=(ROW_TILE, 128))


def diagonal_halves(rows: int, block: int) -> tuple[tuple[int, int], ...]:
    """The row ranges (0, 64) and (64, rows) of a block-diagonal [rows, rows] operand with ``block``-row blocks
    when its blocks split there (64 a multiple of ``block``) and it has more than 64 rows; else ((0, rows),).
    X^T (I (x) F) then runs as two independent matmuls on the two 64-row tiles, each on half the columns: N
    halves, where the whole matmul spent half its MACs on the zero blocks."""
    if rows > ROW_TILE and block and ROW_TILE % block == 0:
        return (0, ROW_TILE), (ROW_TILE, rows)
    return ((0, rows),)


def matmul_data_stationary(dst_re: Any, dst_im: Any, x_re: Any, x_im: Any, f: tuple, block: int = 0) -> None:
    """dst = X^T F: the data [K, M] is stationary, the constant F [K, N] moves; dst is [M, N] in PSUM.

    The data's free dim becomes dst's partition dim: the matmul doubles as
    the transpose between four-step stages. With ``block``, F is block-diagonal with blocks of that many rows
    and columns (I_g (x) F1), run on two row tiles where ``diagonal_halves`` splits it."""
    f_re, f_im, f_neg = f
    for dst, x, m, accumulate in ((dst_re, x_re, f_re, False), (dst_re, x_im, f_neg, True),
                                  (dst_im, x_re, f_im, False), (dst_im, x_im, f_re, True)):
        diagonal_matmul(dst, x, m, block, accumulate)


def diagonal_matmul(dst: Any, x: Any, m: Any, block: int, accumulate: bool) -> None:
    """dst = X^T M for a block-diagonal M [K, K] with ``block``-row blocks: one matmul, or one per row tile of
    ``diagonal_halves`` on its diagonal block (dst's columns split alike)."""
    halves = diagonal_halves(x.shape[0], block)
    if len(halves) == 1:
        nisa.nc_matmul(dst=dst, stationary=x, moving=m, accumulate=accumulate)
        return
    for lo, hi in halves:
        matmul_on_rows(dst[:, lo:hi], x[lo:hi, :], m[lo:hi, lo:hi], lo, accumulate)


def matmul_constant_stationary(dst_re: Any, dst_im: Any, f: tuple, x_re: Any, x_im: Any) -> None:
    """dst = F^T X: the constant F [K, M] is stationary, the data [K, N <= 512] moves; layout kept."""
    f_re, f_im, f_neg = f
    nisa.nc_matmul(dst=dst_re, stationary=f_re, moving=x_re, accumulate=False)
    nisa.nc_matmul(dst=dst_re, stationary=f_neg, moving=x_im, accumulate=True)
    nisa.nc_matmul(dst=dst_im, stationary=f_im, moving=x_re, accumulate=False)
    nisa.nc_matmul(dst=dst_im, stationary=f_re, moving=x_im, accumulate=True)


def multiply(dst_re: Any, dst_im: Any, a_re: Any, a_im: Any, t_re: Any, t_im: Any,
             conjugate: bool = False, engine: Any = None) -> None:
    """dst = a * t (or conj(a) * t) elementwise, on the Vector engine or ``engine``.

    ``a`` may sit in PSUM (Vector only: GpSimd cannot read PSUM), ``dst`` may be a strided view. Six
    instructions: four products, an add and a subtract, all fp32. ``engine=nisa.engine.gpsimd`` when every
    operand is in SBUF (``in_sbuf``)."""
    eng = nisa.engine.unknown if engine == None else engine  # noqa: E711 (NKI 0.3 has no 'is')
    p = sbuf(a_re.shape)
    q = sbuf(a_re.shape)
    nisa.tensor_tensor(dst=p, data1=a_re, data2=t_re, op=nl.multiply, engine=eng)
    nisa.tensor_tensor(dst=q, data1=a_im, data2=t_im, op=nl.multiply, engine=eng)
    nisa.tensor_tensor(dst=dst_re, data1=p, data2=q, op=nl.add if conjugate else nl.subtract, engine=eng)
    nisa.tensor_tensor(dst=p, data1=a_re, data2=t_im, op=nl.multiply, engine=eng)
    nisa.tensor_tensor(dst=q, data1=a_im, data2=t_re, op=nl.multiply, engine=eng)
    nisa.tensor_tensor(dst=dst_im, data1=p, data2=q, op=nl.subtract if conjugate else nl.add, engine=eng)


def in_sbuf() -> Any:
    """The engine for elementwise products whose operands are all in SBUF: GpSimd, which cannot read PSUM
    but costs ~N cycles at 1.4 GHz against the Vector engine's ~2N + 60 at 1.12 GHz for two inputs
    (``emulator/costmodel.py``), and leaves the Vector engine to the products that read PSUM. On trn1 the
    two share the SBUF port (the cost model adds their times)."""
    return nisa.engine.gpsimd


def evacuate(dst_re: Any, dst_im: Any, a_re: Any, a_im: Any) -> None:
    """PSUM -> SBUF (the only way out of PSUM), on the Scalar engine to leave the Vector engine free.

    ``activation(op=nl.copy)`` is the copy ScalarE runs on NeuronCore-v2
    (where it cannot run ``tensor_copy``)."""
    nisa.activation(dst=dst_re, op=nl.copy, data=a_re)
    nisa.activation(dst=dst_im, op=nl.copy, data=a_im)


def multiply_off_vector(dst_re: Any, dst_im: Any, a_re: Any, a_im: Any, t_re: Any, t_im: Any,
                        conjugate: bool = False) -> None:
    """``multiply`` for ``a`` in PSUM without the Vector engine: the Scalar engine copies a to SBUF, GpSimd
    multiplies (8 instructions instead of 6, none on the Vector engine, which shares the SBUF port with
    GpSimd and the PSUM port with the Scalar engine on NeuronCore-v2)."""
    s_re = sbuf(a_re.shape)
    s_im = sbuf(a_im.shape)
    evacuate(s_re, s_im, a_re, a_im)
    multiply(dst_re, dst_im, s_re, s_im, t_re, t_im, conjugate, in_sbuf())


def transform_columns(dst_re: Any, dst_im: Any, f: tuple, x_re: Any, x_im: Any, table: tuple = (),
                      conjugate: bool = False, product: Any = None) -> None:
    """dst = F^T X into SBUF for any number of columns: one PSUM bank (512 fp32) per matmul group.

    With a ``table`` (re, im) the result leaves PSUM multiplied by it elementwise (conj(F^T X) * table with
    ``conjugate``) instead of copied, by ``product`` (``multiply`` unless given)."""
    product = multiply if product == None else product  # noqa: E711
    width = x_re.shape[1]
    cols_out = f[0].shape[1]
    for c in nl.affine_range((width + PSUM_BANK - 1) // PSUM_BANK):
        c0 = c * PSUM_BANK
        cols = min(PSUM_BANK, width - c0)
        acc_re = psum((cols_out, cols))
        acc_im = psum((cols_out, cols))
        matmul_constant_stationary(acc_re, acc_im, f, x_re[:, c0:c0 + cols], x_im[:, c0:c0 + cols])
        if len(table) == 0:
            evacuate(dst_re[:, c0:c0 + cols], dst_im[:, c0:c0 + cols], acc_re, acc_im)
        else:
            product(dst_re[:, c0:c0 + cols], dst_im[:, c0:c0 + cols], acc_re, acc_im,
                    table[0][:, c0:c0 + cols], table[1][:, c0:c0 + cols], conjugate)
