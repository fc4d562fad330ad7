"""Norm-wise accuracy of every transform against a float64 reference, on every backend."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import trnfft
from trnfft import numpy_fft
from conftest import KIND_OF, assert_close, random_array, run_claimed

POW2 = [1, 2, 16, 1024, 4096, 65536]
ODD_COMPOSITE = [15, 105, 243, 1000, 3 * 5 * 7 * 11 * 13]
PRIMES = [2, 3, 7, 97, 4099, 65537]
LARGE = [2**20, 1_000_003]  # a large power of two and a large prime
SIZES_1D = POW2 + ODD_COMPOSITE + PRIMES + LARGE
NORMS = ["backward", "ortho", "forward"]
COMPLEX = [np.complex64, np.complex128]
REAL = [np.float32, np.float64]


def ref64(x):
    """The float64 (complex128) version of the exact input the backend saw."""
    return x.astype(np.complex128 if np.iscomplexobj(x) else np.float64)


@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("n", SIZES_1D)
def test_fft_ifft_1d(trnfft_backend, n, dtype):
    x = random_array(n, dtype, seed=n)
    norm = NORMS[n % 3]
    y = run_claimed(trnfft_backend, lambda: numpy_fft.fft(x, norm=norm), "c2c", dtype, [n])
    if y is not None:
        assert y.dtype == dtype
        assert_close(y, np.fft.fft(ref64(x), norm=norm), dtype, n)
        assert_close(numpy_fft.ifft(x, norm=norm), np.fft.ifft(ref64(x), norm=norm), dtype, n)


@pytest.mark.parametrize("dtype", REAL)
@pytest.mark.parametrize("n", SIZES_1D)
def test_rfft_irfft_1d(trnfft_backend, n, dtype):
    x = random_array(n, dtype, seed=n)
    norm = NORMS[(n + 1) % 3]
    y = run_claimed(trnfft_backend, lambda: numpy_fft.rfft(x, norm=norm), "r2c", dtype, [n])
    if y is not None:
        assert y.dtype == np.result_type(dtype, np.complex64)
        assert_close(y, np.fft.rfft(ref64(x), norm=norm), dtype, n)
    spec = random_array(n // 2 + 1, np.result_type(dtype, np.complex64), seed=n + 1)
    z = run_claimed(trnfft_backend, lambda: numpy_fft.irfft(spec, n, norm=norm), "c2r", dtype, [n])
    if z is not None:
        assert_close(z, np.fft.irfft(ref64(spec), n, norm=norm), dtype, n)


@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (16, 16), (17, 31), (128, 96), (1024, 1024)])
def test_fft2_shapes(trnfft_backend, shape, dtype):
    x = random_array(shape, dtype, seed=sum(shape))
    n = int(np.prod(shape))
    y = run_claimed(trnfft_backend, lambda: numpy_fft.fft2(x), "c2c", dtype, shape)
    if y is not None:
        assert_close(y, np.fft.fft2(ref64(x)), dtype, n)
        assert_close(numpy_fft.ifft2(x, norm="ortho"), np.fft.ifft2(ref64(x), norm="ortho"), dtype, n)
    r = x.real.copy()
    h = run_claimed(trnfft_backend, lambda: numpy_fft.rfft2(r), "r2c", dtype, shape)
    if h is not None:
        assert_close(h, np.fft.rfft2(ref64(r)), dtype, n)
        assert_close(numpy_fft.irfft2(h, s=shape), np.fft.irfft2(ref64(h), s=shape), dtype, n)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("axes", [None, (0,), (2, 0), (-1, -2), (1, 2, 0)])
@pytest.mark.parametrize("dtype", COMPLEX)
def test_nd_axes_norms(trnfft_backend, axes, norm, dtype):
    x = random_array((6, 5, 8), dtype, seed=3)
    n = x.size
    lengths = [x.shape[a] for a in (axes if axes is not None else range(3))]
    for name in ["fftn", "ifftn"]:
        y = run_claimed(trnfft_backend, lambda: getattr(numpy_fft, name)(x, axes=axes, norm=norm),
                        "c2c", dtype, lengths)
        if y is not None:
            assert_close(y, getattr(np.fft, name)(ref64(x), axes=axes, norm=norm), dtype, n)
    r = x.real.copy()
    spec = np.fft.rfftn(ref64(r), axes=axes, norm=norm)
    y = run_claimed(trnfft_backend, lambda: numpy_fft.rfftn(r, axes=axes, norm=norm), "r2c", dtype, lengths)
    if y is not None:
        assert_close(y, spec, dtype, n)
        s = None if axes is None else [r.shape[a] for a in axes]
        assert_close(numpy_fft.irfftn(spec.astype(x.dtype), s=s, axes=axes, norm=norm),
                     np.fft.irfftn(spec, s=s, axes=axes, norm=norm), dtype, n)


KIND = KIND_OF


def logical_lengths(name, shape):
    """Transform lengths of a default call of ``name`` on an input of ``shape``."""
    axes = [-1] if name[-1] not in "2n" else [-2, -1]
    lengths = [shape[a] for a in axes]
    if KIND[name] == "c2r":
        lengths[-1] = 2 * (lengths[-1] - 1)
    return lengths


NUMPY_FUNCS = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2",
               "irfft2", "fftn", "ifftn", "rfftn", "irfftn"]
REAL_INPUT = {"rfft", "ihfft", "rfft2", "rfftn", "ihfft2", "ihfftn"}


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", NUMPY_FUNCS)
@pytest.mark.parametrize("dtype", COMPLEX)
def test_numpy_namespace_matches_numpy(trnfft_backend, name, norm, dtype):
    x = random_array((12, 10), dtype, seed=7)
    if name in REAL_INPUT:
        x = x.real.copy()
    y = run_claimed(trnfft_backend, lambda: getattr(numpy_fft, name)(x, norm=norm), KIND[name], dtype,
                    logical_lengths(name, x.shape))
    if y is None:
        return
    ref = getattr(np.fft, name)(ref64(x), norm=norm)
    assert y.dtype == (np.dtype(dtype) if ref.dtype.kind == "c" else np.empty(0, dtype).real.dtype)
    assert_close(y, ref, dtype, x.size)


TORCH_FUNCS = NUMPY_FUNCS + ["hfft2", "ihfft2", "hfftn", "ihfftn"]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", TORCH_FUNCS)
@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_torch_api_matches_torch(trnfft_backend, name, norm, dtype):
    g = torch.Generator().manual_seed(5)
    x = torch.rand(9, 14, dtype=dtype, generator=g) * 2 - (1 + 1j)
    if name in REAL_INPUT:
        x = x.real.contiguous()
    np_dtype = np.complex64 if dtype == torch.complex64 else np.complex128
    y = run_claimed(trnfft_backend, lambda: getattr(trnfft, name)(x, norm=norm), KIND[name], np_dtype,
                    logical_lengths(name, tuple(x.shape)))
    if y is None:
        return
    assert isinstance(y, torch.Tensor)
    x64 = x.to(torch.complex128 if x.is_complex() else torch.float64)
    ref = getattr(torch.fft, name)(x64, norm=norm)
    assert y.dtype == (dtype if ref.is_complex() else x.real.dtype)
    assert_close(y, ref, np.complex64 if dtype == torch.complex64 else np.complex128, x.numel())


@pytest.mark.parametrize("dim", [0, 1, -1, (0, 1), (1, 0)])
@pytest.mark.trnfft_backends("fftw-reference", "numpy-reference")  # double precision, all kinds
def test_torch_dims_and_sizes(trnfft_backend, dim):
    x = torch.randn(10, 12, dtype=torch.complex128)
    if isinstance(dim, int):
        for n in (5, 12, 17):
            assert_close(trnfft.fft(x, n=n, dim=dim), torch.fft.fft(x, n=n, dim=dim), np.complex128, n)
            assert_close(trnfft.irfft(x, n=n, dim=dim), torch.fft.irfft(x, n=n, dim=dim), np.complex128, n)
    else:
        for s in [(7, 9), (16, 4)]:
            assert_close(trnfft.fftn(x, s=s, dim=dim), torch.fft.fftn(x, s=s, dim=dim), np.complex128, 64)
            assert_close(trnfft.irfftn(x, s=s, dim=dim), torch.fft.irfftn(x, s=s, dim=dim), np.complex128, 64)
            assert_close(trnfft.hfftn(x, s=s, dim=dim), torch.fft.hfftn(x, s=s, dim=dim), np.complex128, 64)
