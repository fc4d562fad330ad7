"""nki-hardware's device path without a NeuronCore: split marshalling, resident constants, compiler and simulator
settings (the chip), errors.

The SDK is replaced only at its outermost calls: fake ``torch_neuronx`` and
``torch_xla.core.xla_model`` modules whose device is the CPU (sync calls are
recorded), ``executors.launch``, the kernel call itself, which runs the
same kernel on the simulator with the tensors' data, a real-``nki`` engine
whose ``simulate`` is the emulator's (recording the chip it was told), and a
sysfs tree in a temporary directory. Everything between the plan and those
calls is the code that runs on Trainium.
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
from trnfft_backends.nki import device, emulator, engine, executors, neuron_sysfs
from trnfft_backends.nki.plugin import FFTPlan, NKIBackend

from conftest import random_array


def _relerr(y, ref) -> float:
    return float(np.linalg.norm(y - ref) / np.linalg.norm(ref))


@pytest.fixture(autouse=True)
def _fresh_device():
    """No runtime found and no NEURON_PLATFORM_TARGET_OVERRIDE written by trnfft, before and after each test."""
    device.reset()
    yield
    device.reset()


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


def test_platform_target_comes_from_trnfft_nki_target_and_a_users_own_is_kept_or_refused():
    env = {"TRNFFT_NKI_TARGET": "trn2", "NEURON_CC_FLAGS": "--auto-cast=none"}
    assert device.configure_compiler(env) == ["NEURON_PLATFORM_TARGET_OVERRIDE=trn2"]
    assert env["NEURON_PLATFORM_TARGET_OVERRIDE"] == "trn2"
    env["TRNFFT_NKI_TARGET"] = "trn1"            # trnfft's own value follows the target
    assert device.configure_compiler(env) == ["NEURON_PLATFORM_TARGET_OVERRIDE=trn1"]
    env = {"TRNFFT_NKI_TARGET": "trn2", "NEURON_PLATFORM_TARGET_OVERRIDE": "gen3"}   # the user's, same chip: kept
    assert device.configure_compiler(env) == ["NEURON_CC_FLAGS+=--auto-cast=none"]
    assert env["NEURON_PLATFORM_TARGET_OVERRIDE"] == "gen3"
    env = {"TRNFFT_NKI_TARGET": "trn2", "NEURON_PLATFORM_TARGET_OVERRIDE": "trn3"}   # another chip: refused
    with pytest.raises(BackendUnavailableError, match="OVERRIDE=trn3 .*plans for trn2.*TRNFFT_NKI_TARGET=trn3"):
        device.configure_compiler(env)
    assert env == {"TRNFFT_NKI_TARGET": "trn2", "NEURON_PLATFORM_TARGET_OVERRIDE": "trn3"}   # nothing changed
    with pytest.raises(BackendUnavailableError, match="OVERRIDE='trn9': expected one of"):
        device.configure_compiler({"NEURON_PLATFORM_TARGET_OVERRIDE": "trn9"})
    env = {}
    device.configure_compiler(env)
    assert "NEURON_PLATFORM_TARGET_OVERRIDE" not in env   # unset: the compiler sees the machine's own chip
    with pytest.raises(BackendUnavailableError, match="TRNFFT_NKI_TARGET='trn9'.*trn2"):
        device.configure_compiler({"TRNFFT_NKI_TARGET": "trn9"})


# --- the chip the real nki.simulate checks (a fake real engine; its simulate is the emulator's) ----------------

class RealSimulator:
    """An engine that is "the real nki": its simulate records NEURON_PLATFORM_TARGET_OVERRIDE as it runs."""

    def __init__(self, monkeypatch, outputs_as=tuple):
        import os
        self.told: list[str | None] = []

        def simulate(kernel):
            def run(*arrays):
                self.told.append(os.environ.get("NEURON_PLATFORM_TARGET_OVERRIDE"))
                out = emulator.simulate(kernel)(*arrays)
                return outputs_as(out) if isinstance(out, tuple) else out
            return run

        fake = types.SimpleNamespace(simulate=simulate)
        monkeypatch.setattr(engine, "_ENGINE", engine.Engine("nki", "0.3.0", fake, emulator.language, emulator.isa,
                                                             "TRNFFT_NKI_ENGINE=auto"))
        monkeypatch.delenv("NEURON_PLATFORM_TARGET_OVERRIDE", raising=False)
        monkeypatch.delenv("TRNFFT_NKI_TARGET", raising=False)
        monkeypatch.setattr(device, "neuron_devices", lambda: ["/dev/neuron0"])   # a Neuron machine changes nothing


def _fft_on_simulator(n=64):
    x = random_array(n, np.complex64)
    y = FFTPlan(make_problem("c2c", (n,)), executors.simulate).execute(x)
    assert _relerr(y, np.fft.fft(x.astype(np.complex128))) < 1e-5


def test_the_real_simulator_is_told_the_chip_plans_are_made_for(monkeypatch):
    sim = RealSimulator(monkeypatch)
    _fft_on_simulator()                                  # a CPU box: unset would mean trn3 to nki.simulate
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn1")
    _fft_on_simulator()
    monkeypatch.delenv("TRNFFT_NKI_TARGET")
    _fft_on_simulator()                                  # back to the default, on a Neuron machine too
    assert sim.told == ["trn2", "trn1", "trn2"]


def test_a_users_platform_target_naming_another_chip_is_a_setting_error(monkeypatch):
    sim = RealSimulator(monkeypatch)
    monkeypatch.setenv("NEURON_PLATFORM_TARGET_OVERRIDE", "trn3")
    with pytest.raises(BackendUnavailableError, match="OVERRIDE=trn3.*TRNFFT_NKI_TARGET unset"):
        _fft_on_simulator()
    with pytest.raises(BackendSettingError, match="NEURON_PLATFORM_TARGET_OVERRIDE=trn3"):
        numpy_fft.fft(np.ones(8, np.complex64), backend="nki-simulator")
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "gen4")      # plans follow it: the user's value stands as it is
    _fft_on_simulator()
    assert sim.told == ["trn3"]


def test_the_emulator_does_not_read_the_platform_target(monkeypatch):
    assert engine.current().name == "emulator"
    monkeypatch.setenv("NEURON_PLATFORM_TARGET_OVERRIDE", "trn3")
    _fft_on_simulator()
    assert numpy_fft.fft(np.ones(8, np.complex64), backend="nki-simulator")[0] == 8


def test_several_outputs_may_come_back_as_a_list(monkeypatch):
    """A kernel returning several outputs: a tuple or a list, both read as its outputs (r2c: re and im)."""
    RealSimulator(monkeypatch, outputs_as=list)
    x = random_array((3, 24), np.float32)
    yr, yi = FFTPlan(make_problem("r2c", (3, 24)), executors.simulate).execute_split(x)
    assert _relerr(yr + 1j * yi.astype(np.float64), np.fft.rfft(x.astype(np.float64))) < 1e-5


# --- the chip nki-hardware runs on (sysfs) ------------------------------------------------------------------

def _sysfs(tmp_path, arch, instance):
    where = tmp_path / "neuron0" / "info" / "architecture"
    where.mkdir(parents=True)
    (where / "arch_type").write_text(arch + "\n")
    (where / "instance_type").write_text(instance + "\n")
    return str(tmp_path)


def test_the_chip_is_read_from_sysfs_and_trn1_gets_a_caveat(tmp_path, monkeypatch):
    monkeypatch.delenv("TRNFFT_NKI_TARGET", raising=False)
    trn1 = neuron_sysfs.chip(_sysfs(tmp_path / "a", "v2", "Trn1"))
    assert trn1 == device.Chip(2, "Trn1")
    caveat = device.chip_caveat(trn1)
    assert "NeuronCore-v2 (Trn1)" in caveat and "Trn2 and Trn3" in caveat and "not promised" in caveat
    assert caveat.endswith("set TRNFFT_NKI_TARGET=trn1 so plans follow its rules")
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn1")
    assert "TRNFFT_NKI_TARGET=trn1" not in device.chip_caveat(trn1)
    assert neuron_sysfs.chip(_sysfs(tmp_path / "b", "NCv3", "Trn2")) == device.Chip(3, "Trn2")
    assert device.chip_caveat(device.Chip(3, "Trn2")) is None
    assert neuron_sysfs.chip(str(tmp_path / "none")) == device.Chip(None, "", present=False)


# --- the chip plans are made for, TRNFFT_NKI_TARGET unset: this machine's (a fake sysfs tree) ----------------

@pytest.fixture
def machine(tmp_path, monkeypatch):
    """``machine(arch, instance)`` makes this a Neuron machine of that sysfs architecture (``machine(None)``: a
    device that does not say it; never called: no Neuron device); sysfs is read again and no plan is kept."""
    from trnfft import plan_cache
    monkeypatch.delenv("TRNFFT_NKI_TARGET", raising=False)
    monkeypatch.setattr(neuron_sysfs, "SYSFS", str(tmp_path / "sysfs"))
    neuron_sysfs.forget()
    plan_cache.clear()

    def make(arch, instance=""):
        (tmp_path / "sysfs" / "neuron0" / "info" / "architecture").mkdir(parents=True)
        if arch is not None:
            _sysfs_tree(tmp_path / "sysfs", arch, instance)
        neuron_sysfs.forget()
    yield make
    neuron_sysfs.forget()
    plan_cache.clear()


def _sysfs_tree(root, arch, instance):
    where = root / "neuron0" / "info" / "architecture"
    (where / "arch_type").write_text(arch + "\n")
    (where / "instance_type").write_text(instance + "\n")


@pytest.mark.parametrize("arch,instance,planned,why", [
    ("v2", "Trn1", "trn1", "TRNFFT_NKI_TARGET unset: this machine's Neuron device is a NeuronCore-v2 (Trn1)"),
    ("NCv3", "Trn2", "trn2", "TRNFFT_NKI_TARGET unset: this machine's Neuron device is a NeuronCore-v3 (Trn2)"),
    ("v4", "Trn3", "trn2", "NeuronCore-v4 (Trn3), a chip the cost model has no figures for: the default"),
    (None, "", "trn2", "does not say its generation in sysfs: the default"),
    ("absent", "", "trn2", "TRNFFT_NKI_TARGET unset and no Neuron device in sysfs: the default")])
def test_plans_target_the_machines_chip_where_the_cost_model_knows_it(machine, capsys, arch, instance, planned, why):
    import json

    from trnfft.cli import main
    from trnfft_backends.nki import algorithms
    from trnfft_backends.nki.emulator.costmodel import CHIPS
    from trnfft_backends.nki.emulator.target import target
    if arch != "absent":
        machine(arch, instance)
    assert target().name == planned and why in target().why
    assert algorithms.target_chip() is CHIPS[planned] and algorithms.choose(4179).planned_for == planned
    assert algorithms.planning_note() == f"{planned} ({target().why})"
    x = random_array(360, np.complex64)   # the emulator checks the planned chip's rules as it runs
    assert _relerr(numpy_fft.fft(x, backend="nki-simulator"), np.fft.fft(x.astype(np.complex128))) < 1e-6
    assert main(["info", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["backends"]}
    assert rows["nki-simulator"]["details"]["plans for"] == f"{planned} ({target().why})"
    assert main(["cost", "fft", "--n", "1024"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"planned for {planned} (" in out and f"Target {planned} (" in out and out.count(why) == 2


def test_the_variable_wins_over_the_machines_chip(machine, monkeypatch):
    from trnfft_backends.nki import algorithms
    machine("v2", "Trn1")
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn2")
    assert algorithms.target_chip().name == "trn2" and algorithms.planning_note() == "trn2 (TRNFFT_NKI_TARGET=trn2)"
    monkeypatch.delenv("TRNFFT_NKI_TARGET")
    assert algorithms.target_chip().name == "trn1"


@pytest.mark.parametrize("value", ["", "  ", "\t"])
def test_an_empty_variable_is_unset_and_says_so(machine, monkeypatch, value):
    from trnfft_backends.nki import algorithms
    from trnfft_backends.nki.emulator import target
    machine("v2", "Trn1")   # unset means this machine's chip, trn1 here (not the off-machine default, trn2)
    monkeypatch.setenv("TRNFFT_NKI_TARGET", value)
    for found in (target.parse(value), target.resolve({"TRNFFT_NKI_TARGET": value}), target.target()):
        assert (found.name, found.requested, found.generation) == ("trn1", "trn1", 2)
        assert found.why.startswith(f"TRNFFT_NKI_TARGET empty ({value!r}), as unset: this machine's Neuron device "
                                    "is a NeuronCore-v2 (Trn1)"), found.why
    assert algorithms.target_chip().name == "trn1"
    environ = {"TRNFFT_NKI_TARGET": value}
    device.configure_compiler(environ)
    assert "NEURON_PLATFORM_TARGET_OVERRIDE" not in environ   # the compiler targets the machine's chip itself
    with pytest.raises(BackendUnavailableError, match="'trn 2': expected one of trn1, .* \\(or unset or empty"):
        target.parse("trn 2")


def test_the_machines_chip_is_read_once_per_process_not_per_plan_or_launch(machine, monkeypatch):
    from trnfft_backends.nki import algorithms
    from trnfft_backends.nki.emulator.target import target
    machine("v2", "Trn1")
    globs = []
    real_glob = neuron_sysfs.glob.glob
    monkeypatch.setattr(neuron_sysfs.glob, "glob", lambda pattern: globs.append(pattern) or real_glob(pattern))
    for n in (64, 100, 64):
        numpy_fft.fft(random_array(n, np.complex64), backend="nki-simulator")
    for _ in range(100):
        target(), algorithms.target_chip(), algorithms.planning_note()
    assert len(globs) == 1 and target().name == "trn1"


def test_the_real_simulator_is_told_the_machines_chip_and_a_users_override_is_judged_against_it(machine, monkeypatch):
    sim = RealSimulator(monkeypatch)
    machine("v2", "Trn1")
    _fft_on_simulator()
    assert sim.told == ["trn1"]
    monkeypatch.setenv("NEURON_PLATFORM_TARGET_OVERRIDE", "gen2")   # the same chip, the user's spelling: kept
    device.reset()
    _fft_on_simulator()
    monkeypatch.setenv("NEURON_PLATFORM_TARGET_OVERRIDE", "trn2")
    with pytest.raises(BackendUnavailableError, match="plans for trn1 .*NeuronCore-v2 \\(Trn1\\)"):
        _fft_on_simulator()
    assert sim.told == ["trn1", "gen2"]
    assert device.chip_caveat(device.Chip(2, "Trn1")).endswith("(D/nki/nki_faq.rst), trn1 is reported to work "
                                                                "but not promised")   # plans follow it already


def test_on_a_trn3_the_real_simulator_is_told_trn2_as_plans_are_made_for_it(machine, monkeypatch):
    sim = RealSimulator(monkeypatch)
    machine("v4", "Trn3")
    _fft_on_simulator()
    assert sim.told == ["trn2"]


# --- which engine: the setting named as the reason -----------------------------------------------------------

def test_the_emulator_chosen_by_the_setting_is_named_as_why_there_is_no_hardware(monkeypatch):
    monkeypatch.setenv("TRNFFT_NKI_ENGINE", "emulator")
    monkeypatch.setattr(engine, "_ENGINE", engine.select())
    problem = executors.hardware_problem()
    assert problem.startswith("TRNFFT_NKI_ENGINE=emulator selects the bundled emulator") and "unset it" in problem
    assert "not installed" not in problem
    with pytest.raises(BackendUnavailableError, match="TRNFFT_NKI_ENGINE=emulator selects"):
        executors.launch(None)
    monkeypatch.setattr(engine, "_ENGINE", engine.Engine("emulator", "x", emulator, emulator.language, emulator.isa,
                                                         "real nki unavailable: no module", "auto"))
    assert executors.hardware_problem().startswith("the real NKI compiler is not installed (real nki unavailable")


# --- clear errors without the SDK ---------------------------------------------------------------------------

def test_without_the_sdk_the_device_layer_names_what_is_missing():
    assert "torch-neuronx cannot be imported" in device.sdk_problem()
    with pytest.raises(BackendUnavailableError, match="torch-neuronx cannot be imported.*trn2") as exc:
        device.runtime()
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
    """torch_xla whose device is the CPU, plus an importable torch_neuronx; records every sync. ``launch`` returns
    the kernel's outputs as ``outputs_as`` (tuple or list)."""

    def __init__(self, monkeypatch, outputs_as=tuple):
        self.outputs_as = outputs_as
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
        monkeypatch.setattr(neuron_sysfs, "detected", lambda: device.Chip(3, "Trn2"))
        device.reset()

    def launch(self, kernel, *tensors):
        """The kernel call: the same kernel on the simulator, with the tensors' data."""
        self.launches.append(tensors)
        out = executors.simulate(kernel, *(_host(t) for t in tensors))
        return self.outputs_as(torch.from_numpy(o) for o in out)


