"""A transform that cannot fit in memory is a clear OutOfMemoryError (a MemoryError), never the OOM killer."""
from __future__ import annotations

import os
import subprocess
import sys
import types

import numpy as np
import pytest

import trnfft
from trnfft.api import arguments
from trnfft.core import autoplan, memory
from trnfft.core.registry import REGISTRY
from trnfft.plugin import Availability, Capabilities, hookimpl

CHILD = """
import resource, numpy as np, torch, trnfft
used = int([l for l in open("/proc/self/status") if l.startswith("VmSize")][0].split()[1]) * 1024
resource.setrlimit(resource.RLIMIT_AS, (used + 2**30, resource.RLIM_INFINITY))   # 1 GiB more than now
for x in (torch.randn(4), np.ones(4, np.complex64)):
    try:
        trnfft.fft(x, n=2**31 + 1)
    except trnfft.OutOfMemoryError as exc:
        assert isinstance(exc, MemoryError)
        print("refused:", exc)
print("still usable:", float(trnfft.fft(torch.ones(8)).real.sum()))
"""


def test_an_fft_far_beyond_the_memory_left_is_refused_naming_the_sizes(tmp_path):
    env = dict(os.environ, TRNFFT_CACHE_DIR=str(tmp_path))
    run = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    refusals = [line for line in run.stdout.splitlines() if line.startswith("refused:")]
    assert len(refusals) == 2, run.stdout
    for line in refusals:
        assert "needs at least 32 GiB" in line and "the result 16 GiB" in line and "RLIMIT_AS" in line
    assert "still usable: 8.0" in run.stdout


@pytest.fixture
def room(monkeypatch):
    """Pretend only ``MiB`` mebibytes are available."""
    def set_room(mib: int) -> None:
        monkeypatch.setattr(memory, "available", lambda: memory.Available(mib * 2**20, "a test's figure"))
    return set_room


def test_padding_is_counted_before_anything_is_allocated_and_a_new_plan_charged_nothing(room):
    room(200)
    with pytest.raises(trnfft.OutOfMemoryError, match=r"needs at least 256 MiB .*only 200 MiB is available "
                                                      r"\(a test's figure\)"):
        trnfft.fft(np.ones(4, np.complex64), n=2**24)  # padded input 128 MiB + result 128 MiB
    x = np.zeros(2**23, np.complex64)  # 64 MiB, no padding: a new plan needs only its 64 MiB result
    room(150)
    assert not trnfft.fft(x, backend="numpy-reference").any()
    room(60)  # the result alone cannot fit: refused
    with pytest.raises(trnfft.OutOfMemoryError, match=r"needs at least 64 MiB .*\(the result 64 MiB\)"):
        trnfft.fft(x[:2**23 - 1], backend="numpy-reference")  # (a new problem: the result is checked once per plan)
    room(0)
    assert np.allclose(trnfft.fft(np.ones(8, np.complex64)), np.fft.fft(np.ones(8)))  # small calls: unchecked


@pytest.mark.parametrize("torch_style", [False, True])
def test_the_cast_to_the_compute_dtype_is_counted_before_it_is_made(torch_style):
    import torch
    one = torch.ones(1) if torch_style else np.ones(1, np.float32)
    x = one.expand(2**36) if torch_style else np.broadcast_to(one, (2**36,))  # 256 GiB of float32, no memory
    with pytest.raises(trnfft.OutOfMemoryError, match=r"cast to complex64 needs at least .*the input cast to "
                                                      r"the compute dtype 512 GiB"):
        trnfft.fft(x)
    whole = (torch.ones(1, dtype=torch.int32).expand(2**36) if torch_style  # (torch: no float16 FFT)
             else np.broadcast_to(np.ones(1, np.float16), (2**36,)))
    with pytest.raises(trnfft.OutOfMemoryError, match=r"the input cast to the compute dtype 256 GiB"):
        trnfft.rfft(whole)  # computed in float32


def test_a_memory_error_in_the_front_ends_own_copy_comes_out_as_trnffts(monkeypatch):
    def no_room(self, dtype):
        raise MemoryError("no room for the cast")
    monkeypatch.setattr(arguments.Call, "cast", no_room)
    for f in (lambda: trnfft.fft(np.ones(16, np.float32)),
              lambda: trnfft.rfft(np.ones(16, np.float16), split=True)):  # a split transform too
        with pytest.raises(trnfft.OutOfMemoryError, match=r"out of memory computing .*shape \(16,\).*"
                                                          r"MemoryError: no room for the cast"):
            f()


