"""The transform engine behind both the torch-style and the numpy-style API.

It validates arguments, promotes dtypes as the input's library does, applies
``n``/``s`` padding and cropping, builds the backend-neutral problem and runs
it through the dispatcher. NumPy arrays come back as NumPy arrays, tensors as
tensors; inputs are never modified.
"""
from __future__ import annotations

import math
import operator
import os
import sys
import warnings
from typing import Any, NamedTuple, Sequence

import numpy as np

from . import arrays, fast_path
from ..core import dispatch, memory
from ..core.env import getenv
from ..core.errors import (InvalidArgumentError, InvalidArgumentTypeError, InvalidAxisError,
                     InvalidDtypeError)
from .fast_path import WORKERS_ENV
from .split import SplitComplex, as_pair, check_split, combine, parts as split_parts
from .split import check_out as check_split_out, check_writable
from ..core.array_kinds import empty_like_kind, interleave
from ..core.problem import COMPLEX_DTYPE, REAL_DTYPE, FFTProblem, ProblemKey

TORCH, NUMPY = "torch", "numpy"
SWAP_NORM = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


_NORM = {None: "backward", "backward": "backward", "ortho": "ortho", "forward": "forward"}
_WORKERS: dict[str | None, int] = {}
MAX_WORKERS = 4096  # threads per transform; far past any core count, well inside a C int


def check_norm(norm: str | None) -> str:
    found = _NORM.get(norm) if isinstance(norm, (str, type(None))) else None
    if found is None:  # NumPy's wording first
        raise InvalidArgumentError(
            f"Invalid norm value {norm!r}; should be None, 'backward', 'ortho' or 'forward'")
    return found


def require_real(is_complex: bool, dtype: Any) -> None:
    """A real-input transform (rfft, ihfft) refuses complex data, as numpy.fft and torch.fft do."""
    if is_complex:
        raise InvalidDtypeError(
            f"this transform expects a real input, got {dtype}; use fft/fftn for complex data")


def check_workers(workers: int | None) -> int:
    if workers is None:
        env = getenv(WORKERS_ENV)
        cached = _WORKERS.get(env)
        if cached is None:
            try:
                value = int(env) if env else 1
            except ValueError:
                raise InvalidArgumentError(f"{WORKERS_ENV}={env!r} is not an integer") from None
            try:
                cached = _WORKERS[env] = check_workers(value)
            except InvalidArgumentError as exc:
                raise InvalidArgumentError(f"{WORKERS_ENV}={env!r}: {exc}") from None
        return cached
    workers = _integer(workers, "workers")  # (a bool is refused, as a bool length is)
    if workers == -1:
        workers = os.cpu_count() or 1
    if not 1 <= workers <= MAX_WORKERS:
        raise InvalidArgumentError(f"workers must be between 1 and {MAX_WORKERS} (or -1 for all "
                                   f"{os.cpu_count()} cores), got {workers}")
    return workers


def _integer(value: Any, what: str) -> int:
    """``value`` as an int; a bool is refused as torch.fft refuses it (``n=True`` is a slip, not 1)."""
    try:
        if isinstance(value, (bool, np.bool_)):
            raise TypeError
        return operator.index(value)
    except TypeError:
        raise InvalidArgumentTypeError(f"{what} must be an integer, got {value!r}") from None


def axis_index(axis: Any, ndim: int, what: str) -> int:
    """``axis`` as a non-negative index into ``ndim`` dimensions (InvalidAxisError when out of range)."""
    a = _integer(axis, what)
    if not -ndim <= a < ndim:
        raise InvalidAxisError(
            f"{what}={axis} is out of range for an input with {ndim} dimension(s)")
    return a % ndim


def _length(n: Any, what: str) -> int | None:
    """A requested length: None or -1 keep the input's, else a positive integer."""
    if n is None:
        return None
    v = _integer(n, what)
    if v == -1 and what != "n":
        return None
    if v < 1:
        raise InvalidArgumentError(
            f"Invalid number of FFT data points ({v}) specified: {what}={v} must be >= 1")
    return v


def check_n(n: Any) -> int:
    """A 1-D transform's ``n``: a positive integer (None is handled by the caller)."""
    value = _length(n, "n")
    assert value is not None
    return value


