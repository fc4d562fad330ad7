"""The cost tools give the same answers whichever engine executes the kernels.

A stand-in for the real ``nki`` 0.3 package (its own ``nki.language``/``nki.isa`` modules, an
opaque ``@nki.jit`` object that cannot be called without a device, and an ``nki.simulate``
whose runs the bundled emulator's record never sees) is put on the path of a subprocess with
``TRNFFT_NKI_ENGINE=real``; ``trnfft cost`` and ``modelled_cost()`` there must print exactly what
they print with the emulator as the engine (emulator wall time excluded).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

STAND_IN = {
    "__init__.py": '''
        """Stand-in for the real nki 0.3 (tests only)."""
        import threading

        from trnfft_backends.nki import emulator as _emulator

        __version__ = "0.3.0"


        class _Compiled:
            """Opaque, like the real compiler's kernel object."""

            def __init__(self, fn):
                self._source_fn = fn

            def __call__(self, *args):
                raise RuntimeError("stand-in nki: no NeuronCore here")


        def jit(fn=None, **options):
            return _Compiled(fn) if fn is not None else _Compiled


        def simulate(kernel):
            def run(*arrays):
                box = {}  # another thread: the emulator's per-thread record does not see this run
                worker = threading.Thread(
                    target=lambda: box.setdefault("out", _emulator.simulate(kernel._source_fn)(*arrays)))
                worker.start()
                worker.join()
                return box["out"]
            return run
    ''',
    "language.py": '''
        from trnfft_backends.nki.emulator import language as _impl


        def __getattr__(name):
            return getattr(_impl, name)
    ''',
    "isa.py": '''
        from trnfft_backends.nki.emulator import isa as _impl


        def __getattr__(name):
            return getattr(_impl, name)
    ''',
}

PROBE = '''
import json
from trnfft.core.problem import make_problem
from trnfft.cli import main
from trnfft.core.dispatch import get_plan
from trnfft_backends.nki import engine

plan = get_plan(make_problem("c2c", (4, 4099), precision="single"), "nki-simulator")
print(json.dumps({"engine": engine.current().name, "modelled_cost": plan.modelled_cost()}))
main(["cost", "fft", "--n", "4096", "--batch", "8", "--json"])
main(["cost", "gemm", "--m", "256", "--k", "128", "--n", "512", "--json"])
'''


def probe(tmp_path: Path, engine: str) -> list:
    env = dict(os.environ, TRNFFT_NKI_ENGINE=engine, TRNFFT_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=os.pathsep.join([str(tmp_path / "site"), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    decoder, text, docs = json.JSONDecoder(), out.stdout, []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        doc, pos = decoder.raw_decode(text, pos)
        docs.append(doc)
    for doc in docs:
        doc.get("fft", {}).pop("emulator_wall_seconds", None)
    return docs


@pytest.fixture
def stand_in(tmp_path: Path) -> Path:
    pkg = tmp_path / "site" / "nki"
    pkg.mkdir(parents=True)
    for name, text in STAND_IN.items():
        (pkg / name).write_text(textwrap.dedent(text))
    return tmp_path


def test_cost_tools_identical_with_a_stand_in_real_engine(stand_in: Path):
    real = probe(stand_in, "real")
    emulated = probe(stand_in, "emulator")
    assert real[0].pop("engine") == "nki" and emulated[0].pop("engine") == "emulator"
    assert real == emulated
    plan_cost, fft, gemm = real
    assert plan_cost["modelled_cost"]["launches"] == 1 and plan_cost["modelled_cost"]["trn1_seconds"] > 0
    assert fft["record"]["instructions"]["tensor"] > 0 and fft["fft"]["relative_error_vs_float64"] < 1e-5
    assert gemm["record"]["instructions"]["tensor"] == 2
