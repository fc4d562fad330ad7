"""DFT matrices, twiddles and chirps built accurately, once per plan.

Every angle is reduced in integers first (``k*j mod n``, ``k^2 mod 2n``) and
evaluated in float64, then rounded once to float32: fp32 angles
2*pi*k*j/n lose accuracy fast (7.9e-5 norm-wise at n=1024 against 2.6e-7
this way; Bluestein chirps 9.1e-4 against 4.4e-7 at n=8193; design.md
section 6). Complex constants are (re, im) pairs of float32 arrays; kernels
negate the imaginary part on chip once per launch rather than read a third
array from HBM.
"""
from __future__ import annotations

import numpy as np

Pair = tuple[np.ndarray, np.ndarray]


def roots(exponents: np.ndarray, n: int, forward: bool, scale: float = 1.0) -> Pair:
    """scale * w^e with w = exp(-+2 pi i / n), for integer exponents ``e`` (reduced mod n here)."""
    e = np.asarray(exponents, dtype=np.int64) % n
    angle = (-2.0 if forward else 2.0) * np.pi * e / n
    return (scale * np.cos(angle)).astype(np.float32), (scale * np.sin(angle)).astype(np.float32)


def outer_exponents(rows: int, cols: int) -> np.ndarray:
    return np.outer(np.arange(rows, dtype=np.int64), np.arange(cols, dtype=np.int64))


def dft_pair(n: int, forward: bool, scale: float = 1.0) -> Pair:
    """(Re F, Im F) of the n-point DFT matrix as float32, F[j, k] = scale * exp(-+2 pi i j k / n)."""
    return roots(outer_exponents(n, n), n, forward, scale)


def block_diagonal(pair: tuple[np.ndarray, ...], copies: int) -> tuple[np.ndarray, ...]:
    """I_copies (x) F for each part: ``copies`` independent transforms in one [copies*n, copies*n] matmul."""
    return tuple(np.kron(np.eye(copies, dtype=np.float32), m).astype(np.float32) for m in pair)


def tiled(pair: Pair, copies: int) -> Pair:
    """The table repeated ``copies`` times along the free (column) axis."""
    return tuple(np.ascontiguousarray(np.tile(m, (1, copies))) for m in pair)  # type: ignore[return-value]


def chirp(n: int, forward: bool) -> np.ndarray:
    """exp(-+i pi k^2 / n) for k < n in complex128, with k^2 reduced mod 2n in integers."""
    k = np.arange(n, dtype=np.int64)
    e = (k * k) % (2 * n)
    return np.exp((-1j if forward else 1j) * np.pi * e / n)
