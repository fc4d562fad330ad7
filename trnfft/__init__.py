"""trnfft: FFTs for AWS Trainium behind the torch.fft / numpy.fft API.

>>> import trnfft
>>> y = trnfft.fft(x, dim=-1, norm="ortho")      # torch tensors or NumPy arrays
>>> from trnfft import numpy_fft                 # a numpy.fft drop-in
>>> with trnfft.use_backend(name): ...          # a backend `trnfft info` lists
>>> p = trnfft.plan("fft", x); y = p(x)          # pre-planned: no per-call selection

Backends are plugins (entry-point group ``trnfft.backends``); ``trnfft info``
lists them.
"""
from __future__ import annotations

import sys as _sys

from .api import numpy_fft, scipy_backend
from .api.torch_fft import (fft, fft2, fftn, hfft, hfft2, hfftn, ifft, ifft2, ifftn, ihfft, ihfft2,
                  ihfftn, irfft, irfft2, irfftn, rfft, rfft2, rfftn)
from .check.sweep import crosscheck
from .core.call_check import cross_checking, set_crosscheck
from .core.errors import (BackendError, BackendSettingError, BackendUnavailableError, CrossCheckError, InvalidArgumentError,
                     InvalidArgumentTypeError, InvalidAxisError, InvalidDtypeError, OutOfMemoryError,
                     SpectrogramArgumentError, TorchRequiredError, TrnfftError, UnknownBackendError,
                     UnsupportedDtypeError, UnsupportedProblemError, ZeroSpacingError)
from .api.helpers import torch_fftfreq as fftfreq
from .api.helpers import torch_fftshift as fftshift
from .api.helpers import torch_ifftshift as ifftshift
from .api.helpers import torch_rfftfreq as rfftfreq
from .api.planned import Planned, plan
from .api.introspection import backends_info, configure_backend, forget_choices, which
from .core.autoplan import set_planner
from .core.plan_cache import plan_cache
from .core.problem import FFTProblem
from .core.registry import register_plugin, reload_backends, unregister_plugin
from .core.selection import get_backend, set_backend, use_backend
from .api.spectrogram import istft, stft
from .api.split import SplitComplex

from .core import errors

# module paths users import (``import trnfft.numpy_fft``, ``trnfft.errors``) name the layered modules
for _name, _module in (("numpy_fft", numpy_fft), ("scipy_backend", scipy_backend), ("errors", errors)):
    _sys.modules[f"{__name__}.{_name}"] = _module

__version__ = "0.1.0"

__all__ = [
    "fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
    "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn",
    "fftfreq", "rfftfreq", "fftshift", "ifftshift", "stft", "istft", "numpy_fft",
    "scipy_backend", "SplitComplex", "plan", "Planned",
    "set_backend", "get_backend", "use_backend", "set_planner", "which", "forget_choices", "backends_info",
    "configure_backend",
    "register_plugin", "unregister_plugin", "reload_backends", "plan_cache", "FFTProblem",
    "crosscheck", "cross_checking", "set_crosscheck",
    "TrnfftError", "InvalidArgumentError", "InvalidArgumentTypeError", "InvalidAxisError",
    "InvalidDtypeError", "UnsupportedDtypeError", "ZeroSpacingError", "SpectrogramArgumentError",
    "TorchRequiredError",
    "BackendError", "BackendSettingError",
    "UnknownBackendError", "BackendUnavailableError", "UnsupportedProblemError", "CrossCheckError",
    "OutOfMemoryError",
]
