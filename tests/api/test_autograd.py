"""torch autograd flows through every transform on every backend (gradcheck in float64)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import trnfft
from conftest import KIND_OF, run_claimed

NORMS = ["backward", "ortho", "forward"]
COMPLEX_IN = ["fft", "ifft", "irfft", "hfft", "fft2", "ifft2", "irfft2", "hfft2",
              "fftn", "ifftn", "irfftn", "hfftn"]
REAL_IN = ["rfft", "ihfft", "rfft2", "ihfft2", "rfftn", "ihfftn"]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", COMPLEX_IN + REAL_IN)
def test_gradcheck(trnfft_backend, name, norm):
    dtype = torch.complex128 if name in COMPLEX_IN else torch.float64
    x = torch.randn(6, 5, dtype=dtype, requires_grad=True)
    fn = getattr(trnfft, name)
    lengths = [5] if name[-1] not in "2n" else [6, 5]
    if KIND_OF[name] == "c2r":
        lengths[-1] = 8
    if run_claimed(trnfft_backend, lambda: fn(x, norm=norm), KIND_OF[name], np.complex128, lengths) is None:
        return  # the backend refused float64 clearly; gradcheck needs float64
    assert torch.autograd.gradcheck(lambda t: fn(t, norm=norm), (x,))


@pytest.mark.trnfft_backends("fftw-reference", "numpy-reference")  # float64: what gradcheck needs
@pytest.mark.parametrize("name,kw", [("fft", {"n": 9}), ("irfft", {"n": 7}), ("rfftn", {"s": (4, 9)}),
                                     ("irfftn", {"s": (7, 6), "dim": (1, 0)}), ("hfft", {"n": 4})])
def test_gradcheck_with_padding_and_cropping(trnfft_backend, name, kw):
    dtype = torch.float64 if name.startswith("r") else torch.complex128
    x = torch.randn(6, 5, dtype=dtype, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: getattr(trnfft, name)(t, **kw), (x,))


def test_gradients_match_torch_fft():
    x = torch.randn(8, 12, dtype=torch.float64, requires_grad=True)
    (trnfft.rfft2(x, norm="ortho").abs() ** 2).sum().backward()
    ours = x.grad.clone()
    x.grad = None
    (torch.fft.rfft2(x, norm="ortho").abs() ** 2).sum().backward()
    assert torch.allclose(ours, x.grad)


def test_double_backward():
    x = torch.randn(16, dtype=torch.complex128, requires_grad=True)
    assert torch.autograd.gradgradcheck(lambda t: trnfft.fft(t, norm="ortho"), (x,))


@pytest.mark.parametrize("name", COMPLEX_IN + REAL_IN)
def test_single_precision_gradients_match_torch(trnfft_backend, name):
    """gradcheck needs float64; in float32, compare with torch.fft's own gradient."""
    dtype = torch.complex64 if name in COMPLEX_IN else torch.float32
    x = torch.randn(6, 8, dtype=dtype, generator=torch.Generator().manual_seed(1))
    lengths = [8] if name[-1] not in "2n" else [6, 8]
    if KIND_OF[name] == "c2r":
        lengths[-1] = 14
    fn = getattr(trnfft, name)
    xa = x.clone().requires_grad_(True)
    y = run_claimed(trnfft_backend, lambda: fn(xa, norm="ortho"), KIND_OF[name], np.complex64, lengths)
    if y is None:
        return
    (y.abs() ** 2).sum().backward()
    xb = x.clone().requires_grad_(True)
    (getattr(torch.fft, name)(xb, norm="ortho").abs() ** 2).sum().backward()
    assert torch.linalg.norm(xa.grad - xb.grad) <= 1e-5 * torch.linalg.norm(xb.grad)
