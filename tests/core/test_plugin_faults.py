"""Faulty third-party plugins, really installed (dist-info + entry point), each group in a fresh process.

Whatever a plugin does wrong, ``import trnfft``, ``trnfft info`` and calls on
the other backends keep working, and the fault is reported.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

BACKEND = '''
import sys
import numpy as np
from trnfft.plugin import Availability, Capabilities, hookimpl

class Plan:
    def __init__(self, problem, result):
        self.problem, self.result = problem, result
    def execute(self, x):
        return self.result(np.fft.fftn(x, axes=self.problem.axes).astype(self.problem.output_dtype), x)

class Faulty:
    version, description = "0.1", "a faulty test backend"
    def __init__(self, name, availability=None, capabilities=None, result=None):
        self.name = name
        self._availability, self._capabilities = availability, capabilities
        self._result = result or (lambda y, x: y)
    def availability(self):
        return self._availability() if self._availability else Availability.yes()
    def capabilities(self):
        return self._capabilities() if self._capabilities else Capabilities(kinds=frozenset({"c2c"}))
    def plan(self, problem):
        return Plan(problem, self._result)
'''


def install(site: Path, entry: str, body: str) -> None:
    """A plugin package as pip would leave it: a module and a dist-info naming its entry point."""
    module = "fault_" + entry.replace("-", "_")
    (site / f"{module}.py").write_text(textwrap.dedent(body))
    dist = site / f"{module}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[trnfft.backends]\n{entry} = {module}\n")


def registering(*backends: str) -> str:
    """Plugin source registering ``Faulty(...)`` backends given as constructor-argument strings."""
    calls = "".join(f"    register(Faulty({b}))\n" for b in backends)
    return BACKEND + "\n@hookimpl\ndef trnfft_register_backends(register):\n" + calls


PROBE = '''
import contextlib, io, json, sys
import numpy as np
out = {}
import trnfft
from trnfft import numpy_fft
from trnfft.cli import main
buf = io.StringIO()
try:
    with contextlib.redirect_stdout(buf):
        out["info_exit"] = main(["info", "--json"])
except BaseException as exc:
    out["info_exit"] = repr(exc)
out["info"] = {r["name"]: r for r in json.loads(buf.getvalue())["backends"]} if buf.getvalue() else {}
out["default"] = numpy_fft.fft(np.arange(8.0))[0].real
out["numpy"] = numpy_fft.fft(np.arange(8.0), backend="numpy-reference")[0].real
out["fftw"] = numpy_fft.fft(np.arange(8.0), backend="fftw-reference")[0].real
calls = {}
for name in sys.argv[1:]:
    try:
        y = numpy_fft.fft(np.arange(16, dtype=np.complex64).reshape(2, 8), backend=name)
        calls[name] = "returned " + type(y).__name__
    except trnfft.TrnfftError as exc:
        calls[name] = type(exc).__name__ + ": " + str(exc)
    except BaseException as exc:
        calls[name] = "RAW " + repr(exc)
out["calls"] = calls
print(json.dumps(out, default=str))
'''


def probe(site: Path, *backends: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("TRNFFT_LOAD_BACKENDS", "TRNFFT_BACKEND")}
    env["PYTHONPATH"] = os.pathsep.join([str(site)] + [p for p in sys.path if p])
    proc = subprocess.run([sys.executable, "-c", PROBE, *backends], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stdout}\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.splitlines()[-1])


def test_plugins_failing_on_import_registration_availability_or_capabilities(tmp_path):
    install(tmp_path, "raises-on-import", "raise RuntimeError('no licence server')\n")
    install(tmp_path, "exits-on-import", "raise SystemExit('exiting from a plugin import')\n")
    install(tmp_path, "raises-registering", BACKEND + (
        "@hookimpl\ndef trnfft_register_backends(register):\n    raise ValueError('bad config')\n"))
    install(tmp_path, "exits-registering", BACKEND + (
        "@hookimpl\ndef trnfft_register_backends(register):\n    raise SystemExit(4)\n"))
    install(tmp_path, "bad-methods", registering(
        "'raises-availability', availability=lambda: 1 / 0",
        "'raises-capabilities', capabilities=lambda: {}['missing']",
        "'exits-capabilities', capabilities=lambda: sys.exit(5)",
        "'says-yes', availability=lambda: 'yes'"))
    names = ["raises-on-import", "exits-on-import", "raises-registering", "exits-registering",
             "raises-availability", "raises-capabilities", "exits-capabilities", "says-yes"]
    out = probe(tmp_path, *names)
    assert out["info_exit"] == 0
    assert (out["default"], out["numpy"], out["fftw"]) == (28.0, 28.0, 28.0)
    info = out["info"]
    assert info["fftw-reference"]["available"] and info["numpy-reference"]["available"]
    expected = {"raises-on-import": "no licence server", "exits-on-import": "SystemExit",
                "raises-registering": "bad config", "exits-registering": "SystemExit: 4",
                "raises-availability": "ZeroDivisionError", "raises-capabilities": "KeyError",
                "exits-capabilities": "SystemExit", "says-yes": "returned 'yes'"}
    for name, why in expected.items():
        assert not info[name]["available"] and why in info[name]["reason"], (name, info[name])
        assert out["calls"][name].startswith("BackendUnavailableError") and why in out["calls"][name]


def test_a_plugin_cannot_take_a_builtin_name_and_a_shared_name_goes_to_nobody(tmp_path):
    impostor = "lambda y, x: 2 * y"  # the wrong answer: 56 where 28 is right
    install(tmp_path, "aaa-impostor", registering(f"'fftw-reference', result={impostor}"))
    install(tmp_path, "zzz-impostor", registering(f"'numpy-reference', result={impostor}"))
    install(tmp_path, "first-claim", registering("'shared-name'"))
    install(tmp_path, "second-claim", registering("'shared-name'"))
    out = probe(tmp_path, "shared-name")
    assert out["info_exit"] == 0
    assert (out["default"], out["numpy"], out["fftw"]) == (28.0, 28.0, 28.0)
    info = out["info"]
    assert info["fftw-reference"]["plugin"] == "fftw-reference" and info["fftw-reference"]["available"]
    assert info["numpy-reference"]["plugin"] == "numpy-reference"
    for name, plugin in (("fftw-reference", "aaa-impostor"), ("numpy-reference", "zzz-impostor")):
        row = info[f"{name} (plugin {plugin})"]
        assert not row["available"] and "also registers the name" in row["reason"]
    shared = info["shared-name"]
    assert not shared["available"] and "first-claim" in shared["reason"] and "second-claim" in shared["reason"]
    assert out["calls"]["shared-name"].startswith("BackendUnavailableError")


def test_wrong_results_are_caught_before_they_reach_the_caller(tmp_path):
    wrong = {
        "extra-dimension": "lambda y, x: y[None]",
        "truncated": "lambda y, x: y[..., :-1]",
        "transposed": "lambda y, x: y.T",
        "flattened": "lambda y, x: y.reshape(-1, 1)",
        "double-precision": "lambda y, x: y.astype('complex128')",
        "a-list": "lambda y, x: y.tolist()",
        "none": "lambda y, x: None",
    }
    install(tmp_path, "wrong-results", registering(*(f"'{n}', result={f}" for n, f in wrong.items())))
    out = probe(tmp_path, *wrong)
    assert out["info_exit"] == 0 and all(out["info"][name]["available"] for name in wrong)
    assert (out["default"], out["numpy"], out["fftw"]) == (28.0, 28.0, 28.0)
    for name in wrong:
        msg = out["calls"][name]
        assert msg.startswith("BackendResultError") and repr(name) in msg, msg
    assert "shape (1, 2, 8)" in out["calls"]["extra-dimension"]
    assert "dtype complex128" in out["calls"]["double-precision"]
    assert "NoneType" in out["calls"]["none"] and "list" in out["calls"]["a-list"]
