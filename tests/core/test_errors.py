"""Bad input gets a clear trnfft error that says what was wrong."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import trnfft
from trnfft import numpy_fft
from trnfft.core.errors import InvalidArgumentError, InvalidDtypeError, TrnfftError


@pytest.mark.parametrize("call,match", [
    (lambda: numpy_fft.fft(np.ones(4), axis=1), "axis=1 is out of range"),
    (lambda: numpy_fft.fft(np.ones(4), axis=-2), "out of range"),
    (lambda: numpy_fft.fft(np.ones(4), axis=0.5), "axis must be an integer"),
    (lambda: trnfft.fft(torch.ones(4), dim=3), "dim=3 is out of range"),
    (lambda: trnfft.fftn(torch.ones(4, 4), dim=(0, 0)), "must be unique"),
    (lambda: numpy_fft.fft(np.ones(4), n=0), "n=0"),
    (lambda: numpy_fft.fft(np.ones(4), n=-3), "n=-3"),
    (lambda: numpy_fft.fft(np.ones(4), n=2.5), "n must be an integer"),
    (lambda: trnfft.fft(torch.ones(4), n=True), "n must be an integer, got True"),  # torch refuses bools
    (lambda: trnfft.fft(torch.ones(4), dim=False), "dim must be an integer, got False"),
    (lambda: numpy_fft.fftn(np.ones((4, 4)), s=(np.True_, 4), axes=(0, 1)), "s must be an integer"),
    (lambda: numpy_fft.fftn(np.ones((4, 4)), s=(0, 4), axes=(0, 1)), "s=0"),
    (lambda: numpy_fft.fftn(np.ones((4, 4)), s=(4,), axes=(0, 1)), "same length"),
    (lambda: numpy_fft.fft(np.ones(4), norm="unitary"), "Invalid norm value 'unitary'"),
    (lambda: trnfft.fft(torch.ones(4), norm=3), "Invalid norm value"),
    (lambda: numpy_fft.fft(np.ones(0)), "Invalid number of FFT data points"),
    (lambda: numpy_fft.irfft(np.ones(1)), "needs n given"),
    (lambda: numpy_fft.fft(np.float64(3.0)), "at least one dimension"),
    (lambda: numpy_fft.fft(np.ones(4), out=np.empty(5, np.complex128)), "out= has shape"),
    (lambda: numpy_fft.fft(np.ones(4), out=np.empty(4, np.float64)), "Cannot cast"),
    (lambda: numpy_fft.fft(np.ones(4), out=[0] * 4), "out= must be a numpy.ndarray"),
    (lambda: trnfft.fft(torch.ones(4), out=torch.empty(4)), "out= must be a complex tensor"),
    (lambda: numpy_fft.fft(np.ones(4), workers=0), "workers must be"),
    (lambda: numpy_fft.fftfreq(0), "n must be >= 1"),
    (lambda: numpy_fft.fftfreq(4, d=0), "spacing"),
    (lambda: numpy_fft.fftshift(np.ones(3), axes=2), "out of range"),
])
def test_invalid_arguments(call, match):
    with pytest.raises(InvalidArgumentError, match=match):
        call()


@pytest.mark.parametrize("call,match", [
    (lambda: numpy_fft.rfft(np.ones(4, np.complex64)), "expects a real input"),
    (lambda: trnfft.rfft(torch.ones(4, dtype=torch.complex64)), "expects a real input"),
    (lambda: numpy_fft.fft(np.array(["a", "b"])), "must be numeric"),
    (lambda: trnfft.fft(torch.ones(4, dtype=torch.float16)), "unsupported dtype"),
    (lambda: trnfft.fft(torch.ones(4, dtype=torch.bfloat16)), "unsupported dtype"),
    (lambda: numpy_fft.fft(np.array([object(), object()])), "must be numeric"),
])
def test_invalid_dtypes(call, match):
    with pytest.raises(InvalidDtypeError, match=match):
        call()


def test_errors_are_the_builtin_types_users_catch():
    with pytest.raises(ValueError):
        numpy_fft.fft(np.ones(4), norm="bad")
    with pytest.raises(TypeError):
        numpy_fft.rfft(np.ones(4, np.complex128))
    assert issubclass(InvalidArgumentError, TrnfftError)


def test_numpy_namespace_refuses_tensors_that_need_grad():
    t = torch.ones(4, requires_grad=True)
    with pytest.raises(InvalidArgumentError, match="cannot carry gradients"):
        numpy_fft.fft(t)


def test_nan_and_inf_propagate_like_numpy():
    x = np.array([1.0, np.nan, 2.0, 3.0])
    assert np.isnan(numpy_fft.fft(x)).all()
    y = numpy_fft.fft(np.array([np.inf, 0, 0, 0]))
    assert np.isinf(y.real).all()


@pytest.mark.parametrize("call,match", [
    (lambda: numpy_fft.fft(np.ones(4), backend=123), "backend must be .* got 123"),
    (lambda: numpy_fft.fft(np.ones(4), backend=b"fftw"), "got b'fftw'"),
    (lambda: numpy_fft.fft(np.ones(4), backend=["fftw", 3]), "got \\('fftw', 3\\)"),
    (lambda: numpy_fft.fft(np.ones(4), backend=[[1]]), "backend must be"),
    (lambda: trnfft.use_backend(123).__enter__(), "got 123"),
    (lambda: trnfft.set_backend(1.5), "got 1.5"),
    (lambda: numpy_fft.fft(np.ones(4), workers=2**31), "workers must be between 1 and"),
    (lambda: trnfft.fft(torch.ones(4), workers=10**20), "got 100000000000000000000"),
])
def test_bad_backend_and_workers_values_get_trnfft_errors(call, match):
    with pytest.raises(TrnfftError, match=match):
        call()


@pytest.mark.parametrize("dtype", [">f8", ">c8", ">f4", ">c16", ">i4"])
def test_big_endian_inputs_are_computed_as_numpy_does(dtype):
    x = (np.arange(12) % 5 - 2).astype(dtype)
    before = x.copy()
    y = numpy_fft.fft(x)
    ref = np.fft.fft(x)
    assert y.dtype == ref.dtype and np.allclose(y, ref, rtol=1e-5, atol=1e-5)
    if x.dtype.kind != "c":
        assert numpy_fft.rfft(x).dtype == np.fft.rfft(x).dtype
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("value,match", [
    ("0", "TRNFFT_WORKERS='0': workers must be between 1 and"),
    ("-5", "TRNFFT_WORKERS='-5': workers must be between 1 and"),
    ("two", "TRNFFT_WORKERS='two' is not an integer"),
])
def test_bad_workers_variable_says_what_is_wrong(monkeypatch, value, match):
    monkeypatch.setenv("TRNFFT_WORKERS", value)
    with pytest.raises(InvalidArgumentError, match=match):
        numpy_fft.fft(np.ones(4))


@pytest.mark.parametrize("call,error,match", [
    (lambda: numpy_fft.fftshift(np.ones(3), axes=1), trnfft.InvalidAxisError, "axes=1 is out of range"),
    (lambda: numpy_fft.ifftshift(np.ones((2, 3)), axes=(0, -3)), trnfft.InvalidAxisError, "axes=-3"),
    (lambda: trnfft.fftshift(torch.ones(3), dim=2), IndexError, "dim=2 is out of range"),
    (lambda: trnfft.ifftshift(torch.ones(3), dim=1.5), trnfft.InvalidArgumentTypeError,
     "dim must be an integer, got 1.5"),
    (lambda: numpy_fft.fftshift("abc"), trnfft.InvalidAxisError, "at least one dimension"),
])
def test_shift_arguments_get_the_transforms_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("variable,value,match", [
    ("TRNFFT_CROSSCHECK_C", "abc", "TRNFFT_CROSSCHECK_C='abc' is not a number"),
    ("TRNFFT_CROSSCHECK_C", "-1", "TRNFFT_CROSSCHECK_C='-1'.*must be > 0"),
    ("TRNFFT_CROSSCHECK_MODE", "loud", "TRNFFT_CROSSCHECK_MODE='loud'.*mode must be one of"),
])
def test_bad_crosscheck_variables_name_the_variable(monkeypatch, variable, value, match):
    monkeypatch.setenv("TRNFFT_CROSSCHECK", "numpy-reference")
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidArgumentError, match=match):
        numpy_fft.fft(np.ones(4), backend="fftw-reference")


@pytest.mark.parametrize("options,match", [
    ({"planner": "quick"}, "planner effort must be one of"),
    ({"foo": 1}, "has no setting 'foo'; its settings: planner, timelimit, wisdom"),
    ({"timelimit": 0}, "seconds > 0"),
    ({"timelimit": "3"}, "seconds > 0"),
])
def test_bad_backend_settings_get_trnfft_errors(options, match):
    before = trnfft.backends_info()
    with pytest.raises(InvalidArgumentError, match=match):
        trnfft.configure_backend("fftw-reference", **options)
    assert trnfft.backends_info() == before  # nothing changed


def test_fftw_time_limit_can_be_removed_and_restored():
    details = lambda: {r["name"]: r for r in trnfft.backends_info()}["fftw-reference"]["details"]
    limit, planner = details()["timelimit"], details()["planner"]
    try:
        trnfft.configure_backend("fftw-reference", timelimit=None)
        assert details()["timelimit"] is None
        trnfft.configure_backend("fftw-reference", planner="estimate")  # timelimit not given: kept
        assert details()["timelimit"] is None
    finally:
        trnfft.configure_backend("fftw-reference", timelimit=limit, planner=planner)
    assert details()["timelimit"] == limit


@pytest.mark.parametrize("value,expected", [("none", None), ("2.5", 2.5), ("", 3.0)])
def test_fftw_time_limit_variable(monkeypatch, value, expected):
    from trnfft_backends.fftw.settings import FFTWSettings
    monkeypatch.setenv("TRNFFT_FFTW_TIMELIMIT", value)
    assert FFTWSettings().timelimit == expected


@pytest.mark.parametrize("value,expected", [(None, True), ("1", True), (" On ", True), ("0", False),
                                            ("off", False), ("", False)])
def test_fftw_wisdom_variable(monkeypatch, value, expected):
    from trnfft_backends.fftw.settings import FFTWSettings
    if value is None:
        monkeypatch.delenv("TRNFFT_FFTW_WISDOM", raising=False)
    else:
        monkeypatch.setenv("TRNFFT_FFTW_WISDOM", value)
    assert FFTWSettings().wisdom is expected


@pytest.mark.parametrize("variable,value", [
    ("TRNFFT_FFTW_TIMELIMIT", "0"), ("TRNFFT_FFTW_TIMELIMIT", "-1"), ("TRNFFT_FFTW_TIMELIMIT", "soon"),
    ("TRNFFT_FFTW_PLANNER", "quick"), ("TRNFFT_FFTW_WISDOM", "of"), ("TRNFFT_FFTW_WISDOM", "2"),
])
def test_bad_fftw_variables_name_the_variable(monkeypatch, variable, value):
    from trnfft_backends.fftw.settings import FFTWSettings
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidArgumentError, match=f"{variable}='{value}'"):
        FFTWSettings()


@pytest.fixture
def fftw_variable(monkeypatch):
    """Set one of fftw-reference's variables and load the backends as a new process would."""
    def set_variable(variable: str, value: str) -> None:
        monkeypatch.setenv(variable, value)
        trnfft.reload_backends()
    yield set_variable
    monkeypatch.undo()
    trnfft.reload_backends()
    trnfft.plan_cache.clear()


