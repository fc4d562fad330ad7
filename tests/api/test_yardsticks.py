"""Corners where trnfft must do what torch.fft, numpy.fft and scipy.fft do, checked against them.

Shifts and stft of SplitComplex pairs, torch's out= rules, fftfreq's torch
semantics, 0-d inputs to the n-D functions, the errors torch users catch,
torch.func tensors, and pre-planned empty batches and torch dtypes.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.fft
import torch

import trnfft
from trnfft import SplitComplex, numpy_fft
from trnfft.core.errors import InvalidArgumentError, InvalidDtypeError, TrnfftError


def _joined(pair):
    re, im = pair
    return torch.complex(re, im) if isinstance(re, torch.Tensor) else re + 1j * im


# --- 1. fftshift / ifftshift of a pair ---------------------------------------------------

@pytest.mark.parametrize("shift", ["fftshift", "ifftshift"])
@pytest.mark.parametrize("module", [trnfft, numpy_fft])
@pytest.mark.parametrize("parts", ["numpy", "torch"])
@pytest.mark.parametrize("axes", [None, 0, (1,), [0, 1]])
def test_shifting_a_pair_shifts_each_part_and_keeps_its_kind(shift, module, parts, axes):
    z = np.arange(15.0).reshape(3, 5) + 1j * (100 + np.arange(15.0).reshape(3, 5))
    pair = SplitComplex(z.real.copy(), z.imag.copy())
    if parts == "torch":
        pair = SplitComplex(torch.from_numpy(pair.real), torch.from_numpy(pair.imag))
    kw = {} if axes is None else {("dim" if module is trnfft else "axes"): axes}
    got = getattr(module, shift)(pair, **kw)
    assert type(got) is SplitComplex
    assert all(isinstance(p, torch.Tensor if parts == "torch" else np.ndarray) for p in got)
    want = getattr(np.fft, shift)(z, axes=axes)
    np.testing.assert_array_equal(np.asarray(_joined(got)), want)


def test_shifting_a_mismatched_pair_is_refused():
    with pytest.raises(InvalidArgumentError, match="one shape"):
        trnfft.fftshift(SplitComplex(np.zeros(4), np.zeros(3)))


# --- 2. stft / istft of a pair -------------------------------------------------------------

def test_stft_of_a_pair_is_the_complex_signals_stft_as_a_pair():
    g = torch.Generator().manual_seed(0)
    re, im = torch.randn(100, generator=g), torch.randn(100, generator=g)
    w = torch.hann_window(16)
    want = torch.stft(torch.complex(re, im), 16, window=w, return_complex=True)
    got = trnfft.stft(SplitComplex(re, im), 16, window=w, return_complex=True)
    assert type(got) is SplitComplex and tuple(got.real.shape) == (16, 26) == tuple(want.shape)
    assert torch.linalg.norm(_joined(got) - want) / torch.linalg.norm(want) < 1e-6
    arrays = trnfft.stft(SplitComplex(re.numpy(), im.numpy()), 16, window=w, return_complex=True)
    assert type(arrays) is SplitComplex and isinstance(arrays.real, np.ndarray)
    back = trnfft.istft(got, 16, window=w, return_complex=True, length=100)
    assert type(back) is SplitComplex
    assert torch.linalg.norm(_joined(back) - torch.complex(re, im)) < 1e-4


# --- 3. torch users' except RuntimeError ------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda m: m.fft(torch.ones(4), n=0),
    lambda m: m.fft(torch.ones(4), norm="bogus"),
    lambda m: m.fftn(torch.ones(4, 4), dim=(0, 0)),
    lambda m: m.rfft(torch.ones(4, dtype=torch.complex64)),
    lambda m: m.fft(torch.ones(4, dtype=torch.float16)),
    lambda m: m.rfftn(torch.tensor(1.0)),
])
def test_argument_and_dtype_errors_are_what_torch_users_catch(call):
    with pytest.raises(RuntimeError):
        call(torch.fft)
    with pytest.raises(RuntimeError) as info:
        call(trnfft)
    assert isinstance(info.value, TrnfftError)
    assert isinstance(info.value, (ValueError, TypeError))  # and what NumPy users catch


def test_numpy_users_still_catch_valueerror_and_typeerror():
    with pytest.raises(ValueError):
        numpy_fft.fft(np.ones(4), n=0)
    with pytest.raises(TypeError):
        numpy_fft.rfft(np.ones(4, np.complex64))
    assert issubclass(InvalidArgumentError, RuntimeError) and issubclass(InvalidDtypeError, RuntimeError)


# --- 4. torch's out= rules ---------------------------------------------------------------------

def _complex(shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, dtype=torch.complex64, generator=g)


@pytest.mark.parametrize("out_shape,out_dtype,warns", [
    ((0,), torch.complex64, False),      # empty: resized silently
    ((3,), torch.complex64, True),       # wrong shape with elements: resized with torch's warning
    ((4, 8), torch.complex128, False),   # another precision: cast
    ((0,), torch.complex128, False),
])
def test_out_is_resized_and_cast_as_torch_does(out_shape, out_dtype, warns):
    x = _complex((4, 8))
    mine, theirs = torch.empty(out_shape, dtype=out_dtype), torch.empty(out_shape, dtype=out_dtype)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert trnfft.fft(x, out=mine) is mine
        torch.fft.fft(x, out=theirs)
    resized = [w for w in caught if "resized" in str(w.message)]
    assert len(resized) == (2 if warns else 0)  # trnfft's and torch's
    if warns:
        assert resized[0].filename == __file__  # pointed at the caller's line
    assert mine.shape == theirs.shape == (4, 8) and mine.dtype == theirs.dtype == out_dtype
    assert torch.linalg.norm(mine - theirs) / torch.linalg.norm(theirs) < 1e-6


def test_out_of_the_wrong_kind_is_refused_as_torch_refuses_it():
    x = _complex((4, 8))
    for fn, out in [("fft", torch.empty(4, 8)), ("irfft", torch.empty(4, 14, dtype=torch.complex64))]:
        with pytest.raises(RuntimeError):
            getattr(torch.fft, fn)(x, out=out.clone())
        with pytest.raises(InvalidArgumentError, match="out= must be a"):
            getattr(trnfft, fn)(x, out=out)
    real = torch.empty(0, dtype=torch.float64)
    assert trnfft.irfft(x, out=real) is real and real.shape == (4, 14)


def test_out_with_a_pair_input_or_pair_out_is_what_the_call_returns():
    x = _complex((4, 8))
    want = torch.fft.fft(x)
    pair = SplitComplex(x.real.contiguous(), x.imag.contiguous())
    out = torch.empty(0, dtype=torch.complex64)
    assert trnfft.fft(pair, out=out) is out
    assert torch.linalg.norm(out - want) / torch.linalg.norm(want) < 1e-6
    parts = SplitComplex(torch.empty(4, 8), torch.empty(4, 8))
    for x_in in (pair, x):
        assert trnfft.fft(x_in, out=parts) is parts
        assert torch.linalg.norm(_joined(parts) - want) / torch.linalg.norm(want) < 1e-6
    assert trnfft.fft(x, out=out, split=True) is out  # out= wins over split=True
    a = x.numpy().astype(np.complex128)
    np_parts = SplitComplex(np.empty((4, 8)), np.empty((4, 8)))
    assert numpy_fft.fft2(SplitComplex(a.real.copy(), a.imag.copy()), out=np_parts) is np_parts
    np.testing.assert_allclose(_joined(np_parts), np.fft.fft2(a), atol=1e-12)
    with pytest.raises(InvalidArgumentError, match="result is real"):
        trnfft.irfft(x, out=SplitComplex(torch.empty(4, 14), torch.empty(4, 14)))


# --- 5. complex32 advice -----------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental")
def test_complex32_input_is_told_to_convert_to_a_complex_dtype():
    x = torch.randn(8, dtype=torch.complex64).to(torch.complex32)
    with pytest.raises(InvalidDtypeError, match=r"\.to\(torch\.complex64\)") as info:
        trnfft.fft(x)
    assert ".float()" not in str(info.value)  # which would drop the imaginary part
    with pytest.raises(InvalidDtypeError, match=r"\.float\(\)"):
        trnfft.fft(torch.randn(8, dtype=torch.float16))


# --- 6. fftfreq / rfftfreq ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
def test_frequency_grids_match_torch_bit_for_bit(name):
    for dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
        for n in (0, 1, 2, 7, 10, 33):
            for d in (1.0, 0.1, 3.0, -2.5):
                got = getattr(trnfft, name)(n, d, dtype=dtype, layout=torch.strided)
                want = getattr(torch.fft, name)(n, d, dtype=dtype)
                assert got.dtype == want.dtype and torch.equal(got.nan_to_num(), want.nan_to_num()), (dtype, n, d)


@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
def test_frequency_grid_arguments_as_torch(name):
    for dtype in (torch.int64, torch.bool):
        with pytest.raises(RuntimeError, match="requires a floating point or complex dtype"):
            getattr(torch.fft, name)(4, dtype=dtype)
        with pytest.raises(InvalidDtypeError, match="requires a floating point or complex dtype"):
            getattr(trnfft, name)(4, dtype=dtype)
    with pytest.raises(InvalidArgumentError, match="layout"):
        getattr(trnfft, name)(4, layout=torch.sparse_coo)
    out = torch.empty(0, dtype=torch.float64)
    assert getattr(trnfft, name)(6, out=out) is out
    assert torch.equal(out, getattr(torch.fft, name)(6, dtype=torch.float64))
    assert getattr(trnfft, name)(5, requires_grad=True).requires_grad


# --- 8. 0-d inputs to the n-D functions --------------------------------------------------------

@pytest.mark.parametrize("name", ["fftn", "ifftn"])
@pytest.mark.parametrize("value", [torch.tensor(2.0), torch.tensor(3), torch.tensor(1.0 + 2j),
                                   torch.tensor(2.0, dtype=torch.float64)])
def test_zero_d_tensors_to_fftn_are_torchs_identity(name, value):
    got, want = getattr(trnfft, name)(value), getattr(torch.fft, name)(value)
    assert got.ndim == 0 and got.dtype == want.dtype and torch.equal(got, want)


@pytest.mark.parametrize("name", ["fftn", "ifftn"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.complex64])
def test_zero_d_arrays_to_fftn_are_numpys_and_scipys_identity(name, dtype):
    x = np.array(3, dtype)
    got, want = getattr(numpy_fft, name)(x), getattr(np.fft, name)(x)
    assert got.dtype == want.dtype and got.shape == () and got == want
    want = getattr(scipy.fft, name)(x)
    with scipy.fft.set_backend(trnfft.scipy_backend, only=True):
        got = getattr(scipy.fft, name)(x)
    assert got.dtype == want.dtype and got.shape == () and got == want
    assert got is not x  # the input is never handed back to be modified


def test_zero_d_inputs_still_fail_where_the_yardsticks_fail():
    for call in (lambda m: m.fft(torch.tensor(1.0)), lambda m: m.fft2(torch.tensor(1.0))):
        with pytest.raises(IndexError):
            call(torch.fft)
        with pytest.raises(IndexError):
            call(trnfft)
    with pytest.raises(RuntimeError, match="at least one axis"):
        torch.fft.rfftn(torch.tensor(1.0))
    with pytest.raises(InvalidArgumentError, match="at least one axis"):
        trnfft.rfftn(torch.tensor(1.0))


# --- 7. torch.func (and sparse tensors) ---------------------------------------------------------------------------

def test_torch_func_transforms_get_a_clear_error():
    with pytest.raises(InvalidArgumentError, match="torch.func transforms"):
        torch.func.vmap(trnfft.fft)(torch.randn(3, 8))
    with pytest.raises(InvalidArgumentError, match="batch over every dim"):
        torch.func.grad(lambda x: trnfft.rfft(x).abs().sum())(torch.randn(8))


def test_sparse_tensors_get_a_clear_error():
    with pytest.raises(InvalidArgumentError, match="to_dense"):
        trnfft.fft(torch.randn(8).to_sparse())


# --- 9. plan() --------------------------------------------------------------------------------

def test_plans_of_empty_batches_work_like_the_functions():
    for function, shape, dtype in [("fft", (0, 8), np.complex64), ("rfft", (0, 8), np.float32),
                                   ("irfft2", (0, 4, 8), np.complex128)]:
        x = np.zeros(shape, dtype)
        p = trnfft.plan(function, shape=shape, dtype=dtype)
        want = getattr(numpy_fft, function)(x)
        for got in (p(x), p()):
            assert got.shape == want.shape and got.dtype == want.dtype
    with pytest.raises(InvalidArgumentError, match="empty along axis"):
        trnfft.plan("fft", shape=(8, 0), dtype=np.complex64)


def test_plans_take_torch_dtypes_and_promote_as_torch():
    p = trnfft.plan("fft", shape=(8,), dtype=torch.complex64)
    x = torch.arange(8.0).to(torch.complex64)
    y = p(x)
    assert isinstance(y, torch.Tensor) and torch.allclose(y, torch.fft.fft(x))
    for plan in (trnfft.plan("fft", shape=(8,), dtype=torch.int64), trnfft.plan("fft", torch.arange(8))):
        assert plan(torch.arange(8)).dtype == torch.fft.fft(torch.arange(8)).dtype == torch.complex64
    with pytest.raises(InvalidDtypeError, match=r"\.to\(torch\.complex64\)"):
        trnfft.plan("fft", shape=(8,), dtype=torch.complex32)
