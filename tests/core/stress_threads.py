"""Many threads calling trnfft at once, every result checked: run as a script.

    python tests/core/stress_threads.py [--threads 8] [--calls 1000] [--seed 0]

Each thread mixes functions (both APIs), both precisions, sizes new to the
process and sizes seen before, its own ``use_backend`` context and
cross-checking on some calls, all with default settings (FFTW planning with
wisdom). Every result is compared norm-wise with NumPy in float64. Prints one
JSON line and exits 1 if any call failed; an abort (the bug this guards
against) kills the process, so run it in a subprocess.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import traceback

import numpy as np

import trnfft
from trnfft import numpy_fft

REPEATED = (8, 16, 100, 128, 243, 1000)
SELECTIONS = (None, "fftw-reference", "numpy-reference", "nki-simulator,fftw-reference")
CROSSCHECK_EVERY = 7
NEW_SIZES = 500


def _input(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    x = rng.uniform(-1, 1, shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.uniform(-1, 1, shape)
    return x.astype(dtype)


def _case(rng: np.random.Generator, thread: int, i: int, threads: int) -> tuple:
    """(function name, trnfft callable, NumPy float64 reference, input)."""
    single = rng.random() < 0.5
    if rng.random() < 0.5:  # a shape new to the whole process, kept small so planning is quick
        index = threads * i + thread
        n, batch = 17 + index % NEW_SIZES, 1 + index // NEW_SIZES
    else:
        n, batch = int(rng.choice(REPEATED)), int(rng.integers(1, 4))
    which = int(rng.integers(0, 6))
    cdt, rdt = ("complex64", "float32") if single else ("complex128", "float64")
    if which == 0:
        return "fft", trnfft.fft, np.fft.fft, _input(rng, (batch, n), cdt)
    if which == 1:
        return "ifft", trnfft.ifft, np.fft.ifft, _input(rng, (batch, n), cdt)
    if which == 2:
        return "numpy_fft.rfft", numpy_fft.rfft, np.fft.rfft, _input(rng, (batch, n), rdt)
    if which == 3:
        return ("irfft", lambda x: trnfft.irfft(x, n=n), lambda x: np.fft.irfft(x, n=n),
                _input(rng, (batch, n // 2 + 1), cdt))
    if which == 4:
        return "fft2", trnfft.fft2, np.fft.fft2, _input(rng, (batch + 1, n), cdt)
    return "numpy_fft.rfftn", numpy_fft.rfftn, np.fft.rfftn, _input(rng, (batch, n), rdt)


def _worker(thread: int, calls: int, threads: int, seed: int, failures: list) -> None:
    rng = np.random.default_rng([seed, thread])
    selection = SELECTIONS[thread % len(SELECTIONS)]
    with trnfft.use_backend(selection) if selection else _nothing():
        for i in range(calls):
            name, fn, ref_fn, x = _case(rng, thread, i, threads)
            try:
                if i % CROSSCHECK_EVERY == 0 and selection != "numpy-reference":
                    with trnfft.cross_checking("numpy-reference"):
                        y = fn(x)
                else:
                    y = fn(x)
                ref = ref_fn(x.astype(np.complex128 if x.dtype.kind == "c" else np.float64))
                _verify(y, ref, x.dtype)
            except Exception:
                failures.append(f"thread {thread} call {i} {name}{x.shape} {x.dtype} "
                                f"[{selection}]: {traceback.format_exc(limit=3)}")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _verify(y: np.ndarray, ref: np.ndarray, in_dtype: np.dtype) -> None:
    single = in_dtype in (np.float32, np.complex64)
    want = (np.float32 if ref.dtype.kind == "f" else np.complex64) if single else ref.dtype
    if not isinstance(y, np.ndarray) or y.shape != ref.shape or y.dtype != want:
        raise AssertionError(f"got {type(y).__name__} {getattr(y, 'shape', '')} "
                             f"{getattr(y, 'dtype', '')}, want {ref.shape} {np.dtype(want)}")
    eps = np.finfo(np.float32 if single else np.float64).eps
    err = np.linalg.norm(y - ref) / max(np.linalg.norm(ref), 1e-300)
    tol = 10 * eps * np.log2(max(ref.size, 2))
    if not err <= tol:
        raise AssertionError(f"norm-wise error {err:.3g} > {tol:.3g}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--calls", type=int, default=1000, help="calls per thread")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    failures: list[str] = []
    start = time.perf_counter()
    workers = [threading.Thread(target=_worker, args=(t, args.calls, args.threads, args.seed, failures))
               for t in range(args.threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(json.dumps({"threads": args.threads, "calls": args.calls, "failures": len(failures),
                      "seconds": round(time.perf_counter() - start, 1)}))
    for f in failures[:10]:
        print(f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