def check_n_at(x: Any, n: Any, axis: Any, name: str, flavor: str) -> int:
    """A 1-D transform's ``n`` and its axis, in the reference's order: torch checks n's type, then
    the axis, then n's value; NumPy and scipy a length below 1, then the axis, then n's type."""
    if flavor == TORCH:
        _integer(n, "n")
    elif isinstance(n, (int, float, np.number)) and n < 1:
        check_n(n)
    ndim = getattr(x.real if type(x) is SplitComplex else x, "ndim", None)  # (anything else: converted later)
    if isinstance(ndim, int):
        axis_index(axis, ndim, name)
    return check_n(n)


def normalize_axes(ndim: int, s: Any, axes: Sequence[Any] | None, *, unique: bool,
                   name: str = "dim", numpy_shape: Sequence[int] | None = None,
                   ) -> tuple[tuple[int, ...], tuple[int | None, ...]]:
    """Non-negative axes and requested lengths (None: the default) from s/axes.

    torch.fft's rules unless ``numpy_shape`` (the input's shape) is given: an
    integer ``s`` is one length, and -1 in ``s`` is the default length (for
    the last axis of irfftn/hfftn 2*(m-1)). numpy.fft's and scipy.fft's
    rules with ``numpy_shape``: ``s`` is a sequence, and -1 is the input's
    own length m along that axis (None keeps the default, as in NumPy).
    """
    s = _lengths_arg(s, numpy_shape is not None)
    if axes is not None and not isinstance(axes, (list, tuple)):
        axes = (axes,)
    if axes is None:
        axes = range(ndim) if s is None else range(ndim - len(s), ndim)
        if s is not None and len(s) > ndim:  # an AxisError in NumPy
            raise InvalidAxisError(f"s has {len(s)} entries but the input has {ndim} dimension(s)")
    out_axes = tuple(axis_index(a, ndim, name) for a in axes)
    if s is not None and len(s) != len(out_axes):
        raise InvalidArgumentError(
            f"Shape and axes have different lengths: s and {name} must have the same length, "
            f"got {len(s)} and {len(out_axes)}")
    if unique and len(set(out_axes)) != len(out_axes):
        raise InvalidArgumentError(f"{name} must be unique, got {tuple(axes)}")
    if s is None:
        return out_axes, (None,) * len(out_axes)
    lengths = tuple(_length(n, "s") for n in s)
    if numpy_shape is not None:  # numpy/scipy: -1 is the input's length (torch: the default)
        lengths = tuple(numpy_shape[a] if n is not None and _integer(n, "s") == -1 else v
                        for a, n, v in zip(out_axes, s, lengths))
    return out_axes, lengths


def _lengths_arg(s: Any, numpy_rules: bool) -> Sequence[Any] | None:
    """``s`` as a sequence: torch.fft takes one integer as a 1-entry s, numpy.fft takes none."""
    if s is None:
        return s
    if isinstance(s, (list, tuple)):
        if not numpy_rules:  # torch parses the entries as integers before it looks at anything else
            for v in s:
                _integer(v, "s")
        return s
    if numpy_rules:
        if isinstance(s, np.ndarray) and s.ndim == 1:  # numpy iterates whatever it is given
            return tuple(s.tolist())
        if isinstance(s, range):
            return tuple(s)
        raise InvalidArgumentTypeError(f"s must be a sequence of integers (numpy.fft takes no "
                                       f"single integer), got {s!r}")
    try:
        return (_integer(s, "s"),)
    except InvalidArgumentTypeError:
        raise InvalidArgumentTypeError(
            f"s must be an integer or a sequence of integers, got {s!r}") from None


def refuse_unreadable(x: Any) -> None:
    """Tensors with no dense storage a backend could read: sparse ones, and those wrapped by
    torch.func (vmap, grad, jacrev, ...)."""
    torch = arrays.loaded_torch()
    if x.layout != torch.strided:
        raise InvalidArgumentError(f"trnfft takes dense (strided) tensors, got layout {x.layout}; "
                                   f"convert with .to_dense() first")
    functorch = getattr(torch._C, "_functorch", None)
    if functorch is not None and functorch.is_functorch_wrapped_tensor(x):
        raise InvalidArgumentError(
            "trnfft does not support torch.func transforms (vmap, grad, jacrev, jvp, ...): their "
            "wrapped tensors have no storage for a backend to read. trnfft's transforms batch "
            "over every dim they do not transform, so call them on the whole batch instead of "
            "under vmap, and take gradients with .backward() or torch.autograd.grad; or use "
            "torch.fft inside torch.func transforms")


