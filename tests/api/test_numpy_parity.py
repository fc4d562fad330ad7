"""trnfft.numpy_fft is numpy.fft for NumPy 2.x users: warnings, errors, out=, repeated axes, long double."""
from __future__ import annotations

import importlib.util
import math
import os
from pathlib import Path

import numpy as np
import pytest

import trnfft
from trnfft import numpy_fft
from trnfft.core.errors import UnsupportedProblemError

pytest_plugins = ["pytester"]

try:  # imported before pytester snapshots sys.modules: pyFFTW's extension loads once per process
    import pyfftw  # noqa: F401
except ImportError:
    pass
LONG = np.finfo(np.longdouble).eps < np.finfo(np.float64).eps  # x86: 80-bit extended
NUMPY2 = int(np.__version__.split(".")[0]) >= 2


def _x(shape, complex_=True, dtype=None, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, shape) + (1j * rng.uniform(-1, 1, shape) if complex_ else 0)
    return x if dtype is None else x.astype(dtype)


@pytest.mark.skipif(not NUMPY2, reason="NumPy 2.x parity")
def test_numpys_own_fft_tests_pass_on_trnfft(pytester, monkeypatch):
    """NumPy's numpy/fft/tests/test_pocketfft.py, run with numpy.fft replaced by trnfft."""
    if importlib.util.find_spec("numpy.fft.tests.test_pocketfft") is None:
        pytest.skip("this NumPy was installed without its tests")
    tests_dir = str(Path(__file__).resolve().parent)
    monkeypatch.setenv("PYTHONPATH", tests_dir + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # numpy-reference computes with numpy.fft, which the plugin makes trnfft's: a backend choice
    # remembered for this machine (auto's planner) must not send the suite's calls back into itself
    monkeypatch.setenv("TRNFFT_BACKEND", "fftw-reference,torch-native")
    result = pytester.runpytest_subprocess("-p", "numpy_suite_plugin", "-q", "-p", "no:cacheprovider",
                                           "--pyargs", "numpy.fft.tests.test_pocketfft")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) > 100 and "failed" not in outcomes and "error" not in outcomes, \
        result.stdout.str()[-3000:]


@pytest.mark.parametrize("fn", [numpy_fft.fftn, numpy_fft.ifftn, numpy_fft.rfftn, numpy_fft.irfftn])
def test_s_without_axes_warns(fn):
    with pytest.warns(DeprecationWarning, match="`axes` should not be `None` if `s`"):
        y = fn(np.arange(100.0).reshape(10, 10), s=(-1, 6))
    with pytest.warns(DeprecationWarning):
        ref = getattr(np.fft, fn.__name__)(np.arange(100.0).reshape(10, 10), s=(-1, 6))
    assert y.shape == ref.shape and np.allclose(y, ref)


def test_fft2_warns_only_when_axes_is_given_as_none():
    x = np.ones((4, 4))
    with pytest.warns(DeprecationWarning, match="`axes` should not be `None`"):
        numpy_fft.fft2(x, s=(4, 2), axes=None)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        numpy_fft.fft2(x, s=(4, 2))


@pytest.mark.parametrize("fn", [numpy_fft.fftn, numpy_fft.rfftn, numpy_fft.irfft2])
def test_none_in_s_warns_and_means_the_default(fn):
    x = _x((6, 5, 4), complex_=fn is not numpy_fft.rfftn)
    with pytest.warns(DeprecationWarning, match="array containing `None` values to `s`"):
        y = fn(x, s=(6, None), axes=(0, 1))
    with pytest.warns(DeprecationWarning):
        ref = getattr(np.fft, fn.__name__)(x, s=(6, None), axes=(0, 1))
    assert y.shape == ref.shape and np.allclose(y, ref)