def _host(a):
    return a.numpy() if isinstance(a, torch.Tensor) else a


@pytest.fixture
def sdk(monkeypatch):
    return FakeSDK(monkeypatch)


def test_device_tensors_stay_on_the_device_and_the_callers_trace_is_not_cut(sdk):
    """No mark_step, no wait per call (torch-xla: that would cut the caller's pending graph and block the host):
    the results are lazy tensors; the caller syncs when it needs them (device.synchronize: one mark_step + wait)."""
    import os
    plan = FFTPlan(make_problem("c2c", (6, 1000), axes=(1,)), executors.on_device, executors.upload)
    x = random_array((6, 1000), np.complex64)
    xr, xi = torch.from_numpy(x.real.copy()), torch.from_numpy(x.imag.copy())
    for _ in range(3):
        yr, yi = plan.execute_split(xr, xi)
        assert isinstance(yr, torch.Tensor) and yr.device == xr.device and yr.dtype == torch.float32
        assert _relerr(yr.numpy() + 1j * yi.numpy().astype(np.float64), np.fft.fft(x.astype(np.complex128))) < 1e-5
    assert sdk.syncs == []           # neither the constants' upload nor the calls synchronised
    device.synchronize(yr.device)
    assert sdk.syncs == ["mark_step", "wait_device_ops"]
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
    on_cpu = resident.on(torch.device("cpu"))
    on_meta = resident.on(torch.device("meta"))
    assert resident.on(torch.device("cpu")) is on_cpu and resident.on(torch.device("meta")) is on_meta
    assert resident.devices() == ["cpu", "meta"]
    arrays = [a for a in on_meta if isinstance(a, torch.Tensor)]
    assert arrays and all(a.device.type == "meta" for a in arrays)
    assert sdk.syncs == []          # an upload is an input of the kernel's trace: nothing waits for it


