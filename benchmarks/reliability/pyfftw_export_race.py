"""pyFFTW alone: 4 threads plan new sizes while a fifth exports wisdom; the cause of trnfft's aborts.

    python benchmarks/reliability/pyfftw_export_race.py unlocked   # aborts: heap corruption
    python benchmarks/reliability/pyfftw_export_race.py locked     # one lock around both: prints ok

``export_wisdom`` measures the wisdom, mallocs that much and writes it out
without pyFFTW's planner lock; a plan finished in between overruns the buffer.
See docs/architecture.md (fftw-reference).
"""
from __future__ import annotations

import contextlib
import sys
import threading
import time

import pyfftw

lock = threading.Lock() if sys.argv[1:] == ["locked"] else contextlib.nullcontext()
done = threading.Event()


def plan_new_sizes(thread: int) -> None:
    for i in range(150):
        a = pyfftw.empty_aligned(1000 + 8 * i + thread, dtype="complex128")
        with lock:
            pyfftw.FFTW(a, a, flags=("FFTW_MEASURE",))


def export_repeatedly() -> None:
    while not done.is_set():
        time.sleep(0.001)
        with lock:
            pyfftw.export_wisdom()


if __name__ == "__main__":
    exporter = threading.Thread(target=export_repeatedly)
    planners = [threading.Thread(target=plan_new_sizes, args=(t,)) for t in range(4)]
    exporter.start()
    for p in planners:
        p.start()
    for p in planners:
        p.join()
    done.set()
    exporter.join()
    print("ok")
