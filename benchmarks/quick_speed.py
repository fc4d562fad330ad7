"""A quick, single-threaded speed comparison outside asv, for issue-style figures.

    python benchmarks/quick_speed.py [--repeat 7] [--large] [--workers -1]

Times complex64 1-D N = 1024, 2^16, 2^20 and a 1024x1024 2-D transform (with
``--large`` also the asv suite's large sizes, ``bench_fft.LARGE``, and r2c 2^20) on
trnfft's default backend (NumPy array in, and torch tensor in) against
torch.fft, scipy.fft and a pre-planned ``pyfftw.FFTW`` object, using the asv
suite's own callables (``benchmarks/common.py``); ``--workers`` as scipy counts
them (torch gets as many intra-op threads). Each figure is
the best of ``--repeat`` timeit runs, in microseconds per call; unlike asv,
no harness overhead is added, so the small-N ratios are the real ones.
"""
from __future__ import annotations

import argparse
import os
import sys
import timeit
from pathlib import Path
from typing import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after OMP_NUM_THREADS)

CASES = [("c2c", (1024,), None, "1-D N=1024"), ("c2c", (1 << 16,), None, "1-D N=2^16"),
         ("c2c", (1 << 20,), None, "1-D N=2^20"), ("c2c", (1024, 1024), None, "2-D 1024x1024")]


def large_cases() -> list[tuple]:
    from benchmarks.bench_fft import LARGE
    return [("r2c", (1 << 20,), None, "r2c 2^20")] + [
        (kind, shape, axes, label) for label, (kind, shape, axes) in LARGE.items()]


def best_us(fn: Callable[[], object], repeat: int, budget: float = 0.2) -> float:
    """Best time per call in microseconds, each run lasting about ``budget`` seconds."""
    fn()
    fn()
    once = timeit.timeit(fn, number=1)
    number = max(1, int(budget / max(once, 1e-7)))
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def contenders(kind: str, x: np.ndarray, axes, workers: int) -> dict[str, Callable[[], object]]:
    """The asv suite's callables for ``x`` over ``axes``: trnfft's default backend
    (NumPy in), trnfft-tensor, and the peers."""
    import trnfft
    from benchmarks.common import PEERS, TENSOR_IMPL, transform_fn

    func = "rfftn" if kind == "r2c" else "fftn"
    default = f"trnfft:{trnfft.which(func, x.shape, x.dtype, axes=axes).backend}"
    impls = [default, TENSOR_IMPL] + [p for p in PEERS if p != "numpy"]
    return {impl: transform_fn(impl, kind, x, x.shape, axes, workers) for impl in impls}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--large", action="store_true", help="add the large sizes")
    ap.add_argument("--workers", type=int, default=1, help="threads (-1: all cores)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
    from benchmarks.common import make_input

    header = None
    for kind, shape, axes, label in CASES + (large_cases() if args.large else []):
        x = make_input(kind, shape, "complex64")
        times = {name: best_us(fn, args.repeat) for name, fn in contenders(kind, x, axes, args.workers).items()}
        if header is None:
            header = list(times)
            print("| case (us per call) | " + " | ".join(header) +
                  " | trnfft / fastest of torch, scipy | trnfft / pyfftw-planned |")
            print("|" + "---|" * (len(header) + 3))
        trn = times[header[0]]
        print(f"| {label} | " + " | ".join(f"{times[h]:.1f}" for h in header) +
              f" | {trn / min(times['torch'], times['scipy']):.2f} | {trn / times['pyfftw-planned']:.2f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
