"""The chip trnfft's NKI code targets: TRNFFT_NKI_TARGET, one table for the emulator and the compiler.

``device.configure_compiler`` copies the value to NEURON_PLATFORM_TARGET_OVERRIDE
for the real compiler; the emulator checks its rules for the chip in the
``rules`` column. Defaults to trn2: NKI 0.3.0's FAQ lists Trn2/Trn3 as
supported (nki-reference.md section 6). The emulator knows the NeuronCore-v2
(trn1) and -v3 (trn2) rules only; the documents it follows give no
NeuronCore-v4 (trn3) rules, so trn3 is checked with trn2's and says so. The
cost model (``costmodel.CHIPS``) always reports trn1 and trn2 columns; it
has no trn3 figures either.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from trnfft.plugin import BackendUnavailableError

TARGET_ENV = "TRNFFT_NKI_TARGET"
DEFAULT = "trn2"


@dataclass(frozen=True)
class Target:
    name: str        # the chip whose rules the emulator checks: trn1 or trn2
    requested: str   # the value asked for (what the compiler is told)
    generation: int  # NeuronCore-v<generation>: trn1 is v2, trn2 v3, trn3 v4

    @property
    def note(self) -> str:
        """How the emulator treats this target, for reports ("" when it has the chip's own rules)."""
        if self.requested == self.name:
            return ""
        return (f"{TARGET_ENV}={self.requested} (NeuronCore-v{self.generation}): the emulator checks "
                f"{self.name}'s rules" + ("" if self.generation < 4 else ", having no documented "
                                           "NeuronCore-v4 rules"))


# value -> (rules, generation); gen2..gen4 are the compiler's own names for the generations
TARGETS = {"trn1": ("trn1", 2), "trn2": ("trn2", 3), "trn3": ("trn2", 4),
           "gen2": ("trn1", 2), "gen3": ("trn2", 3), "gen4": ("trn2", 4)}


def parse(value: str) -> Target:
    """``value`` (as TRNFFT_NKI_TARGET holds it) as a Target; BackendUnavailableError names the choices."""
    key = value.strip().lower() or DEFAULT
    if key not in TARGETS:
        raise BackendUnavailableError(f"{TARGET_ENV}={value!r}: expected one of {', '.join(TARGETS)}")
    rules, generation = TARGETS[key]
    return Target(rules, key, generation)


def target() -> Target:
    """The target TRNFFT_NKI_TARGET asks for now (trn2 when unset)."""
    return parse(os.environ.get(TARGET_ENV, DEFAULT))
