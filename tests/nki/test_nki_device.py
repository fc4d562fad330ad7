"""nki-hardware's device path without a NeuronCore: split marshalling, resident constants, compiler settings, errors.

The SDK is replaced only at its outermost calls: fake ``torch_neuronx`` and
``torch_xla.core.xla_model`` modules whose device is the CPU (sync calls are
recorded), and ``executors.launch``, the kernel call itself, which runs the
same kernel on the simulator with the tensors' data. Everything between the
plan and those calls is the code that runs on Trainium.
"""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest
import torch

from trnfft import numpy_fft
from trnfft.core.problem import make_problem
from trnfft.core.errors import BackendSettingError, BackendUnavailableError, InvalidArgumentError, TrnfftError
from trnfft_backends.nki import device, executors
from trnfft_backends.nki.plugin import FFTPlan

from conftest import random_array


def _relerr(y, ref) -> float:
    return float(np.linalg.norm(y - ref) / np.linalg.norm(ref))


# --- compiler settings --------------------------------------------------------------------------------------

def test_auto_cast_none_is_added_and_a_users_flags_are_kept():
    env: dict[str, str] = {}
    assert device.configure_compiler(env) == ["NEURON_CC_FLAGS+=--auto-cast=none"]
    assert env["NEURON_CC_FLAGS"] == "--auto-cast=none"
    env = {"NEURON_CC_FLAGS": "-O1"}
    device.configure_compiler(env)
    assert env["NEURON_CC_FLAGS"] == "-O1 --auto-cast=none"
    env = {"NEURON_CC_FLAGS": "--auto-cast=matmult --auto-cast-type=bf16"}
    assert device.configure_compiler(env) == []
    assert env == {"NEURON_CC_FLAGS": "--auto-cast=matmult --auto-cast-type=bf16"}


def test_platform_target_comes_from_trnfft_nki_target_and_never_overrides():
    env = {"TRNFFT_NKI_TARGET": "trn2", "NEURON_CC_FLAGS": "--auto-cast=none"}
    assert device.configure_compiler(env) == ["NEURON_PLATFORM_TARGET_OVERRIDE=trn2"]
    assert env["NEURON_PLATFORM_TARGET_OVERRIDE"] == "trn2"
    env = {"TRNFFT_NKI_TARGET": "trn2", "NEURON_PLATFORM_TARGET_OVERRIDE": "trn3"}
    device.configure_compiler(env)
    assert env["NEURON_PLATFORM_TARGET_OVERRIDE"] == "trn3"
    env = {}
    device.configure_compiler(env)
    assert "NEURON_PLATFORM_TARGET_OVERRIDE" not in env
    with pytest.raises(BackendUnavailableError, match="TRNFFT_NKI_TARGET='trn9'.*trn2"):
        device.configure_compiler({"TRNFFT_NKI_TARGET": "trn9"})


# --- clear errors without the SDK ---------------------------------------------------------------------------

def test_without_the_sdk_the_device_layer_names_what_is_missing():
    device.reset()
    assert "torch-neuronx cannot be imported" in device.sdk_problem()
    with pytest.raises(BackendUnavailableError, match="torch-neuronx cannot be imported.*trn2") as exc:
        device.runtimes()
    assert isinstance(exc.value, TrnfftError)
    with pytest.raises(BackendUnavailableError, match="cannot run on Trainium: .*nki-simulator"):
        FFTPlan(make_problem("c2c", (8,)), executors.on_device, executors.upload).execute_split(
            np.zeros(8, np.float32), np.zeros(8, np.float32))


# --- split marshalling (shared by both executors), on the simulator -----------------------------------------

def _split_plan(kind, shape, axes=None):
    return FFTPlan(make_problem(kind, shape, axes=axes), executors.simulate)


