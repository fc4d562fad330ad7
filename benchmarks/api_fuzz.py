"""Differential fuzzer: trnfft's public API against torch.fft, numpy.fft and scipy.fft.

Draws random calls (function, input dtype, shape with 0- and 1-size axes,
layout: contiguous, transposed, strided, negative-stride, broadcast, list;
``n``/``s``/``dim``/``axes``/``norm``, ``out=``, scipy's ``workers=`` in every
spelling, stft/istft with real and complex windows) and runs each on trnfft
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

Three families check what has no outside reference against one built from it:

* ``split``: torch- and numpy-style calls on ``SplitComplex`` pairs (float,
  integer, bool, float16, long double parts; any layout; ``out=`` a complex
  array or a pair; autograd through the parts) or with ``split=``, against the
  library's call on the complex input the pair holds: a pair must come back
  exactly where the README says one is due, of the reference's kind, real
  dtype, shape and device.
* ``badpair``: pairs (or ``out=`` pairs) that break the contract (shapes,
  dtypes, types, devices, complex/None/nested/string/object/bfloat16 parts;
  read-only, aliased, broadcast or non-resizable ``out=`` parts): a
  ``TrnfftError``, the pair and the ``out=`` pair unchanged.
* ``plan``: ``trnfft.plan`` from a tensor, an array or shape/dtype, against the
  function it plans: refused where the function refuses; ``p(x)``, ``p(x,
  out=)`` and ``p()`` equal to it, and ``p(x)`` to torch.fft's function itself; wrong inputs and outs refused clearly; one
  plan called from 4 threads at once (every 8th case) gives every thread its
  serial result, with no hang.

An argument equal to an integer but of another type (``axis=1.0``,
``workers=True``) is also drawn after the integer's call ran twice, so that
trnfft's call-signature memo, which compares by equality, would serve it.

    python -m benchmarks.api_fuzz --cases 4000 --seed 0          # a run (prints mismatches)
    python -m benchmarks.api_fuzz --seed 0 --case 1234 -v         # one case again
    python -m benchmarks.api_fuzz --cases 800 --threads 8         # from 8 threads at once
    python -m benchmarks.api_fuzz --api split,plan --cases 2000   # some families only

Case ``k`` of seed ``s`` is drawn from its own generator, so it reproduces
alone (with ``--api`` as it was). Exit status 1 when any case mismatched.
``tests/api/test_fuzz.py`` runs short seeded slices.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import math
import os
import random
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import scipy.fft
import torch

import trnfft
from trnfft import SplitComplex, numpy_fft
from trnfft.api.functions import FUNCTIONS
from trnfft.core.errors import BackendError, TrnfftError

C = 20.0  # tolerance constant: both sides carry rounding errors
DELIBERATE = "documented difference"
ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
TORCH_ND = ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2",
            "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]
NUMPY_ND = ["fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn"]
HELPERS = ["fftfreq", "rfftfreq", "fftshift", "ifftshift"]
C2C = {"fft", "ifft", "fft2", "ifft2", "fftn", "ifftn"}
FUNCTION_KINDS = {name: f.kind for name, f in FUNCTIONS.items()}
TORCH_DTYPES = ["float16", "bfloat16", "float32", "float64", "complex64", "complex128",
                "int32", "int64", "uint8", "bool"]
NUMPY_DTYPES = ["float16", "float32", "float64", "complex64", "complex128",
                "int8", "int64", "uint16", "bool", "longdouble", "clongdouble"]
SINGLE = {"float32", "complex64", "float16", "bfloat16"}
BACKENDS = ["auto", "numpy", "fftw"]
ALL_APIS = ("torch", "numpy", "scipy", "split", "badpair", "plan")
CORES = os.cpu_count() or 1
# scipy's workers= spellings: counts, -1 and below, zero, and what is no count (scipy's TypeErrors)
WORKERS = [1, 2, -1, 0, -CORES, -CORES - 1, True, False, np.int64(2), np.uint8(1), np.array(2), np.True_,
           "2", "-1", 2.0, 1.5, np.float64(2.0), [2], 2 + 0j, None, 10**6]


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
    pair: bool = False            # x given as SplitComplex(real, imag) of parts of ``dtype``
    warm: dict[str, Any] = field(default_factory=dict)  # keywords of an equal call run twice first
    plan: str | None = None       # api "plan": how the plan is made (tensor, array or shape example)
    defect: str | None = None     # api "badpair": what is wrong with the SplitComplex given

    def call(self) -> str:
        if self.plan:
            return (f"p = trnfft.plan({self.name!r}, <{self.plan} example: {self.dtype} {self.shape} "
                    f"{self.layout}>, {', '.join(f'{k}={v!r}' for k, v in self.kwargs.items())}); "
                    f"backend {self.backend}  [--case {self.index}]")
        module = {"torch": "trnfft", "numpy": "trnfft.numpy_fft", "scipy": "scipy.fft"}[self.api]
        kw = dict(self.kwargs)
        if self.out:
            kw["out"] = f"<{self.out}>"
        inner = ", ".join([*(["x"] if not self.args else []), *map(repr, self.args),
                           *(f"{k}={v!r}" for k, v in kw.items())])
        where = (f"x: {'SplitComplex of ' if self.pair else ''}{self.dtype} {self.shape} {self.layout}"
                 + (f" ({self.defect})" if self.defect else "")
                 + (f" (axis {self.axis})" if self.layout in ("strided", "negative", "broadcast") else "")
                 + (" requires_grad" if self.grad else "")) if not self.args else ""
        return (f"{module}.{self.name}({inner})  # {where}; backend {self.backend}"
                f"{f' (after {self.warm} twice)' if self.warm else ''}"
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


def draw(seed: int, index: int, apis: tuple[str, ...] = ALL_APIS) -> Case:
    """Case ``index`` of ``seed``, from its own generator.

    ``apis``: torch, numpy and scipy (each library's functions), split (torch- and numpy-style
    calls on SplitComplex pairs or with ``split=``), badpair (malformed pairs, which must be
    refused clearly), plan (``trnfft.plan`` objects against the functions) and spectrogram
    (stft/istft only; torch draws them too)."""
    r = random.Random(f"{seed}:{index}")
    api = r.choice(apis)
    if api == "split":
        return _split_case(r, index)
    if api == "badpair":
        return _bad_pair_case(r, index)
    if api == "plan":
        return _plan_case(r, index)
    if api == "spectrogram":
        return _spectrogram_case(r, index)
    if r.random() < 0.1:
        return _helper_case(r, index, api if api != "scipy" else "numpy")
    if api == "torch" and r.random() < 0.08:
        return _spectrogram_case(r, index)
    case = _transform_case(r, index, api)
    if r.random() < 0.04:
        _confuse(r, case)
    return case


def _transform_case(r: random.Random, index: int, api: str) -> Case:
    """A call of one of ``api``'s transforms (fft ... ihfftn)."""
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
        kw["workers"] = r.choice(WORKERS)
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
    case.dtype = r.choice(["float32", "float64", "complex64"])  # istft: of a two-sided spectrogram
    length = r.choice([0, 3, 17, 64, 100, 200])
    case.shape = (length,) if r.random() < 0.6 else (r.randint(1, 3), length)
    n_fft = r.choice([1, 4, 8, 15, 16, 32, 300])
    kw = case.kwargs
    kw["n_fft"] = n_fft
    if r.random() < 0.4:
        kw["hop_length"] = r.choice([1, 3, max(1, n_fft // 2), n_fft, 0])
    if r.random() < 0.3:
        kw["win_length"] = r.choice([n_fft, max(1, n_fft - 1), n_fft + 1])
    kw["window"] = r.choice([None, "hann", "hann", "ones", "one too long", "hann double", "complex",
                             "complex double"])
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
        if r.random() < (0.6 if case.dtype == "complex64" else 0.2):
            kw["return_complex"] = True
    case.backend = r.choice(BACKENDS)
    if r.random() < 0.15:  # the signal (spectrogram) as a SplitComplex pair of its parts
        case.pair = case.dtype == "complex64" or not stft
    return case


def _spectrogram_kwargs(case: Case) -> dict[str, Any]:
    """The case's stft/istft keywords with its window named by a word made a tensor."""
    kw = dict(case.kwargs)
    window = kw.get("window")
    if isinstance(window, str):
        size = kw.get("win_length") or kw["n_fft"]
        hann = torch.hann_window(size, dtype=torch.float64 if "double" in window else torch.float32)
        turn = torch.exp(1j * torch.linspace(0.0, 2.5, size, dtype=torch.float64))
        kw["window"] = {"hann": hann, "hann double": hann, "complex": (hann * turn).to(torch.complex64),
                        "complex double": hann * turn}.get(window, torch.ones(size + (window == "one too long")))
    return kw


def _confuse(r: random.Random, case: Case) -> None:
    """An axis or workers= spelt as a value equal to a valid integer but of another type (a float, a
    bool, a complex), after the integer spelling's call ran twice (so the call-signature memo, which
    compares by equality, has the integer's entry)."""
    kw = case.kwargs
    names = [k for k in ("dim", "axis") if isinstance(kw.get(k), int)]
    if names and r.random() < 0.6:
        k = names[0]
    else:
        k = "workers"
        kw.setdefault(k, r.choice([1, 2]))
        if not isinstance(kw[k], int) or isinstance(kw[k], bool):
            return
    case.warm = dict(kw)
    value = kw[k]
    spellings = [float(value), np.float64(value), complex(value)] + ([bool(value)] if value in (0, 1) else [])
    kw[k] = r.choice(spellings)


def _split_case(r: random.Random, index: int) -> Case:
    """A torch- or numpy-style transform given a SplitComplex pair (or a real input with split=True
    to a real-input transform), with split= True, False or unset; its reference is the library's
    call on the complex input the pair holds."""
    case = _transform_case(r, index, r.choice(["torch", "numpy"]))
    real_in = FUNCTION_KINDS[case.name] == "r2c"
    if real_in and r.random() < 0.8:
        case.dtype = r.choice(["float32", "float64"])
        case.kwargs["split"] = r.choice([True, True, False, None])
    else:
        case.pair = True
        case.dtype = r.choices(["float32", "float64", "int64", "bool"]
                               + (["float16", "longdouble"] if case.api == "numpy" else ["float16"]),
                               [40, 40, 5, 3, 4] + ([3] if case.api == "numpy" else []))[0]
        if r.random() < 0.6:
            case.kwargs["split"] = r.choice([True, False, None])
    if case.layout == "tensor" and case.dtype == "longdouble":
        case.layout = "contiguous"
    if case.out:
        case.out = r.choice(["exact", "pair"] if FUNCTION_KINDS[case.name] != "c2r" else ["exact"])
    case.grad = case.api == "torch" and case.dtype in ("float32", "float64") and case.layout != "meta" \
        and r.random() < 0.15 and not case.out
    single = case.dtype in ("float32", "float16")
    if case.name in C2C and single and math.prod(case.shape) <= 256 and r.random() < 0.25:
        case.backend = "nki-simulator"
    if case.layout == "meta":
        case.backend = "auto"
    return case


DEFECTS = ["shape", "dtype", "int and float", "array and tensor", "devices", "complex parts", "no imag",
           "strings", "objects", "bfloat16", "3 parts", "byte orders", "out shape", "out dtype",
           "out types", "out of a real result", "out read-only", "out aliased", "out broadcast",
           "out complex", "out not resizable"]
SHIFT_DEFECTS = ["shape", "dtype", "int and float", "array and tensor", "devices", "no imag", "3 parts",
                 "byte orders"]  # (a shift takes any dtype: only the pair's own contract binds it)


def _bad_pair_case(r: random.Random, index: int) -> Case:
    """A SplitComplex that breaks the pair's contract (one type, shape, dtype and device; real
    float parts), as an input or as out=: trnfft must refuse it with a TrnfftError."""
    case = Case(index, r.choice(["torch", "numpy"]), r.choice(ONE_D + TORCH_ND + ["fftshift", "stft"]))
    if case.api == "numpy" and case.name not in ONE_D + NUMPY_ND + ["fftshift"]:
        case.name = "fftn"
    case.defect = r.choice(DEFECTS if case.name != "fftshift" else SHIFT_DEFECTS)
    if case.defect.startswith("out") and case.name in ("fftshift", "stft"):
        case.name = "fft"
    if case.defect == "out of a real result":
        case.name = r.choice(["irfft", "hfft"])
    elif case.defect.startswith("out") and FUNCTION_KINDS.get(case.name) == "c2r":
        case.name = "ifft"
    if case.defect == "devices" and case.api == "numpy":
        case.defect = "shape"
    case.dtype = r.choice(["float32", "float64"])
    case.shape = (r.randint(3, 8),) if case.name == "stft" else (r.randint(1, 5), r.randint(2, 9))
    if case.name == "stft":
        case.kwargs = {"n_fft": 2, "window": torch.ones(2), "return_complex": True}
    case.backend = r.choice(BACKENDS)
    return case


def _plan_case(r: random.Random, index: int) -> Case:
    """``trnfft.plan(name, example, n/s, dim, norm, backend=)`` for a torch.fft-style transform: made
    from a tensor, an array or shape/dtype, called as p(x), p(x, out=), p(), with wrong inputs and
    outs, and sometimes from several threads at once."""
    base = _transform_case(r, index, "torch")
    case = Case(index, "plan", base.name, base.dtype, base.shape, base.layout, base.axis, base.kwargs,
                backend=base.backend)
    case.plan = r.choices(["tensor", "array", "shape", "torch shape"], [40, 40, 10, 10])[0]
    if case.layout == "meta" or (case.plan != "array" and case.layout == "negative"):
        case.layout = "contiguous"
    if case.plan in ("array", "shape") and case.dtype == "bfloat16":
        case.dtype = "float16"
    if case.plan.endswith("shape"):
        case.layout = "contiguous"
    return case


# --- building inputs ---------------------------------------------------------------------

def _values(case: Case, part: int = 0) -> np.ndarray:
    """The case's input values as a contiguous float64/complex128/integer/bool array of the base shape
    (``part`` 1: other values, for a pair's imaginary part)."""
    rng = np.random.default_rng([case.index, len(case.shape)] + ([part] if part else []))
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
    """A fresh input (each call a new, equal one); for istft, torch.stft's spectrogram of one; for a
    pair case, a SplitComplex of two such parts (stft/istft: of the complex signal/spectrogram)."""
    if not case.pair:
        return _one_input(case)
    if case.name in ("stft", "istft"):
        z = _one_input(case)
        return SplitComplex(z.real.contiguous(), z.imag.contiguous())
    return SplitComplex(_one_input(case), _one_input(case, 1))


def joined(case: Case, x: Any) -> Any:
    """The complex input a SplitComplex holds, as the case's library builds it (its promotions: NumPy
    to complex64/128/256 by NEP 50, torch integers and bools to the default dtype first)."""
    if type(x) is not SplitComplex:
        return x
    if case.api == "torch":
        re, im = x
        if not re.is_floating_point():
            re, im = re.to(torch.get_default_dtype()), im.to(torch.get_default_dtype())
        return torch.complex(re, im)
    re, im = (np.asarray(p.numpy() if isinstance(p, torch.Tensor) else p) for p in x)
    return np.asarray(re + 1j * im)  # (an array for 0-d parts too)


def _one_input(case: Case, part: int = 0) -> Any:
    v = _values(case, part)
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
    if a is None or b is None:
        return a is b
    if type(a) is SplitComplex:
        return type(b) is SplitComplex and all(_same(p, q) for p, q in zip(a, b))
    if isinstance(a, torch.Tensor) and a.device.type == "meta":  # (no values)
        return isinstance(b, torch.Tensor) and (a.dtype, a.shape, a.device) == (b.dtype, b.shape, b.device)
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
    ref, trn = _library_functions(case)
    if not case.pair:
        return ref, trn
    return (lambda x, *a, **k: ref(joined(case, x), *a, **k)), trn


def _library_functions(case: Case) -> tuple[Callable, Callable]:
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
    """An out= built from the reference's result ``y`` (a fresh one per call); "pair": a SplitComplex
    of two real ones."""
    if how == "pair":
        return SplitComplex(_out_like(y, "real"), _out_like(y, "real"))
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
    dtype = y.real.dtype if how == "real" else np.dtype(names.get(how, {}).get(y.dtype.name, y.dtype.name))
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
        y = y.detach().resolve_conj().resolve_neg()
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
        return (len(case.shape) == 0 and s is None) or (isinstance(s, (list, tuple)) and len(s) == 0)
    return isinstance(axes, (list, tuple)) and len(axes) == 0


def _refused(got: Outcome, *what: str) -> bool:
    """Whether trnfft raised a TrnfftError naming one of ``what`` (the argument it refused)."""
    return isinstance(got.error, TrnfftError) and any(w in str(got.error) for w in what)


def _only_out_differs(problem: str) -> bool:
    """Whether ``problem`` is what writing into an out= of its own makes differ: which side returns
    it, or the result's dtype (an out= of another precision)."""
    return problem.startswith(("out= is returned by one side only", "result "))


def deliberate(case: Case, ref: Outcome, got: Outcome, problem: str = "",
               agree: Callable[[Any, Any], bool] | None = None,
               fails_without_workers: Callable[[], bool] = lambda: False) -> str | None:
    """The documented deliberate difference (README, "Where trnfft differs") a mismatch is, if any.

    Each rule checks the symptom its difference has, not only the kind of call: ``problem`` is the
    mismatch found, ``agree(ref_value, got_value)`` whether two results hold the same values within
    the case's tolerance (trnfft's cast to the reference's dtype); ``fails_without_workers()``
    whether the reference still fails with no ``workers=`` (another fault than workers' own)."""
    agree = agree or (lambda r, g: False)
    if case.api == "torch" and ref.error is not None and "MKL FFT error" in str(ref.error) \
            and got.error is None and _size(got.value[0] if type(got.value) is SplitComplex else got.value) == 0:
        return "torch's MKL fails on an empty batch; trnfft returns the empty result"
    if case.api == "torch" and case.out in ("wider", "narrower") and "Found dtype" in str(ref.error):
        return "torch's ifft of a real input and ihfft refuse an out= of the other precision"
    if case.api == "torch" and case.name in ("ihfftn", "ihfft2") and case.out and ref.error is None \
            and bool((ref.value == 7).all()):
        return "torch's ihfftn/ihfft2 over one dim leave out= unwritten (a torch bug)"
    if case.api == "numpy" and case.out and "output array has wrong shape" in str(got.error) \
            and "Cannot cast" in str(ref.error):
        return "several faults: NumPy reports out='s dtype before its shape, trnfft its shape"
    if case.api == "numpy" and (case.dtype in ("complex64", "complex128", "clongdouble") or case.pair) \
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
    if case.api == "torch" and case.dtype == "float16" and isinstance(got.error, TypeError) \
            and (case.layout == "meta" or case.pair):
        return ("trnfft refuses float16 tensors on every device (torch's meta kernels take them, and "
                "its CPU ones copy a complex32 input over no dims)")
    if case.api == "torch" and case.name == "rfftfreq" and isinstance(case.args[0], int) and case.args[0] < 0:
        return "torch's rfftfreq gives a grid for n = -1 and -2; trnfft raises"
    if case.api == "numpy" and case.out and got.error is not None and \
            "a pass of the transform produces" in str(got.error) and ref.error is None:
        return "NumPy broadcasts a pass into an out= of another shape; trnfft refuses it"
    if case.api == "numpy" and case.name in ("hfft", "ifft2", "irfft2") and case.out and ref.error is None \
            and (_refused(got, "out=") or (got.error is None and _only_out_differs(problem)
                                           and agree(ref.value, got.value))):
        return "NumPy 2.4's hfft, ifft2 and irfft2 ignore out="
    if case.api in ("numpy", "scipy") and case.name in C2C and case.name not in ONE_D and _no_axes(case) \
            and ref.error is None and (
                _refused(got, *(["out="] if case.out else []), *(["norm"] if "norm" in case.kwargs else []))
                or (got.error is None and _only_out_differs(problem) and agree(ref.value, got.value))):
        return "NumPy and scipy return the input itself for no axes (out= and norm ignored)"
    if case.api == "numpy" and case.name == "rfftfreq" and isinstance(case.args[0], int) and case.args[0] < 0:
        return "NumPy's rfftfreq gives an empty grid for n < 0"
    if case.api == "numpy" and case.name in ("irfft", "irfft2", "irfftn", "hfft") and 0 in case.shape \
            and got.error is None and ref.error is None and problem.startswith("norm-wise error") \
            and not np.any(_as_numpy(got.value)):
        return "NumPy's c2r reads uninitialised memory where n/s pad a zero-length axis; trnfft: zeros"
    if case.api == "scipy" and case.name in ("irfft", "hfft") and case.kwargs.get("n") == 0:
        return "scipy's irfft/hfft take n=0 as pocketfft's default and return one point; trnfft raises"
    workers = case.kwargs.get("workers")
    ceiling = type(workers) is int and workers > 4096
    if workers is not None and (type(workers) is not int or ceiling) and ref.error is not None \
            and _refused(got, "workers must be between" if ceiling else "workers") \
            and (case.api == "scipy" or ceiling or isinstance(got.error, TypeError)) \
            and fails_without_workers():
        return ("several faults: trnfft checks workers= before the other arguments (scipy's pocketfft checks "
                "its type last; torch and NumPy have none)")
    if case.api == "scipy" and type(workers) is int and workers > 4096 and ref.error is None \
            and _refused(got, "workers must be between"):
        return "trnfft refuses more than 4096 workers (scipy takes any count)"
    axes = case.kwargs.get("axis", case.kwargs.get("axes"))
    if case.api != "torch" and any(isinstance(a, (bool, np.bool_)) for a in
                                   (axes if isinstance(axes, (list, tuple)) else [axes])) \
            and _refused(got, "must be an integer, got"):
        return "trnfft refuses a bool axis (NumPy and scipy take True as 1; torch refuses it too)"
    s = case.kwargs.get("s")
    if (case.api != "torch" and isinstance(case.kwargs.get("n"), bool)) or isinstance(s, bool) or (
            isinstance(s, (list, tuple)) and any(isinstance(v, bool) for v in s)):
        return "trnfft refuses a bool length"
    if case.api == "torch" and case.grad and case.out and ref.error is None \
            and "automatic differentiation" in str(got.error):
        return "torch's real-input ifft/ihfft paths let autograd through out=; trnfft refuses it"
    return None


def _compare_gradients(case: Case, y_ref: Any, y_got: Any, x_ref: Any, x_got: Any) -> str | None:
    """Backpropagate one random weighting of both results; the inputs' gradients (each part's, for a
    pair) must agree."""
    if not (isinstance(y_ref, torch.Tensor) and y_ref.requires_grad and y_ref.numel()):
        return None
    g = torch.Generator().manual_seed(case.index)
    weights = torch.randn(y_ref.shape, dtype=y_ref.dtype, generator=g).to(y_ref.device)
    grads = []
    for y, x in ((y_ref, x_ref), (y_got, x_got)):
        loss = (y * weights.conj()).real.sum() if y.is_complex() else (y * weights).sum()
        grads.append(torch.autograd.grad(loss, _leaves(x), allow_unused=True))
    for ref_grad, got_grad in zip(*grads):
        if (ref_grad is None) != (got_grad is None):
            return "only one side's input receives a gradient"
        if ref_grad is not None and (problem := compare(Outcome(value=ref_grad), Outcome(value=got_grad))):
            return f"gradients differ: {problem}"
    return None


def run_case(case: Case, local: bool = False) -> str | None:
    """Run one case on both sides; a description of what differs, or None.

    ``local``: select the backend for this thread only and record no warnings (threaded runs).
    """
    if case.plan:
        return run_plan_case(case, local)
    if case.defect:
        return run_bad_pair_case(case, local)
    ref_fn, trn_fn = _functions(case)
    helper = case.name in HELPERS
    args = case.args if case.args else None
    kwargs = _spectrogram_kwargs(case) if case.name in ("stft", "istft") else dict(case.kwargs)
    own = ("split",) if case.api == "scipy" else ("split", "workers")  # trnfft's own keywords
    ref_kwargs = {k: v for k, v in kwargs.items() if k not in own}

    def call(fn: Callable, out: Any, kw: dict[str, Any]) -> Callable[[], Any]:
        extra = {} if out is None else {"out": out}
        if args is not None:
            return lambda: fn(*args, **kw, **extra)
        x = make_input(case)
        call.inputs.append(x)  # type: ignore[attr-defined]
        return lambda: fn(x, **kw, **extra)
    call.inputs = []  # type: ignore[attr-defined]

    out_ref = out_trn = probe = None
    if case.out:
        probe = outcome(call(ref_fn, None, ref_kwargs), not local)
        call.inputs.clear()  # type: ignore[attr-defined]
        if probe.error is not None or not isinstance(probe.value, (np.ndarray, torch.Tensor)):
            case.out = None
        else:
            out_ref = _out_like(probe.value, "exact" if case.out == "pair" else case.out)
            out_trn = _out_like(probe.value, case.out)
    ref = outcome(call(ref_fn, out_ref, ref_kwargs), not local)
    workers = kwargs.get("workers")
    if case.api != "scipy" and ref.error is None and workers is not None and type(workers) is not int:
        ref = Outcome(error=TypeError(f"workers={workers!r} is no integer"))  # (an argument torch and NumPy lack)
    with _selected(case.backend, local):
        for _ in range(2 if case.warm else 0):  # the integer spelling's call, memoised
            outcome(call(trn_fn, None, case.warm), not local)  # (its warnings recorded, not printed)
            call.inputs.pop()  # type: ignore[attr-defined]
        got = outcome(call(trn_fn, out_trn, kwargs), not local)
    if got.error is not None and type(got.error).__name__ == "UnsupportedProblemError" and \
            case.backend == "nki-simulator":
        return None  # a single-named backend declining a problem is trnfft's documented rule
    returned_out = got.value is out_trn
    problem = _unpaired(case, ref, got, out_trn)
    # NumPy scales a float16 input's transform by 1/n or 1/sqrt(n) rounded to float16 (trnfft: float32)
    slack = 2.0 ** -10 if case.api == "numpy" and case.dtype == "float16" else 0.0
    computed = None if probe is None else probe.value
    window = case.kwargs.get("window")
    if case.name == "istft" and isinstance(window, str) and window != "one too long" \
            and (case.dtype == "float64") != ("double" in window):
        computed = torch.empty(0)  # torch's istft mixes a float32 and a float64 operand's precisions
    floor = 0.0
    if args is None and case.layout != "meta":  # the input's norm over its size: what no result falls below
        x = joined(case, call.inputs[-1])  # type: ignore[attr-defined]
        x = np.asarray(_as_numpy(x) if isinstance(x, torch.Tensor) else x, dtype=np.complex128)
        floor = float(np.linalg.norm(x)) / max(x.size, 1)
    if problem is None:
        problem = compare(ref, got, exact=helper, computed=computed, slack=slack, floor=floor)

    def agree(r: Any, g: Any) -> bool:  # the same values within this case's tolerance, g cast to r's dtype
        if not (isinstance(r, (np.ndarray, torch.Tensor)) and isinstance(g, type(r)) and r.shape == g.shape):
            return False
        cast = g.astype(r.dtype) if isinstance(r, np.ndarray) else g.to(r.dtype)
        wider = g if _eps(g) > _eps(r if computed is None else computed) else computed
        return compare(Outcome(value=r), Outcome(value=cast), exact=helper, computed=wider,
                       slack=slack, floor=floor) is None
    if problem is None and case.out and ref.error is None:
        if (ref.value is out_ref) != returned_out:
            problem = "out= is returned by one side only"
    if problem is None and args is None and case.layout != "meta" \
            and not _same(call.inputs[-1], make_input(case)):  # type: ignore
        problem = "trnfft modified its input"
    if problem is None and case.grad and ref.error is None and not case.out:
        problem = _compare_gradients(case, ref.value, got.value, *call.inputs[-2:])  # type: ignore
    if problem is None and case.api != "torch" and ref.warned != got.warned:
        problem = (f"warnings differ: reference {sorted(w.__name__ for w in ref.warned)}, "
                   f"trnfft {sorted(w.__name__ for w in got.warned)}")
    def fails_without_workers() -> bool:
        kw = {k: v for k, v in ref_kwargs.items() if k != "workers"}
        out = None if out_ref is None else _out_like(probe.value, "exact" if case.out == "pair" else case.out)
        return outcome(call(ref_fn, out, kw), False).error is not None
    if problem is not None and (why := deliberate(case, ref, got, problem, agree, fails_without_workers)):
        return f"{DELIBERATE} ({why}): {problem}"
    return problem


def _is_complex(y: Any) -> bool:
    return bool(y.is_complex()) if isinstance(y, torch.Tensor) else np.iscomplexobj(y)


def _unpaired(case: Case, ref: Outcome, got: Outcome, out_trn: Any) -> str | None:
    """Check the form of a pair case's result (a SplitComplex where the README says one is due, of
    parts of the reference's kind, real dtype, shape and device) and join it for the comparison."""
    split = case.kwargs.get("split")
    if ref.error is not None or got.error is not None \
            or not (case.pair or "split" in case.kwargs or type(out_trn) is SplitComplex):
        return None
    r, y = ref.value, got.value
    due = _is_complex(r) and ((case.pair and split is not False) or bool(split)) and out_trn is None
    if type(y) is not SplitComplex:
        return f"trnfft returned a {type(y).__name__} where a SplitComplex is due" if due else None
    if not (due or (y is out_trn and type(out_trn) is SplitComplex)):
        return "trnfft returned a SplitComplex where one array is due"
    for part in y:
        real = r.real
        if type(part) is not type(real) or part.dtype != real.dtype or tuple(part.shape) != tuple(real.shape) \
                or getattr(part, "device", None) != getattr(real, "device", None):
            return (f"SplitComplex part {type(part).__name__} {part.dtype} {tuple(part.shape)} is not as the "
                    f"reference's real part {type(real).__name__} {real.dtype} {tuple(real.shape)}")
    got.value = torch.complex(*y) if isinstance(r, torch.Tensor) else np.asarray(y.real + 1j * y.imag)
    return None


def _leaves(x: Any) -> list[Any]:
    return list(x) if type(x) is SplitComplex else [x]


# --- malformed pairs ------------------------------------------------------------------------

def _bad_pair(case: Case) -> tuple[Any, Any]:
    """(x, out) for the case's defect: a pair input or a pair out= that breaks the contract."""
    tensors = case.api == "torch"
    shape = case.shape

    def part(k: int, dtype: str = case.dtype, shape: tuple[int, ...] = shape, tensor: bool = tensors) -> Any:
        v = np.random.default_rng([case.index, k]).standard_normal(shape).astype(dtype)
        return torch.from_numpy(v) if tensor else v
    a, b = part(0), part(1)
    d = case.defect
    if d == "shape":
        b = part(1, shape=shape[:-1] + (shape[-1] + 1,))
    elif d == "dtype":
        b = part(1, "float64" if case.dtype == "float32" else "float32")
    elif d == "int and float":
        b = b.int() if tensors else b.astype(np.int32)
    elif d == "array and tensor":
        b = b.numpy() if tensors else torch.from_numpy(b)
    elif d == "devices":
        b = b.to("meta")
    elif d == "complex parts":
        a, b = part(0, "complex64"), part(1, "complex64")
    elif d == "no imag":
        b = None
    elif d == "strings":
        a, b = a.astype(str) if not tensors else np.asarray(a.numpy(), str), np.full(shape, "x")
    elif d == "objects":
        a, b = (np.asarray(p.numpy() if tensors else p, object) for p in (a, b))
    elif d == "bfloat16":
        a, b = (torch.from_numpy(np.asarray(p)).to(torch.bfloat16) if not tensors else p.to(torch.bfloat16)
                for p in (a, b))
    elif d == "3 parts":
        a, b = SplitComplex(a, b), SplitComplex(a, b)
    elif d == "byte orders":
        a, b = (np.asarray(p) for p in (a, b))
        b = b.astype(b.dtype.newbyteorder())
    x = SplitComplex(a, b)
    if not d.startswith("out"):
        return x, None
    if FUNCTION_KINDS[case.name] == "r2c":
        x = part(0)
    elif case.name not in ("irfft", "hfft"):
        x = SplitComplex(part(0), part(1))
    fn = getattr(trnfft if case.api == "torch" else numpy_fft, case.name)
    y = fn(joined(case, x))
    real = y.real if _is_complex(y) else y
    o = (lambda dtype=None: torch.zeros_like(real, dtype=dtype)) if tensors else \
        (lambda dtype=None: np.zeros_like(real, dtype=dtype))
    if d == "out shape":
        other = torch.zeros(tuple(real.shape) + (1,)) if tensors else np.zeros(real.shape + (1,), real.dtype)
        return x, SplitComplex(o(), other)
    if d == "out dtype":
        return x, SplitComplex(o(torch.float32 if tensors else np.float32),
                               o(torch.float64 if tensors else np.float64))
    if d == "out types":
        return x, SplitComplex(o(), o().numpy() if tensors else torch.from_numpy(o()))
    if d == "out read-only":  # NumPy: a read-only array; torch: an inference tensor
        if tensors:
            with torch.inference_mode():
                return x, SplitComplex(o(), o())
        im = o()
        im.flags.writeable = False
        return x, SplitComplex(o(), im)
    if d == "out aliased":
        re = o()
        return x, SplitComplex(re, re)
    if d == "out broadcast":  # one element seen everywhere
        one = o()[(0,) * real.ndim]
        return x, SplitComplex(o(), one.expand(real.shape) if tensors else np.broadcast_to(one, real.shape))
    if d == "out complex":
        return x, SplitComplex(*(o(torch.complex128 if tensors else np.complex128) for _ in range(2)))
    if d == "out not resizable":  # both too small, the imaginary part's storage fixed (NumPy's)
        if not tensors:
            return x, SplitComplex(np.zeros(real.size - 1, real.dtype), np.zeros(real.size - 1, real.dtype))
        n = real.numel() - 1
        fixed = torch.from_numpy(np.zeros(n, str(real.dtype).removeprefix("torch.")))
        return x, SplitComplex(torch.zeros(n, dtype=real.dtype), fixed)
    return x, SplitComplex(o(), o())  # out of a real result: one array is due


def run_bad_pair_case(case: Case, local: bool = False) -> str | None:
    """The call must raise a TrnfftError (not crash, not compute) and leave the pair unchanged."""
    fn = getattr(trnfft if case.api == "torch" else numpy_fft, case.name)
    x, out = _bad_pair(case)
    kw = dict(case.kwargs, **({"out": out} if out is not None else {}))
    before = None if out is None else [(tuple(p.shape), _copy(p)) for p in out]
    with _selected(case.backend, local), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # (a resize's warning, were one made)
        got = outcome(lambda: fn(x, **kw), not local)
    if got.error is None:
        return f"trnfft accepted a SplitComplex with a defect ({case.defect})"
    if not isinstance(got.error, TrnfftError):
        return f"trnfft raised {type(got.error).__name__} (no TrnfftError): {got.error}"
    if not _same(x, _bad_pair(case)[0]):
        return "trnfft modified its input"
    if before is not None and any(tuple(p.shape) != shape or not bool((p == v).all())
                                  for p, (shape, v) in zip(out, before)):
        return "trnfft wrote into (or resized) an out= pair it refused"
    return None


def _copy(a: Any) -> Any:
    return a.clone() if isinstance(a, torch.Tensor) else np.array(a)


# --- plans ---------------------------------------------------------------------------------

def _tensor_plan(case: Case) -> bool:
    return case.plan in ("tensor", "torch shape")


def _plan_input(case: Case, part: int = 0, tensor: bool | None = None) -> Any:
    """An input for the plan: a tensor for a tensor plan, else an array (``part``: other values)."""
    tensor = _tensor_plan(case) if tensor is None else tensor
    twin = Case(case.index, "torch" if tensor else "numpy", case.name, case.dtype, case.shape, case.layout,
                case.axis)
    return _one_input(twin, part)


def _plan_calls(case: Case, p: Any, want: Outcome, floor: float) -> str | None:
    """p(x), p(x, out=) and p() against the function's result; wrong inputs and outs refused."""
    tensor = _tensor_plan(case)
    x = _plan_input(case)
    for form in ("p(x)", "p(x, out=)", "p()"):
        out = None
        if form == "p(x, out=)":
            out = want.value.clone().fill_(7) if tensor else np.full_like(want.value, 7)
        if form == "p()":
            (p.input_array.copy_(x) if tensor else np.copyto(p.input_array, x))
            got = outcome(p, False)
        else:
            got = outcome(lambda: p(x, out=out) if out is not None else p(x), False)
        if out is not None and got.error is None and got.value is not out:
            return f"{form} did not return its out="
        if (problem := compare(want, got, floor=floor)) is not None:
            return f"{form}: {problem}"
    if not _same(x, _plan_input(case)):
        return "the plan modified its input"
    y = want.value
    wrong: dict[str, Callable[[], Any]] = {
        "an input of another shape": lambda: p(_reshaped(x)),
        "an input of another dtype": lambda: p(x.to(torch.complex128) if tensor else x.astype(np.complex128)),
        "an input of the other kind": lambda: p(x.numpy() if tensor else torch.from_numpy(np.array(x))),
        "a list": lambda: p(x.tolist()),
        "out= of another shape": lambda: p(x, out=_reshaped(y)),
        "out= of another dtype": lambda: p(x, out=_other_precision(y)),
        "out= of the other kind": lambda: p(x, out=y.numpy() if tensor else torch.from_numpy(np.array(y))),
        "out= without an input": lambda: p(out=y),
    }
    if tensor:
        wrong["an input requiring grad"] = lambda: p(x.detach().to(x.dtype).requires_grad_()) \
            if x.is_floating_point() or x.is_complex() else p(x.tolist())
    for what, bad in wrong.items():
        kept = _plan_input(case)
        got = outcome(bad, False)
        if got.error is None and not (what == "an input of another dtype" and x.dtype in (torch.complex128,
                                                                                          np.complex128)):
            return f"the plan accepted {what}"
        if got.error is not None and not isinstance(got.error, TrnfftError):
            return f"the plan raised {type(got.error).__name__} (no TrnfftError) for {what}: {got.error}"
        if not _same(x, kept):
            return f"the plan modified its input when given {what}"
    if tensor and x.is_complex():  # a conjugate view is an input of the planned shape and dtype
        got = outcome(lambda: p(x.conj().conj().conj()), False)
        reference = outcome(lambda: getattr(trnfft, case.name)(x.conj(), **case.kwargs), False)
        if (problem := compare(reference, got, floor=floor)) is not None:
            return f"p(x.conj()): {problem}"
    return None


def _against_torch(case: Case, p: Any, x: Any, floor: float) -> str | None:
    """p(x) against torch.fft's own function (the plan takes its arguments): a tensor plan's result
    as torch's, an array plan's values as torch's on the same values."""
    kw = {k: v for k, v in case.kwargs.items() if k not in ("split", "workers")}
    tensor = _tensor_plan(case)
    half = not tensor and x.dtype == np.float16  # torch has no float16 FFT on the CPU: its float32 values
    xt = x if tensor else torch.from_numpy(np.array(x, np.float32 if half else None))
    ref = outcome(lambda: getattr(torch.fft, case.name)(xt, **kw), False)
    got = outcome(lambda: p(x), False)
    computed = None
    if not tensor and ref.error is None and got.error is None:  # values only: NumPy's dtypes differ
        r, computed = _as_numpy(ref.value), got.value
        ref, got = Outcome(value=r), Outcome(value=np.asarray(got.value).astype(r.dtype))
    problem = compare(ref, got, computed=computed, floor=floor)
    if problem is None:
        return None
    as_torch = replace(case, api="torch", plan=None)
    if why := deliberate(as_torch, ref, got, problem):
        return f"{DELIBERATE} ({why}): p(x) against torch.fft.{case.name}: {problem}"
    return f"p(x) against torch.fft.{case.name}: {problem}"


def _size(y: Any) -> int:
    return int(y.numel()) if isinstance(y, torch.Tensor) else int(np.size(y))


def _other_precision(y: Any) -> Any:
    """``y`` cast to the other precision of its kind (complex64 <-> complex128, float32 <-> float64)."""
    if isinstance(y, torch.Tensor):
        return y.to({torch.complex64: torch.complex128, torch.float32: torch.float64,
                     torch.float64: torch.float32}.get(y.dtype, torch.complex64))
    return y.astype({"complex64": np.complex128, "float32": np.float64, "float64": np.float32,
                     "float16": np.float32}.get(y.dtype.name, np.complex64))


def _reshaped(a: Any) -> Any:
    """``a`` with one more element along its last axis (or one axis more for a 0-d or empty one)."""
    if a.ndim == 0:
        return a.reshape(1)
    pad = [(0, 0)] * (a.ndim - 1) + [(0, 1)]
    return torch.nn.functional.pad(a, (0, 1)) if isinstance(a, torch.Tensor) else np.pad(a, pad)


def _plan_threads(case: Case, p: Any, floor: float, threads: int = 4, calls: int = 12,
                  timeout: float = 60.0) -> str | None:
    """One plan called from ``threads`` threads at once (p(x) and p(x, out=)): every result as its serial
    one, no thread hung or died."""
    inputs = [_plan_input(case, part) for part in range(threads)]
    wants = [Outcome(value=p(x)) for x in inputs]
    bad: list[str] = []

    def work(k: int) -> None:
        out = wants[k].value.clone() if _tensor_plan(case) else np.empty_like(wants[k].value)
        for i in range(calls):
            y = p(inputs[k], out=out) if i % 2 else p(inputs[k])
            if (problem := compare(wants[k], Outcome(value=y), floor=floor)) is not None:
                bad.append(f"thread {k} call {i}: {problem}")
    if not _together(work, threads, timeout):
        return f"a thread calling the plan hung ({timeout} s)"
    return f"from {threads} threads: {bad[0]}" if bad else None


def _together(work: Callable[[int], None], threads: int, timeout: float) -> bool:
    """Run ``work(0)`` ... ``work(threads - 1)`` on threads released together; whether every one
    finished within ``timeout`` (daemon threads: a hung one does not hold the process)."""
    barrier = threading.Barrier(threads)

    def released(k: int) -> None:
        barrier.wait()
        work(k)
    pool = [threading.Thread(target=released, args=(k,), daemon=True) for k in range(threads)]
    for t in pool:
        t.start()
    deadline = time.monotonic() + timeout
    for t in pool:
        t.join(max(0.0, deadline - time.monotonic()))
    return not any(t.is_alive() for t in pool)


def run_plan_case(case: Case, local: bool = False) -> str | None:
    """trnfft.plan against the function it plans: refused where the function refuses, else every form
    of call equal to the function's result; wrong calls refused clearly; safe from threads."""
    fn = getattr(trnfft, case.name)
    backend = None if case.backend == "auto" or not _available(case.backend) else case.backend
    x = _plan_input(case)
    want = outcome(lambda: fn(x, **case.kwargs, backend=backend), False)
    example: dict[str, Any] = {"x": x}
    if case.plan.endswith("shape"):
        example = {"shape": case.shape, "dtype": getattr(torch, case.dtype) if _tensor_plan(case)
                   else np.dtype(case.dtype)}
    made = outcome(lambda: trnfft.plan(case.name, **example, **case.kwargs, backend=backend), False)
    if want.error is not None:
        if made.error is None:
            return f"plan() accepted what trnfft.{case.name} refuses: {want.error}"
        if not isinstance(made.error, TrnfftError):
            return f"plan() raised {type(made.error).__name__} (no TrnfftError): {made.error}"
        return None
    if made.error is not None:
        if isinstance(made.error, TrnfftError) and ("at least one dimension" in str(made.error)
                                                    or "at least one transformed dim" in str(made.error)):
            return f"{DELIBERATE} (plan() needs an input with a dim to transform): {made.error}"
        return f"plan() refused what trnfft.{case.name} computes: {type(made.error).__name__}: {made.error}"
    v = np.asarray(_as_numpy(x) if isinstance(x, torch.Tensor) else x, dtype=np.complex128)
    floor = float(np.linalg.norm(v)) / max(v.size, 1)
    if (problem := _plan_calls(case, made.value, want, floor)) is not None:
        return problem
    if (problem := _against_torch(case, made.value, x, floor)) is not None:
        return problem
    if case.index % 8 == 0 and _size(want.value):
        return _plan_threads(case, made.value, floor)
    return None


Found = list[tuple[Case, str]]


def fuzz(seed: int, cases: Sequence[int], apis: tuple[str, ...] = ALL_APIS,
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
                 apis: tuple[str, ...] = ALL_APIS) -> tuple[int, Found, Found]:
    """``fuzz`` with the cases dealt to ``threads`` threads started together (backends selected
    per thread, warnings not compared); a thread still running after ``timeout`` is a hang."""
    results: list[tuple[int, Found, Found] | None] = [None] * threads

    def work(k: int) -> None:
        results[k] = fuzz(seed, cases[k::threads], apis, local=True)

    if not _together(work, threads, timeout) or None in results:
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
    p.add_argument("--api", default=",".join(ALL_APIS),
                   help=f"families to draw from, comma-separated (default: all of {', '.join(ALL_APIS)}; "
                        f"spectrogram: stft/istft alone, which torch also draws)")
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
