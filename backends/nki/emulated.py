"""Run trnfft's NKI kernels on the bundled emulator whatever engine executes them, for the cost tools.

Counters and modelled times come from the emulator's record of a run (``emulator/record.py``).
When the real ``nki`` is the engine, the kernels in ``kernels/`` are bound to it (each imports
``nki``/``nl``/``nisa`` from ``..engine``) and cannot run on the emulator. So this module loads a
second copy of the kernel modules, ``trnfft_backends._nki_on_emulator.kernels.*``, whose ``engine``
is the emulator (and whose emulator is the same one the cost tools read), and runs that copy's
kernel of the same name. ``trnfft cost``, ``FFTPlan.modelled_cost()`` and the asv ``NKIModel``
benchmarks therefore report the same figures on a Trainium host as on a laptop.
"""
from __future__ import annotations

import importlib
import sys
import threading
import types
from pathlib import Path
from typing import Any

import numpy as np

from . import emulator, engine

SHADOW = "trnfft_backends._nki_on_emulator"
KERNELS = f"{__package__}.kernels"
_lock = threading.Lock()


def _shadow_package() -> None:
    """Register the shadow package once: this directory's modules, the emulator as their engine."""
    if SHADOW in sys.modules:
        return
    pkg = types.ModuleType(SHADOW, "trnfft's NKI kernels bound to the bundled emulator (for cost tools)")
    pkg.__path__ = [str(Path(__file__).parent)]
    shim = types.ModuleType(f"{SHADOW}.engine", "the emulator as the kernels' engine")
    shim.nki, shim.nl, shim.nisa = emulator, emulator.language, emulator.isa  # type: ignore[attr-defined]
    sys.modules[f"{SHADOW}.emulator"] = emulator
    sys.modules[f"{SHADOW}.engine"] = shim
    sys.modules[SHADOW] = pkg


def on_emulator(kernel: Any) -> Any:
    """The emulator's version of one of trnfft's kernels (the kernel itself when the emulator is the engine)."""
    if engine.current().name == "emulator" or isinstance(kernel, emulator.Kernel):
        return kernel
    with _lock:
        _shadow_package()
        for name, module in list(sys.modules.items()):
            if not name.startswith(KERNELS + ".") or module is None:
                continue
            for attr, value in vars(module).items():
                if value is kernel:
                    copy = importlib.import_module(SHADOW + name[len(__package__):])
                    return getattr(copy, attr)
    raise LookupError(f"{kernel!r} is not one of trnfft's kernels in {KERNELS}: the cost tools count those only")


def simulate(kernel: Any, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Like ``executors.simulate``, always on the bundled emulator (so its record counts the run)."""
    out = emulator.simulate(on_emulator(kernel))(*arrays)
    return out if isinstance(out, tuple) else (out,)