@pytest.mark.parametrize("shape, axes", [((16,), None), ((3, 40, 5), (1,)), ((4, 6, 10), (0, 2)), ((2, 0, 8), (2,))])
def test_c2c_split_in_split_out_batch_and_axes(shape, axes):
    x = random_array(shape, np.complex64)
    xr, xi = x.real.copy(), x.imag.copy()
    before = (xr.copy(), xi.copy())
    yr, yi = _split_plan("c2c", shape, axes).execute_split(xr, xi)
    assert yr.dtype == yi.dtype == np.float32 and yr.shape == yi.shape == shape
    ref = np.fft.fftn(x.astype(np.complex128), axes=axes or (-1,))
    if x.size:
        assert _relerr(yr + 1j * yi.astype(np.float64), ref) < 1e-5
    assert np.array_equal(xr, before[0]) and np.array_equal(xi, before[1])   # inputs untouched


def test_r2c_takes_one_part_and_c2r_returns_one():
    x = random_array((5, 24), np.float32)
    yr, yi = _split_plan("r2c", (5, 24)).execute_split(x)
    assert yr.shape == yi.shape == (5, 13)
    assert _relerr(yr + 1j * yi.astype(np.float64), np.fft.rfft(x.astype(np.float64))) < 1e-5
    z = np.fft.rfft(random_array((5, 24), np.float64)).astype(np.complex64)
    y, none = _split_plan("c2r", (5, 24)).execute_split(z.real.copy(), z.imag.copy())
    assert none is None and y.shape == (5, 24) and y.dtype == np.float32
    assert _relerr(y, np.fft.irfft(z.astype(np.complex128), 24)) < 1e-5


def test_split_parts_are_checked():
    plan = _split_plan("c2c", (4, 8))
    ok = np.zeros((4, 8), np.float32)
    with pytest.raises(InvalidArgumentError, match="float64.*float32"):
        plan.execute_split(ok.astype(np.float64), ok)
    with pytest.raises(InvalidArgumentError, match=r"shape \(8, 4\).*\(4, 8\)"):
        plan.execute_split(ok, ok.T.copy())
    with pytest.raises(InvalidArgumentError, match="takes 2 float32 part.*got 1"):
        plan.execute_split(ok)
    with pytest.raises(InvalidArgumentError, match="takes 1 float32 part.*got 2"):
        _split_plan("r2c", (4, 8)).execute_split(ok, ok)
    with pytest.raises(InvalidArgumentError, match="one place.*NumPy"):
        plan.execute_split(ok, torch.zeros((4, 8)))


# --- the device path with a fake SDK ------------------------------------------------------------------------

class FakeSDK:
    """torch_xla whose device is the CPU, plus an importable torch_neuronx; records every sync."""

    def __init__(self, monkeypatch):
        self.syncs: list[str] = []
        self.launches: list[tuple] = []
        xm = types.ModuleType("torch_xla.core.xla_model")
        xm.xla_device = lambda: torch.device("cpu")
        xm.mark_step = lambda: self.syncs.append("mark_step")
        xm.wait_device_ops = lambda: self.syncs.append("wait_device_ops")
        for name, module in [("torch_neuronx", types.ModuleType("torch_neuronx")),
                             ("torch_xla", types.ModuleType("torch_xla")),
                             ("torch_xla.core", types.ModuleType("torch_xla.core")),
                             ("torch_xla.core.xla_model", xm)]:
            monkeypatch.setitem(sys.modules, name, module)
        monkeypatch.setattr(executors, "launch", self.launch)
        monkeypatch.setattr(torch._C, "_get_privateuse1_backend_name", lambda: "privateuseone")  # no native device
        monkeypatch.delenv("NEURON_CC_FLAGS", raising=False)
        device.reset()

    def launch(self, kernel, *tensors):
        """The kernel call: the same kernel on the simulator, with the tensors' data."""
        self.launches.append(tensors)
        out = executors.simulate(kernel, *(_host(t) for t in tensors))
        return tuple(torch.from_numpy(o) for o in out)


def _host(a):
    return a.numpy() if isinstance(a, torch.Tensor) else a


