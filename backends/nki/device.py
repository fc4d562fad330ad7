"""The NeuronCore as torch sees it: which device, how to wait for it, and the compiler settings fp32 needs.

Two ways the Neuron SDK exposes a NeuronCore to torch:

* torch-xla (the SDK 2.29 path): ``xm.xla_device()`` names the device, work
  is traced lazily, ``xm.mark_step()`` cuts the trace and launches it and
  ``xm.wait_device_ops()`` waits for it to finish
  (https://docs.pytorch.org/xla/release/r2.8/learn/trace-vs-execution-time.html,
  https://awsdocs-neuron.readthedocs-hosted.com/en/v2.28.0/_sources/frameworks/torch/torch-neuronx/programming-guide/training/pytorch-neuron-programming-guide.rst);
* TorchNeuron, the native backend (Trn2/Trn3): importing ``torch_neuronx``
  registers the PrivateUse1 device ``neuron``, work runs eagerly and
  ``torch.accelerator.synchronize(device)`` waits for it
  (https://awsdocs-neuron.readthedocs-hosted.com/en/latest/_sources/torch/about-pytorch-neuron.rst,
  https://pytorch.org/docs/stable/generated/torch.accelerator.synchronize.html).

The SDK is touched only in ``_xla_runtime``/``_native_runtime`` (its
outermost calls), so tests replace it with fake ``torch_xla``/``torch_neuronx``
modules. ``configure_compiler`` sets what the fp32 kernels need before the
first compilation and never overwrites a user's setting.
"""
from __future__ import annotations

import importlib
import os
import threading
from dataclasses import dataclass
from typing import Any, Callable, MutableMapping

from trnfft.plugin import BackendUnavailableError

from .emulator.target import TARGET_ENV, parse as parse_target

CC_FLAGS = "NEURON_CC_FLAGS"
AUTO_CAST_NONE = "--auto-cast=none"   # keep fp32 matmuls fp32 (the compiler may otherwise cast to bf16)
TARGET_OVERRIDE = "NEURON_PLATFORM_TARGET_OVERRIDE"  # nki 0.3 reads this; platform_target= is an error
SDK_FIX = ("run on a trn2 (or trn3) instance inside the Neuron SDK's PyTorch venv (nki>=0.3, neuronx-cc, "
           "torch-neuronx with torch-xla or the native 'neuron' device), or use nki-simulator")


@dataclass(frozen=True)
class Runtime:
    """One way to reach a NeuronCore from torch: its device type, default device and a blocking sync."""

    name: str                          # "torch-xla" or "torch-neuronx native"
    device_type: str                   # torch.device(...).type of its tensors
    default_device: Callable[[], Any]
    synchronize: Callable[[Any], None]


def configure_compiler(environ: MutableMapping[str, str] = os.environ) -> list[str]:
    """Add ``--auto-cast=none`` to NEURON_CC_FLAGS unless an --auto-cast is already there, and set
    NEURON_PLATFORM_TARGET_OVERRIDE from TRNFFT_NKI_TARGET unless already set. Returns what changed."""
    changed = []
    flags = environ.get(CC_FLAGS, "")
    if "--auto-cast" not in flags:
        environ[CC_FLAGS] = f"{flags} {AUTO_CAST_NONE}".strip()
        changed.append(f"{CC_FLAGS}+={AUTO_CAST_NONE}")
    value = environ.get(TARGET_ENV, "")
    if value.strip():
        target = parse_target(value).requested
        if not environ.get(TARGET_OVERRIDE):
            environ[TARGET_OVERRIDE] = target
            changed.append(f"{TARGET_OVERRIDE}={target}")
    return changed


def _xla_runtime() -> Runtime:
    xm = importlib.import_module("torch_xla.core.xla_model")

    def synchronize(device: Any) -> None:
        xm.mark_step()                 # launch the traced work (the kernel's custom call)
        xm.wait_device_ops()           # ... and wait until it has run

    return Runtime("torch-xla", xm.xla_device().type, xm.xla_device, synchronize)


def _native_runtime() -> Runtime | None:
    import torch
    if torch._C._get_privateuse1_backend_name() != "neuron":
        return None
    # with its index, so host data and a caller's "neuron:0" tensors share one set of resident constants
    return Runtime("torch-neuronx native", "neuron",
                   lambda: torch.device("neuron", torch.accelerator.current_device_index()),
                   lambda device: torch.accelerator.synchronize(device))


def sdk_problem() -> str | None:
    """What is missing for torch to reach a NeuronCore here, or None."""
    try:
        importlib.import_module("torch_neuronx")
    except Exception as exc:
        return f"torch-neuronx cannot be imported ({type(exc).__name__}: {exc})"
    if _native_runtime() is not None:
        return None
    try:
        importlib.import_module("torch_xla.core.xla_model")
    except Exception as exc:
        return (f"torch-neuronx registers no native 'neuron' device and torch-xla cannot be imported "
                f"({type(exc).__name__}: {exc})")
    return None


_lock = threading.Lock()
_runtimes: list[Runtime] = []


def runtimes() -> list[Runtime]:
    """The SDK's ways to a NeuronCore, native first; the compiler is configured on first use."""
    with _lock:
        if not _runtimes:
            problem = sdk_problem()
            if problem is not None:
                raise BackendUnavailableError(f"nki-hardware cannot reach a NeuronCore: {problem}; {SDK_FIX}")
            configure_compiler()
            native = _native_runtime()
            found = [native] if native is not None else []
            try:
                found.append(_xla_runtime())
            except Exception as exc:
                if not found:
                    raise BackendUnavailableError(f"torch-xla has no device ({type(exc).__name__}: {exc}); "
                                                  f"{SDK_FIX}") from None
            _runtimes.extend(found)
        return list(_runtimes)


def runtime_for(device: Any) -> Runtime:
    """The runtime whose tensors live on ``device`` (a torch.device), or a clear error."""
    found = runtimes()
    for rt in found:
        if rt.device_type == device.type:
            return rt
    raise BackendUnavailableError(f"nki-hardware runs on {' or '.join(repr(r.device_type) for r in found)} "
                                  f"device tensors, got a tensor on {device}: move it with .to(...) first")


def reset() -> None:
    """Forget the runtimes found (tests that swap the SDK modules call this)."""
    with _lock:
        _runtimes.clear()


def default_device() -> Any:
    """The NeuronCore host data goes to: the native ``neuron`` device when registered, else torch-xla's."""
    return runtimes()[0].default_device()


def synchronize(where: Any) -> None:
    """Wait until the work queued on ``where`` (a NeuronCore torch.device) has finished."""
    runtime_for(where).synchronize(where)
