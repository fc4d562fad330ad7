"""A ``scipy.fft`` backend: ``with scipy.fft.set_backend(trnfft.scipy_backend): ...``.

This module is the backend object of scipy's uarray protocol
(``__ua_domain__`` and ``__ua_function__``). Within the block, scipy.fft's
complex and real FFTs (fft ... ihfftn) run through trnfft's dispatcher on the
selected trnfft backend, with scipy's dtype rules (float16 to float32,
integers and bools to float64, single precision kept) and its errors'
builtin types. Their ``workers=`` follows scipy (negative counts from the core
count, ``None`` is ``scipy.fft.set_workers``' value); ``overwrite_x`` is
accepted (trnfft never writes to its input, which that flag permits but does
not require) and so is ``plan=``: trnfft keeps its own plans, so a plan
object adds nothing and is ignored.

Everything else returns ``NotImplemented``, which hands the call back to
scipy's own backend: the real-to-real transforms (dct, dst and their
inverses and n-D forms), fht/ifht, and inputs trnfft does not take (object
or other non-numeric arrays; long double is computed, as scipy does). Pass
``only=True`` to ``set_backend`` to make those an error instead.
"""
from __future__ import annotations

import operator
import os
import sys
from typing import Any, Callable

import numpy as np

from .arrays import numpy_precision
from ..core.errors import InvalidArgumentError, InvalidArgumentTypeError, TrnfftError
from .arguments import NUMPY, check_n_at, check_norm, require_real, transform
from .functions import FUNCTIONS, Function

__ua_domain__ = "numpy.scipy.fft"

_DEFAULT_AXES = {"2": (-2, -1), "n": None}


def __ua_function__(method: Callable, args: tuple, kwargs: dict) -> Any:
    """Run scipy.fft's ``method`` on trnfft, or return NotImplemented to hand it back."""
    name = getattr(method, "__name__", "")
    spec = FUNCTIONS.get(name)
    if spec is None:
        return NotImplemented
    run = _one_axis if spec.one_dimensional else _many_axes
    return run(spec, _DEFAULT_AXES.get(name[-1]), *args, **kwargs)


def _one_axis(spec: Function, _default: Any, x: Any, n: Any = None,
              axis: Any = -1, norm: str | None = None, overwrite_x: bool = False,
              workers: Any = None, *, plan: Any = None) -> Any:
    """scipy's 1-D signature: (x, n, axis, norm, overwrite_x, workers, *, plan)."""
    a = _array(x)
    if a is None:
        return NotImplemented
    kind, forward, hermitian, _ = spec
    check_norm(norm)  # scipy's 1-D order: the norm, workers, then the dtype, then n and axis
    workers = _workers(workers)
    _real_first(kind, a)
    s = None if n is None else (check_n_at(a, n, axis, "axis", NUMPY),)
    return transform(a, kind=kind, forward=forward, s=s, axes=(axis,), norm=norm, out=None,
                     backend=None, workers=workers, flavor=NUMPY, hermitian=hermitian,
                     axis_name="axis")


def _many_axes(spec: Function, default_axes: Any, x: Any, s: Any = None,
               axes: Any = "default", norm: str | None = None, overwrite_x: bool = False,
               workers: Any = None, *, plan: Any = None) -> Any:
    """scipy's n-D signature: (x, s, axes, norm, overwrite_x, workers, *, plan)."""
    kind, forward, hermitian, _ = spec
    axes = default_axes if isinstance(axes, str) and axes == "default" else axes
    s, axes = _ints(s), _ints(axes)
    if s is not None and any(v is None for v in s):  # numpy deprecates None in s; scipy refuses it
        raise InvalidArgumentError(f"shape must be a scalar or iterable of integers, got s={s!r}")
    if kind == "r2c" and np.iscomplexobj(x):
        _real_first(kind, np.asarray(x))
    if kind == "c2c" and _no_axes(x, s, axes):  # scipy: x itself, before any dtype promotion
        _workers(workers)  # checked all the same, before the norm, as scipy does
        check_norm(norm)
        return np.array(x, copy=True)
    a = _array(x)
    if a is None:
        return NotImplemented
    if kind == "c2r" and s is None:
        s, axes = _one_point_last_axis(a, axes)
    return transform(a, kind=kind, forward=forward, s=s, axes=axes, norm=norm,
                     out=None, backend=None, workers=_workers(workers), flavor=NUMPY,
                     hermitian=hermitian, axis_name="axes")


