"""trnfft.stft / istft against torch.stft / istft, on every backend."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import trnfft  # noqa: E402
from trnfft.core.accuracy import normwise_error  # noqa: E402

D = torch.float64
# both libraries warn about the rectangular default window; test_no_window_warns checks ours
pytestmark = pytest.mark.filterwarnings("ignore:.*window was not provided", "ignore:stft. no window",
                                        "ignore:istft. no window")


def _signal(shape, dtype=D, seed=0):
    g = torch.Generator().manual_seed(seed)
    if dtype.is_complex:
        return torch.randn(shape, dtype=dtype, generator=g)
    return torch.randn(shape, dtype=dtype, generator=g)


def _close(y, ref, eps=1e-13):
    assert tuple(y.shape) == tuple(ref.shape), (tuple(y.shape), tuple(ref.shape))
    assert y.dtype == ref.dtype, (y.dtype, ref.dtype)
    err = normwise_error(y.detach().numpy(), ref.detach().numpy())
    assert err < eps, err


WINDOWS = {
    "none": lambda n: None,
    "hann": lambda n: torch.hann_window(n, dtype=D),
    "hamming": lambda n: torch.hamming_window(n, dtype=D),
    "blackman": lambda n: torch.blackman_window(n, dtype=D),
}


@pytest.mark.parametrize("window", sorted(WINDOWS))
@pytest.mark.parametrize("n_fft, hop, win", [(16, None, None), (15, 4, 11), (64, 16, 48), (7, 1, 7)])
@pytest.mark.parametrize("center, pad_mode", [(True, "reflect"), (True, "constant"),
                                              (True, "replicate"), (True, "circular"), (False, None)])
def test_stft_matches_torch(window, n_fft, hop, win, center, pad_mode):
    x = _signal((3, 203))
    w = WINDOWS[window](win or n_fft)
    kw = dict(hop_length=hop, win_length=win, window=w, center=center, return_complex=True)
    if pad_mode:
        kw["pad_mode"] = pad_mode
    _close(trnfft.stft(x, n_fft, **kw), torch.stft(x, n_fft, **kw))


@pytest.mark.parametrize("trnfft_backend_name", ["fftw-reference", "numpy-reference", "nki-simulator"])
@pytest.mark.parametrize("onesided", [True, False])
def test_stft_every_backend_single_precision(trnfft_backend_name, onesided):
    if trnfft_backend_name not in {r["name"] for r in trnfft.backends_info() if r["available"]}:
        pytest.skip(f"{trnfft_backend_name} is not available here")
    x = _signal((2, 300), torch.float32)
    w = torch.hann_window(64)
    kw = dict(hop_length=16, window=w, onesided=onesided, return_complex=True)
    trnfft.plan_cache.clear()
    y = trnfft.stft(x, 64, backend=trnfft_backend_name, **kw)
    _close(y, torch.stft(x, 64, **kw), eps=5 * np.finfo(np.float32).eps * 6)
    (names, key, _), = trnfft.plan_cache._plans  # the frames' FFT ran on the backend asked for
    assert names[0] == trnfft_backend_name and key[1][-1] == 64  # (then any plan settings it declares)


@pytest.mark.parametrize("normalized", [False, True])
@pytest.mark.parametrize("onesided", [None, False])
def test_stft_normalized_and_sides(normalized, onesided):
    x = _signal((97,))
    kw = dict(hop_length=5, window=torch.hann_window(20, dtype=D), normalized=normalized,
              onesided=onesided, return_complex=True)
    _close(trnfft.stft(x, 20, **kw), torch.stft(x, 20, **kw))


def test_stft_complex_input_and_window_two_sided_by_default():
    x = _signal((2, 90), torch.complex128)
    w = torch.hann_window(16, dtype=D).to(torch.complex128) * (1 + 0.5j)
    ours, ref = trnfft.stft(x, 16, window=w), torch.stft(x, 16, window=w)
    assert ours.shape[-2] == 16
    _close(ours, ref)
    _close(trnfft.stft(x.real, 16, window=w), torch.stft(x.real, 16, window=w))


def test_stft_return_complex_false_is_view_as_real_with_torchs_warning():
    x = _signal((80,))
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        ours = trnfft.stft(x, 16, return_complex=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = torch.stft(x, 16, return_complex=False)
    _close(ours, ref)


@pytest.mark.parametrize("fn", ["stft", "istft"])
def test_no_window_warns_as_torch(fn):
    """torch warns once per process (its first call here may have been elsewhere); trnfft
    warns through Python's warnings (by default once per calling line)."""
    spec = torch.stft(_signal((50,)), 8, window=torch.hann_window(8, dtype=D), return_complex=True)
    arg = _signal((50,)) if fn == "stft" else spec
    for lib in (torch, trnfft):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            getattr(lib, fn)(arg, 8, window=torch.ones(8, dtype=D), return_complex=fn == "stft")
        assert not [w for w in caught if "window" in str(w.message)]
    with pytest.warns(UserWarning, match="rectangular"):
        getattr(trnfft, fn)(arg, 8, return_complex=fn == "stft")


