"""Which NKI kernels break NeuronCore-v2's (trn1) rules: every sampled problem run on the emulator with
TRNFFT_NKI_TARGET=trn1 (planned with trn1's figures), each rejection reported with its kernel and line.

    python benchmarks/trn1_rules_scan.py            # the default sample (about two minutes)
    python benchmarks/trn1_rules_scan.py --quick    # short lengths, the known six-step lengths and 2-D

The sample: c2c n <= 130 and mid lengths at batches 1, 2, 3 and 64, 40 random lengths below 65536 at
batches 1 and 3; n >= 65536 at batches 1 and 2 (among them 24 six-step lengths whose n1 or n3 is not a
multiple of 32, and the Bluestein lengths 100003 and 524287); r2c / c2r and 2-D problems
(``programs.py``). Prints one line per failing problem (the kernel, its frame, the rule) and a summary;
exits 1 if any problem failed. Correctness is checked too (norm-wise error <= 1e-6).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHORT = [1, 2, 3, 5, 7, 12, 16, 17, 31, 33, 48, 63, 64, 65, 96, 97, 100, 113, 127, 128, 129, 130]
MID = [243, 256, 257, 360, 500, 512, 625, 997, 1000, 1024, 1331, 2048, 4095, 4096, 4097, 8191, 10000,
       16384, 16385, 44100]
LONG = [65536, 65537, 100003, 524287, 109760, 116640, 121500, 166698, 262143, 262145, 321489, 588000, 1 << 20]
REAL = [2, 17, 64, 100, 128, 129, 250, 1000, 4096, 10000, 65536]
SHAPES_2D = [(12, 20), (64, 64), (100, 96), (128, 128), (33, 129), (200, 300), (256, 256)]
TOLERANCE = 1e-6


def six_step_lengths(count: int) -> list[int]:
    """Up to ``count`` lengths >= 65536 that trn1 plans as six-steps at batch 1 with n1 or n3 not a multiple
    of 32, spread evenly over those among every 997th length."""
    from trnfft_backends.nki.algorithms import choose
    from trnfft_backends.nki.emulator.costmodel import CHIPS
    found = []
    for n in range(65536 + 7, 1 << 20, 997):
        layout = choose(n, 1, chip=CHIPS["trn1"])
        if layout.algorithm == "six-step" and (layout.factors[0] % 32 or layout.factors[2] % 32):
            found.append(n)
    return found[::max(1, len(found) // count)][:count]


def where(exc: BaseException) -> str:
    """The innermost kernel frame of ``exc``'s traceback (file:line function)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/kernels/" in f.filename]
    if not frames:
        return "?"
    f = frames[-1]
    return f"{Path(f.filename).name}:{f.lineno} {f.name}: {f.line}"


def run(kind: str, n: int | tuple[int, ...], batch: int) -> tuple[str, str]:
    """('ok' | 'FAIL' | 'ERROR', detail) for one problem on the emulator (under TRNFFT_NKI_TARGET's rules)."""
    from trnfft_backends.nki.cost import fft_cost
    try:
        d = fft_cost(n, batch, kind=kind)
    except Exception as exc:  # a finding, reported on its line
        return "FAIL", f"{type(exc).__name__}: {str(exc).split(' (see ')[0]} at {where(exc)}"
    err = d["fft"]["relative_error_vs_float64"]
    return ("ok" if err <= TOLERANCE else "ERROR"), f"{d['fft']['layout']}; error {err:.1e}"


def random_lengths(count: int, seed: int = 9) -> list[int]:
    """``count`` lengths drawn uniformly from 131..65535 (every kernel family below the six-step's range)."""
    import numpy as np
    return sorted(int(n) for n in np.random.default_rng(seed).integers(131, 65536, count))


def problems(quick: bool) -> list[tuple[str, object, int]]:
    out: list[tuple[str, object, int]] = []
    short = SHORT if not quick else SHORT[::3]
    out += [("c2c", n, b) for n in short for b in (1, 2, 3, 64)]
    if not quick:
        out += [("c2c", n, b) for n in MID for b in (1, 2, 3)]
        out += [("c2c", n, 64) for n in MID if n <= 4096]
        out += [("c2c", n, b) for n in random_lengths(40) for b in (1, 3)]
    long = LONG + ([] if quick else six_step_lengths(24))
    out += [("c2c", n, b) for n in long for b in ((1,) if quick else (1, 2))]
    out += [(kind, n, b) for kind in ("r2c", "c2r") for n in (REAL if not quick else REAL[::3]) for b in (1, 3)]
    out += [("c2c", s, b) for s in SHAPES_2D for b in (1, 3)]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a shorter sample")
    args = parser.parse_args()
    os.environ["TRNFFT_NKI_TARGET"] = "trn1"
    start = time.perf_counter()
    todo = problems(args.quick)
    bad = []
    for kind, n, batch in todo:
        status, detail = run(kind, n, batch)
        if status != "ok":
            bad.append((kind, n, batch, status, detail))
            print(f"{status} {kind} n={n} batch={batch}: {detail}", flush=True)
    print(f"{len(todo)} problems on trn1, {len(bad)} failed, {time.perf_counter() - start:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
