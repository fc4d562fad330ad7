"""Autograd through split pairs: forward and backward are split transforms, pairs in and out."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import trnfft
from trnfft import SplitComplex
from trnfft.api import arguments, split as split_module
from trnfft.core import array_kinds, dispatch
from conftest import KIND_OF, refused_kind

FAMILY = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
          "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]
REAL_IN = {"rfft", "ihfft", "rfft2", "ihfft2", "rfftn", "ihfftn"}
# float64 is what gradcheck needs; torch-native gets a few (its torch.fft calls took ~8 ms each
# on a busy 2-core machine with torch's default two threads) and test_gradients_match_torch
CPU_DOUBLE = ("fftw-reference", "numpy-reference")


def _split_call(name, re, im, **kw):
    """trnfft's ``name`` on split parts, its outputs as a tuple of real tensors."""
    fn = getattr(trnfft, name)
    y = fn(re, split=True, **kw) if name in REAL_IN else fn(SplitComplex(re, im), **kw)
    return tuple(y) if isinstance(y, SplitComplex) else (y,)


def _torch_call(name, re, im, **kw):
    """torch.fft's ``name`` on the same data, its outputs as a tuple of real tensors."""
    y = getattr(torch.fft, name)(re if name in REAL_IN else torch.complex(re, im), **kw)
    return (y.real, y.imag) if y.is_complex() else (y,)


def _grads(call, name, xr, xi, weights, **kw):
    """d/d(xr, xi) of sum(w * output part): one backward pass through ``call``."""
    re, im = xr.clone().requires_grad_(True), xi.clone().requires_grad_(True)
    outs = call(name, re, im, **kw)
    sum(((w * o).sum() for w, o in zip(weights, outs)), torch.zeros((), dtype=xr.dtype)).backward()
    return re.grad, (torch.zeros_like(xi) if im.grad is None else im.grad)


@pytest.mark.trnfft_backends(*CPU_DOUBLE)
@pytest.mark.parametrize("name", FAMILY)
def test_gradcheck_through_pairs(trnfft_backend, name):
    gen = torch.Generator().manual_seed(2)
    xr, xi = (torch.randn(4, 5, dtype=torch.float64, generator=gen, requires_grad=True) for _ in range(2))
    assert torch.autograd.gradcheck(lambda re, im: _split_call(name, re, im, norm="ortho"), (xr, xi))


@pytest.mark.trnfft_backends("torch-native")
@pytest.mark.parametrize("name", ["ifft", "rfft", "hfft", "irfftn", "ihfft2"])
def test_gradcheck_through_pairs_on_torch_native(trnfft_backend, name):
    test_gradcheck_through_pairs(trnfft_backend, name)


@pytest.mark.trnfft_backends(*CPU_DOUBLE)
@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "rfft2", "ihfftn"])
def test_double_backward_through_pairs(trnfft_backend, name):
    gen = torch.Generator().manual_seed(4)
    xr, xi = (torch.randn(3, 6, dtype=torch.float64, generator=gen, requires_grad=True) for _ in range(2))
    assert torch.autograd.gradgradcheck(lambda re, im: _split_call(name, re, im), (xr, xi))


@pytest.mark.parametrize("kw", [{"norm": "forward", "s": (5, 7)}, {"s": (4, 8), "dim": (0, 1)}])
@pytest.mark.parametrize("name", FAMILY)
def test_gradients_match_torch(trnfft_backend, name, kw):
    """Every function, several norms and lengths (odd and even n): the gradient torch.fft gives."""
    if name[-1] not in "2n":  # 1-D: one length along the last axis
        kw = {"norm": kw.get("norm"), **({"n": kw["s"][-1]} if "s" in kw else {})}
    double = not trnfft_backend.startswith("nki-")
    dtype = torch.float64 if double else torch.float32
    gen = torch.Generator().manual_seed(7)
    xr, xi = (torch.randn(4, 6, dtype=dtype, generator=gen) for _ in range(2))
    if refused_kind(trnfft_backend, KIND_OF[name], lambda: _split_call(name, xr, xi, **kw)):
        return  # e.g. example-dft, which has c2c only
    ref_out = _torch_call(name, xr, xi, **kw)
    weights = [torch.randn(o.shape, dtype=dtype, generator=gen) for o in ref_out]
    ours = _grads(_split_call, name, xr, xi, weights, **kw)
    want = _grads(_torch_call, name, xr, xi, weights, **kw)
    for got, ref in zip(ours, want):
        assert got.shape == ref.shape and got.dtype == ref.dtype
        assert torch.linalg.norm(got - ref) <= (1e-12 if double else 2e-6) * max(torch.linalg.norm(ref), 1e-30)


