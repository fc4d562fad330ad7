"""Behaviour users rely on: dtypes, untouched inputs, out=, layouts, empty batches."""
from __future__ import annotations

import warnings

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


_ND = ["fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]
_2D = ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2"]


def _torch_input(name):
    g = torch.Generator().manual_seed(0)
    if name.startswith(("rfft", "ihfft")):
        return torch.randn(4, 6, 10, dtype=torch.float64, generator=g)
    return torch.randn(4, 6, 10, dtype=torch.complex128, generator=g)


@pytest.mark.parametrize("name", _ND + _2D)
@pytest.mark.parametrize("kwargs", [dict(s=5), dict(s=5, dim=0), dict(s=5, dim=(1,)), dict(s=np.int64(5)),
                                    dict(s=torch.tensor(5)), dict(s=-1), dict(s=(3, -1), dim=(0, 2))])
def test_an_integer_s_is_one_length_as_in_torch(name, kwargs):
    """torch.fft takes s=5 as s=(5,): fftn over the last dim (or the one dim given); the 2-D
    functions then have one length for two dims and refuse, as torch does. -1 is the
    default length (2*(m-1) on irfftn's last dim), unlike NumPy's."""
    x = _torch_input(name)
    try:
        ref = getattr(torch.fft, name)(x, **kwargs)
    except RuntimeError:
        with pytest.raises(trnfft.InvalidArgumentError, match="same length"):
            getattr(trnfft, name)(x, **kwargs)
        return
    y = getattr(trnfft, name)(x, **kwargs)
    assert y.shape == ref.shape and y.dtype == ref.dtype
    assert float((y - ref).norm() / ref.norm()) <= 1e-13


@pytest.mark.parametrize("s", [True, 5.0, "5"])
def test_an_s_that_is_no_integer_is_refused_as_torch_refuses_it(s):
    x = _torch_input("fftn")
    with pytest.raises(TypeError):
        torch.fft.fftn(x, s=s)
    with pytest.raises(trnfft.InvalidArgumentTypeError, match="s must be an integer or a sequence"):
        trnfft.fftn(x, s=s)


def _torch_error(fn):
    try:
        fn()
    except RuntimeError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("name, shape", [("fft", (8,)), ("rfft", (5,)), ("fftn", (8,))])
@pytest.mark.parametrize("x_device, out_device", [("cpu", "meta"), ("meta", "cpu")])
def test_out_on_another_device_is_refused_as_torch_refuses_it(name, shape, x_device, out_device):
    x = torch.randn(8, device=x_device)
    make_out = lambda: torch.empty(shape, dtype=torch.complex64, device=out_device)  # noqa: E731
    assert "cross-device" in _torch_error(lambda: getattr(torch.fft, name)(x, out=make_out()))
    out = make_out()
    with pytest.raises(trnfft.InvalidArgumentError, match=f"out= is on device {out_device} but the "
                                                          f"input is on {x_device}"):
        getattr(trnfft, name)(x, out=out)


@pytest.mark.parametrize("grad_on", ["input", "out", "out view"])
def test_out_with_autograd_is_refused_as_torch_refuses_it(grad_on):
    def args():
        x = torch.randn(8, requires_grad=grad_on == "input")
        out = torch.empty(8, dtype=torch.complex64, requires_grad=grad_on != "input")
        return x, (out if grad_on == "out" else out[:] if grad_on == "out view" else out.detach())
    x, out = args()
    assert "don't support automatic differentiation" in _torch_error(lambda: torch.fft.fft(x, out=out))
    x, out = args()
    with pytest.raises(trnfft.InvalidArgumentError, match="don't support automatic differentiation"):
        trnfft.fft(x, out=out)
    x, out = args()
    with torch.no_grad():  # torch allows it without grad mode; so does trnfft
        y = trnfft.fft(x, out=out)
    assert y is out and torch.allclose(out, torch.fft.fft(x.detach()), atol=1e-5)


def test_split_out_on_another_device_is_refused():
    x = trnfft.SplitComplex(torch.randn(8), torch.randn(8))
    out = trnfft.SplitComplex(torch.empty(8, device="meta"), torch.empty(8, device="meta"))
    with pytest.raises(trnfft.InvalidArgumentError, match="out= is on device meta"):
        trnfft.fft(x, out=out)


def test_numpy_fftfreq_of_numpy_scalars_divides_as_numpy_and_refuses_n_0_without_a_warning():
    for n, d in ((np.int64(3), 0.0), (5, np.float64(0)), (np.int32(4), np.float32(0))):
        told = []
        for fftfreq in (numpy_fft.fftfreq, np.fft.fftfreq):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                told.append((fftfreq(n, d), [str(w.message) for w in caught]))
        (got, warned), (want, ref_warned) = told
        np.testing.assert_array_equal(got, want)
        assert warned == ref_warned and "divide by zero encountered in scalar divide" in warned
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(trnfft.ZeroSpacingError, match="n must be >= 1"):
            numpy_fft.rfftfreq(np.int64(0), np.float64(1))
        with pytest.raises(ZeroDivisionError, match="spacing"):
            numpy_fft.rfftfreq(4, 0.0)   # Python numbers: NumPy's ZeroDivisionError


def test_fftfreq_out_follows_torchs_device_and_autograd_rules():
    meta = torch.empty(8, device="meta")
    assert torch.fft.fftfreq(8, out=meta).device == trnfft.fftfreq(8, out=meta).device == meta.device
    assert "does not match" in _torch_error(lambda: torch.fft.fftfreq(8, device="cpu", out=meta))
    with pytest.raises(trnfft.InvalidArgumentError, match="does not match the device of out="):
        trnfft.fftfreq(8, device="cpu", out=meta)
    leaf = torch.empty(8, requires_grad=True)
    assert "don't support automatic differentiation" in _torch_error(lambda: torch.fft.fftfreq(8, out=leaf))
    with pytest.raises(trnfft.InvalidArgumentError, match="don't support automatic differentiation"):
        trnfft.rfftfreq(8, out=torch.empty(5, requires_grad=True))
