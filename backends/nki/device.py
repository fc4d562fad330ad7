"""The NeuronCore as torch sees it, the chip NKI compiles and simulates for, and the compiler settings fp32 needs.

nki-hardware reaches a NeuronCore through torch-xla, the SDK 2.29 path for
NKI kernels that return their outputs: ``xm.xla_device()`` names the device,
work is traced lazily, a ``@nki.jit`` kernel called with XLA tensors becomes
a custom call in the trace, ``xm.mark_step()`` cuts the trace and launches it
and ``xm.wait_device_ops()`` waits for it to finish
(D/nki/get-started/quickstart-implement-run-kernel.rst, step 8;
D/nki/guides/framework_custom_op.rst; https://docs.pytorch.org/xla/release/r2.8/learn/trace-vs-execution-time.html).

The native TorchNeuron device (``neuron``, PrivateUse1) is not used: in SDK
2.29 it is a closed beta, and its pages call NKI kernels as
``torch_neuronx.nki.jit`` kernels that write into an output the caller
allocated (D/frameworks/torch/pytorch-native-overview.rst, appendix;
D/nki/get-started/about/index.rst, "Working with NKI Kernels"), while
trnfft's kernels allocate and return their outputs. Tensors on it get a
clear error (``NATIVE_UNSUPPORTED``).

The chip: NKI reads NEURON_PLATFORM_TARGET_OVERRIDE (trn1/gen2, trn2/gen3,
trn3/gen4; the ``nki.jit`` stub; ``platform_target=`` is an error). Unset, the
simulator takes the detected chip, or trn3 on a machine without one
(D/nki/guides/nki_simulator.rst, "Target Platform"). trnfft sets it to the
chip its plans are made for (TRNFFT_NKI_TARGET; unset, the machine's chip
where the cost model has its figures, trn1 or trn2, else trn2:
``target.resolve``): for the compiler when TRNFFT_NKI_TARGET is set (else
the compiler sees the machine's own chip), for the simulator always (else it
would check trn3's rules against plans made for trn2, off a Neuron machine or
on a trn3). A value the user set
is never overwritten: naming another chip generation than the plans are made
for, it is a configuration error (``target_conflict``), never a silent
mismatch. The SDK is touched only in ``_xla_runtime`` (its outermost calls),
so tests replace it with fake ``torch_xla`` modules.
"""
from __future__ import annotations

import glob
import importlib
import os
import threading
import warnings
from dataclasses import dataclass
from typing import Any, Callable, MutableMapping

from trnfft.plugin import BackendUnavailableError

from .emulator.target import TARGET_ENV, TARGETS, parse as parse_target, resolve as planned_target
from . import neuron_sysfs
from .neuron_sysfs import Chip

CC_FLAGS = "NEURON_CC_FLAGS"
AUTO_CAST_NONE = "--auto-cast=none"   # keep fp32 matmuls fp32 (the compiler may otherwise cast to bf16)
TARGET_OVERRIDE = "NEURON_PLATFORM_TARGET_OVERRIDE"  # nki 0.3 reads this; platform_target= is an error
SDK_FIX = ("run on a trn2 (or trn3) instance inside the Neuron SDK's PyTorch venv (nki>=0.3, neuronx-cc, "
           "torch-neuronx with torch-xla), or use nki-simulator")
NATIVE_UNSUPPORTED = ("nki-hardware does not use the native TorchNeuron 'neuron' device yet: SDK 2.29 documents NKI "
                      "kernels there only as torch_neuronx.nki.jit kernels writing into outputs the caller allocates, "
                      "while trnfft's kernels return theirs (the torch-xla way)")


@dataclass(frozen=True)
class Runtime:
    """The way to a NeuronCore from torch: its device type, default device and a blocking sync."""

    name: str                          # "torch-xla"
    device_type: str                   # torch.device(...).type of its tensors
    default_device: Callable[[], Any]
    synchronize: Callable[[Any], None]


