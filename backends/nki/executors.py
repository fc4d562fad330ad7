"""Running an NKI kernel: on the CPU simulator, or on a NeuronCore through torch.

One marshalling for both: NumPy float32 arrays in, NumPy arrays out. Plan
constants go through ``upload`` once per plan: on hardware they become
device tensors that stay on the NeuronCore, so a call sends only its data.

* simulator: ``engine.simulate(kernel)(*arrays)``: the real ``nki.simulate``
  when nki >= 0.3 is installed, else the bundled emulator;
* hardware: the arrays go to the XLA device as torch tensors, the ``@nki.jit``
  kernel is called (torch-neuronx turns it into a custom call), and results
  come back to the host (D/nki/get-started/quickstart-implement-run-kernel.html).
"""
from __future__ import annotations

import glob
import importlib
from typing import Any

import numpy as np

from . import engine


def simulate(kernel: Any, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    out = engine.current().simulate(kernel)(*arrays)
    return out if isinstance(out, tuple) else (out,)


def neuron_devices() -> list[str]:
    return sorted(glob.glob("/dev/neuron*"))


def hardware_problem() -> str | None:
    """Why kernels cannot run on a NeuronCore here, or None if they can."""
    if engine.current().name != "nki":
        return f"the real NKI compiler is not installed ({engine.current().reason})"
    try:
        importlib.import_module("torch_neuronx")
        importlib.import_module("torch_xla.core.xla_model")
    except Exception as exc:
        return f"torch-neuronx / torch-xla cannot be imported ({type(exc).__name__}: {exc})"
    if not neuron_devices():
        return "no Neuron device (/dev/neuron*) on this machine"
    return None


def keep_on_host(args: tuple) -> tuple:
    """The simulator's upload: constants stay the NumPy arrays they are."""
    return args


def upload(args: tuple) -> tuple:
    """Plan constants to the first NeuronCore, once per plan; ints, strings and tuples of them pass."""
    return _to_device(args, _device())


def on_device(kernel: Any, *arrays: Any) -> tuple[np.ndarray, ...]:
    """Run ``kernel`` on the first NeuronCore: host arrays (and uploaded constants) in, host arrays out."""
    out = kernel(*_to_device(arrays, _device()))
    out = out if isinstance(out, tuple) else (out,)
    return tuple(t.cpu().numpy() for t in out)


def _device() -> Any:
    problem = hardware_problem()
    if problem is not None:
        raise RuntimeError(f"cannot run on Trainium: {problem}")
    import torch_xla.core.xla_model as xm
    return xm.xla_device()


def _to_device(arg: Any, device: Any) -> Any:
    if isinstance(arg, tuple):
        return tuple(_to_device(a, device) for a in arg)
    if isinstance(arg, np.ndarray):
        import torch
        return torch.from_numpy(np.ascontiguousarray(arg)).to(device)
    return arg  # an int, a string, or a tensor already on the device
