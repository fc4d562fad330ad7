"""trnfft.plan: pre-planned transforms give trnfft's results, check their inputs, share safely."""
from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

import trnfft
from tests.conftest import random_array

FFTW = "fftw-reference"
# (function, example shape, dtype, keywords): c2c / r2c / c2r, 1-D and n-D, norms, n/s, hermitian
CASES = [
    ("fft", (1024,), np.complex64, {}),
    ("ifft", (3, 45), np.complex128, {"norm": "ortho"}),
    ("fft", (100,), np.complex64, {"n": 128}),       # padded each call
    ("rfft", (4, 17), np.float32, {"dim": 0, "norm": "forward"}),
    ("irfft", (33,), np.complex64, {"n": 64}),
    ("fft2", (16, 24), np.complex64, {"norm": "ortho"}),
    ("rfftn", (6, 8, 10), np.float64, {}),
    ("irfftn", (8, 5), np.complex64, {"s": (8, 8)}),
    ("ifftn", (2, 12, 9), np.complex64, {"dim": (1, 2), "norm": "forward"}),
    ("hfft", (9,), np.complex64, {}),
    ("ihfft", (16,), np.float32, {}),
    ("fft", (20,), np.float32, {}),                   # cast to complex each call
    ("fft", (1 << 18,), np.complex64, {"norm": "ortho"}),  # fftw-reference's in-place plans
]


def _reference(function, x, kw, backend):
    return getattr(trnfft, function)(x, **kw, backend=backend)


@pytest.mark.parametrize("backend", [FFTW, "numpy-reference"])
@pytest.mark.parametrize("function,shape,dtype,kw", CASES)
def test_every_form_equals_the_function(function, shape, dtype, kw, backend):
    x = random_array(shape, dtype, seed=1)
    kept = x.copy()
    want = _reference(function, x, kw, backend)
    p = trnfft.plan(function, x, **kw, backend=backend)
    assert p.backend == backend
    got = p(x)
    np.testing.assert_array_equal(got, want)  # bitwise: the same plan does the same arithmetic
    assert got.dtype == want.dtype and not np.shares_memory(got, x)
    out = np.full_like(want, 7)
    assert p(x, out=out) is out
    np.testing.assert_array_equal(out, want)
    p.input_array[...] = x
    own = p()
    assert own is p.output_array and not np.shares_memory(p.input_array, own)
    np.testing.assert_array_equal(own, want)
    np.testing.assert_array_equal(x, kept)  # inputs never modified


def test_own_buffers_are_overwritten_by_the_next_call():
    x, z = random_array((256,), np.complex64, 2), random_array((256,), np.complex64, 3)
    p = trnfft.plan("fft", x, backend=FFTW)
    p.input_array[...] = x
    first = p()
    p.input_array[...] = z
    assert p() is first  # the same buffer, now holding z's transform
    np.testing.assert_array_equal(first, trnfft.fft(z, backend=FFTW))


def test_shape_and_dtype_planning_equals_an_example():
    p = trnfft.plan("rfft2", shape=(8, 10), dtype=np.float64, backend=FFTW)
    x = random_array((8, 10), np.float64, 4)
    np.testing.assert_array_equal(p(x), trnfft.rfft2(x, backend=FFTW))
    assert "rfft2" in repr(p) and "(8, 10)" in repr(p) and "float64" in repr(p) and FFTW in repr(p)


def test_accuracy_against_float64():
    for n in (1024, 1000, 997, 2**16):
        x = random_array((n,), np.complex64, n)
        y = trnfft.plan("fft", x)(x)
        ref = np.fft.fft(x.astype(np.complex128))
        assert np.linalg.norm(y - ref) / np.linalg.norm(ref) < 5 * np.finfo(np.float32).eps * np.log2(n)


@pytest.mark.parametrize("bad,what", [
    (np.zeros(512, np.complex64), "(512,)"),
    (np.zeros(1024, np.complex128), "complex128"),
    (np.zeros((2, 1024), np.complex64), "(2, 1024)"),
])
def test_wrong_input_is_a_clear_error(bad, what):
    p = trnfft.plan("fft", shape=(1024,), dtype=np.complex64)
    with pytest.raises(trnfft.InvalidArgumentError, match=r"takes \(1024,\) complex64 input") as err:
        p(bad)
    assert what in str(err.value)
    with pytest.raises(trnfft.InvalidArgumentTypeError, match="planned for NumPy arrays"):
        p([0j] * 1024)


