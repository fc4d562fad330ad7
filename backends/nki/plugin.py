"""The nki-simulator and nki-hardware backends.

Both run the same NKI kernels; they differ only in the executor. Today's
kernel is the batched DFT-as-matmul (``kernels/dft.py``): 1-D complex64
transforms of up to 128 points, any batch. Longer and multi-axis transforms
are declined (the core splits n-D problems into 1-D passes), so select
``"nki,fftw-reference"`` to fall back for the rest.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from trnfft.plugin import Availability, Capabilities, Declined, FFTProblem, hookimpl

from . import cost, engine, executors
from .constants import dft_matrix
from .emulator import collect, costmodel
from .kernels.dft import dft_kernel

MAX_POINTS = 128


class DFTPlan:
    """A batch of length-n DFTs along one axis, with the DFT matrices built once."""

    def __init__(self, problem: FFTProblem, run: Callable[..., tuple[np.ndarray, ...]]) -> None:
        self.problem = problem
        self._run = run
        self._axis = problem.axes[0]
        self._f = dft_matrix(problem.lengths[0], problem.forward, problem.scale)

    def execute(self, x: np.ndarray) -> np.ndarray:
        n = self.problem.lengths[0]
        moved = np.moveaxis(x, self._axis, -1)
        rows = moved.reshape(-1, n)
        xr_t = np.ascontiguousarray(rows.real.T, dtype=np.float32)
        xi_t = np.ascontiguousarray(rows.imag.T, dtype=np.float32)
        yr, yi = self._run(dft_kernel, xr_t, xi_t, *self._f)
        y = np.empty(rows.shape, np.complex64)
        y.real, y.imag = yr, yi
        return np.moveaxis(y.reshape(moved.shape), -1, self._axis)

    def modelled_cost(self) -> dict[str, Any]:
        """Launches and modelled trn1/trn2 kernel time for one call (emulator counters)."""
        x = np.zeros(self.problem.shape, self.problem.input_dtype)
        with collect() as rec:
            DFTPlan(self.problem, executors.simulate).execute(x)
        out: dict[str, Any] = {"launches": rec.launches, "label": costmodel.LABEL}
        for chip in costmodel.CHIPS:
            out[f"{chip}_seconds"] = costmodel.model(rec, chip).overlapped_s
        return out


class NKIBackend:
    """One executor of trnfft's NKI kernels."""

    def __init__(self, name: str, description: str, run: Callable[..., tuple[np.ndarray, ...]]) -> None:
        self.name, self.description, self._run = name, description, run
        self.version = engine.current().version

    def availability(self) -> Availability:
        if self.name == "nki-hardware":
            problem = executors.hardware_problem()
            if problem is not None:
                return Availability.no(problem, "run on a trn1/trn2 instance with the Neuron SDK "
                                       "(nki, neuronx-cc, torch-neuronx), or use nki-simulator")
        return Availability.yes()

    def capabilities(self) -> Capabilities:
        return Capabilities(kinds=frozenset({"c2c"}), precisions=frozenset({"single"}), max_rank=1,
                            max_size=MAX_POINTS,
                            notes="batched DFT-as-matmul kernel, n <= 128 (four-step for larger n: planned)")

    def details(self) -> dict[str, Any]:
        e = engine.current()
        return {"engine": f"{e.name} {e.version} ({e.reason})"}

    def plan(self, problem: FFTProblem) -> DFTPlan:
        if problem.lengths[0] > MAX_POINTS:
            raise Declined(f"n={problem.lengths[0]} > {MAX_POINTS}: only the single-tile DFT kernel exists")
        return DFTPlan(problem, self._run)


@hookimpl
def trnfft_register_backends(register: Callable) -> None:
    register(NKIBackend("nki-simulator", "NKI kernels on the CPU (real nki.simulate or the bundled emulator)",
                        executors.simulate))
    register(NKIBackend("nki-hardware", "NKI kernels on a Trainium NeuronCore", executors.on_device))


@hookimpl
def trnfft_register_commands(subparsers: Any) -> None:
    cost.add_commands(subparsers)