def _real_first(kind: str, a: np.ndarray) -> None:
    """scipy refuses a complex input to rfft/ihfft & co. before it looks at any other argument."""
    if kind == "r2c":
        require_real(a.dtype.kind == "c", a.dtype)


def _no_axes(x: Any, s: Any, axes: Any) -> bool:
    """Whether an n-D call transforms no axis: axes=() (whatever s is: scipy ignores it then),
    s=() without axes, or a 0-d input by default."""
    if axes is None:
        return np.ndim(x) == 0 if s is None else len(s) == 0
    return len(axes) == 0


def _one_point_last_axis(a: np.ndarray, axes: Any) -> tuple[Any, Any]:
    """(s, axes) for an n-D c2r with no s: scipy's default last length 2(m-1) is 0 for m = 1,
    which pocketfft takes as 2m-1 = 1, so scipy returns one point there (its 1-D irfft raises)."""
    ax = list(range(a.ndim)) if axes is None else list(axes)
    if ax and all(isinstance(v, (int, np.integer)) and -a.ndim <= v < a.ndim for v in ax) \
            and a.shape[ax[-1]] == 1:
        return [-1] * (len(ax) - 1) + [1], ax
    return None, axes


def _ints(value: Any) -> Any:
    """scipy takes an int or any sequence of ints for s and axes."""
    if value is None or isinstance(value, (list, tuple)):
        return value
    return tuple(np.atleast_1d(value).tolist())


def _array(x: Any) -> np.ndarray | None:
    """``x`` as an array with scipy's promotions, or None for what trnfft does not take."""
    a = x if isinstance(x, np.ndarray) else np.asarray(x)
    if a.dtype.kind == "f" and a.dtype.itemsize == 2:  # float16 of either byte order
        return a.astype(np.float32)
    if a.dtype.kind in "biu":
        return a.astype(np.float64)
    try:
        numpy_precision(a.dtype)
    except TrnfftError:
        return None
    return a


def _workers(workers: Any) -> Any:
    """scipy's meaning of ``workers``: None is set_workers' value; -1 all cores, -2 all but one.

    As scipy, a value is only compared with 0 here (a bool is its integer, a
    value with no order against 0, such as a string or a list, is a TypeError);
    what is no integer is refused when a transform runs (a call over no axes
    runs none, so scipy and trnfft take e.g. 2.0 there).
    """
    if workers is None:
        fft = sys.modules.get("scipy.fft")
        return int(fft.get_workers()) if fft is not None else 1
    if isinstance(workers, (bool, np.bool_)):
        workers = int(workers)
    cores = os.cpu_count() or 1
    try:
        negative, zero = bool(workers < 0), bool(workers == 0)
    except TypeError:
        raise InvalidArgumentTypeError(f"workers must be an integer, got {workers!r}") from None
    except ValueError as exc:  # an array of several values
        raise InvalidArgumentError(f"workers must be an integer, got {workers!r} ({exc})") from None
    if zero:
        raise InvalidArgumentError("workers must not be zero")
    if negative:
        if workers < -cores:
            raise InvalidArgumentError(
                f"workers value out of range; got {workers}, must not be less than {-cores}")
        try:
            operator.index(workers)
        except TypeError:  # no integer: refused, with the value given, when a transform runs
            return workers
        return workers + 1 + cores
    return workers  # transform() refuses what is no integer