def test_wrong_out_is_a_clear_error():
    p = trnfft.plan("rfft", shape=(64,), dtype=np.float32)
    x = random_array((64,), np.float32)
    with pytest.raises(trnfft.InvalidArgumentError, match=r"out= must be \(33,\) complex64"):
        p(x, out=np.empty(64, np.complex64))
    with pytest.raises(trnfft.InvalidArgumentError, match=r"complex128"):
        p(x, out=np.empty(33, np.complex128))
    readonly = np.empty(33, np.complex64)
    readonly.flags.writeable = False
    with pytest.raises(trnfft.InvalidArgumentError, match="read-only"):
        p(x, out=readonly)
    strided = np.empty(66, np.complex64)[::2]  # any strides: the result is copied in
    p(x, out=strided)
    np.testing.assert_array_equal(strided, trnfft.rfft(x))
    with pytest.raises(trnfft.InvalidArgumentError, match="out= goes with an input"):
        p(out=np.empty(33, np.complex64))


@pytest.mark.parametrize("call,match", [
    (lambda: trnfft.plan("fftx", shape=(8,)), "transform name"),
    (lambda: trnfft.plan("fft"), "example input, or shape="),
    (lambda: trnfft.plan("fft", [1, 2]), "NumPy array or a torch tensor"),
    (lambda: trnfft.plan("fft", np.zeros(8), shape=(8,)), "not both"),
    (lambda: trnfft.plan("fft", np.zeros(8), s=(8,)), "takes n, not s"),
    (lambda: trnfft.plan("fft2", np.zeros((8, 8)), n=8), "takes s, not n"),
    (lambda: trnfft.plan("rfft", np.zeros(8, np.complex64)), "real"),
    (lambda: trnfft.plan("fft", np.zeros(8), dim=1), "out of range"),
    (lambda: trnfft.plan("fft", np.zeros(0)), "empty along axis 0"),
    (lambda: trnfft.plan("fft", shape=(-3,)), "no negative sizes"),
])
def test_bad_plan_arguments_are_clear_errors(call, match):
    with pytest.raises(trnfft.TrnfftError, match=match):
        call()


def test_the_backend_is_bound_at_creation():
    x = random_array((64,), np.complex64)
    with trnfft.use_backend("numpy-reference"):
        p = trnfft.plan("fft", x)
    assert p.backend == "numpy-reference"
    with trnfft.use_backend(FFTW):
        np.testing.assert_array_equal(p(x), trnfft.fft(x, backend="numpy-reference"))
    trnfft.plan_cache.clear()  # the object keeps its plan
    np.testing.assert_array_equal(p(x), trnfft.fft(x, backend="numpy-reference"))


@pytest.mark.parametrize("backend", [FFTW, "numpy-reference"])
def test_concurrent_calls_are_not_corrupted(backend):
    inputs = [random_array((2048,), np.complex64, seed) for seed in range(4)]
    p = trnfft.plan("fft", inputs[0], backend=backend)
    wants = [trnfft.fft(x, backend=backend) for x in inputs]
    bad: list[str] = []

    def work(i: int) -> None:
        out = np.empty(2048, np.complex64)
        for _ in range(200):
            if not np.array_equal(p(inputs[i]), wants[i]):
                bad.append(f"p(x) on thread {i}")
            p(inputs[i], out=out)
            if not np.array_equal(out, wants[i]):
                bad.append(f"p(x, out) on thread {i}")

    def own_buffers() -> None:  # p() alongside: the other forms never touch its buffers
        p.input_array[...] = inputs[0]
        for _ in range(200):
            p()
        if not np.array_equal(p.output_array, wants[0]):
            bad.append("p() alongside")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    threads.append(threading.Thread(target=own_buffers))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad, bad[:5]


