"""Counters and modelled trn1/trn2 cost of NKI kernels, from Python and as ``trnfft cost``."""
from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np
from trnfft.plugin import positive_int

from . import emulator
from .emulator.costmodel import CHIPS, ModelledCost, model
from .emulator.record import KernelRecord


def gemm_cost(m: int = 1024, k: int = 1024, n: int = 1024, dtype: str = "float32",
              seed: int = 0) -> tuple[KernelRecord, dict[str, ModelledCost], float]:
    """Run the reference GEMM on the emulator: (record, modelled cost per chip, relative error)."""
    from .kernels.gemm import gemm_kernel
    dt = emulator.language.bfloat16 if dtype in ("bf16", "bfloat16") else np.dtype(dtype)
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, (m, k)).astype(dt)
    b = rng.uniform(-1, 1, (k, n)).astype(dt)
    with emulator.collect() as rec:
        c = emulator.simulate(gemm_kernel)(np.ascontiguousarray(a.T), b)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    err = float(np.linalg.norm(c.astype(np.float64) - ref) / np.linalg.norm(ref))
    return rec, {chip: model(rec, chip) for chip in CHIPS}, err


def report(rec: KernelRecord, costs: dict[str, ModelledCost], flops: float | None = None) -> dict[str, Any]:
    out = {"record": rec.as_dict(), "modelled": {c: m.as_dict() for c, m in costs.items()},
           "note": "every time here is MODELLED from documented engine figures, not measured"}
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
    for engine, count in rec["instructions"].items():
        t.add_row(f"{engine} instructions", f"{count:,}")
    for mm in rec["matmuls"]:
        t.add_row(f"matmul K={mm['K']} M={mm['M']} N={mm['N']} {mm['dtype']}", f"x{mm['count']:,}")
    t.add_row("MACs", f"{rec['macs']:,}")
    t.add_row("HBM -> SBUF bytes", f"{rec['hbm_to_sbuf_bytes']:,}")
    t.add_row("SBUF -> HBM bytes", f"{rec['sbuf_to_hbm_bytes']:,}")
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
    for engine in engines:
        m.add_row(f"{engine} busy (modelled)",
                  *(f"{data['modelled'][c]['engine_seconds'][engine] * 1e6:,.2f} us" for c in chips))
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
    con.print("Launch overhead is not modelled (no documented figure; ~0.85 ms per launch was "
              "measured through torch-xla on trn1 by trnsci/trnfft).")


def cmd_cost(args: argparse.Namespace) -> int:
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
    p.add_argument("kernel", choices=["gemm"], help="which kernel to run on the emulator")
    p.add_argument("--m", type=positive_int, default=1024, help="rows of A and C (default: 1024)")
    p.add_argument("--k", type=positive_int, default=1024, help="the contracted dimension (default: 1024)")
    p.add_argument("--n", type=positive_int, default=1024, help="columns of B and C (default: 1024)")
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"],
                   help="operand dtype (default: float32)")
    p.add_argument("--matmul", default="fp32", choices=["fp32", "bf16"],
                   help="emulate matmul operands as given (fp32) or rounded to bf16 (an auto-cast) (default: fp32)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_cost)