class Call:
    """One transform call's arguments, resolved against its input."""

    def __init__(self, x: Any, flavor: str) -> None:
        self.tensor = flavor == TORCH and arrays.is_tensor(x)
        if arrays.is_tensor(x):
            refuse_unreadable(x)
        if not self.tensor:
            if arrays.is_tensor(x) and x.requires_grad:
                raise InvalidArgumentError(
                    "the numpy-style API returns NumPy arrays and cannot carry gradients; "
                    "use trnfft.fft & co. (torch-style) for tensors that require grad")
            x = arrays.tensor_to_numpy(x) if arrays.is_tensor(x) else np.asarray(x)
        self.x = x

    def precision(self, want: str) -> str:
        """Validate the dtype for a transform wanting 'real' or 'complex' input."""
        x = self.x
        if self.tensor:
            precision, is_complex = arrays.torch_precision(x.dtype)
        else:
            precision, is_complex = arrays.numpy_precision(x.dtype)
        if want == "real":
            require_real(is_complex, x.dtype)
        return precision

    def needs_cast(self, dtype: np.dtype) -> bool:
        """Whether ``cast(dtype)`` makes a copy."""
        return self.x.dtype != (arrays.torch_dtype(dtype) if self.tensor else dtype)

    def cast(self, dtype: np.dtype) -> None:
        if self.tensor:
            target = arrays.torch_dtype(dtype)
            if self.x.dtype != target:
                self.x = self.x.to(target)
        elif self.x.dtype != dtype:
            self.x = self.x.astype(dtype)


def transform(x: Any, *, kind: str, forward: bool, s: Sequence[Any] | None,
              axes: Sequence[Any] | None, norm: str | None, out: Any, backend: Any,
              workers: int | None, flavor: str, hermitian: bool = False,
              unique_axes: bool = True, axis_name: str = "dim", split: bool | None = None,
              sig: Any = fast_path.UNTRIED) -> Any:
    """Compute one c2c / r2c / c2r transform (hfft/ihfft when ``hermitian``).

    A :class:`SplitComplex` input, or ``split=True`` with a real input to r2c,
    runs it on split parts (``split_transform``); ``split=True`` with any other
    input computes the complex result here and returns views of its parts.
    ``sig`` is the fast path's answer when the caller has asked it already (``fast_path.first``).
    """
    try:  # (zero-cost in Python 3.11+ when nothing is raised)
        if sig is fast_path.UNTRIED:
            sig, y = fast_path.first(x, flavor == TORCH, kind, forward, s, axes, norm, out, workers, backend,
                                     hermitian, split)
            if y is not None:
                return y
        check_split(split)
        if type(out) is SplitComplex:
            check_split_out(out)
        if type(x) is SplitComplex or (split and kind == "r2c"):
            return split_transform(x, kind=kind, forward=forward, s=s, axes=axes, norm=norm, out=out,
                                   backend=backend, workers=workers, flavor=flavor, hermitian=hermitian,
                                   unique_axes=unique_axes, axis_name=axis_name, split=split)
        workers = check_workers(workers)
        call = Call(x, flavor)
        if call.tensor and out is not None:
            check_torch_out_target(out, (call.x,))
        xin = call.x
        if xin.ndim == 0 and (_listed(axes) or _listed(s)):  # a 0-d input goes only to fftn with no axes
            if not call.tensor and xin.dtype.kind not in "biufc":
                call.precision("complex")  # a str or other non-numeric object: say so
            raise InvalidAxisError("FFT input must have at least one dimension, got a 0-d scalar")
        ax, req = normalize_axes(xin.ndim, s, axes, unique=unique_axes, name=axis_name,
                                 numpy_shape=xin.shape if flavor == NUMPY else None)
        if not ax and kind != "c2c":  # an IndexError in NumPy, a RuntimeError in torch
            raise InvalidAxisError("real-input and real-output transforms need at least one axis")
        norm = check_norm(norm)  # after the axes, as torch and NumPy check them
        if not unique_axes and len(set(ax)) != len(ax):
            y = _repeated_axes(call, kind, forward, ax, req, norm, out, backend, workers, flavor, hermitian,
                               s is not None)
            return as_pair(y) if split and out is None else y
        if not ax:  # fftn/ifftn over no axes (a 0-d input, or axes=()): the identity
            if call.tensor:  # torch.fft: a complex copy; numpy.fft: the input's values and dtype
                call.cast(COMPLEX_DTYPE[call.precision("complex")])
            y = _deliver(call, call.x.clone() if call.tensor else call.x.copy(), out)
            return as_pair(y) if split and out is None else y

        if kind == "r2c" and flavor == NUMPY:  # NumPy's real pass checks its length before the dtype
            target_sizes(xin.shape, ax[-1:], req[-1:], kind)
        precision = call.precision("real" if kind == "r2c" else "complex")
        half = _numpy_half_result(call, kind, ax, out)
        fit = target_sizes(xin.shape, ax, req, kind)
        cast_checked([call], (REAL_DTYPE if kind == "r2c" else COMPLEX_DTYPE)[precision], fit)
        if hermitian:  # hfft = c2r(conj(x)), ihfft = conj(r2c(x)), each with the norm swapped
            norm = SWAP_NORM[norm]
            if kind == "c2r":
                call.x = call.x.conj()
        check_out_passes(out, flavor, kind, call.x.shape, ax, req)
        xs = fit_lengths(call.x, fit)
        key = ProblemKey(kind, fit.sizes, ax, fit.lengths,
                         kind == "r2c" or (kind == "c2c" and forward), norm, precision, workers)
        if sig is not None and xs is x and 0 not in key.shape:
            fast_path.remember(sig, key)
        y = run_problem(xs, key, backend, call.tensor)
        if hermitian and kind == "r2c":
            y = y.conj() if call.tensor else np.conjugate(y, out=y)
        if half:
            y = y.astype(np.float16)
        y = _deliver(call, y, out)
        return as_pair(y) if split and out is None else y
    except MemoryError as exc:  # a copy of the input ran out (the backends' own are converted in dispatch)
        raise _ran_out(exc, kind, x) from None


