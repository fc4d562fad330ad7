"""The plugin mechanism: entry points, isolation of broken plugins, load filtering."""
from __future__ import annotations

import ast
import json
import re
import pathlib

import numpy as np
import pytest

import trnfft
from trnfft import numpy_fft
from trnfft.core.errors import BackendUnavailableError, UnknownBackendError, UnsupportedProblemError
from conftest import assert_close, matmul_plugin, random_array

ROOT = pathlib.Path(__file__).resolve().parents[2]


def info(name):
    return {row["name"]: row for row in trnfft.backends_info()}[name]


def test_builtin_backends_are_registered_through_entry_points():
    rows = {row["name"]: row for row in trnfft.backends_info()}
    assert rows["fftw-reference"]["available"] and rows["numpy-reference"]["available"]
    assert rows["fftw-reference"]["plugin"] == "fftw-reference"


@pytest.mark.parametrize("name", ["fftw-reference", "numpy-reference", "torch-native", "nki-simulator"])
def test_every_builtin_backend_runs_in_the_test_environment(name):
    # `make test` installs all of them: a broken install must fail here, not hide behind skips
    row = info(name)
    assert row["available"], f"{name}: {row['reason']} (fix: {row['fix']})"


def test_throwaway_backend_installed_as_a_plugin_is_used(install_plugin):
    install_plugin("matmul-dft", matmul_plugin())
    assert info("matmul-dft")["available"]
    x = random_array((3, 64), np.complex128)
    with trnfft.use_backend("matmul-dft"):
        assert trnfft.which("fft", (3, 64), "complex128").backend == "matmul-dft"
        y = numpy_fft.fft(x, norm="ortho")
    assert_close(y, np.fft.fft(x, norm="ortho"), np.complex128, 64)


def test_multi_axis_problem_is_split_into_1d_passes(install_plugin):
    install_plugin("matmul-dft", matmul_plugin())
    x = random_array((8, 6, 5), np.complex128)
    w = trnfft.which("fftn", x.shape, "complex128", backend="matmul-dft")
    assert (w.backend, w.passes) == ("matmul-dft", 3)
    assert_close(numpy_fft.ifftn(x, backend="matmul-dft", norm="forward"),
                 np.fft.ifftn(x, norm="forward"), np.complex128, x.size)


def test_declined_problem_raises_naming_the_backend_and_reason(install_plugin):
    install_plugin("matmul-dft", matmul_plugin())
    with pytest.raises(UnsupportedProblemError, match="matmul-dft: 13 is unlucky"):
        numpy_fft.fft(np.ones(13, complex), backend="matmul-dft")
    with pytest.raises(UnsupportedProblemError, match="kind r2c not supported"):
        numpy_fft.rfft(np.ones(8), backend="matmul-dft")


def test_an_ordered_selection_falls_back_to_the_next_backend(install_plugin):
    install_plugin("matmul-dft", matmul_plugin())
    x = random_array(13, np.complex128)
    with trnfft.use_backend("matmul-dft,numpy-reference"):
        assert trnfft.which("fft", (13,), "complex128").backend == "numpy-reference"
        assert trnfft.which("fft", (12,), "complex128").backend == "matmul-dft"
        assert_close(numpy_fft.fft(x), np.fft.fft(x), np.complex128, 13)


def test_plugin_that_fails_to_import_is_listed_not_fatal(install_plugin):
    install_plugin("broken-import", "import module_that_does_not_exist_anywhere\n")
    row = info("broken-import")
    assert not row["available"]
    assert "ModuleNotFoundError" in row["reason"] and "module_that_does_not_exist" in row["reason"]
    assert_close(numpy_fft.fft(np.ones(8)), np.fft.fft(np.ones(8)), np.complex128, 8)
    with pytest.raises(BackendUnavailableError, match="broken-import.*failed to load"):
        trnfft.set_backend("broken-import")


def test_plugin_that_raises_while_registering_is_listed(install_plugin):
    install_plugin("broken-register", (
        "from trnfft.plugin import hookimpl\n"
        "@hookimpl\n"
        "def trnfft_register_backends(register):\n"
        "    raise RuntimeError('no licence server')\n"))
    row = info("broken-register")
    assert not row["available"] and "no licence server" in row["reason"]
    assert info("fftw-reference")["available"]


def test_unknown_name_lists_the_plugins_that_failed_to_load(install_plugin):
    # e.g. a broken plugin stops loading, and then 'nki-simulator' is unknown
    install_plugin("broken-sim", "raise ValueError('BROKEN_ENGINE must be auto, got bad')\n")
    with pytest.raises(UnknownBackendError, match="'broken-sim-simulator'.*Plugin 'broken-sim' failed "
                       "to load.*BROKEN_ENGINE must be auto, got bad"):
        numpy_fft.fft(np.ones(4), backend="broken-sim-simulator")


def test_plugin_registering_a_non_backend_is_rejected(install_plugin):
    install_plugin("not-a-backend", (
        "from trnfft.plugin import hookimpl\n"
        "@hookimpl\n"
        "def trnfft_register_backends(register):\n"
        "    register(object())\n"))
    assert "does not implement" in info("not-a-backend")["reason"]


# Two DFT-matrix backends whose plans note the value TRNFFT_TEST_CHIP had when they were made: one declares
# it a plan setting, the other does not.
SETTINGS_PLUGIN = matmul_plugin("setting-dft") + """
import os
_plan = MatmulBackend.plan
def _noted(self, problem):
    plan = _plan(self, problem)
    plan.made_under = os.environ.get("TRNFFT_TEST_CHIP")
    return plan
MatmulBackend.plan = _noted

class PlainBackend(MatmulBackend):
    name = "plain-dft"

@hookimpl
def trnfft_register_backends(register):
    register(MatmulBackend(), plan_settings=("TRNFFT_TEST_CHIP",))
    register(PlainBackend())
"""


