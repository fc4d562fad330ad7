"""The nki-simulator and nki-hardware backends.

Both run the same NKI kernels; they differ only in the executor. The kernels
(``kernels/``, chosen per length by ``algorithms.py``) compute 1-D complex64
c2c transforms of every length 1 <= n <= 2^20, forward and inverse, any
norm, any batch and axis, in one kernel launch per call; 2-D c2c with both
sides <= 128 in one launch; r2c/c2r (float32 / complex64 onesided) for
n <= 128 so far. Longer real and double-precision transforms are declined
with the reason; the core runs other n-D problems as 1-D passes. Select
``"nki,fftw-reference"`` to fall back for the rest.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from trnfft.plugin import Availability, Capabilities, Declined, FFTProblem, hookimpl

from . import algorithms, arguments, cost, emulated, engine, executors
from .emulator import collect, costmodel


class FFTPlan:
    """A batch of transforms along one axis (or two, both <= 128): one kernel launch per call.

    The layout (algorithm, factors, packing) and its constants are chosen and
    built once here; ``execute`` only marshals: the axes are moved last, the
    batch flattened, and split re/im float32 arrays go in and come out."""

    def __init__(self, problem: FFTProblem, run: Callable[..., tuple[np.ndarray, ...]],
                 upload: Callable[[tuple], tuple] = executors.keep_on_host) -> None:
        self.problem = problem
        self._run = run
        self._axes = problem.axes
        n = problem.lengths[-1]
        if len(problem.axes) == 2:
            if problem.kind != "c2c":
                raise Declined(f"{problem.kind} 2-D runs as 1-D passes on NKI")
            self.layout = algorithms.choose_2d(*problem.lengths, max(problem.batch, 1))
        else:
            if problem.kind != "c2c" and n > algorithms.REAL_MAX_POINTS:
                raise Declined(f"{problem.kind} n={n}: the NKI real-data kernel takes n <= "
                               f"{algorithms.REAL_MAX_POINTS} so far (longer r2c/c2r: planned)")
            self.layout = algorithms.choose(n, max(problem.batch, 1))
        if problem.kind == "c2c":
            self._kernel, self._host_constants = arguments.kernel_arguments(self.layout, problem.forward,
                                                                             problem.scale)
        else:
            self._kernel, self._host_constants = arguments.real_kernel_arguments(
                problem.kind, self.layout, problem.forward, problem.scale)
        self._constants = upload(self._host_constants)  # on hardware: once per plan, kept on the device

    def execute(self, x: np.ndarray) -> np.ndarray:
        last = tuple(range(-len(self._axes), 0))
        moved = np.moveaxis(x, self._axes, last)
        rows = moved.reshape(-1, moved.shape[-1])      # 2-D: the rows of every image, stacked
        out_len = self.problem.output_shape[self._axes[-1]]
        out_shape = moved.shape[:-1] + (out_len,)
        dtype = self.problem.output_dtype
        if rows.shape[0] == 0:
            return np.moveaxis(np.zeros(out_shape, dtype), last, self._axes)
        if np.iscomplexobj(rows):
            parts = (np.ascontiguousarray(rows.real, dtype=np.float32),
                     np.ascontiguousarray(rows.imag, dtype=np.float32))
        else:
            parts = (np.ascontiguousarray(rows, dtype=np.float32),)
        out = self._run(self._kernel, *parts, *self._constants)
        y = np.empty((rows.shape[0], out_len), dtype)
        if len(out) == 2:
            y.real, y.imag = out
        else:
            y[...] = out[0]
        return np.moveaxis(y.reshape(out_shape), last, self._axes)

    def constant_bytes(self) -> int:
        return arguments.constant_bytes(self._host_constants)

    def modelled_cost(self) -> dict[str, Any]:
        """One call on the emulator: launches, HBM bytes against the minimum (input + output), and the
        modelled trn1/trn2 kernel time with its ratio to the roofline (see ``cost.fft_cost``). Always
        the bundled emulator's run, also when the real nki executes the kernels (``emulated.py``)."""
        x = np.zeros(self.problem.shape, self.problem.input_dtype)
        with collect() as rec:
            FFTPlan(self.problem, emulated.simulate).execute(x)
        out_size = int(np.prod(self.problem.output_shape))
        min_bytes = x.nbytes + out_size * self.problem.output_dtype.itemsize  # input + output
        moved = rec.hbm_to_sbuf_bytes + rec.sbuf_to_hbm_bytes
        out: dict[str, Any] = {"launches": rec.launches, "label": costmodel.LABEL, "hbm_bytes": moved,
                               "minimum_bytes": min_bytes, "hbm_over_minimum": moved / min_bytes}
        for chip in costmodel.CHIPS:
            seconds = costmodel.model(rec, chip).overlapped_s
            out[f"{chip}_seconds"] = seconds
            out[f"{chip}_over_roofline"] = seconds / cost.roofline_seconds(rec.macs, min_bytes, chip)["roofline_s"]
        return out