def _numpy_half_result(call: Call, kind: str, ax: tuple[int, ...], out: Any) -> bool:
    """Whether NumPy returns float16 here: a 1-D irfft/hfft of a float16 array (its output
    dtype is the input's real dtype; an n-D one's complex passes make it float32 first).
    trnfft computes in float32 and casts the result back; into an out= it writes float32."""
    return (not call.tensor and kind == "c2r" and len(ax) == 1 and out is None
            and call.x.dtype.kind == "f" and call.x.dtype.itemsize == 2)  # float16 of either byte order


def _listed(v: Any) -> bool:
    """Whether an axes/s argument names at least one entry (a bare int counts as one)."""
    return v is not None and (not isinstance(v, (list, tuple)) or len(v) > 0)


class Fit(NamedTuple):
    """How ``n``/``s`` reshape an input: computed once per call, then used to size the memory check,
    to cast (``cast_checked``) and to pad or crop (``fit_lengths``)."""

    kind: str
    axes: tuple[int, ...]
    sizes: tuple[int, ...]           # the input's shape once padded or cropped
    lengths: tuple[int, ...]         # the transform length along each axis
    steps: tuple[tuple[int, int], ...]  # the (axis, size) resizes that get there, in order
    padded: bool                     # whether any axis grows (a new, larger input)


def target_sizes(shape: Sequence[int], ax: tuple[int, ...], req: Sequence[int | None], kind: str) -> Fit:
    """The :class:`Fit` of an input of ``shape`` to the requested lengths ``req`` (None: the default)."""
    lengths, sizes, steps = [], list(shape), []
    for i, (a, n) in enumerate(zip(ax, req)):
        last = i == len(ax) - 1
        if kind == "c2r" and last:
            n = n if n is not None else 2 * (sizes[a] - 1)
            if n < 1:
                raise InvalidArgumentError(
                    f"Invalid number of FFT data points ({n}) specified: along axis {a} an input "
                    f"of length {sizes[a]} needs n given explicitly")
            sizes[a] = n // 2 + 1
            steps.append((a, sizes[a]))
        else:
            n = n if n is not None else sizes[a]
            if n < 1:
                raise InvalidArgumentError(
                    f"Invalid number of FFT data points (0) specified: the input is empty along "
                    f"axis {a}")
            sizes[a] = n
            steps.append((a, n))
        lengths.append(n)
    return Fit(kind, tuple(ax), tuple(sizes), tuple(lengths), tuple(steps),
               any(sizes[a] > shape[a] for a in ax))


def cast_checked(calls: list[Call], dtype: np.dtype, fit: Fit) -> None:
    """Cast each call's input to the compute ``dtype``, first refusing (OutOfMemoryError) copies that
    cannot fit with the result and the padded input."""
    copies = [c for c in calls if c.needs_cast(dtype)]
    if copies:
        itemsize = np.dtype(dtype).itemsize
        cast = sum(math.prod(c.x.shape) for c in copies) * itemsize
        memory.check_sizes(fit.kind, list(fit.sizes), fit.axes, list(fit.lengths), itemsize,
                           f"{fit.kind} of a shape {tuple(calls[0].x.shape)} input cast to {dtype}",
                           padded=fit.padded, cast=cast)
    for c in calls:
        c.cast(dtype)