@pytest.mark.parametrize("name", ["fft", "ifft2", "rfft", "irfft", "hfft", "ihfftn", "rfft2", "irfftn"])
def test_nki_pairs_stay_split_forward_and_backward(monkeypatch, name):
    """On nki-simulator both passes reach execute_split, and no complex array is built on the host."""
    from trnfft_backends.nki.plugin import FFTPlan

    def forbidden(*args, **kwargs):
        raise AssertionError("a complex array was built on the host")

    kinds = []
    execute_split = FFTPlan.execute_split

    def spy(self, xr, xi=None):
        kinds.append(self.problem.kind)
        return execute_split(self, xr, xi)

    gen = torch.Generator().manual_seed(3)
    xr, xi = (torch.randn(4, 12, generator=gen) for _ in range(2))
    ref_out = _torch_call(name, xr, xi)
    weights = [torch.randn(o.shape, generator=gen) for o in ref_out]
    want = _grads(_torch_call, name, xr, xi, weights)
    trnfft.plan_cache.clear()
    monkeypatch.setattr(FFTPlan, "execute", forbidden)
    monkeypatch.setattr(FFTPlan, "execute_split", spy)
    for module in (array_kinds, dispatch, split_module, arguments):
        for fn in ("interleave", "deinterleave", "combine"):
            if hasattr(module, fn):
                monkeypatch.setattr(module, fn, forbidden)
    monkeypatch.setattr(torch, "complex", forbidden)
    monkeypatch.setattr(torch, "view_as_complex", forbidden)
    out = torch.empty(4, 12, dtype=torch.complex64)
    with trnfft.use_backend("nki-simulator"):
        got = _grads(_split_call, name, xr, xi, weights)
        trnfft.fft(SplitComplex(xr, xi), out=out)  # out= receives the parts: no complex array either
    monkeypatch.undo()
    trnfft.plan_cache.clear()
    assert len(kinds) == 3, kinds  # one forward, one backward, both on pairs (then the out= call)
    adjoint_kind = {"c2c": "c2c", "r2c": "c2r", "c2r": "r2c"}
    assert kinds[1] == adjoint_kind[kinds[0]]
    assert torch.linalg.norm(out - torch.fft.fft(torch.complex(xr, xi))) <= 2e-6 * torch.linalg.norm(out)
    for g, w in zip(got, want):
        assert torch.linalg.norm(g - w) <= 2e-6 * torch.linalg.norm(w)


@pytest.mark.trnfft_backends("fftw-reference", "nki-simulator")
@pytest.mark.parametrize("library", ["numpy", "torch"])
def test_split_false_and_out_take_the_split_route(trnfft_backend, library):
    """A pair with split=False or out= runs as a pair; the result equals the complex route's."""
    z = np.random.default_rng(1).uniform(-1, 1, (3, 8, 16)).astype(np.float32)
    xr, xi = z, z[::-1].copy()
    if library == "torch":
        xr, xi = torch.from_numpy(xr), torch.from_numpy(xi)
        xc = torch.complex(xr, xi)
    else:
        xc = xr + 1j * xi
    ref = trnfft.fft2(xc)
    joined = trnfft.fft2(SplitComplex(xr, xi), split=False)
    assert type(joined) is type(ref) and joined.dtype == ref.dtype
    out = torch.empty_like(ref) if library == "torch" else np.empty_like(ref)
    into = trnfft.fft2(SplitComplex(xr, xi), out=out)
    assert into is out  # the call returns its out=, as torch and NumPy do
    for y in (joined, out):
        assert np.allclose(np.asarray(y), np.asarray(ref), rtol=0, atol=1e-5 * float(np.abs(np.asarray(ref)).max()))
    if trnfft_backend == "fftw-reference":
        assert np.array_equal(np.asarray(joined), np.asarray(ref)) and np.array_equal(np.asarray(out), np.asarray(ref))
    if library == "numpy":
        with pytest.raises(trnfft.InvalidArgumentError, match="wrong shape"):
            trnfft.numpy_fft.fft2(SplitComplex(xr, xi), out=np.empty((3, 8, 15), np.complex64))
        with pytest.raises(TypeError, match="same_kind"):
            trnfft.numpy_fft.fft2(SplitComplex(xr, xi), out=np.empty((3, 8, 16), np.float32))
    else:
        with pytest.raises(trnfft.InvalidArgumentError, match="must be a complex tensor"):
            trnfft.fft2(SplitComplex(xr, xi), out=torch.empty(3, 8, 16))
