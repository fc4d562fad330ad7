"""Seconds per 1000 new FFT shapes as the FFTW wisdom file grows (default settings).

    TRNFFT_CACHE_DIR=$(mktemp -d) python benchmarks/reliability/wisdom_growth.py --blocks 5

Each block plans 1000 shapes the process has not seen (batch x n, n from 100
to 499, complex64, FFTW_MEASURE with wisdom on) and prints its time and the
wisdom file's size. If saving rewrote the whole file per plan, later blocks
would be slower than the first.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

import trnfft


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=5)
    args = ap.parse_args()
    shapes = [(b, n) for b in range(1, 76) for n in range(100, 500)]
    order = np.random.default_rng(0).permutation(len(shapes))
    wisdom = Path(os.environ.get("TRNFFT_CACHE_DIR", "")) / "fftw-wisdom.json"
    for block in range(args.blocks):
        t0 = time.perf_counter()
        for i in order[block * 1000:(block + 1) * 1000]:
            trnfft.fft(np.ones(shapes[i], np.complex64))
        size = wisdom.stat().st_size if wisdom.is_file() else 0
        print(json.dumps({"shapes_so_far": (block + 1) * 1000,
                          "seconds_per_1000": round(time.perf_counter() - t0, 2),
                          "wisdom_file_kib": round(size / 1024)}), flush=True)


if __name__ == "__main__":
    main()