def fit_lengths(xs: Any, fit: Fit) -> Any:
    """``xs`` padded or cropped as ``fit`` says (an OutOfMemoryError before padding when the padded
    input and the result cannot fit)."""
    if fit.padded:  # padding: a new input, then the result
        memory.check_sizes(fit.kind, list(fit.sizes), fit.axes, list(fit.lengths), arrays.itemsize(xs),
                           f"{fit.kind} of an input padded to shape {fit.sizes} (n={list(fit.lengths)})",
                           padded=True)
    for a, size in fit.steps:  # in order (a repeated axis is cropped, then padded, as NumPy does)
        xs = arrays.resize_axis(xs, a, size)
    return xs


def _ran_out(exc: MemoryError, kind: str, x: Any) -> MemoryError:
    """A MemoryError from the front end's own copies as trnfft's error (itself if it is one already)."""
    shape = getattr(x, "shape", None)
    return memory.ran_out(exc, f"{kind} of an input of shape {tuple(shape) if shape is not None else '?'}")


def run_problem(x: Any, key: ProblemKey, backend: Any, tensor: bool) -> Any:
    """Run the problem ``key`` on a NumPy array or a tensor (autograd-aware), same kind back."""
    if 0 in key.shape:
        problem = FFTProblem(*key)
        return empty_like_kind(problem.output_shape, problem.output_dtype, x)
    if tensor:
        from .autograd import needs_autograd, run_differentiable
        if needs_autograd(x):
            return run_differentiable(x, FFTProblem(*key), backend)
    return dispatch.run(x, key, backend)


def split_transform(x: Any, *, kind: str, forward: bool, s: Sequence[Any] | None,
                    axes: Sequence[Any] | None, norm: str | None, out: Any, backend: Any,
                    workers: int | None, flavor: str, hermitian: bool, unique_axes: bool,
                    axis_name: str, split: bool | None) -> Any:
    """A transform on split parts: a SplitComplex in (or a real input for r2c), a SplitComplex out.

    The parts go to ``dispatch.run_split`` (under autograd, ``SplitFFT``, whose
    backward is split transforms too), which hands them to a backend taking
    pairs as they are. ``split=False`` joins the result's parts into one
    complex array; ``out=`` (a complex array, or a SplitComplex pair) receives
    them part by part and is returned. Only repeated axes
    (numpy_fft's one pass per axis) and an empty axis list take the complex
    path: the pair is interleaved exactly and the result split into views.
    """
    try:
        pair = type(x) is SplitComplex
        want_pair = pair if split is None else bool(split)
        xr, xi = split_parts(x, flavor == TORCH) if pair else (x, None)
        if pair and (xr.dtype.kind == "c" if isinstance(xr, np.ndarray) else xr.is_complex()):
            raise InvalidDtypeError(f"SplitComplex parts must be real, got {xr.dtype}")
        workers = check_workers(workers)
        calls = [Call(p, flavor) for p in (xr, xi) if p is not None]
        if calls[0].tensor and out is not None:
            check_torch_out_target(out, tuple(c.x for c in calls))
        if calls[0].x.ndim == 0 and (_listed(axes) or _listed(s)):
            raise InvalidAxisError("FFT input must have at least one dimension, got a 0-d scalar")
        ax, req = normalize_axes(calls[0].x.ndim, s, axes, unique=unique_axes, name=axis_name,
                                 numpy_shape=calls[0].x.shape if flavor == NUMPY else None)
        if not ax or len(set(ax)) != len(ax):  # (transform checks the norm where the reference does)
            y = transform(combine(xr, xi) if pair else x, kind=kind, forward=forward, s=s, axes=axes, norm=norm,
                          out=out, backend=backend, workers=workers, flavor=flavor, hermitian=hermitian,
                          unique_axes=unique_axes, axis_name=axis_name)
            return as_pair(y) if want_pair and out is None else y
        norm = check_norm(norm)
        if pair and kind == "r2c":  # where the complex path refuses a complex input: after the axes
            if flavor == NUMPY:  # (and NumPy's real pass checks its length first)
                target_sizes(calls[0].x.shape, ax[-1:], req[-1:], kind)
            raise InvalidDtypeError("this transform expects a real input, got a SplitComplex pair; use "
                                    "fft/fftn for complex data")
        precision = calls[0].precision("real")
        fit = target_sizes(calls[0].x.shape, ax, req, kind)
        cast_checked(calls, REAL_DTYPE[precision], fit)
        if hermitian:  # as transform(): hfft = c2r(conj(x)), ihfft = conj(r2c(x)), norm swapped
            norm = SWAP_NORM[norm]
            if kind == "c2r":
                calls[1].x = -calls[1].x
        check_out_passes(out, flavor, kind, calls[0].x.shape, ax, req)
        parts = [fit_lengths(c.x, fit) for c in calls]
        key = ProblemKey(kind, fit.sizes, ax, fit.lengths, kind == "r2c" or (kind == "c2c" and forward),
                         norm, precision, workers)
        yr, yi = run_split_problem(parts[0], parts[1] if len(parts) == 2 else None, key, backend, calls[0].tensor)
        if yi is None:
            return _deliver(calls[0], yr, out)
        if hermitian:
            yi = -yi
        if out is not None:
            return _deliver_parts(calls[0], yr, yi, out)
        return SplitComplex(yr, yi) if want_pair else interleave(yr, yi)
    except MemoryError as exc:  # as in transform
        raise _ran_out(exc, kind, x) from None


