"""Without torch, the functions that need it say so with a trnfft error; the rest work."""
from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
sys.modules["torch"] = None  # as if torch were not installed
import numpy as np, trnfft
calls = {
    "stft": lambda: trnfft.stft(np.ones(64), 16, window=np.hanning(16), return_complex=True),
    "istft": lambda: trnfft.istft(np.ones((9, 5), complex), 16, window=np.hanning(16)),
    "fftfreq": lambda: trnfft.fftfreq(4),
    "rfftfreq": lambda: trnfft.rfftfreq(4),
}
for name, call in calls.items():
    try:
        call()
        print(name, "no error")
    except trnfft.TorchRequiredError as exc:
        assert isinstance(exc, ModuleNotFoundError), type(exc).__mro__
        print(name, "TorchRequiredError", "needs torch" in str(exc))
assert np.allclose(trnfft.fft(np.arange(4.0)), np.fft.fft(np.arange(4.0)))
assert np.array_equal(trnfft.numpy_fft.fftfreq(4), np.fft.fftfreq(4))
print("numpy paths ok")
"""


def test_functions_needing_torch_raise_a_trnfft_error_without_it():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split("\n")
    for name in ("stft", "istft", "fftfreq", "rfftfreq"):
        assert f"{name} TorchRequiredError True" in lines, out.stdout
    assert "numpy paths ok" in lines
