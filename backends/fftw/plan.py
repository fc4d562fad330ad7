"""One pyFFTW ``FFTW`` object per problem, with private aligned buffers.

The caller's array is copied into the plan's input buffer, so FFTW's c2r
(which destroys its input) never touches user data, and the output is copied
out (scaled in the same pass) so each call returns an array the caller owns.
A lock makes a plan safe to share between threads.
"""
from __future__ import annotations

import threading

import numpy as np

from trnfft.plugin import FFTProblem

from .settings import FFTWSettings


class FFTWPlan:
    """A planned FFTW transform for one problem."""

    def __init__(self, problem: FFTProblem, settings: FFTWSettings, pyfftw) -> None:
        self.problem = problem
        self._in = pyfftw.empty_aligned(problem.shape, dtype=problem.input_dtype)
        self._out = pyfftw.empty_aligned(problem.output_shape, dtype=problem.output_dtype)
        direction = "FFTW_FORWARD" if problem.forward else "FFTW_BACKWARD"
        self._fftw = pyfftw.FFTW(
            self._in, self._out, axes=problem.axes, direction=direction,
            flags=(settings.flag, "FFTW_DESTROY_INPUT"), threads=problem.workers,
            planning_timelimit=settings.timelimit)
        self._scale = problem.scale
        self._lock = threading.Lock()

    def execute(self, x: np.ndarray) -> np.ndarray:
        with self._lock:
            np.copyto(self._in, x)
            self._fftw.execute()
            if self._scale == 1.0:
                return self._out.copy()
            return np.multiply(self._out, self._scale, dtype=self._out.dtype)
