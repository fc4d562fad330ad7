"""trnfft: FFTs for AWS Trainium behind the torch.fft / numpy.fft API.

>>> import trnfft
>>> y = trnfft.fft(x, dim=-1, norm="ortho")      # torch tensors or NumPy arrays
>>> from trnfft import numpy_fft                 # a numpy.fft drop-in
>>> with trnfft.use_backend("numpy-reference"): ...

Backends are plugins (entry-point group ``trnfft.backends``); ``trnfft info``
lists them.
"""
from __future__ import annotations

from . import numpy_fft, scipy_backend
from .api import (fft, fft2, fftn, hfft, hfft2, hfftn, ifft, ifft2, ifftn, ihfft, ihfft2,
                  ihfftn, irfft, irfft2, irfftn, rfft, rfft2, rfftn)
from .check import crosscheck
from .crosscheck import cross_checking, set_crosscheck
from .errors import (BackendError, BackendUnavailableError, CrossCheckError, InvalidArgumentError,
                     InvalidArgumentTypeError, InvalidAxisError, InvalidDtypeError,
                     SpectrogramArgumentError, TrnfftError, UnknownBackendError,
                     UnsupportedProblemError)
from .helpers import torch_fftfreq as fftfreq
from .helpers import torch_fftshift as fftshift
from .helpers import torch_ifftshift as ifftshift
from .helpers import torch_rfftfreq as rfftfreq
from .introspection import backends_info, configure_backend, which
from .plan_cache import plan_cache
from .problem import FFTProblem
from .registry import register_plugin, reload_backends, unregister_plugin
from .selection import get_backend, set_backend, use_backend
from .spectrogram import istft, stft

__version__ = "0.1.0"

__all__ = [
    "fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
    "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn",
    "fftfreq", "rfftfreq", "fftshift", "ifftshift", "stft", "istft", "numpy_fft",
    "scipy_backend",
    "set_backend", "get_backend", "use_backend", "which", "backends_info", "configure_backend",
    "register_plugin", "unregister_plugin", "reload_backends", "plan_cache", "FFTProblem",
    "crosscheck", "cross_checking", "set_crosscheck",
    "TrnfftError", "InvalidArgumentError", "InvalidArgumentTypeError", "InvalidAxisError",
    "InvalidDtypeError", "SpectrogramArgumentError",
    "BackendError",
    "UnknownBackendError", "BackendUnavailableError", "UnsupportedProblemError", "CrossCheckError",
]