def test_stft_align_to_window():
    x = _signal((60,))
    kw = dict(hop_length=4, win_length=5, window=torch.hann_window(5, dtype=D), center=False,
              return_complex=True, align_to_window=True)
    _close(trnfft.stft(x, 12, **kw), torch.stft(x, 12, **kw))


def test_stft_numpy_in_numpy_out():
    x = _signal((120,))
    y = trnfft.stft(x.numpy(), 32, window=np.hanning(32), return_complex=True)
    assert isinstance(y, np.ndarray)
    ref = torch.stft(x, 32, window=torch.from_numpy(np.hanning(32)), return_complex=True)
    assert normwise_error(y, ref.numpy()) < 1e-13


@pytest.mark.parametrize("kw", [
    dict(hop_length=4, window="hann"), dict(hop_length=8, window="hamming", center=False),
    dict(hop_length=3, win_length=10, window="hann", normalized=True),
    dict(hop_length=4, window="hann", onesided=False, return_complex=True),
    dict(hop_length=4, window="hann", onesided=False),
])
@pytest.mark.parametrize("length", [None, 150, 40, 260])
def test_istft_matches_torch(kw, length):
    kw = dict(kw)
    n_fft = 16
    win = kw.get("win_length", n_fft)
    kw["window"] = WINDOWS[kw["window"]](win)
    rc = kw.pop("return_complex", False)
    stft_kw = {k: v for k, v in kw.items()}
    x = _signal((2, 211), torch.complex128 if rc else D)
    spec = torch.stft(x, n_fft, return_complex=True, **stft_kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn when length pads the tail
        try:
            ref = torch.istft(spec, n_fft, length=length, return_complex=rc, **kw)
        except RuntimeError:  # a length reaching where the window vanishes fails NOLA in both
            with pytest.raises(trnfft.SpectrogramArgumentError, match="NOLA"):
                trnfft.istft(spec, n_fft, length=length, return_complex=rc, **kw)
            return
        ours = trnfft.istft(spec, n_fft, length=length, return_complex=rc, **kw)
    _close(ours, ref)


def test_istft_tail_padding_warns_as_torch():
    spec = torch.stft(_signal((100,)), 16, window=torch.hann_window(16, dtype=D), return_complex=True)
    with pytest.warns(UserWarning, match="padded with zeros"):
        y = trnfft.istft(spec, 16, window=torch.hann_window(16, dtype=D), length=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns once per process
        ref = torch.istft(spec, 16, window=torch.hann_window(16, dtype=D), length=200)
    _close(y, ref)
    assert torch.all(y[108:] == 0)  # 16 + 4 * 25 samples overlap-added, minus the 8 of centring


@pytest.mark.parametrize("n, n_fft, hop", [(1000, 64, 16), (257, 31, 7), (64, 64, 16)])
def test_round_trip_recovers_the_signal(n, n_fft, hop):
    x = _signal((3, n))
    w = torch.hann_window(n_fft, dtype=D)
    spec = trnfft.stft(x, n_fft, hop, window=w, return_complex=True)
    back = trnfft.istft(spec, n_fft, hop, window=w, length=n)
    assert normwise_error(back.numpy(), x.numpy()) < 1e-14


def test_round_trip_single_precision_on_numpy_reference():
    x = _signal((500,), torch.float32)
    w = torch.hann_window(32)
    with trnfft.use_backend("numpy-reference"):
        back = trnfft.istft(trnfft.stft(x, 32, 8, window=w, return_complex=True), 32, 8, window=w,
                            length=500)
    assert back.dtype == torch.float32
    assert normwise_error(back.numpy(), x.numpy()) < 10 * np.finfo(np.float32).eps


def test_stft_gradcheck():
    x = _signal((2, 11)).requires_grad_()  # batched, small: every output is a backward call
    w = torch.hann_window(6, dtype=D)
    fn = lambda t: torch.view_as_real(trnfft.stft(t, 6, 3, window=w, return_complex=True))  # noqa: E731
    assert torch.autograd.gradcheck(fn, (x,), fast_mode=True)  # random projections: few backward calls


def test_stft_gradcheck_through_window():
    x = _signal((30,))
    w = torch.hann_window(10, dtype=D).requires_grad_()
    fn = lambda win: torch.view_as_real(trnfft.stft(x, 10, 4, window=win, return_complex=True))  # noqa: E731
    assert torch.autograd.gradcheck(fn, (w,))


def test_istft_gradcheck():
    w = torch.hann_window(12, dtype=D)
    spec = torch.stft(_signal((40,)), 12, 3, window=w, return_complex=True).detach().requires_grad_()
    assert torch.autograd.gradcheck(lambda s: trnfft.istft(s, 12, 3, window=w, length=40), (spec,))


def test_stft_gradient_equals_torchs():
    x1 = _signal((50,)).requires_grad_()
    x2 = x1.detach().clone().requires_grad_()
    w = torch.hann_window(16, dtype=D)
    trnfft.stft(x1, 16, 4, window=w, return_complex=True).abs().sum().backward()
    torch.stft(x2, 16, 4, window=w, return_complex=True).abs().sum().backward()
    assert normwise_error(x1.grad.numpy(), x2.grad.numpy()) < 1e-13


def test_input_is_not_modified():
    x = _signal((80,))
    before = x.clone()
    trnfft.istft(trnfft.stft(x, 16, return_complex=True), 16)
    assert torch.equal(x, before)


def _raises_like_torch(fn_ours, fn_torch, match):
    with pytest.raises(RuntimeError):
        fn_torch()
    with pytest.raises(trnfft.SpectrogramArgumentError, match=match) as info:
        fn_ours()
    assert isinstance(info.value, (RuntimeError, ValueError))


X = _signal((100,))
HANN = torch.hann_window(16, dtype=D)
SPEC = torch.stft(X, 16, window=HANN, return_complex=True)


@pytest.mark.parametrize("args, kw, match", [
    ((16,), {}, "return_complex must be given"),
    ((0,), dict(return_complex=True), "n_fft > 0"),
    ((101,), dict(center=False, return_complex=True), "n_fft <= 100"),
    ((16,), dict(hop_length=0, return_complex=True), "hop_length > 0"),
    ((16,), dict(win_length=17, return_complex=True), "win_length <= n_fft"),
    ((16,), dict(window=torch.ones(10, dtype=D), return_complex=True), "window of size"),
    ((16,), dict(onesided=True, window=HANN.to(torch.complex128), return_complex=True), "onesided"),
    ((16,), dict(center=True, align_to_window=True, return_complex=True), "align_to_window"),
])
def test_stft_errors(args, kw, match):
    _raises_like_torch(lambda: trnfft.stft(X, *args, **kw), lambda: torch.stft(X, *args, **kw), match)


def test_stft_rejects_3d_and_integer_input():
    _raises_like_torch(lambda: trnfft.stft(X.reshape(2, 5, 10), 4, return_complex=True),
                       lambda: torch.stft(X.reshape(2, 5, 10), 4, return_complex=True), "1-D or 2-D")
    _raises_like_torch(lambda: trnfft.stft(torch.arange(100), 16, return_complex=True),
                       lambda: torch.stft(torch.arange(100), 16, return_complex=True), "floating point")


def test_stft_reflect_padding_longer_than_input():
    _raises_like_torch(lambda: trnfft.stft(X[:5], 16, return_complex=True),
                       lambda: torch.stft(X[:5], 16, return_complex=True), "reflect")


@pytest.mark.parametrize("failure", [
    torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 8.00 GiB"),
    RuntimeError("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: "
                 "you tried to allocate 8589934592 bytes. Error code 12 (Cannot allocate memory)"),
    MemoryError()])
def test_stft_padding_running_out_of_memory_is_trnffts_out_of_memory_error(monkeypatch, failure):
    def pad(*args, **kwargs):
        raise failure
    monkeypatch.setattr(torch.nn.functional, "pad", pad)
    with pytest.raises(trnfft.OutOfMemoryError, match="out of memory computing stft's padding"):
        trnfft.stft(X, 16, window=torch.hann_window(16), return_complex=True)
    monkeypatch.setattr(torch.nn.functional, "pad", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("odd")))
    with pytest.raises(trnfft.SpectrogramArgumentError, match="cannot pad .* odd"):   # torch's refusals stay
        trnfft.stft(X, 16, window=torch.hann_window(16), return_complex=True)


@pytest.mark.parametrize("spec, kw, match", [
    (torch.view_as_real(SPEC), {}, "expected a complex input"),
    (SPEC, dict(hop_length=16, window=HANN), "NOLA"),
    (SPEC, dict(center=False, window=HANN), "NOLA"),
    (SPEC[:5], {}, "n_fft / 2 \\+ 1"),
    (SPEC, dict(onesided=False), "match n_fft"),
    (SPEC, dict(return_complex=True), "two-sided"),
    (SPEC[:, :0], {}, "empty"),
    (SPEC, dict(window=torch.ones(16, dtype=torch.complex128)), "complex window needs"),
    (SPEC, dict(hop_length=0), "hop_length"),
    (SPEC, dict(win_length=20), "win_length <= n_fft"),
    (SPEC[None, None], {}, "2-D"),
])
def test_istft_errors(spec, kw, match):
    _raises_like_torch(lambda: trnfft.istft(spec, 16, **kw), lambda: torch.istft(spec, 16, **kw), match)


@pytest.mark.parametrize("x_dtype, w_dtype", [(torch.float32, D), (D, torch.float32),
                                              (torch.float32, torch.complex128)])
def test_input_and_window_precisions_promote_as_torch(x_dtype, w_dtype):
    x = _signal((90,), x_dtype)
    w = torch.hann_window(16, dtype=D).to(w_dtype)
    ours, ref = trnfft.stft(x, 16, window=w, return_complex=True), torch.stft(x, 16, window=w, return_complex=True)
    _close(ours, ref, eps=1e-6)
    if not w.is_complex():
        spec = ref.to(torch.complex64)
        _close(trnfft.istft(spec, 16, window=w), torch.istft(spec, 16, window=w), eps=1e-6)


@pytest.mark.parametrize("kw", [dict(length=-5), dict(length=0)])
def test_istft_rejects_a_non_positive_length(kw):
    _raises_like_torch(lambda: trnfft.istft(SPEC, 16, window=HANN, **kw),
                       lambda: torch.istft(SPEC, 16, window=HANN, **kw), "length > 0")


@pytest.mark.parametrize("kw", [dict(hop_length=2.5), dict(hop_length=True), dict(win_length=8.0)])
def test_non_integer_lengths_are_type_errors_as_in_torch(kw):
    with pytest.raises(TypeError):
        torch.stft(X, 16, window=HANN, return_complex=True, **kw)
    with pytest.raises(trnfft.InvalidArgumentTypeError, match="must be an integer"):
        trnfft.stft(X, 16, window=HANN, return_complex=True, **kw)


@pytest.mark.parametrize("fn", ["stft", "istft"])
def test_a_window_that_cannot_be_allocated_is_trnffts_out_of_memory_error(monkeypatch, fn):
    """The default window of a huge win_length (e.g. n_fft=2**51) ran out of memory as torch's bare
    RuntimeError; it is trnfft's OutOfMemoryError, and other errors from making it pass unchanged."""
    def ones(*args, **kwargs):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 2**53 bytes")
    monkeypatch.setattr(torch, "ones", ones)
    call = ((lambda: trnfft.stft(X, 16, return_complex=True)) if fn == "stft"
            else (lambda: trnfft.istft(SPEC, 16)))
    with pytest.warns(UserWarning, match="no window"), \
            pytest.raises(trnfft.OutOfMemoryError, match=f"{fn}'s rectangular window of win_length=16"):
        call()
    monkeypatch.setattr(torch, "ones", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("odd")))
    with pytest.warns(UserWarning, match="no window"), pytest.raises(RuntimeError, match="odd") as caught:
        call()
    assert not isinstance(caught.value, trnfft.TrnfftError)