# --- the chip -------------------------------------------------------------------------------------------------

_lock = threading.RLock()   # the environment variables trnfft writes, and the runtime found
_written: str | None = None   # the NEURON_PLATFORM_TARGET_OVERRIDE value trnfft itself set (a user's is never changed)


def target_conflict(environ: MutableMapping[str, str] = os.environ) -> str | None:
    """Why a NEURON_PLATFORM_TARGET_OVERRIDE the user set cannot stand (another chip generation than the one
    trnfft plans for, or a value NKI does not take), or None."""
    value = environ.get(TARGET_OVERRIDE, "").strip()
    if not value or value == _written:
        return None
    planned = planned_target(environ)
    if value.lower() not in TARGETS:
        return f"{TARGET_OVERRIDE}={value!r}: expected one of {', '.join(TARGETS)}"
    theirs = parse_target(value)
    if theirs.generation == planned.generation:
        return None
    return (f"{TARGET_OVERRIDE}={value} (NeuronCore-v{theirs.generation}) but trnfft plans for {planned.requested} "
            f"(NeuronCore-v{planned.generation}; {planned.why}): "
            f"the kernels would be checked or compiled for another chip than they were planned for; set "
            f"{TARGET_ENV}={theirs.requested} so plans follow it, or unset {TARGET_OVERRIDE}")


def check_target(environ: MutableMapping[str, str] = os.environ) -> None:
    """Raise BackendUnavailableError (a setting error) on a conflicting NEURON_PLATFORM_TARGET_OVERRIDE."""
    problem = target_conflict(environ)
    if problem is not None:
        raise BackendUnavailableError(problem)


def _tell_target(environ: MutableMapping[str, str], target: str) -> list[str]:
    """Set NEURON_PLATFORM_TARGET_OVERRIDE unless a user's value is there."""
    global _written
    with _lock:
        current = environ.get(TARGET_OVERRIDE, "").strip()
        if current and current != _written:
            return []                  # the user's: kept (``target_conflict`` judges it)
        if current == target:
            return []
        environ[TARGET_OVERRIDE] = _written = target
        return [f"{TARGET_OVERRIDE}={target}"]


def configure_simulator(environ: MutableMapping[str, str] = os.environ) -> list[str]:
    """Before a real ``nki.simulate``: the simulator checks the rules of the chip plans are made for
    (``target.resolve``), on a Neuron machine too (on a trn3, plans are made for trn2, and the simulator's own
    detection would check trn3's rules). Returns what changed."""
    with _lock:
        check_target(environ)
        return _tell_target(environ, planned_target(environ).requested)


def configure_compiler(environ: MutableMapping[str, str] = os.environ) -> list[str]:
    """Add ``--auto-cast=none`` to NEURON_CC_FLAGS unless an --auto-cast is already there, and set
    NEURON_PLATFORM_TARGET_OVERRIDE from TRNFFT_NKI_TARGET when that is set (else the compiler targets the
    machine's chip). A user's override is kept, or an error when it names another chip. Returns what changed."""
    with _lock:
        check_target(environ)
        changed = []
        flags = environ.get(CC_FLAGS, "")
        if "--auto-cast" not in flags:
            environ[CC_FLAGS] = f"{flags} {AUTO_CAST_NONE}".strip()
            changed.append(f"{CC_FLAGS}+={AUTO_CAST_NONE}")
        value = environ.get(TARGET_ENV, "")
        if value.strip():
            changed += _tell_target(environ, parse_target(value).requested)
        return changed


def neuron_devices() -> list[str]:
    return sorted(glob.glob("/dev/neuron*"))


