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


def test_a_seeded_slice_of_the_fuzzer_finds_no_mismatch():
    ran, found, _ = fuzz(SEED, CASES)
    assert ran == len(CASES)
    assert not found, (f"{len(found)} of {ran} fuzzed calls differ from the reference (rerun one with "
                       f"`python -m benchmarks.api_fuzz --seed {SEED} --case K`):\n{report(found)}")


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
}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", FOUND)
def test_what_the_fuzzer_found_now_agrees_with_the_reference(name):
    trn, ref = FOUND[name]
    problem = compare(outcome(ref), outcome(trn), exact="freq" in name)
    assert problem is None, problem


def test_scipy_computes_a_big_endian_float16_as_its_native_twin():
    x = np.linspace(-1, 1, 10).astype(np.float16)
    got = _scipy_trnfft("rfft")(x.astype(">f2"))
    want = scipy.fft.rfft(x)  # (scipy itself refuses the big-endian one)
    assert got.dtype == want.dtype == np.complex64 and np.allclose(got, want, rtol=1e-6, atol=1e-6)


def test_none_in_s_warns_only_after_numpys_length_check():
    x = np.ones(4, complex)
    got, want = outcome(lambda: numpy_fft.fft2(x, s=(None,))), outcome(lambda: np.fft.fft2(x, s=(None,)))
    assert compare(want, got) is None and got.warned == want.warned == frozenset()
