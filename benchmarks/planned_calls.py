"""A trnfft.plan object's three call forms against a pre-planned pyFFTW object's, and trnfft.fft.

    python benchmarks/planned_calls.py [--sizes 1024 65536 1048576] [--repeat 7] [--timer cpu]

Single-threaded complex64 c2c of N points. Rows: ``p()`` (own buffers)
against ``obj()``; ``p(x, out=buf)`` against ``obj(x)`` (pyFFTW copies ``x``
into its input buffer, or takes it when aligned, and writes its own output
buffer); ``p(x)`` (a new array) against ``obj(x).copy()`` (the cheapest new
array pyFFTW gives); ``trnfft.fft(x)`` for scale. The callables take turns
(round-robin), each figure is the best round in microseconds per call, and
``spread`` is (median - best) / best of that row: the run's noise.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from benchmarks.quick_speed import TIMERS, round_robin_times  # noqa: E402


def contenders(n: int) -> dict[str, object]:
    import pyfftw

    import trnfft
    from benchmarks.common import _peer_wisdom, make_input
    x = make_input("c2c", (n,), "complex64")
    p = trnfft.plan("fft", x)  # default backend, as trnfft.fft(x) gets
    p.input_array[...] = x
    out = np.empty_like(x)
    a, b = pyfftw.empty_aligned(n, np.complex64), pyfftw.empty_aligned(n, np.complex64)
    with _peer_wisdom(pyfftw) as settings:
        obj = pyfftw.FFTW(a, b, flags=(settings.flag,), threads=1)
    a[...] = x
    return {"p()": p, "obj()": obj,
            "p(x, out)": lambda: p(x, out=out), "obj(x)": lambda: obj(x),
            "p(x)": lambda: p(x), "obj(x).copy()": lambda: obj(x).copy(),
            "trnfft.fft(x)": lambda: trnfft.fft(x)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1024, 1 << 16, 1 << 20])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--timer", choices=sorted(TIMERS), default="wall")
    args = ap.parse_args(argv)
    os.environ.setdefault("TRNFFT_CACHE_DIR", tempfile.mkdtemp(prefix="trnfft-planned-calls-"))
    print(f"us per call ({args.timer} time), best of {args.repeat} rounds; load {os.getloadavg()[0]:.2f}")
    for n in args.sizes:
        fns = contenders(n)
        times = round_robin_times(fns, args.repeat, timer=args.timer)  # type: ignore[arg-type]
        print(f"\nN={n} (backend {fns['p()'].backend})\n| call | us | spread |\n|---|---|---|")  # type: ignore[attr-defined]
        for name, t in times.items():
            print(f"| {name} | {min(t):,.2f} | {statistics.median(t) / min(t) - 1:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