def run_split_problem(xr: Any, xi: Any, key: ProblemKey, backend: Any, tensor: bool) -> tuple[Any, Any]:
    """Run the problem ``key`` on split parts (autograd-aware): (yr, yi), yi None for c2r output."""
    if 0 in key.shape:
        problem = FFTProblem(*key)
        real = REAL_DTYPE[key.precision]
        yr, yi = (empty_like_kind(problem.output_shape, real, xr) for _ in range(2))
        return yr, (None if key.kind == "c2r" else yi)
    if tensor and arrays.loaded_torch().is_grad_enabled() and (
            xr.requires_grad or (xi is not None and xi.requires_grad)):
        from .autograd import run_split_differentiable
        return run_split_differentiable(xr, xi, FFTProblem(*key), backend)
    return dispatch.run_split(xr, xi, key, backend)


def check_out_passes(out: Any, flavor: str, kind: str, shape: Sequence[int], ax: tuple[int, ...],
                     req: Sequence[int | None]) -> None:
    """numpy.fft's n-D functions write every 1-D pass into ``out=``: each pass's shape must fit it."""
    if out is None or flavor != NUMPY or kind == "c2r" or len(ax) < 2:
        return
    lengths = [shape[a] if n is None else n for a, n in zip(ax, req)]
    order = list(range(len(ax)))[::-1]  # numpy: last axis first, each pass into out=
    steps = [(kind if i == len(ax) - 1 else "c2c", ax[i], lengths[i]) for i in order]
    check_numpy_out(out, pass_shapes(shape, steps))


def _deliver_parts(call: Call, yr: Any, yi: Any, out: Any) -> Any:
    """Write a complex result's parts into the caller's ``out=`` (no complex array in between).

    ``out`` is a complex array or tensor, or a SplitComplex pair of real ones,
    and is what the call returns, as torch and NumPy return their ``out=``.
    A pair's parts are both checked (and resized) before either is written.
    """
    pair = type(out) is SplitComplex
    if call.tensor:
        shape = tuple(yr.shape)
        for part in out if pair else (out,):
            check_torch_out_fits(part, shape, yr.dtype, complex_result=not pair)
        for part in out if pair else (out,):
            resize_torch_out(part, shape)
        for y, part in zip((yr, yi), out if pair else (out.real, out.imag)):
            _write(part.copy_, y)
        return out
    check_numpy_out(out, [tuple(yr.shape)])
    dtype = yr.dtype if pair else np.result_type(yr.dtype, np.complex64)
    for part in out if pair else (out,):
        _check_numpy_cast(dtype, part)
    for y, part in zip((yr, yi), out if pair else (out.real, out.imag)):
        _write(lambda y: np.copyto(part, y, casting="same_kind"), y)
    return out


def _check_numpy_cast(dtype: np.dtype, out: np.ndarray) -> None:
    """NumPy's rule for a ufunc's out=: the result casts to it within its kind."""
    if not np.can_cast(dtype, out.dtype, "same_kind"):
        raise InvalidArgumentTypeError(
            f"Cannot cast the {dtype} result to out= of dtype {out.dtype} with casting rule "
            f"'same_kind'")


