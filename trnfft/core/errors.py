"""The exceptions trnfft raises.

Every error is a :class:`TrnfftError`; input errors also derive from the
builtins NumPy and torch users catch: bad arguments and dtypes are
``ValueError`` / ``TypeError`` (NumPy's types) and, whichever API was called,
``RuntimeError`` too, which torch.fft raises for them (the way numpy's
``AxisError`` is both a ``ValueError`` and an ``IndexError``).
"""
from __future__ import annotations


class TrnfftError(Exception):
    """Base class of every error raised by trnfft."""


class InvalidArgumentError(TrnfftError, ValueError, RuntimeError):
    """A bad argument value: axis, n/s, norm, out=, empty input; RuntimeError as torch.fft's are."""


class InvalidArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument of the wrong type (a float n, a list as out=): TypeError, as NumPy raises."""


class InvalidAxisError(InvalidArgumentError, IndexError):
    """An axis out of range for the input: also an IndexError, as numpy's AxisError is."""


class SpectrogramArgumentError(InvalidArgumentError):
    """A bad stft/istft argument (a RuntimeError, as every InvalidArgumentError is, and as torch.stft's are)."""


class ZeroSpacingError(InvalidArgumentError, ZeroDivisionError):
    """numpy_fft.fftfreq/rfftfreq with n * d == 0: also a ZeroDivisionError, as NumPy's is."""


class InvalidDtypeError(TrnfftError, TypeError, RuntimeError):
    """An input dtype no trnfft transform accepts; RuntimeError as torch.fft's dtype errors are."""


class UnsupportedDtypeError(InvalidDtypeError, NotImplementedError):
    """A dtype torch has no kernel for (fftfreq's complex dtypes): NotImplementedError, as torch's is."""


class TorchRequiredError(TrnfftError, ModuleNotFoundError):
    """A function that needs torch (stft/istft, the torch-style fftfreq) was called without it."""


class BackendError(TrnfftError, RuntimeError):
    """Something is wrong with the backend asked for."""


class UnknownBackendError(BackendError, ValueError):
    """No backend of that name is registered."""


class BackendUnavailableError(BackendError):
    """The backend is registered but cannot run on this machine."""


class BackendSettingError(BackendError, InvalidArgumentError):
    """A backend cannot run as configured: one of its settings (an environment variable) is invalid."""


class UnsupportedProblemError(BackendError):
    """No backend in the selection can plan this problem."""


class BackendResultError(BackendError):
    """A backend returned something that is not the result asked for (type, shape or dtype)."""


class CrossCheckError(TrnfftError, AssertionError):
    """A backend's result disagrees with the reference backend's."""


class OutOfMemoryError(TrnfftError, MemoryError):
    """A transform needs more memory than is available: refused before it is tried, or a backend ran
    out (a MemoryError, as torch's OutOfMemoryError is); the message says what was asked and what is free."""
