"""How fftw-reference builds one FFTW plan within the planning budget.

FFTW checks its planning time limit only between candidate plans, and each
candidate of a large transform is timed by running it: MEASURE of a 2^24-point
complex64 FFT with the 3 s limit took 6.4 s here and found nothing faster than
FFTW_ESTIMATE (0.27 s per run). So, in order:

1. the time limit is the configured one or, while auto's planner is timing candidates,
   what is left of its budget (``trnfft.plugin.planning_time_left``), whichever is less;
2. wisdom already known for the problem (this process or the wisdom file) is used
   as it is, at no planning cost;
3. with less than ``MIN_SEARCH`` seconds left no search starts: the ESTIMATE plan it is;
4. a transform whose ESTIMATE plan takes more than 1/``RUNS_PER_BUDGET`` of the time
   limit to run once keeps that ESTIMATE plan (one timed run is the whole cost);
5. anything else is planned with the configured effort, its search given what is left
   of the time limit, reckoned with FFTW's lock held: less everything this build has
   already spent (the wisdom look-up, the probe, every wait for FFTW's lock, the last
   included) and, for a probed transform, less ``MARGIN_RUNS`` runs of it, since FFTW checks
   its limit only between the candidates it times and finishes the one it is on (pyFFTW
   MEASURE alone, fresh wisdom, under load 2-4: 1024x1024 c2c given 0.5 s took 0.56-0.59 s
   with 49-56 ms runs; 2^20 points given 0.5 s, 0.52-0.60 s, 0.8-2.8 runs of 27-35 ms over;
   2^21 given 1 s, 0.2-0.4 runs over). Below ``PROBE_MIN`` points nothing is probed, runs
   are short and the overrun small (16 x 20011 rfft given 0.5 s: 0-5 ms over).

The first call of a new problem therefore costs about the time limit at most, plus
any lateness of FFTW's own (the documented planning budget, settings.py).
"""
from __future__ import annotations

import math
import time

import numpy as np

from trnfft.plugin import planning_time_left

from .fftw_lock import FFTW_LOCK
from .settings import FFTWSettings

RUNS_PER_BUDGET = 20   # runs a search needs at least to be worth starting (2^20 c2c: 10 ms per run)
PROBE_MIN = 2**20      # elements below which a run is too short to be worth probing
MIN_SEARCH = 0.01      # seconds: a search given less than this is not started (FFTW_ESTIMATE instead)
MARGIN_RUNS = 3        # runs of the probed transform kept free at the end of the time limit for FFTW's overrun


def build(pyfftw, a: np.ndarray, b: np.ndarray, axes: tuple[int, ...], direction: str,
          settings: FFTWSettings, threads: int, extra: tuple[str, ...] = ()):
    """A ``pyfftw.FFTW`` from ``a`` to ``b`` over ``axes`` (both private buffers: planning
    and the probe overwrite them)."""
    def new(flag: str, *more: str, limit: float | None = None):  # FFTW_LOCK held
        return pyfftw.FFTW(a, b, axes=axes, direction=direction, flags=(flag, *extra, *more),
                           threads=threads, planning_timelimit=limit)

    def plan(flag: str, *more: str, limit: float | None = None):
        with FFTW_LOCK:
            return new(flag, *more, limit=limit)

    started = time.perf_counter()
    left = planning_time_left()  # auto's planner: what is left of its budget (None: not planning for it)
    limit = settings.timelimit if left is None else min(left, settings.timelimit or left)
    if settings.planner == "estimate" or limit is None:
        return plan(settings.flag, limit=limit)
    try:
        return plan(settings.flag, "FFTW_WISDOM_ONLY")
    except RuntimeError:  # no wisdom for this problem yet
        pass
    estimate, margin = None, 0.0
    if math.prod(a.shape) >= PROBE_MIN and limit - (time.perf_counter() - started) >= MIN_SEARCH:
        estimate = plan("FFTW_ESTIMATE")
        a[...] = 0
        start = time.perf_counter()
        estimate.execute()
        run = time.perf_counter() - start
        if run * RUNS_PER_BUDGET > limit:
            return estimate
        margin = MARGIN_RUNS * run
    with FFTW_LOCK:  # what is left is reckoned once the lock is held: waiting for it is spent too
        search = limit - (time.perf_counter() - started) - margin
        if search < MIN_SEARCH:
            return estimate or new("FFTW_ESTIMATE")
        return new(settings.flag, limit=search)
