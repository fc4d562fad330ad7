"""fftw-reference specifics: planner effort, wisdom on disk, threads, input safety."""
from __future__ import annotations

import json

import numpy as np
import pytest

import trnfft
from trnfft import numpy_fft
from trnfft.core.registry import REGISTRY
from conftest import assert_close, random_array


@pytest.fixture
def fftw(tmp_path, monkeypatch):
    """The fftw-reference backend with a private wisdom file, reset afterwards."""
    monkeypatch.setenv("TRNFFT_CACHE_DIR", str(tmp_path))
    trnfft.reload_backends()
    trnfft.plan_cache.clear()
    yield REGISTRY.get("fftw-reference").backend
    monkeypatch.undo()
    trnfft.reload_backends()
    trnfft.plan_cache.clear()


def test_measure_planning_writes_wisdom_and_a_new_process_state_reloads_it(fftw, tmp_path):
    import pyfftw
    trnfft.configure_backend("fftw-reference", planner="measure")
    x = random_array(3 * 1024, np.complex64)
    assert_close(numpy_fft.fft(x, backend="fftw"), np.fft.fft(x.astype(np.complex128)), np.complex64, x.size)
    fftw.save_wisdom()
    path = tmp_path / "fftw-wisdom.json"
    data = json.loads(path.read_text())
    assert data["pyfftw"] == pyfftw.__version__ and len(data["wisdom"]) == 3
    assert "fftwf_wisdom" in data["wisdom"][1]  # single-precision wisdom was recorded
    pyfftw.forget_wisdom()
    from trnfft_backends.fftw import wisdom
    assert wisdom.load(path, pyfftw)


def test_wisdom_is_saved_in_batches_not_after_every_plan(fftw, tmp_path):
    trnfft.configure_backend("fftw-reference", planner="measure")
    for n in (37, 41, 43):
        numpy_fft.fft(np.ones(n, np.complex64))
    assert not (tmp_path / "fftw-wisdom.json").exists()  # kept for the batch / exit save
    fftw.save_wisdom()
    assert "fftwf_wisdom" in json.loads((tmp_path / "fftw-wisdom.json").read_text())["wisdom"][1]


def test_foreign_wisdom_is_ignored_and_replaced_quietly(fftw, tmp_path, recwarn):
    import pyfftw
    from trnfft_backends.fftw import wisdom
    path = tmp_path / "fftw-wisdom.json"
    path.write_text(json.dumps({"pyfftw": "0.0.0", "wisdom": ["x", "y", "z"]}))
    assert not wisdom.load(path, pyfftw)
    trnfft.configure_backend("fftw-reference", planner="measure")
    assert_close(numpy_fft.fft(np.ones(64)), np.fft.fft(np.ones(64)), np.complex128, 64)
    fftw.save_wisdom()
    assert json.loads(path.read_text())["pyfftw"] == pyfftw.__version__
    assert not [w for w in recwarn if "wisdom" in str(w.message)]


@pytest.mark.parametrize("content", [
    "not json", "[1, 2]", json.dumps({"pyfftw": "{v}", "wisdom": ["", ""]}),
    json.dumps({"pyfftw": "{v}", "wisdom": [1, 2, 3]}),
    json.dumps({"pyfftw": "{v}", "wisdom": ["garbage", "garbage", "garbage"]}),
    json.dumps({"pyfftw": "{v}", "wisdom": ["\u00e9", "", ""]}),
], ids=["text", "list", "two-strings", "numbers", "rejected-by-fftw", "non-ascii"])
def test_unusable_wisdom_is_set_aside_with_one_warning_and_replaced(fftw, tmp_path, content):
    import pyfftw
    path = tmp_path / "fftw-wisdom.json"
    content = content.replace("{v}", pyfftw.__version__)
    path.write_text(content)
    trnfft.configure_backend("fftw-reference", planner="measure")
    with pytest.warns(RuntimeWarning, match="wisdom file .* moved it to") as caught:
        for n in (24, 25, 26):
            assert_close(numpy_fft.fft(np.ones(n), backend="fftw"), np.fft.fft(np.ones(n)), np.complex128, n)
    assert len([w for w in caught if "wisdom" in str(w.message)]) == 1
    assert (tmp_path / "fftw-wisdom.json.unusable").read_text() == content
    fftw.save_wisdom()
    assert len(json.loads(path.read_text())["wisdom"]) == 3
    assert trnfft.backends_info()[0]["available"]


def test_a_directory_at_the_wisdom_path_leaks_no_files(fftw, tmp_path):
    path = tmp_path / "fftw-wisdom.json"
    path.mkdir()
    trnfft.configure_backend("fftw-reference", planner="measure")
    with pytest.warns(RuntimeWarning, match="wisdom file"):
        for n in range(20, 40):
            numpy_fft.fft(np.ones(n, np.complex64), backend="fftw")
            fftw.save_wisdom()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fftw-wisdom.json", "fftw-wisdom.json.unusable"]
    assert path.is_file()


def test_wisdom_can_be_turned_off(fftw, tmp_path):
    trnfft.configure_backend("fftw-reference", planner="measure", wisdom=False)
    numpy_fft.fft(np.ones(128, np.complex64))
    assert not (tmp_path / "fftw-wisdom.json").exists()


def test_planner_setting_is_validated(fftw):
    with pytest.raises(ValueError, match="planner effort must be one of"):
        trnfft.configure_backend("fftw-reference", planner="fast")
    assert fftw.details()["planner"] == "estimate"


def test_planner_env_is_read(monkeypatch, fftw):
    monkeypatch.setenv("TRNFFT_FFTW_PLANNER", "patient")
    trnfft.reload_backends()
    assert REGISTRY.get("fftw-reference").backend.details()["planner"] == "patient"


