"""The nki-simulator and nki-hardware backends.

Both run the same NKI kernels; they differ only in the executor. Every
single-precision problem runs in one kernel launch per call, any batch,
axes and norm, up to 2^20 points per axis: 1-D c2c by the kernel
``algorithms.py`` picks for the length, 2-D c2c with both sides <= 128 as
two matmul stages, r2c/c2r n <= 128 by the packed real DFT kernels, and
everything else (longer real transforms, other n-D) as a multi-step program
(``programs.py``, ``kernels/program.py``). Double precision is declined
with the reason; select ``"nki,fftw-reference"`` to run it on FFTW.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from trnfft.plugin import (Availability, BackendUnavailableError, Capabilities, Declined, EnvSwitch, FFTProblem,
                           hookimpl)

from .emulator import collect, costmodel, precision, target

# the engine is chosen as it imports (TRNFFT_NKI_ENGINE); on a bad setting the kernels are bound to the
# emulator, the backends report the setting and `trnfft cost` (emulator-only anyway) still runs
from . import algorithms, arguments, cost, emulated, engine, executors, marshal, programs
from .kernels.program import program_kernel, real_program_kernel

_problem = engine.problem()
ENGINE_PROBLEM: str | None = None if _problem is None else _problem.message
ENGINE_INVALID = _problem is not None and _problem.invalid


class FFTPlan:
    """A batch of transforms over one or more axes: one kernel launch per call.

    The layout (algorithm, factors, packing) or the multi-step program
    (``programs.py``) and its constants are chosen and built once here;
    ``execute`` only marshals: the axes are moved last, the batch flattened,
    and split re/im float32 arrays go in and come out."""

    def __init__(self, problem: FFTProblem, run: Callable[..., tuple[np.ndarray, ...]],
                 upload: Callable[[tuple], tuple] | None = None, chip: costmodel.Chip | None = None) -> None:
        self.problem = problem
        upload = upload or executors.keep_on_host
        self._run = run
        self.chip = chip or algorithms.target_chip()   # the cost-model figures the layout is chosen by
        n = problem.lengths[-1]
        images = max(problem.batch, 1)
        self.program: programs.Program | None = None
        if problem.kind == "c2c" and len(problem.axes) == 2 and max(problem.lengths) <= algorithms.MAX_SIDE_2D:
            n1, n2 = problem.lengths
            self.layout = algorithms.choose_2d(n1, n2, images, self.chip)
            self._kernel, self._host_constants = arguments.kernel_arguments(self.layout, problem.forward,
                                                                             problem.scale)
        elif len(problem.axes) == 1 and (problem.kind == "c2c" or n <= algorithms.PMAX):
            self.layout = algorithms.choose(n, images, kind=problem.kind, chip=self.chip)
            if problem.kind == "c2c":
                self._kernel, self._host_constants = arguments.kernel_arguments(self.layout, problem.forward,
                                                                                 problem.scale)
            else:
                self._kernel, self._host_constants = arguments.real_kernel_arguments(
                    problem.kind, self.layout, problem.forward, problem.scale)
        else:
            self.program = programs.build(problem.kind, problem.lengths, images, problem.forward, problem.scale,
                                          self.chip)
            self._kernel = program_kernel
            self._host_constants = arguments.packed((tuple(a for _, a in self.program.steps),
                                                     tuple(spec for spec, _ in self.program.steps)))
        self._constants = upload(self._host_constants)  # on hardware: once per plan and device, kept there
        self._out_parts = 1 if problem.kind == "c2r" else 2
        self._move = marshal.moved_axes(len(problem.shape), problem.axes)
        self._out_moved_shape = (marshal.moved_shape(problem.shape, problem.axes)[:-1]
                                 + (problem.output_shape[problem.axes[-1]],))

    def describe(self) -> str:
        if self.program is None:
            return self.layout.describe()
        return self.program.describe()

    def execute(self, x: np.ndarray) -> np.ndarray:
        """Host data in and out (the core has checked shape and dtype): its split parts, recombined."""
        if x.dtype == np.complex64 and self.program is None and self._kernel in arguments.INTERLEAVED_INPUT:
            parts: tuple = (x,)   # re and im interleaved, as they are: the kernel reads them with one DMA
        elif np.iscomplexobj(x):
            parts = (x.real.astype(np.float32, copy=False), x.imag.astype(np.float32, copy=False))
        else:
            parts = (x.astype(np.float32, copy=False),)
        yr, yi = self._execute_parts(parts)
        y = np.empty(yr.shape, self.problem.output_dtype)
        if yi is None:
            y[...] = yr
        else:
            y.real, y.imag = yr, yi
        return y

    def execute_split(self, xr: Any, xi: Any = None) -> tuple[Any, Any]:
        """Split float32 parts in, split parts out, in the same place: NumPy on the host, or torch
        tensors on a NeuronCore that stay there (nki-hardware). ``xi`` is None for r2c input; the
        returned imaginary part is None for c2r output. Same shape and axes as the plan's problem."""
        parts = tuple(p for p in (xr, xi) if p is not None)
        marshal.check_parts(parts, 1 if self.problem.kind == "r2c" else 2, self.problem.shape,
                            f"{self.problem.kind} plan")
        return self._execute_parts(parts)

    def _execute_parts(self, parts: tuple) -> tuple[Any, Any]:
        out_shape = self._out_moved_shape
        rows = math.prod(out_shape[:-1])
        if rows == 0:
            out = tuple(marshal.zeros_like_place(parts[0], (0, out_shape[-1])) for _ in range(self._out_parts))
        else:
            in_rows = tuple(marshal.to_rows(p, self._move) for p in parts)
            if self.program is None and len(in_rows) == 1 and self._kernel in arguments.INTERLEAVED_INPUT:
                # a complex part as float32 [rows, 2n] (a view, no copy), to the kernel's interleaved twin
                y2 = self._run(arguments.INTERLEAVED_INPUT[self._kernel], in_rows[0].view(np.float32),
                               *self._constants)[0]
                out = (y2[0], y2[1])   # views of the kernel's one output, not copies
            elif self.program is None and arguments.returns_stacked_planes(self._kernel):
                y2 = self._run(self._kernel, *in_rows, *self._constants)[0]
                out = (y2[0], y2[1])   # views of the kernel's one output, not copies
            elif self.program is None:
                out = self._run(self._kernel, *in_rows, *self._constants)
            else:  # a multi-step program: (re, im) or one real part, its constants packed in one table
                first = marshal.program_input(self.program.first_step, in_rows)
                kernel = self._kernel if len(first) == 2 else real_program_kernel
                out = marshal.program_output(self.program.last_step, self._run(kernel, *first, *self._constants),
                                             rows)
        ys = tuple(marshal.from_rows(o, out_shape, self._move) for o in out)
        return ys[0], (ys[1] if len(ys) == 2 else None)

    def constant_bytes(self) -> int:
        return arguments.constant_bytes(self._host_constants)

    def modelled_cost(self, plan_for: str | None = None) -> dict[str, Any]:
        """One call on the emulator: launches, HBM bytes against the minimum (input + output), and the
        modelled trn1/trn2 kernel time with its ratio to the roofline and, informational, to the roofline of
        the DFT MACs only (data-movement matmuls left out; see ``cost.fft_cost``). Of this plan, or of the
        plan made for the chip ``plan_for`` names (trn1, trn2); "planned_for" says which. Always
        the bundled emulator's run, also when the real nki executes the kernels (``emulated.py``)."""
        planned = self.chip if plan_for is None else costmodel.chip_named(plan_for)
        x = np.zeros(self.problem.shape, self.problem.input_dtype)
        with collect() as rec:
            y = FFTPlan(self.problem, emulated.simulate, chip=planned).execute(x)
        min_bytes = x.nbytes + y.nbytes  # input + output
        out: dict[str, Any] = {"launches": rec.launches, "label": costmodel.LABEL, "planned_for": planned.name,
                               **cost.traffic(rec, min_bytes)}
        for chip in costmodel.CHIPS:
            seconds = costmodel.model(rec, chip).overlapped_s
            out[f"{chip}_seconds"] = seconds
            out[f"{chip}_over_roofline"] = seconds / cost.roofline_seconds(rec.macs, min_bytes, chip)["roofline_s"]
            out[f"{chip}_over_dft_roofline"] = seconds / cost.dft_roofline_seconds(rec, min_bytes, chip)
        return out