@pytest.mark.parametrize("call, exc, fragment", [
    (lambda f: f.fft([1, 2, 3], 0), ValueError, "Invalid number of FFT data points"),
    (lambda f: f.ifft([]), ValueError, "Invalid number of FFT data points"),
    (lambda f: f.irfft(np.ones(1)), ValueError, "Invalid number of FFT data points"),
    (lambda f: f.fftn(np.ones((4, 4)), s=(4,), axes=(0, 1)), ValueError, "Shape and axes have different"),
    (lambda f: f.fft(np.ones(4), norm="unitary"), ValueError, "Invalid norm value"),
    (lambda f: f.fft(np.arange(30.0), out=""), TypeError, "must be of ArrayType"),
    (lambda f: f.fft(np.arange(30.0), out=np.zeros(30).reshape(5, -1)), ValueError, "has wrong shape"),
    (lambda f: f.fft(np.arange(30.0), out=np.zeros(30)), TypeError, "Cannot cast"),
    (lambda f: f.fft(np.ones(4), n=2.5), TypeError, None),
    (lambda f: f.fft(np.ones(4), axis=2), IndexError, None),
    (lambda f: f.fft(3.0), IndexError, None),
    (lambda f: f.rfft(np.ones(4, complex)), TypeError, None),
])
def test_error_types_and_message_fragments_match_numpy(call, exc, fragment):
    with pytest.raises(exc, match=fragment):
        call(np.fft)
    with pytest.raises(exc, match=fragment) as info:
        call(numpy_fft)
    assert isinstance(info.value, trnfft.TrnfftError)


def test_out_may_have_a_lower_precision_as_numpy_allows():
    x = _x(16)
    out = np.empty(16, np.complex64)
    assert numpy_fft.fft(x, out=out) is out
    assert np.array_equal(out, np.fft.fft(x).astype(np.complex64))
    real_into_complex = np.empty(14, np.complex128)
    numpy_fft.irfft(x[:8], out=real_into_complex)
    assert np.allclose(real_into_complex, np.fft.irfft(x[:8]))


@pytest.mark.parametrize("fn", [numpy_fft.fftn, numpy_fft.ifftn, numpy_fft.rfftn])
def test_out_with_s_as_numpy_allows(fn):
    x = _x((10, 5, 6), complex_=fn is not numpy_fft.rfftn)
    with pytest.raises(ValueError, match="has wrong shape"):  # s changes more than the first pass
        fn(x, out=np.zeros((3, 3, 3), np.complex128), s=(3, 3, 3), axes=(0, 1, 2))
    s = (10, 5, 5)  # only the first pass (the last axis) changes length: every pass fits out=
    expected = getattr(np.fft, fn.__name__)(x, s=s, axes=(0, 1, 2))
    out = np.zeros_like(expected)
    assert fn(x, s=s, axes=(0, 1, 2), out=out) is out
    assert np.allclose(out, expected, atol=1e-12)


@pytest.mark.parametrize("s", [(9, 5, 5), (3, 3, 3)])
def test_irfftn_out_with_any_s(s):
    x = _x((9, 5, 6, 2))
    expected = np.fft.irfftn(x, s=s, axes=(0, 1, 2))
    out = np.zeros_like(expected)
    assert numpy_fft.irfftn(x, s=s, axes=(0, 1, 2), out=out) is out
    assert np.allclose(out, expected, atol=1e-12)


@pytest.mark.parametrize("fn, axes, s", [
    ("rfftn", (0, 0, 1), (10, 20, 40)), ("fftn", (1, 0, 1), (3, 7, 5)),
    ("irfftn", (0, 0, 1), (4, 6, 8)), ("ifftn", (0, 0), (5, 3)),
])
def test_repeated_axes_with_s(fn, axes, s):
    """NumPy's gh-27159: each listed axis is its own 1-D pass, in numpy's order."""
    x = _x((2, 3), complex_=fn != "rfftn")
    y, ref = getattr(numpy_fft, fn)(x, s=s, axes=axes), getattr(np.fft, fn)(x, s=s, axes=axes)
    assert y.shape == ref.shape
    assert np.allclose(y, ref, atol=1e-12)


# --- long double: computed in extended precision, checked against mpmath ------------------------

def _mp(values):
    """Exact mpmath values of a longdouble/clongdouble array (split into two doubles each)."""
    import mpmath

    def exact(v):
        hi = np.float64(v)
        return mpmath.mpf(float(hi)) + mpmath.mpf(float(np.float64(v - np.longdouble(hi))))
    return [mpmath.mpc(exact(np.real(v)), exact(np.imag(v))) for v in np.ravel(values)]


