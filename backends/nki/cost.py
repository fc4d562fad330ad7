"""Counters and modelled trn1/trn2 cost of NKI kernels, from Python and as ``trnfft cost``.

``trnfft cost fft --n N | --shape AxB[xC] [--kind c2c|r2c|c2r] [--batch B] [--inverse]``
(:func:`fft_cost`) runs one FFT call on the emulator and reports what the kernel did (launches,
instructions per engine, matmul shapes and MACs, HBM bytes against the
minimum, SBUF/PSUM peaks) and the MODELLED trn1/trn2 kernel time next to a
roofline: max(the kernel's MACs at the documented fp32 Tensor-engine peak,
the minimum bytes (input + output) at DMA bandwidth). Of the MACs it also reports
those of matmuls that only move data (transposes, exchanges, selections: an
operand is a 0/1 matrix with at most one 1 per column) and, for information, the
kernel time over a roofline of the remaining (DFT) MACs, which such matmuls cannot
flatter, and how many fp32 matmuls carried a 0/1-operand hint (``is_stationary_onezero`` /
``is_moving_onezero``, modelled at half the fp32 cycles: ``emulator/costmodel.py``), and how many matmuls ran
row-tiled (``tile_position``/``tile_size``) with the Tensor time with and without the MODELLED credit for tiles
running side by side (``costmodel.TensorSchedule``). ``trnfft cost gemm``
does the same for the reference GEMM.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Literal, cast

import numpy as np

from trnfft.plugin import BackendUnavailableError, FFTProblem, InvalidArgumentError, positive_int

from . import emulated, emulator, engine
from .emulator.costmodel import CHIPS, ModelledCost, chip_named, model
from .emulator.record import KernelRecord
from .emulator.target import target

COMPLEX64_BYTES = 8


def positive_size(name: str, value: Any, limit: int | None = None) -> int:
    """``value`` as a positive int, or a clear InvalidArgumentError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidArgumentError(f"{name} must be a positive integer, got {value!r}")
    if limit is not None and value > limit:
        raise InvalidArgumentError(f"{name}={value} is above the largest supported, {limit}")
    return int(value)


def roofline_seconds(macs: int, min_bytes: int, chip: str) -> dict[str, float]:
    """The MODELLED floor for a kernel: its MACs at the fp32 Tensor peak, or its minimum bytes by DMA."""
    c = CHIPS[chip]
    tensor = macs / (c.peak_fp32_flops / 2)
    dma = min_bytes / min(c.dma_bytes_per_s, c.hbm_bytes_per_s)
    return {"tensor_s": tensor, "dma_s": dma, "roofline_s": max(tensor, dma)}


def dft_roofline_seconds(rec: KernelRecord, min_bytes: int, chip: str) -> float:
    """The informational MODELLED floor of the DFT MACs only: ``roofline_seconds`` without the MACs of matmuls
    that only move data (``KernelRecord.movement_macs``)."""
    return roofline_seconds(rec.macs - rec.movement_macs, min_bytes, chip)["roofline_s"]


KINDS = ("c2c", "r2c", "c2r")


