"""Split complex data: a (real, imag) pair of real arrays or tensors instead of one complex one.

NeuronCores have no complex dtype, so data there lives as two float
tensors. ``SplitComplex(real, imag)`` is that form: every transform takes
one where it takes a complex input and, given one (or ``split=True``),
returns one where it would return a complex result; a real result (irfft,
hfft and their n-D forms) stays one array. Both parts have the same type,
shape, dtype (float32 or float64) and device.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import arrays
from ..core.array_kinds import deinterleave, interleave
from ..core.errors import InvalidArgumentError, InvalidArgumentTypeError, InvalidDtypeError


class SplitComplex(NamedTuple):
    """A complex array held as its real and imaginary parts (``x = real + 1j * imag``)."""

    real: Any
    imag: Any


def parts(x: SplitComplex, tensors: bool) -> tuple[Any, Any]:
    """The two parts, checked to match (type, shape, dtype, device), as the flavour computes on."""
    re, im = x
    for name, part in (("real", re), ("imag", im)):
        if part is None or type(part) is SplitComplex:
            raise InvalidArgumentTypeError(f"SplitComplex's {name} part must be an array or tensor, got "
                                           f"{'None' if part is None else 'a SplitComplex'}")
    if arrays.is_tensor(re) != arrays.is_tensor(im):
        raise InvalidArgumentError(f"SplitComplex parts must be of one type, got {type(re).__name__} and "
                                   f"{type(im).__name__}")
    if tensors and arrays.is_tensor(re):
        if re.device != im.device:
            raise InvalidArgumentError(f"SplitComplex parts are on different devices: {re.device} and {im.device}")
    else:
        re, im = (arrays.tensor_to_numpy(p) if arrays.is_tensor(p) else np.asarray(p) for p in (re, im))
    if type(re) is not type(im):
        raise InvalidArgumentError(f"SplitComplex parts must be of one type, got {type(re).__name__} and "
                                   f"{type(im).__name__}")
    if tuple(re.shape) != tuple(im.shape):
        raise InvalidArgumentError(f"SplitComplex parts must have one shape, got {tuple(re.shape)} and "
                                   f"{tuple(im.shape)}")
    if re.dtype != im.dtype:
        raise InvalidDtypeError(f"SplitComplex parts must have one dtype, got {re.dtype} and {im.dtype}")
    return re, im


def check_out(out: SplitComplex) -> None:
    """An out= pair keeps the pair's contract (one type, shape, dtype and device, real parts that
    can be written and share no memory): checked before either part is written, so that a bad
    pair is refused with both parts untouched."""
    re, im = out
    for name, part in (("real", re), ("imag", im)):
        if part is None or type(part) is SplitComplex:
            raise InvalidArgumentTypeError(f"out= SplitComplex's {name} part must be an array or tensor, "
                                           f"got {'None' if part is None else 'a SplitComplex'}")
    if type(re) is not type(im):
        raise InvalidArgumentTypeError(f"out= SplitComplex parts must be of one type, got {type(re).__name__} "
                                       f"and {type(im).__name__}")
    shape, dtype, device = (getattr(re, a, None) for a in ("shape", "dtype", "device"))
    if shape is None or dtype is None:  # not an array: the out= checks say what it must be
        return
    if tuple(shape) != tuple(im.shape):
        raise InvalidArgumentError(f"out= SplitComplex parts must have one shape, got {tuple(shape)} and "
                                   f"{tuple(im.shape)}")
    if dtype != im.dtype:
        raise InvalidDtypeError(f"out= SplitComplex parts must have one dtype, got {dtype} and {im.dtype}")
    if device != getattr(im, "device", None):
        raise InvalidArgumentError(f"out= SplitComplex parts are on different devices: {device} and {im.device}")
    if re.is_complex() if arrays.is_tensor(re) else np.dtype(dtype).kind == "c":
        raise InvalidDtypeError(f"out= SplitComplex parts must be real arrays (each takes one part of the "
                                f"complex result), got dtype {dtype}")
    for name, part in (("real", re), ("imag", im)):
        check_writable(part, f"out= SplitComplex's {name} part")
    if arrays.is_tensor(re) and (re.device.type == "meta"  # (no memory: the device checks come next)
                                 or re.untyped_storage().data_ptr() != im.untyped_storage().data_ptr()):
        return
    if _overlap(re, im):
        raise InvalidArgumentError("out= SplitComplex parts share memory (each must be a separate array "
                                   "for one part of the result)")


def check_writable(out: Any, name: str = "out=") -> None:
    """An out= array NumPy can write into, or a tensor torch lets one write into here."""
    if isinstance(out, np.ndarray) and not out.flags.writeable:
        raise InvalidArgumentError(f"{name} is read-only (a broadcast view, or one made read-only): pass "
                                   f"a writable array")
    if arrays.is_tensor(out) and out.is_inference() and not arrays.loaded_torch().is_inference_mode_enabled():
        raise InvalidArgumentError(f"{name} is an inference tensor (made under torch.inference_mode): "
                                   f"torch allows no in-place update to it outside inference mode")


def _overlap(re: Any, im: Any) -> bool:
    """Whether two arrays (or two tensors sharing a storage) share memory; tensors NumPy cannot
    view (off the CPU, or of a dtype NumPy has not) count as overlapping."""
    if arrays.is_tensor(re):
        try:
            re, im = re.detach().numpy(), im.detach().numpy()
        except (TypeError, RuntimeError):
            return True
    return bool(np.shares_memory(re, im))


def check_split(split: Any) -> None:
    """``split=`` is True, False or None (a string such as "no" would otherwise count as True)."""
    if split is not None and not isinstance(split, (bool, np.bool_)):
        raise InvalidArgumentTypeError(f"split must be True, False or None, got {split!r}")


def combine(re: Any, im: Any | None) -> Any:
    """The complex array or tensor ``re + 1j * im``, exactly (differentiable for tensors).

    Integer and bool parts are promoted first as the input's library does (to
    float64 for NumPy, to torch's default dtype for tensors).
    """
    if arrays.is_tensor(re):
        torch = arrays.loaded_torch()
        if re.is_complex() or (re.is_floating_point() and re.dtype not in (torch.float16, torch.float32,
                                                                            torch.float64)):
            raise InvalidDtypeError(f"SplitComplex parts of dtype {re.dtype} hold no complex tensor torch "
                                    f"can make: the parts must be real float16/32/64 (or integer) tensors")
        if not re.is_floating_point():
            dtype = torch.get_default_dtype()
            re, im = re.to(dtype), (None if im is None else im.to(dtype))
    elif re.dtype.kind in "biu":
        re, im = re.astype(np.float64), (None if im is None else im.astype(np.float64))
    elif re.dtype.kind != "f":
        raise InvalidDtypeError(f"SplitComplex parts must be real numbers, got dtype {re.dtype}")
    return interleave(re, im)


def as_pair(y: Any) -> Any:
    """A complex result as a SplitComplex of its parts (views); a real result as it is."""
    re, im = deinterleave(y)
    return y if im is None else SplitComplex(re, im)
