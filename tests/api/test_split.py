"""Split real/imaginary I/O: SplitComplex in and out of every transform, on every backend."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import trnfft
from trnfft import SplitComplex
from trnfft.core import array_kinds
from conftest import KIND_OF, random_array, refused_kind

TORCH_FAMILY = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
                "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]
NUMPY_FAMILY = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
                "fftn", "ifftn", "rfftn", "irfftn"]
REAL_IN = {"rfft", "ihfft", "rfft2", "ihfft2", "rfftn", "ihfftn"}
SHAPE = (3, 6, 10)


def _call(api, name, x, **kw):
    if api == "numpy":
        return getattr(trnfft.numpy_fft, name)(x, norm="ortho", **kw)
    return getattr(trnfft, name)(x, norm="ortho", **kw)


def _inputs(name, library):
    z = random_array(SHAPE, np.complex64, seed=3)
    if library == "torch":
        t = torch.from_numpy(z)
        return (t.real.contiguous(), None, t.real.contiguous()) if name in REAL_IN else \
            (t.real.contiguous(), t.imag.contiguous(), t)
    return (z.real.copy(), None, z.real.copy()) if name in REAL_IN else (z.real.copy(), z.imag.copy(), z)


def _parts(y):
    return (y.real, y.imag) if isinstance(y, SplitComplex) else (y, None)


def _exact(a, b):
    a, b = (np.asarray(p.detach().resolve_conj()) if isinstance(p, torch.Tensor) else p for p in (a, b))
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


@pytest.mark.parametrize("library", ["numpy", "torch"])
@pytest.mark.parametrize("name", TORCH_FAMILY)
def test_split_results_equal_complex_results(trnfft_backend, name, library):
    """Bit for bit on the CPU backends; within single-precision tolerance on the NKI ones."""
    for api in ("torch", "numpy"):
        if api == "numpy" and name not in NUMPY_FAMILY:
            continue
        xr, xi, xc = _inputs(name, library)
        if refused_kind(trnfft_backend, KIND_OF[name], lambda: _call(api, name, xc)):
            continue  # e.g. example-dft, which has c2c only
        y = _call(api, name, xr, split=True) if xi is None else _call(api, name, SplitComplex(xr, xi))
        ref = _call(api, name, xc)
        got_re, got_im = _parts(y)
        out_lib = np.ndarray if (api == "numpy" or library == "numpy") else torch.Tensor
        assert isinstance(got_re, out_lib)
        if ref.dtype in (np.float32, torch.float32, np.float64, torch.float64):  # a real result stays one array
            assert got_im is None
            pairs = [(got_re, ref)]
        else:
            assert isinstance(y, SplitComplex) and isinstance(got_im, out_lib)
            pairs = [(got_re, ref.real), (got_im, ref.imag)]
        for got, want in pairs:
            if trnfft_backend.startswith("nki-"):
                g, w = (np.asarray(p) for p in (got, want))
                assert g.shape == w.shape and np.linalg.norm(g - w) <= 1e-5 * max(np.linalg.norm(w), 1e-30)
            else:
                assert _exact(got, want), f"{api}.{name} on {trnfft_backend}: split != complex"


def test_nki_simulator_takes_pairs_without_interleaving(monkeypatch):
    """The parts reach execute_split as they are: no complex array on the host, in or out."""
    from trnfft_backends.nki.plugin import FFTPlan

    def forbidden(*args, **kwargs):
        raise AssertionError("a complex array was built on the host")

    seen = []
    execute_split = FFTPlan.execute_split

    def spy(self, xr, xi=None):
        seen.append((xr, xi))
        return execute_split(self, xr, xi)

    trnfft.plan_cache.clear()
    monkeypatch.setattr(FFTPlan, "execute", forbidden)
    monkeypatch.setattr(FFTPlan, "execute_split", spy)
    for name in ("interleave", "deinterleave"):
        monkeypatch.setattr(array_kinds, name, forbidden)
    z = random_array((4, 256), np.complex64, seed=5)
    xr, xi = z.real.copy(), z.imag.copy()
    with trnfft.use_backend("nki-simulator"):
        y = trnfft.numpy_fft.fft(SplitComplex(xr, xi))
        assert seen[-1][0] is xr and seen[-1][1] is xi
        r = trnfft.irfft(SplitComplex(torch.from_numpy(xr[:, :129]), torch.from_numpy(xi[:, :129])))
        assert isinstance(seen[-1][0], np.ndarray) and np.shares_memory(seen[-1][0], xr)  # a view, no copy
        h = trnfft.rfft(torch.from_numpy(xr), split=True)
        assert seen[-1][1] is None
    trnfft.plan_cache.clear()
    ref = np.fft.fft(z.astype(np.complex128))
    assert np.linalg.norm((y.real + 1j * y.imag) - ref) <= 1e-6 * np.linalg.norm(ref)
    assert isinstance(r, torch.Tensor) and r.shape == (4, 256)
    assert np.allclose(r.numpy(), np.fft.irfft(z[:, :129], 256), atol=1e-5)
    assert isinstance(h, SplitComplex) and np.allclose(h.real.numpy() + 1j * h.imag.numpy(),
                                                       np.fft.rfft(xr), atol=1e-4)


def test_bad_pairs_are_refused_clearly():
    a = np.zeros((4, 8), np.float32)
    with pytest.raises(trnfft.InvalidArgumentError, match="one shape"):
        trnfft.fft(SplitComplex(a, np.zeros((4, 7), np.float32)))
    with pytest.raises(trnfft.InvalidDtypeError, match="one dtype"):
        trnfft.fft(SplitComplex(a, a.astype(np.float64)))
    with pytest.raises(trnfft.InvalidDtypeError, match="must be real"):
        trnfft.fft(SplitComplex(a.astype(np.complex64), a.astype(np.complex64)))
    with pytest.raises(trnfft.InvalidDtypeError, match="expects a real input"):
        trnfft.rfft(SplitComplex(a, a))
    with pytest.raises(trnfft.InvalidArgumentError, match="one type"):
        trnfft.fft(SplitComplex(torch.zeros(4, 8), a))


def test_which_says_how_a_pair_travels():
    assert trnfft.which("fft", (64,), array="split:numpy", backend="nki-simulator").conversion.startswith("none")
    assert trnfft.which("fft", (64,), array="split:torch:cpu", backend="nki-simulator").conversion.startswith("view")
    assert trnfft.which("fft", (64,), array="split:numpy", backend="fftw-reference").conversion.startswith(
        "interleave")


@pytest.mark.parametrize("pair, error, match", [
    (lambda a: SplitComplex(a, None), trnfft.InvalidArgumentTypeError, "imag part must be an array"),
    (lambda a: SplitComplex(SplitComplex(a, a), SplitComplex(a, a)), trnfft.InvalidArgumentTypeError,
     "real part must be an array or tensor, got a SplitComplex"),
    (lambda a: SplitComplex(a.astype(object), a.astype(object)), trnfft.InvalidDtypeError, "object"),
    (lambda a: SplitComplex(torch.from_numpy(a).bfloat16(), torch.from_numpy(a).bfloat16()),
     trnfft.InvalidDtypeError, "bfloat16"),
])
@pytest.mark.parametrize("call", ["fft", "numpy_fft.fft", "stft"])
def test_malformed_pairs_are_trnfft_errors_everywhere(pair, error, match, call):
    a = random_array((8,), np.float32, 4)
    fn = {"fft": trnfft.fft, "numpy_fft.fft": trnfft.numpy_fft.fft,
          "stft": lambda x: trnfft.stft(x, 4, window=torch.ones(4), return_complex=True)}[call]
    with pytest.raises(error, match=match):
        fn(pair(a))


@pytest.mark.parametrize("library", ["numpy", "torch"])
@pytest.mark.parametrize("defect", ["dtype", "shape", "type"])
def test_an_out_pair_must_keep_the_pairs_contract(library, defect):
    """out= pairs obey what input pairs obey (one type, shape, dtype): refused, both parts untouched."""
    a = random_array((4, 8), np.float32, 5)
    x = SplitComplex(a, a) if library == "numpy" else SplitComplex(torch.from_numpy(a), torch.from_numpy(a))
    full = (lambda shape, dtype: np.full(shape, 7, dtype)) if library == "numpy" else \
        (lambda shape, dtype: torch.full(shape, 7, dtype=getattr(torch, np.dtype(dtype).name)))
    re = full((4, 8), np.float32)
    im = {"dtype": full((4, 8), np.float64), "shape": full((4, 9), np.float32),
          "type": np.full((4, 8), 7, np.float32) if library == "torch" else torch.full((4, 8), 7.0)}[defect]
    with pytest.raises(trnfft.TrnfftError, match="out= SplitComplex parts must"):
        trnfft.fft(x, out=SplitComplex(re, im))
    assert all((np.asarray(p) == 7).all() for p in (re, im))


@pytest.mark.parametrize("split", ["no", 0, 1, [True]])
def test_split_takes_true_false_or_none(split):
    x = random_array((8,), np.complex64)
    with pytest.raises(trnfft.InvalidArgumentTypeError, match="split must be True, False or None"):
        trnfft.fft(x, split=split)
    assert isinstance(trnfft.fft(x, split=np.True_), SplitComplex)


def test_the_numpy_style_api_names_a_tensor_dtype_numpy_lacks():
    with pytest.raises(trnfft.InvalidDtypeError, match="bfloat16 has no NumPy equivalent"):
        trnfft.numpy_fft.fft(torch.ones(8, dtype=torch.bfloat16))


def _read_only(a):
    a.flags.writeable = False
    return a


def _inference(shape, dtype):
    with torch.inference_mode():
        return torch.zeros(shape, dtype=dtype)


# (case, real part, imag part): each refused before either part is written
BAD_NUMPY_PAIRS = [
    ("read-only imag", lambda: np.zeros(8), lambda: _read_only(np.zeros(8))),
    ("broadcast imag", lambda: np.zeros(8), lambda: np.broadcast_to(np.zeros(1), (8,))),
    ("complex parts", lambda: np.zeros(8, complex), lambda: np.zeros(8, complex)),
]
BAD_TORCH_PAIRS = [
    ("inference imag", lambda: torch.zeros(8, dtype=torch.float64), lambda: _inference(8, torch.float64)),
    ("expanded imag", lambda: torch.zeros(8, dtype=torch.float64),
     lambda: torch.zeros(1, dtype=torch.float64).expand(8)),
    ("fixed-storage imag", lambda: torch.zeros(5, dtype=torch.float64),
     lambda: torch.from_numpy(np.zeros(5))),
    ("complex parts", lambda: torch.zeros(8, dtype=torch.complex128),
     lambda: torch.zeros(8, dtype=torch.complex128)),
]


@pytest.mark.parametrize("case, make_re, make_im", BAD_NUMPY_PAIRS + BAD_TORCH_PAIRS,
                         ids=[c[0] + ("-np" if i < len(BAD_NUMPY_PAIRS) else "-torch")
                              for i, c in enumerate(BAD_NUMPY_PAIRS + BAD_TORCH_PAIRS)])
def test_a_bad_out_pair_is_refused_with_both_parts_untouched(case, make_re, make_im):
    """An out= pair one of whose parts cannot take the result is a TrnfftError, and neither part
    is written or resized (the real part is checked no earlier than the imaginary one)."""
    re, im = make_re(), make_im()
    tensors = torch.is_tensor(re)
    x = torch.from_numpy(random_array(8, np.float64)) if tensors else random_array(8, np.float64)
    before = [(tuple(p.shape), p.clone() if tensors else p.copy()) for p in (re, im)]
    fn = trnfft.fft if tensors else trnfft.numpy_fft.fft
    with pytest.raises(trnfft.TrnfftError):
        fn(x, out=SplitComplex(re, im))
    for p, (shape, values) in zip((re, im), before):
        assert tuple(p.shape) == shape
        assert (p == values).all()


@pytest.mark.parametrize("tensors", [False, True])
def test_an_aliased_out_pair_is_refused_and_interleaved_views_are_not(tensors):
    """out=SplitComplex(o, o) would leave the imaginary part in both: refused. Two views into one
    interleaved buffer share a storage but no element: they take the result."""
    xn = random_array(8, np.float64)
    x = torch.from_numpy(xn) if tensors else xn
    fn = trnfft.fft if tensors else trnfft.numpy_fft.fft
    o = torch.zeros(8, dtype=torch.float64) if tensors else np.zeros(8)
    with pytest.raises(trnfft.InvalidArgumentError, match="share memory"):
        fn(x, out=SplitComplex(o, o))
    assert not o.any()
    buf = torch.zeros(8, 2, dtype=torch.float64) if tensors else np.zeros((8, 2))
    fn(x, out=SplitComplex(buf[:, 0], buf[:, 1]))
    got = np.asarray(buf[:, 0]) + 1j * np.asarray(buf[:, 1])
    np.testing.assert_allclose(got, np.fft.fft(xn), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("part", [None, "pair"])
def test_an_out_pair_with_a_missing_or_nested_part_says_so(part):
    o = np.zeros(8)
    bad = None if part is None else SplitComplex(np.zeros(8), np.zeros(8))
    with pytest.raises(trnfft.InvalidArgumentTypeError, match="imag part must be an array"):
        trnfft.numpy_fft.fft(random_array(8, np.float64), out=SplitComplex(o, bad))


@pytest.mark.parametrize("tensors", [False, True])
def test_a_plain_out_that_cannot_be_written_is_a_trnfft_error(tensors):
    """A read-only array, an inference tensor or an expanded tensor as out= is a TrnfftError."""
    xn = random_array(8, np.complex128)
    if tensors:
        outs = [_inference(8, torch.complex128), torch.zeros(1, dtype=torch.complex128).expand(8)]
        x, fn = torch.from_numpy(xn), trnfft.fft
    else:
        outs = [_read_only(np.zeros(8, complex)), np.broadcast_to(np.zeros(1, complex), (8,))]
        x, fn = xn, trnfft.numpy_fft.fft
    for out in outs:
        with pytest.raises(trnfft.InvalidArgumentError, match="read-only|inference|sharing one memory"):
            fn(x, out=out)
        assert not out.any()