def _problem(kind: str, lengths: tuple[int, ...], batch: int, inverse: bool, norm: str) -> FFTProblem:
    if kind not in KINDS:
        raise InvalidArgumentError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if inverse and kind != "c2c":
        raise InvalidArgumentError(f"--inverse is for c2c; {kind} has one direction (c2r is the inverse of r2c)")
    d = len(lengths)
    shape = (batch, *lengths[:-1], lengths[-1] // 2 + 1 if kind == "c2r" else lengths[-1])
    forward = kind == "r2c" or (kind == "c2c" and not inverse)
    return FFTProblem(kind, shape, tuple(range(1, d + 1)), lengths, forward, norm, "single")


def _input_and_reference(problem: FFTProblem, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random input of the problem's shape and its float64 NumPy result."""
    rng = np.random.default_rng(seed)
    axes, lengths = problem.axes, problem.lengths
    norm = cast(Literal["backward", "ortho", "forward"], problem.norm)  # a str among NORMS
    if problem.kind == "c2r":  # a Hermitian half spectrum: the r2c of real data
        half = np.fft.rfftn(rng.uniform(-1, 1, (problem.shape[0], *lengths)), axes=axes)
        return half.astype(np.complex64), np.fft.irfftn(half.astype(np.complex64).astype(np.complex128),
                                                        s=lengths, axes=axes, norm=norm)
    if problem.kind == "r2c":
        x = rng.uniform(-1, 1, problem.shape).astype(np.float32)
        return x, np.fft.rfftn(x.astype(np.float64), axes=axes, norm=norm)
    x = (rng.uniform(-1, 1, problem.shape) + 1j * rng.uniform(-1, 1, problem.shape)).astype(np.complex64)
    ref = (np.fft.fftn if problem.forward else np.fft.ifftn)(x.astype(np.complex128), axes=axes, norm=norm)
    return x, ref


def traffic(rec: Any, min_bytes: int) -> dict[str, Any]:
    """HBM bytes a kernel run moved (both directions) against the minimum, its input plus output."""
    moved = rec.hbm_to_sbuf_bytes + rec.sbuf_to_hbm_bytes
    return {"hbm_bytes": moved, "minimum_bytes": min_bytes, "hbm_over_minimum": moved / min_bytes}


def fft_cost(n: int | tuple[int, ...], batch: int = 1, inverse: bool = False, norm: str = "backward",
             seed: int = 0, kind: str = "c2c", plan_for: str | None = None) -> dict[str, Any]:
    """One single-precision FFT call of ``batch`` transforms of shape ``n`` (an int or a tuple of lengths)
    on the emulator, counted and modelled; ``kind`` is c2c, r2c or c2r; ``plan_for``: the chip whose
    figures choose the layout (trn1, trn2; by default the target's). The modelled time is reported for
    every chip of the cost model, for this one plan."""
    from .algorithms import MAX_POINTS, planning_note
    from .emulated import simulate  # the emulator's run even when the real nki is the engine
    from .plugin import FFTPlan
    lengths = tuple(n) if isinstance(n, (tuple, list)) else (n,)
    if not lengths:
        raise InvalidArgumentError("the shape needs at least one length")
    lengths = tuple(positive_size("n", m, MAX_POINTS) for m in lengths)
    batch = positive_size("batch", batch)
    planned = None if plan_for is None else chip_named(plan_for)
    problem = _problem(kind, lengths, batch, inverse, norm)
    plan = FFTPlan(problem, simulate, chip=planned)
    x, ref = _input_and_reference(problem, seed)
    start = time.perf_counter()
    with emulator.collect() as rec:
        y = plan.execute(x)
    wall = time.perf_counter() - start
    costs = {chip: model(rec, chip) for chip in CHIPS}
    data = report(rec, costs)
    min_bytes = x.nbytes + y.nbytes    # input + output
    data["fft"] = {"kind": kind, "n": lengths[0] if len(lengths) == 1 else list(lengths), "batch": batch,
                   "direction": "forward" if problem.forward else "inverse", "norm": norm,
                   "layout": plan.describe(), "planned_for": plan.chip.name, "planning": planning_note(plan.chip),
                   "plan_constant_bytes": plan.constant_bytes(),
                   **traffic(rec, min_bytes),
                   "relative_error_vs_float64": float(np.linalg.norm(y - ref) / np.linalg.norm(ref)),
                   "emulator_wall_seconds": wall}
    for chip, cost in costs.items():
        roof = roofline_seconds(rec.macs, min_bytes, chip)
        data["modelled"][chip].update({f"roofline_{k}": v for k, v in roof.items()})
        data["modelled"][chip]["over_roofline"] = cost.overlapped_s / roof["roofline_s"]
        dft_roof = dft_roofline_seconds(rec, min_bytes, chip)
        data["modelled"][chip]["dft_roofline_s"] = dft_roof
        data["modelled"][chip]["over_dft_roofline"] = cost.overlapped_s / dft_roof
    return data


def shape_argument(text: str) -> tuple[int, ...]:
    """``--shape 1024x1024`` (or 64,64,64): positive lengths, else a usage error."""
    try:
        lengths = tuple(int(part) for part in text.replace(",", "x").split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a shape is lengths joined by 'x', e.g. 1024x1024; got {text!r}") from None
    if not lengths or min(lengths) < 1:
        raise argparse.ArgumentTypeError(f"every length must be a positive integer, got {text!r}")
    return lengths


def gemm_cost(m: int = 1024, k: int = 1024, n: int = 1024, dtype: str = "float32",
              seed: int = 0) -> tuple[KernelRecord, dict[str, ModelledCost], float]:
    """Run the reference GEMM on the emulator: (record, modelled cost per chip, relative error)."""
    from .kernels.gemm import gemm_kernel
    m, k, n = positive_size("m", m), positive_size("k", k), positive_size("n", n)
    dt = emulator.language.bfloat16 if dtype in ("bf16", "bfloat16") else np.dtype(dtype)
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, (m, k)).astype(dt)
    b = rng.uniform(-1, 1, (k, n)).astype(dt)
    with emulator.collect() as rec:
        c, = emulated.simulate(gemm_kernel, np.ascontiguousarray(a.T), b)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    err = float(np.linalg.norm(c.astype(np.float64) - ref) / np.linalg.norm(ref))
    return rec, {chip: model(rec, chip) for chip in CHIPS}, err


def report(rec: KernelRecord, costs: dict[str, ModelledCost], flops: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"record": rec.as_dict(), "modelled": {c: m.as_dict() for c, m in costs.items()},
           "note": "every time here is MODELLED from documented engine figures, not measured"}
    t = target()
    out["target"] = {"requested": t.requested, "rules": t.name, "why": t.why,
                     "note": t.note or f"the emulator checks {t.name}'s rules"}
    if flops:
        for chip, cost in costs.items():
            out["modelled"][chip]["tensor_tflops"] = flops / cost.engines["tensor"] / 1e12 if cost.engines["tensor"] else None
            out["modelled"][chip]["kernel_tflops_overlapped"] = flops / cost.overlapped_s / 1e12
            out["modelled"][chip]["documented_peak_tflops"] = {
                "bf16": CHIPS[chip].peak_bf16_flops / 1e12, "fp32": CHIPS[chip].peak_fp32_flops / 1e12}
    return out


def print_report(data: dict[str, Any], title: str) -> None:
    from rich.table import Table

    from trnfft.plugin import make_console
    con = make_console()
    rec = data["record"]
    t = Table(title=f"{title}: emulator counters", title_justify="left")
    t.add_column("counter")
    t.add_column("value", justify="right")
    t.add_row("kernel launches", str(rec["launches"]))
    for unit, count in rec["instructions"].items():
        t.add_row(f"{unit} instructions", f"{count:,}")
    for mm in rec["matmuls"]:
        hint = f", {mm['onezero']:,} with a 0/1 hint" if mm["onezero"] else ""
        t.add_row(f"matmul K={mm['K']} M={mm['M']} N={mm['N']} {mm['dtype']}", f"x{mm['count']:,}{hint}")
    t.add_row("fp32 matmuls with a 0/1-operand hint (half the fp32 cycles, modelled)",
              f"{rec['onezero_matmuls']:,}")
    t.add_row("row-tiled matmuls with both operands on the tile's rows (may overlap: MODELLED credit)",
              f"{rec['row_tiled_matmuls']:,}")
    t.add_row("row-tiled matmuls with an operand off the tile's rows (no credit)",
              f"{rec['row_tiled_uncredited_matmuls']:,}")
    t.add_row("MACs", f"{rec['macs']:,}")
    t.add_row("  of which data movement (transposes/exchanges/selections)", f"{rec['data_movement_macs']:,}")
    t.add_row("HBM -> SBUF bytes", f"{rec['hbm_to_sbuf_bytes']:,}")
    t.add_row("SBUF -> HBM bytes", f"{rec['sbuf_to_hbm_bytes']:,}")
    t.add_row("SBUF -> SBUF bytes (DMA, no HBM traffic)", f"{rec['sbuf_to_sbuf_bytes']:,}")
    t.add_row("DMA transfers", f"{rec['dma_transfers']:,}")
    t.add_row("peak SBUF bytes per partition", f"{rec['peak_sbuf_partition_bytes']:,} of 196,608")
    t.add_row("peak PSUM banks", f"{rec['peak_psum_banks']} of 8")
    con.print(t)
    m = Table(title=f"{title}: MODELLED time (an estimate from documented figures, not a measurement)",
              title_justify="left")
    chips = list(data["modelled"])
    m.add_column("modelled")
    for chip in chips:
        m.add_column(chip, justify="right")
    engines = data["modelled"][chips[0]]["engine_seconds"]
    for unit in engines:
        m.add_row(f"{unit} busy (modelled)",
                  *(f"{data['modelled'][c]['engine_seconds'][unit] * 1e6:,.2f} us" for c in chips))
    m.add_row("tensor busy without the row-tiling credit (modelled)",
              *(f"{data['modelled'][c]['tensor_seconds_without_row_tiling'] * 1e6:,.2f} us" for c in chips))
    ports = {p for c in chips for p in data["modelled"][c].get("shared_port_seconds", {})}
    for port in sorted(ports):
        m.add_row(f"{port} port, shared on NC-v2 (modelled)",
                  *(f"{data['modelled'][c]['shared_port_seconds'][port] * 1e6:,.2f} us"
                    if port in data["modelled"][c]["shared_port_seconds"] else "-" for c in chips))
    m.add_row("kernel, engines overlapped (modelled)",
              *(f"{data['modelled'][c]['kernel_seconds_overlapped'] * 1e6:,.2f} us" for c in chips))
    m.add_row("kernel, nothing overlapped (modelled)",
              *(f"{data['modelled'][c]['kernel_seconds_serial'] * 1e6:,.2f} us" for c in chips))
    if "tensor_tflops" in data["modelled"][chips[0]]:
        m.add_row("Tensor engine TFLOP/s (modelled)",
                  *(f"{data['modelled'][c]['tensor_tflops']:.1f}" for c in chips))
        m.add_row("documented peak TFLOP/s bf16 / fp32",
                  *(f"{data['modelled'][c]['documented_peak_tflops']['bf16']:.0f} / "
                    f"{data['modelled'][c]['documented_peak_tflops']['fp32']:.0f}" for c in chips))
    con.print(m)
    con.print(f"Target {data['target']['requested']} ({data['target']['why']}): {data['target']['note']}; "
              f"the columns are the cost "
              f"model's chips (it has no trn3 figures).")
    con.print("Launch overhead is not modelled (no documented figure; ~0.85 ms per launch was "
              "measured through torch-xla on trn1 by trnsci/trnfft).")


def print_fft_summary(data: dict[str, Any]) -> None:
    f = data["fft"]
    print(f"layout: {f['layout']}; plan constants {f['plan_constant_bytes']:,} bytes")
    print(f"planned for {f['planning']}: the layout chosen by that chip's MODELLED figures; the times below are "
          f"this plan's on each chip")
    print(f"HBM bytes {f['hbm_bytes']:,} = {f['hbm_over_minimum']:.2f} x the minimum {f['minimum_bytes']:,} "
          f"(input + output)")
    for chip, m in data["modelled"].items():
        print(f"{chip}: MODELLED kernel {m['kernel_seconds_overlapped'] * 1e6:,.2f} us, MODELLED roofline "
              f"{m['roofline_roofline_s'] * 1e6:,.2f} us (Tensor {m['roofline_tensor_s'] * 1e6:,.2f} us at the fp32 "
              f"peak, DMA {m['roofline_dma_s'] * 1e6:,.2f} us), ratio {m['over_roofline']:.2f}")
        print(f"{chip}: informational, MODELLED roofline of the DFT MACs only (data-movement MACs left out) "
              f"{m['dft_roofline_s'] * 1e6:,.2f} us, ratio {m['over_dft_roofline']:.2f}")
    print(f"norm-wise error against float64: {f['relative_error_vs_float64']:.2e}; emulator wall time "
          f"{f['emulator_wall_seconds']:.3f} s (measured here, not a device time)")


# the options each kernel takes, and their defaults: given for the other kernel, or --n with --shape, an
# option would be ignored, so it is refused instead (the user would read a figure for another problem)
OPTION_DEFAULTS: dict[str, dict[str, Any]] = {
    "fft": {"n": 1024, "shape": None, "kind": "c2c", "batch": 1, "inverse": False, "norm": "backward",
            "plan_for": None},
    "gemm": {"n": 1024, "m": 1024, "k": 1024, "dtype": "float32", "matmul": "fp32"},
}


def _checked_options(args: argparse.Namespace) -> argparse.Namespace:
    """``args`` with the kernel's defaults filled in; InvalidArgumentError names an option that does not apply."""
    takes = OPTION_DEFAULTS[args.kernel]
    other = "gemm" if args.kernel == "fft" else "fft"
    given = [name for name in OPTION_DEFAULTS[other] if name not in takes and getattr(args, name) is not None]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise InvalidArgumentError(f"trnfft cost {args.kernel}: {flags} {'applies' if len(given) == 1 else 'apply'} "
                                   f"to `trnfft cost {other}` only; {args.kernel} takes "
                                   f"{', '.join('--' + n.replace('_', '-') for n in takes)}")
    if args.kernel == "fft" and args.n is not None and args.shape is not None:
        raise InvalidArgumentError("trnfft cost fft: give --n (one axis) or --shape (any axes), not both")
    for name, default in takes.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    return args


def _check_engine_setting() -> None:
    """The cost tools run on the emulator whatever TRNFFT_NKI_ENGINE says, but the setting is the user's:
    an invalid value is an error (as an invalid TRNFFT_NKI_TARGET is), ``real`` without the real nki a note."""
    problem = engine.problem()
    if problem is None:
        return
    if problem.invalid:
        raise BackendUnavailableError(problem.message)
    print(f"note: {problem.message.split(';')[0]}; the cost figures come from the bundled emulator either way",
          file=sys.stderr)


def cmd_cost(args: argparse.Namespace) -> int:
    args = _checked_options(args)
    _check_engine_setting()
    if args.kernel == "fft":
        data = fft_cost(args.shape or args.n, args.batch, args.inverse, args.norm, kind=args.kind,
                        plan_for=args.plan_for)
        if args.json:
            print(json.dumps(data, indent=1))
        else:
            shape = "x".join(map(str, args.shape or (args.n,)))
            print_report(data, f"fft {args.kind} {shape} batch={args.batch} {data['fft']['direction']} "
                               f"single precision")
            print_fft_summary(data)
        return 0
    eng = "bf16" if args.matmul == "bf16" else "fp32"
    with emulator.matmul_precision(eng):
        rec, costs, err = gemm_cost(args.m, args.k, args.n, args.dtype)
    data = report(rec, costs, flops=2.0 * args.m * args.k * args.n)
    data["relative_error_vs_float64"] = err
    if args.json:
        print(json.dumps(data, indent=1))
    else:
        operands = "rounded to bf16" if eng == "bf16" else "as stored"
        print_report(data, f"gemm {args.m}x{args.k}x{args.n} {args.dtype} (matmul operands {operands})")
        print(f"norm-wise error against float64: {err:.2e}")
    return 0


def add_commands(subparsers: Any) -> None:
    p = subparsers.add_parser("cost", help="NKI kernel counters and MODELLED trn1/trn2 time (emulator)")
    p.add_argument("kernel", choices=["fft", "gemm"], help="which kernel to run on the emulator")
    # defaults None: filled in per kernel by ``_checked_options``, which refuses an option the kernel ignores
    p.add_argument("--n", type=positive_int, default=None,
                   help="fft: transform length; gemm: columns of B and C (default: 1024)")
    p.add_argument("--shape", type=shape_argument, default=None,
                   help="fft: a multi-dimensional shape such as 1024x1024 or 64x64x64 (instead of --n)")
    p.add_argument("--kind", default=None, choices=list(KINDS),
                   help="fft: c2c (complex64), r2c (float32 in, onesided out) or c2r (its inverse) (default: c2c)")
    p.add_argument("--batch", type=positive_int, default=None, help="fft: transforms per call (default: 1)")
    p.add_argument("--inverse", action="store_true", default=None, help="fft: the inverse transform")
    p.add_argument("--norm", default=None, choices=["backward", "ortho", "forward"],
                   help="fft: normalisation (default: backward)")
    p.add_argument("--plan-for", default=None, choices=list(CHIPS),
                   help="fft: plan with this chip's MODELLED figures (default: the target's, TRNFFT_NKI_TARGET)")
    p.add_argument("--m", type=positive_int, default=None, help="gemm: rows of A and C (default: 1024)")
    p.add_argument("--k", type=positive_int, default=None, help="gemm: the contracted dimension (default: 1024)")
    p.add_argument("--dtype", default=None, choices=["float32", "bfloat16"],
                   help="gemm: operand dtype (default: float32)")
    p.add_argument("--matmul", default=None, choices=["fp32", "bf16"],
                   help="gemm: emulate matmul operands as given (fp32) or rounded to bf16 (an auto-cast) "
                        "(default: fp32)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_cost)
