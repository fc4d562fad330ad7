"""trnfft.scipy_backend: scipy.fft's results through trnfft, and NotImplemented hands the rest back."""
from __future__ import annotations

import re

import numpy as np
import pytest

sfft = pytest.importorskip("scipy.fft")

import trnfft  # noqa: E402
from trnfft import scipy_backend  # noqa: E402
from trnfft.core.accuracy import normwise_error  # noqa: E402

ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_D = ["fft2", "ifft2", "fftn", "ifftn", "rfft2", "irfft2", "rfftn", "irfftn",
       "hfft2", "ihfft2", "hfftn", "ihfftn"]
REAL_IN = {"rfft", "ihfft", "rfft2", "ihfft2", "rfftn", "ihfftn"}


def _input(name, dtype, shape=(6, 10, 7), seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, shape)
    if name not in REAL_IN and np.dtype(dtype).kind == "c":
        x = x + 1j * rng.uniform(-1, 1, shape)
    return x.astype(dtype)


def _real(dtype):
    return {np.complex64: np.float32, np.complex128: np.float64}.get(np.dtype(dtype).type, dtype)


def _on_trnfft(name, *args, **kwargs):
    """scipy.fft.<name> with trnfft as the only backend, and proof trnfft planned it."""
    trnfft.plan_cache.clear()
    with sfft.set_backend(scipy_backend, only=True):
        y = getattr(sfft, name)(*args, **kwargs)
    assert trnfft.plan_cache.size > 0, f"{name} did not run through trnfft"
    return y


def _same(y, ref, eps):
    assert y.shape == ref.shape and y.dtype == ref.dtype, (y.shape, y.dtype, ref.shape, ref.dtype)
    assert normwise_error(y, ref) < eps


@pytest.mark.parametrize("name", ONE_D)
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("kwargs", [{}, dict(n=9), dict(n=16, axis=0), dict(axis=1, norm="ortho"),
                                    dict(norm="forward", workers=2), dict(overwrite_x=True),
                                    dict(workers=-1)])
def test_one_axis_functions_give_scipys_results(name, dtype, kwargs):
    x = _input(name, dtype if name not in REAL_IN else _real(dtype))
    eps = 1e-5 if np.dtype(dtype) == np.complex64 else 1e-13
    before = x.copy()
    y = _on_trnfft(name, x, **kwargs)
    assert np.array_equal(x, before)  # trnfft never overwrites, overwrite_x=True included
    _same(y, getattr(sfft, name)(x.copy(), **kwargs), eps)


@pytest.mark.parametrize("name", N_D)
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("kwargs", [{}, dict(s=(5, 8)), dict(axes=(0, 2)), dict(s=(4, 9), axes=(2, 0)),
                                    dict(axes=-1, norm="ortho"), dict(s=(-1, 6)), dict(norm="forward")])
def test_multi_axis_functions_give_scipys_results(name, dtype, kwargs):
    x = _input(name, dtype if name not in REAL_IN else _real(dtype))
    eps = 1e-5 if np.dtype(dtype) == np.complex64 else 1e-13
    _same(_on_trnfft(name, x, **kwargs), getattr(sfft, name)(x, **kwargs), eps)


@pytest.mark.parametrize("x", [np.arange(12, dtype=np.int32), np.arange(12) % 2 == 0,
                               np.linspace(0, 1, 12).astype(np.float16), [1.0, 2.0, 3.0]])
def test_scipys_dtype_rules(x):
    _same(_on_trnfft("fft", x), sfft.fft(x), 1e-6)
    _same(_on_trnfft("rfft", x), sfft.rfft(x), 1e-6)


@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "fftn"])
def test_long_double_is_computed_in_long_double_as_scipy_does(name):
    x = _input(name, np.clongdouble if name not in REAL_IN else np.longdouble)
    y = _on_trnfft(name, x)
    _same(y, getattr(sfft, name)(x), 50 * float(np.finfo(np.longdouble).eps))


def test_positional_arguments_and_plan_are_accepted():
    x = _input("fft", np.complex128)
    _same(_on_trnfft("fft", x, 8, 0, "ortho", False, 1, plan=object()),
          sfft.fft(x, 8, 0, "ortho", False, 1), 1e-13)
    _same(_on_trnfft("fftn", x, (4, 4), (0, 1), None, True, 1), sfft.fftn(x, (4, 4), (0, 1)), 1e-13)


def test_set_workers_is_the_default():
    x = _input("fft", np.complex128)
    with sfft.set_workers(2):
        _same(_on_trnfft("fft", x), sfft.fft(x), 1e-13)
        key = next(iter(trnfft.plan_cache._plans))
    assert key[1][-1] == 2  # the problem's workers