MAX_TOTAL_POINTS = 1 << 26  # n-D: points per transform (device-memory scratch)

CAPABILITY_NOTES = ("single precision, one launch per call, any batch/axis/norm/rank, up to 2^20 points per axis: "
                    "1-D c2c by DFT matmul (n <= 128), four-step, radix-2/4 + four-step, six-step or Bluestein; "
                    "2-D c2c with sides <= 128 as two matmul stages, 2-D c2c/r2c/c2r with sides <= 256 the same way "
                    "in 128-row blocks (in SBUF); r2c/c2r n <= 128 by real DFT matmuls, n = n1*n2 (factors <= 128) "
                    "by a real four-step, longer through an n/2-point (even n) or row-pair (odd n) complex FFT and a "
                    "mirror pass; other n-D as one 1-D step per axis in place or with on-device rotations "
                    "(intermediates in device memory); "
                    "no double precision (the Tensor engine has no fp64)")


# What plans take as they are: complex NumPy arrays (execute), and split float32 pairs (execute_split):
# NumPy on the host, and on hardware also torch-xla tensors on a NeuronCore (not the native TorchNeuron
# device: ``device.NATIVE_UNSUPPORTED``).
ARRAY_KINDS = {
    "nki-simulator": frozenset({"numpy", "split:numpy"}),
    "nki-hardware": frozenset({"numpy", "split:numpy", "split:torch:xla"}),
}


