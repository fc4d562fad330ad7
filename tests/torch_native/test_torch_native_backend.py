"""torch-native: tensors reach torch.fft as they are and come back on their own device."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import trnfft
from trnfft.core.errors import UnsupportedProblemError
from trnfft.core.registry import REGISTRY
from trnfft_backends.torch_native.plugin import TorchPlan
from conftest import assert_close, random_array

BACKEND = "torch-native"
REAL_IN = {"rfft", "ihfft", "rfft2", "ihfft2", "rfftn", "ihfftn"}
FAMILY = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
          "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]


@pytest.fixture
def seen(monkeypatch):
    """Every (input, output) pair torch-native's plans see, recorded as they pass."""
    calls = []
    execute = TorchPlan.execute

    def recording(self, x):
        y = execute(self, x)
        calls.append((x, y))
        return y

    monkeypatch.setattr(TorchPlan, "execute", recording)
    trnfft.plan_cache.clear()
    yield calls
    trnfft.plan_cache.clear()


def test_a_cpu_tensor_reaches_torch_fft_without_a_copy(seen, no_host_path):
    x = torch.randn(8, 1024, dtype=torch.complex64)
    y = trnfft.fft(x, backend=BACKEND)
    (got, out), = seen
    assert type(got) is torch.Tensor and got.data_ptr() == x.data_ptr() and got.device == x.device
    assert y.data_ptr() == out.data_ptr()  # the plan's own result, not a copy of it
    assert torch.equal(y, torch.fft.fft(x))


def test_a_meta_tensor_passes_through_and_comes_back_a_meta_tensor(seen, no_host_path):
    x = torch.empty(4, 96, dtype=torch.complex64, device="meta")
    y = trnfft.fft(x, n=100, backend=BACKEND, norm="ortho")
    assert y.device.type == "meta" and y.shape == (4, 100) and y.dtype == torch.complex64
    (got, _), = seen
    assert got.device.type == "meta"


@pytest.mark.parametrize("name", FAMILY)
@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_the_whole_family_on_meta_tensors(name, dtype, no_host_path):
    x = torch.empty(6, 10, 12, dtype=dtype, device="meta")
    if name in REAL_IN:
        x = x.real
    y = getattr(trnfft, name)(x, backend=BACKEND, norm="forward")
    ref = getattr(torch.fft, name)(x, norm="forward")
    assert y.device.type == "meta" and y.shape == ref.shape and y.dtype == ref.dtype


def test_autograd_runs_on_meta_tensors(no_host_path):
    x = torch.empty(3, 16, dtype=torch.float32, device="meta", requires_grad=True)
    y = trnfft.irfft(trnfft.rfft(x, backend=BACKEND), n=16, backend=BACKEND)
    (g,) = torch.autograd.grad(y.sum(), x)
    assert g.device.type == "meta" and g.shape == x.shape and g.dtype == x.dtype


@pytest.mark.parametrize("n", [16, 45, 97, 4099])
def test_numpy_input_comes_back_as_numpy(n):
    for dtype in (np.complex64, np.complex128):
        x = random_array((3, n), dtype)
        before = x.copy()
        y = trnfft.numpy_fft.fft(x, backend=BACKEND)
        assert type(y) is np.ndarray and y.dtype == dtype
        assert_close(y, np.fft.fft(x.astype(np.complex128)), dtype, n)
        assert np.array_equal(x, before)


def test_read_only_and_reversed_numpy_inputs():
    x = random_array((4, 64), np.float64)
    x.flags.writeable = False
    assert_close(trnfft.numpy_fft.rfft(x, backend=BACKEND), np.fft.rfft(x), np.float64, 64)
    r = random_array((64,), np.complex128)[::-1]
    assert_close(trnfft.numpy_fft.fft(r, backend=BACKEND), np.fft.fft(r), np.complex128, 64)


def test_a_conjugate_view_is_taken_as_it_is(seen):
    x = torch.randn(2, 32, dtype=torch.complex64).conj()
    y = trnfft.fft(x, backend=BACKEND)
    assert seen[0][0].is_conj()
    assert torch.allclose(y, torch.fft.fft(x.resolve_conj()))


def test_capabilities_tell_the_truth():
    caps = REGISTRY.get(BACKEND).capabilities()
    assert caps.takes("torch:cpu") and caps.takes("torch:meta") and caps.takes("torch:cuda")
    assert caps.takes("numpy") and not caps.takes("torch:xla")
    with pytest.raises(UnsupportedProblemError, match="long precision not supported"):
        trnfft.numpy_fft.fft(np.ones(8, np.clongdouble), backend=BACKEND)


def test_auto_keeps_its_choice_for_numpy_input_and_cpu_tensors():
    auto = trnfft.which("fft", (1024,)).backend
    assert auto != BACKEND
    assert trnfft.which("fft", (1024,), array="torch:cpu").backend == auto
    rec = REGISTRY.records()
    assert rec[BACKEND].auto_priority < min(r.auto_priority for n, r in rec.items()
                                            if r.builtin and n != BACKEND and r.auto_priority is not None)


def test_cross_checking_compares_tensor_results_on_the_host(monkeypatch):
    x = torch.randn(4, 97, dtype=torch.complex64)
    with trnfft.cross_checking("numpy-reference"):
        y = trnfft.fft(x, backend=BACKEND)
        m = trnfft.fft(torch.empty(2, 8, dtype=torch.complex64, device="meta"), backend=BACKEND)
    assert y.device.type == "cpu" and m.device.type == "meta"  # a meta tensor has nothing to compare
    monkeypatch.setattr(TorchPlan, "execute", lambda self, t: torch.zeros_like(t) if type(t) is torch.Tensor
                        else np.zeros_like(t))
    trnfft.plan_cache.clear()
    with pytest.raises(trnfft.CrossCheckError, match="torch-native"):
        with trnfft.cross_checking("numpy-reference"):
            trnfft.fft(x, backend=BACKEND)
    trnfft.plan_cache.clear()


def test_auto_does_not_import_torch_to_try_it_for_numpy_callers(tmp_path):
    """torch-native's estimate counts torch's import, so the planner skips it for arrays, says
    why, and a later process that has imported torch reconsiders (the choice was provisional)."""
    import os
    import subprocess
    import sys
    code = ("import sys, numpy as np{}, trnfft; w = trnfft.which('fft', (1024,), 'complex64'); "
            "assert ('torch' in sys.modules) == {}, 'torch imported: ' + str('torch' in sys.modules); "
            "print(w.choice.excluded.get('torch-native', ''), '|', sorted(w.choice.seconds))")
    env = dict(os.environ, TRNFFT_CACHE_DIR=str(tmp_path), TRNFFT_PLANNER="measure")

    def run(with_torch):
        out = subprocess.run([sys.executable, "-c", code.format(", torch" if with_torch else "", with_torch)],
                             env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout

    first = run(with_torch=False)
    assert "not run: it would import torch first (~1 s, once per process)" in first
    assert "per call" in first and "torch-native" not in first.split("|")[1]
    assert (tmp_path / "backend-choices.json").exists()  # the decision itself is kept ...
    again = run(with_torch=True)  # ... but torch is paid for now: torch-native is measured
    assert "import torch" not in again and "torch-native" in again.split("|")[1]