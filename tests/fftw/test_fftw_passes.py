"""fftw-reference's pass-per-axis plans for large multi-axis transforms (passes.py).

The size threshold is lowered so that small, odd shapes (full blocks plus a tail
block, axes with and without the contiguous one) exercise the same code quickly.
"""
from __future__ import annotations

import numpy as np
import pytest

from trnfft import numpy_fft
from trnfft.plugin import FFTProblem
from conftest import assert_close, random_array

from test_fftw_backend import fftw  # noqa: F401  (fixture: private wisdom, reset backends)


@pytest.fixture
def small_passes(fftw, monkeypatch):  # noqa: F811
    from trnfft_backends.fftw import passes
    monkeypatch.setattr(passes, "PASSES_MIN", 1)
    return fftw


def test_large_multi_axis_problems_get_a_pass_plan_and_small_or_1d_ones_do_not(fftw):  # noqa: F811
    from trnfft_backends.fftw.passes import PassPlan

    def plan(shape, axes):
        return fftw.plan(FFTProblem("c2c", shape, axes, tuple(shape[a] for a in axes),
                                    True, "backward", "single"))
    assert isinstance(plan((4096, 1024), (0, 1)), PassPlan)
    assert not isinstance(plan((1024, 1024), (0, 1)), PassPlan)
    assert not isinstance(plan((1024, 4096), (1,)), PassPlan)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("shape,axes", [((6, 70, 5), None), ((70, 3, 9), (0, 1)), ((130, 7), (0,))])
@pytest.mark.parametrize("workers", [1, 2])
def test_c2c_passes_match_numpy(small_passes, dtype, shape, axes, workers):
    x = random_array(shape, dtype)
    before = x.copy()
    y = numpy_fft.fftn(x, axes=axes, workers=workers, backend="fftw-reference")
    np.testing.assert_array_equal(x, before)
    ref = np.fft.fftn(x.astype(np.complex128), axes=axes)
    assert_close(y, ref, dtype, ref.size)
    back = numpy_fft.ifftn(y, axes=axes, norm="ortho", workers=workers, backend="fftw-reference")
    assert_close(back, np.fft.ifftn(ref, axes=axes, norm="ortho"), dtype, ref.size)


@pytest.mark.parametrize("shape,axes", [((66, 20), None), ((5, 70, 9), None), ((70, 4, 12), (0, 2))])
def test_real_passes_match_numpy(small_passes, shape, axes):
    x = random_array(shape, np.float32)
    spec = numpy_fft.rfftn(x, axes=axes, backend="fftw-reference")
    ref = np.fft.rfftn(x.astype(np.float64), axes=axes)
    assert_close(spec, ref, np.complex64, x.size)
    before = spec.copy()
    lengths = [shape[a] for a in (axes or range(len(shape)))]
    back = numpy_fft.irfftn(spec, s=lengths, axes=axes or tuple(range(len(shape))),
                            workers=2, backend="fftw-reference")
    np.testing.assert_array_equal(spec, before)
    assert_close(back, x.astype(np.float64), np.float32, x.size)


def test_planning_budget_uses_wisdom_then_estimate_for_what_cannot_be_measured_in_time(
        fftw, monkeypatch):  # noqa: F811
    import pyfftw
    from trnfft_backends.fftw import planning
    from trnfft_backends.fftw.settings import FFTWSettings
    monkeypatch.setattr(planning, "PROBE_MIN", 1)
    pyfftw.forget_wisdom()
    a = pyfftw.empty_aligned(4096, np.complex64)

    def flags(timelimit):
        settings = FFTWSettings(planner="measure", timelimit=timelimit, wisdom=False)
        return planning.build(pyfftw, a, a, (0,), "FFTW_FORWARD", settings, 1).flags
    assert "FFTW_ESTIMATE" in flags(1e-9)          # one run already exceeds the budget
    first = flags(30.0)                               # room to measure: a real search
    assert "FFTW_MEASURE" in first and "FFTW_WISDOM_ONLY" not in first
    assert "FFTW_WISDOM_ONLY" in flags(1e-9)        # measured once: wisdom wins over the probe