@pytest.fixture
def sdk(monkeypatch):
    fake = FakeSDK(monkeypatch)
    yield fake
    device.reset()


def test_device_tensors_stay_on_the_device_with_one_sync_per_call(sdk):
    import os
    plan = FFTPlan(make_problem("c2c", (6, 1000), axes=(1,)), executors.on_device, executors.upload)
    x = random_array((6, 1000), np.complex64)
    xr, xi = torch.from_numpy(x.real.copy()), torch.from_numpy(x.imag.copy())
    for _ in range(3):
        yr, yi = plan.execute_split(xr, xi)
        assert isinstance(yr, torch.Tensor) and yr.device == xr.device and yr.dtype == torch.float32
        assert _relerr(yr.numpy() + 1j * yi.numpy().astype(np.float64), np.fft.fft(x.astype(np.complex128))) < 1e-5
    # one upload sync for the plan's constants on this device, then one sync per call
    assert sdk.syncs == ["mark_step", "wait_device_ops"] * 4
    first, *rest = sdk.launches
    n_parts = 2
    for later in rest:   # the very same resident constant tensors every call: uploaded once
        assert all(a is b for a, b in zip(first[n_parts:], later[n_parts:]) if isinstance(a, torch.Tensor))
    assert os.environ["NEURON_CC_FLAGS"].endswith("--auto-cast=none")


def test_batch_1_planes_kernels_take_the_device_parts_as_they_are(sdk, monkeypatch):
    """4096 at batch 1 (re and im in apart, out as one [2, 1, n] tensor): the launch gets the
    caller's tensors, nothing stacks them first (that would be a second device op per call), and the returned planes are views
    of the kernel's one output."""
    plan = FFTPlan(make_problem("c2c", (4096,)), executors.on_device, executors.upload)
    x = random_array(4096, np.complex64, seed=3)
    xr, xi = torch.from_numpy(x.real.copy()), torch.from_numpy(x.imag.copy())

    def forbidden(*_args, **_kwargs):
        raise AssertionError("re and im were stacked outside the kernel")

    monkeypatch.setattr(torch, "stack", forbidden)
    monkeypatch.setattr(torch, "cat", forbidden)
    yr, yi = plan.execute_split(xr, xi)
    (launched,) = sdk.launches
    parts = launched[:2]
    assert parts[0].data_ptr() == xr.data_ptr() and parts[1].data_ptr() == xi.data_ptr()
    assert yr.untyped_storage().data_ptr() == yi.untyped_storage().data_ptr()   # one output, two views
    assert _relerr(yr.numpy() + 1j * yi.numpy().astype(np.float64), np.fft.fft(x.astype(np.complex128))) < 1e-5


def test_constants_are_uploaded_once_per_device(sdk):
    plan = FFTPlan(make_problem("c2c", (64,)), executors.on_device, executors.upload)
    resident, = plan._constants
    rt = device.runtime_for(torch.device("cpu"))
    on_cpu = resident.on(torch.device("cpu"), rt)
    on_meta = resident.on(torch.device("meta"), rt)
    assert resident.on(torch.device("cpu"), rt) is on_cpu and resident.on(torch.device("meta"), rt) is on_meta
    assert resident.devices() == ["cpu", "meta"]
    arrays = [a for a in on_meta if isinstance(a, torch.Tensor)]
    assert arrays and all(a.device.type == "meta" for a in arrays)
    assert len(sdk.syncs) == 4          # one upload sync per device


def test_host_parts_on_hardware_go_through_the_default_device_and_come_back(sdk, monkeypatch):
    monkeypatch.setattr(executors, "hardware_problem", lambda: None)   # the fake SDK has no /dev/neuron
    plan = FFTPlan(make_problem("r2c", (3, 32)), executors.on_device, executors.upload)
    x = random_array((3, 32), np.float32)
    yr, yi = plan.execute_split(x)
    assert isinstance(yr, np.ndarray) and yr.shape == (3, 17)
    assert _relerr(yr + 1j * yi.astype(np.float64), np.fft.rfft(x.astype(np.float64))) < 1e-5
    assert all(isinstance(t, torch.Tensor) for t in sdk.launches[0][:1])


