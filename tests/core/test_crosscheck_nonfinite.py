"""Cross-checking NaN/Inf inputs: compare non-finite positions and the finite rest, no false alarm."""
from __future__ import annotations

import math

import numpy as np
import pytest

import trnfft
from trnfft import numpy_fft
from trnfft.core.accuracy import comparison
from trnfft.core.errors import CrossCheckError
from conftest import matmul_plugin, random_array


@pytest.mark.filterwarnings("error::RuntimeWarning")  # the reference run adds no warnings
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("fn, dtype", [(numpy_fft.fft, np.complex64), (numpy_fft.rfft, np.float64),
                                       (numpy_fft.irfft, np.complex128)])
def test_non_finite_input_passes_against_a_correct_reference(bad, fn, dtype):
    x = random_array((3, 64), dtype)
    x[1, 5] = bad
    with trnfft.cross_checking("numpy-reference", mode="raise"):
        y = fn(x, backend="fftw-reference")
    assert not np.isfinite(y[1]).any() and np.isfinite(y[[0, 2]]).all()


def test_a_wrong_backend_is_still_caught_with_non_finite_input(install_plugin):
    install_plugin("wrong-dft", matmul_plugin("wrong-dft", wrong=True))
    x = random_array((2, 32), np.complex128)
    x[0, 3] = np.nan
    with trnfft.cross_checking("numpy-reference"):
        with pytest.raises(CrossCheckError, match="the input itself has 1 NaN/Inf") as exc:
            numpy_fft.fft(x, backend="wrong-dft")
    assert "nan" not in str(exc.value).split("tolerance")[0]  # a real error figure, not NaN


def test_non_finite_positions_that_differ_fail_and_say_so():
    x = np.ones(4)
    y_ref = np.array([1.0, 2.0, 3.0, 4.0])
    y = y_ref.copy()
    y[2] = np.inf
    err, note = comparison(y, y_ref, x)
    assert err == math.inf
    assert "different positions" in note and "the input is finite" in note


def test_finite_results_compare_as_before():
    y_ref = np.array([1.0, 2.0])
    err, note = comparison(y_ref * (1 + 1e-9), y_ref, y_ref)
    assert err == pytest.approx(1e-9) and note == ""
