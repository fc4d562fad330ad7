"""Calibrate the candidates' speed rules (``trnfft.plugin.CostRule``) on this machine.

    python benchmarks/calibrate_planner.py [--backends fftw-reference,numpy-reference]

Times each candidate backend, selected explicitly, on complex64 c2c problems
from 256 to 2^22 points (1-D, 2-D and batched rows), single-threaded, as the
planner's trials do, and prints the constants of ``overhead + rate * points *
log2(n)`` for data within and beyond 1 MiB: the numbers each plugin's
``SPEED = CostRule(...)`` holds. Takes a minute or two (FFTW plans with MEASURE).
"""
from __future__ import annotations

import argparse
import functools
import math
import os
import statistics
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")

GRID = [((256,), (0,)), ((1024,), (0,)), ((4096,), (0,)), ((1 << 14,), (0,)), ((1 << 16,), (0,)),
        ((1 << 18,), (0,)), ((1 << 20,), (0,)), ((1 << 22,), (0,)), ((256, 256), (0, 1)),
        ((1024, 1024), (0, 1)), ((2048, 2048), (0, 1)), ((64, 4096), (1,)), ((4096, 64), (1,))]
CACHE_BYTES = 2**20


def main(argv: list[str] | None = None) -> int:
    from trnfft.core.planning import make_plan
    from trnfft.core.problem import make_problem
    from trnfft.core.registry import REGISTRY
    from trnfft.core.trials import ARRAY_INPUT, time_plans

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default=",".join(REGISTRY.candidates()))
    args = ap.parse_args(argv)
    for name in args.backends.split(","):
        rows = []
        for shape, axes in GRID:
            problem = make_problem("c2c", shape, axes=axes)
            trials = time_plans({name: functools.partial(make_plan, problem, (name,))}, {},
                                problem, ARRAY_INPUT, 0.3)
            points = math.prod(shape)
            rows.append((points * 8, points * math.log2(problem.size), trials.seconds[name]))
            print(f"  {name} {shape} axes={axes}: {trials.seconds[name] * 1e6:,.1f} us", flush=True)
        overhead = min(t for _, _, t in rows) / 2
        small = [(t - overhead) / w for b, w, t in rows if b <= CACHE_BYTES]
        large = [(t - overhead) / w for b, w, t in rows if b > CACHE_BYTES]
        print(f"{name}: CostRule(overhead={overhead:.2g}, in_cache={statistics.median(small):.2g}, "
              f"out_of_cache={statistics.median(large):.2g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