def test_a_tensor_on_another_device_gets_a_clear_error(sdk):
    plan = FFTPlan(make_problem("c2c", (8,)), executors.on_device, executors.upload)
    with pytest.raises(BackendUnavailableError, match="'cpu' device tensors, got a tensor on meta"):
        plan.execute_split(torch.zeros(8, device="meta"), torch.zeros(8, device="meta"))


def test_the_native_neuron_device_is_preferred_and_synchronised_through_torch_accelerator(sdk, monkeypatch):
    waited = []
    monkeypatch.setattr(torch._C, "_get_privateuse1_backend_name", lambda: "neuron")
    monkeypatch.setattr(torch.accelerator, "synchronize", lambda d: waited.append(d))
    native, xla = device.runtimes()
    assert (native.name, native.device_type, xla.name) == ("torch-neuronx native", "neuron", "torch-xla")
    native.synchronize("neuron:0")   # torch.device("neuron") needs the real registration: not made here
    assert waited == ["neuron:0"] and sdk.syncs == []


def test_the_device_resident_benchmark_times_one_call_and_one_sync(sdk, monkeypatch):
    monkeypatch.setattr(executors, "hardware_problem", lambda: None)   # the fake SDK has no /dev/neuron
    from benchmarks.bench_device import DeviceResident
    bench = DeviceResident()
    bench.setup("c2c:1024")
    assert all(isinstance(p, torch.Tensor) for p in bench.parts)
    done = len(sdk.syncs)
    bench.time_execute_split("c2c:1024")
    # the plan's own sync ends the call; the benchmark's sync then waits for nothing more
    assert sdk.syncs[done:] == ["mark_step", "wait_device_ops"] * 2


@pytest.mark.parametrize("kind, shape, axes", [("r2c", (3, 1001), None), ("c2r", (5, 300), None), ("c2r", (3, 301), None),
                                               ("c2c", (4, 200, 6), (0, 1, 2))])
def test_multi_step_programs_stay_on_the_device(sdk, kind, shape, axes):
    """Longer real transforms and n-D: the program's packing (even/odd points, row pairs) as device ops."""
    plan = FFTPlan(make_problem(kind, shape, axes=axes), executors.on_device, executors.upload)
    assert plan.program is not None
    in_shape = plan.problem.shape
    x = random_array(in_shape, np.float32 if kind == "r2c" else np.complex64)
    parts = (x,) if kind == "r2c" else (x.real.copy(), x.imag.copy())
    yr, yi = plan.execute_split(*(torch.from_numpy(p) for p in parts))
    assert isinstance(yr, torch.Tensor) and tuple(yr.shape) == plan.problem.output_shape
    y = yr.numpy().astype(np.float64) + (0 if yi is None else 1j * yi.numpy())
    x64 = x.astype(np.complex128 if kind != "r2c" else np.float64)
    ref = {"r2c": lambda: np.fft.rfft(x64), "c2r": lambda: np.fft.irfft(x64, shape[-1]),
           "c2c": lambda: np.fft.fftn(x64, axes=axes)}[kind]()
    assert _relerr(y, ref) < 1e-5
    assert sdk.syncs.count("mark_step") == 2          # constants once, the call once


