"""Plans are built once per (backend, problem), bounded, clearable, and thread-safe."""
from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys

import numpy as np
import pytest

import trnfft
from trnfft import numpy_fft
from conftest import assert_close, claims, random_array


def test_repeated_calls_hit_the_cache():
    trnfft.plan_cache.clear()
    x = random_array(96, np.complex64)
    numpy_fft.fft(x)
    misses = trnfft.plan_cache.misses
    for _ in range(5):
        numpy_fft.fft(x)
    assert trnfft.plan_cache.misses == misses
    assert trnfft.plan_cache.size >= 1


def test_cache_is_bounded_and_clearable():
    cache = trnfft.plan_cache
    old = cache.max_size
    try:
        cache.clear()
        cache.max_size = 3
        for n in range(10, 20):
            numpy_fft.fft(np.ones(n, np.complex64))
        assert cache.size == 3
        cache.clear()
        assert cache.size == 0
        cache.max_size = 0
        numpy_fft.fft(np.ones(8))
        assert cache.size == 0
    finally:
        cache.max_size = old


def test_different_backends_get_different_plans():
    trnfft.plan_cache.clear()
    x = random_array(40, np.complex128)
    numpy_fft.fft(x, backend="numpy-reference")
    numpy_fft.fft(x, backend="fftw-reference")
    assert trnfft.plan_cache.size == 2


def test_concurrent_calls_from_many_threads_are_correct(trnfft_backend):
    sizes = [n for n in (27, 49, 64, 100, 128, 243) if claims(trnfft_backend, "c2c", np.complex64, [n])][-4:]
    assert len(sizes) >= 3
    with_irfft = claims(trnfft_backend, "c2r", np.complex64, [6])
    inputs = [random_array((4, n), np.complex64, seed=i) for i, n in enumerate(sizes * 12)]

    def work(x):
        with trnfft.use_backend(trnfft_backend):
            return numpy_fft.fft(x), numpy_fft.irfft(x, axis=0) if with_irfft else None

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, inputs))
    for x, (y, r) in zip(inputs, results):
        x64 = x.astype(np.complex128)
        assert_close(y, np.fft.fft(x64), np.complex64, x.shape[1])
        if with_irfft:
            assert_close(r, np.fft.irfft(x64, axis=0), np.complex64, 6)


def test_memoised_calls_follow_environment_changes(monkeypatch):
    """The call-signature memo must not pin the workers or backend a first call saw."""
    trnfft.plan_cache.clear()
    x = random_array(200, np.complex64)
    numpy_fft.fft(x)
    numpy_fft.fft(x)  # memoised now
    misses = trnfft.plan_cache.misses
    monkeypatch.setenv("TRNFFT_WORKERS", "2")
    numpy_fft.fft(x)
    assert trnfft.plan_cache.misses == misses + 1  # a workers=2 plan, not the memoised one
    monkeypatch.setenv("TRNFFT_BACKEND", "numpy-reference")
    y = numpy_fft.fft(x)
    assert trnfft.plan_cache.misses == misses + 2
    assert_close(y, np.fft.fft(x.astype(np.complex128)), np.complex64, x.size)


def test_cache_is_bounded_by_bytes_too():
    cache = trnfft.plan_cache
    old = cache.max_bytes
    try:
        cache.clear()
        numpy_fft.fft(np.ones((4, 4096), np.complex128), backend="fftw-reference")
        one = cache.nbytes
        assert one >= 2 * 4 * 4096 * 16  # an FFTW plan reports its input and output buffers
        cache.max_bytes = 3 * one
        for n in range(4097, 4107):
            numpy_fft.fft(np.ones((4, n), np.complex128), backend="fftw-reference")
        assert cache.size <= 3 and 0 < cache.nbytes <= 3 * one + 4 * 160 * 16
        cache.max_bytes = 0  # the newest plan always stays
        assert cache.size == 1
        cache.clear()
        assert (cache.size, cache.nbytes) == (0, 0)
    finally:
        cache.max_bytes = old


