"""The differential fuzzer (benchmarks/api_fuzz.py) against torch.fft, numpy.fft and scipy.fft.

A seeded slice of it, the same from 8 threads at once in a fresh process,
and each mismatch it found, as the call that showed it next to the reference's.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.fft
import torch

import trnfft
from benchmarks.api_fuzz import compare, fuzz, outcome, report
from trnfft import numpy_fft

ROOT = Path(__file__).resolve().parents[2]
SEED, CASES = 0, range(0, 700)  # about 2 s
LIBRARIES = ("torch", "numpy", "scipy")
PAIRS_AND_PLANS, MORE = ("split", "badpair", "plan"), range(0, 150)  # about 1.5 s


@pytest.mark.parametrize("apis, cases", [(LIBRARIES, CASES), (PAIRS_AND_PLANS, MORE)])
def test_a_seeded_slice_of_the_fuzzer_finds_no_mismatch(apis, cases):
    ran, found, _ = fuzz(SEED, cases, apis)
    assert ran == len(cases)
    assert not found, (f"{len(found)} of {ran} fuzzed calls differ from the reference (rerun one with "
                       f"`python -m benchmarks.api_fuzz --seed {SEED} --api {','.join(apis)} --case K`):"
                       f"\n{report(found)}")


def test_the_fuzzer_from_8_threads_at_once_in_a_fresh_process():
    # a fresh process, so that first launches (plans, the NKI emulator's checks) happen concurrently
    run = subprocess.run([sys.executable, "-m", "benchmarks.api_fuzz", "--seed", "8", "--cases", "400",
                          "--threads", "8"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env=dict(os.environ))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "400 cases" in run.stdout and "0 mismatches" in run.stdout, run.stdout


def _scipy_trnfft(name):
    def call(*args, **kwargs):
        with scipy.fft.set_backend(trnfft.scipy_backend, only=True):
            return getattr(scipy.fft, name)(*args, **kwargs)
    return call


X1 = np.arange(12.0)
X2 = np.arange(24.0).reshape(4, 6)
T1 = torch.arange(8.0)
_COMPLEX_WINDOW = (torch.hann_window(16, dtype=torch.float64)
                   * torch.exp(1j * torch.linspace(0, 2.5, 16, dtype=torch.float64))).to(torch.complex64)
_TWO_SIDED = torch.stft(torch.randn(64, dtype=torch.complex64, generator=torch.Generator().manual_seed(1)), 16,
                        window=torch.hann_window(16), return_complex=True)

# (trnfft's call, the reference's): each a mismatch the fuzzer found, fixed
FOUND = {
    "numpy fftfreq rounds as NumPy": (lambda: numpy_fft.fftfreq(10), lambda: np.fft.fftfreq(10)),
    "numpy rfftfreq rounds as NumPy": (lambda: numpy_fft.rfftfreq(10, d=-0.5),
                                       lambda: np.fft.rfftfreq(10, d=-0.5)),
    "numpy fftfreq(0) is a ZeroDivisionError": (lambda: numpy_fft.fftfreq(0), lambda: np.fft.fftfreq(0)),
    "numpy fftfreq d=0 is a ZeroDivisionError": (lambda: numpy_fft.rfftfreq(5, d=0.0),
                                                 lambda: np.fft.rfftfreq(5, d=0.0)),
    "numpy fftfreq n<0, d=0 is a ZeroDivisionError": (lambda: numpy_fft.fftfreq(-1, d=0.0),
                                                      lambda: np.fft.fftfreq(-1, d=0.0)),
    "numpy fftfreq of a NumPy-integer n, d=0 divides as NumPy": (
        lambda: numpy_fft.fftfreq(np.int64(3), d=0.0), lambda: np.fft.fftfreq(np.int64(3), d=0.0)),
    "numpy rfftfreq of a NumPy-integer n, d=0 divides as NumPy": (
        lambda: numpy_fft.rfftfreq(np.int32(4), d=0.0), lambda: np.fft.rfftfreq(np.int32(4), d=0.0)),
    "numpy rfftfreq, d a NumPy zero, divides as NumPy": (
        lambda: numpy_fft.rfftfreq(4, d=np.float64(0)), lambda: np.fft.rfftfreq(4, d=np.float64(0))),
    "torch fftfreq of a complex dtype is NotImplementedError": (
        lambda: trnfft.fftfreq(5, dtype=torch.complex64), lambda: torch.fft.fftfreq(5, dtype=torch.complex64)),
    "torch fftfreq dtype and out= differ": (
        lambda: trnfft.rfftfreq(6, dtype=torch.float32, out=torch.empty(4, dtype=torch.float64)),
        lambda: torch.fft.rfftfreq(6, dtype=torch.float32, out=torch.empty(4, dtype=torch.float64))),
    "torch fftshift over no dims": (lambda: trnfft.fftshift(T1, dim=()),
                                    lambda: torch.fft.fftshift(T1, dim=())),
    "torch fft2 takes no dim=None": (lambda: trnfft.fft2(T1.reshape(2, 4), dim=None),
                                     lambda: torch.fft.fft2(T1.reshape(2, 4), dim=None)),
    "torch checks dims before norm": (lambda: trnfft.hfft2(T1, s=[8], norm="bogus"),
                                      lambda: torch.fft.hfft2(T1, s=[8], norm="bogus")),
    "torch checks dim before n's value": (lambda: trnfft.hfft(T1, n=-1, dim=2),
                                          lambda: torch.fft.hfft(T1, n=-1, dim=2)),
    "torch checks s's entries' type first": (lambda: trnfft.ihfft2(T1.reshape(2, 4, 1), s=(1.5,)),
                                             lambda: torch.fft.ihfft2(T1.reshape(2, 4, 1), s=(1.5,))),
    "numpy n-D takes no integer axes": (lambda: numpy_fft.fftn(X2, axes=0), lambda: np.fft.fftn(X2, axes=0)),
    "numpy integer axes out of range": (lambda: numpy_fft.ifftn(X1, axes=-2),
                                        lambda: np.fft.ifftn(X1, axes=-2)),
    "numpy s longer than the input is an AxisError": (lambda: numpy_fft.fftn(X1, s=(7, 3)),
                                                      lambda: np.fft.fftn(X1, s=(7, 3))),
    "numpy irfftn over no axes is an IndexError": (lambda: numpy_fft.irfftn(X1, axes=()),
                                                   lambda: np.fft.irfftn(X1, axes=())),
    "numpy rfftn over no axes: the axes before norm": (lambda: numpy_fft.rfftn(X1, axes=(), s=[], norm="x"),
                                                       lambda: np.fft.rfftn(X1, axes=(), s=[], norm="x")),
    "numpy checks the axis before n's type": (lambda: numpy_fft.fft(X2, n=1.5, axis=-4),
                                              lambda: np.fft.fft(X2, n=1.5, axis=-4)),
    "numpy rfft of an empty complex: the length first": (lambda: numpy_fft.rfft(np.zeros(0, complex)),
                                                         lambda: np.fft.rfft(np.zeros(0, complex))),
    "numpy irfft of a big-endian float16 gives float16": (lambda: numpy_fft.irfft(X1.astype(">f2")),
                                                           lambda: np.fft.irfft(X1.astype(">f2"))),
    "numpy repeated axes with None in s": (
        lambda: numpy_fft.irfftn(np.zeros(0, np.float16), axes=[0, 0], s=[2, None]),
        lambda: np.fft.irfftn(np.zeros(0, np.float16), axes=[0, 0], s=[2, None])),
    "scipy irfftn whose last axis has one point": (lambda: _scipy_trnfft("irfftn")(np.ones((4, 1))),
                                                   lambda: scipy.fft.irfftn(np.ones((4, 1)))),
    "scipy hfft2 whose last axis has one point": (lambda: _scipy_trnfft("hfft2")(X2[:, :1] + 1j),
                                                  lambda: scipy.fft.hfft2(X2[:, :1] + 1j)),
    "scipy fft2 over no axes ignores s": (lambda: _scipy_trnfft("fft2")(X1, axes=[], s=[9, -1]),
                                          lambda: scipy.fft.fft2(X1, axes=[], s=[9, -1])),
    "scipy fftn over no axes checks workers": (lambda: _scipy_trnfft("fftn")(X1, s=(), workers=0),
                                               lambda: scipy.fft.fftn(X1, s=(), workers=0)),
    "scipy fftn with s=() is the identity": (lambda: _scipy_trnfft("fftn")(X1 > 3, s=()),
                                             lambda: scipy.fft.fftn(X1 > 3, s=())),
    "scipy rfft of a complex input: the dtype before n": (lambda: _scipy_trnfft("rfft")(X1 + 1j, n=0),
                                                          lambda: scipy.fft.rfft(X1 + 1j, n=0)),
    "scipy rfft: workers before the dtype": (lambda: _scipy_trnfft("rfft")(X1 + 1j, workers=0),
                                             lambda: scipy.fft.rfft(X1 + 1j, workers=0)),
    "scipy rfft: the norm before the dtype": (lambda: _scipy_trnfft("rfft")(X1 + 1j, norm="x"),
                                              lambda: scipy.fft.rfft(X1 + 1j, norm="x")),
    "scipy rfftn of a complex input: the dtype before the axes": (
        lambda: _scipy_trnfft("rfft2")(X1 + 1j), lambda: scipy.fft.rfft2(X1 + 1j)),
    # (this session: split pairs, plans, complex windows, workers= spellings)
    "scipy fftn over no axes: a string workers is a TypeError": (
        lambda: _scipy_trnfft("fftn")(X2, axes=(), workers="2"), lambda: scipy.fft.fftn(X2, axes=(), workers="2")),
    "scipy fft2 over no axes: a list workers is a TypeError": (
        lambda: _scipy_trnfft("fft2")(X2, axes=[], workers=[2]), lambda: scipy.fft.fft2(X2, axes=[], workers=[2])),
    "scipy fftn over no axes: workers=False is zero": (
        lambda: _scipy_trnfft("fftn")(X2, s=(), workers=False), lambda: scipy.fft.fftn(X2, s=(), workers=False)),
    "scipy fftn over no axes takes a float workers, as scipy": (
        lambda: _scipy_trnfft("fftn")(X2, axes=(), workers=2.0), lambda: scipy.fft.fftn(X2, axes=(), workers=2.0)),
    "scipy fft: a string workers is a TypeError": (lambda: _scipy_trnfft("fft")(X1, workers="2"),
                                                   lambda: scipy.fft.fft(X1, workers="2")),
    "scipy rfft: a float workers is a TypeError": (lambda: _scipy_trnfft("rfft")(X1, workers=2.0),
                                                   lambda: scipy.fft.rfft(X1, workers=2.0)),
    "scipy irfftn: workers=np.True_ is one worker": (
        lambda: _scipy_trnfft("irfftn")(X2 + 1j, workers=np.True_), lambda: scipy.fft.irfftn(X2 + 1j, workers=np.True_)),
    "istft with a complex window divides by the window squared, as torch": (
        lambda: trnfft.istft(_TWO_SIDED, 16, window=_COMPLEX_WINDOW, return_complex=True),
        lambda: torch.istft(_TWO_SIDED, 16, window=_COMPLEX_WINDOW, return_complex=True)),
    "torch ihfft2 of a pair: the dims before the dtype": (
        lambda: trnfft.ihfft2(trnfft.SplitComplex(T1, T1)), lambda: torch.fft.ihfft2(torch.complex(T1, T1))),
    "torch hfft of a pair: the dim before n's value": (
        lambda: trnfft.hfft(trnfft.SplitComplex(T1, T1), n=-1, dim=-3),
        lambda: torch.fft.hfft(torch.complex(T1, T1), n=-1, dim=-3)),
    "numpy fft of a pair: the axis before n's type": (
        lambda: numpy_fft.fft(trnfft.SplitComplex(X1, X1), n=1.5, axis=3),
        lambda: np.fft.fft(X1 + 1j * X1, n=1.5, axis=3)),
    "numpy irfftn of a pair over no axes: the axes before the norm": (
        lambda: numpy_fft.irfftn(trnfft.SplitComplex(X1, X1), axes=(), norm="x"),
        lambda: np.fft.irfftn(X1 + 1j * X1, axes=(), norm="x")),
    "numpy fftn of a pair: an integer axes out of the parts' range is an IndexError": (
        lambda: numpy_fft.fftn(trnfft.SplitComplex(X2, X2), axes=-3), lambda: np.fft.fftn(X2 + 1j * X2, axes=-3)),
    "numpy rfft2 of a pair: an empty axis before the dtype": (
        lambda: numpy_fft.rfft2(trnfft.SplitComplex(np.zeros((3, 0)), np.zeros((3, 0)))),
        lambda: np.fft.rfft2(np.zeros((3, 0)) + 0j)),
}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", FOUND)
def test_what_the_fuzzer_found_now_agrees_with_the_reference(name):
    trn, ref = FOUND[name]
    problem = compare(outcome(ref), outcome(trn), exact="freq" in name)
    assert problem is None, problem


def test_scipy_over_no_axes_checks_workers_before_the_norm_as_scipy():
    for call in (scipy.fft.ifftn, _scipy_trnfft("ifftn")):
        with pytest.raises(ValueError, match="workers value out of range"):
            call(X1, axes=(), workers=-1000, norm="x")


def test_scipy_computes_a_big_endian_float16_as_its_native_twin():
    x = np.linspace(-1, 1, 10).astype(np.float16)
    got = _scipy_trnfft("rfft")(x.astype(">f2"))
    want = scipy.fft.rfft(x)  # (scipy itself refuses the big-endian one)
    assert got.dtype == want.dtype == np.complex64 and np.allclose(got, want, rtol=1e-6, atol=1e-6)


def test_none_in_s_warns_only_after_numpys_length_check():
    x = np.ones(4, complex)
    got, want = outcome(lambda: numpy_fft.fft2(x, s=(None,))), outcome(lambda: np.fft.fft2(x, s=(None,)))
    assert compare(want, got) is None and got.warned == want.warned == frozenset()


def _corrupted(fn, how):
    def broken(*args, **kwargs):
        y = fn(*args, **kwargs)
        if how == "fill":
            y[...] = 12345.0
            return y
        return y.astype(np.float32 if y.dtype == np.float64 else np.float64)   # how == "dtype"
    return broken


@pytest.mark.parametrize("index, name, rule, how", [
    (1170, "hfft", "ignore out=", "fill"),                  # an out= NumPy 2.4 ignores
    (1596, "fftn", "for no axes", "fill"),                  # no axes: NumPy returns the input itself
    (177, "irfft2", "uninitialised memory", "dtype"),       # zeros where NumPy reads uninitialised memory
])
def test_a_documented_difference_excuses_only_its_own_symptom(monkeypatch, index, name, rule, how):
    from benchmarks.api_fuzz import DELIBERATE, draw, run_case
    case = draw(SEED, index, ("numpy", "scipy"))
    assert case.api == "numpy" and case.name == name, case.call()
    told = run_case(case)
    assert told and told.startswith(DELIBERATE) and rule in told, told   # the true difference, excused
    monkeypatch.setattr(numpy_fft, name, _corrupted(getattr(numpy_fft, name), how))
    told = run_case(draw(SEED, index, ("numpy", "scipy")))
    assert told and not told.startswith(DELIBERATE), told               # a wrong result is a mismatch


def test_a_documented_difference_needs_the_case_it_names():
    """The plan family's one excuse (plan() needs a dim to transform) does not cover a plan refusing
    what its function computes for another reason."""
    from benchmarks.api_fuzz import DELIBERATE, Case, run_case
    case = Case(1, "plan", "fft", "complex64", (6,), plan="array")
    assert run_case(case) is None
    told = run_case(Case(1, "plan", "fftn", "complex64", (), kwargs={}, plan="array"))
    assert told and told.startswith(DELIBERATE) and "dim to transform" in told, told


@pytest.mark.parametrize("apis, index, target, how", [
    (("split",), 3, "trnfft.api.arguments.split_transform", "joined"),  # the pair form of a result
    (("split",), 3, "trnfft.api.arguments.run_split_problem", "swapped"),  # a pair's values
    (("plan",), 1, "trnfft.api.planned.Planned._new_result", "scaled"),  # a plan's values
    (("badpair",), 0, "trnfft.api.arguments.split_parts", "lenient"),   # a defect let through
    (("badpair",), 0, "trnfft.api.arguments.check_split_out", "unchecked"),  # an aliased out= pair
])
def test_the_new_families_report_a_broken_trnfft(monkeypatch, apis, index, target, how):
    """Each family sees the fault it exists for: the run passes, then fails once trnfft is broken."""
    import importlib

    from benchmarks.api_fuzz import DELIBERATE, draw, run_case
    found = next(i for i in range(index, index + 400) if _relevant(draw(SEED, i, apis), how))
    assert run_case(draw(SEED, found, apis)) is None
    module_name, _, attr = target.rpartition(".")
    try:
        owner = importlib.import_module(module_name)
    except ModuleNotFoundError:  # a method: module.Class.method
        module_name, _, cls = module_name.rpartition(".")
        owner = getattr(importlib.import_module(module_name), cls)
    real = getattr(owner, attr)
    broken = {"joined": lambda *a, **k: _joined(real(*a, **k)),
              "swapped": lambda *a, **k: real(*a, **k)[::-1],
              "scaled": lambda *a, **k: 1.5 * real(*a, **k),
              "lenient": lambda x, tensors: tuple(x),
              "unchecked": lambda out: None}[how]
    monkeypatch.setattr(owner, attr, broken)
    told = run_case(draw(SEED, found, apis))
    assert told and not told.startswith(DELIBERATE), f"{draw(SEED, found, apis).call()}: {told}"


def _relevant(case, how):
    """A case that exercises the part of trnfft the mutation breaks."""
    if case.plan:
        return case.plan == "array" and 0 not in case.shape and case.dtype in ("complex64", "complex128") \
            and "n" not in case.kwargs and "s" not in case.kwargs and case.kwargs.get("norm") in (None, "backward")
    if case.defect:
        return case.defect == ("out aliased" if how == "unchecked" else "dtype") \
            and case.name in ("fft", "ifft", "fftn", "ifftn")
    return case.pair and 0 not in case.shape and case.name in ("fft", "ifft", "fftn") and case.out is None \
        and case.kwargs.get("split") is not False and case.layout == "contiguous" and len(case.shape) > 0 \
        and case.backend != "nki-simulator" and case.dtype in ("float32", "float64")


def _joined(y):
    return y.real + 1j * y.imag if isinstance(y, trnfft.SplitComplex) else y


def test_the_plan_family_compares_with_torch_itself():
    """A plan whose function is wrong the same way is still caught: p(x) is compared with torch.fft."""
    from benchmarks.api_fuzz import Case, _against_torch
    for plan in ("tensor", "array"):
        case = Case(1, "plan", "fft", "complex64", (6,), kwargs={"norm": "ortho"}, plan=plan)
        x = torch.arange(6.0).to(torch.complex64) if plan == "tensor" else np.arange(6.0).astype(np.complex64)
        right = trnfft.plan("fft", x, norm="ortho")
        assert _against_torch(case, right, x, 1.0) is None
        told = _against_torch(case, lambda x: 1.5 * right(x), x, 1.0)
        assert told and "against torch.fft.fft" in told and "documented" not in told, told


@pytest.mark.parametrize("api, workers", [("scipy", 2.0), ("torch", 2.0), ("numpy", "2")])
def test_the_several_faults_excuse_needs_another_fault(api, workers):
    """trnfft refusing workers= first is excused only when the reference fails without workers too."""
    from benchmarks.api_fuzz import Case, Outcome, deliberate
    case = Case(1, api, "fft", "float64", (6,), kwargs={"workers": workers, "norm": "bad"})
    ref = Outcome(error=ValueError("Invalid norm value 'bad'"))
    got = Outcome(error=trnfft.InvalidArgumentTypeError(f"workers must be an integer, got {workers!r}"))
    assert "several faults" in deliberate(case, ref, got, "differs", fails_without_workers=lambda: True)
    assert deliberate(case, ref, got, "differs", fails_without_workers=lambda: False) is None
    if api != "scipy":  # torch and NumPy have no workers=: trnfft's refusal is a TypeError
        value_error = Outcome(error=trnfft.InvalidArgumentError("workers must not be zero"))
        assert deliberate(case, ref, value_error, "differs", fails_without_workers=lambda: True) is None