@pytest.mark.parametrize("outputs_as", [tuple, list])
def test_host_parts_on_hardware_go_through_the_default_device_and_come_back_after_one_sync(monkeypatch, outputs_as):
    """Results copied to the host: one mark_step runs the trace once for all outputs, then each is copied.
    A kernel's several outputs may come back as a tuple or a list."""
    sdk = FakeSDK(monkeypatch, outputs_as)
    monkeypatch.setattr(executors, "hardware_problem", lambda: None)   # the fake SDK has no /dev/neuron
    plan = FFTPlan(make_problem("r2c", (3, 32)), executors.on_device, executors.upload)
    x = random_array((3, 32), np.float32)
    yr, yi = plan.execute_split(x)
    assert isinstance(yr, np.ndarray) and yr.shape == (3, 17)
    assert _relerr(yr + 1j * yi.astype(np.float64), np.fft.rfft(x.astype(np.float64))) < 1e-5
    assert all(isinstance(t, torch.Tensor) for t in sdk.launches[0][:1])
    assert sdk.syncs == ["mark_step", "wait_device_ops"]


def test_a_tensor_on_another_device_gets_a_clear_error(sdk):
    plan = FFTPlan(make_problem("c2c", (8,)), executors.on_device, executors.upload)
    with pytest.raises(BackendUnavailableError, match="'cpu' device tensors, got a tensor on meta"):
        plan.execute_split(torch.zeros(8, device="meta"), torch.zeros(8, device="meta"))