def test_cache_byte_limit_env_is_parsed():
    from trnfft.core.plan_cache import parse_bytes
    assert parse_bytes("512M") == 512 * 2**20 and parse_bytes("2GiB") == 2 * 2**30
    assert parse_bytes("none") is None and parse_bytes("1000") == 1000
    with pytest.raises(trnfft.InvalidArgumentError, match="TRNFFT_PLAN_CACHE_BYTES='lots'"):
        parse_bytes("lots")


CLEAR_PROBE = '''
import os, numpy as np, trnfft
from trnfft import numpy_fft
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
numpy_fft.fft(np.ones(8, np.complex128), backend="fftw-reference")  # imports pyFFTW, loads FFTW
before = rss()
for i in range(16):  # strided input: copied into the plan's own 2 MiB input buffer, which stays resident
    numpy_fft.fft(np.ones((2, 2 * (2**16 + 64 * i)), np.complex128)[:, ::2], backend="fftw-reference")
grown = rss() - before
trnfft.plan_cache.clear()
print(grown, rss() - before)
'''


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads resident memory from /proc")
def test_clear_gives_the_plans_memory_back(tmp_path):
    """16 plans with 2 MiB each of touched buffers: after clear() resident memory is back where it started."""
    env = dict(os.environ, TRNFFT_CACHE_DIR=str(tmp_path), TRNFFT_FFTW_PLANNER="estimate")
    out = subprocess.run([sys.executable, "-c", CLEAR_PROBE], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    grown, left = (int(v) for v in out)
    assert grown > 24 * 2**20 and left < 0.1 * grown, f"grew {grown >> 20} MiB, {left >> 20} MiB left"


BAD_LIMIT_PROBE = '''
import json, numpy as np, trnfft
from trnfft.cli import main
try:
    trnfft.numpy_fft.fft(np.ones(8, np.complex64))
    print("ran")
except trnfft.TrnfftError as exc:
    print(type(exc).__name__, exc)
main(["info", "--json"])
'''


@pytest.mark.parametrize("variable,value,says", [
    ("TRNFFT_PLAN_CACHE_BYTES", "abc", "is not a size in bytes"),
    ("TRNFFT_PLAN_CACHE_SIZE", "-1", "must not be negative")])
def test_a_bad_limit_variable_raises_per_call_and_info_shows_it(variable, value, says):
    """Read as trnfft imports, so a fresh interpreter: the import and `trnfft info` still work."""
    import json
    env = {**os.environ, variable: value}
    run = subprocess.run([sys.executable, "-c", BAD_LIMIT_PROBE], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    first, info = run.stdout.split("\n", 1)
    assert first.startswith("InvalidArgumentError") and f"{variable}='{value}' {says}" in first
    assert f"{variable}='{value}'" in json.loads(info)["plan_cache"]["error"]


@pytest.mark.parametrize("value", [2.5, "x", -1, True, "-3"])
def test_max_size_refuses_what_is_no_count_of_plans(value):
    from trnfft.core.plan_cache import PlanCache
    with pytest.raises(trnfft.InvalidArgumentError, match="plan_cache.max_size"):
        PlanCache().max_size = value


@pytest.mark.parametrize("value,expected", [("1G", 2**30), ("512M", 512 * 2**20), ("none", None), (None, None),
                                            (np.int64(4096), 4096)])
def test_max_bytes_takes_what_the_variable_takes(value, expected):
    from trnfft.core.plan_cache import PlanCache
    cache = PlanCache()
    cache.max_bytes = value
    assert cache.max_bytes == expected


@pytest.mark.parametrize("value", [1.5, "-5", "lots", [1]])
def test_max_bytes_refuses_what_is_no_size(value):
    from trnfft.core.plan_cache import PlanCache
    with pytest.raises(trnfft.InvalidArgumentError, match="plan_cache.max_bytes"):
        PlanCache().max_bytes = value
