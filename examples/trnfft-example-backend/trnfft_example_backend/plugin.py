"""example-dft: the discrete Fourier transform as one matrix product, for small n.

It computes y = W x with W[j, k] = exp(-+2*pi*i*j*k/n), O(n^2) work, which is
exact enough and simple for n up to MAX_N; its capabilities say so, trnfft
refuses larger problems before planning, and a selection such as
"example-dft,fftw" runs them on the next backend.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from trnfft.plugin import Availability, Capabilities, FFTProblem, apply_scale, hookimpl

MAX_N = 64  # beyond this an O(n^2) product is slower than any FFT


class DFTPlan:
    """The DFT matrix for one problem, built once and used by every call (read-only: thread-safe)."""

    def __init__(self, problem: FFTProblem) -> None:
        self.problem = problem
        n = problem.lengths[0]
        sign = -1.0 if problem.forward else 1.0
        jk = np.outer(np.arange(n), np.arange(n)) % n  # reduce first: exact angles for large j*k
        self._matrix = np.exp(sign * 2j * np.pi * jk / n).astype(problem.output_dtype)
        self.nbytes = self._matrix.nbytes  # counted by trnfft's plan cache

    def execute(self, x: np.ndarray) -> np.ndarray:
        axis = self.problem.axes[0]
        # tensordot makes a new array (x is never modified) with the transformed axis last.
        y = np.tensordot(x, self._matrix, axes=([axis], [1]))
        y = np.ascontiguousarray(np.moveaxis(y, -1, axis), dtype=self.problem.output_dtype)
        return apply_scale(y, self.problem)


class ExampleDFTBackend:
    name = "example-dft"
    version = "0.1.0"
    description = f"naive O(n^2) DFT in NumPy, for c2c transforms of up to {MAX_N} points"

    def availability(self) -> Availability:
        return Availability.yes()  # NumPy is all it needs; a device backend checks its device here

    def capabilities(self) -> Capabilities:
        # 1-D only: trnfft runs an n-D problem as 1-D passes on this backend.
        # max_size: what plan() takes, so trnfft (and trnfft check) know it before asking.
        return Capabilities(kinds=frozenset({"c2c"}), precisions=frozenset({"single", "double"}),
                            max_rank=1, max_size=MAX_N, notes="an example plugin; see docs/writing-a-backend.md")

    def plan(self, problem: FFTProblem) -> DFTPlan:
        return DFTPlan(problem)  # the capabilities' limits hold here: trnfft checked them


@hookimpl
def trnfft_register_backends(register: Callable[..., None]) -> None:
    # "dft" is a short name users may type; priority 10 puts it last in "auto"
    # (below numpy-reference's 100), so it is picked only when nothing else runs.
    register(ExampleDFTBackend(), aliases=("dft",), auto_priority=10)
