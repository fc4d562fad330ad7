"""The pytest plugin: declined problems skip with the reason; unavailable backends skip, not abort."""
from __future__ import annotations

import pytest

import trnfft

pytest_plugins = ["pytester"]

try:  # imported before pytester snapshots sys.modules: pyFFTW's extension loads once per process
    import pyfftw  # noqa: F401
except ImportError:
    pass

DECLINED_TEST = """
import numpy as np
import pytest
from trnfft import numpy_fft

@pytest.mark.trnfft_backends("nki-simulator", "numpy-reference")
def test_big(trnfft_backend):
    assert numpy_fft.rfft(np.ones(2**20 + 2, np.float32)).shape == (2**19 + 2,)

@pytest.mark.trnfft_strict
@pytest.mark.trnfft_backends("nki-simulator")
def test_big_strict(trnfft_backend):
    numpy_fft.rfft(np.ones(2**20 + 2, np.float32))

@pytest.mark.trnfft_backends("numpy-reference")
def test_real_failure_still_fails(trnfft_backend):
    assert numpy_fft.fft(np.ones(4))[0] == 5
"""


def _available(name):
    return name in {r["name"] for r in trnfft.backends_info() if r["available"]}


def test_declined_problem_is_skipped_with_the_reason(pytester):
    if not _available("nki-simulator"):
        pytest.skip("needs nki-simulator, which declines transforms of n > 2^20")
    pytester.makepyfile(DECLINED_TEST)
    result = pytester.runpytest_inprocess("-rsf")
    result.assert_outcomes(passed=1, skipped=1, failed=2)
    # reported at the test, not at the plugin's hook
    result.stdout.fnmatch_lines(["*SKIPPED*test_declined_problem_is_skipped_with_the_reason.py:*"
                                 "'nki-simulator' declined the problem*1048576*"])
    result.stdout.fnmatch_lines(["FAILED*test_big_strict*", "FAILED*test_real_failure_still_fails*"])


def test_strict_option_fails_declined_problems(pytester):
    if not _available("nki-simulator"):
        pytest.skip("needs nki-simulator, which declines transforms of n > 2^20")
    path = pytester.makepyfile(DECLINED_TEST)
    result = pytester.runpytest_inprocess("--trnfft-strict", f"{path}::test_big")
    result.assert_outcomes(passed=1, failed=1)


def _unavailable_backend(pytester) -> str:
    """A backend that cannot run here (or a skip), and a test file taking the fixture."""
    unavailable = [r for r in trnfft.backends_info() if not r["available"]]
    if not unavailable:
        pytest.skip("every registered backend is available here")
    pytester.makepyfile("def test_a(trnfft_backend):\n    assert trnfft_backend\n")
    return unavailable[0]["name"]


def test_unavailable_backend_on_the_command_line_is_skipped(pytester):
    name = _unavailable_backend(pytester)
    result = pytester.runpytest_inprocess(f"--trnfft-backends={name},numpy", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines([f"*SKIPPED*'{name}' is not available here:*"])


def test_unavailable_backend_on_the_command_line_fails_under_strict(pytester):
    name = _unavailable_backend(pytester)
    result = pytester.runpytest_inprocess(f"--trnfft-backends={name},numpy-reference", "--trnfft-strict")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([f"*'{name}' is not available here:*(--trnfft-strict)*"])
    assert result.ret != 0


@pytest.mark.parametrize("strict", [(), ("--trnfft-strict",)])
def test_a_misspelt_backend_on_the_command_line_is_a_usage_error(pytester, strict):
    pytester.makepyfile("def test_a(trnfft_backend):\n    assert trnfft_backend\n")
    result = pytester.runpytest_inprocess("--trnfft-backends=fftw-refrence", *strict)
    assert result.ret != 0
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*'fftw-refrence', which no trnfft plugin registers here; "
                                 "registered backends: *fftw-reference*"])