def test_tensors_in_tensors_out():
    t = torch.from_numpy(random_array((4, 32), np.complex64, 5))
    kept = t.clone()
    p = trnfft.plan("fft", t, dim=0, norm="ortho", backend=FFTW)
    want = trnfft.fft(t, dim=0, norm="ortho", backend=FFTW)
    got = p(t)
    assert isinstance(got, torch.Tensor) and torch.equal(got, want)
    out = torch.empty(4, 32, dtype=torch.complex64)
    assert p(t, out=out) is out and torch.equal(out, want)
    p.input_array.copy_(t)
    assert isinstance(p.input_array, torch.Tensor) and torch.equal(p(), want)
    assert torch.equal(t, kept)
    with pytest.raises(trnfft.InvalidArgumentTypeError, match="planned for torch tensors"):
        p(t.numpy())
    with pytest.raises(trnfft.InvalidArgumentError, match="CPU tensor not requiring grad"):
        p(t.clone().requires_grad_())


@pytest.mark.parametrize("backend", ["torch-native", "nki-simulator"])
@pytest.mark.parametrize("function,shape,dtype,kw", [("fft", (256,), np.complex64, {}),
                                                     ("rfft2", (16, 32), np.float32, {"norm": "ortho"})])
def test_backends_without_bind_buffers_take_the_generic_form(function, shape, dtype, kw, backend):
    x = random_array(shape, dtype, seed=6)
    p = trnfft.plan(function, x, **kw, backend=backend)
    want = _reference(function, x, kw, backend)
    assert p.backend == backend
    np.testing.assert_array_equal(p(x), want)
    p.input_array[...] = x
    np.testing.assert_array_equal(p(), want)


def test_plan_refuses_what_its_function_refuses():
    """The 2-D functions take no dim=None (torch's rule): neither does a plan of one."""
    x = random_array((4, 6), np.complex64)
    with pytest.raises(trnfft.InvalidArgumentTypeError, match="no dim=None") as by_function:
        trnfft.fft2(x, dim=None)
    with pytest.raises(trnfft.InvalidArgumentTypeError, match="no dim=None") as by_plan:
        trnfft.plan("fft2", x, dim=None)
    assert str(by_plan.value) == str(by_function.value)


@pytest.mark.parametrize("function, kw", [("irfft", {}), ("hfft", {"n": 9}), ("irfft2", {"dim": [0]})])
def test_a_float16_plan_gives_the_functions_float16_result(function, kw):
    """NumPy's rule, which trnfft's functions follow for arrays: a 1-D c2r of float16 is float16."""
    x = random_array((5, 8), np.float32).astype(np.float16)
    want = getattr(trnfft, function)(x, **kw, backend=FFTW)
    p = trnfft.plan(function, x, **kw, backend=FFTW)
    assert want.dtype == np.float16 and p.output_array.dtype == np.float16 and "float16" in repr(p).split("->")[1]
    np.testing.assert_array_equal(p(x), want)
    out = np.zeros_like(want)
    assert p(x, out=out) is out
    np.testing.assert_array_equal(out, want)
    p.input_array[...] = x
    np.testing.assert_array_equal(p(), want)


def test_a_conjugate_view_is_an_input_of_the_planned_kind():
    """x.conj() and -x views of a complex tensor are its values (torch's lazy bits), computed as such."""
    t = torch.from_numpy(random_array((4, 16), np.complex64, 7))
    p = trnfft.plan("fft", t, backend=FFTW)
    for view in (t.conj(), torch._neg_view(t)):
        assert torch.equal(p(view), trnfft.fft(view.resolve_conj().resolve_neg(), backend=FFTW))
    with pytest.raises(trnfft.InvalidArgumentError, match="not requiring grad"):
        p(t.clone().requires_grad_())


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.complex32])
def test_an_input_numpy_cannot_view_is_refused_as_such(dtype):
    """A dtype NumPy has not (bfloat16, complex32) is a TrnfftError, not a TypeError from resolving
    a conjugate bit the input does not have."""
    p = trnfft.plan("fft", torch.zeros(8, dtype=torch.complex64), backend=FFTW)
    with pytest.raises(trnfft.InvalidArgumentError, match="ScalarType"):
        p(torch.zeros(8, dtype=dtype))