@pytest.mark.parametrize("name, args, kwargs, exc", [
    ("fft", (np.ones(4),), dict(n=0), ValueError),
    ("fft", (np.ones(4),), dict(workers=0), ValueError),
    ("rfft", (np.ones(4, complex),), {}, TypeError),
    ("fftn", (np.ones((4, 4)),), dict(axes=(0, 0)), ValueError),
    ("fftn", (np.ones((4, 4)),), dict(axes=(0, 5)), ValueError),
    ("fftn", (np.ones((4, 4)),), dict(s=(4, 4, 4)), ValueError),
])
def test_errors_have_scipys_builtin_types(name, args, kwargs, exc):
    with pytest.raises(exc):
        getattr(sfft, name)(*args, **kwargs)
    with pytest.raises(exc):
        with sfft.set_backend(scipy_backend, only=True):
            getattr(sfft, name)(*args, **kwargs)


@pytest.mark.parametrize("name", ["dct", "idct", "dst", "idst", "dctn", "idctn", "dstn", "idstn"])
def test_real_to_real_transforms_fall_back_to_scipy(name):
    x = _input("rfft", np.float64)
    with sfft.set_backend(scipy_backend):
        y = getattr(sfft, name)(x)
    _same(y, getattr(sfft, name)(x), 1e-15)
    with sfft.set_backend(scipy_backend, only=True):
        with pytest.raises(Exception, match="No selected backends had an implementation"):
            getattr(sfft, name)(x)


def test_fht_falls_back_to_scipy():
    a = np.exp(-np.linspace(-2, 2, 32) ** 2)
    with sfft.set_backend(scipy_backend):
        y = sfft.fht(a, dln=0.1, mu=0.5)
    # scipy's fht does its own FFTs through scipy.fft.rfft/irfft, which trnfft then runs
    assert normwise_error(y, sfft.fht(a, dln=0.1, mu=0.5)) < 1e-14


def test_unsupported_dtype_falls_back_to_scipy():
    x = np.arange(8).astype(object)  # trnfft takes no object arrays; scipy converts them
    with sfft.set_backend(scipy_backend):
        y = sfft.fft(x)
    _same(y, sfft.fft(x.astype(float)), 1e-15)


def test_global_backend_and_the_selected_trnfft_backend():
    x = _input("fft", np.complex128)
    with trnfft.use_backend("numpy-reference"):
        y = _on_trnfft("fft", x)
        key = next(iter(trnfft.plan_cache._plans))
    assert key[0] == ("numpy-reference",)
    _same(y, sfft.fft(x), 1e-13)


@pytest.mark.parametrize("n", [1, 2, 97, 105, 1024, 65537])
def test_sizes_powers_of_two_odd_composites_primes_and_large(n):
    x = _input("fft", np.complex128, shape=(n,))
    _same(_on_trnfft("fft", x), sfft.fft(x), 1e-13)
    if n > 1:  # irfft of one point has no default output length (both raise ValueError)
        _same(_on_trnfft("irfft", x), sfft.irfft(x), 1e-13)


@pytest.mark.parametrize("name", N_D)
@pytest.mark.parametrize("s, axes", [((3, -1), (0, 2)), ((-1, -1), (2, 1)), ((-1, 4), (0, 1)),
                                     (5, (1,)), (np.array([3, -1]), (0, 2))])
def test_minus_one_in_s_is_the_inputs_length_as_in_scipy(name, s, axes):
    """scipy (as NumPy 2.x) reads -1 in s as the input's length m, on the last axis of
    irfftn/hfftn too, where torch's default would be 2*(m-1)."""
    x = _input(name, np.complex128 if name not in REAL_IN else np.float64)
    _same(_on_trnfft(name, x, s=s, axes=axes), getattr(sfft, name)(x, s=s, axes=axes), 1e-13)


@pytest.mark.parametrize("s", [(3, -2), (-1, 0), (3, None)])
def test_bad_lengths_in_s_are_refused_as_scipy_refuses_them(s):
    x = _input("irfftn", np.complex128)
    with pytest.raises(ValueError):
        sfft.irfftn(x, s=s, axes=(0, 2))
    with sfft.set_backend(scipy_backend, only=True), pytest.raises(trnfft.InvalidArgumentError):
        sfft.irfftn(x, s=s, axes=(0, 2))


@pytest.mark.parametrize("workers", [-1.0, np.float64(-2.0)])
def test_a_negative_float_workers_is_reported_as_given(workers):
    """scipy's negative count (-1 all cores) is not applied to what is no integer: the error names
    the value the caller gave, not the count it would have meant."""
    with sfft.set_backend(scipy_backend, only=True):
        with pytest.raises(trnfft.InvalidArgumentTypeError, match=re.escape(f"got {workers!r}") + "$"):
            sfft.fft(np.arange(8.0), workers=workers)
