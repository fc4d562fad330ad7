"""Running an NKI kernel: on the CPU simulator, or on a NeuronCore through torch.

An executor is called as ``run(kernel, *parts, *constants)`` and returns the
kernel's outputs in the kind its parts came in: NumPy for NumPy, device
tensors for device tensors. The plan does all marshalling (``marshal.py``),
the same for both executors.

* simulator: ``engine.simulate(kernel)(*arrays)``: the real ``nki.simulate``
  when nki >= 0.3 is installed, else the bundled emulator;
* hardware: the ``@nki.jit`` kernel is called with torch tensors on the
  NeuronCore (torch-neuronx turns it into a custom call;
  D/nki/get-started/quickstart-implement-run-kernel.html) and the device is
  synchronised once. Split float32 tensors already on the device stay there:
  nothing is copied to or from the host. Host (NumPy) parts go to the default
  device and the results come back to the host. The plan's constants
  (``ResidentConstants``) are uploaded once per plan and device and stay there.
"""
from __future__ import annotations

import glob
import sys
import threading
from typing import Any

import numpy as np

from trnfft.plugin import BackendUnavailableError, InvalidArgumentError

from . import device, engine


def simulate(kernel: Any, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    out = engine.current().simulate(kernel)(*arrays)
    return out if isinstance(out, tuple) else (out,)


def neuron_devices() -> list[str]:
    return sorted(glob.glob("/dev/neuron*"))


def hardware_problem() -> str | None:
    """Why kernels cannot run on a NeuronCore here, or None if they can."""
    if engine.current().name != "nki":
        return f"the real NKI compiler is not installed ({engine.current().reason})"
    problem = device.sdk_problem()
    if problem is not None:
        return problem
    if not neuron_devices():
        return "no Neuron device (/dev/neuron*) on this machine"
    return None


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

    def on(self, where: Any, runtime: device.Runtime) -> tuple:
        """The constants on ``where`` (a torch.device of ``runtime``): uploaded on the first call there."""
        key = str(where)
        with self._lock:
            if key not in self._by_device:
                resident = _to_device(self.host_args, where)
                runtime.synchronize(where)   # the upload has finished before any call reads it
                self._by_device[key] = resident
            return self._by_device[key]

    def devices(self) -> list[str]:
        with self._lock:
            return list(self._by_device)


def upload(args: tuple) -> tuple:
    """nki-hardware's upload: the plan's constants, resident per device (uploaded on first use)."""
    return (ResidentConstants(args),)


def launch(kernel: Any, *tensors: Any) -> Any:
    """Call the ``@nki.jit`` kernel with device tensors (the outermost device call)."""
    if engine.current().name != "nki":
        raise BackendUnavailableError(f"nki-hardware needs the real NKI compiler: {engine.current().reason}; "
                                      f"{engine.INSTALL_HINT}")
    return kernel(*tensors)


def on_device(kernel: Any, *args: Any) -> tuple[Any, ...]:
    """Run ``kernel`` on a NeuronCore: device tensors in -> device tensors out (one sync, no host copy);
    NumPy parts in -> NumPy out, through the default device."""
    parts = [p for a in args for p in (a if isinstance(a, tuple) else (a,))   # a program's parts: one tuple
             if isinstance(p, np.ndarray) or _is_tensor(p)]
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
        call_args.extend(a.on(where, rt) if isinstance(a, ResidentConstants) else (_to_device(a, where),))
    out = launch(kernel, *call_args)
    out = out if isinstance(out, tuple) else (out,)
    rt.synchronize(where)
    return tuple(t.cpu().numpy() for t in out) if on_host else out


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
    if isinstance(arg, tuple):
        return tuple(_to_device(a, where) for a in arg)
    if isinstance(arg, np.ndarray):
        import torch
        return torch.from_numpy(np.ascontiguousarray(arg)).to(where)
    return arg  # an int, a string, or a tensor already on the device
