"""The contract carries where an array lives: plans get the kinds they declare, the rest is converted once."""
from __future__ import annotations

import types

import numpy as np
import pytest
import torch

import trnfft
from trnfft.core import array_kinds
from trnfft.core.array_kinds import conversion_for, kind_of, takes
from trnfft.core.errors import BackendResultError, UnsupportedProblemError
from trnfft.plugin import Availability, Capabilities, hookimpl


def test_kinds_and_patterns():
    assert kind_of(np.zeros(2)) == "numpy"
    assert kind_of(torch.zeros(2)) == "torch:cpu" and kind_of(torch.zeros(2, device="meta")) == "torch:meta"
    assert takes({"torch:*"}, "torch:cuda") and takes({"numpy", "torch:cpu"}, "torch:cpu")
    assert not takes({"numpy"}, "torch:cpu") and not takes({"torch:cpu"}, "torch:cuda")
    assert conversion_for("torch:cpu", {"numpy"}).how == "view"
    assert conversion_for("torch:cuda", {"numpy"}).how == "copy"
    assert conversion_for("torch:cuda", {"numpy", "torch:*"}).how == "none"


class _TensorEcho:
    """A throw-away backend whose plans take CPU tensors (c2c through torch.fft), or misbehave."""

    version, description = "0", "test backend"

    def __init__(self, name: str, wrong: str = "") -> None:
        self.name, self.wrong, self.seen = name, wrong, []

    def availability(self):
        return Availability.yes()

    def capabilities(self):
        return Capabilities(kinds=frozenset({"c2c"}), arrays=frozenset({"numpy", "torch:cpu"}))

    def plan(self, problem):
        def execute(x):
            self.seen.append(x)
            t = torch.as_tensor(x)
            y = torch.fft.fftn(t, dim=list(problem.axes), norm=problem.norm)
            if self.wrong == "numpy" and type(x) is torch.Tensor:
                return y.numpy()
            if self.wrong == "dtype":
                return y.to(torch.complex128)
            return y if type(x) is torch.Tensor else y.numpy()
        return types.SimpleNamespace(problem=problem, execute=execute)


@pytest.fixture
def tensor_plugin():
    added = []

    def add(name: str, wrong: str = "") -> _TensorEcho:
        backend = _TensorEcho(name, wrong)
        module = types.ModuleType(f"throwaway_{name}")

        @hookimpl
        def trnfft_register_backends(register):
            register(backend)

        module.trnfft_register_backends = trnfft_register_backends
        trnfft.register_plugin(module)
        added.append(module)
        return backend

    trnfft.plan_cache.clear()
    yield add
    for module in added:
        trnfft.unregister_plugin(module)
    trnfft.plan_cache.clear()


def test_a_plan_gets_the_kinds_its_backend_declares_as_they_are(tensor_plugin):
    backend = tensor_plugin("tensor-echo")
    x = torch.randn(3, 16, dtype=torch.complex64)
    a = np.asarray(random_complex(16))
    y = trnfft.fft(x, backend="tensor-echo")
    ya = trnfft.fft(a, backend="tensor-echo")
    assert backend.seen[0] is x and type(backend.seen[1]) is np.ndarray
    assert torch.allclose(y, torch.fft.fft(x)) and type(ya) is np.ndarray
    assert trnfft.which("fft", (3, 16), array="torch:cpu", backend="tensor-echo").conversion.startswith("none")


@pytest.mark.parametrize("wrong, message", [("numpy", "not a torch.Tensor"), ("dtype", "dtype")])
def test_a_result_of_the_wrong_kind_is_refused_naming_the_backend(tensor_plugin, wrong, message):
    tensor_plugin("bad-echo", wrong)
    with pytest.raises(BackendResultError, match=f"bad-echo.*{message}"):
        trnfft.fft(torch.randn(16, dtype=torch.complex64), backend="bad-echo")


def random_complex(n):
    rng = np.random.default_rng(1)
    return (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64)


def test_a_host_backend_gets_a_view_of_a_cpu_tensor_and_one_plan_serves_both(monkeypatch):
    trnfft.plan_cache.clear()
    seen = []
    real = array_kinds.tensor_to_host

    def spy(t):
        a = real(t)
        seen.append((t, a))
        return a

    monkeypatch.setattr(array_kinds, "tensor_to_host", spy)
    x = torch.randn(4, 64, dtype=torch.complex64)
    y = trnfft.fft(x, backend="numpy-reference")
    (t, a), = seen
    assert a.__array_interface__["data"][0] == x.data_ptr()  # a view, not a copy
    assert type(y) is torch.Tensor and torch.allclose(y, torch.fft.fft(x), atol=1e-5)
    trnfft.fft(x.numpy(), backend="numpy-reference")
    assert trnfft.plan_cache.size == 1  # NumPy arrays and CPU tensors share the plan
    w = trnfft.which("fft", (4, 64), array="torch:cpu", backend="numpy-reference")
    assert w.conversion.startswith("view")
    trnfft.plan_cache.clear()


def test_which_names_the_conversion_each_kind_pays():
    assert trnfft.which("fft", (64,), backend="fftw-reference").conversion.startswith("none")
    assert trnfft.which("fft", (64,), array="torch:cuda", backend="fftw-reference").conversion.startswith("copy")
    assert trnfft.which("fft", (64,), array="torch:meta", backend="torch-native").conversion.startswith("none")
    with pytest.raises(UnsupportedProblemError, match="meta tensor holds no data.*torch-native"):
        trnfft.which("fft", (64,), array="torch:meta", backend="fftw-reference")
    with pytest.raises(trnfft.InvalidArgumentError, match="array must be"):
        trnfft.which("fft", (64,), array="cupy")


def test_a_device_tensor_goes_first_to_a_listed_backend_that_takes_it():
    w = trnfft.which("fft", (64,), array="torch:meta", backend="fftw-reference,torch-native")
    assert w.backend == "torch-native" and w.conversion.startswith("none")
    x = torch.empty(2, 64, dtype=torch.complex64, device="meta")
    assert trnfft.fft(x, backend="fftw-reference,torch-native").device.type == "meta"
    # a CPU tensor reaches a host plan for free: the list's order is kept
    assert trnfft.which("fft", (64,), array="torch:cpu", backend="fftw-reference,torch-native").backend == \
        "fftw-reference"


def test_tensors_that_need_a_copy_are_converted_once_and_correctly():
    x = torch.randn(3, 32, dtype=torch.complex64)
    for t in (x.conj(), x.requires_grad_(False).neg()._neg_view() if hasattr(x, "_neg_view") else -x):
        host = array_kinds.tensor_to_host(t)
        assert np.array_equal(host, t.resolve_conj().resolve_neg().numpy())
    g = torch.randn(8, dtype=torch.complex128, requires_grad=True)
    assert np.array_equal(array_kinds.tensor_to_host(g), g.detach().numpy())
    y = array_kinds.host_to_tensor(np.ones(4, np.float32), torch.zeros(1))
    assert y.device.type == "cpu" and y.dtype == torch.float32


def test_a_device_entry_shares_the_host_plan_when_that_backend_takes_the_device_kind():
    from trnfft.core import dispatch
    from trnfft.core.problem import make_problem
    trnfft.plan_cache.clear()
    p = make_problem("c2c", (4, 64))
    host = dispatch.entry_for(p, "torch-native")
    meta = dispatch.entry_for(p, "torch-native", "torch:meta")
    assert meta.plan is host.plan and meta.nbytes == 0 and trnfft.plan_cache.size == 2
    trnfft.plan_cache.clear()
