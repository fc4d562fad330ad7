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

from ..engine import nisa, nl

F32 = nl.float32
PSUM_BANK = nl.tile_size.psum_fmax  # fp32 per partition in one PSUM bank: the largest matmul moving/output free size


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


def matmul_data_stationary(dst_re: Any, dst_im: Any, x_re: Any, x_im: Any, f: tuple) -> None:
    """dst = X^T F: the data [K, M] is stationary, the constant F [K, N] moves; dst is [M, N] in PSUM.

    The data's free dim becomes dst's partition dim: the matmul doubles as
    the transpose between four-step stages."""
    f_re, f_im, f_neg = f
    nisa.nc_matmul(dst=dst_re, stationary=x_re, moving=f_re, accumulate=False)
    nisa.nc_matmul(dst=dst_re, stationary=x_im, moving=f_neg, accumulate=True)
    nisa.nc_matmul(dst=dst_im, stationary=x_re, moving=f_im, accumulate=False)
    nisa.nc_matmul(dst=dst_im, stationary=x_im, moving=f_re, accumulate=True)


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
    eng = nisa.engine.unknown if engine is None else engine
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
    product = multiply if product is None else product
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