def _write(copy: Any, y: Any) -> None:
    """Copy ``y`` into an out= (``copy`` is its copy method) after the checks: a failure that
    remains (one the checks cannot foresee) is still a trnfft error."""
    try:
        copy(y)
    except (RuntimeError, ValueError, TypeError) as exc:
        raise InvalidArgumentError(f"the result cannot be written into out=: {exc}") from None


def _deliver(call: Call, y: Any, out: Any) -> Any:
    """Return ``y``, or copy it into the caller's ``out=`` after checking it fits (and return that).

    A SplitComplex ``out=`` of a complex result receives its parts.
    """
    if call.tensor and y.is_conj():
        y = y.resolve_conj()
    if out is None:
        return y
    if type(out) is SplitComplex:
        if not (y.is_complex() if call.tensor else np.iscomplexobj(y)):
            raise InvalidArgumentError("out= is a SplitComplex pair, but this transform's result is "
                                       "real: pass one array")
        return _deliver_parts(call, y.real, y.imag, out)
    if call.tensor:
        check_torch_out(out, tuple(y.shape), y.dtype, complex_result=y.is_complex())
        _write(out.copy_, y)
        return out
    check_numpy_out(out, [y.shape])
    _check_numpy_cast(y.dtype, out)
    _write(lambda y: np.copyto(out, y, casting="same_kind"), y)
    return out


def check_torch_out(out: Any, shape: tuple[int, ...], dtype: Any, complex_result: bool) -> None:
    """torch's out= rules: a tensor of the result's kind (complex or real floating; the
    precision may differ, the result is cast), resized to the result's shape when it has
    another (with torch's UserWarning when it held elements)."""
    check_torch_out_fits(out, shape, dtype, complex_result)
    resize_torch_out(out, shape)


def check_torch_out_fits(out: Any, shape: tuple[int, ...], dtype: Any, complex_result: bool) -> None:
    """check_torch_out's checks, none changing ``out``: its type and kind, that torch lets one
    write into it, and that it can take ``shape`` (resizable if it has another)."""
    if not arrays.is_tensor(out):
        raise InvalidArgumentTypeError(f"out= must be a torch.Tensor, got {type(out).__name__}")
    if complex_result and not out.is_complex():
        raise InvalidArgumentError(f"this transform's result is complex ({dtype}): out= must be a "
                                   f"complex tensor, got {out.dtype}")
    if not complex_result and not out.is_floating_point():
        raise InvalidArgumentError(f"this transform's result is real ({dtype}): out= must be a real "
                                   f"floating-point tensor, got {out.dtype}")
    check_writable(out)
    if tuple(out.shape) == shape:
        if any(n > 1 and st == 0 for n, st in zip(out.shape, out.stride())):
            raise InvalidArgumentError(f"out= has elements sharing one memory location (an expanded "
                                       f"tensor, strides {out.stride()}): pass a tensor that owns its "
                                       f"elements, e.g. out.clone()")
        return
    storage = out.untyped_storage()
    needed = (out.storage_offset() + math.prod(shape)) * out.element_size()
    if needed > storage.nbytes() and not storage.resizable():
        raise InvalidArgumentError(f"out= of shape {tuple(out.shape)} cannot be resized to the result's "
                                   f"shape {shape}: its storage is not resizable (e.g. a tensor made "
                                   f"by torch.from_numpy); pass one of shape {shape}")


def resize_torch_out(out: Any, shape: tuple[int, ...]) -> None:
    """Resize a checked out= to the result's shape, warning as torch does when it held elements."""
    if tuple(out.shape) == shape:
        return
    if out.numel():
        warnings.warn(f"out= of shape {tuple(out.shape)} was resized to the result's shape {shape}, "
                      f"as torch does; torch deprecates resizing an out= that has elements (pass "
                      f"one with none, e.g. after out.resize_(0))", UserWarning,
                      stacklevel=user_stacklevel())
    old = tuple(out.shape)
    try:
        out.resize_(shape)
    except RuntimeError as exc:
        raise InvalidArgumentError(f"out= of shape {old} cannot be resized to the result's shape "
                                   f"{shape}: {exc}") from None


def check_torch_out_target(out: Any, inputs: Sequence[Any]) -> None:
    """torch's out= rules checked before computing: ``out`` (a tensor, or a SplitComplex pair
    of them) on the inputs' device, and no autograd through it."""
    outs = tuple(out) if type(out) is SplitComplex else (out,)
    tensors = [o for o in outs if arrays.is_tensor(o)]  # anything else: check_torch_out says so
    for o in tensors:
        if o.device != inputs[0].device:
            raise InvalidArgumentError(
                f"out= is on device {o.device} but the input is on {inputs[0].device}: torch "
                f"refuses cross-device copies into out=; pass an out= on {inputs[0].device} (or "
                f"move the input)")
    refuse_out_autograd(tensors + list(inputs))


