"""Pre-planned transforms: ``p = trnfft.plan("fft", x)``, then ``p(x)``, ``p(x, out=buf)`` or ``p()``.

What FFTW plans, pyFFTW's ``FFTW`` objects and cuFFT plans offer: the
problem, the backend and the plan are settled once, at creation, so a call
does none of the per-call work of ``trnfft.fft`` (the signature memo, the
selection, the plan-cache lookup). Three forms, cheapest last:

* ``p(x)``: a new result, computed by the backend plan's own ``execute``;
* ``p(x, out=buf)``: the result written into the caller's array;
* ``p()``: ``p.input_array`` transformed into ``p.output_array``, which is
  returned (no copies at all on backends whose plans offer ``bind_buffers()``).

The object holds its plan (and buffers) for its lifetime, whatever the plan
cache evicts.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import arrays
from ..core import dispatch, selection
from ..core.errors import InvalidArgumentError, InvalidArgumentTypeError, InvalidDtypeError
from ..core.problem import COMPLEX_DTYPE, REAL_DTYPE, FFTProblem, ProblemKey
from ..core.result_check import require_result
from .arguments import (SWAP_NORM, check_n, check_norm, check_workers, fit_lengths, normalize_axes,
                        require_real, target_sizes)
from .functions import FUNCTIONS
from .torch_fft import two_dims

_DEFAULT_DIMS = {"2": (-2, -1), "n": None}
EMPTY_BACKEND = "none (an empty input: nothing to compute)"


class Planned:
    """One pre-planned transform of inputs of one shape and dtype (make it with :func:`plan`).

    Bound at creation, not followed later: the backend (a later ``set_backend``,
    ``use_backend`` or ``TRNFFT_BACKEND`` does not change it), the backend's
    settings, the plan cache (``plan_cache.clear()`` does not drop this
    object's plan) and ``TRNFFT_CROSSCHECK`` (calls are not cross-checked).

    Threads: ``p(x)`` and ``p(x, out=buf)`` never touch the object's buffers
    and may run on any number of threads at once, also while ``p()`` runs.
    ``p()`` is the one form using ``input_array``/``output_array`` and, like
    pyFFTW's ``FFTW.__call__()``, takes no lock (a lock would cost a quarter
    of its time at N=1024): it returns ``output_array`` itself, which its next
    call overwrites, and two ``p()`` calls on one object at once race on those
    buffers. Order them yourself, or give each thread its own object. ``p()``
    may overwrite ``input_array``'s contents (FFTW may use it as scratch, as
    its c2r transforms do): fill it before each call. The other forms never
    modify their input.
    """

    def __init__(self, function: str, key: ProblemKey, shape: tuple[int, ...], dtype: np.dtype,
                 backend: selection.BackendSpec, tensor: bool) -> None:
        problem = FFTProblem(*key)
        self._key = key
        self.function = function
        self.problem = problem
        self.shape, self.dtype = shape, dtype
        # NumPy's rule, as trnfft's functions on arrays: a 1-D c2r of float16 gives float16
        self._half = (not tensor and problem.kind == "c2r" and len(problem.axes) == 1
                      and dtype.kind == "f" and dtype.itemsize == 2)
        self._out_shape = problem.output_shape
        self._out_dtype = np.dtype(np.float16) if self._half else problem.output_dtype
        self._execute: Callable[[np.ndarray], np.ndarray]
        if 0 in key.shape:  # an empty batch: nothing to compute, as trnfft.fft computes nothing
            selection.resolve(backend)  # (a bad backend= is still an error)
            self.backend: str = EMPTY_BACKEND
            self._plan, self._execute = None, self._empty_result
        else:
            entry = dispatch.entry_for(key, backend)
            self.backend = getattr(entry.plan, "backend", selection.resolve(backend).names[0])
            self._plan = entry.plan
            self._execute = entry.plan.execute
        self._conj_in = FUNCTIONS[function].hermitian and problem.kind == "c2r"
        self._conj_out = FUNCTIONS[function].hermitian and problem.kind == "r2c"
        self._cast = dtype != problem.input_dtype
        self._resize = shape != problem.shape
        self._fit = target_sizes(shape, problem.axes, tuple(problem.lengths), problem.kind)
        self._prepare = self._cast or self._resize or self._conj_in or self._conj_out
        self._tensor = tensor
        bind = getattr(self._plan, "bind_buffers", None)
        bound = bind() if bind is not None and not self._prepare else None
        if bound is not None:  # the backend transforms buffers of its own in place of copies
            self._in, self._out, self._run = bound.input_array, bound.output_array, bound.execute
        else:
            self._in = np.zeros(shape, dtype)
            self._out = np.zeros(self._out_shape, self._out_dtype)
            self._run = self._run_generic
        if tensor:
            torch = arrays.loaded_torch()
            self.input_array, self.output_array = torch.from_numpy(self._in), torch.from_numpy(self._out)
        else:
            self.input_array, self.output_array = self._in, self._out

    def __repr__(self) -> str:
        kind = "tensor" if self._tensor else "array"
        return (f"<trnfft plan {self.function} of {kind} {self.shape} {self.dtype} -> "
                f"{self._out_shape} {self._out_dtype} ({self.problem.describe()}) "
                f"on backend {self.backend!r}>")

    def __call__(self, x: Any = None, out: Any = None) -> Any:
        """The transform of ``x`` (new result, or into ``out``); with no ``x``, of ``input_array``."""
        try:  # (no cost unless raised: the hot path of p() stays as it is)
            if x is None:
                if out is not None:
                    raise InvalidArgumentError("out= goes with an input: p(x, out=buf); p() writes output_array")
                self._run()  # no lock: see the class docstring
                return self.output_array
            xp = self._host(x, "input") if self._tensor or type(x) is not np.ndarray else x
            if xp.shape != self.shape or (xp.dtype is not self.dtype and xp.dtype != self.dtype):
                raise InvalidArgumentError(f"{self!r} takes {self.shape} {self.dtype} input, got "
                                           f"{xp.shape} {xp.dtype}; make another plan for that input")
            if out is None:
                y = self._new_result(xp)
                return arrays.loaded_torch().from_numpy(y) if self._tensor else y
            op = self._host(out, "out") if self._tensor or type(out) is not np.ndarray else out
            if op.shape != self._out_shape or op.dtype != self._out_dtype:
                raise InvalidArgumentError(f"out= must be {self._out_shape} {self._out_dtype} for {self!r}, "
                                           f"got {op.shape} {op.dtype}")
            y = self._new_result(xp)
            try:
                op[...] = y
            except ValueError as exc:  # a read-only array
                raise InvalidArgumentError(f"out= cannot be written: {exc}") from None
            return out
        except MemoryError as exc:  # as the functional API: trnfft's error, the process still usable
            raise dispatch.out_of_memory(exc, self._key) from None

    def _host(self, a: Any, what: str) -> np.ndarray:
        """``a`` as a NumPy array: the array itself, or a CPU tensor's view (a plan made for its kind)."""
        if not self._tensor:
            if type(a) is not np.ndarray:
                raise InvalidArgumentTypeError(f"{self!r} was planned for NumPy arrays; {what} is a "
                                               f"{type(a).__name__}")
            return a
        if not arrays.is_tensor(a):
            raise InvalidArgumentTypeError(f"{self!r} was planned for torch tensors; {what} is a "
                                           f"{type(a).__name__}")
        try:
            return a.numpy()
        except (RuntimeError, TypeError) as exc:
            if (a.device.type == "cpu" and not a.requires_grad and what == "input"
                    and (a.is_conj() or a.is_neg())):  # a conj/neg view: its values
                return a.resolve_conj().resolve_neg().numpy()
            raise InvalidArgumentError(f"{what} must be a CPU tensor not requiring grad, with no conjugate "
                                       f"or negative bit, for {self!r} ({exc})") from None

    def _prepared(self, xp: np.ndarray) -> np.ndarray:
        """What the backend plan takes: ``xp`` cast, padded or cropped, conjugated as the function says."""
        p = self.problem
        if self._cast:
            xp = xp.astype(p.input_dtype)
        if self._resize:
            xp = fit_lengths(xp, self._fit)
        return np.conjugate(xp) if self._conj_in else xp

    def _new_result(self, xp: np.ndarray) -> np.ndarray:
        y = self._execute(self._prepared(xp) if self._prepare else xp)
        if type(y) is not np.ndarray or y.shape != self._out_shape or (y.dtype is not self._out_dtype
                                                                       and y.dtype != self._out_dtype):
            require_result(y, self.backend, self.problem)
        if self._half:
            return y.astype(np.float16)
        return np.conjugate(y, out=y) if self._conj_out else y

    def _empty_result(self, xp: np.ndarray) -> np.ndarray:
        return np.zeros(self._out_shape, self._out_dtype)

    def _run_generic(self) -> None:
        np.copyto(self._out, self._new_result(self._in))


