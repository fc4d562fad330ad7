"""pytest plugin (-p numpy_suite_plugin): numpy.fft's transforms become trnfft.numpy_fft's.

Loaded before collection, so NumPy's own fft tests, run with it, test trnfft.
"""
import numpy as np

from trnfft import numpy_fft

for _name in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
              "fftn", "ifftn", "rfftn", "irfftn"):
    setattr(np.fft, _name, getattr(numpy_fft, _name))