def chip_caveat(found: Chip, environ: MutableMapping[str, str] = os.environ) -> str | None:
    """A note for a NeuronCore-v2 (trn1/inf2) machine: usable, but not a chip NKI 0.3.0 promises; else None."""
    if found.generation != 2:
        return None
    named = f" ({found.instance})" if found.instance else ""
    planned = TARGETS.get(environ.get(TARGET_ENV, "").strip().lower() or planned_target({}).requested)
    hint = "" if planned is not None and planned[1] == 2 else f"; set {TARGET_ENV}=trn1 so plans follow its rules"
    return (f"this machine's Neuron device is a NeuronCore-v2{named}: NKI 0.3.0's FAQ names Trn2 and Trn3 as its "
            f"supported chips (D/nki/nki_faq.rst), trn1 is reported to work but not promised{hint}")


# --- the device -----------------------------------------------------------------------------------------------

def _xla_runtime() -> Runtime:
    xm = importlib.import_module("torch_xla.core.xla_model")

    def synchronize(device: Any) -> None:
        xm.mark_step()                 # launch the traced work (the kernel's custom call)
        xm.wait_device_ops()           # ... and wait until it has run

    return Runtime("torch-xla", xm.xla_device().type, xm.xla_device, synchronize)


def native_registered() -> bool:
    """Whether torch-neuronx registered the native TorchNeuron device (not used; see ``NATIVE_UNSUPPORTED``)."""
    import torch
    return torch._C._get_privateuse1_backend_name() == "neuron"


def sdk_problem() -> str | None:
    """What is missing for torch to reach a NeuronCore here, or None."""
    try:
        importlib.import_module("torch_neuronx")
    except Exception as exc:
        return f"torch-neuronx cannot be imported ({type(exc).__name__}: {exc})"
    try:
        importlib.import_module("torch_xla.core.xla_model")
    except Exception as exc:
        native = f"; torch-neuronx registers the native 'neuron' device, but {NATIVE_UNSUPPORTED}" \
            if native_registered() else ""
        return f"torch-xla cannot be imported ({type(exc).__name__}: {exc}){native}"
    return None


_runtime: list[Runtime] = []


def runtime() -> Runtime:
    """torch-xla's way to the NeuronCore, found (and a trn1 caveat warned) on first use; the compiler settings
    are made on every use (cheap, idempotent: TRNFFT_NKI_TARGET may change, a user's override may conflict)."""
    with _lock:
        if not _runtime:
            problem = sdk_problem()
            if problem is not None:
                raise BackendUnavailableError(f"nki-hardware cannot reach a NeuronCore: {problem}; {SDK_FIX}")
            try:
                found = _xla_runtime()
            except Exception as exc:
                raise BackendUnavailableError(f"torch-xla has no device ({type(exc).__name__}: {exc}); "
                                              f"{SDK_FIX}") from None
            caveat = chip_caveat(neuron_sysfs.detected())   # read once per process
            if caveat is not None:
                warnings.warn(f"nki-hardware: {caveat}", RuntimeWarning, stacklevel=2)
            _runtime.append(found)
        configure_compiler()
        return _runtime[0]


def runtime_for(device: Any) -> Runtime:
    """The runtime whose tensors live on ``device`` (a torch.device), or a clear error."""
    if device.type == "neuron":
        raise BackendUnavailableError(f"got a tensor on {device}: {NATIVE_UNSUPPORTED}; move it to the torch-xla "
                                      f"device (xm.xla_device()) or pass host data")
    found = runtime()
    if found.device_type == device.type:
        return found
    raise BackendUnavailableError(f"nki-hardware runs on {found.device_type!r} device tensors, got a tensor on "
                                  f"{device}: move it with .to(...) first")


def reset() -> None:
    """Forget the runtime found and the override written (tests that swap the SDK modules call this)."""
    global _written
    with _lock:
        _runtime.clear()
        _written = None


def default_device() -> Any:
    """The NeuronCore host data goes to: torch-xla's device."""
    return runtime().default_device()


def synchronize(where: Any) -> None:
    """Run the work queued on ``where`` (a NeuronCore torch.device) and wait until it has finished: what a
    caller of device-resident plans does before timing or reading results (nki-hardware itself does not)."""
    runtime_for(where).synchronize(where)