class NKIBackend:
    """One executor of trnfft's NKI kernels."""

    def __init__(self, name: str, description: str, run: Callable[..., tuple[np.ndarray, ...]] | None,
                 upload: Callable[[tuple], tuple] | None) -> None:
        self.name, self.description, self._run, self._upload = name, description, run, upload
        self.version = engine.current().version if ENGINE_PROBLEM is None else "unknown"

    def availability(self) -> Availability:
        if ENGINE_PROBLEM is not None:
            if self.name == "nki-hardware" and not ENGINE_INVALID:  # "real", which hardware needs anyway: missing
                return Availability.no(ENGINE_PROBLEM, "install the Neuron SDK, or unset the variable")
            return Availability.misconfigured(ENGINE_PROBLEM, "correct the variable or unset it")
        if self.name == "nki-hardware":
            problem = executors.hardware_problem()
            if problem is not None:  # missing, whatever the settings say
                return Availability.no(problem, "run on a Trainium (trn2/trn3) instance with the Neuron "
                                       "SDK (nki, neuronx-cc, torch-neuronx with torch-xla), or set "
                                       "TRNFFT_USE_SIMULATOR=1 to run the NKI kernels on nki-simulator")
        try:  # the settings the kernels read: a bad value is an error here, before any kernel runs,
            target.target(), precision.mode()  # never a reason to pass the backend over for another
            executors.check_target()           # a user's NEURON_PLATFORM_TARGET_OVERRIDE naming another chip
        except BackendUnavailableError as exc:
            return Availability.misconfigured(str(exc), "correct the variable or unset it")
        return Availability.yes()

    def capabilities(self) -> Capabilities:
        return Capabilities(kinds=frozenset({"c2c", "r2c", "c2r"}), precisions=frozenset({"single"}),
                            notes=CAPABILITY_NOTES, arrays=ARRAY_KINDS[self.name],
                            precision_note="the Tensor engine has no fp64; select 'nki,fftw-reference' to "
                                           "run double precision on FFTW")

    def details(self) -> dict[str, Any]:
        if ENGINE_PROBLEM is not None:
            return {"engine": f"none ({ENGINE_PROBLEM})"}
        e = engine.current()
        try:
            plans_for = algorithms.planning_note()
        except BackendUnavailableError as exc:  # a bad TRNFFT_NKI_TARGET: say so, keep the other details
            plans_for = f"invalid: {exc}"
        out = {"engine": f"{e.name} {e.version} ({e.reason})", "plans for": plans_for}
        caveat = executors.hardware_caveat() if self.name == "nki-hardware" else None
        if caveat is not None:
            out["chip"] = caveat
        return out

    def plan(self, problem: FFTProblem) -> FFTPlan:
        if max(problem.lengths) > algorithms.MAX_POINTS:
            raise Declined(f"n={max(problem.lengths)} > {algorithms.MAX_POINTS}: the NKI kernels take up to "
                           f"2^20 points per axis")
        if problem.size > MAX_TOTAL_POINTS:
            raise Declined(f"{problem.size} points per transform > {MAX_TOTAL_POINTS}: an n-D launch keeps its "
                           f"intermediates in device memory, sized for up to 2^26 points")
        assert self._run is not None and self._upload is not None, "planned while unavailable"
        try:
            return FFTPlan(problem, self._run, self._upload)
        except ValueError as exc:  # no layout: say why, and the core tries the next backend
            raise Declined(str(exc)) from None


# "nki" means the NKI kernels: on the CPU simulator while TRNFFT_USE_SIMULATOR is
# true (which also puts the simulator first in "auto"), else on a NeuronCore.
SIMULATOR = EnvSwitch("TRNFFT_USE_SIMULATOR")
AUTO_FIRST = 300  # above fftw-reference (200) and numpy-reference (100)
# what a plan depends on from the environment: the chip it is made for (``algorithms.target_chip``); the
# core re-plans when it changes. TRNFFT_NKI_MATMUL is read as kernels run, but is listed too so that a
# value set mid-process is checked (``availability``) at the next call. (TRNFFT_NKI_ENGINE is read at import.)
PLAN_SETTINGS = (target.TARGET_ENV, precision.MATMUL_ENV)


@hookimpl
def trnfft_register_backends(register: Callable) -> None:
    ok = ENGINE_PROBLEM is None  # else both are registered, to report the setting (``availability``)
    register(NKIBackend("nki-simulator", "NKI kernels on the CPU (real nki.simulate or the bundled emulator)",
                        executors.simulate if ok else None, executors.keep_on_host if ok else None),
             aliases=("nki",), auto_priority=AUTO_FIRST, when=SIMULATOR, plan_settings=PLAN_SETTINGS)
    register(NKIBackend("nki-hardware", "NKI kernels on a Trainium NeuronCore", executors.on_device if ok else None,
                        executors.upload if ok else None),
             aliases=("nki",), auto_priority=AUTO_FIRST, when=EnvSwitch(SIMULATOR.variable, on=False),
             plan_settings=PLAN_SETTINGS)


@hookimpl
def trnfft_register_commands(subparsers: Any) -> None:
    cost.add_commands(subparsers)