def _mp_dft(x, forward, n_out=None):
    import mpmath
    n = len(x)
    sign = -1 if forward else 1
    return [mpmath.fsum(x[j] * mpmath.expjpi(sign * 2 * mpmath.mpf(j * k % n) / n) for j in range(n))
            for k in range(n_out or n)]


def _mp_error(y, ref):
    import mpmath
    diff = mpmath.sqrt(mpmath.fsum(abs(a - b) ** 2 for a, b in zip(_mp(y), ref)))
    return float(diff / mpmath.sqrt(mpmath.fsum(abs(b) ** 2 for b in ref)))


LONG_BACKENDS = ["fftw-reference", "numpy-reference"]


@pytest.mark.parametrize("backend", LONG_BACKENDS)
@pytest.mark.parametrize("n", [2, 7, 12, 16, 31, 64, 97])
def test_long_double_c2c_and_r2c_in_extended_precision(backend, n):
    mpmath = pytest.importorskip("mpmath")
    if not trnfft.which("fft", (n,), np.clongdouble, backend=backend).backend == backend:
        pytest.skip(f"{backend} has no long double here")
    mpmath.mp.dps = 40
    x = _x(n, dtype=np.clongdouble, seed=n)
    eps = np.finfo(np.longdouble).eps
    tol = 5 * float(eps) * math.log2(max(n, 2))
    y = numpy_fft.fft(x, backend=backend)
    assert y.dtype == np.clongdouble
    err = _mp_error(y, _mp_dft(_mp(x), True))
    assert err <= tol
    xr = np.real(x).copy()
    yr = numpy_fft.rfft(xr, backend=backend)
    assert yr.dtype == np.clongdouble
    assert _mp_error(yr, _mp_dft(_mp(xr), True, n // 2 + 1)) <= tol
    back = numpy_fft.irfft(yr, n, backend=backend)
    assert back.dtype == np.longdouble
    assert _mp_error(back, _mp(xr)) <= tol
    if LONG:  # really extended: far below what double precision could reach
        assert err < float(np.finfo(np.float64).eps) / 4


@pytest.mark.parametrize("backend", LONG_BACKENDS)
def test_long_double_norms_keep_extended_precision(backend):
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    x = _x(12, dtype=np.clongdouble, seed=3)
    ref = _mp_dft(_mp(x), False)
    y = numpy_fft.ifft(x, backend=backend, norm="ortho")  # 1/sqrt(12): not exact in double
    scaled = [v / mpmath.sqrt(12) for v in ref]
    assert _mp_error(y, scaled) <= 5 * float(np.finfo(np.longdouble).eps) * math.log2(12)


def test_long_double_nd_matches_numpy():
    x = _x((6, 10), dtype=np.clongdouble)
    for fn in ("fft2", "ifftn", "rfft2"):
        arg = np.real(x).copy() if fn == "rfft2" else x
        y, ref = getattr(numpy_fft, fn)(arg), getattr(np.fft, fn)(arg)
        assert y.dtype == ref.dtype
        assert float(np.max(np.abs(y - ref))) < 50 * float(np.finfo(np.longdouble).eps)


def test_backends_without_long_double_decline_and_lists_fall_back():
    if "nki-simulator" not in {r["name"] for r in trnfft.backends_info() if r["available"]}:
        pytest.skip("nki-simulator is not available")
    x = _x(16, dtype=np.clongdouble)
    with pytest.raises(UnsupportedProblemError, match="long precision not supported"):
        numpy_fft.fft(x, backend="nki-simulator")
    assert numpy_fft.fft(x, backend="nki-simulator,numpy-reference").dtype == np.clongdouble


_S_AXES_2D = [((3, -1), (0, 1)), ((-1, -1), (1, 0)), ((-1, 4), (0, 1)), ((5, -1), (1, 1)),
              (np.array([3, -1]), (0, 1))]


@pytest.mark.parametrize("name, s, axes", [(name, s, axes) for s, axes in _S_AXES_2D + [((-1,), (1,))]
                                           for name in ("fftn", "ifftn", "rfftn", "irfftn")]
                         + [(name, s, axes) for s, axes in _S_AXES_2D
                            for name in ("fft2", "ifft2", "rfft2", "irfft2")])
def test_minus_one_in_s_is_the_inputs_length_as_in_numpy(name, s, axes):
    """NumPy 2.x reads -1 in s as the input's length m along that axis, on the last axis of
    irfftn too (torch's -1 is the default 2*(m-1) there); repeated axes take m from the input."""
    x = _x((4, 10), complex_=not name.startswith("rfft"))
    y, ref = getattr(numpy_fft, name)(x, s=s, axes=axes), getattr(np.fft, name)(x, s=s, axes=axes)
    assert y.shape == ref.shape and y.dtype == ref.dtype
    assert np.linalg.norm(y - ref) <= 1e-13 * np.linalg.norm(ref)


@pytest.mark.parametrize("s", [(3, -2), (-1, 0)])
def test_other_non_positive_lengths_in_s_are_refused_as_numpy_refuses_them(s):
    x = _x((4, 10))
    with pytest.raises(ValueError, match="Invalid number of FFT data points"):
        np.fft.irfftn(x, s=s, axes=(0, 1))
    with pytest.raises(trnfft.InvalidArgumentError, match="Invalid number of FFT data points"):
        numpy_fft.irfftn(x, s=s, axes=(0, 1))


@pytest.mark.parametrize("name", ["fftn", "rfftn", "irfftn", "fft2"])
def test_an_integer_s_is_a_type_error_as_in_numpy(name):
    x = _x((4, 10), complex_=name != "rfftn")
    with pytest.raises(TypeError):
        getattr(np.fft, name)(x, s=5, axes=(0,))
    with pytest.raises(trnfft.InvalidArgumentTypeError, match="sequence"):
        getattr(numpy_fft, name)(x, s=5, axes=(0,))


_ALL = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
        "fftn", "ifftn", "rfftn", "irfftn"]
_DTYPE_EPS = {np.float16: 2e-3, np.float32: 1e-5, np.float64: 1e-13, np.longdouble: 1e-13,
              np.int16: 1e-13, np.int64: 1e-13, np.uint8: 1e-13, np.bool_: 1e-13}


@pytest.mark.parametrize("name", _ALL)
@pytest.mark.parametrize("dtype", list(_DTYPE_EPS))
@pytest.mark.parametrize("kwargs", [{}, dict(axes=(0,)), dict(axes=(1, 1))])
def test_output_dtypes_are_numpys(name, dtype, kwargs):
    """NumPy 2.x's result dtypes, float16 included: a 1-D irfft/hfft (or an n-D one over one
    axis) of float16 gives float16, every other float16 transform complex64/float32."""
    if name in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft"):
        kwargs = {"axis": 0} if kwargs else {}
    x = (np.arange(4 * 8).reshape(4, 8) % 5).astype(dtype)
    y, ref = getattr(numpy_fft, name)(x, **kwargs), getattr(np.fft, name)(x, **kwargs)
    assert y.dtype == ref.dtype and y.shape == ref.shape
    assert getattr(numpy_fft, name)(x, **kwargs).dtype == ref.dtype  # a repeated call too
    ref64 = ref.astype(np.complex128)
    assert np.linalg.norm(y.astype(np.complex128) - ref64) <= _DTYPE_EPS[dtype] * np.linalg.norm(ref64)


def test_a_float16_irfft_into_out_is_not_rounded_to_float16():
    x = np.linspace(-1, 1, 9).astype(np.float16)
    out = np.empty(16)
    numpy_fft.irfft(x, out=out)
    ref = np.fft.irfft(x.astype(np.float64))
    assert np.linalg.norm(out - ref) <= 1e-6 * np.linalg.norm(ref)  # float16 would be ~1e-3


@pytest.mark.parametrize("name, kwargs", [
    ("fftn", dict(axes=range(2))), ("fft2", dict(axes=range(1, 3))), ("rfftn", dict(axes=range(3))),
    ("fftn", dict(s=range(2, 4), axes=(0, 1))), ("irfftn", dict(s=range(3, 5), axes=range(1, 3)))])
def test_a_range_for_axes_or_s_is_taken_as_numpy_takes_it(name, kwargs):
    x = _x((3, 4, 5), complex_=name != "rfftn")
    want = getattr(np.fft, name)(x, **kwargs)
    got = getattr(numpy_fft, name)(x, **kwargs)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert np.linalg.norm(got - want) <= 1e-14 * np.linalg.norm(want)
