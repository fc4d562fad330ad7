"""Property tests: round trips and Parseval, for any shape and size hypothesis picks."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from trnfft import numpy_fft
from trnfft.core.accuracy import normwise_error

sizes = st.integers(min_value=1, max_value=300)
dtypes = st.sampled_from([np.complex64, np.complex128])
norms = st.sampled_from([None, "backward", "ortho", "forward"])
backends = st.sampled_from(["fftw-reference", "numpy-reference"])


def data(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, shape) + 1j * rng.uniform(-1, 1, shape)
    return x.astype(dtype)


def bound(dtype, n):
    eps = np.finfo(np.float32 if dtype == np.complex64 else np.float64).eps
    return 10 * eps * np.log2(max(n, 2))


@settings(max_examples=60, deadline=None)
@given(n=sizes, batch=st.integers(1, 3), dtype=dtypes, norm=norms, backend=backends, seed=st.integers(0, 99))
def test_ifft_of_fft_is_identity(n, batch, dtype, norm, backend, seed):
    x = data((batch, n), dtype, seed)
    y = numpy_fft.ifft(numpy_fft.fft(x, norm=norm, backend=backend), norm=norm, backend=backend)
    assert normwise_error(y, x) <= bound(dtype, n)


@settings(max_examples=60, deadline=None)
@given(n=sizes, dtype=dtypes, norm=norms, backend=backends, seed=st.integers(0, 99))
def test_irfft_of_rfft_is_identity(n, dtype, norm, backend, seed):
    x = data(n, dtype, seed).real.copy()
    y = numpy_fft.irfft(numpy_fft.rfft(x, norm=norm, backend=backend), n, norm=norm, backend=backend)
    assert y.dtype == x.dtype
    assert normwise_error(y, x) <= bound(dtype, n)


@settings(max_examples=40, deadline=None)
@given(s0=st.integers(1, 24), s1=st.integers(1, 24), dtype=dtypes, backend=backends, seed=st.integers(0, 99))
def test_2d_round_trip(s0, s1, dtype, backend, seed):
    x = data((s0, s1), dtype, seed)
    y = numpy_fft.ifft2(numpy_fft.fft2(x, backend=backend), backend=backend)
    assert normwise_error(y, x) <= bound(dtype, s0 * s1)
    r = x.real.copy()
    z = numpy_fft.irfft2(numpy_fft.rfft2(r, backend=backend), s=r.shape, backend=backend)
    assert normwise_error(z, r) <= bound(dtype, s0 * s1)


@settings(max_examples=60, deadline=None)
@given(n=sizes, dtype=dtypes, backend=backends, seed=st.integers(0, 99))
def test_parseval(n, dtype, backend, seed):
    x = data(n, dtype, seed)
    energy = np.sum(np.abs(x.astype(np.complex128)) ** 2)
    spectrum = numpy_fft.fft(x, norm="ortho", backend=backend).astype(np.complex128)
    assert abs(np.sum(np.abs(spectrum) ** 2) - energy) <= bound(dtype, n) * energy
