import numpy as np

import trnfft


def test_fft_matches_numpy_float64_reference():
    x = np.random.default_rng(0).standard_normal(1024) + 0j
    y = trnfft.fft(x)
    ref = np.fft.fft(x)
    assert np.linalg.norm(y - ref) / np.linalg.norm(ref) < 1e-14