@pytest.mark.parametrize("variable,value", [("TRNFFT_FFTW_TIMELIMIT", "0"), ("TRNFFT_FFTW_PLANNER", "pateint")])
def test_a_bad_fftw_variable_is_an_error_under_auto_not_a_silent_move_to_another_backend(
        fftw_variable, variable, value, capsys):
    from trnfft.cli import main
    fftw_variable(variable, value)
    x = np.ones(4096, np.complex64)
    expected = f"{variable}='{value}'.*Fix: correct or unset {variable}"
    for backend in (None, "fftw", "numpy-reference,fftw-reference"):  # auto, named, listed
        with pytest.raises(trnfft.BackendSettingError, match=expected) as err:
            trnfft.fft(x, backend=backend)
        assert isinstance(err.value, InvalidArgumentError)  # as a bad TRNFFT_WORKERS is
    info = {r["name"]: r for r in trnfft.backends_info()}["fftw-reference"]
    assert not info["available"] and variable in info["reason"]
    assert main(["which", "fft", "--shape", "64"]) == 2 and variable in capsys.readouterr().out
    assert np.allclose(trnfft.fft(x, backend="numpy-reference"), np.fft.fft(x))  # others still run
    setting = {"TRNFFT_FFTW_TIMELIMIT": dict(timelimit=None), "TRNFFT_FFTW_PLANNER": dict(planner="estimate")}
    trnfft.configure_backend("fftw-reference", **setting[variable])  # set in Python instead: usable
    assert np.allclose(trnfft.fft(x, backend="fftw"), np.fft.fft(x), atol=1e-3)
    assert trnfft.which("fft", (4096,)).backend in {r["name"] for r in trnfft.backends_info() if r["available"]}
