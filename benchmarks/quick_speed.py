"""A quick, single-threaded speed comparison outside asv, for issue-style figures.

    python benchmarks/quick_speed.py [--repeat 7]

Times complex64 1-D N = 1024, 2^16, 2^20 and a 1024x1024 2-D transform on
trnfft's default backend (NumPy array in, and torch tensor in) against
torch.fft, scipy.fft and a pre-planned ``pyfftw.FFTW`` object, using the asv
suite's own callables (``benchmarks/common.py``). Each figure is
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

CASES = [((1024,), "1-D N=1024"), ((1 << 16,), "1-D N=2^16"), ((1 << 20,), "1-D N=2^20"),
         ((1024, 1024), "2-D 1024x1024")]


def best_us(fn: Callable[[], object], repeat: int, budget: float = 0.2) -> float:
    """Best time per call in microseconds, each run lasting about ``budget`` seconds."""
    fn()
    fn()
    once = timeit.timeit(fn, number=1)
    number = max(1, int(budget / max(once, 1e-7)))
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def contenders(x: np.ndarray) -> dict[str, Callable[[], object]]:
    """The asv suite's callables for ``x`` over all its axes: trnfft's default backend
    (NumPy in), trnfft-tensor, and the peers."""
    import trnfft
    from benchmarks.common import PEERS, TENSOR_IMPL, transform_fn

    default = f"trnfft:{trnfft.which('fftn', x.shape, x.dtype).backend}"
    impls = [default, TENSOR_IMPL] + [p for p in PEERS if p != "numpy"]
    return {impl: transform_fn(impl, "c2c", x, x.shape) for impl in impls}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
    from benchmarks.common import make_input

    header = None
    for shape, label in CASES:
        x = make_input("c2c", shape, "complex64")
        times = {name: best_us(fn, args.repeat) for name, fn in contenders(x).items()}
        if header is None:
            header = list(times)
            print("| case (us per call) | " + " | ".join(header) + " | trnfft / pyfftw-planned |")
            print("|" + "---|" * (len(header) + 2))
        ratio = times[header[0]] / times["pyfftw-planned"]
        print(f"| {label} | " + " | ".join(f"{times[h]:.1f}" for h in header) +
              f" | {ratio:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
