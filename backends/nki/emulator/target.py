"""Which NeuronCore generation the emulator checks against: TRNFFT_NKI_TARGET=trn1|trn2.

Defaults to trn2: NKI 0.3.0's FAQ lists Trn2/Trn3 as supported (nki-reference.md section 6).
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str


def target() -> Target:
    value = os.environ.get("TRNFFT_NKI_TARGET", "trn2").strip().lower() or "trn2"
    if value not in ("trn1", "trn2"):
        raise ValueError(f"TRNFFT_NKI_TARGET must be trn1 or trn2, got {value!r}")
    return Target(value)
