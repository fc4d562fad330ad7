"""What sysfs says of this machine's Neuron device: its NeuronCore generation, read once per process.

The Neuron driver publishes ``neuronN/info/architecture/{arch_type,instance_type}``
under /sys/devices/virtual/neuron_device ("v1, v2, and v3"; "Inf1, Inf2, and Trn1";
D/tools/neuron-sys-tools/neuron-sysfs-user-guide.rst). The exact text has not been
seen on a device here (docs/benchmarks-on-trainium.md): ``arch_type`` is read as
the digits after its last "v" ("v2", "NCv2"), anything else as unknown.
``detected()`` is what the chip targeting and the reports use: one glob and two
small reads, the first time only, never per launch.
"""
from __future__ import annotations

import glob
import os
import threading
from dataclasses import dataclass

SYSFS = "/sys/devices/virtual/neuron_device"   # D/tools/neuron-sys-tools/neuron-sysfs-user-guide.rst


@dataclass(frozen=True)
class Chip:
    """What sysfs says of this machine's first Neuron device."""

    generation: int | None   # NeuronCore-v<generation> (arch_type "v2"/"NCv2" -> 2); None when unreadable
    instance: str            # instance_type ("Trn1", "Inf2", ...), "" when unreadable
    present: bool = True     # False: no Neuron device in sysfs at all


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def chip(root: str | None = None) -> Chip:
    """The first Neuron device's architecture, read now from sysfs under ``root`` (default ``SYSFS``)."""
    found = sorted(glob.glob(os.path.join(root or SYSFS, "neuron[0-9]*")))
    if not found:
        return Chip(None, "", present=False)
    arch = os.path.join(found[0], "info", "architecture")
    digits = _read(os.path.join(arch, "arch_type")).lower().rpartition("v")[2]
    return Chip(int(digits) if digits.isdigit() else None, _read(os.path.join(arch, "instance_type")))


_detected: list[Chip] = []
_lock = threading.Lock()


def detected() -> Chip:
    """This machine's chip (``chip()``), read on first use and kept for the process."""
    if not _detected:
        with _lock:
            if not _detected:
                _detected.append(chip())
    return _detected[0]


def forget() -> None:
    """Read sysfs again at the next ``detected()`` (tests that fake a sysfs tree)."""
    with _lock:
        _detected.clear()
