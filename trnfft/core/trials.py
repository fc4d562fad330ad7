"""Timing candidate plans on a problem, within a budget, on data of trnfft's own.

The planner never runs the caller's data through a trial: each trial input is
a fresh array (or tensor) of the problem's shape and dtype filled with a
constant, so no result and no input of the user's can change. An FFT's speed
does not depend on the values (no data-dependent branches; a non-zero
constant keeps subnormals away).

Each candidate runs once first (a result of the wrong type, shape or dtype
excludes it) and once more timed (the first paid for first touches of memory
and caches), then the candidates take turns
(round-robin, so a burst of load elsewhere hurts them alike) timing samples of
``number`` runs each until ``SAMPLES`` samples or the budget are used (every
candidate runs at least once, whatever the budget). A
candidate's first run that takes more than its share of the budget is its
figure (a 2^24-point FFT gets no second run); one more than ``DROP_RATIO`` times
the fastest first run is dropped there. The figure is the best sample per run.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Callable

import numpy as np

from .hookspecs import Plan
from .problem import FFTProblem
from .result_check import require_result

TENSOR_INPUT, ARRAY_INPUT = "tensor", "ndarray"
SAMPLES = 5            # timed samples per candidate at most
SAMPLE_SECONDS = 2e-3  # a sample of a fast transform repeats it for about this long
DROP_RATIO = 3.0       # a first run this many times slower than the fastest is not timed further


def trial_input(problem: FFTProblem, source: str) -> Any:
    """A new input for ``problem`` filled with a constant, as the caller's kind of array."""
    x = np.full(problem.shape, 0.5 if problem.kind == "r2c" else 0.5 - 0.25j,
                dtype=problem.input_dtype)
    torch = sys.modules.get("torch")
    return torch.from_numpy(x) if source == TENSOR_INPUT and torch is not None else x


def runner(plan: Plan, source: str) -> Callable[[Any], Any]:
    """A call of ``plan`` as the dispatcher makes it for input of kind ``source``.

    Plans take NumPy arrays: a tensor caller pays the view and the result's
    wrapping, which is counted too (it is the same for every candidate today)."""
    torch = sys.modules.get("torch")
    if source != TENSOR_INPUT or torch is None:
        return plan.execute
    from_numpy = torch.from_numpy
    return lambda t: from_numpy(plan.execute(t.numpy()))


def time_plans(plans: dict[str, Plan], problem: FFTProblem, source: str,
               budget: float) -> tuple[dict[str, float], dict[str, str]]:
    """(seconds per call by candidate, why each other candidate was dropped)."""
    deadline = time.perf_counter() + budget
    x = trial_input(problem, source)
    share = budget / max(len(plans), 1)
    runs: dict[str, Callable[[Any], Any]] = {}
    best: dict[str, float] = {}
    dropped: dict[str, str] = {}
    for name, plan in plans.items():
        run = runner(plan, source)
        try:
            start = time.perf_counter()
            y = run(x)
            best[name] = time.perf_counter() - start
            require_result(np.asarray(y) if source == TENSOR_INPUT else y, name, problem)
        except Exception as exc:  # a candidate that fails its trial is not chosen
            best.pop(name, None)
            dropped[name] = f"failed its trial run: {type(exc).__name__}: {exc}"
            continue
        runs[name] = run
    for name, run in runs.items():  # the first run paid for first touches: time a second
        if best[name] <= share / 2:
            start = time.perf_counter()
            run(x)
            best[name] = min(best[name], time.perf_counter() - start)
    if best:
        fastest = min(best.values())
        for name in list(runs):
            if best[name] > DROP_RATIO * fastest or best[name] > share / 2:
                del runs[name]  # clearly slower, or too slow to run again within the budget
    numbers = {name: max(1, int(SAMPLE_SECONDS / max(best[name], 1e-9))) for name in runs}
    for _ in range(SAMPLES):
        for name, run in list(runs.items()):
            number = numbers[name]
            if time.perf_counter() + number * best[name] > deadline:
                del runs[name]
                continue
            start = time.perf_counter()
            for _ in range(number):
                run(x)
            best[name] = min(best[name], (time.perf_counter() - start) / number)
    return best, dropped
