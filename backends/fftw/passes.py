"""Large multi-axis transforms as one pass per axis, strided axes in cache-sized blocks.

Why: FFTW's plan for a 4096x4096 complex64 ``fft2`` (FFTW_ESTIMATE, or FFTW_MEASURE
cut short by the 3 s planning limit) walks every column at a 32 KiB stride. Measured
single-threaded on the 2-core dev machine: the column transforms alone take 0.71 s of
its 0.77 s, where scipy's whole fft2 takes 0.17 s. Copying a block of columns
(512 bytes of each row) into a small contiguous buffer, transforming the block there
with a 1-D FFTW plan and copying it back takes 0.07 s for all columns; the
contiguous last axis stays one batched FFTW plan (0.05 s). Both plans are small
problems FFTW measures in well under a second, so planning fits the time limit too.

The last transformed axis is done first for r2c (it is the halved one) and last for
c2r (FFTW's c2r runs on a private copy, as it destroys its input).
"""
from __future__ import annotations

import math
import threading
from typing import Any
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from trnfft.plugin import FFTProblem

from .planning import build
from .settings import FFTWSettings

PASSES_MIN = 2**22      # elements; below this FFTW's own n-D plan is as fast (measured at 1024x1024)
BLOCK_BYTES = 512       # bytes of each row a block takes: 64 complex64 or 32 complex128 columns


def wants_passes(problem: FFTProblem) -> bool:
    """Whether ``problem`` is large and transforms some axis that is not the contiguous one."""
    last = len(problem.shape) - 1
    if math.prod(problem.shape) < PASSES_MIN or all(a == last for a in problem.axes):
        return False
    return problem.kind == "c2c" or problem.axes[-1] == last


class _Planner:
    """Builds in-place or out-of-place FFTW plans with the backend's settings."""

    def __init__(self, settings: FFTWSettings, pyfftw, forward: bool, workers: int) -> None:
        self.settings, self.pyfftw, self.workers = settings, pyfftw, workers
        self.direction = "FFTW_FORWARD" if forward else "FFTW_BACKWARD"

    def plan(self, a: np.ndarray, b: np.ndarray, axis: int, threads: int):
        return build(self.pyfftw, a, b, (axis,), self.direction, self.settings, threads,
                     ("FFTW_DESTROY_INPUT",))


class _BlockedAxis:
    """Transforms one strided axis of a C-contiguous array, ``width`` columns at a time.

    With ``workers`` > 1 the blocks are shared out among that many threads, each with
    its own buffer and plan (pyFFTW and NumPy copies release the GIL)."""

    def __init__(self, shape: tuple[int, ...], axis: int, planner: _Planner, dtype) -> None:
        self.outer = math.prod(shape[:axis])
        self.n = shape[axis]
        self.inner = math.prod(shape[axis + 1:])
        width = min(self.inner, max(1, BLOCK_BYTES // np.dtype(dtype).itemsize))
        self.blocks = [(o, j, min(width, self.inner - j))
                       for o in range(self.outer) for j in range(0, self.inner, width)]
        self.lanes = [self._lane(planner, dtype) for _ in range(min(planner.workers, len(self.blocks)))]
        self.nbytes = sum(buf.nbytes for lane in self.lanes for buf, _ in lane.values())

    def _lane(self, planner: _Planner, dtype) -> dict[int, tuple]:
        """One thread's buffers and plans, by block width (the full one and the tail)."""
        lane = {}
        for w in {b[2] for b in self.blocks}:
            buf = planner.pyfftw.empty_aligned((self.n, w), dtype=dtype)
            lane[w] = (buf, planner.plan(buf, buf, 0, 1))
        return lane

    def run(self, y: np.ndarray) -> None:
        v = y.reshape(self.outer, self.n, self.inner)
        if len(self.lanes) == 1:
            self._run_blocks(v, self.lanes[0], self.blocks)
            return
        k = len(self.lanes)
        with ThreadPoolExecutor(k) as pool:
            for f in [pool.submit(self._run_blocks, v, lane, self.blocks[i::k])
                      for i, lane in enumerate(self.lanes)]:
                f.result()

    @staticmethod
    def _run_blocks(v: np.ndarray, lane: dict[int, tuple], blocks: list[tuple[int, int, int]]) -> None:
        for o, j, w in blocks:
            buf, plan = lane[w]
            block = v[o, :, j:j + w]
            np.copyto(buf, block)
            plan.execute()
            np.copyto(block, buf)


class PassPlan:
    """A large multi-axis transform: a batched FFTW plan over the contiguous last axis
    (if transformed) and blocked passes over the other transformed axes."""

    def __init__(self, problem: FFTProblem, settings: FFTWSettings, pyfftw) -> None:
        self.problem = problem
        self._scale = problem.scale
        self._lock = threading.Lock()
        self._empty_aligned = pyfftw.empty_aligned
        planner = _Planner(settings, pyfftw, problem.forward, problem.workers)
        last = len(problem.shape) - 1
        kind = problem.kind
        complex_dtype = problem.output_dtype if kind != "c2r" else problem.input_dtype
        complex_shape = problem.output_shape if kind != "c2r" else problem.shape
        # c2c and c2r work on a private complex copy; r2c copies the real input into _in.
        self._work = pyfftw.empty_aligned(complex_shape, dtype=complex_dtype)
        self._in = pyfftw.empty_aligned(problem.shape, dtype=problem.input_dtype) if kind == "r2c" else None
        self._out = pyfftw.empty_aligned(problem.output_shape, dtype=problem.output_dtype) \
            if kind == "c2r" else None
        self._rows: Any = None  # a pyfftw.FFTW over the last axis (pyfftw ships no types)
        if last in problem.axes:
            src, dst = {"c2c": (self._work, self._work), "r2c": (self._in, self._work),
                        "c2r": (self._work, self._out)}[kind]
            self._rows = planner.plan(src, dst, last, problem.workers)
            self._home = (src, dst)
        self._blocked = [_BlockedAxis(complex_shape, a, planner, complex_dtype)
                         for a in sorted(problem.axes) if a != last]
        self.nbytes = sum(b.nbytes for b in (self._work, self._in, self._out) if b is not None) + \
            sum(b.nbytes for b in self._blocked)

    def execute(self, x: np.ndarray) -> np.ndarray:
        p = self.problem
        with self._lock:
            if p.kind == "r2c":
                y = self._empty_aligned(p.output_shape, dtype=p.output_dtype)
                assert self._in is not None  # r2c allocates its real input buffer
                np.copyto(self._in, x)
                self._rows.update_arrays(self._in, y)
                self._rows.execute()
                self._rows.update_arrays(*self._home)  # so the FFTW object does not keep y alive
                self._run_blocked(y)
            elif p.kind == "c2r":
                y = self._empty_aligned(p.output_shape, dtype=p.output_dtype)
                np.copyto(self._work, x)
                self._run_blocked(self._work)
                self._rows.update_arrays(self._work, y)
                self._rows.execute()
                self._rows.update_arrays(*self._home)
            else:
                y = self._empty_aligned(p.shape, dtype=p.output_dtype)
                np.copyto(y, x)
                if self._rows is not None:
                    self._rows.update_arrays(y, y)
                    self._rows.execute()
                    self._rows.update_arrays(*self._home)
                self._run_blocked(y)
        if self._scale != 1.0:
            y *= y.real.dtype.type(self._scale)
        return y

    def _run_blocked(self, y: np.ndarray) -> None:
        for axis in self._blocked:
            axis.run(y)
