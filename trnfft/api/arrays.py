"""Array-library glue: dtype promotion as the input's library does it, and padding.

Tensors stay tensors on their own device all the way to the dispatcher,
which converts (``core/array_kinds.py``, the one conversion point) only when
the selected plan does not take them as they are.
"""
from __future__ import annotations

import functools
import sys
from typing import Any

import numpy as np

from ..core.array_kinds import tensor_to_host
from ..core.errors import InvalidArgumentError, InvalidDtypeError, TorchRequiredError
from ..core.problem import COMPLEX_DTYPE, NUMPY_PRECISION, REAL_DTYPE

DOUBLE = "double"


def torch_module() -> Any | None:
    """torch if it has been imported by anyone, else None (never imports it)."""
    return sys.modules.get("torch")


def require_torch(what: str) -> Any:
    """torch, imported for ``what``, which cannot work without it (TorchRequiredError if absent)."""
    try:
        import torch
    except ImportError as exc:
        raise TorchRequiredError(f"{what} needs torch, which cannot be imported ({exc})") from None
    return torch


def loaded_torch() -> Any:
    """torch, on paths reached only with a tensor in hand (so torch is already imported)."""
    return sys.modules["torch"]


def tensor_type() -> type | None:
    """torch.Tensor if torch has been imported, else None.

    While another thread is still importing torch, ``sys.modules`` holds the
    partly initialised module, without ``Tensor`` yet; no tensor can exist then,
    so that counts as not imported."""
    return getattr(sys.modules.get("torch"), "Tensor", None)


def is_tensor(x: Any) -> bool:
    tensor = tensor_type()
    return tensor is not None and isinstance(x, tensor)


def numpy_precision(dtype: np.dtype) -> tuple[str, bool]:
    """(precision, is_complex) NumPy would compute an FFT of ``dtype`` in."""
    if not dtype.isnative:  # big-endian data computes like its native twin (cast on the way in)
        dtype = dtype.newbyteorder("=")
    if dtype in NUMPY_PRECISION:
        return NUMPY_PRECISION[dtype], dtype.kind == "c"
    if dtype.kind in "biu":
        return DOUBLE, False  # numpy.fft promotes integers and bool to float64
    if dtype.kind in "fc":
        raise InvalidDtypeError(
            f"unsupported dtype {dtype.name}: trnfft computes in single, double or long double "
            f"precision; cast the input to float64/complex128 first")
    raise InvalidDtypeError(f"cannot take an FFT of an array of dtype {dtype.name!r}: "
                            "the input must be numeric (bool, integer, float or complex)")


def torch_precision(dtype: Any) -> tuple[str, bool]:
    """(precision, is_complex) torch.fft would compute an FFT of ``dtype`` in."""
    torch = loaded_torch()
    table = _torch_precisions(torch)
    if dtype in table:
        return table[dtype]
    if not dtype.is_floating_point and not dtype.is_complex:
        # torch promotes integer and bool inputs to the default float dtype
        return table[torch.get_default_dtype()]
    fix = (".to(torch.complex64) (.cfloat()) or .to(torch.complex128) (.cdouble())" if dtype.is_complex
           else ".float() or .double()")
    raise InvalidDtypeError(
        f"unsupported dtype {dtype}: trnfft computes in float32/complex64 or "
        f"float64/complex128; convert with {fix} first")


@functools.lru_cache(maxsize=1)
def _torch_precisions(torch: Any) -> dict[Any, tuple[str, bool]]:
    """torch dtype -> (precision, is_complex), from core's dtype tables (torch has no long double)."""
    return {getattr(torch, table[p].name): (p, table is COMPLEX_DTYPE)
            for table in (REAL_DTYPE, COMPLEX_DTYPE) for p in ("single", "double")}


def torch_dtype(np_dtype: np.dtype) -> Any:
    """The torch dtype of a single- or double-precision NumPy float/complex dtype."""
    return getattr(torch_module(), np.dtype(np_dtype).name)


def tensor_to_numpy(t: Any) -> np.ndarray:
    """A NumPy view of a CPU tensor, for the numpy-style API (which returns NumPy arrays)."""
    if t.device.type != "cpu":
        raise InvalidArgumentError(
            f"tensor is on device {t.device}; the numpy-style API computes on NumPy arrays "
            f"(move it with .cpu(), or use trnfft.fft & co., which keep tensors on their device)")
    try:
        return tensor_to_host(t)
    except TypeError:  # a dtype NumPy lacks (bfloat16, complex32, ...)
        raise InvalidDtypeError(f"a tensor of dtype {t.dtype} has no NumPy equivalent for the numpy-style API; "
                                f"convert it with .float() or .double() (.cfloat() or .cdouble() if complex) "
                                f"first") from None


def itemsize(x: Any) -> int:
    """Bytes per element of an array or tensor."""
    return int(x.element_size()) if is_tensor(x) else int(x.dtype.itemsize)


def resize_axis(x: Any, axis: int, n: int) -> Any:
    """Crop or zero-pad ``x`` along ``axis`` to length ``n`` (NumPy or torch, autograd-safe)."""
    have = x.shape[axis]
    if have == n:
        return x
    index = [slice(None)] * x.ndim
    if have > n:
        index[axis] = slice(0, n)
        return x[tuple(index)]
    pad_shape = list(x.shape)
    pad_shape[axis] = n - have
    if is_tensor(x):
        torch = loaded_torch()
        return torch.cat([x, torch.zeros(pad_shape, dtype=x.dtype, device=x.device)], dim=axis)
    return np.concatenate([x, np.zeros(pad_shape, dtype=x.dtype)], axis=axis)
