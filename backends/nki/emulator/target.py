"""The chip trnfft's NKI code targets: TRNFFT_NKI_TARGET, one table for the emulator and the compiler.

``device.configure_compiler`` copies the value to NEURON_PLATFORM_TARGET_OVERRIDE
for the real compiler; the emulator checks its rules for the chip in the
``rules`` column. Unset, it is this machine's chip where the cost model has
its figures (a trn1 or trn2, read once from sysfs: ``neuron_sysfs.detected``),
else trn2: NKI 0.3.0's FAQ lists Trn2/Trn3 as supported (nki-reference.md
section 6), and the cost model has no trn3 figures. ``Target.why`` says which
and why, for reports. The emulator knows the NeuronCore-v2
(trn1) and -v3 (trn2) rules only; the documents it follows give no
NeuronCore-v4 (trn3) rules, so trn3 is checked with trn2's and says so. The
cost model (``costmodel.CHIPS``) always reports trn1 and trn2 columns; it
has no trn3 figures either.
"""
from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass
from typing import Mapping

from trnfft.plugin import BackendUnavailableError

from ..neuron_sysfs import Chip, detected

TARGET_ENV = "TRNFFT_NKI_TARGET"
DEFAULT = "trn2"


@dataclass(frozen=True)
class Target:
    name: str        # the chip whose rules the emulator checks: trn1 or trn2
    requested: str   # the value asked for (what the compiler is told)
    generation: int  # NeuronCore-v<generation>: trn1 is v2, trn2 v3, trn3 v4
    why: str = ""    # how it was chosen: the variable, or this machine's chip (for reports)

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
    """``value`` (as TRNFFT_NKI_TARGET holds it) as a Target; BackendUnavailableError names the choices.

    Empty or blank is unset (this machine's chip, ``machine_target``), as trnfft's other variables
    with a default take it (TRNFFT_BACKEND, TRNFFT_PLANNER, TRNFFT_NKI_MATMUL): a variable
    exported empty by a script asks for nothing."""
    key = value.strip().lower()
    if not key:
        unset = machine_target()
        return dataclasses.replace(unset, why=unset.why.replace(f"{TARGET_ENV} unset", f"{TARGET_ENV} empty "
                                                                 f"({value!r}), as unset", 1))
    if key not in TARGETS:
        raise BackendUnavailableError(f"{TARGET_ENV}={value!r}: expected one of {', '.join(TARGETS)} "
                                      f"(or unset or empty: this machine's chip, else {DEFAULT})")
    rules, generation = TARGETS[key]
    return Target(rules, key, generation, f"{TARGET_ENV}={key}")


def resolve(environ: Mapping[str, str]) -> Target:
    """The target ``environ`` asks for: its TRNFFT_NKI_TARGET, else (unset or empty) this machine's
    (``machine_target``)."""
    value = environ.get(TARGET_ENV)
    return machine_target() if value is None else parse(value)


def target() -> Target:
    """The target in force now: TRNFFT_NKI_TARGET, else this machine's chip (``machine_target``)."""
    return resolve(os.environ)


def machine_target() -> Target:
    """With TRNFFT_NKI_TARGET unset: this machine's chip where the cost model has its figures (trn1, trn2),
    else trn2 (off a Neuron machine, on a trn3 or a chip sysfs does not name). Sysfs is read once per process."""
    return _for_chip(detected())


# NeuronCore generation -> the target whose figures and rules trnfft has for it
KNOWN_GENERATIONS = {2: "trn1", 3: "trn2"}


@functools.lru_cache(maxsize=8)
def _for_chip(found: Chip) -> Target:
    unset = f"{TARGET_ENV} unset"
    named = f" ({found.instance})" if found.instance else ""
    if found.generation in KNOWN_GENERATIONS:
        key = KNOWN_GENERATIONS[found.generation]
        rules, generation = TARGETS[key]
        return Target(rules, key, generation,
                      f"{unset}: this machine's Neuron device is a NeuronCore-v{found.generation}{named}")
    if not found.present:
        why = f"{unset} and no Neuron device in sysfs: the default"
    elif found.generation is None:
        why = f"{unset}: this machine's Neuron device does not say its generation in sysfs: the default"
    else:
        why = (f"{unset}: this machine's Neuron device is a NeuronCore-v{found.generation}{named}, a chip the cost "
               f"model has no figures for: the default" + (
                   f" (set {TARGET_ENV}=trn3 to compile and simulate for trn3 with trn2's figures)"
                   if found.generation == 4 else ""))
    rules, generation = TARGETS[DEFAULT]
    return Target(rules, DEFAULT, generation, why)
