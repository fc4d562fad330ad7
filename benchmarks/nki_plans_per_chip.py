"""What planning for trn2 buys on trn2: MODELLED trn2 kernel time of the layout chosen by trn2's figures against
the layout chosen by trn1's, row by row.

    python benchmarks/nki_plans_per_chip.py --range 4096 4200 --random 120 --seed 9 --batch 1

The lengths are chosen as ``nki_ratio_sweep.py`` chooses them (``--n``, ``--range``, ``--random``). Each
(n, batch) is planned twice (``algorithms.choose`` with trn1's and with trn2's figures); where the layouts
differ both run on the emulator (``fft_cost``), else one run serves both. Prints a Markdown row per row
whose layouts differ, then the counts and the trn1-plan / trn2-plan time ratios (median, best, worst) and
every row the trn2 plan makes slower on trn2. Every time is MODELLED, not measured.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.nki_acceptance import layout_cell, markdown_head, markdown_row  # noqa: E402
from benchmarks.nki_ratio_sweep import add_row_arguments, lengths_from  # noqa: E402

CHIP = "trn2"        # the chip planned for and modelled
BASELINE = "trn1"    # the chip whose plan it is compared with


def row(n: int, batch: int) -> dict[str, Any]:
    """(n, batch) planned for BASELINE and for CHIP: each plan's layout and MODELLED CHIP kernel time."""
    from trnfft_backends.nki.algorithms import choose
    from trnfft_backends.nki.cost import fft_cost
    from trnfft_backends.nki.emulator.costmodel import CHIPS
    plans = {c: replace(choose(n, batch, chip=CHIPS[c]), planned_for="") for c in (BASELINE, CHIP)}
    out: dict[str, Any] = {"n": n, "batch": batch, "same": plans[BASELINE] == plans[CHIP]}
    for c in (BASELINE, CHIP) if not out["same"] else (BASELINE,):
        try:
            d = fft_cost(n, batch, plan_for=c)
        except Exception as e:  # a finding, reported on its row rather than ending the run
            out["failed"] = f"{c} plan: {type(e).__name__}: {e}"
            return out
        out[c] = {"layout": layout_cell(d), "us": d["modelled"][CHIP]["kernel_seconds_overlapped"] * 1e6}
    if out["same"]:
        out[CHIP] = out[BASELINE]
    return out


def summary(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown lines: rows, rows whose plans differ, faster/slower counts and the time ratios."""
    failed = [r for r in rows if "failed" in r]
    differ = [r for r in rows if not r["same"] and "failed" not in r]
    ratios = [r[BASELINE]["us"] / r[CHIP]["us"] for r in differ]
    faster = [r for r, q in zip(differ, ratios) if q > 1]
    slower = [r for r, q in zip(differ, ratios) if q < 1]
    lines = [f"{len(rows)} rows; {len(differ)} planned differently for {CHIP} than for {BASELINE}: {len(faster)} "
             f"faster on {CHIP} (MODELLED), {len(slower)} slower, {len(differ) - len(faster) - len(slower)} the same."]
    if ratios:
        lines.append(f"{BASELINE}-plan / {CHIP}-plan MODELLED {CHIP} time over those rows: median "
                     f"{statistics.median(ratios):.3f}, best {max(ratios):.3f}, worst {min(ratios):.3f}.")
    lines += [f"slower: {r['n']}/{r['batch']} {r[BASELINE]['us']:.2f} -> {r[CHIP]['us']:.2f} us" for r in slower]
    lines += [f"failed: {r['n']}/{r['batch']} {r['failed']}" for r in failed]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_row_arguments(parser)
    args = parser.parse_args()
    ns = lengths_from(args)
    if not ns:
        parser.error("give lengths: --n, --range or --random")
    print(markdown_head(["n", "batch", f"{BASELINE} plan", f"MODELLED {CHIP}", f"{CHIP} plan", f"MODELLED {CHIP}",
                         "ratio"]), flush=True)
    rows = []
    for n in ns:
        for batch in args.batch:
            r = row(n, batch)
            rows.append(r)
            if not r["same"] and "failed" not in r:
                a, b = r[BASELINE], r[CHIP]
                print(markdown_row([str(n), str(batch), a["layout"], f"{a['us']:,.2f} us", b["layout"],
                                    f"{b['us']:,.2f} us", f"{a['us'] / b['us']:.3f}"]), flush=True)
    print()
    print("\n".join(summary(rows)))


if __name__ == "__main__":
    main()
