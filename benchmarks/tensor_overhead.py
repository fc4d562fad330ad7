"""Where a torch tensor's extra cost goes at small N: trnfft.fft(tensor) against an array and torch.fft.

    python benchmarks/tensor_overhead.py [--n 1024] [--rounds 15]

Times, single-threaded and complex64, each step of a call on its own (best of
``--rounds`` interleaved rounds, us per call): the FFT plan alone, trnfft's
dispatch on a NumPy array, the whole call on an array and on a tensor, torch.fft
on the tensor, and the tensor<->array conversions a tensor call adds
(``Tensor.numpy()``, ``torch.from_numpy`` of the result and its release).
"""
from __future__ import annotations

import argparse
import sys
import timeit

import numpy as np


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args(argv)
    import torch
    import trnfft
    from trnfft.core import dispatch

    torch.set_num_threads(1)
    x = (np.random.default_rng(0).standard_normal(args.n) + 0.5j).astype(np.complex64)
    t = torch.from_numpy(x.copy())
    trnfft.fft(x)
    trnfft.fft(t)
    key = trnfft.which("fft", x.shape, x.dtype).problem.key()
    plan = dispatch.get_plan(key)
    y = plan.execute(x)
    steps = {
        "plan.execute(array)": lambda: plan.execute(x),
        "dispatch.run(array)": lambda: dispatch.run(x, key),
        "trnfft.fft(array)": lambda: trnfft.fft(x),
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
            best[name] = min(best[name], timeit.timeit(fn, number=number) / number * 1e6)
    print(f"N={args.n} complex64, best of {args.rounds} interleaved rounds of {number} calls, us per call")
    for name, us in best.items():
        print(f"  {name:48s} {us:7.2f}")
    gap = best["trnfft.fft(tensor)"] - best["torch.fft.fft(tensor)"]
    extra = best["trnfft.fft(tensor)"] - best["trnfft.fft(array)"]
    print(f"  trnfft(tensor) - torch.fft: {gap:+.2f} us; tensor - array through trnfft: {extra:+.2f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
