"""nki-simulator: what its kernel claims, how "nki" resolves, and the hardware path's errors."""
from __future__ import annotations

import numpy as np
import pytest

import trnfft
from trnfft import numpy_fft
from trnfft.core.errors import BackendUnavailableError, UnsupportedProblemError
from trnfft_backends.nki import arguments, executors
from trnfft_backends.nki.constants import dft_pair
from trnfft_backends.nki.emulator import last_record
from conftest import assert_close, random_array


@pytest.mark.parametrize("n", [1, 2, 7, 16, 60, 97, 127, 128])
@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
def test_dft_kernel_accuracy(n, norm):
    x = random_array((3, n), np.complex64, seed=n)
    ref = np.fft.fft(x.astype(np.complex128), norm=norm)
    assert_close(numpy_fft.fft(x, norm=norm, backend="nki-simulator"), ref, np.complex64, n)
    assert_close(numpy_fft.ifft(x, norm=norm, backend="nki-simulator"),
                 np.fft.ifft(x.astype(np.complex128), norm=norm), np.complex64, n)


def test_batches_beyond_one_tile_run_in_one_launch():
    x = random_array((300, 64), np.complex64)
    y = numpy_fft.fft(x, backend="nki-simulator")
    assert_close(y, np.fft.fft(x.astype(np.complex128)), np.complex64, 64)
    rec = last_record()
    # two transforms per 128-point tile row: 150 rows -> 2 row tiles of 4 real matmuls each
    assert rec.launches == 1 and rec.instructions["tensor"] == 4 * 2


def test_2d_runs_in_one_launch_at_every_size():
    x = random_array((96, 80), np.complex64)
    w = trnfft.which("fft2", x.shape, "complex64", backend="nki-simulator")
    assert (w.backend, w.passes) == ("nki-simulator", 1)
    assert_close(numpy_fft.fft2(x, backend="nki-simulator"), np.fft.fft2(x.astype(np.complex128)),
                 np.complex64, x.size)
    assert last_record().launches == 1
    big = random_array((3, 200, 64), np.complex64)
    assert trnfft.which("fft2", big.shape, "complex64", backend="nki-simulator").passes == 1
    assert_close(numpy_fft.fft2(big, backend="nki-simulator"), np.fft.fft2(big.astype(np.complex128)),
                 np.complex64, 200 * 64)
    assert last_record().launches == 1


def test_what_the_kernel_does_not_claim_is_refused():
    with pytest.raises(UnsupportedProblemError, match="n=1048577 > 1048576: the NKI kernels take up to 2.20"):
        numpy_fft.fft(np.ones(2**20 + 1, np.complex64), backend="nki-simulator")
    with pytest.raises(UnsupportedProblemError,
                       match="double precision not supported .the Tensor engine has no fp64; select 'nki,fftw-ref"):
        numpy_fft.fft(np.ones(8, np.complex128), backend="nki-simulator")
    with pytest.raises(UnsupportedProblemError, match="n=1048578 > 1048576"):
        numpy_fft.rfft(np.ones(2**20 + 2, np.float32), backend="nki-simulator")


def test_ordered_selection_falls_back_for_the_rest(monkeypatch):
    monkeypatch.setenv("TRNFFT_USE_SIMULATOR", "1")
    with trnfft.use_backend("nki,fftw-reference"):
        assert trnfft.which("fft", (64,), "complex64").backend == "nki-simulator"
        assert trnfft.which("fft", (4096,), "complex64").backend == "nki-simulator"
        assert trnfft.which("fft", (2**20 + 1,), "complex64").backend == "fftw-reference"
        assert trnfft.which("rfft", (64,), "float32").backend == "nki-simulator"
        assert trnfft.which("rfft", (256,), "float32").backend == "nki-simulator"
        assert trnfft.which("rfft", (2**20 + 2,), "float32").backend == "fftw-reference"
        assert trnfft.which("rfft", (64,), "float64").backend == "fftw-reference"


def test_simulator_env_routes_nki_to_the_simulator(monkeypatch):
    monkeypatch.setenv("TRNFFT_USE_SIMULATOR", "1")
    w = trnfft.which("fft", (32,), "complex64")
    assert (w.backend, w.source) == ("nki-simulator", "TRNFFT_USE_SIMULATOR=1")
    trnfft.set_backend("nki")
    assert trnfft.which("fft", (32,), "complex64").backend == "nki-simulator"