@pytest.mark.parametrize("shape,axes", [((8, 6), None), ((4, 6, 10), (0, 2)), ((16,), None)])
def test_multidimensional_c2r_leaves_the_input_alone(fftw, shape, axes):
    x = random_array(shape, np.complex128)
    before = x.copy()
    y = numpy_fft.irfftn(x, axes=axes, backend="fftw-reference")
    np.testing.assert_array_equal(x, before)
    assert_close(y, np.fft.irfftn(before, axes=axes), np.complex128, y.size)


def test_workers_build_threaded_plans(fftw):
    x = random_array((32, 512), np.complex128)
    w = trnfft.which("fft2", x.shape, "complex128")
    assert w.problem.workers == 1
    assert_close(numpy_fft.fft2(x, workers=2), np.fft.fft2(x), np.complex128, x.size)


def test_workers_env(monkeypatch):
    monkeypatch.setenv("TRNFFT_WORKERS", "2")
    y = numpy_fft.fft(np.arange(16.0))
    assert_close(y, np.fft.fft(np.arange(16.0)), np.complex128, 16)
    monkeypatch.setenv("TRNFFT_WORKERS", "two")
    with pytest.raises(trnfft.InvalidArgumentError, match="TRNFFT_WORKERS"):
        numpy_fft.fft(np.arange(16.0))


def _layouts(x):
    """The caller's array SIMD-aligned, read-only and aligned, 16-byte aligned (as NumPy's own
    arrays of 1 MiB and more are), misaligned, and strided."""
    import pyfftw
    plain = pyfftw.empty_aligned(x.shape, x.dtype)
    plain[...] = x
    sixteen = pyfftw.empty_aligned(x.nbytes + 32, np.uint8, n=32)[16:16 + x.nbytes].view(x.dtype).reshape(x.shape)
    sixteen[...] = x
    readonly = pyfftw.empty_aligned(x.shape, x.dtype)
    readonly[...] = x
    readonly.setflags(write=False)
    raw = np.empty(x.nbytes + 8, np.uint8)[8:]  # 8 bytes off any SIMD alignment
    misaligned = raw.view(x.dtype).reshape(x.shape)
    misaligned[...] = x
    strided = np.repeat(x, 2, axis=-1)[..., ::2]
    return {"plain": plain, "readonly": readonly, "16-byte": sixteen, "misaligned": misaligned, "strided": strided}


@pytest.mark.parametrize("kind", ["c2c", "r2c"])
@pytest.mark.parametrize("shape,axes", [((64, 4096), (1,)), ((4096, 65), (1,)), ((3, 8191), (1,)),
                                        ((16411,), (0,)), ((96, 96), (0, 1))])
def test_reading_the_callers_array_directly_is_exact_and_leaves_it_alone(fftw, kind, shape, axes):
    """From 2^13 elements FFTW reads the input itself (when aligned and contiguous)."""
    dtype = np.complex64 if kind == "c2c" else np.float32
    fn = numpy_fft.fftn if kind == "c2c" else numpy_fft.rfftn
    ref_fn = np.fft.fftn if kind == "c2c" else np.fft.rfftn
    for name, x in _layouts(random_array(shape, dtype)).items():
        before = x.copy()
        y = fn(x, axes=axes, norm="ortho", backend="fftw-reference")
        np.testing.assert_array_equal(x, before, err_msg=name)
        assert y.dtype == np.complex64 and not np.shares_memory(y, x)
        ref = ref_fn(before.astype(np.complex128 if kind == "c2c" else np.float64), axes=axes, norm="ortho")
        assert_close(y, ref, np.complex64, int(np.prod([shape[a] for a in axes])))


def test_results_of_the_direct_path_are_the_callers_own(fftw):
    x = random_array((64, 4096), np.complex64)
    y1 = numpy_fft.fft(x, backend="fftw-reference")
    y2 = numpy_fft.fft(2 * x, backend="fftw-reference")
    assert not np.shares_memory(y1, y2)
    assert_close(y1, np.fft.fft(x.astype(np.complex128)), np.complex64, 4096)


def test_an_aligned_contiguous_input_is_read_in_place_and_others_are_copied(fftw):
    from trnfft.core.dispatch import get_plan
    from trnfft.core.problem import make_problem
    plan = get_plan(make_problem("c2c", (64, 4096)), "fftw-reference")
    needs = plan._fftw.input_alignment  # what FFTW's plan needs of a new input (16 bytes with SSE/AVX)
    seen = []

    class Spy:
        def __init__(self, inner):
            self.inner = inner

        def update_arrays(self, a, b):
            seen.append(a)
            self.inner.update_arrays(a, b)

        def execute(self):
            self.inner.execute()

    plan._fftw = Spy(plan._fftw)
    layouts = _layouts(random_array((64, 4096), np.complex64))
    for x in layouts.values():
        plan.execute(x)
    direct = [a is x for a, x in zip(seen[::2], layouts.values())]
    assert all(a is plan._in for a in seen[1::2])  # and back to its own buffers: keeps no caller's array
    # plain, readonly, and 16-byte aligned where that is all FFTW needs; misaligned and strided copied
    assert direct == [True, True, needs <= 16, False, False]


@pytest.mark.parametrize("shape,axes", [((64, 4096), (1,)), ((1 << 18,), (0,)), ((512, 512), (0, 1))])
def test_the_plan_keeps_neither_the_callers_input_nor_the_result(fftw, shape, axes):
    import weakref
    x = random_array(shape, np.complex64)
    y = numpy_fft.fftn(x, axes=axes, backend="fftw-reference")
    seen = weakref.ref(x), weakref.ref(y)
    del x, y
    assert [r() for r in seen] == [None, None]
