"""The numpy-reference backend: numpy.fft behind the plugin contract.

It needs nothing beyond NumPy, so "auto" always has something to run, and it
is a second reference independent of FFTW. NumPy >= 2 computes float32 and
complex64 natively; older NumPy computes in double and the result is cast.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from trnfft.plugin import Availability, Capabilities, CostRule, FFTProblem, hookimpl

# the planner's estimate rule (calibrated with benchmarks/calibrate_planner.py, 2-core dev VM)
SPEED = CostRule(overhead=4e-6, in_cache=8e-10, out_of_cache=3.2e-9, tensor_overhead=2e-6)


NATIVE_PRECISIONS = int(np.__version__.split(".")[0]) >= 2


class NumpyPlan:
    """A numpy.fft call with its arguments fixed."""

    def __init__(self, problem: FFTProblem) -> None:
        self.problem = problem
        self._axes = list(problem.axes)
        self._s = list(problem.lengths)
        self._dtype = problem.output_dtype
        self._fn: Callable[..., np.ndarray]
        if problem.kind == "r2c":
            self._fn = np.fft.rfftn
        elif problem.kind == "c2r":
            self._fn = np.fft.irfftn
        else:
            self._fn = np.fft.fftn if problem.forward else np.fft.ifftn

    def execute(self, x: np.ndarray) -> np.ndarray:
        y = self._fn(x, s=self._s, axes=self._axes, norm=self.problem.norm)
        return y if y.dtype == self._dtype else y.astype(self._dtype)


class NumpyBackend:
    name = "numpy-reference"
    version = np.__version__
    description = "numpy.fft (pocketfft): always available, an independent reference"

    def availability(self) -> Availability:
        return Availability.yes()

    def capabilities(self) -> Capabilities:
        if NATIVE_PRECISIONS:  # NumPy >= 2 computes every precision natively, long double too
            return Capabilities(precisions=frozenset({"single", "double", "long"}),
                                notes="single and long double computed natively (NumPy >= 2)")
        return Capabilities(notes="single precision computed in double (NumPy < 2)")

    def plan(self, problem: FFTProblem) -> NumpyPlan:
        return NumpyPlan(problem)

    def estimate_seconds(self, problem: FFTProblem, source: str) -> float:
        """Seconds per call by the calibrated rule (auto's planner, estimate effort)."""
        return SPEED.seconds(problem, source)


@hookimpl
def trnfft_register_backends(register: Callable) -> None:
    register(NumpyBackend(), aliases=("numpy",), auto_priority=100, candidate=True)
