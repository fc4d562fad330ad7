"""Plain "auto" sends an array its pick would need a host copy of to a backend that takes it as it is."""
from __future__ import annotations

import types

import pytest
import torch

import trnfft
from trnfft.core.errors import UnsupportedProblemError
from trnfft.core.registry import REGISTRY
from trnfft.plugin import hookimpl


def _takers(kind):
    return [n for n in REGISTRY.auto_order() if (c := REGISTRY.get(n).capabilities()) and c.takes(kind)]


def test_a_meta_tensor_under_plain_auto_comes_back_a_meta_tensor(no_host_path):
    pick = trnfft.which("fft", (16,)).backend
    assert not REGISTRY.get(pick).capabilities().takes("torch:meta")  # auto's own pick would refuse it
    x = torch.empty(5, 16, dtype=torch.complex64, device="meta")
    for y, shape, dtype in ((trnfft.fft(x), (5, 16), torch.complex64),
                            (trnfft.irfft(x), (5, 30), torch.float32),
                            (trnfft.rfft2(x.real), (5, 9), torch.complex64)):
        assert y.device.type == "meta" and tuple(y.shape) == shape and y.dtype == dtype
    pair = trnfft.fft(trnfft.SplitComplex(x.real, x.imag))
    assert pair.real.device.type == "meta" and pair.imag.device.type == "meta"
    w = trnfft.which("fft", (16,), array="torch:meta")
    assert w.backend == _takers("torch:meta")[0] and w.conversion.startswith("none")
    assert "first backend in its order that takes them as they are" in w.source


def test_an_explicit_selection_is_not_overridden():
    pick = trnfft.which("fft", (16,)).backend
    with pytest.raises(UnsupportedProblemError, match="meta tensor holds no data"):
        trnfft.fft(torch.empty(4, 16, dtype=torch.complex64, device="meta"), backend=pick)
    w = trnfft.which("fft", (16,), array="torch:cuda", backend=pick)
    assert w.backend == pick and w.conversion.startswith("copy")


class _DeviceBackend:
    """A throw-away backend whose plans take tensors on a made-up device type (and meta ones)."""

    version, description = "0", "test backend for a device kind"
    name = "fakedev-fft"

    def __init__(self):
        self.seen = []

    def availability(self):
        return trnfft.plugin.Availability.yes()

    def capabilities(self):
        return trnfft.plugin.Capabilities(kinds=frozenset({"c2c"}),
                                          arrays=frozenset({"numpy", "torch:fakedev", "torch:meta"}))

    def plan(self, problem):
        def execute(x):
            self.seen.append(x)
            return torch.empty(problem.output_shape, dtype=torch.complex64, device=x.device)
        return types.SimpleNamespace(problem=problem, execute=execute)


@pytest.fixture
def device_plugin():
    backend = _DeviceBackend()
    module = types.ModuleType("throwaway_fakedev")

    @hookimpl
    def trnfft_register_backends(register):
        register(backend, auto_priority=75)  # above torch's backend, below auto's host pick

    module.trnfft_register_backends = trnfft_register_backends
    trnfft.register_plugin(module)
    trnfft.plan_cache.clear()
    yield backend
    trnfft.unregister_plugin(module)
    trnfft.plan_cache.clear()


def test_a_plugin_taking_a_device_kind_gets_it_under_plain_auto(device_plugin):
    name = device_plugin.name
    pick = trnfft.which("fft", (16,)).backend
    assert pick != name and trnfft.which("fft", (16,), array="torch:cpu").backend == pick
    w = trnfft.which("fft", (16,), array="torch:fakedev")
    assert (w.backend, w.conversion.split(":")[0]) == (name, "none")
    assert trnfft.which("fft", (16,), array="torch:xpu").conversion.startswith("copy")  # none takes it
    assert trnfft.which("fft", (16,), array="torch:xpu").backend == pick
    order = REGISTRY.auto_order()
    assert _takers("torch:meta")[0] == name and order.index(name) < order.index(_takers("torch:cuda")[0])
    x = torch.empty(3, 16, dtype=torch.complex64, device="meta")
    y = trnfft.fft(x)  # by declared kinds and priority: ahead of the other meta-taking backend
    assert device_plugin.seen and device_plugin.seen[-1] is x and y.device.type == "meta"
    assert trnfft.which("fft", (16,), array="torch:fakedev", backend=pick).conversion.startswith("copy")


def test_without_the_plugin_the_device_kind_takes_the_host_route():
    w = trnfft.which("fft", (16,), array="torch:xpu")  # a torch device type no backend declares
    assert w.backend == trnfft.which("fft", (16,)).backend and w.conversion.startswith("copy")
    with pytest.raises(trnfft.InvalidArgumentError, match="'fakedev' is not a torch device"):
        trnfft.which("fft", (16,), array="torch:fakedev")  # declared by no backend, unknown to torch
