"""What the first call of a new problem costs: planning included, on a machine that has seen nothing.

    python benchmarks/first_call.py [--quick] [--tensor] [--calls K] [--only LABEL]
    python benchmarks/first_call.py --varying 5   # inputs whose length changes: 5 new lengths, 4 passes

Each case runs in a fresh process with a fresh TRNFFT_CACHE_DIR (no FFTW wisdom,
no remembered choice). ``--varying N``: ``rfft`` of a 16 x n float32 tensor for N
new lengths n from 20000, four passes over the lengths (pass 1: every call a first
call; pass 2: the classes recur and are measured; then steady), trnfft under the
current settings against torch.fft, seconds per pass.

Otherwise each case runs once under "auto" (its planner as set: by default a first
call plans with no search; TRNFFT_PLANNER_FIRST_CALL=measure times the candidates at
once, within TRNFFT_PLANNER_BUDGET, planning included) and once with the top candidate
selected explicitly (what the first call cost before the planner): the
difference is the planner's own cost. Seconds, wall clock; imports excluded.
``--tensor``: the input is a CPU tensor, auto's (planned for tensors, where torch-native
is a contender) and the explicit selection's alike; ``--calls K``: time K calls (a measurement the budget cut short
may be measured again on the third); ``--only``: the cases whose label contains it.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.common import ARRAY_IMPL, TENSOR_IMPL  # noqa: E402
from benchmarks.quick_speed import CASES, LARGE  # noqa: E402

CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
import trnfft
from benchmarks.common import make_input, transform_fn
kind, shape, axes, impl, calls, tensor = json.loads(sys.argv[1])
x = make_input(kind, tuple(shape), "complex64")
if tensor and impl.startswith("trnfft:"):  # an explicit selection, on a CPU tensor as auto's input is
    import torch
    t, dim = torch.from_numpy(x), None if axes is None else tuple(axes)
    call = {{"c2c": trnfft.fftn, "r2c": trnfft.rfftn}}[kind]
    fn = lambda: call(t, dim=dim, backend=impl.split(":", 1)[1])
else:
    fn = transform_fn(impl, kind, x, x.shape, None if axes is None else tuple(axes))
seconds = []
for _ in range(calls):
    start = time.perf_counter()
    fn()
    seconds.append(time.perf_counter() - start)
print(json.dumps(seconds))
"""


VARYING = """
import json, sys, time
import torch, trnfft
count, impl = int(sys.argv[1]), sys.argv[2]
fn = torch.fft.rfft if impl == "torch" else trnfft.rfft
x = torch.randn(16, 100000)
fn(x[:, :1000])  # the import path's first touches, on another length
passes = []
for _ in range(4):
    start = time.perf_counter()
    for n in range(20000, 20000 + count):
        fn(x[:, :n])
    passes.append(time.perf_counter() - start)
print(json.dumps(passes))
"""


def _fresh_env() -> dict[str, str]:
    return dict(os.environ, TRNFFT_CACHE_DIR=tempfile.mkdtemp(prefix="trnfft-first-call-"), OMP_NUM_THREADS="1")


def varying(count: int, impl: str) -> list[float]:
    """Seconds of each of four passes over ``count`` new lengths, in a fresh process."""
    out = subprocess.run([sys.executable, "-c", VARYING, str(count), impl], env=_fresh_env(),
                         capture_output=True, text=True, check=True, timeout=900)
    return json.loads(out.stdout.strip().splitlines()[-1])


def first_call(kind: str, shape: tuple[int, ...], axes, impl: str, calls: int = 2,
               tensor: bool = False) -> list[float]:
    """Seconds of each of the first ``calls`` calls of ``impl`` in a new process with an empty cache
    (``tensor``: an explicit selection ``trnfft:NAME`` is called on a CPU tensor)."""
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)),
                          json.dumps([kind, shape, axes, impl, calls, tensor])],
                         env=_fresh_env(), capture_output=True, text=True, check=True, timeout=900)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the four small cases")
    ap.add_argument("--explicit", default="trnfft:fftw-reference",
                    help="the explicit selection to compare with (default trnfft:fftw-reference)")
    ap.add_argument("--varying", type=int, metavar="N", default=None,
                    help="instead: N new lengths of a 16 x n rfft, four passes, trnfft against torch.fft")
    ap.add_argument("--tensor", action="store_true", help="the input a CPU tensor (default: a NumPy array)")
    ap.add_argument("--calls", type=int, default=2, metavar="K",
                    help="calls timed per process, K >= 2 (default 2): the later ones shown after the second")
    ap.add_argument("--only", default="", metavar="LABEL", help="only the cases whose label contains LABEL")
    args = ap.parse_args(argv)
    if args.calls < 2:
        ap.error("--calls must be at least 2")
    if args.varying is not None:
        print("| impl | pass 1 (first calls) | pass 2 | pass 3 | pass 4 |\n|---|---|---|---|---|")
        for impl in ("trnfft", "torch"):
            print(f"| {impl} | " + " | ".join(f"{p:.2f}" for p in varying(args.varying, impl)) + " |", flush=True)
        return 0
    print(f"planner {os.environ.get('TRNFFT_PLANNER', 'measure (default)')}, budget "
          f"{os.environ.get('TRNFFT_PLANNER_BUDGET', '1.0 (default)')} s; seconds")
    later = " | auto: later calls" if args.calls > 2 else ""
    print(f"input: {'CPU tensor' if args.tensor else 'NumPy array'}")
    print(f"| case | auto: first call | auto: second{later} | {args.explicit}: first call | planner's cost |")
    print("|---|---|---|---|---|" + ("---|" if later else ""))
    for kind, shape, axes, label in CASES + ([] if args.quick else LARGE):
        if args.only not in label:
            continue
        auto, second, *rest = first_call(kind, shape, axes, TENSOR_IMPL if args.tensor else ARRAY_IMPL, args.calls)
        explicit = first_call(kind, shape, axes, args.explicit, tensor=args.tensor)[0]
        more = f" | {', '.join(f'{t:.2f}' for t in rest)}" if later else ""
        print(f"| {label} | {auto:.2f} | {second:.4f}{more} | {explicit:.2f} | {auto - explicit:+.2f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
