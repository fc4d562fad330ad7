"""One pyFFTW ``FFTW`` object per problem, planned on private aligned buffers.

Every call returns a new array the caller owns, and never modifies the input
(FFTW's c2r destroys its input, so c2r always works on a private copy). How
the data gets in and out depends on size, as measured single-threaded on the
2-core dev VM (best of 15 interleaved runs, complex64):

* small problems (< ``DIRECT_MIN`` elements): copy in, execute, copy out. The
  two copies are C-level and cheap; allocating an aligned result in Python
  costs more (N=1024: 1.8 us against 3.3 us).
* larger c2c and r2c: FFTW reads the caller's array directly (an out-of-place
  plan preserves its input) and writes a fresh aligned result: no copy at all,
  when the input is C-contiguous and aligned as planned (else it is copied into
  the private input buffer first). Batched (64, 4096) went from 404 to 315 us
  against 300 us for a pre-planned FFTW object, 2^16 points from 227 to 175 us.
* c2c with >= ``INPLACE_MIN`` points per transform: the input is copied into the
  fresh result and transformed in place there (2^20: 8.0 ms against 9.0 ms
  out-of-place; out-of-place MEASURE planning of 2^20 also overran the time limit).
  The buffer the plan was made on (its output, out of place) is the first call's result, and the FFTW object
  (which must hold arrays of the planned shape between calls) gets a new one that
  nothing writes: a large allocation is mapped fresh, so it takes address space,
  not memory. A one-off 2^25-point fft from a padded tensor peaked 0.75 GiB above
  the baseline, now 0.50 GiB, as torch.fft.

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


INPLACE_MIN = 2**18  # points per transform: in-place wins at 2^20 (8.0 vs 9.0 ms), loses at 2^16
DIRECT_MIN = 2**13   # elements: reading the caller's array directly wins from 8192 (16.3 vs 17.1 us)


def x_elements(problem: FFTProblem) -> int:
    return int(np.prod(problem.shape))


class FFTWPlan:
    """A planned FFTW transform for one problem."""

    def __init__(self, problem: FFTProblem, settings: FFTWSettings, pyfftw) -> None:
        self.problem = problem
        self._scale = problem.scale
        self._lock = threading.Lock()
        self._empty_aligned = pyfftw.empty_aligned
        self._settings, self._pyfftw = settings, pyfftw
        direction = "FFTW_FORWARD" if problem.forward else "FFTW_BACKWARD"
        self._inplace = problem.kind == "c2c" and problem.size >= INPLACE_MIN
        self._fresh_output = x_elements(problem) >= DIRECT_MIN
        self._direct = self._fresh_output and problem.kind != "c2r" and not self._inplace
        # pyfftw.FFTW objects (pyfftw ships no type information)
        self._fftw: Any
        self._spare: np.ndarray | None = None
        if self._inplace:
            # copy the input once into the result's own aligned buffer, transform it there
            buf = pyfftw.empty_aligned(problem.shape, dtype=problem.input_dtype)
            self._extra: tuple[str, ...] = ()
            self._fftw = build(pyfftw, buf, buf, problem.axes, direction, settings, problem.workers)
            self._home = (buf, buf)
            self._spare = buf  # the planning buffer is the first call's result: no second array of that size
            self.nbytes = buf.nbytes
            return
        self._in = pyfftw.empty_aligned(problem.shape, dtype=problem.input_dtype)
        self._out = pyfftw.empty_aligned(problem.output_shape, dtype=problem.output_dtype)
        # a plan that reads the caller's array must preserve it (FFTW's default but for c2r)
        extra = self._extra = () if self._direct else ("FFTW_DESTROY_INPUT",)
        self._fftw = build(pyfftw, self._in, self._out, problem.axes, direction, settings,
                           problem.workers, extra)
        # what the plan needs of a new input: FFTW's new-array rule is the same fftw_alignment_of
        # (the address mod 16), which pyfftw reports as input_alignment 16 here, not the 32 of
        # pyfftw.simd_alignment: NumPy's own arrays from 1 MiB up are only 16-byte aligned
        self._alignment = self._fftw.input_alignment
        if self._fresh_output:  # as in place: the planning output is the first result, and a new input
            self._spare = self._out  # buffer (planning wrote the old one) takes no memory until written
            self._in = pyfftw.empty_aligned(problem.shape, dtype=problem.input_dtype)
            self._fftw.update_arrays(self._in, self._out)
        self._home = (self._in, self._out)
        self.nbytes = self._in.nbytes + self._out.nbytes

    def execute(self, x: np.ndarray) -> np.ndarray:
        if not self._fresh_output:
            with self._lock:
                self._in[...] = x
                self._fftw.execute()
                if self._scale == 1.0:
                    return self._out.copy()
                return np.multiply(self._out, self._scale, dtype=self._out.dtype)
        p = self.problem
        with self._lock:
            y, self._spare = self._spare, None
            if y is not None:  # the planning buffer goes out as this result: the FFTW object's new home is
                self._home = self._unwritten_home()  # never written, so (large) it takes addresses, no memory
        if y is None:
            y = self._empty_aligned(p.output_shape, dtype=p.output_dtype)
        with self._lock:
            if self._inplace:
                np.copyto(y, x)
                self._fftw.update_arrays(y, y)
            elif self._direct and self._readable_as_planned(x):
                self._fftw.update_arrays(x, y)
            else:
                np.copyto(self._in, x)
                self._fftw.update_arrays(self._in, y)
            self._fftw.execute()
            # back to the plan's own buffers: the FFTW object would otherwise keep the caller's
            # input and this result alive until the next call
            self._fftw.update_arrays(*self._home)
        if self._scale != 1.0:
            y *= y.real.dtype.type(self._scale)
        return y

    def _unwritten_home(self) -> tuple[np.ndarray, np.ndarray]:
        p = self.problem
        if self._inplace:
            home = self._empty_aligned(p.shape, dtype=p.input_dtype)
            return home, home
        self._out = self._empty_aligned(p.output_shape, dtype=p.output_dtype)
        return self._in, self._out

    def bind_buffers(self) -> "OwnBuffers":
        """This problem's transform on new aligned buffers of its own (``trnfft.plan``'s ``p()``),
        with this plan's flags and layout, so that FFTW finds it in the wisdom this plan left (no
        planning again) and computes what ``execute`` does: in place from ``INPLACE_MIN`` (the
        input copied into the output buffer first), else out of place; the FFTW object may use
        ``input_array`` as scratch, as this plan's may its private input."""
        p, pyfftw = self.problem, self._pyfftw
        a = pyfftw.empty_aligned(p.shape, dtype=p.input_dtype)
        b = pyfftw.empty_aligned(p.output_shape, dtype=p.output_dtype)
        direction = "FFTW_FORWARD" if p.forward else "FFTW_BACKWARD"
        fftw = build(pyfftw, b if self._inplace else a, b, p.axes, direction, self._settings, p.workers,
                     self._extra)
        a[...] = 0  # planning may have left values there
        return OwnBuffers(a, b, fftw, self._scale, copy_in=self._inplace)

    def _readable_as_planned(self, x: np.ndarray) -> bool:
        """Whether FFTW can read ``x`` itself: C-contiguous and aligned as the planned input."""
        return bool(x.flags.c_contiguous) and x.ctypes.data % self._alignment == 0


class OwnBuffers:
    """An FFTW object bound to its own buffers: ``execute()`` transforms ``input_array`` into
    ``output_array``, normalised (``copy_in``: by copying it there and transforming in place).
    Not locked, as pyFFTW's own call is not: ``trnfft.plan``'s ``p()`` is its only user, and
    says so."""

    def __init__(self, a: np.ndarray, b: np.ndarray, fftw: Any, scale: float, copy_in: bool) -> None:
        self.input_array, self.output_array = a, b
        self._fftw, self._scale, self._copy_in = fftw, b.real.dtype.type(scale), copy_in
        # the FFTW object's own method when there is nothing else to do: the cheapest call there is
        self.execute = fftw.execute if scale == 1.0 and not copy_in else self._execute

    def _execute(self) -> None:
        if self._copy_in:
            np.copyto(self.output_array, self.input_array)
        self._fftw.execute()
        if self._scale != 1.0:
            np.multiply(self.output_array, self._scale, out=self.output_array)
