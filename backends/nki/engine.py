"""The one place that decides what runs NKI kernels here: the real ``nki`` or the emulator.

``TRNFFT_NKI_ENGINE``: ``auto`` (default: the real package when ``nki >= 0.3``
imports, else the emulator), ``real`` (the real package or a clear error) or
``emulator``. Kernels import ``nki``, ``nl`` and ``nisa`` from here, so the
same kernel source runs on either.

The PyPI packages named ``nki``/``neuronx-cc`` are placeholders that raise on
import; the real ones come from AWS's Neuron repository.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from . import emulator

ENGINE_ENV = "TRNFFT_NKI_ENGINE"
MIN_VERSION = (0, 3)
INSTALL_HINT = ("install the Neuron SDK's nki>=0.3 from AWS's Neuron package repository "
                "(pip install --extra-index-url https://pip.repos.neuron.amazonaws.com nki)")


@dataclass(frozen=True)
class Engine:
    """What runs kernels: its name, the three modules kernels use, and why it was chosen."""

    name: str          # "nki" or "emulator"
    version: str
    nki: Any
    nl: Any
    nisa: Any
    reason: str
    choice: str = "auto"   # the TRNFFT_NKI_ENGINE value it was chosen by

    def simulate(self, kernel: Any) -> Any:
        return self.nki.simulate(kernel)


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def real_nki() -> tuple[ModuleType | None, str]:
    """The real nki package if it imports and is new enough, else (None, why not)."""
    try:
        nki = importlib.import_module("nki")
        version = getattr(nki, "__version__", "0")
        if _version_tuple(version) < MIN_VERSION:
            return None, f"nki {version} is older than 0.3"
        importlib.import_module("nki.language")
        importlib.import_module("nki.isa")
        return nki, f"nki {version}"
    except Exception as exc:  # the PyPI placeholder raises on import
        return None, f"nki cannot be imported ({type(exc).__name__}: {exc})"


def select() -> Engine:
    choice = os.environ.get(ENGINE_ENV, "auto").strip().lower() or "auto"
    if choice not in ("auto", "real", "emulator"):
        raise ValueError(f"{ENGINE_ENV} must be auto, real or emulator, got {choice!r}")
    if choice != "emulator":
        nki, why = real_nki()
        if nki is not None:
            return Engine("nki", why, nki, importlib.import_module("nki.language"),
                          importlib.import_module("nki.isa"), f"{ENGINE_ENV}={choice}", choice)
        if choice == "real":
            raise RuntimeError(f"{ENGINE_ENV}=real but the real NKI is unavailable: {why}; {INSTALL_HINT}")
        reason = f"real nki unavailable: {why}"
    else:
        reason = f"{ENGINE_ENV}=emulator"
    return Engine("emulator", emulator.__version__, emulator, emulator.language, emulator.isa, reason, choice)


@dataclass(frozen=True)
class Problem:
    """Why no engine could be chosen: an invalid TRNFFT_NKI_ENGINE value, or ``real`` without the real nki."""

    message: str
    invalid: bool   # True for an invalid value, False for "real" unmet


def _choose() -> tuple[Engine, Problem | None]:
    """The engine, or on a bad setting the emulator with the problem: the backends then report the problem
    (``plugin.py``) and run nothing, while the emulator-only cost tools still run (``trnfft cost``)."""
    try:
        return select(), None
    except (ValueError, RuntimeError) as exc:  # an invalid value (ValueError), or "real" without the real nki
        return (Engine("emulator", emulator.__version__, emulator, emulator.language, emulator.isa,
                       f"no engine: {exc}", "emulator"),
                Problem(str(exc), isinstance(exc, ValueError)))


_ENGINE, _PROBLEM = _choose()
nki, nl, nisa = _ENGINE.nki, _ENGINE.nl, _ENGINE.nisa


def current() -> Engine:
    """The engine chosen at import (kernels are bound to it)."""
    return _ENGINE


def problem() -> Problem | None:
    """Why TRNFFT_NKI_ENGINE could not be met at import, or None (then ``current()`` is what it asked for)."""
    return _PROBLEM


def hardware_problem() -> str | None:
    """Why the engine cannot compile kernels for a NeuronCore (only the real nki can), or None."""
    e = current()
    if e.name == "nki":
        return None
    if e.choice == "emulator":
        return (f"{ENGINE_ENV}=emulator selects the bundled emulator, which runs kernels on the CPU only: unset it "
                f"(or set auto or real) to run them on a NeuronCore")
    return f"the real NKI compiler is not installed ({e.reason}); {INSTALL_HINT}"
