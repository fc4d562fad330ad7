"""The torch-native backend: torch.fft on the device the tensor lives on.

Its plans take torch tensors as they are (CPU, CUDA through cuFFT, and
``meta`` tensors, for which torch.fft only works out shapes and dtypes) and
return tensors on the same device: no host copy, no conversion. NumPy arrays
are taken too, seen as CPU tensors without a copy, and answered as NumPy
arrays. torch has no long double, so "long" precision is declined; torch.fft
spreads its work over torch's own intra-op threads, not ``workers``.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from typing import Any, Callable

import numpy as np

from trnfft.plugin import Availability, Capabilities, CostRule, FFTProblem, hookimpl

# torch.fft runs on these device types (cuFFT on CUDA); other devices (XLA, Neuron)
# are not claimed: whether their torch build lowers torch.fft is not known here.
ARRAY_KINDS = frozenset({"numpy", "torch:cpu", "torch:cuda", "torch:meta"})


def _torch() -> Any:
    import torch  # optional dependency: imported when the first plan is built
    return torch


# the planner's estimate rule (2-core dev VM, torch 2.13 CPU: torch.fft.fft of 1024 complex64
# points 5.6 us against 1.9 us for FFTW's plan alone); NumPy callers pay from_numpy and .numpy()
SPEED = CostRule(overhead=3.5e-6, in_cache=1.7e-10, out_of_cache=4e-10, array_overhead=1.3e-6)
# what the first plan costs a process that has not imported torch (0.9-1.0 s here): counted in
# the estimate, so auto's planner does not import torch just to try it for NumPy callers
IMPORT_SECONDS = 1.0


class TorchPlan:
    """One torch.fft call with its arguments fixed; thread-safe (no state is written)."""

    def __init__(self, problem: FFTProblem) -> None:
        torch = _torch()
        self.problem = problem
        self._torch = torch
        self._args = {"s": list(problem.lengths), "dim": list(problem.axes), "norm": problem.norm}
        if problem.kind == "r2c":
            self._fn: Callable[..., Any] = torch.fft.rfftn
        elif problem.kind == "c2r":
            self._fn = torch.fft.irfftn
        else:
            self._fn = torch.fft.fftn if problem.forward else torch.fft.ifftn

    def execute(self, x: Any) -> Any:
        """A tensor in, a new tensor on its device out; a NumPy array in, a NumPy array out."""
        if type(x) is not np.ndarray:
            return self._fn(x, **self._args)
        if not x.flags.writeable or any(s < 0 for s in x.strides):  # torch.from_numpy cannot view these
            x = np.array(x)
        return self._fn(self._torch.from_numpy(x), **self._args).numpy()


class TorchBackend:
    name = "torch-native"
    description = "torch.fft on the tensor's own device (CPU, CUDA, meta): tensors stay where they live"

    @property
    def version(self) -> str:
        try:
            return f"torch {importlib.metadata.version('torch')}"
        except importlib.metadata.PackageNotFoundError:
            return ""

    def availability(self) -> Availability:
        if importlib.util.find_spec("torch") is None:  # found without importing it
            return Availability.no("torch is not installed", "pip install torch (or trnfft[torch])")
        return Availability.yes()

    def capabilities(self) -> Capabilities:
        return Capabilities(
            precisions=frozenset({"single", "double"}), arrays=ARRAY_KINDS,
            precision_note="torch has no long double; select fftw-reference or numpy-reference for it",
            notes="torch.fft on the input's device; tensors on cpu, cuda and meta are taken and returned "
                  "as they are, NumPy arrays through a zero-copy CPU tensor; threads are torch's own")

    def plan(self, problem: FFTProblem) -> TorchPlan:
        return TorchPlan(problem)

    def estimate_seconds(self, problem: FFTProblem, source: str) -> float:
        """Seconds per call by the rule above (auto's planner)."""
        return SPEED.seconds(problem, source)

    def pending_setup(self) -> tuple[float, str] | None:
        """torch's import, if it is still to come (a tensor caller has imported it; a NumPy
        caller may never need it): the planner counts it once, and forgets a choice it made
        because of it once torch is imported."""
        return None if "torch" in sys.modules else (IMPORT_SECONDS, "import torch")


@hookimpl
def trnfft_register_backends(register: Callable) -> None:
    # below numpy-reference (100) in priority; as a candidate, auto's planner times it against
    # the other CPU candidates per problem and input kind (NumPy array or CPU tensor)
    register(TorchBackend(), auto_priority=50, candidate=True)
