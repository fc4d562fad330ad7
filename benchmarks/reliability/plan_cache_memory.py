"""Resident memory after cycling through many distinct FFT shapes (default settings).

    python benchmarks/reliability/plan_cache_memory.py --shapes 2000
    python benchmarks/reliability/plan_cache_memory.py --shapes 30000

Both runs draw their shapes from the same 30,000 (batch x n) shapes, so their
problem sizes are alike; a bounded process ends with the same resident memory
whichever number it cycles through. Set TRNFFT_CACHE_DIR to a private
directory: FFTW wisdom is saved there.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import time

import numpy as np

import trnfft

BATCHES, SIZES = range(1, 76), range(100, 500)  # 75 x 400 = 30,000 shapes


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shapes", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    shapes = [(b, n) for b in BATCHES for n in SIZES]
    rng = np.random.default_rng(args.seed)
    chosen = [shapes[i] for i in rng.permutation(len(shapes))[:args.shapes]]
    start, t0 = rss_mib(), time.perf_counter()
    for shape in chosen:
        trnfft.fft(np.ones(shape, np.complex64))
    gc.collect()
    print(json.dumps({"shapes": len(chosen), "rss_start_mib": round(start, 1),
                      "rss_end_mib": round(rss_mib(), 1), "cached_plans": trnfft.plan_cache.size,
                      "cached_mib": round(getattr(trnfft.plan_cache, "nbytes", 0) / 2**20, 1),
                      "seconds": round(time.perf_counter() - t0, 1)}))


if __name__ == "__main__":
    main()