def plan(function: str, x: Any = None, *, n: int | None = None, s: Sequence[int] | None = None,
         dim: Any = "default", norm: str | None = None, shape: Sequence[int] | None = None,
         dtype: Any = None, backend: selection.BackendSpec = None, workers: int | None = None) -> Planned:
    """A pre-planned ``trnfft.<function>`` for inputs like ``x`` (or of ``shape`` and ``dtype``).

    ``function`` is a torch.fft-style name ("fft", "rfft2", "irfftn", ...);
    ``n`` (1-D functions) or ``s`` (the others), ``dim``, ``norm``, ``backend``
    and ``workers`` mean what they mean there. ``x`` is an example NumPy array
    or CPU tensor (its values are not used): calls then take exactly its shape
    and dtype, and tensors come back for tensors. See :class:`Planned`.

    >>> p = trnfft.plan("fft", x)         # plans now: later calls do no selection or lookup
    >>> y = p(x)                          # a new array, equal to trnfft.fft(x)
    >>> p(x, out=y)                       # into y
    >>> p.input_array[:] = x; y = p()     # the object's own buffers: the cheapest call
    """
    fn = FUNCTIONS.get(function) if isinstance(function, str) else None
    if fn is None:
        raise InvalidArgumentError(f"plan() takes a transform name, one of {sorted(FUNCTIONS)}; got {function!r}")
    in_shape, in_dtype, tensor_dtype = _example(x, shape, dtype, fn.kind)
    tensor = tensor_dtype is not None
    if fn.one_dimensional:
        if s is not None:
            raise InvalidArgumentError(f"{function} takes n, not s")
        dims: Any = (-1 if dim == "default" else dim,)
        lengths: Sequence[int] | None = None if n is None else (check_n(n),)
    else:
        if n is not None:
            raise InvalidArgumentError(f"{function} takes s, not n")
        dims = _DEFAULT_DIMS[function[-1]] if dim == "default" else (two_dims(dim) if function[-1] == "2" else dim)
        lengths = s
    norm, workers = check_norm(norm), check_workers(workers)
    if len(in_shape) == 0:
        raise InvalidArgumentError("plan() needs an input with at least one dimension")
    axes, requested = normalize_axes(len(in_shape), lengths, dims, unique=True)
    if not axes:
        raise InvalidArgumentError("plan() needs at least one transformed dim")
    precision, is_complex = (arrays.torch_precision(tensor_dtype) if tensor  # torch's promotions
                             else arrays.numpy_precision(in_dtype))
    if fn.kind == "r2c":
        require_real(is_complex, in_dtype)
    planned = np.broadcast_to(np.zeros((), (REAL_DTYPE if fn.kind == "r2c" else COMPLEX_DTYPE)[precision]),
                              in_shape)
    fit = target_sizes(in_shape, axes, requested, fn.kind)
    fit_lengths(planned, fit)  # (refused before anything is allocated when it cannot fit)
    key = ProblemKey(fn.kind, fit.sizes, axes, fit.lengths,
                     fn.kind == "r2c" or (fn.kind == "c2c" and fn.forward),
                     SWAP_NORM[norm] if fn.hermitian else norm, precision, workers)
    return Planned(function, key, in_shape, in_dtype, backend, tensor)


