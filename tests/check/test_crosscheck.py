"""Cross-checking: per call, as a function, and as the `trnfft check` sweep."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

import trnfft
from trnfft import numpy_fft
from trnfft.core.accuracy import tolerance
from trnfft.core.problem import make_problem
from trnfft.cli import main
from trnfft.core.call_check import CrossCheckWarning
from trnfft.core.errors import BackendError, CrossCheckError
from conftest import matmul_plugin, random_array


@pytest.fixture
def wrong_backend(install_plugin):
    """A plugin whose DFT has the wrong sign: plausible output, wrong answer."""
    install_plugin("wrong-dft", matmul_plugin("wrong-dft", wrong=True))
    return "wrong-dft"


def test_per_call_crosscheck_catches_a_wrong_backend(wrong_backend):
    x = random_array(64, np.complex64)
    with trnfft.cross_checking("numpy-reference"):
        with pytest.raises(CrossCheckError) as exc:
            numpy_fft.fft(x, backend=wrong_backend)
    msg = str(exc.value)
    for part in ("'wrong-dft'", "'numpy-reference'", "c2c forward", "shape=(64,)",
                 "dtype=complex64", "norm=backward", "tolerance"):
        assert part in msg, part


def test_correct_backends_pass_and_result_is_the_checked_backends(install_plugin):
    install_plugin("matmul-dft", matmul_plugin())
    x = random_array((3, 100), np.complex128)
    with trnfft.cross_checking("fftw-reference"):
        y = numpy_fft.fft(x, backend="matmul-dft")
        plain = numpy_fft.fft(x, backend="numpy-reference")
    with trnfft.use_backend("matmul-dft"):
        assert np.array_equal(y, numpy_fft.fft(x))  # unchanged by the check
    assert plain.shape == (3, 100)


def test_env_var_and_warn_mode(wrong_backend, monkeypatch):
    monkeypatch.setenv("TRNFFT_CROSSCHECK", "numpy-reference")
    with pytest.raises(CrossCheckError):
        numpy_fft.ifft(np.ones(16, complex) * np.arange(16), backend=wrong_backend)
    monkeypatch.setenv("TRNFFT_CROSSCHECK_MODE", "warn")
    with pytest.warns(CrossCheckWarning, match="wrong-dft"):
        y = numpy_fft.fft(np.arange(16.0), backend=wrong_backend)
    assert y.shape == (16,)


def test_reference_is_never_the_checked_backend():
    with trnfft.cross_checking("fftw-reference"):
        with pytest.raises(BackendError, match="is the backend being checked"):
            numpy_fft.fft(np.ones(8), backend="fftw")


def test_auto_choosing_the_reference_is_checked_against_the_next_backend():
    """Auto's planner may find the reference fastest (tiny sizes): that is no error, and the
    result is compared with the next available backend instead of with itself."""
    from trnfft.core import call_check, dispatch

    problem = make_problem("c2c", (16,), precision="double")
    plan = dispatch.get_plan(problem, "numpy-reference")
    x = np.arange(16.0).astype(complex)
    cfg = call_check.CrossCheckConfig("numpy-reference", 5.0, "raise")
    y = plan.execute(x)
    assert call_check.checked(plan, x, y, cfg, dispatch.get_plan, auto=True) is y
    with pytest.raises(CrossCheckError, match="vs reference 'fftw-reference'"):
        call_check.checked(plan, x, y + 1, cfg, dispatch.get_plan, auto=True)
    with pytest.raises(BackendError, match="is the backend being checked"):
        call_check.checked(plan, x, y, cfg, dispatch.get_plan, auto=False)


def test_set_crosscheck_global_and_off():
    trnfft.set_crosscheck("numpy-reference", c=3)
    numpy_fft.fft(np.ones(32))  # fftw vs numpy: passes
    trnfft.set_crosscheck(None)
    with pytest.raises(ValueError):
        trnfft.set_crosscheck("numpy-reference", mode="loud")


def test_tolerance_scales_with_eps_and_log2n():
    p1 = make_problem("c2c", (1024,), precision="single")
    p2 = make_problem("c2c", (2**20,), precision="single")
    p3 = make_problem("c2c", (1024,), precision="double")
    assert tolerance(p2) / tolerance(p1) == pytest.approx(2.0)
    assert tolerance(p1) == pytest.approx(5 * np.finfo(np.float32).eps * 10)
    assert tolerance(p1, c=10) == pytest.approx(2 * tolerance(p1))
    assert tolerance(p3) / tolerance(p1) == pytest.approx(np.finfo(np.float64).eps / np.finfo(np.float32).eps)
    assert tolerance(make_problem("c2c", (1,))) > 0


def test_crosscheck_function_reports_every_backend():
    from trnfft.check.sweep import available_backends
    rep = trnfft.crosscheck("r2c", (2**20 + 2,), dtype="float32")
    assert rep.passed
    by = {r.backend: r for r in rep.results}
    assert set(by) == set(available_backends()) >= {"fftw-reference", "numpy-reference"}
    for r in by.values():
        if r.backend in ("fftw-reference", "numpy-reference", "torch-native"):
            assert 0 < r.error < rep.tolerance and r.seconds > 0
        else:  # a backend that does not take the problem is reported as declined, not silently dropped
            assert r.declined and r.error is None
    assert "fftw-reference vs numpy-reference" in rep.agreement  # every pair of backends that computed it
    d = rep.to_dict()
    assert d["kind"] == "r2c" and d["dtype"] == "float32" and d["n"] == [2**20 + 2]


def test_crosscheck_function_flags_the_wrong_backend(wrong_backend):
    rep = trnfft.crosscheck("c2c", (60,), dtype="complex128", backends=["numpy", wrong_backend])
    assert not rep.passed
    by = {r.backend: r for r in rep.results}
    assert by["numpy-reference"].passed and not by[wrong_backend].passed
    assert by[wrong_backend].error > 0.1


def test_check_command_fails_on_a_wrong_backend(wrong_backend, tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(["check", "--backends", f"numpy-reference,{wrong_backend}", "--sizes", "16,97",
                 "--kinds", "c2c", "--dtypes", "complex64", "--json", str(out), "--no-progress"])
    assert code == 1
    text = capsys.readouterr().out
    assert "FAIL" in text
    data = json.loads(out.read_text())
    assert not data["passed"] and len(data["problems"]) == 2
    rows = data["problems"][0]["results"]
    assert {r["backend"]: r["passed"] for r in rows} == {"numpy-reference": True, wrong_backend: False}


def test_check_command_passes_on_the_default_backends(tmp_path, capsys):
    png = tmp_path / "e.png"
    code = main(["check", "--sizes", "8,15,97,1024", "--json", "-", "--plot", str(png), "--no-progress"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    from trnfft.check.sweep import available_backends
    assert data["passed"] and data["backends"] == available_backends()
    assert len(data["problems"]) == 4 * 3 * 2  # sizes x kinds x precisions
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_check_command_rejects_bad_options(capsys):
    assert main(["check", "--backends", "nope", "--no-progress"]) == 2
    assert "unknown trnfft backend 'nope'" in capsys.readouterr().out
    assert main(["check", "--sizes", "0", "--no-progress"]) == 2
    assert main(["check", "--kinds", "c2q", "--no-progress"]) == 2


def test_check_command_includes_large_sizes_by_default():
    from trnfft.check.sweep import DEFAULT_SIZES, default_problems
    assert max(DEFAULT_SIZES) == 2**20
    assert any(math.prod(p.lengths) == 2**20 and len(p.axes) == 2 for p in default_problems())


def test_check_command_is_not_a_pass_when_a_named_backend_ran_nothing(install_plugin, capsys):
    """Every problem declined by the one backend asked for: NOT RUN, exit 1, not a green PASS."""
    install_plugin("trnfft_c2c_only_check", matmul_plugin("c2c-only"))
    code = main(["check", "--backends", "c2c-only", "--sizes", "100", "--kinds", "r2c", "--dtypes", "complex64",
                 "--no-progress", "--json", "-"])
    captured = capsys.readouterr()   # the table and verdict on stderr, the JSON report on stdout
    assert code == 1
    assert "NOT RUN: no problem ran on c2c-only" in captured.err and "PASS" not in captured.err
    report = json.loads(captured.out)
    assert report["passed"] is False and report["not_run"] == ["c2c-only"]


def test_check_command_passes_when_a_listed_backend_declines_some_problems(install_plugin, capsys):
    install_plugin("trnfft_c2c_only_check", matmul_plugin("c2c-only"))
    code = main(["check", "--backends", "c2c-only", "--sizes", "16", "--kinds", "c2c,r2c", "--dtypes", "complex64",
                 "--no-progress"])
    assert code == 0 and "PASS" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(shape=(0,)), trnfft.InvalidArgumentError, "must be >= 1"),
    (dict(shape=(8, -1)), trnfft.InvalidArgumentError, "must be >= 1"),
    (dict(shape=8), trnfft.InvalidArgumentTypeError, "sequence of sizes"),  # as plan(shape=8)
    (dict(shape=()), trnfft.InvalidArgumentError, "non-empty"),
    (dict(shape=(8.5,)), trnfft.InvalidArgumentTypeError, "integers"),
    (dict(dtype="bogus"), trnfft.InvalidDtypeError, "not a NumPy dtype"),
    (dict(dtype="U3"), trnfft.InvalidDtypeError, "numeric"),
    (dict(axes=(3,)), trnfft.InvalidAxisError, "out of range"),
    (dict(norm="x"), trnfft.InvalidArgumentError, "Invalid norm"),
    (dict(repeat=0), trnfft.InvalidArgumentError, "repeat"),
    (dict(c="x"), trnfft.InvalidArgumentError, "c must be"),
])
def test_crosscheck_refuses_bad_arguments_with_trnfft_errors(kwargs, error, match):
    kwargs = {"shape": (8,), **kwargs}
    with pytest.raises(error, match=match):
        trnfft.crosscheck("c2c", **kwargs)
    if kwargs["shape"] == 8:  # plan() refuses a bare int shape too
        with pytest.raises(trnfft.InvalidArgumentError, match="sequence of sizes"):
            trnfft.plan("fft", shape=8)


def test_crosscheck_takes_backends_as_one_comma_separated_string():
    rep = trnfft.crosscheck("c2c", (8,), backends="numpy")
    assert [r.backend for r in rep.results] == ["numpy-reference"] and rep.passed
