"""``nki.jit`` and ``nki.simulate`` for the emulator: run a kernel eagerly on NumPy arrays.

As in nki.simulate (D/nki/guides/nki_simulator.html): inputs become ``nl.hbm``
tensors (writes land in the caller's arrays), operations run eagerly in
program order, and returned HBM tensors come back as NumPy arrays. Outputs
must be allocated in ``nl.shared_hbm``: an ``nl.hbm``/``private_hbm`` output
fails to compile in 0.3.0 (D/nki/get-started/nki-language-guide.html).
"""
from __future__ import annotations

import contextlib
import enum
import functools
from typing import Any, Callable, ContextManager

import numpy as np

from . import record, tensors
from .rules import NkiRuleError, NotEmulatedError, require
from .static_check import check_kernel_source

try:  # tile-sized matmuls run fastest on one BLAS thread; more threads only contend (40x on a busy box)
    from threadpoolctl import ThreadpoolController
    _BLAS: Any = ThreadpoolController()
except ImportError:  # pragma: no cover - threadpoolctl is a dependency
    _BLAS = None


def _one_blas_thread() -> ContextManager:
    return _BLAS.limit(limits=1, user_api="blas") if _BLAS is not None else contextlib.nullcontext()


class Kernel:
    """An ``@nki.jit`` function. Calling it runs it on the emulator."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self._checked = False

    def __getitem__(self, lnc: int) -> "Kernel":
        if lnc != 1:
            raise NotEmulatedError("not-emulated", f"not emulated: kernel[{lnc}] (the emulator runs logical "
                                   "NeuronCore degree 1 only)", "simulator")
        return self

    def __call__(self, *args: Any) -> Any:
        return run(self, args)


def jit(fn: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Mark a kernel. ``platform_target=`` is rejected, as in 0.3.0."""
    require("platform_target" not in options, "platform-target",
            "platform_target= is an error in 0.3.0: set NEURON_PLATFORM_TARGET_OVERRIDE", "language_guide")
    if fn is None:
        return lambda f: Kernel(f)
    return Kernel(fn)


def simulate(kernel: Any) -> Callable[..., Any]:
    """``nki.simulate(kernel)(*arrays)``: run on the CPU, NumPy in and out."""
    if not isinstance(kernel, Kernel):
        kernel = Kernel(kernel)
    return lambda *args: run(kernel, args)


def _wrap(arg: Any) -> Any:
    """A kernel argument as nki.simulate passes it: an array becomes an HBM tensor, anything else passes through
    unchanged (D/nki/guides/nki_simulator.html, "How It Works"), so an array inside a tuple would reach the
    kernel as a NumPy array: refused, as are lists (D/nki/deep-dives/nki-0-3-0-update-guide.html)."""
    if isinstance(arg, np.ndarray):
        return tensors.wrap_hbm(arg)
    _check_passive(arg, "a kernel argument")
    return arg


def _check_passive(arg: Any, where: str) -> None:
    """Raise unless ``arg`` holds no array and no list: None, numbers, strings, enums, tuples and string-keyed dicts
    of them, and instances of NKIObject classes (passed as their object dictionary: language guide, "Class
    Support")."""
    if isinstance(arg, (type(None), bool, int, float, str, np.generic, enum.Enum)):
        return
    if isinstance(arg, list):
        raise NkiRuleError("list-argument", f"{where} is a list: kernel arguments may not be lists in NKI 0.3, "
                           "pass a tuple", "update_guide")
    if isinstance(arg, np.ndarray):
        raise NkiRuleError("nested-array-argument", f"{where} holds an array inside a container: nki.simulate "
                           "wraps only top-level array arguments into tensors (\"Non-array arguments pass through "
                           "unchanged\"); pass each array as its own parameter", "simulator")
    if isinstance(arg, tuple):
        for item in arg:
            _check_passive(item, where)
    elif isinstance(arg, dict):
        require(all(isinstance(k, str) for k in arg), "dict-key", f"{where} is a dict with non-string keys: NKI "
                "dicts take string keys", "language_guide")
        for item in arg.values():
            _check_passive(item, where)
    elif "NKIObject" in [c.__name__ for c in type(arg).__mro__[1:]]:
        for item in vars(arg).values():
            _check_passive(item, where)
    else:
        raise NkiRuleError("argument-type", f"{where} is a {type(arg).__name__}: kernel arguments are arrays, None, "
                           "numbers, strings, tuples, string-keyed dicts or NKIObject instances", "language_guide")


def _unwrap(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_unwrap(v) for v in value)
    if isinstance(value, tensors.NkiTensor):
        require(value.buffer is tensors.shared_hbm, "output-buffer",
                f"kernel outputs are allocated in nl.shared_hbm (an {value.buffer!r} output, such as a "
                f"kernel input returned, fails to compile in 0.3.0)", "language_guide")
        return np.array(value.values, copy=True)
    return value


def run(kernel: Kernel, args: tuple) -> Any:
    """One launch: static check (first time), fresh on-chip memories, counters."""
    if not kernel._checked:
        check_kernel_source(kernel.fn)
        kernel._checked = True
    wrapped = tuple(_wrap(a) for a in args)
    tensors.reset_usage()
    with record.kernel_run(kernel.fn.__name__), _one_blas_thread():
        try:
            result = kernel.fn(*wrapped)
        finally:
            tensors.reset_usage()
        return _unwrap(result)