class Hungry:
    """A backend whose plans (or trial runs) raise MemoryError."""

    version, description = "1", "runs out of memory"

    def __init__(self, name: str, when: str) -> None:
        self.name, self.when = name, when

    def availability(self):
        return Availability.yes()

    def capabilities(self):
        return Capabilities(kinds=frozenset({"c2c"}))

    def plan(self, problem):
        if self.when == "plan":
            raise MemoryError("no room for the plan")

        def execute(x):
            raise MemoryError("no room for the result")
        return types.SimpleNamespace(problem=problem, execute=execute)

    def estimate_seconds(self, problem, source):
        return 1e-9


@pytest.fixture
def hungry(monkeypatch, tmp_path):
    monkeypatch.setenv("TRNFFT_CACHE_DIR", str(tmp_path))
    module = types.ModuleType("hungry_backends")

    @hookimpl
    def trnfft_register_backends(register):
        register(Hungry("hungry-plan", "plan"))
        register(Hungry("hungry-run", "run"), auto_priority=1000, candidate=True)

    module.trnfft_register_backends = trnfft_register_backends
    trnfft.register_plugin(module)
    trnfft.plan_cache.clear()
    autoplan._memo.clear()
    yield
    trnfft.unregister_plugin(module)
    monkeypatch.undo()
    REGISTRY.reload()
    autoplan._memo.clear()
    trnfft.plan_cache.clear()


@pytest.mark.parametrize("backend", ["hungry-plan", "hungry-run"])
def test_a_backends_memory_error_comes_out_as_trnffts_and_leaves_the_process_usable(hungry, backend):
    x = np.ones(64, np.complex64)
    with pytest.raises(trnfft.OutOfMemoryError, match=r"out of memory computing c2c forward shape=\(64,\).*"
                                                      r"MemoryError: no room for the"):
        trnfft.fft(x, backend=backend)
    assert np.allclose(trnfft.fft(x, backend="numpy-reference"), np.fft.fft(x))


def test_a_memory_error_in_the_planners_trial_comes_out_as_trnffts(hungry, monkeypatch):
    monkeypatch.setenv("TRNFFT_PLANNER", "measure")
    monkeypatch.setenv("TRNFFT_PLANNER_FIRST_CALL", "measure")
    x = np.ones(64, np.complex64)
    with pytest.raises(trnfft.OutOfMemoryError, match="no room for the result"):
        trnfft.fft(x)  # auto: hungry-run is the top candidate, tried first
    assert np.allclose(trnfft.fft(x, backend="fftw-reference"), np.fft.fft(x))


def test_the_cgroups_room_leaves_out_reclaimable_page_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(memory, "CGROUP", tmp_path)
    (tmp_path / "memory.max").write_text(f"{8 * 2**30}\n")
    (tmp_path / "memory.current").write_text(f"{6 * 2**30}\n")
    assert memory._cgroup_room() == 2 * 2**30  # no memory.stat: memory.current as it is
    (tmp_path / "memory.stat").write_text(f"anon {2**30}\nfile {5 * 2**30}\nactive_file {2**30}\n"
                                          f"inactive_file {4 * 2**30}\n")
    assert memory._cgroup_room() == 6 * 2**30  # 2 GiB used once the inactive page cache is left out
    (tmp_path / "memory.max").write_text("max\n")
    assert memory._cgroup_room() is None


def test_a_memory_error_in_a_planned_call_comes_out_as_trnffts_and_leaves_the_process_usable(hungry):
    x = np.ones(64, np.complex64)
    p = trnfft.plan("fft", x, backend="hungry-run")  # planning fits; every run raises MemoryError
    for call in (lambda: p(x), lambda: p(x, out=np.empty(64, np.complex64)), lambda: p()):
        with pytest.raises(trnfft.OutOfMemoryError, match=r"out of memory computing c2c forward shape=\(64,\).*"
                                                          r"MemoryError: no room for the result"):
            call()
    q = trnfft.plan("fft", x, backend="numpy-reference")
    assert np.allclose(q(x), np.fft.fft(x))
