"""Where a torch tensor's extra cost goes at small N: trnfft.fft(tensor) against an array and torch.fft.

    python benchmarks/tensor_overhead.py [--n 1024] [--rounds 15] [--timer cpu]

Times, single-threaded and complex64, each step of a call on its own (best of
``--rounds`` interleaved rounds, us per call): the FFT plan alone, trnfft's
dispatch on a NumPy array, the whole call on an array and on a tensor, torch.fft
on the tensor, and the tensor<->array conversions a tensor call adds
(``Tensor.numpy()``, ``torch.from_numpy`` of the result and its release), and
the floor any call returning a new array has: a pre-planned ``pyfftw.FFTW``
object called on the input and its result copied (``obj(x).copy()``), beside the
object alone (``obj()``). ``--timer cpu`` counts the thread's CPU time, which
leaves out waiting for a core on a shared machine.
"""
from __future__ import annotations

import argparse
import sys
import time
import timeit

import numpy as np


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--timer", choices=["wall", "cpu"], default="wall",
                    help="wall clock (default) or the thread's CPU time")
    args = ap.parse_args(argv)
    import torch
    import trnfft
    from trnfft import numpy_fft
    from trnfft.core import dispatch
    timer = time.thread_time if args.timer == "cpu" else time.perf_counter

    torch.set_num_threads(1)
    x = (np.random.default_rng(0).standard_normal(args.n) + 0.5j).astype(np.complex64)
    t = torch.from_numpy(x.copy())
    trnfft.fft(x)
    trnfft.fft(t)
    key = trnfft.which("fft", x.shape, x.dtype).problem.key()
    plan = dispatch.get_plan(key)
    y = plan.execute(x)
    numpy_fft.fft(x)
    steps = {**_pyfftw_object(x),
        "plan.execute(array)": lambda: plan.execute(x),
        "dispatch.run(array)": lambda: dispatch.run(x, key),
        "trnfft.fft(array)": lambda: trnfft.fft(x),
        "trnfft.numpy_fft.fft(array)": lambda: numpy_fft.fft(x),
        "trnfft.fft(tensor)": lambda: trnfft.fft(t),
        "torch.fft.fft(tensor)": lambda: torch.fft.fft(t),
        "tensor.numpy()": lambda: t.numpy(),
        "torch.from_numpy(result) + release": lambda: torch.from_numpy(y),
        "torch.from_numpy(plan.execute(tensor.numpy()))": lambda: torch.from_numpy(plan.execute(t.numpy())),
    }
    number = max(1, int(0.02 / max(timeit.timeit(steps["trnfft.fft(tensor)"], number=10) / 10, 1e-7)))
    best = {name: float("inf") for name in steps}
    for _ in range(args.rounds):
        for name, fn in steps.items():
            best[name] = min(best[name], timeit.Timer(fn, timer=timer).timeit(number=number) / number * 1e6)
    print(f"N={args.n} complex64, best of {args.rounds} interleaved rounds of {number} calls, "
          f"us per call ({args.timer} time)")
    for name, us in best.items():
        print(f"  {name:48s} {us:7.2f}")
    gap = best["trnfft.fft(tensor)"] - best["torch.fft.fft(tensor)"]
    extra = best["trnfft.fft(tensor)"] - best["trnfft.fft(array)"]
    print(f"  trnfft(tensor) - torch.fft: {gap:+.2f} us; tensor - array through trnfft: {extra:+.2f} us")
    return 0


def _pyfftw_object(x: np.ndarray) -> dict:
    """A pre-planned pyfftw.FFTW object's own call, and the call on ``x`` returning a new array
    (none without pyFFTW)."""
    try:
        import pyfftw
    except ImportError:
        return {}
    a, b = pyfftw.empty_aligned(x.shape, x.dtype), pyfftw.empty_aligned(x.shape, x.dtype)
    obj = pyfftw.FFTW(a, b, flags=("FFTW_MEASURE",), threads=1)
    return {"pyfftw object: obj()": obj, "pyfftw object: obj(x).copy()": lambda: obj(x).copy()}


if __name__ == "__main__":
    sys.exit(main())
