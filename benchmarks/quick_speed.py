"""Issue 14's acceptance table in one command: trnfft's default against every peer.

    python benchmarks/quick_speed.py [--repeat 5] [--quick] [--keep-cache] [--workers 1] [--timer cpu]

Single-threaded complex64 (r2c: float32) at N = 1024, 2^16, 2^20, 2^24,
1024x1024, 4096x4096, 256^3, batched rows (64, 4096) and r2c 2^20 (``--quick``:
the four small ones). Contenders, from the asv suite's own callables
(``benchmarks/common.py``): ``trnfft`` (the default, "auto", on a NumPy
array), ``trnfft-tensor`` (the default on a torch tensor), torch.fft (the
tensor), scipy.fft, numpy.fft and a pre-planned ``pyfftw.FFTW`` object called on its own
buffers, against which ``trnfft-planned`` (a ``trnfft.plan`` object on the default backend,
called as ``p()`` on its own buffers: the like-for-like form) has its own ratio column.

The contenders take turns (round-robin, ``--repeat`` rounds), so a burst of
load elsewhere hits them alike; each figure is the best round, in
microseconds per call, and ``spread`` is the largest (median - best) / best of
the row: the run's own noise, to read the ratios against. ``--timer cpu`` times the
calling thread's CPU time instead of the wall clock: on a machine shared with
other jobs it leaves out the time spent waiting for a core (single-threaded
runs only). The cache directory
is a fresh temporary one (``--keep-cache``: TRNFFT_CACHE_DIR as it is), so
auto plans as on a new machine; what that first call costs is
``benchmarks/first_call.py``'s table (one fresh process per case: here the
cases share one process, and FFTW's in-process wisdom from one case speeds
up planning the next).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after OMP_NUM_THREADS)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from benchmarks.common import ARRAY_IMPL as ARRAY, PLANNED_IMPL as PLANNED, TENSOR_IMPL as TENSOR  # noqa: E402
PEERS = ["torch", "scipy", "numpy", "pyfftw-planned"]
LIBRARIES = ["torch", "scipy", "numpy"]  # the acceptance compares with the fastest of these
CASES = [("c2c", (1024,), None, "1-D N=1024"), ("c2c", (1 << 16,), None, "1-D N=2^16"),
         ("c2c", (1 << 20,), None, "1-D N=2^20"), ("c2c", (1024, 1024), None, "2-D 1024x1024")]
LARGE = [("c2c", (1 << 24,), None, "1-D N=2^24"), ("c2c", (4096, 4096), None, "2-D 4096x4096"),
         ("c2c", (256, 256, 256), None, "3-D 256^3"), ("c2c", (64, 4096), (1,), "rows (64, 4096)"),
         ("r2c", (1 << 20,), None, "r2c N=2^20")]


def best_us(fn: Callable[[], object], repeat: int, budget: float = 0.2) -> float:
    """Best time per call in microseconds, each run lasting about ``budget`` seconds."""
    fn()
    fn()
    once = timeit.timeit(fn, number=1)
    number = max(1, int(budget / max(once, 1e-7)))
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def contenders(kind: str, x: np.ndarray, axes, workers: int) -> dict[str, Callable[[], object]]:
    """trnfft's default first (it plans before the pre-planned FFTW peer, which shares its
    wisdom, as a new machine would), then the tensor call and the peers."""
    from benchmarks.common import transform_fn
    fns = {ARRAY: transform_fn(ARRAY, kind, x, x.shape, axes, workers)}
    fns[ARRAY]()
    return {**fns, **{impl: transform_fn(impl, kind, x, x.shape, axes, workers)
                      for impl in [TENSOR, PLANNED] + PEERS}}


TIMERS = {"wall": time.perf_counter, "cpu": time.thread_time}


def round_robin_times(fns: dict[str, Callable[[], object]], repeat: int,
                     budget: float = 0.1, timer: str = "wall") -> dict[str, list[float]]:
    """Per contender, ``repeat`` figures in us per call, the contenders taking turns."""
    numbers = {}
    for name, fn in fns.items():
        fn()
        numbers[name] = max(1, int(budget / max(timeit.timeit(fn, number=1), 1e-7)))
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            seconds = timeit.Timer(fn, timer=TIMERS[timer]).timeit(number=numbers[name])
            times[name].append(seconds / numbers[name] * 1e6)
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="rounds (default 5)")
    ap.add_argument("--quick", action="store_true", help="only the four small cases")
    ap.add_argument("--keep-cache", action="store_true",
                    help="use TRNFFT_CACHE_DIR as it is (default: a fresh temporary one)")
    ap.add_argument("--workers", type=int, default=1, help="threads, as scipy counts them (-1: all)")
    ap.add_argument("--timer", choices=sorted(TIMERS), default="wall",
                    help="wall clock (default), or the calling thread's CPU time: on a machine "
                         "shared with other jobs this leaves out the time the process waits for a "
                         "core (single-threaded runs only: other threads' work is not counted)")
    args = ap.parse_args(argv)
    if args.timer == "cpu" and args.workers != 1:
        ap.error("--timer cpu counts the calling thread only: use it with --workers 1")
    if not args.keep_cache:
        os.environ["TRNFFT_CACHE_DIR"] = tempfile.mkdtemp(prefix="trnfft-quick-speed-")
    import trnfft
    from benchmarks.common import make_input

    shown = [ARRAY, TENSOR, PLANNED] + PEERS
    print(f"cache dir {os.environ.get('TRNFFT_CACHE_DIR', '(default)')}, planner "
          f"{os.environ.get('TRNFFT_PLANNER', 'measure (default)')}, workers {args.workers}, "
          f"best of {args.repeat} rounds, us per call ({args.timer} time)")
    print("| case | " + " | ".join(shown) + " | trnfft / fastest lib | tensor / fastest lib "
          "| trnfft / pyfftw | planned / pyfftw | spread | auto chose (array/tensor) |")
    print("|" + "---|" * (len(shown) + 7))
    for kind, shape, axes, label in CASES + ([] if args.quick else LARGE):
        x = make_input(kind, shape, "complex64")
        fns = contenders(kind, x, axes, args.workers)
        times = round_robin_times(fns, args.repeat, timer=args.timer)
        best = {k: min(v) for k, v in times.items()}
        spread = max(statistics.median(v) / min(v) - 1 for v in times.values())
        fastest = min(best[lib] for lib in LIBRARIES)
        func = "rfftn" if kind == "r2c" else "fftn"
        try:
            chose = "/".join(trnfft.which(func, x.shape, x.dtype, axes=axes, array=a).backend
                             for a in ("numpy", "torch:cpu"))
        except TypeError:  # a trnfft from before the planner (a "before" run): no array=
            chose = trnfft.which(func, x.shape, x.dtype, axes=axes).backend
        print(f"| {label} | " + " | ".join(f"{best[k]:,.1f}" for k in shown) +
              f" | {best[ARRAY] / fastest:.2f} | {best[TENSOR] / fastest:.2f} | "
              f"{best[ARRAY] / best['pyfftw-planned']:.2f} | {best[PLANNED] / best['pyfftw-planned']:.2f} | "
              f"{spread:.0%} | {chose} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