class _TimedFFTW:
    """A stand-in for pyfftw: a WISDOM_ONLY plan costs ``wisdom`` seconds and fails (no wisdom), an ESTIMATE
    plan's run takes ``run`` seconds, and a searching plan records the time limit it was given."""

    def __init__(self, run: float, wisdom: float = 0.0) -> None:
        self.run, self.wisdom, self.limits = run, wisdom, []

    def FFTW(self, a, b, axes, direction, flags, threads, planning_timelimit):  # noqa: N802 (pyfftw's name)
        import time
        import types
        if "FFTW_WISDOM_ONLY" in flags:
            time.sleep(self.wisdom)
            raise RuntimeError("no wisdom")
        if "FFTW_ESTIMATE" not in flags:
            self.limits.append(planning_timelimit)
        return types.SimpleNamespace(flags=flags, execute=lambda: time.sleep(self.run))


def test_fftws_search_gets_what_is_left_after_the_probe_less_a_margin_for_its_overrun(monkeypatch):
    import time
    from trnfft.core.plan_deadline import planning_within
    from trnfft_backends.fftw import planning
    from trnfft_backends.fftw.settings import FFTWSettings
    monkeypatch.setattr(planning, "PROBE_MIN", 1)
    settings = FFTWSettings(planner="measure", timelimit=30.0, wisdom=False)
    a = np.zeros(64, np.complex64)
    fake = _TimedFFTW(run=0.02, wisdom=0.1)
    started = time.perf_counter()
    with planning_within(1.0):
        planning.build(fake, a, a, (0,), "FFTW_FORWARD", settings, 1)
    (limit,) = fake.limits
    spent = time.perf_counter() - started
    assert limit <= 1.0 - 0.1 - 0.02 * (1 + planning.MARGIN_RUNS)   # the lock/wisdom wait, the probe, the margin
    assert limit + spent <= 1.0 + 0.02 and limit >= 1.0 - spent - 0.02 * planning.MARGIN_RUNS - 0.05
    fake = _TimedFFTW(run=0.02, wisdom=0.5)
    with planning_within(0.5):   # nothing left to search in after the wait: the probed ESTIMATE plan
        assert "FFTW_ESTIMATE" in planning.build(fake, a, a, (0,), "FFTW_FORWARD", settings, 1).flags
    assert fake.limits == []


class _SlowLock:
    """A lock whose every acquisition first waits ``wait`` seconds (another thread planning)."""

    def __init__(self, wait: float) -> None:
        self.wait, self.acquired = wait, 0

    def __enter__(self) -> None:
        import time
        time.sleep(self.wait)
        self.acquired += 1

    def __exit__(self, *exc) -> None:
        pass


def test_fftws_search_is_charged_for_every_wait_below_the_probe_size_and_for_the_last_lock(monkeypatch):
    from trnfft.core.plan_deadline import planning_within
    from trnfft_backends.fftw import planning
    from trnfft_backends.fftw.settings import FFTWSettings
    lock = _SlowLock(0.15)
    monkeypatch.setattr(planning, "FFTW_LOCK", lock)
    settings = FFTWSettings(planner="measure", timelimit=30.0, wisdom=False)
    a = np.zeros(64, np.complex64)   # below PROBE_MIN: nothing probed
    fake = _TimedFFTW(run=0.0, wisdom=0.1)
    with planning_within(1.0):
        planning.build(fake, a, a, (0,), "FFTW_FORWARD", settings, 1)
    (limit,) = fake.limits
    assert lock.acquired == 2           # the wisdom look-up's, then the search's
    assert limit <= 1.0 - 0.15 - 0.1 - 0.15   # both waits for the lock and the failed look-up