class _NativeDevice:
    """A torch.device("neuron", 0) stand-in: the real one needs torch-neuronx's registration."""
    type = "neuron"

    def __str__(self):
        return "neuron:0"


def test_the_native_neuron_device_is_not_used_and_its_tensors_get_a_clear_error(sdk, monkeypatch):
    monkeypatch.setattr(torch._C, "_get_privateuse1_backend_name", lambda: "neuron")
    assert device.runtime().name == "torch-xla" and device.default_device() == torch.device("cpu")
    with pytest.raises(BackendUnavailableError, match="tensor on neuron:0: nki-hardware does not use the native "
                                                      "TorchNeuron 'neuron' device yet.*torch-xla device"):
        device.runtime_for(_NativeDevice())
    assert "split:torch:neuron" not in NKIBackend("nki-hardware", "", None, None).capabilities().arrays
    monkeypatch.delitem(sys.modules, "torch_xla.core.xla_model")   # torch-xla cannot be imported: no way there
    problem = device.sdk_problem()
    assert problem.startswith("torch-xla cannot be imported") and "native 'neuron' device, but" in problem


def test_a_trn1_machine_is_usable_with_a_warning_and_a_note(sdk, monkeypatch):
    monkeypatch.delenv("TRNFFT_NKI_TARGET", raising=False)
    monkeypatch.setattr(neuron_sysfs, "detected", lambda: device.Chip(2, "Trn1"))
    with pytest.warns(RuntimeWarning, match="NeuronCore-v2 \\(Trn1\\).*not promised"):
        device.runtime()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        device.runtime()                             # warned once, on first use
    assert "not promised" in NKIBackend("nki-hardware", "", None, None).details()["chip"]
    assert "chip" not in NKIBackend("nki-simulator", "", None, None).details()
    monkeypatch.setattr(neuron_sysfs, "detected", lambda: device.Chip(None, ""))      # sysfs unreadable, a device present
    monkeypatch.setattr(device, "neuron_devices", lambda: ["/dev/neuron0"])
    assert "could not be read" in NKIBackend("nki-hardware", "", None, None).details()["chip"]
    monkeypatch.setattr(neuron_sysfs, "detected", lambda: device.Chip(3, "Trn2"))
    assert "chip" not in NKIBackend("nki-hardware", "", None, None).details()