CAPABILITY_NOTES = ("single precision, one launch per call, any batch/axis/norm: 1-D c2c for 1 <= n <= 2^20 "
                    "(DFT matmul n <= 128, four-step n = n1*n2, radix-2/4 + four-step, six-step n = n1*n2*n3 "
                    "with factors <= 128, Bluestein otherwise); 2-D c2c with sides <= 128 in one launch; r2c/c2r for "
                    "n <= 128 only; other n-D as 1-D passes; "
                    "no double precision (the Tensor engine has no fp64)")


class NKIBackend:
    """One executor of trnfft's NKI kernels."""

    def __init__(self, name: str, description: str, run: Callable[..., tuple[np.ndarray, ...]],
                 upload: Callable[[tuple], tuple]) -> None:
        self.name, self.description, self._run, self._upload = name, description, run, upload
        self.version = engine.current().version

    def availability(self) -> Availability:
        if self.name == "nki-hardware":
            problem = executors.hardware_problem()
            if problem is not None:
                return Availability.no(problem, "run on a trn1/trn2 instance with the Neuron SDK "
                                       "(nki, neuronx-cc, torch-neuronx), or use nki-simulator")
        return Availability.yes()

    def capabilities(self) -> Capabilities:
        return Capabilities(kinds=frozenset({"c2c", "r2c", "c2r"}), precisions=frozenset({"single"}), max_rank=2,
                            max_size=algorithms.MAX_POINTS, notes=CAPABILITY_NOTES,
                            max_size_by_kind={"r2c": algorithms.REAL_MAX_POINTS, "c2r": algorithms.REAL_MAX_POINTS},
                            precision_note="the Tensor engine has no fp64; select 'nki,fftw-reference' to "
                                           "run double precision on FFTW")

    def details(self) -> dict[str, Any]:
        e = engine.current()
        return {"engine": f"{e.name} {e.version} ({e.reason})"}

    def plan(self, problem: FFTProblem) -> FFTPlan:
        if max(problem.lengths) > algorithms.MAX_POINTS:
            raise Declined(f"n={max(problem.lengths)} > {algorithms.MAX_POINTS}: the NKI kernels take up to "
                           f"2^20 points per axis")
        try:
            return FFTPlan(problem, self._run, self._upload)
        except ValueError as exc:  # no layout: say why, and the core tries the next backend
            raise Declined(str(exc)) from None


@hookimpl
def trnfft_register_backends(register: Callable) -> None:
    register(NKIBackend("nki-simulator", "NKI kernels on the CPU (real nki.simulate or the bundled emulator)",
                        executors.simulate, executors.keep_on_host))
    register(NKIBackend("nki-hardware", "NKI kernels on a Trainium NeuronCore", executors.on_device,
                        executors.upload))


@hookimpl
def trnfft_register_commands(subparsers: Any) -> None:
    cost.add_commands(subparsers)