def refuse_out_autograd(tensors: Sequence[Any]) -> None:
    """As torch: with grad mode on, out= and an argument requiring grad do not go together."""
    if arrays.loaded_torch().is_grad_enabled() and any(t.requires_grad for t in tensors):
        raise InvalidArgumentError(
            "functions with out=... arguments don't support automatic differentiation, but one "
            "of the arguments requires grad (as torch says): call without out= to get a "
            "differentiable result, or under torch.no_grad()")


def user_stacklevel() -> int:
    """The ``warnings.warn`` stacklevel of the first caller outside trnfft (the user's call)."""
    frame: Any = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("trnfft."):
        frame, level = frame.f_back, level + 1
    return level


def check_numpy_out(out: Any, shapes: Sequence[tuple[int, ...]]) -> None:
    """NumPy's out= rules: an ndarray whose shape fits every pass's output (``shapes``).

    numpy.fft's n-D functions write each 1-D pass into ``out``, so with ``s``
    changing more than the first-done axis no ``out`` fits (NumPy raises too).
    """
    if type(out) is SplitComplex:  # each part takes what one complex out= would
        for part in out:
            check_numpy_out(part, shapes)
        return
    if not isinstance(out, np.ndarray):
        raise InvalidArgumentTypeError(
            f"return arrays must be of ArrayType: out= must be a numpy.ndarray, got "
            f"{type(out).__name__}")
    check_writable(out)
    for shape in shapes:
        if tuple(out.shape) != tuple(shape):
            final = tuple(shapes[-1])
            raise InvalidArgumentError(
                f"output array has wrong shape: out= has shape {out.shape}; "
                + (f"the result needs shape {final}" if tuple(shape) == final else
                   f"a pass of the transform produces shape {tuple(shape)} (the result "
                   f"{final}), and NumPy writes every pass into out="))


def pass_shapes(shape: Sequence[int], steps: Sequence[tuple[str, int, int]]) -> list[tuple[int, ...]]:
    """The output shape after each 1-D step (kind, axis, n) applied to ``shape``."""
    cur, shapes = list(shape), []
    for kind, axis, n in steps:
        cur[axis] = n // 2 + 1 if kind == "r2c" else n
        shapes.append(tuple(cur))
    return shapes


def _repeated_axes(call: Call, kind: str, forward: bool, ax: tuple[int, ...], req: tuple,
                   norm: str, out: Any, backend: Any, workers: int, flavor: str,
                   hermitian: bool, given_s: bool) -> Any:
    """numpy.fft semantics for repeated axes: one 1-D pass per listed axis.

    c2c runs the axes last to first; r2c runs its real pass first and then the
    rest last to first, c2r the rest first to last and its real pass last, as
    numpy's rfftn/irfftn do (NumPy's gh-27159).
    """
    if hermitian:
        raise InvalidArgumentError("repeated axes are not supported for Hermitian transforms")
    steps = [("c2c", i) for i in range(len(ax))]
    if kind == "c2c":
        steps.reverse()
    elif kind == "r2c":
        steps = [("r2c", len(ax) - 1)] + steps[-2::-1]
    else:
        steps = steps[:-1] + [("c2r", len(ax) - 1)]
    x = call.x
    # numpy takes a default length from the original input shape when there is no s, and a None
    # in s (deprecated) from the shape that pass meets, as the 1-D function it calls does
    lengths, shape = list(req), list(x.shape)
    for step_kind, i in steps:
        if lengths[i] is None:
            m = shape[ax[i]] if given_s else x.shape[ax[i]]
            lengths[i] = 2 * (m - 1) if step_kind == "c2r" else m
        shape[ax[i]] = lengths[i] // 2 + 1 if step_kind == "r2c" else lengths[i]
    if out is not None and flavor == NUMPY and kind != "c2r":
        check_numpy_out(out, pass_shapes(x.shape, [(k, ax[i], lengths[i]) for k, i in steps]))
    for step_kind, i in steps:
        x = transform(x, kind=step_kind, forward=forward if kind == "c2c" else kind == "r2c",
                      s=(lengths[i],), axes=(ax[i],), norm=norm,
                      out=None, backend=backend, workers=workers, flavor=flavor)
    return _deliver(call, x, out)
