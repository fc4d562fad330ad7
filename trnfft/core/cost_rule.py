"""A backend's speed rule for the planner's estimate effort: seconds per call, measured nothing.

An FFT of ``points`` elements (batch included) with transforms of ``n`` points
costs about ``overhead + rate * points * log2(n)`` seconds, where the rate is
lower while the data fits in cache than when it streams from memory. A
backend calibrates the constants on a machine (``benchmarks/calibrate_planner.py``
prints them from timed runs) and answers ``estimate_seconds(problem, source)``
with ``rule.seconds(problem, source)``. The rule only needs to rank candidates,
so it is deliberately coarse.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from .problem import FFTProblem
from .trials import TENSOR_INPUT


@dataclass(frozen=True)
class CostRule:
    """Calibrated constants; every time in seconds."""

    overhead: float                # per call, whatever the size
    in_cache: float                # per point and log2(n), data within ``cache_bytes``
    out_of_cache: float            # per point and log2(n), beyond it
    cache_bytes: int = 2**20
    real_factor: float = 0.6       # r2c / c2r against c2c of the same size
    double_factor: float = 1.7     # double (and long double x2 more) against single
    tensor_overhead: float = 0.0   # a tensor caller's conversions, for a backend taking arrays
    array_overhead: float = 0.0    # a NumPy caller's conversions, for a backend taking tensors
    threads: bool = False          # whether workers > 1 speeds it up

    def seconds(self, problem: FFTProblem, source: str) -> float:
        points = math.prod(problem.shape)
        log_n = max(1.0, math.log2(max(problem.size, 2)))
        nbytes = points * np.dtype(problem.input_dtype).itemsize
        rate = self.in_cache if nbytes <= self.cache_bytes else self.out_of_cache
        work = rate * points * log_n
        if problem.kind != "c2c":
            work *= self.real_factor
        if problem.precision != "single":
            work *= self.double_factor * (2 if problem.precision == "long" else 1)
        if self.threads and problem.workers > 1:
            work /= min(problem.workers, os.cpu_count() or 1) ** 0.8
        conversion = self.tensor_overhead if source == TENSOR_INPUT else self.array_overhead
        return self.overhead + work + conversion
