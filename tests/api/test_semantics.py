"""Behaviour users rely on: dtypes, untouched inputs, out=, layouts, empty batches."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import trnfft
from trnfft import numpy_fft
from conftest import assert_close, random_array, run_claimed


@pytest.mark.parametrize("dtype,expected", [
    (np.float32, np.complex64), (np.float64, np.complex128), (np.complex64, np.complex64),
    (np.complex128, np.complex128), (np.int32, np.complex128), (np.int64, np.complex128),
    (np.uint8, np.complex128), (np.bool_, np.complex128), (np.float16, np.complex64),
])
def test_numpy_dtype_promotion_matches_numpy(dtype, expected):
    x = (np.arange(8) % 3).astype(dtype)
    y = numpy_fft.fft(x)
    assert y.dtype == expected == np.fft.fft(x).dtype
    assert_close(y, np.fft.fft(x.astype(np.complex128)), expected, 8)


@pytest.mark.parametrize("dtype,expected", [
    (torch.float32, torch.complex64), (torch.float64, torch.complex128),
    (torch.int32, torch.complex64), (torch.bool, torch.complex64), (torch.uint8, torch.complex64),
])
def test_torch_dtype_promotion_matches_torch(dtype, expected):
    x = (torch.arange(8) % 3).to(dtype)
    y = trnfft.fft(x)
    assert isinstance(y, torch.Tensor)
    assert y.dtype == expected == torch.fft.fft(x).dtype


def test_real_outputs_keep_precision():
    assert numpy_fft.irfft(np.ones(5, np.complex64)).dtype == np.float32
    assert trnfft.irfft(torch.ones(5, dtype=torch.complex128)).dtype == torch.float64
    assert numpy_fft.ihfft(np.ones(6, np.float32)).dtype == np.complex64


KIND = {"fft": "c2c", "fft2": "c2c", "irfft": "c2r", "irfft2": "c2r", "irfftn": "c2r", "hfft": "c2r",
        "rfftn": "r2c"}


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("name", sorted(KIND))
def test_inputs_are_never_modified(trnfft_backend, name, dtype):
    x = random_array((8, 6), dtype, seed=1)
    if name == "rfftn":
        x = x.real.copy()
    lengths = [8, 6] if name[-1] in "2n" else [6]
    if KIND[name] == "c2r":
        lengths[-1] = 10
    before = x.copy()
    if run_claimed(trnfft_backend, lambda: getattr(numpy_fft, name)(x), KIND[name], dtype, lengths) is None:
        return
    np.testing.assert_array_equal(x, before)
    t = torch.from_numpy(x.copy())
    t_before = t.clone()
    getattr(trnfft, name)(t)
    assert torch.equal(t, t_before)


def test_results_are_fresh_arrays_each_call():
    x = random_array(64, np.complex64)
    a = numpy_fft.fft(x)
    b = numpy_fft.fft(2 * x)
    assert not np.shares_memory(a, b)
    assert_close(b, 2 * np.fft.fft(x.astype(np.complex128)), np.complex64, 64)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_non_contiguous_and_zero_stride_inputs(trnfft_backend, dtype):
    x = random_array((16, 12), dtype)
    ref = x.astype(np.complex128)
    if run_claimed(trnfft_backend, lambda: numpy_fft.fft(x.T), "c2c", dtype, [16]) is None:
        return
    assert_close(numpy_fft.fft(x.T), np.fft.fft(ref.T), dtype, 16)
    assert_close(numpy_fft.fft(x[::2, ::3], axis=0), np.fft.fft(ref[::2, ::3], axis=0), dtype, 8)
    z = np.broadcast_to(x[:1], (16, 12))
    assert_close(numpy_fft.fft2(z), np.fft.fft2(np.broadcast_to(ref[:1], (16, 12))), dtype, 192)
    t = torch.from_numpy(x).T
    assert_close(trnfft.fft(t, dim=0), torch.fft.fft(torch.from_numpy(ref).T, dim=0), dtype, 12)
    e = torch.from_numpy(x[0]).expand(5, 12)
    r = run_claimed(trnfft_backend, lambda: trnfft.rfft(e.real), "r2c", dtype, [12])
    if r is not None:
        assert_close(r, torch.fft.rfft(torch.from_numpy(ref[0]).expand(5, 12).real), dtype, 12)


def test_conjugate_and_negative_views_are_resolved():
    t = torch.randn(32, dtype=torch.complex128)
    assert_close(trnfft.fft(t.conj()), torch.fft.fft(t.conj()), np.complex128, 32)
    assert_close(trnfft.fft(-t.conj()), torch.fft.fft(-t.conj()), np.complex128, 32)


def test_empty_batch_returns_empty_result():
    y = numpy_fft.fft(np.zeros((0, 8), np.complex64))
    assert y.shape == (0, 8) and y.dtype == np.complex64
    assert numpy_fft.rfft(np.zeros((3, 0, 8))).shape == (3, 0, 5)
    assert trnfft.irfft(torch.zeros(0, 5, dtype=torch.complex64)).shape == (0, 8)


def test_out_numpy_and_torch():
    x = random_array(16, np.complex128)
    out = np.empty(16, np.complex128)
    res = numpy_fft.fft(x, out=out)
    assert res is out
    assert_close(out, np.fft.fft(x), np.complex128, 16)
    t = torch.from_numpy(x)
    tout = torch.empty(16, dtype=torch.complex128)
    assert trnfft.fft(t, out=tout) is tout
    assert_close(tout, torch.fft.fft(t), np.complex128, 16)


def test_lists_and_scalars_sequences_are_accepted():
    assert_close(numpy_fft.fft([1, 2, 3, 4]), np.fft.fft([1, 2, 3, 4]), np.complex128, 4)
    y = trnfft.fft([1.0, 0.0, 0.0, 0.0])
    assert isinstance(y, np.ndarray)


def test_top_level_api_takes_numpy_arrays_and_returns_numpy():
    x = random_array((4, 8), np.complex64)
    y = trnfft.fft(x, dim=0)
    assert isinstance(y, np.ndarray) and y.dtype == np.complex64
    assert_close(y, np.fft.fft(x.astype(np.complex128), axis=0), np.complex64, 4)


def test_fftfreq_and_shift_helpers():
    for n in (1, 7, 8):
        np.testing.assert_allclose(numpy_fft.fftfreq(n, 0.1), np.fft.fftfreq(n, 0.1))
        np.testing.assert_allclose(numpy_fft.rfftfreq(n, 2.0), np.fft.rfftfreq(n, 2.0))
        assert torch.allclose(trnfft.fftfreq(n, 0.1), torch.fft.fftfreq(n, 0.1))
        assert torch.allclose(trnfft.rfftfreq(n), torch.fft.rfftfreq(n))
    assert trnfft.fftfreq(4, dtype=torch.float64).dtype == torch.float64
    x = np.arange(24).reshape(4, 6)
    for axes in (None, 0, (1,), (0, 1)):
        np.testing.assert_array_equal(numpy_fft.fftshift(x, axes), np.fft.fftshift(x, axes))
        np.testing.assert_array_equal(numpy_fft.ifftshift(x, axes), np.fft.ifftshift(x, axes))
    t = torch.arange(24).reshape(4, 6)
    assert torch.equal(trnfft.fftshift(t, dim=1), torch.fft.fftshift(t, dim=1))
    assert torch.equal(trnfft.ifftshift(t), torch.fft.ifftshift(t))


def test_workers_give_the_same_answer():
    x = random_array((64, 256), np.complex128)
    assert_close(numpy_fft.fft2(x, workers=2), np.fft.fft2(x), np.complex128, x.size)
    assert_close(numpy_fft.fft2(x, workers=-1), np.fft.fft2(x), np.complex128, x.size)
