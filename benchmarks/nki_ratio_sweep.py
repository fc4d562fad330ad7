"""Issue 9's targets over many lengths: which (n, batch) rows of the NKI kernels miss them (MODELLED trn1).

    python benchmarks/nki_ratio_sweep.py --range 4096 4200 --random 120 --seed 9 --batch 1 [--json rows.json]

Each (n, batch) runs ``fft_cost`` (the same as ``trnfft cost fft --n N --batch B``) on the emulator and
prints one Markdown row (the columns of benchmarks/nki_acceptance.py, a class of n, and the targets
the row misses), then the counts and the misses grouped by layout and binding engine. The targets:

- ``ratio``: MODELLED trn1 kernel time above 3x the MODELLED roofline, for n >= 4096;
- ``hbm``: HBM bytes (plan constants included) above 2x the minimum, for batch >= 64 and for n >= 2^16;
- ``launches``: more than one kernel launch;
- ``error``: norm-wise error against float64 above 1e-6 (the issue's accuracy bar);
- ``failed``: fft_cost raised (the row records the exception).

Informational, not a target: the column "ratio, DFT MACs only" is the kernel time over a roofline of
the MACs minus those of matmuls that only move data (transposes, exchanges, selections); the summary
counts the rows it puts above 3x and lists those that pass ``ratio`` only through data-movement MACs.

``--random K`` draws K lengths log-uniformly in [4096, 2^20], in turn from each class of CLASSES (a
class with no unused length left falls back to any length). Every time is MODELLED from documented
engine figures, not measured; large n takes ~0.2-2 s of emulator time per row. The targets are trn1
figures, so every row is planned for trn1 (``nki_acceptance.PLAN_FOR``), whatever TRNFFT_NKI_TARGET says
(the emulator checks that target's rules: trn2 unless set).
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.nki_acceptance import (HEADINGS, PLAN_FOR, binding, cells, layout_cell, markdown_head,  # noqa: E402
                                        markdown_row)

LOW, HIGH = 4096, 1 << 20          # the sampled range: the ratio target's n up to the largest supported
RATIO_LIMIT, RATIO_FROM_N = 3.0, 4096
HBM_LIMIT, HBM_FROM_BATCH, HBM_FROM_N = 2.0, 64, 1 << 16
ERROR_LIMIT = 1e-6
JUST_ABOVE_128 = range(129, 200)    # "one prime factor just above 128": Bluestein's, or a tall factor


def largest_prime_factor(n: int) -> int:
    largest, p = 1, 2
    while p * p <= n:
        while n % p == 0:
            largest, n = p, n // p
        p += 1
    return max(largest, n)


def length_class(n: int) -> str:
    """The first class of n in: 2^k, 2^k+-1, prime, 7-smooth, largest prime factor just above 128, odd, even."""
    k = n.bit_length() - 1
    lpf = largest_prime_factor(n)
    if n == 1 << k:
        return "2^k"
    if n in ((1 << k) + 1, (1 << (k + 1)) - 1):
        return "2^k+-1"
    if lpf == n:
        return "prime"
    if lpf <= 7:
        return "7-smooth"
    if lpf in JUST_ABOVE_128:
        return "factor 131-199"
    return "odd composite" if n % 2 else "even composite"


def _nearest(t: float, wanted: Callable[[int], bool]) -> int:
    """The length in [LOW, HIGH] nearest to t for which ``wanted`` holds."""
    start = min(max(round(t), LOW), HIGH)
    for step in range(HIGH):
        for n in (start + step, start - step):
            if LOW <= n <= HIGH and wanted(n):
                return n
    raise ValueError("no such length in range")


def _power_of_two(t: float, rng: random.Random) -> int:
    return 1 << min(max(round(math.log2(t)), LOW.bit_length() - 1), HIGH.bit_length() - 1)


def _power_of_two_plus_minus_one(t: float, rng: random.Random) -> int:
    p = _power_of_two(t, rng)
    return rng.choice([m for m in (p - 1, p + 1) if LOW <= m <= HIGH])


CLASSES: dict[str, Callable[[float, random.Random], int]] = {
    "any": lambda t, rng: _nearest(t, lambda n: True),
    "2^k": _power_of_two,
    "2^k+-1": _power_of_two_plus_minus_one,
    "prime": lambda t, rng: _nearest(t, lambda n: largest_prime_factor(n) == n),
    "odd composite": lambda t, rng: _nearest(t, lambda n: n % 2 == 1 and largest_prime_factor(n) < n),
    "7-smooth": lambda t, rng: _nearest(t, lambda n: largest_prime_factor(n) <= 7),
    "factor 131-199": lambda t, rng: _nearest(t, lambda n: largest_prime_factor(n) in JUST_ABOVE_128),
}


def random_lengths(count: int, seed: int) -> list[int]:
    """``count`` distinct lengths, log-uniform in [LOW, HIGH], taking the CLASSES in turn."""
    rng = random.Random(seed)
    names = list(CLASSES)
    chosen: list[int] = []
    for i in range(count):
        for name in (names[i % len(names)], "any"):
            for _ in range(20):
                n = CLASSES[name](math.exp(rng.uniform(math.log(LOW), math.log(HIGH))), rng)
                if n not in chosen:
                    break
            if n not in chosen:
                chosen.append(n)
                break
    return chosen


def misses(row: dict[str, Any]) -> list[str]:
    """The targets (see the module docstring) that one row of figures misses."""
    if "failed" in row:
        return ["failed"]
    out = []
    if row["n"] >= RATIO_FROM_N and row["ratio"] > RATIO_LIMIT:
        out.append("ratio")
    if (row["batch"] >= HBM_FROM_BATCH or row["n"] >= HBM_FROM_N) and row["hbm_over_minimum"] > HBM_LIMIT:
        out.append("hbm")
    if row["launches"] != 1:
        out.append("launches")
    if row["error"] > ERROR_LIMIT:
        out.append("error")
    return out


def layout_family(layout: str) -> str:
    """A layout without its sizes: 'bluestein n=4099, padded to four-step m=8232 = 84x98 (in SBUF)'
    -> 'bluestein -> four-step (in SBUF)'."""
    family = layout.split()[0]
    if "staged through HBM" in layout:
        family += " (staged through HBM)"
    if "padded to " in layout:
        family += " -> " + layout.split("padded to ")[1].split()[0] + " (" + layout.rsplit("(", 1)[1]
    return family


def figures(n: int, batch: int, inverse: bool = False) -> dict[str, Any]:
    """One row: fft_cost's figures for (n, batch) planned for trn1 (times MODELLED for trn1), its cells and its
    misses."""
    from trnfft_backends.nki.cost import fft_cost
    row: dict[str, Any] = {"n": n, "batch": batch, "direction": "inverse" if inverse else "forward",
                           "class": length_class(n)}
    try:
        d = fft_cost(n, batch, inverse, plan_for=PLAN_FOR)
    except Exception as e:  # a finding of the sweep, reported on its row rather than ending the sweep
        row["failed"] = f"{type(e).__name__}: {e}"
        row["cells"] = [str(n), str(batch)] + ["-"] * (len(HEADINGS) - 3) + [row["failed"]]
    else:
        f, m = d["fft"], d["modelled"]["trn1"]
        row.update(layout=layout_cell(d), family=layout_family(layout_cell(d)), launches=d["record"]["launches"],
                   hbm_over_minimum=f["hbm_over_minimum"], trn1_us=m["kernel_seconds_overlapped"] * 1e6,
                   roofline_us=m["roofline_roofline_s"] * 1e6, ratio=m["over_roofline"],
                   dft_ratio=m["over_dft_roofline"], binds=binding(m),
                   error=f["relative_error_vs_float64"], emulator_wall_s=f["emulator_wall_seconds"], cells=cells(d))
    row["misses"] = misses(row)
    return row


def summary(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown lines: rows checked, rows each target applies to and misses, and the misses by cause."""
    def applies(target: str, r: dict[str, Any]) -> bool:
        return {"ratio": r["n"] >= RATIO_FROM_N,
                "hbm": r["batch"] >= HBM_FROM_BATCH or r["n"] >= HBM_FROM_N}.get(target, True)

    lines = [f"{len(rows)} rows checked ({len({r['n'] for r in rows})} lengths); "
             f"{sum(bool(r['misses']) for r in rows)} miss at least one target.", ""]
    for target in ("ratio", "hbm", "launches", "error", "failed"):
        hit = [r for r in rows if target in r["misses"]]
        lines.append(f"- {target}: {len(hit)} of {sum(applies(target, r) for r in rows)} rows it applies to miss")
    lines += dft_ratio_lines([r for r in rows if "failed" not in r and applies("ratio", r)])
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        for target in r["misses"]:
            groups[(target, r.get("family", "-"), r.get("binds", "-"))].append(r)
    if groups:
        lines += ["", "| target | layout | binds | rows: n/batch (ratio, HBM/min) |", "|---|---|---|---|"]
    for (target, family, binds), hit in sorted(groups.items(), key=lambda kv: (kv[0][0], -len(kv[1]))):
        listed = ", ".join(f"{r['n']}/{r['batch']}" + (" inverse" if r["direction"] == "inverse" else "")
                           + ("" if "failed" in r else
                           f" ({r['ratio']:.2f}x, {r['hbm_over_minimum']:.2f})") for r in hit)
        lines.append(f"| {target} | {family} | {binds} | {len(hit)}: {listed} |")
    return lines