@pytest.mark.parametrize("n_fft, hop", [(16, 4), (15, 5), (64, 16)])
def test_a_complex_window_round_trips_a_complex_signal(n_fft, hop):
    """istft divides by the window's squared overlap-add, w**2 (not |w|**2), as torch does: what
    inverts stft's frames x * w, so istft(stft(x, w), w) is x for a complex w too."""
    x = _signal((2, 300), torch.complex128, seed=3)
    w = torch.hann_window(n_fft, dtype=D) * torch.exp(1j * torch.linspace(0, 2.5, n_fft, dtype=D))
    spec = trnfft.stft(x, n_fft, hop, window=w, return_complex=True)
    y = trnfft.istft(spec, n_fft, hop, window=w, return_complex=True, length=x.shape[-1])
    _close(y, x)
    _close(y, torch.istft(spec, n_fft, hop, window=w, return_complex=True, length=x.shape[-1]))


def test_istft_with_a_window_requiring_grad_warns_nothing():
    """The NOLA test reads the envelope's least value without autograd (torch warns when a tensor
    requiring grad becomes a Python float); gradients still reach the window."""
    w = torch.hann_window(16, dtype=D).requires_grad_()
    spec = torch.stft(_signal(64), 16, window=torch.hann_window(16, dtype=D), return_complex=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = trnfft.istft(spec, 16, window=w)
    (g,) = torch.autograd.grad(y.sum(), w)
    assert g.shape == w.shape and torch.isfinite(g).all()
