"""A backend-neutral description of one FFT: what every plugin plans for."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

KINDS = ("c2c", "r2c", "c2r")
NORMS = ("backward", "ortho", "forward")
PRECISIONS = ("single", "double")

_REAL = {"single": np.dtype(np.float32), "double": np.dtype(np.float64)}
_COMPLEX = {"single": np.dtype(np.complex64), "double": np.dtype(np.complex128)}


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
    precision: "single" (float32/complex64) or "double".
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

    def key(self) -> tuple:
        """The fields as a plain tuple: ``FFTProblem(*p.key()) == p``; a cheap cache key."""
        return (self.kind, self.shape, self.axes, self.lengths, self.forward, self.norm,
                self.precision, self.workers)

    @property
    def input_dtype(self) -> np.dtype:
        return _REAL[self.precision] if self.kind == "r2c" else _COMPLEX[self.precision]

    @property
    def output_dtype(self) -> np.dtype:
        return _REAL[self.precision] if self.kind == "c2r" else _COMPLEX[self.precision]

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
        """Factor the unnormalised transform's output is multiplied by."""
        if self.norm == "ortho":
            return 1.0 / math.sqrt(self.size)
        scaled = (self.norm == "forward") == self.forward
        return 1.0 / self.size if scaled else 1.0

    def describe(self) -> str:
        """A one-line human description, used in error messages."""
        direction = "forward" if self.forward else "inverse"
        return (f"{self.kind} {direction} shape={self.shape} axes={self.axes} "
                f"n={self.lengths} dtype={self.input_dtype.name} norm={self.norm}")