def test_nki_without_the_simulator_flag_needs_hardware():
    with pytest.raises(BackendUnavailableError, match="TRNFFT_USE_SIMULATOR=1"):
        trnfft.set_backend("nki")
    with pytest.raises(BackendUnavailableError, match="nki-hardware.*not available"):
        trnfft.set_backend("nki-hardware")


def test_hardware_executor_fails_clearly_here():
    assert executors.hardware_problem() is not None
    with pytest.raises(RuntimeError, match="cannot run on Trainium"):
        executors.on_device(None, np.zeros(4, np.float32))
    resident, = executors.upload((np.zeros(4, np.float32), 3))   # lazy: uploaded on a device's first call
    assert resident.devices() == []


def test_plan_constants_are_uploaded_once_per_plan():
    """Each plan hands its constants to the executor's upload once; calls send only their data."""
    from trnfft.core.problem import make_problem
    from trnfft_backends.nki.plugin import FFTPlan
    uploads, runs = [], []

    def upload(args):
        uploads.append(args)
        return args

    def run(kernel, *args):
        runs.append(args)
        return executors.simulate(kernel, *args)

    plan = FFTPlan(make_problem("c2c", (4, 1000)), run, upload)
    x = random_array((4, 1000), np.complex64)
    for _ in range(3):
        assert_close(plan.execute(x), np.fft.fft(x.astype(np.complex128)), np.complex64, 1000)
    assert len(uploads) == 1 and len(runs) == 3
    # every call passes the very objects upload returned (after the data: one complex part read as float32, or
    # re and im), not new copies
    data = 1 if plan._kernel in arguments.INTERLEAVED_INPUT else 2
    assert all(len(r[data:]) == len(uploads[0]) and all(a is b for a, b in zip(r[data:], uploads[0])) for r in runs)


@pytest.mark.parametrize("n,forward,scale", [(1024, True, 1.0), (127, False, 1 / 127)])
def test_dft_matrices_are_accurate(n, forward, scale):
    re, im = dft_pair(n, forward, scale)
    sign = -1 if forward else 1
    exact = scale * np.exp(sign * 2j * np.pi * np.outer(np.arange(n), np.arange(n)) / n)
    err = np.linalg.norm((re + 1j * im) - exact) / np.linalg.norm(exact)
    assert re.dtype == im.dtype == np.float32 and err < 1e-7


def test_modelled_cost_is_reported_per_plan():
    from trnfft.core.problem import make_problem
    from trnfft.core.dispatch import get_plan
    cost = get_plan(make_problem("c2c", (128, 128)), "nki-simulator").modelled_cost()
    assert cost["launches"] == 1 and cost["label"] == "modelled"
    assert 0 < cost["trn2_seconds"] < 1e-3 and 0 < cost["trn1_seconds"] < 1e-3
    for chip in ("trn1", "trn2"):   # no data-movement matmuls in the 128-point DFT: both ratios agree
        assert cost[f"{chip}_over_dft_roofline"] == cost[f"{chip}_over_roofline"] > 0


def test_modelled_cost_reports_the_dft_only_ratio_apart_where_data_moves_by_matmul():
    from trnfft.core.problem import make_problem
    from trnfft.core.dispatch import get_plan
    cost = get_plan(make_problem("c2c", (1, 6915)), "nki-simulator").modelled_cost()   # tall, J exchanges
    assert cost["trn1_over_dft_roofline"] > cost["trn1_over_roofline"] > 0


def test_nki_plans_every_single_precision_row_of_the_check_sweep():
    """`trnfft check`'s default sweep: nki-simulator takes every single-precision row (1-D, 2-D, 3-D;
    c2c, r2c, c2r) and a double-precision row's cell says why it is declined."""
    from trnfft.check.sweep import default_problems
    from trnfft.check.report import declined_reason
    from trnfft.core.dispatch import get_plan
    problems = default_problems(precisions=("single",))
    assert {len(p.axes) for p in problems} == {1, 2, 3} and {p.kind for p in problems} == {"c2c", "r2c", "c2r"}
    for p in problems:
        assert get_plan(p, "nki-simulator").problem == p
    rep = trnfft.crosscheck("c2c", (64,), dtype="complex128", backends=["nki-simulator", "numpy-reference"])
    nki = next(r for r in rep.results if r.backend == "nki-simulator")
    assert declined_reason(nki.declined, "nki-simulator") == "double precision not supported"
