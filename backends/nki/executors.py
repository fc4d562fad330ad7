"""Running an NKI kernel: on the CPU simulator, or on a NeuronCore through torch.

An executor is called as ``run(kernel, *parts, *constants)``, all flat: the
data parts (xr, xi; or one real or interleaved part), then the plan's constants
(arrays, a packed table and its layout, ints). It returns the
kernel's outputs in the kind its parts came in: NumPy for NumPy, device
tensors for device tensors. The plan does all marshalling (``marshal.py``),
the same for both executors.

* simulator: ``engine.simulate(kernel)(*arrays)``: the real ``nki.simulate``
  when nki >= 0.3 is installed, else the bundled emulator;
* hardware: the ``@nki.jit`` kernel is called with torch-xla tensors on the
  NeuronCore (it becomes a custom call in the lazy trace;
  D/nki/get-started/quickstart-implement-run-kernel.rst, step 8). Split
  float32 tensors already on the device stay there and nothing waits: the
  results are lazy tensors in the caller's trace, run at its next
  ``xm.mark_step()`` or when read (``device.synchronize`` does both steps).
  Host (NumPy) parts go to the default device, the trace is cut and run once
  (one ``mark_step``, so all outputs come from one execution) and the results
  come back to the host. The plan's constants (``ResidentConstants``) are
  uploaded once per plan and device and stay there.
"""
from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np

from trnfft.plugin import BackendUnavailableError, InvalidArgumentError

from . import device, engine, neuron_sysfs


def simulate(kernel: Any, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    e = engine.current()
    if e.name == "nki":   # the real simulator checks the rules of the chip plans are made for (device.py)
        device.configure_simulator()
    return _outputs(e.simulate(kernel)(*arrays))


def _outputs(out: Any) -> tuple:
    """A kernel's outputs as a tuple: several come back as a tuple or a list, one as itself."""
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def check_target() -> None:
    """BackendUnavailableError for a user's NEURON_PLATFORM_TARGET_OVERRIDE naming another chip than trnfft plans
    for, when the real nki would read it (the emulator does not)."""
    if engine.current().name == "nki":
        device.check_target()


def hardware_problem() -> str | None:
    """Why kernels cannot run on a NeuronCore here, or None if they can."""
    problem = engine.hardware_problem() or device.sdk_problem()
    if problem is not None:
        return problem
    if not device.neuron_devices():
        return "no Neuron device (/dev/neuron*) on this machine"
    return None


def hardware_caveat() -> str | None:
    """What a user should know about running on this machine's chip (trn1: not promised; a chip sysfs does
    not name: it may be one), or None."""
    found = neuron_sysfs.detected()   # read once per process, as the targeting reads it
    if found.generation is None and device.neuron_devices():
        return (f"the Neuron device's generation could not be read from {neuron_sysfs.SYSFS}/neuron*/info/architecture/"
                f"arch_type: on a NeuronCore-v2 (trn1), NKI 0.3.0 does not promise support")
    return device.chip_caveat(found)


def keep_on_host(args: tuple) -> tuple:
    """The simulator's upload: constants stay the NumPy arrays they are."""
    return args


class ResidentConstants:
    """A plan's constants, uploaded to each device the first time a call runs there, then kept.

    Plans are shared between threads: the lock makes the upload happen once per device."""

    def __init__(self, host_args: tuple) -> None:
        self.host_args = host_args
        self._by_device: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def on(self, where: Any) -> tuple:
        """The constants on ``where`` (a NeuronCore torch.device): uploaded on the first call there."""
        key = str(where)
        with self._lock:
            if key not in self._by_device:
                # no sync: the copies are inputs of the kernel's trace, which runs once they have arrived
                self._by_device[key] = tuple(_to_device(a, where) for a in self.host_args)
            return self._by_device[key]

    def devices(self) -> list[str]:
        with self._lock:
            return list(self._by_device)


def upload(args: tuple) -> tuple:
    """nki-hardware's upload: the plan's constants, resident per device (uploaded on first use)."""
    return (ResidentConstants(args),)


def launch(kernel: Any, *tensors: Any) -> Any:
    """Call the ``@nki.jit`` kernel with device tensors (the outermost device call)."""
    problem = engine.hardware_problem()
    if problem is not None:
        raise BackendUnavailableError(f"nki-hardware needs the real NKI compiler: {problem}")
    return kernel(*tensors)


def on_device(kernel: Any, *args: Any) -> tuple[Any, ...]:
    """Run ``kernel`` on a NeuronCore: device tensors in -> lazy device tensors out (no sync, no host copy);
    NumPy parts in -> NumPy out, through the default device (one sync)."""
    parts = [a for a in args if isinstance(a, np.ndarray) or _is_tensor(a)]   # the data: xr, xi or one part
    on_host = all(isinstance(p, np.ndarray) for p in parts)
    if on_host:
        problem = hardware_problem()
        if problem is not None:
            raise BackendUnavailableError(f"cannot run on Trainium: {problem}; {device.SDK_FIX}")
        where = device.default_device()
    else:
        where = _common_device(parts)
    rt = device.runtime_for(where)
    call_args: list[Any] = []
    for a in args:
        call_args.extend(a.on(where) if isinstance(a, ResidentConstants) else (_to_device(a, where),))
    out = _outputs(launch(kernel, *call_args))
    if not on_host:
        return out
    rt.synchronize(where)   # one execution for all outputs, before each is copied to the host
    return tuple(t.cpu().numpy() for t in out)


def _is_tensor(a: Any) -> bool:
    torch = sys.modules.get("torch")  # a tensor can only exist once torch is imported
    return torch is not None and isinstance(a, torch.Tensor)


def _common_device(parts: list) -> Any:
    """The one device all parts of a call live on, or a clear error (a mix never copies silently)."""
    where = sorted({"NumPy (host)" if isinstance(p, np.ndarray) else str(p.device) for p in parts})
    if len(where) != 1:
        raise InvalidArgumentError(f"nki-hardware: the parts of one call must all live on one device, got "
                                   f"{', '.join(where)}")
    return parts[0].device


def _to_device(arg: Any, where: Any) -> Any:
    """One flat kernel argument on ``where``: a NumPy array is copied there, anything else passes as it is."""
    if isinstance(arg, np.ndarray):
        import torch
        return torch.from_numpy(np.ascontiguousarray(arg)).to(where)
    return arg  # an int, a packed table's layout (a tuple of ints and marks), or a tensor already on the device
