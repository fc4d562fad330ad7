"""One pyFFTW ``FFTW`` object per problem, with private aligned buffers.

The caller's array is copied into the plan's input buffer, so FFTW's c2r
(which destroys its input) never touches user data, and the output is copied
out (scaled in the same pass) so each call returns an array the caller owns.
Large c2c transforms instead copy the input straight into the (aligned)
result array and run an in-place plan on it: one pass over memory fewer.
A lock makes a plan safe to share between threads; building one follows the
planning budget and takes the process-wide FFTW lock (``planning.py``).
``nbytes`` is what the plan pins (its buffers), which the core's plan cache
counts against its byte limit.
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from trnfft.plugin import FFTProblem

from .planning import build
from .settings import FFTWSettings


INPLACE_MIN = 2**18  # measured: in-place wins at 2^20 (8.0 vs 9.0 ms), loses at 2^16


def x_elements(problem: FFTProblem) -> int:
    return int(np.prod(problem.shape))


class FFTWPlan:
    """A planned FFTW transform for one problem."""

    def __init__(self, problem: FFTProblem, settings: FFTWSettings, pyfftw) -> None:
        self.problem = problem
        self._scale = problem.scale
        self._lock = threading.Lock()
        # pyfftw.FFTW objects (pyfftw ships no type information); one of the two is built
        self._inplace: Any = None
        self._fftw: Any = None
        direction = "FFTW_FORWARD" if problem.forward else "FFTW_BACKWARD"
        if problem.kind == "c2c" and x_elements(problem) >= INPLACE_MIN:
            # Large c2c: copy the input once into the result's own aligned buffer and
            # transform it in place there, saving a full pass over memory per call.
            buf = pyfftw.empty_aligned(problem.shape, dtype=problem.input_dtype)
            self._inplace = build(pyfftw, buf, buf, problem.axes, direction, settings, problem.workers)
            self.nbytes = buf.nbytes
            self._empty_aligned = pyfftw.empty_aligned
            return
        self._in = pyfftw.empty_aligned(problem.shape, dtype=problem.input_dtype)
        self._out = pyfftw.empty_aligned(problem.output_shape, dtype=problem.output_dtype)
        self._fftw = build(pyfftw, self._in, self._out, problem.axes, direction, settings,
                           problem.workers, ("FFTW_DESTROY_INPUT",))
        self.nbytes = self._in.nbytes + self._out.nbytes

    def execute(self, x: np.ndarray) -> np.ndarray:
        if self._inplace is not None:
            y = self._empty_aligned(self.problem.shape, dtype=self.problem.output_dtype)
            np.copyto(y, x)
            with self._lock:
                self._inplace.update_arrays(y, y)
                self._inplace.execute()
            if self._scale != 1.0:
                y *= y.real.dtype.type(self._scale)
            return y
        with self._lock:
            self._in[...] = x
            self._fftw.execute()
            if self._scale == 1.0:
                return self._out.copy()
            return np.multiply(self._out, self._scale, dtype=self._out.dtype)
