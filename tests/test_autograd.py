"""torch autograd flows through every transform on every backend (gradcheck in float64)."""
from __future__ import annotations

import pytest
import torch

import trnfft

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
    assert torch.autograd.gradcheck(lambda t: fn(t, norm=norm), (x,))


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
