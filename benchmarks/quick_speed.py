"""A quick, single-threaded speed comparison outside asv, for issue-style figures.

    python benchmarks/quick_speed.py [--repeat 7]

Times complex64 1-D N = 1024, 2^16, 2^20 and a 1024x1024 2-D transform on
trnfft's default backend (NumPy array in, and torch tensor in) against
torch.fft, scipy.fft and a pre-planned ``pyfftw.FFTW`` object. Each figure is
the best of ``--repeat`` timeit runs, in microseconds per call; unlike asv,
no harness overhead is added, so the small-N ratios are the real ones.
"""
from __future__ import annotations

import argparse
import os
import sys
import timeit
from typing import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

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
    """Zero-argument callables transforming ``x`` over all its axes, by name."""
    import pyfftw
    import scipy.fft
    import torch

    import trnfft
    import trnfft.numpy_fft as tnp

    torch.set_num_threads(1)
    t = torch.from_numpy(x.copy())
    axes = tuple(range(x.ndim))
    a = pyfftw.empty_aligned(x.shape, x.dtype)
    b = pyfftw.empty_aligned(x.shape, x.dtype)
    planned = pyfftw.FFTW(a, b, axes=axes, flags=("FFTW_MEASURE",), threads=1)
    a[...] = x
    return {
        "trnfft (NumPy in)": lambda: tnp.fftn(x, axes=axes),
        "trnfft (tensor in)": lambda: trnfft.fftn(t, dim=axes),
        "torch.fft": lambda: torch.fft.fftn(t, dim=axes),
        "scipy.fft": lambda: scipy.fft.fftn(x, axes=axes, workers=1),
        "pyfftw planned": planned,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    header = None
    for shape, label in CASES:
        x = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)
        times = {name: best_us(fn, args.repeat) for name, fn in contenders(x).items()}
        if header is None:
            header = list(times)
            print("| case (us per call) | " + " | ".join(header) + " | trnfft / pyfftw |")
            print("|" + "---|" * (len(header) + 2))
        ratio = times["trnfft (NumPy in)"] / times["pyfftw planned"]
        print(f"| {label} | " + " | ".join(f"{times[h]:.1f}" for h in header) +
              f" | {ratio:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
