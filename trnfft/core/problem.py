"""A backend-neutral description of one FFT: what every plugin plans for."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple, Sequence, final

import numpy as np

from .errors import InvalidArgumentError

KINDS = ("c2c", "r2c", "c2r")
NORMS = ("backward", "ortho", "forward")
PRECISIONS = ("single", "double", "long")

# "long" is NumPy's longdouble: 80-bit extended on x86, the same as double on
# some platforms; NumPy >= 2 (pocketfft) and FFTW both compute in it.
REAL_DTYPE: dict[str, np.dtype] = {"single": np.dtype(np.float32), "double": np.dtype(np.float64),
              "long": np.dtype(np.longdouble)}
COMPLEX_DTYPE: dict[str, np.dtype] = {"single": np.dtype(np.complex64), "double": np.dtype(np.complex128),
                 "long": np.dtype(np.clongdouble)}
# the precision NumPy computes an FFT of each float/complex dtype in (float16 is computed in single)
NUMPY_PRECISION: dict[np.dtype, str] = {np.dtype(np.float16): "single",
                   **{dt: p for table in (REAL_DTYPE, COMPLEX_DTYPE) for p, dt in table.items()}}


class ProblemKey(NamedTuple):
    """An :class:`FFTProblem`'s fields as a typed tuple: what the hot path carries and caches.

    Building and hashing a frozen dataclass per call would cost more than a
    small FFT; a NamedTuple hashes as a tuple and still names its fields.
    ``FFTProblem(*key)`` is the problem, ``problem.key()`` the key.
    """

    kind: str
    shape: tuple[int, ...]
    axes: tuple[int, ...]
    lengths: tuple[int, ...]
    forward: bool
    norm: str
    precision: str
    workers: int = 1


@final
@dataclass(frozen=True)
class FFTProblem:
    """One transform, exactly as a backend must compute it.

    The core has already applied ``n``/``s`` padding and cropping, so the
    input array has exactly :attr:`shape`.

    kind:      "c2c", "r2c" (real in, half spectrum out) or "c2r" (the inverse).
    shape:     shape of the input array.
    axes:      transformed axes, non-negative and unique; for r2c/c2r the last
               one is the halved axis.
    lengths:   logical transform length along each axis in ``axes`` (for c2r,
               the real output length).
    forward:   sign of the exponent: True is exp(-2*pi*i*jk/n). Always True for
               r2c and False for c2r.
    norm:      "backward", "ortho" or "forward", relative to ``forward``.
    precision: "single" (float32/complex64), "double" or "long" (longdouble/clongdouble).
    workers:   threads the backend may use (backends without threads ignore it).
    """

    kind: str
    shape: tuple[int, ...]
    axes: tuple[int, ...]
    lengths: tuple[int, ...]
    forward: bool
    norm: str
    precision: str
    workers: int = 1

    def key(self) -> ProblemKey:
        """The fields as a typed tuple: ``FFTProblem(*p.key()) == p``; a cheap cache key."""
        return ProblemKey(self.kind, self.shape, self.axes, self.lengths, self.forward, self.norm,
                self.precision, self.workers)

    @property
    def input_dtype(self) -> np.dtype:
        return REAL_DTYPE[self.precision] if self.kind == "r2c" else COMPLEX_DTYPE[self.precision]

    @property
    def output_dtype(self) -> np.dtype:
        return REAL_DTYPE[self.precision] if self.kind == "c2r" else COMPLEX_DTYPE[self.precision]

    @property
    def output_shape(self) -> tuple[int, ...]:
        out = list(self.shape)
        last, n = self.axes[-1], self.lengths[-1]
        if self.kind == "r2c":
            out[last] = n // 2 + 1
        elif self.kind == "c2r":
            out[last] = n
        return tuple(out)

    @property
    def size(self) -> int:
        """Points per transform: the product of ``lengths``."""
        return math.prod(self.lengths)

    @property
    def batch(self) -> int:
        """Number of independent transforms (product of the untransformed dims)."""
        return math.prod(d for i, d in enumerate(self.shape) if i not in self.axes)

    @property
    def scale(self) -> float:
        """Factor the unnormalised transform's output is multiplied by.

        A float, or an np.longdouble for "long" precision, where a double
        factor such as 1/3 would cost the result its extra digits.
        """
        scaled = self.norm == "ortho" or (self.norm == "forward") == self.forward
        if not scaled:
            return 1.0
        if self.precision == "long":
            n = np.longdouble(self.size)
            return np.longdouble(1) / (np.sqrt(n) if self.norm == "ortho" else n)
        return 1.0 / (math.sqrt(self.size) if self.norm == "ortho" else self.size)

    def describe(self) -> str:
        """A one-line human description, used in error messages."""
        direction = "forward" if self.forward else "inverse"
        return (f"{self.kind} {direction} shape={self.shape} axes={self.axes} "
                f"n={self.lengths} dtype={self.input_dtype.name} norm={self.norm}")


def make_problem(kind: str, shape: Sequence[int], *, axes: Sequence[int] | None = None,
                 precision: str = "single", norm: str = "backward", forward: bool = True) -> FFTProblem:
    """A problem from the *logical* shape (the real-side shape for r2c and c2r)."""
    if kind not in KINDS:
        raise InvalidArgumentError(f"kind must be one of {KINDS}, got {kind!r}")
    shape = tuple(int(d) for d in shape)
    ax = tuple(a % len(shape) for a in (axes if axes is not None else (-1,)))
    lengths = tuple(shape[a] for a in ax)
    in_shape = list(shape)
    if kind == "c2r":
        in_shape[ax[-1]] = lengths[-1] // 2 + 1
    return FFTProblem(kind, tuple(in_shape), ax, lengths,
                      kind == "r2c" or (kind == "c2c" and forward), norm, precision)
