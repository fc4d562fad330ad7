"""Plugins own their names, aliases and place in "auto"; the core names no backend."""
from __future__ import annotations

import re
import types
from pathlib import Path

import numpy as np
import pytest

import trnfft
from trnfft.core.errors import UnknownBackendError
from trnfft.core.registry import REGISTRY
from trnfft.plugin import EnvSwitch, hookimpl
from conftest import matmul_plugin

CORE = Path(trnfft.__file__).parent


def _builtin_claims() -> tuple[set[str], set[str], set[str]]:
    """The backend names, aliases and switch variables trnfft's own plugins register."""
    builtin = [r for r in REGISTRY.records().values() if r.builtin and r.backend is not None]
    names = {r.name for r in builtin}
    aliases = {a for r in builtin for a in r.aliases}
    switches = {r.when.variable for r in builtin if r.when is not None}
    return names, aliases, switches


def test_the_builtin_plugins_register_the_documented_names():
    names, aliases, switches = _builtin_claims()
    assert {"fftw-reference", "numpy-reference", "nki-simulator", "nki-hardware"} <= names
    assert {"fftw", "numpy", "nki"} <= aliases
    assert "TRNFFT_USE_SIMULATOR" in switches


def test_no_core_module_names_a_backend():
    names, aliases, switches = _builtin_claims()
    # A backend name or switch variable anywhere (code, docstrings, messages) is a hit.
    # Aliases are checked as words; "numpy" is also the library's name, so for it only a
    # quoted literal counts, and the one array-flavour label that spells it is allowed.
    patterns = [re.escape(n) for n in sorted(names | switches)]
    patterns += [rf"(?<![\w.-]){re.escape(a)}(?![\w.-])" for a in sorted(aliases - {"numpy"})]
    patterns += [r"""["']numpy["']"""]
    allowed = {("api/arguments.py", 'TORCH, NUMPY = "torch", "numpy"'),
               ("core/array_kinds.py", 'NUMPY = "numpy"  # the host kind: every plan takes NumPy arrays')}
    hits = []
    for path in sorted(CORE.rglob("*.py")):
        rel = path.relative_to(CORE).as_posix()
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if (rel, line.strip()) in allowed:
                continue
            hits += [f"{rel}:{number}: {line.strip()}" for p in patterns if re.search(p, line)]
    assert not hits, "\n".join(hits)


class _Echo:
    """A throw-away backend: correct for c2c only by delegating to numpy.fft."""

    version, description = "0", "test backend"

    def __init__(self, name: str) -> None:
        self.name = name

    def availability(self):
        return trnfft.plugin.Availability.yes()

    def capabilities(self):
        return trnfft.plugin.Capabilities(kinds=frozenset({"c2c"}))

    def plan(self, problem):
        return types.SimpleNamespace(problem=problem, execute=lambda x: np.fft.fftn(
            x, axes=problem.axes).astype(problem.output_dtype) * problem.scale)


def _plugin(name: str, **claims):
    module = types.ModuleType(f"throwaway_{name}")

    @hookimpl
    def trnfft_register_backends(register):
        register(_Echo(name), **claims)

    module.trnfft_register_backends = trnfft_register_backends
    return module


@pytest.fixture
def runtime_plugin():
    added = []

    def add(name: str, **claims):
        plugin = _plugin(name, **claims)
        trnfft.register_plugin(plugin)
        added.append(plugin)

    yield add
    for plugin in added:
        trnfft.unregister_plugin(plugin)
    trnfft.plan_cache.clear()


def test_a_runtime_plugin_joins_auto_by_its_priority(runtime_plugin):
    runtime_plugin("low-echo", auto_priority=50)
    order = REGISTRY.auto_order()
    assert order.index("low-echo") == order.index("numpy-reference") + 1
    assert trnfft.which("fft", (8,), "complex128").backend == "fftw-reference"
    runtime_plugin("top-echo", aliases=("echo",), auto_priority=250)
    order = REGISTRY.auto_order()
    assert order.index("top-echo") == order.index("fftw-reference") - 1
    w = trnfft.which("fft", (8,), "complex128")
    assert (w.backend, w.source) == ("top-echo", "auto")
    x = np.arange(8) + 1j
    assert np.allclose(trnfft.fft(x), np.fft.fft(x))
    assert trnfft.which("fft", (8,), "complex128", backend="echo").backend == "top-echo"


def test_a_switched_alias_follows_its_environment_variable(runtime_plugin, monkeypatch):
    runtime_plugin("echo-a", aliases=("echo",), when=EnvSwitch("TRNFFT_TEST_ECHO_B", on=False))
    runtime_plugin("echo-b", aliases=("echo",), auto_priority=1000,
                   when=EnvSwitch("TRNFFT_TEST_ECHO_B"))
    assert trnfft.which("fft", (8,), "complex128", backend="echo").backend == "echo-a"
    assert trnfft.which("fft", (8,), "complex128").backend == "fftw-reference"
    monkeypatch.setenv("TRNFFT_TEST_ECHO_B", "1")
    assert trnfft.which("fft", (8,), "complex128", backend="echo").backend == "echo-b"
    w = trnfft.which("fft", (8,), "complex128")
    assert (w.backend, w.source) == ("echo-b", "TRNFFT_TEST_ECHO_B=1")


def test_an_alias_two_outside_plugins_claim_goes_to_neither(runtime_plugin):
    runtime_plugin("echo-1", aliases=("twin",))
    runtime_plugin("echo-2", aliases=("twin",))
    with pytest.raises(UnknownBackendError, match="'twin'"):
        trnfft.set_backend("twin")


def test_an_entry_point_plugin_joins_auto_by_its_priority(install_plugin):
    install_plugin("mm", matmul_plugin("matmul-dft", claims=', aliases=("mm",), auto_priority=500'))
    assert REGISTRY.auto_order()[0] == "matmul-dft"
    x = np.exp(2j * np.pi * np.arange(16) / 7)
    assert trnfft.which("fft", (16,), "complex128").backend == "matmul-dft"
    y = trnfft.fft(x, backend="mm")
    assert np.linalg.norm(y - np.fft.fft(x)) / np.linalg.norm(np.fft.fft(x)) < 1e-12


@pytest.mark.parametrize("bad", [dict(aliases="fftw2"), dict(auto_priority="high"),
                                 dict(when="TRNFFT_X")])
def test_bad_claims_are_the_plugins_error(runtime_plugin, bad):
    runtime_plugin("bad-echo", **bad)
    broken = [r for r in REGISTRY.records().values() if r.plugin == "throwaway_bad-echo"]
    assert len(broken) == 1 and broken[0].backend is None and "TypeError" in broken[0].error