def _example(x: Any, shape: Sequence[int] | None, dtype: Any,
             kind: str) -> tuple[tuple[int, ...], np.dtype, Any]:
    """The planned input's shape, NumPy dtype and torch dtype (None for a plan of NumPy arrays),
    from the example or from shape/dtype (a torch dtype plans for tensors)."""
    if x is not None:
        if shape is not None or dtype is not None:
            raise InvalidArgumentError("plan() takes an example input or shape/dtype, not both")
        if arrays.is_tensor(x):
            if x.device.type != "cpu":
                raise InvalidArgumentError(f"plan() takes CPU tensors; this one is on {x.device}")
            tensor_dtype = x.dtype
            arrays.torch_precision(tensor_dtype)  # a dtype trnfft cannot compute says what to use
            try:
                x = arrays.tensor_to_numpy(x.detach())
            except (RuntimeError, TypeError) as exc:
                raise InvalidDtypeError(f"plan() cannot take a tensor of dtype {x.dtype} ({exc})") from None
            return tuple(x.shape), x.dtype, tensor_dtype
        if type(x) is not np.ndarray:
            raise InvalidArgumentTypeError(f"plan() takes a NumPy array or a torch tensor as its example, "
                                           f"got {type(x).__name__} (or give shape= and dtype=)")
        return tuple(x.shape), x.dtype, None
    if shape is None:
        raise InvalidArgumentError("plan() needs an example input, or shape= (and dtype=)")
    torch = arrays.torch_module()
    tensor_dtype = dtype if torch is not None and isinstance(dtype, torch.dtype) else None
    if torch is not None and tensor_dtype is not None:
        arrays.torch_precision(tensor_dtype)  # a dtype trnfft cannot compute says what to use
        dtype = torch.empty(0, dtype=tensor_dtype).numpy().dtype
    try:
        in_shape = tuple(int(d) for d in shape)
        in_dtype = np.dtype(dtype if dtype is not None else (np.float32 if kind == "r2c" else np.complex64))
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"plan(): bad shape/dtype {shape!r} {dtype!r}: shape= takes a sequence of "
                                   f"sizes and dtype= a NumPy or torch dtype ({exc})") from None
    if any(d < 0 for d in in_shape):
        raise InvalidArgumentError(f"plan(): shape= must have no negative sizes, got {in_shape}")
    return in_shape, in_dtype, tensor_dtype
