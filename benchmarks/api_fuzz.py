"""Differential fuzzer: trnfft's public API against torch.fft, numpy.fft and scipy.fft.

Draws random calls (function, input dtype, shape with 0- and 1-size axes,
layout: contiguous, transposed, strided, negative-stride, broadcast, list;
``n``/``s``/``dim``/``axes``/``norm``, ``out=``) and runs each on trnfft
and on the library it imitates, under a backend drawn from auto, numpy,
fftw and (single-precision c2c of a few points) nki-simulator. A case
passes when both raise (trnfft a ``TrnfftError`` that is also every
builtin exception type the reference's error is), or both return results of
one type, dtype, shape, device and ``requires_grad`` whose values (and, for
an input requiring grad, whose gradients of one random weighting) agree
norm-wise within ``C * eps * log2(N)``; in both cases the input must be
unchanged, and under the numpy/scipy APIs the warning categories must agree.
A difference the README lists as deliberate ("Where trnfft differs ... on
purpose") is recognised by ``deliberate`` and counted, not reported.

    python -m benchmarks.api_fuzz --cases 4000 --seed 0          # a run (prints mismatches)
    python -m benchmarks.api_fuzz --seed 0 --case 1234 -v         # one case again
    python -m benchmarks.api_fuzz --cases 800 --threads 8         # from 8 threads at once

Case ``k`` of seed ``s`` is drawn from its own generator, so it reproduces
alone. Exit status 1 when any case mismatched. ``tests/api/test_fuzz.py``
runs a short seeded slice.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import math
import random
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import scipy.fft
import torch

import trnfft
from trnfft import numpy_fft
from trnfft.core.errors import BackendError, TrnfftError

C = 20.0  # tolerance constant: both sides carry rounding errors
DELIBERATE = "documented difference"
ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
TORCH_ND = ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2",
            "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]
NUMPY_ND = ["fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn"]
HELPERS = ["fftfreq", "rfftfreq", "fftshift", "ifftshift"]
C2C = {"fft", "ifft", "fft2", "ifft2", "fftn", "ifftn"}
TORCH_DTYPES = ["float16", "bfloat16", "float32", "float64", "complex64", "complex128",
                "int32", "int64", "uint8", "bool"]
NUMPY_DTYPES = ["float16", "float32", "float64", "complex64", "complex128",
                "int8", "int64", "uint16", "bool", "longdouble", "clongdouble"]
SINGLE = {"float32", "complex64", "float16", "bfloat16"}
BACKENDS = ["auto", "numpy", "fftw"]


@dataclass
class Case:
    """One drawn call: ``api.name(x, **kwargs)`` under ``backend``."""
    index: int
    api: str                      # torch, numpy or scipy
    name: str
    dtype: str = "float64"
    shape: tuple[int, ...] = ()
    layout: str = "contiguous"
    axis: int = 0                 # the axis the layout acts on
    kwargs: dict[str, Any] = field(default_factory=dict)
    out: str | None = None        # how to build out= from the reference's result
    backend: str = "auto"
    grad: bool = False
    args: tuple[Any, ...] = ()    # positional arguments other than an input (fftfreq)

    def call(self) -> str:
        module = {"torch": "trnfft", "numpy": "trnfft.numpy_fft", "scipy": "scipy.fft"}[self.api]
        kw = dict(self.kwargs)
        if self.out:
            kw["out"] = f"<{self.out}>"
        inner = ", ".join([*(["x"] if not self.args else []), *map(repr, self.args),
                           *(f"{k}={v!r}" for k, v in kw.items())])
        where = (f"x: {self.dtype} {self.shape} {self.layout}"
                 + (f" (axis {self.axis})" if self.layout in ("strided", "negative", "broadcast") else "")
                 + (" requires_grad" if self.grad else "")) if not self.args else ""
        return (f"{module}.{self.name}({inner})  # {where}; backend {self.backend}"
                f"{' (scipy.fft.set_backend(trnfft.scipy_backend, only=True))' if self.api == 'scipy' else ''}"
                f"  [--case {self.index}]")


# --- drawing cases -----------------------------------------------------------------------

def _shape(r: random.Random) -> tuple[int, ...]:
    ndim = r.choices([0, 1, 2, 3, 4], [3, 35, 35, 17, 10])[0]
    while True:
        shape = tuple(r.choices([0, 1, r.randint(2, 12), r.choice([16, 17, 31, 64])],
                                [4, 14, 70, 12])[0] for _ in range(ndim))
        if math.prod(shape) <= 4096:
            return shape


def _length(r: random.Random, m: int) -> Any:
    return r.choices([r.randint(1, 2 * m + 3), 1, 2, -1, 0, 1.5, True], [80, 4, 4, 4, 3, 2, 1])[0]


def _axes_value(r: random.Random, ndim: int, k: int) -> Any:
    pool = list(range(-ndim - 1, ndim + 1)) if r.random() < 0.08 else list(range(-ndim, ndim)) or [0]
    axes = [r.choice(pool) for _ in range(k)]
    if r.random() < 0.7 and ndim >= k:  # mostly distinct axes
        axes = r.sample(range(ndim), k)
        axes = [a - ndim if r.random() < 0.3 else a for a in axes]
    return r.choice([tuple(axes), list(axes)]) if k != 1 or r.random() < 0.6 else axes[0]


def draw(seed: int, index: int, apis: tuple[str, ...] = ("torch", "numpy", "scipy")) -> Case:
    """Case ``index`` of ``seed``, from its own generator."""
    r = random.Random(f"{seed}:{index}")
    api = r.choice(apis)
    if r.random() < 0.1:
        return _helper_case(r, index, api if api != "scipy" else "numpy")
    if api == "torch" and r.random() < 0.08:
        return _spectrogram_case(r, index)
    case = Case(index, api, r.choice(ONE_D + (NUMPY_ND if api == "numpy" else TORCH_ND)))
    case.dtype = r.choice(TORCH_DTYPES if api == "torch" else NUMPY_DTYPES)
    if case.dtype in ("longdouble", "clongdouble") and r.random() < 0.7:
        case.dtype = case.dtype.replace("longdouble", "float64").replace("cfloat64", "complex128")
    case.shape = _shape(r)
    ndim = len(case.shape)
    layouts = ["contiguous", "transposed", "strided", "broadcast"]
    layouts += ["negative", "list", "byteswapped", "tensor"] if api != "torch" else ["meta"]
    case.layout = r.choices(layouts, [50, 15, 15, 8] + ([8, 4, 4, 4] if api != "torch" else [4]))[0]
    if case.layout == "tensor" and case.dtype in ("longdouble", "clongdouble", "uint16"):
        case.layout = "contiguous"  # (no such torch dtype)
    case.axis = r.randrange(ndim) if ndim else 0
    if ndim < 2 and case.layout == "transposed" or ndim == 0:
        case.layout = "contiguous"
    kw = case.kwargs
    axis_name = "dim" if api == "torch" else ("axis" if case.name in ONE_D else "axes")
    if case.name in ONE_D:
        m = case.shape[-1] if ndim else 1
        if r.random() < 0.4:
            kw["n"] = _length(r, m)
        if r.random() < 0.4 and ndim:
            kw[axis_name] = r.choice(range(-ndim - (r.random() < 0.1), ndim + (r.random() < 0.1)))
    else:
        k = r.choice(range(0, ndim + 2)) if r.random() < 0.15 else min(ndim, r.choice([1, 2, 2, 3]))
        if r.random() < 0.45:
            axes = _axes_value(r, ndim, k)
            kw[axis_name] = axes
            k = len(axes) if isinstance(axes, (list, tuple)) else 1
            if r.random() < 0.1:
                kw[axis_name] = None
        if r.random() < 0.4:
            kk = k if r.random() < 0.85 else r.choice(range(0, ndim + 2))
            s = [r.choice([r.randint(1, 10), -1]) if r.random() < 0.9 else _length(r, 5) for _ in range(kk)]
            if api == "numpy" and r.random() < 0.05 and s:
                s[r.randrange(len(s))] = None
            one = api != "numpy" and len(s) == 1 and r.random() < 0.3
            kw["s"] = s[0] if one else r.choice([tuple(s), list(s)])
    if r.random() < 0.5:
        kw["norm"] = r.choices(["backward", "ortho", "forward", None, "bogus"], [30, 30, 30, 8, 2])[0]
    if api == "scipy" and r.random() < 0.15:
        kw["workers"] = r.choice([1, 2, -1, 0])
    if api == "scipy" and r.random() < 0.1:
        kw["overwrite_x"] = True
    if api != "scipy" and r.random() < 0.2:
        case.out = r.choice(["exact", "exact", "wider", "narrower", "real", "shape"]
                            + (["empty"] if api == "torch" else ["strided"]))
    if api == "torch" and case.dtype in ("float32", "float64", "complex64", "complex128") and r.random() < 0.1:
        case.grad = True
    single = case.dtype in SINGLE or (case.dtype in ("int8", "uint8", "bool") and api == "torch")
    small = math.prod(case.shape) <= 256
    case.backend = r.choice(BACKENDS + (["nki-simulator"] if case.name in C2C and single and small else []))
    if case.layout == "meta":  # only torch-native takes meta tensors, and auto sends them there
        case.backend = "auto"
    return case


def _helper_case(r: random.Random, index: int, api: str) -> Case:
    name = r.choice(HELPERS)
    case = Case(index, api, name)
    if name.endswith("freq"):
        case.args = (r.choices([r.randint(1, 20), 0, -1, 2.5], [85, 6, 5, 4])[0],)
        kw = case.kwargs
        if r.random() < 0.5:
            kw["d"] = r.choice([0.1, 2, 1.5, -0.5, 0.0, 3])
        if api == "torch":
            if r.random() < 0.5:
                kw["dtype"] = getattr(torch, r.choice(["float16", "bfloat16", "float32", "float64",
                                                       "complex64", "complex128", "int32"]))
            if r.random() < 0.15:
                case.out = r.choice(["exact", "empty", "wider"])
        return case
    case.dtype = r.choice(TORCH_DTYPES if api == "torch" else NUMPY_DTYPES[:-2])
    case.shape = _shape(r)
    ndim = len(case.shape)
    case.layout = "transposed" if ndim >= 2 and r.random() < 0.2 else "contiguous"
    if r.random() < 0.6:
        k = r.choice([1, 1, 2, 0]) if ndim else 1
        case.kwargs["dim" if api == "torch" else "axes"] = _axes_value(r, max(ndim, 1), k)
    return case


def _spectrogram_case(r: random.Random, index: int) -> Case:
    """stft of a signal, or istft of torch.stft's spectrogram of one (``make_input``)."""
    case = Case(index, "torch", r.choice(["stft", "stft", "istft"]))
    stft = case.name == "stft"
    case.dtype = r.choice(["float32", "float64"] + (["complex64"] if stft else []))
    length = r.choice([0, 3, 17, 64, 100, 200])
    case.shape = (length,) if r.random() < 0.6 else (r.randint(1, 3), length)
    n_fft = r.choice([1, 4, 8, 15, 16, 32, 300])
    kw = case.kwargs
    kw["n_fft"] = n_fft
    if r.random() < 0.4:
        kw["hop_length"] = r.choice([1, 3, max(1, n_fft // 2), n_fft, 0])
    if r.random() < 0.3:
        kw["win_length"] = r.choice([n_fft, max(1, n_fft - 1), n_fft + 1])
    kw["window"] = r.choice([None, "hann", "hann", "ones", "one too long"])
    if r.random() < 0.4:
        kw["center"] = r.random() < 0.5
    if stft and r.random() < 0.3:
        kw["pad_mode"] = r.choice(["reflect", "constant", "replicate", "circular", "bogus"])
    if r.random() < 0.3:
        kw["normalized"] = True
    if r.random() < 0.3:
        kw["onesided"] = r.random() < 0.5
    if stft:
        kw["return_complex"] = r.choices([True, False, None], [80, 10, 10])[0]
    else:
        if r.random() < 0.3:
            kw["length"] = r.choice([length, length + 5, max(1, length - 3)])
        if r.random() < 0.2:
            kw["return_complex"] = True
    case.backend = r.choice(BACKENDS)
    return case


def _spectrogram_kwargs(case: Case) -> dict[str, Any]:
    """The case's stft/istft keywords with its window named by a word made a tensor."""
    kw = dict(case.kwargs)
    window = kw.get("window")
    if isinstance(window, str):
        size = kw.get("win_length") or kw["n_fft"]
        kw["window"] = (torch.hann_window(size) if window == "hann" else
                        torch.ones(size + (window == "one too long")))
    return kw


# --- building inputs ---------------------------------------------------------------------

def _values(case: Case) -> np.ndarray:
    """The case's input values as a contiguous float64/complex128/integer/bool array of the base shape."""
    rng = np.random.default_rng([case.index, len(case.shape)])  # (arrays, also for 0-d: np.asarray)
    base = list(case.shape)
    if case.layout == "transposed":
        base = base[::-1]
    elif case.layout == "strided":
        base[case.axis] *= 2
    elif case.layout == "broadcast":
        base[case.axis] = 1 if base[case.axis] else 0
    if case.dtype == "bool":
        return np.asarray(rng.random(base) < 0.5)
    if case.dtype.startswith(("int", "uint")):
        return np.asarray(rng.integers(0 if case.dtype.startswith("u") else -5, 6, base))
    v = rng.standard_normal(base)
    if "complex" in case.dtype:
        v = v + 1j * rng.standard_normal(base)
    return np.asarray(v)


def _view(x: Any, case: Case, tensor: bool) -> Any:
    ndim = len(case.shape)
    if case.layout == "transposed":
        return x.permute(*range(ndim - 1, -1, -1)) if tensor else x.T
    if case.layout == "strided":
        return x[(slice(None),) * case.axis + (slice(None, None, 2),)]
    if case.layout == "negative":
        return x[(slice(None),) * case.axis + (slice(None, None, -1),)]
    if case.layout == "broadcast":
        return x.expand(*case.shape) if tensor else np.broadcast_to(x, case.shape)
    if case.layout == "list":
        return x.tolist()
    if case.layout == "byteswapped":
        return x.astype(x.dtype.newbyteorder())
    if case.layout == "tensor":  # a CPU tensor to the numpy-style API
        return torch.from_numpy(np.ascontiguousarray(x))
    return x


def make_input(case: Case) -> Any:
    """A fresh input (each call a new, equal one); for istft, torch.stft's spectrogram of one."""
    v = _values(case)
    if case.name == "istft":
        n_fft = case.kwargs["n_fft"]
        signal = torch.from_numpy(v).to(getattr(torch, case.dtype))
        if signal.shape[-1] < n_fft:
            signal = torch.nn.functional.pad(signal, (0, n_fft - signal.shape[-1]))
        return torch.stft(signal, n_fft, hop_length=max(1, n_fft // 4), window=torch.hann_window(n_fft),
                          return_complex=True)
    if case.api == "torch":
        t = torch.from_numpy(v.copy())
        dtype = getattr(torch, case.dtype)
        if t.is_complex() and not dtype.is_complex:
            t = t.real
        t = _view(t.to(dtype), case, tensor=True)
        t = t.to("meta") if case.layout == "meta" else t
        return t.detach().requires_grad_() if case.grad else t
    dtype = np.dtype(case.dtype)
    return _view(v.astype(dtype) if dtype.kind == "c" or np.iscomplexobj(v) is False else v.real.astype(dtype),
                 case, tensor=False)


def _same(a: Any, b: Any) -> bool:
    """Bitwise-equal values (NaNs equal), for the input-unchanged check."""
    if isinstance(a, torch.Tensor):
        return a.dtype == b.dtype and a.shape == b.shape and bool(
            torch.equal(a.detach().view(torch.uint8) if a.dtype == torch.bool else a.detach(), b.detach()))
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")


# --- running and comparing ---------------------------------------------------------------

@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None
    warned: frozenset = frozenset()


def outcome(fn: Callable[[], Any], record: bool = True) -> Outcome:
    """What calling ``fn`` gives: its value or error, and the warning categories it issued
    (``record=False``: none recorded, as catching warnings is not thread-safe)."""
    if not record:
        try:
            return Outcome(value=fn())
        except Exception as exc:  # noqa: BLE001 (the fuzzer compares every error)
            return Outcome(error=exc)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = fn()
        except Exception as exc:  # noqa: BLE001 (the fuzzer compares every error)
            return Outcome(error=exc, warned=frozenset(w.category for w in caught))
    return Outcome(value=value, warned=frozenset(w.category for w in caught))


@functools.lru_cache(maxsize=None)
def _available(backend: str) -> bool:
    """Whether ``backend`` can run here (a machine without pyFFTW has no fftw-reference)."""
    try:
        with trnfft.use_backend(backend):
            return True
    except BackendError:
        return False


@contextlib.contextmanager
def _selected(backend: str, local: bool) -> Iterator[None]:
    """``backend`` selected for the process (set_backend), or for this thread (use_backend);
    auto where it cannot run here."""
    backend = backend if backend == "auto" or _available(backend) else "auto"
    if local:
        with trnfft.use_backend(None if backend == "auto" else backend):
            yield
        return
    trnfft.set_backend(None if backend == "auto" else backend)
    try:
        yield
    finally:
        trnfft.set_backend(None)


def _functions(case: Case) -> tuple[Callable, Callable]:
    if case.name in ("stft", "istft"):
        return getattr(torch, case.name), getattr(trnfft, case.name)
    if case.api == "torch":
        return getattr(torch.fft, case.name), getattr(trnfft, case.name)
    if case.api == "numpy":
        return getattr(np.fft, case.name), getattr(numpy_fft, case.name)
    ref = getattr(scipy.fft, case.name)

    def under_trnfft(*a: Any, **k: Any) -> Any:
        with scipy.fft.set_backend(trnfft.scipy_backend, only=True):
            return ref(*a, **k)
    return ref, under_trnfft


def _out_like(y: Any, how: str) -> Any:
    """An out= built from the reference's result ``y`` (a fresh one per call)."""
    if isinstance(y, torch.Tensor):
        swap: dict[str, dict[Any, Any]] = {
            "wider": {torch.complex64: torch.complex128, torch.float32: torch.float64},
            "narrower": {torch.complex128: torch.complex64, torch.float64: torch.float32},
            "real": {torch.complex64: torch.float32, torch.complex128: torch.float64}}
        shape = (0,) if how == "empty" else (tuple(y.shape) + (2,) if how == "shape" else tuple(y.shape))
        return torch.full(shape, 7, dtype=swap.get(how, {}).get(y.dtype, y.dtype))
    y = np.asarray(y)
    names = {"wider": {"complex64": "complex128", "float32": "float64"},
             "narrower": {"complex128": "complex64", "float64": "float32"},
             "real": {"complex64": "float32", "complex128": "float64"}}
    dtype = np.dtype(names.get(how, {}).get(y.dtype.name, y.dtype.name))
    if how == "strided":
        return np.full(y.shape[::-1], 7, dtype).T
    return np.full(y.shape + ((2,) if how == "shape" else ()), 7, dtype)


def _builtin_bases(exc: BaseException) -> list[type]:
    return [t for t in type(exc).__mro__ if t.__module__ == "builtins"
            and t not in (Exception, BaseException, object)]


def _eps(y: Any) -> float:
    if isinstance(y, torch.Tensor):
        real = y.dtype.to_real() if y.is_complex() else y.dtype
        return float(torch.finfo(real).eps) if real.is_floating_point else 0.0
    kind = np.asarray(y).dtype
    return float(np.finfo(kind).eps) if kind.kind in "fc" else 0.0


def _as_numpy(y: Any) -> np.ndarray:
    if isinstance(y, torch.Tensor):
        y = y.detach().resolve_conj()
        if y.dtype in (torch.float16, torch.bfloat16):
            y = y.float()
        if y.dtype == torch.complex32:
            y = y.to(torch.complex64)
        return y.numpy()
    return np.asarray(y)


def compare(ref: Outcome, got: Outcome, exact: bool = False, computed: Any = None,
            slack: float = 0.0, floor: float = 0.0) -> str | None:
    """What differs between the reference's outcome and trnfft's (None: nothing).

    ``computed``: a result in the precision the transform computes in, when the
    result was cast to another (an out= of another precision); ``slack``: a
    relative error the reference is known to carry on top; ``floor``: the least
    norm to measure the error against (a result that cancels to rounding level
    is compared with its input's scale, not with its own).
    """
    if ref.error is not None or got.error is not None:
        if got.error is None:
            return f"reference raised {type(ref.error).__name__}: {ref.error}; trnfft returned"
        if ref.error is None:
            return f"trnfft raised {type(got.error).__name__}: {got.error}; reference returned"
        if not isinstance(got.error, TrnfftError):
            return f"trnfft raised {type(got.error).__name__} (no TrnfftError): {got.error}"
        missing = [t.__name__ for t in _builtin_bases(ref.error) if not isinstance(got.error, t)]
        if missing:
            return (f"trnfft's {type(got.error).__name__} is no {'/'.join(missing)} as the reference's "
                    f"{type(ref.error).__name__} is: {ref.error} | trnfft: {got.error}")
        return None
    y, r = got.value, ref.value
    if type(y) is not type(r):
        return f"result type {type(y).__name__} != reference {type(r).__name__}"
    if isinstance(r, torch.Tensor):
        if y.dtype != r.dtype or y.shape != r.shape or y.device != r.device:
            return (f"result {y.dtype} {tuple(y.shape)} {y.device} != reference {r.dtype} "
                    f"{tuple(r.shape)} {r.device}")
        if y.requires_grad != r.requires_grad:
            return f"result requires_grad={y.requires_grad} != reference {r.requires_grad}"
        if r.device.type == "meta":  # no values to compare
            return None
    elif isinstance(r, np.ndarray):
        if y.dtype != r.dtype or y.shape != r.shape:
            return f"result {y.dtype} {y.shape} != reference {r.dtype} {r.shape}"
    yn, rn = _as_numpy(y), _as_numpy(r)
    if exact or yn.size == 0:
        ok = np.array_equal(yn, rn, equal_nan=True) if yn.dtype.kind in "fc" else np.array_equal(yn, rn)
        return None if ok else f"values differ (exact compare): {yn.ravel()[:6]} vs {rn.ravel()[:6]}"
    with np.errstate(all="ignore"):
        d = yn.astype(np.clongdouble) - rn
        den = max(float(np.linalg.norm(rn.astype(np.complex128))), floor)
        err = float(np.linalg.norm(d.astype(np.complex128)) / (den if den else 1.0))
    eps = max(_eps(r), _eps(computed) if computed is not None else 0.0)
    tol = C * eps * max(1.0, math.log2(max(rn.size, 2)))
    tol += slack
    if not err <= tol:
        return f"norm-wise error {err:.3g} > {tol:.3g}"
    return None


def _no_axes(case: Case) -> bool:
    """Whether a numpy-style n-D call transforms no axis (NumPy then returns its input itself)."""
    axes = case.kwargs.get("axes", "default")
    if axes == "default" or axes is None:
        s = case.kwargs.get("s")
        return (len(case.shape) == 0 and s is None) or (s is not None and len(s) == 0)
    return isinstance(axes, (list, tuple)) and len(axes) == 0


def deliberate(case: Case, ref: Outcome, got: Outcome) -> str | None:
    """The documented deliberate difference (README, "Where trnfft differs") a mismatch is, if any."""
    if case.api == "torch" and ref.error is not None and "MKL FFT error" in str(ref.error) \
            and got.error is None and got.value.numel() == 0:
        return "torch's MKL fails on an empty batch; trnfft returns the empty result"
    if case.api == "torch" and case.out in ("wider", "narrower") and "Found dtype" in str(ref.error):
        return "torch's ifft of a real input and ihfft refuse an out= of the other precision"
    if case.api == "torch" and case.name in ("ihfftn", "ihfft2") and case.out and ref.error is None \
            and bool((ref.value == 7).all()):
        return "torch's ihfftn/ihfft2 over one dim leave out= unwritten (a torch bug)"
    if case.api == "numpy" and case.out and "output array has wrong shape" in str(got.error) \
            and "Cannot cast" in str(ref.error):
        return "several faults: NumPy reports out='s dtype before its shape, trnfft its shape"
    if case.api == "numpy" and case.dtype in ("complex64", "complex128", "clongdouble") \
            and case.name.startswith("rfft") \
            and "not supported for the input types" in str(ref.error) and got.error is not None:
        return "several faults: NumPy's real pass reports a complex input before the other axes' faults"
    if case.api == "torch" and case.name in ("ihfft", "ihfftn") and (case.out == "shape" or case.grad):
        return "torch's 1-D ihfft path keeps out='s shape and lets autograd through out="
    if case.name == "istft" and "min(): Expected reduction dim" in str(ref.error) and got.error is None:
        return "torch's istft with n_fft=1 and center=True slices its envelope empty (a torch bug)"
    if case.name == "stft" and case.kwargs.get("pad_mode") == "bogus" \
            and isinstance(ref.error, NotImplementedError) and isinstance(got.error, RuntimeError):
        return "an unknown pad_mode is a SpectrogramArgumentError (torch: NotImplementedError)"
    if case.api == "scipy" and case.layout == "byteswapped" and "unsupported data type" in str(ref.error):
        return "scipy refuses a big-endian float16 input; trnfft computes it"
    if case.api == "scipy" and case.kwargs.get("overwrite_x") and "not writeable" in str(ref.error):
        return "scipy's overwrite_x=True refuses a read-only input; trnfft, which never writes to it, computes"
    if case.layout == "meta" and case.dtype == "float16" and isinstance(got.error, TypeError):
        return "trnfft refuses float16 tensors on every device (torch's meta kernels take them)"
    if case.api == "torch" and case.name == "rfftfreq" and isinstance(case.args[0], int) and case.args[0] < 0:
        return "torch's rfftfreq gives a grid for n = -1 and -2; trnfft raises"
    if case.api == "numpy" and case.out and got.error is not None and \
            "a pass of the transform produces" in str(got.error) and ref.error is None:
        return "NumPy broadcasts a pass into an out= of another shape; trnfft refuses it"
    if case.api == "numpy" and case.name in ("hfft", "ifft2", "irfft2") and case.out:
        return "NumPy 2.4's hfft, ifft2 and irfft2 ignore out="
    if case.api in ("numpy", "scipy") and case.name in C2C and case.name not in ONE_D and _no_axes(case):
        return "NumPy and scipy return the input itself for no axes (out= and norm ignored)"
    if case.api == "numpy" and case.name == "rfftfreq" and isinstance(case.args[0], int) and case.args[0] < 0:
        return "NumPy's rfftfreq gives an empty grid for n < 0"
    if case.api == "numpy" and 0 in case.shape and got.error is None and ref.error is None \
            and not np.any(_as_numpy(got.value)):
        return "NumPy's n-D c2r reads uninitialised memory where s pads a zero-length axis; trnfft: zeros"
    if case.api == "scipy" and case.name in ("irfft", "hfft") and case.kwargs.get("n") == 0:
        return "scipy's irfft/hfft take n=0 as pocketfft's default and return one point; trnfft raises"
    s = case.kwargs.get("s")
    if (case.api != "torch" and isinstance(case.kwargs.get("n"), bool)) or (
            isinstance(s, (list, tuple)) and any(isinstance(v, bool) for v in s)):
        return "trnfft refuses a bool length"
    if case.api == "torch" and case.grad and case.out and ref.error is None \
            and "automatic differentiation" in str(got.error):
        return "torch's real-input ifft/ihfft paths let autograd through out=; trnfft refuses it"
    return None


def _compare_gradients(case: Case, y_ref: Any, y_got: Any, x_ref: Any, x_got: Any) -> str | None:
    """Backpropagate one random weighting of both results; the inputs' gradients must agree."""
    if not (isinstance(y_ref, torch.Tensor) and y_ref.requires_grad and y_ref.numel()):
        return None
    g = torch.Generator().manual_seed(case.index)
    weights = torch.randn(y_ref.shape, dtype=y_ref.dtype, generator=g).to(y_ref.device)
    grads = []
    for y, x in ((y_ref, x_ref), (y_got, x_got)):
        loss = (y * weights.conj()).real.sum() if y.is_complex() else (y * weights).sum()
        grads.append(torch.autograd.grad(loss, x, allow_unused=True)[0])
    if (grads[0] is None) != (grads[1] is None):
        return "only one side's input receives a gradient"
    if grads[0] is None:
        return None
    problem = compare(Outcome(value=grads[0]), Outcome(value=grads[1]))
    return None if problem is None else f"gradients differ: {problem}"


def run_case(case: Case, local: bool = False) -> str | None:
    """Run one case on both sides; a description of what differs, or None.

    ``local``: select the backend for this thread only and record no warnings (threaded runs).
    """
    ref_fn, trn_fn = _functions(case)
    helper = case.name in HELPERS
    args = case.args if case.args else None
    kwargs = _spectrogram_kwargs(case) if case.name in ("stft", "istft") else dict(case.kwargs)

    def call(fn: Callable, out: Any) -> Callable[[], Any]:
        extra = {} if out is None else {"out": out}
        if args is not None:
            return lambda: fn(*args, **kwargs, **extra)
        x = make_input(case)
        call.inputs.append(x)  # type: ignore[attr-defined]
        return lambda: fn(x, **kwargs, **extra)
    call.inputs = []  # type: ignore[attr-defined]

    out_ref = out_trn = probe = None
    if case.out:
        probe = outcome(call(ref_fn, None), not local)
        call.inputs.clear()  # type: ignore[attr-defined]
        if probe.error is not None or not isinstance(probe.value, (np.ndarray, torch.Tensor)):
            case.out = None
        else:
            out_ref, out_trn = _out_like(probe.value, case.out), _out_like(probe.value, case.out)
    ref = outcome(call(ref_fn, out_ref), not local)
    with _selected(case.backend, local):
        got = outcome(call(trn_fn, out_trn), not local)
    if got.error is not None and type(got.error).__name__ == "UnsupportedProblemError" and \
            case.backend == "nki-simulator":
        return None  # a single-named backend declining a problem is trnfft's documented rule
    # NumPy scales a float16 input's transform by 1/n or 1/sqrt(n) rounded to float16 (trnfft: float32)
    slack = 2.0 ** -10 if case.api == "numpy" and case.dtype == "float16" else 0.0
    computed = None if probe is None else probe.value
    if case.name == "istft" and case.dtype == "float64" and isinstance(case.kwargs.get("window"), str):
        computed = torch.empty(0)  # torch's istft keeps a float32 window's envelope in float32
    floor = 0.0
    if args is None and case.layout != "meta":  # the input's norm over its size: what no result falls below
        x = np.asarray(_as_numpy(call.inputs[-1]) if isinstance(call.inputs[-1], torch.Tensor)  # type: ignore
                       else call.inputs[-1], dtype=np.complex128)  # type: ignore
        floor = float(np.linalg.norm(x)) / max(x.size, 1)
    problem = compare(ref, got, exact=helper, computed=computed, slack=slack, floor=floor)
    if problem is None and case.out and ref.error is None:
        if (ref.value is out_ref) != (got.value is out_trn):
            problem = "out= is returned by one side only"
    if problem is None and args is None and case.layout != "meta" \
            and not _same(call.inputs[-1], make_input(case)):  # type: ignore
        problem = "trnfft modified its input"
    if problem is None and case.grad and ref.error is None and not case.out:
        problem = _compare_gradients(case, ref.value, got.value, *call.inputs[-2:])  # type: ignore
    if problem is None and case.api != "torch" and ref.warned != got.warned:
        problem = (f"warnings differ: reference {sorted(w.__name__ for w in ref.warned)}, "
                   f"trnfft {sorted(w.__name__ for w in got.warned)}")
    if problem is not None and (why := deliberate(case, ref, got)):
        return f"{DELIBERATE} ({why}): {problem}"
    return problem


Found = list[tuple[Case, str]]


def fuzz(seed: int, cases: Sequence[int], apis: tuple[str, ...] = ("torch", "numpy", "scipy"),
         budget: float | None = None, local: bool = False) -> tuple[int, Found, Found]:
    """Run ``cases`` of ``seed``: (how many ran, the mismatches, the documented differences met)."""
    found: Found = []
    known: Found = []
    start, ran = time.monotonic(), 0
    for i in cases:
        if budget is not None and time.monotonic() - start > budget:
            break
        case = draw(seed, i, apis)
        try:
            problem = run_case(case, local)
        except Exception as exc:  # noqa: BLE001 (a crash in the harness or a comparison)
            problem = f"fuzzer crashed: {type(exc).__name__}: {exc}"
        ran += 1
        if problem:
            (known if problem.startswith(DELIBERATE) else found).append((case, problem))
    return ran, found, known


def fuzz_threads(seed: int, cases: Sequence[int], threads: int = 8, timeout: float = 300.0,
                 apis: tuple[str, ...] = ("torch", "numpy", "scipy")) -> tuple[int, Found, Found]:
    """``fuzz`` with the cases dealt to ``threads`` threads started together (backends selected
    per thread, warnings not compared); a thread still running after ``timeout`` is a hang."""
    barrier = threading.Barrier(threads)
    results: list[tuple[int, Found, Found] | None] = [None] * threads

    def work(k: int) -> None:
        barrier.wait()
        results[k] = fuzz(seed, cases[k::threads], apis, local=True)

    pool = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(threads)]
    for t in pool:
        t.start()
    deadline = time.monotonic() + timeout
    for t in pool:
        t.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in pool) or None in results:
        raise RuntimeError(f"fuzz_threads: a thread hung or died (seed {seed}, {len(cases)} cases, "
                           f"{threads} threads, {timeout} s)")
    done = [r for r in results if r is not None]
    return (sum(r[0] for r in done), [f for r in done for f in r[1]], [k for r in done for k in r[2]])


def report(found: Found) -> str:
    """The mismatches, each with its reproducing call."""
    return "\n".join(f"MISMATCH {case.call()}\n    {problem}" for case, problem in found)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cases", type=int, default=2000)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--case", type=int, help="run this one case")
    p.add_argument("--api", default="torch,numpy,scipy")
    p.add_argument("--budget", type=float, help="stop after this many seconds")
    p.add_argument("--threads", type=int, default=1, help="run the cases from this many threads at once")
    p.add_argument("-v", "--verbose", action="store_true", help="list the documented differences met too")
    a = p.parse_args(argv)
    apis = tuple(a.api.split(","))
    span = range(a.case, a.case + 1) if a.case is not None else range(a.start, a.start + a.cases)
    start = time.monotonic()
    if a.threads > 1:
        with warnings.catch_warnings():  # (not compared from threads: printing them is noise)
            warnings.simplefilter("ignore")
            ran, found, known = fuzz_threads(a.seed, span, a.threads, apis=apis)
    else:
        ran, found, known = fuzz(a.seed, span, apis, a.budget)
    if a.verbose:
        print("\n".join(f"documented {case.call()}\n    {problem}" for case, problem in known))
    if found:
        print(report(found))
    print(f"{ran} cases (seed {a.seed}, from {span.start}, {a.threads} thread(s)): {len(found)} mismatches, "
          f"{len(known)} documented differences, {time.monotonic() - start:.1f} s")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