def test_the_device_resident_benchmark_times_one_call_and_one_sync(sdk, monkeypatch):
    monkeypatch.setattr(executors, "hardware_problem", lambda: None)   # the fake SDK has no /dev/neuron
    from benchmarks.bench_device import DeviceResident
    bench = DeviceResident()
    bench.setup("c2c:1024")
    assert all(isinstance(p, torch.Tensor) for p in bench.parts)
    done = len(sdk.syncs)
    bench.time_execute_split("c2c:1024")
    # the plan does not sync: the benchmark's one sync runs the kernel and waits for it
    assert sdk.syncs[done:] == ["mark_step", "wait_device_ops"]


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
    assert sdk.syncs == []


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
    assert sdk.syncs == []
    with pytest.raises(InvalidArgumentError, match="one place.*cpu.*meta"):
        plan.execute_split(xr, torch.zeros((4, 256), device="meta"))


def test_the_core_hands_split_pairs_to_nki_hardware_without_interleaving(sdk, monkeypatch):
    """Through trnfft.fft: NeuronCore pairs would go to execute_split as they are; CPU pairs as NumPy views."""
    import trnfft
    from trnfft.core import array_kinds

    monkeypatch.setattr(executors, "hardware_problem", lambda: None)   # the fake SDK has no /dev/neuron
    for kind in ("split:torch:xla", "split:numpy"):
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
