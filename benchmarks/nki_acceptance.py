"""Issue 9's acceptance table from the emulator: launches, HBM bytes / minimum, MODELLED trn1 time, roofline.

    python benchmarks/nki_acceptance.py [--quick] > table.md

Every time is MODELLED (documented engine figures, not a measurement); the emulator wall time is
measured here and depends on the machine's load. ``--quick`` leaves out the rows that take seconds.
Issue 9's targets are trn1 figures, so every row is planned for trn1 (``PLAN_FOR``: the layout chosen by
trn1's figures, whatever the target); the emulator checks the rules of TRNFFT_NKI_TARGET (trn2 unless set).
"""
from __future__ import annotations

import argparse

from trnfft_backends.nki.cost import fft_cost

PLAN_FOR = "trn1"   # the chip whose figures choose each row's layout: issue 9's targets are trn1 figures

ROWS = [(128, 64), (1024, 64), (4095, 1), (4096, 1), (4096, 2), (4096, 64), (4097, 1), (4097, 64), (4100, 1),
        (4125, 1), (4191, 1), (5000, 1), (6561, 1), (6561, 8), (8000, 1), (8191, 1), (10000, 1),
        (16384, 64), (16385, 1), (44100, 1), (65536, 1), (65536, 64), (2**20, 1), (4099, 1), (4099, 64),
        (8193, 1), (8193, 64), (12289, 1), (32771, 1), (65521, 1), (65537, 1), (65537, 64), (70001, 1), (99_013, 1), (100_003, 1),
        (131_071, 1), (137_303, 1), (171_491, 1), (262_147, 1), (524_309, 1), (1_000_003, 1), (1_048_573, 1)]
SLOW = {(65537, 64), (65536, 64), (524_309, 1), (1_000_003, 1), (1_048_573, 1)}


def binding(modelled: dict) -> str:
    """The engine (or shared trn1 port) whose MODELLED busy time is the kernel's: what binds."""
    busy = {**modelled["engine_seconds"], **modelled.get("shared_port_seconds", {})}
    return max(busy, key=busy.get)


HEADINGS = ["n", "batch", "layout", "launches", "HBM/min", "MODELLED trn1", "MODELLED roofline", "ratio",
            "ratio, DFT MACs only", "binds"]


def layout_cell(d: dict) -> str:
    """The layout of one ``fft_cost`` result without ", planned for <chip>", which the table's title says once."""
    f = d["fft"]
    return f["layout"].removesuffix(f", planned for {f['planned_for']}")


def cells(d: dict) -> list[str]:
    """The HEADINGS columns of one ``fft_cost`` result (times MODELLED for trn1), formatted; "ratio, DFT MACs
    only" is the informational ratio to a roofline without the data-movement MACs (transposes, exchanges)."""
    f, m = d["fft"], d["modelled"]["trn1"]
    return [str(f["n"]), str(f["batch"]), layout_cell(d), str(d["record"]["launches"]), f"{f['hbm_over_minimum']:.2f}",
            f"{m['kernel_seconds_overlapped'] * 1e6:,.2f} us", f"{m['roofline_roofline_s'] * 1e6:,.2f} us",
            f"{m['over_roofline']:.2f}", f"{m['over_dft_roofline']:.2f}", binding(m)]


def markdown_row(row: list[str]) -> str:
    return "| " + " | ".join(row) + " |"


def markdown_head(headings: list[str]) -> str:
    """A Markdown table's heading and rule lines."""
    return markdown_row(headings) + "\n|" + "---|" * len(headings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="leave out the rows that take seconds")
    args = parser.parse_args()
    print(f"Layouts planned for {PLAN_FOR}; every time MODELLED.\n")
    print(markdown_head(HEADINGS + ["error", "emulator wall"]))
    for n, batch in ROWS:
        if args.quick and (n, batch) in SLOW:
            continue
        d = fft_cost(n, batch, plan_for=PLAN_FOR)
        f = d["fft"]
        print(markdown_row(cells(d) + [f"{f['relative_error_vs_float64']:.1e}", f"{f['emulator_wall_seconds']:.2f} s"]),
              flush=True)


if __name__ == "__main__":
    main()
