"""A NumPy call while another thread is still importing torch (sys.modules holds a partial module)."""
from __future__ import annotations

import sys
import types

import numpy as np

import trnfft
from trnfft import numpy_fft


def test_numpy_calls_work_while_torch_is_half_imported(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))  # no Tensor yet
    x = np.exp(2j * np.pi * np.arange(12) / 5)
    for y in (trnfft.fft(x), numpy_fft.fft(x), trnfft.fft(x)):  # the slow path, then the memo
        assert np.allclose(y, np.fft.fft(x))