def test_a_changed_plan_setting_means_a_new_plan(install_plugin, monkeypatch):
    """A backend's declared plan settings are part of the plan cache's key: after one changes the next call
    plans afresh, the same value again finds the earlier plan, and backends that declare none keep theirs."""
    from trnfft.core.dispatch import get_plan
    from trnfft.core.problem import make_problem

    install_plugin("setting-dft", SETTINGS_PLUGIN)
    problem, x = make_problem("c2c", (64,)), random_array(64, np.complex128)

    def run(backend):
        for _ in range(3):  # the later calls take the fast path, which must notice the change too
            assert_close(numpy_fft.fft(x, backend=backend), np.fft.fft(x), np.complex128, 64)
        return get_plan(problem, backend)
    monkeypatch.setenv("TRNFFT_TEST_CHIP", "a")
    made_under_a, plain = run("setting-dft"), run("plain-dft")
    assert made_under_a.made_under == "a"
    monkeypatch.setenv("TRNFFT_TEST_CHIP", "b")
    made_under_b = run("setting-dft")
    assert made_under_b.made_under == "b" and made_under_b is not made_under_a
    assert run("plain-dft") is plain and plain.made_under == "a"
    monkeypatch.delenv("TRNFFT_TEST_CHIP")
    assert run("setting-dft").made_under is None
    monkeypatch.setenv("TRNFFT_TEST_CHIP", "a")
    assert run("setting-dft") is made_under_a


def test_plan_settings_must_name_environment_variables(install_plugin):
    install_plugin("bad-settings", matmul_plugin("bad-settings", claims=', plan_settings="TRNFFT_TEST_CHIP"'))
    assert "plan_settings must be a tuple of environment variable names" in info("bad-settings")["reason"]


def test_load_env_limits_which_plugins_load(monkeypatch):
    monkeypatch.setenv("TRNFFT_LOAD_BACKENDS", "numpy-reference")
    trnfft.reload_backends()
    try:
        assert [row["name"] for row in trnfft.backends_info()] == ["numpy-reference"]
        assert trnfft.which().backend == "numpy-reference"  # auto falls through to numpy
    finally:
        monkeypatch.delenv("TRNFFT_LOAD_BACKENDS")
        trnfft.reload_backends()


def test_runtime_registration_uses_the_same_hook():
    import types
    namespace: dict = {}
    exec(matmul_plugin("runtime-dft"), namespace)
    module = types.SimpleNamespace(trnfft_register_backends=namespace["trnfft_register_backends"])
    trnfft.register_plugin(module, "runtime-dft")
    try:
        assert info("runtime-dft")["available"]
        assert trnfft.which("fft", (16,), "complex64", backend="runtime-dft").backend == "runtime-dft"
    finally:
        trnfft.unregister_plugin(module)
    assert "runtime-dft" not in {row["name"] for row in trnfft.backends_info()}


def test_core_never_imports_a_backend_module():
    for path in (ROOT / "trnfft").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.startswith(("trnfft_backends", "backends")) for n in names), path


def test_backends_reach_the_core_only_through_the_plugin_api():
    for path in (ROOT / "backends").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("trnfft"):
                assert node.module == "trnfft.plugin", f"{path}: imports {node.module}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("trnfft.") or alias.name == "trnfft.plugin", path


@pytest.fixture
def load_only(monkeypatch):
    """Reload the backends with TRNFFT_LOAD_BACKENDS set; restored (and reloaded) afterwards."""
    from trnfft.core.registry import REGISTRY

    def load(value):
        monkeypatch.setenv("TRNFFT_LOAD_BACKENDS", value)
        REGISTRY.reload()
    yield load
    monkeypatch.delenv("TRNFFT_LOAD_BACKENDS")
    REGISTRY.reload()


def test_a_load_filter_naming_no_installed_plugin_says_so(load_only, capsys):
    from trnfft.cli import main
    load_only("fftw-referenc")
    expected = "TRNFFT_LOAD_BACKENDS names 'fftw-referenc', which is no installed plugin (installed: "
    with pytest.raises(BackendUnavailableError, match=re.escape(expected)):
        trnfft.numpy_fft.fft(np.ones(4))
    with pytest.raises(UnknownBackendError, match=re.escape(expected)):
        trnfft.numpy_fft.fft(np.ones(4), backend="fftw")
    assert main(["info"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert expected in out and "fftw-reference" in out.split(expected, 1)[1]
    assert "Run `trnfft info`" not in out


def test_an_empty_load_filter_says_it_loads_nothing(load_only, capsys):
    from trnfft.cli import main
    load_only("")
    with pytest.raises(BackendUnavailableError, match="TRNFFT_LOAD_BACKENDS='' loads no plugin"):
        trnfft.numpy_fft.fft(np.ones(4))
    assert main(["info", "--json"]) == 0
    assert "loads no plugin" in json.loads(capsys.readouterr().out)["load_backends"]


def test_a_load_filter_of_installed_plugins_adds_no_note(load_only):
    from trnfft.core.registry import REGISTRY
    load_only("numpy-reference")
    assert trnfft.which("fft", (8,), "complex64").backend == "numpy-reference" and REGISTRY.load_note == ""