def test_a_plan_shared_between_threads_uploads_its_constants_once(sdk):
    from concurrent.futures import ThreadPoolExecutor
    plan = FFTPlan(make_problem("c2c", (4, 256)), executors.on_device, executors.upload)
    x = random_array((4, 256), np.complex64)
    xr, xi = torch.from_numpy(x.real.copy()), torch.from_numpy(x.imag.copy())
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: plan.execute_split(xr, xi), range(8)))
    ref = np.fft.fft(x.astype(np.complex128))
    assert all(_relerr(r.numpy() + 1j * i.numpy().astype(np.float64), ref) < 1e-5 for r, i in results)
    constants = {tuple(id(a) for a in launch[2:] if isinstance(a, torch.Tensor)) for launch in sdk.launches}
    assert len(sdk.launches) == 8 and len(constants) == 1       # every call read the same resident tensors
    assert sdk.syncs.count("mark_step") == 1 + 8
    with pytest.raises(InvalidArgumentError, match="one place.*cpu.*meta"):
        plan.execute_split(xr, torch.zeros((4, 256), device="meta"))


def test_the_core_hands_split_pairs_to_nki_hardware_without_interleaving(sdk, monkeypatch):
    """Through trnfft.fft: NeuronCore pairs would go to execute_split as they are; CPU pairs as NumPy views."""
    import trnfft
    from trnfft.core import array_kinds

    monkeypatch.setattr(executors, "hardware_problem", lambda: None)   # the fake SDK has no /dev/neuron
    for kind in ("split:torch:xla", "split:torch:neuron", "split:numpy"):
        w = trnfft.which("fft", (4, 64), array=kind, backend="nki-hardware")
        assert w.backend == "nki-hardware" and w.conversion.startswith("none"), (kind, w.conversion)
    assert trnfft.which("fft", (4, 64), array="torch:xla", backend="nki-hardware").conversion.startswith("copy")

    def forbidden(*args):
        raise AssertionError("a complex array was built on the host")

    monkeypatch.setattr(array_kinds, "interleave", forbidden)
    monkeypatch.setattr(array_kinds, "deinterleave", forbidden)
    trnfft.plan_cache.clear()
    x = random_array((4, 64), np.complex64)
    y = trnfft.fft(trnfft.SplitComplex(torch.from_numpy(x.real.copy()), torch.from_numpy(x.imag.copy())),
                   backend="nki-hardware")
    trnfft.plan_cache.clear()
    assert isinstance(y.real, torch.Tensor) and len(sdk.launches) == 1
    assert _relerr(y.real.numpy() + 1j * y.imag.numpy().astype(np.float64), np.fft.fft(x.astype(np.complex128))) < 1e-5


@pytest.mark.parametrize("value", ["trn1", "trn2", "trn3", "gen2", "gen3", "gen4", "TRN3 "])
def test_every_target_the_compiler_accepts_the_emulator_accepts(monkeypatch, value):
    from trnfft_backends.nki.emulator.isa import get_nc_version
    from trnfft_backends.nki.emulator.target import target
    env = {"TRNFFT_NKI_TARGET": value}
    device.configure_compiler(env)
    monkeypatch.setenv("TRNFFT_NKI_TARGET", value)
    t = target()
    assert t.name in ("trn1", "trn2") and env["NEURON_PLATFORM_TARGET_OVERRIDE"] == t.requested
    assert get_nc_version().value == t.generation
    assert (t.note != "") == (t.requested not in ("trn1", "trn2"))


def test_trn3_runs_on_the_emulator_with_trn2_rules_and_says_so(monkeypatch):
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn3")
    from trnfft_backends.nki.cost import fft_cost  # what `trnfft cost fft --n 64` reports
    note = fft_cost(64)["target"]
    assert note["requested"] == "trn3" and note["rules"] == "trn2" and "NeuronCore-v4" in note["note"]


@pytest.mark.parametrize("variable,value", [("TRNFFT_NKI_TARGET", "trn9"), ("TRNFFT_NKI_MATMUL", "fp8")])
def test_bad_nki_settings_are_an_error_naming_the_variable(monkeypatch, variable, value):
    """Misconfigured, not missing: the error says so and is never skipped in a list (tests/nki/test_nki_settings.py)."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(BackendSettingError, match=f"{variable}='{value}': expected one of"):
        numpy_fft.fft(np.ones(8, np.complex64), backend="nki-simulator")