def dft_ratio_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Summary lines for the informational ratio to the roofline of the DFT MACs only (``rows``: the
    rows the ratio target applies to): how many it puts above the limit, and which pass only through
    their data-movement MACs."""
    above = [r for r in rows if r["dft_ratio"] > RATIO_LIMIT]
    only = [r for r in above if r["ratio"] <= RATIO_LIMIT]
    listed = ", ".join(f"{r['n']}/{r['batch']} ({r['ratio']:.2f}x, {r['dft_ratio']:.2f}x)" for r in only)
    return [f"- ratio by the DFT MACs only (informational, MODELLED; not a target): {len(above)} of {len(rows)} "
            f"rows above {RATIO_LIMIT:g}x; {len(only)} pass the ratio target only through data-movement MACs"
            + (f": {listed}" if only else "")]


def add_row_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that say which (n, batch) rows to run: ``--n``, ``--range``/``--step``, ``--random``/``--seed``,
    ``--batch`` (``lengths_from`` reads the lengths)."""
    parser.add_argument("--n", type=int, nargs="+", help="these lengths")
    parser.add_argument("--range", type=int, nargs=2, metavar=("A", "B"), help="every length from A to B")
    parser.add_argument("--step", type=int, default=1, help="the step of --range")
    parser.add_argument("--random", type=int, metavar="K", help="K random lengths in [4096, 2^20], classes mixed")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--batch", type=int, nargs="+", default=[1], help="batches to run each length at")


def lengths_from(args: argparse.Namespace) -> list[int]:
    ns = list(args.n or [])
    if args.range:
        ns += range(args.range[0], args.range[1] + 1, args.step)
    if args.random:
        ns += random_lengths(args.random, args.seed)
    return list(dict.fromkeys(ns))  # in order, once each


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_row_arguments(parser)
    parser.add_argument("--inverse", action="store_true", help="run each row inverse as well as forward")
    parser.add_argument("--json", type=Path, help="write the rows here (rewritten after every row)")
    args = parser.parse_args()
    ns = lengths_from(args)
    if not ns:
        parser.error("give lengths: --n, --range or --random")
    print(f"Layouts planned for {PLAN_FOR}; every time MODELLED.\n")
    print(markdown_head(HEADINGS + ["class", "misses"]) if not args.inverse else
          markdown_head(HEADINGS[:2] + ["direction"] + HEADINGS[2:] + ["class", "misses"]), flush=True)
    rows = []
    for n in ns:
        for batch in args.batch:
            for inverse in (False, True) if args.inverse else (False,):
                row = figures(n, batch, inverse)
                rows.append(row)
                shown = row["cells"][:2] + ([row["direction"]] if args.inverse else []) + row["cells"][2:]
                print(markdown_row(shown + [row["class"], " ".join(row["misses"]) or "-"]), flush=True)
                if args.json:
                    args.json.write_text(json.dumps(rows, indent=1))
    print()
    print("\n".join(summary(rows)))


if __name__ == "__main__":
    main()
