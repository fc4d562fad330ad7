"""Timing candidate plans on a problem, within a budget, on data of trnfft's own.

The planner never runs the caller's data through a trial: each trial input is
a fresh array (or tensor) of the problem's shape and dtype filled with a
constant, so no result and no input of the user's can change. An FFT's speed
does not depend on the values (no data-dependent branches; a non-zero
constant keeps subnormals away).

Candidates are tried in the order of their estimates (``estimate_seconds``),
and one estimated far slower than the fastest measured is skipped. Each
candidate that is run runs twice, whatever the budget: once to check its
result (a result of the wrong type, shape or dtype excludes it) and pay its
first touches of memory and caches, and once timed (a first run alone
misjudged 2^24 points: FFTW's took 0.7 s, its steady state 0.25 s, and
torch.fft won the trial while losing every later call). Then the candidates
take turns (round-robin, so a burst of load elsewhere hurts them alike) timing
samples of ``number`` runs each, at least ``SAMPLES`` rounds and for at least
``SETTLE_SECONDS`` while two or more are left (a plan's first runs may still pay first touches: FFTW's
1024x1024 ran 15.7, 25.0, 10.7, 6.9, 7.7, 7.0, 6.5 ms in its trial and 4.1 ms
from then on, and lost to torch.fft's 6.0 ms on the seven), until the budget is
used; each turn starts with an untimed run, which pays for what the other
candidates' turns left behind (in single alternating runs FFTW's 1024x1024
never got below 4.9-6.1 ms). The budget is what the whole decision may cost: the
candidates' own planning counts against it, and a backend that searches for a plan
(FFTW's time limit) keeps its search within what is left (``plan_deadline``); each
candidate tried still plans (as cheaply as it can once the budget is spent) and runs twice. A candidate whose run takes more than half its share of
the budget, or over ``DROP_RATIO`` times the fastest, is not sampled further.
The figure is the best run, each run timed by the smaller of its wall-clock
and its process CPU time: a single-threaded run's CPU time is its wall time
less what other processes took from it (under load on a 2-core machine the
wall clock alone let noise decide near ties, and the choice is remembered),
while a run that spreads over threads costs more CPU than wall time, so its
wall time stands. What fits in the budget, which is wall-clock time, is reckoned
from the runs' wall-clock pace (``_Pace``), load included: a sample's runs, a run
over half its share, a turn that would overrun the budget.

The trials say which candidates the budget cut short (``Trials.limited``): one
not run because its estimate did not fit in what was left, one sampled in fewer
than ``SAMPLES`` rounds because the budget ran out or one run took over half its
share; that only when at least two candidates were in contention (a single one
is chosen however long it is timed). They then say the least budget a complete
measurement takes (``Trials.needs``, ``complete_seconds``: the contenders' runs at
the wall-clock pace they ran at, load included (at load 5 on 2 cores, 2^22 points: about twice their
CPU time), a candidate not run at its rule's estimate; planning not counted), by which
the planner decides whether measuring again with the same budget can help
(``autoplan._due``) and what budget it suggests (``autoplan.raise_budget``).
"""
from __future__ import annotations

import math
import sys
import time
from typing import Any, Callable, Mapping, NamedTuple

import numpy as np

from .array_kinds import NUMPY, TORCH_CPU, conversion_for
from .errors import TrnfftError
from .hookspecs import Plan
from .plan_deadline import planning_within
from .problem import FFTProblem
from .registry import contain
from .result_check import require_result

ARRAY_INPUT, TENSOR_INPUT = NUMPY, TORCH_CPU  # the input kinds the planner chooses for
SAMPLES = 5            # rounds of timed samples at least
SETTLE_SECONDS = 0.25  # and rounds go on for this long at least (within the budget)
SAMPLE_SECONDS = 2e-3  # a sample of a fast transform repeats it for about this long
PLANNING_SHARE = 0.5  # of the budget left, what a candidate's own plan search may take
DROP_RATIO = 3.0       # a first run this many times slower than the fastest is not timed further


def _now() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    """Seconds since ``start`` (``_now()``): (the smaller of wall-clock and process CPU time, wall-clock)."""
    wall = time.perf_counter() - start[0]
    return min(wall, time.process_time() - start[1]), wall


class _Pace:
    """A candidate's wall-clock seconds per run: its first run, and the mean of the runs after it.

    The budget is wall-clock time, so what a measurement will take is reckoned from these, not
    from the figures the winner is chosen by (CPU time when load took wall time from a run)."""

    def __init__(self, first: float) -> None:
        self.first, self._total, self._runs = first, 0.0, 0

    def add(self, wall: float, runs: int) -> None:
        self._total += wall
        self._runs += runs

    @property
    def steady(self) -> float:
        return self._total / self._runs if self._runs else self.first


def trial_input(problem: FFTProblem, source: str) -> Any:
    """A new input for ``problem`` filled with a constant, as the caller's kind of array."""
    x = np.full(problem.shape, 0.5 if problem.kind == "r2c" else 0.5 - 0.25j,
                dtype=problem.input_dtype)
    torch = sys.modules.get("torch")
    return torch.from_numpy(x) if source == TENSOR_INPUT and torch is not None else x


def runner(plan: Plan, source: str, accepted: frozenset[str]) -> Callable[[Any], Any]:
    """A call of ``plan`` as the dispatcher makes it for input of kind ``source``: as it is
    when the plan's backend takes that kind (``accepted``), else through the conversion
    the caller would pay (a tensor's NumPy view and the result's wrapping)."""
    conversion = conversion_for(source, accepted)
    into, back = conversion.into, conversion.back
    if into is None:
        return plan.execute
    return lambda t: back(plan.execute(into(t)), t)


class Trials(NamedTuple):
    """What the trials found: seconds per call, why others were not timed, the plans built."""

    seconds: dict[str, float]
    excluded: dict[str, str]
    plans: dict[str, Plan]
    runs: dict[str, int]   # timed runs behind each figure (2 at least)
    provisional: set[str]  # excluded only because of a one-time setup still to pay (``setups``)
    limited: dict[str, str]  # candidate -> how the budget cut its measurement short
    needs: float | None = None  # when ``limited``: the budget a complete measurement needs at least


def complete_seconds(per_run: Mapping[str, float], candidates: int,
                     first: Mapping[str, float] | None = None) -> float:
    """The least budget in which ``time_plans`` times contenders that take ``per_run`` seconds a
    run (wall clock) in full, out of ``candidates`` tried: their runs alone (each runs twice, then
    ``SAMPLES`` rounds of an untimed run and a sample; a first run taking ``first`` seconds where
    known, first touches of memory included), and none over half its share (planning not counted)."""
    if not per_run:
        return 0.0
    runs = sum(t * (2 + SAMPLES * (max(1, int(SAMPLE_SECONDS / max(t, 1e-9))) + 1)) for t in per_run.values())
    runs += sum(max(seconds - per_run[name], 0.0) for name, seconds in (first or {}).items() if name in per_run)
    return max(runs, 2 * max(candidates, 1) * max(per_run.values()))


def _hopeless(name: str, estimates: dict[str, float], best: dict[str, float],
              remaining: float, setup: tuple[float, str] | None = None) -> str:
    """Why candidate ``name`` is not worth running, given what was measured ("" if it is).

    Its estimate (with any one-time ``setup`` it still has to pay) is over
    ``DROP_RATIO`` times the fastest time measured, or it does not fit in the
    budget left and its rule ranks it behind a candidate already measured
    (numpy.fft of 2^24 points would take seconds to lose)."""
    estimate = estimates.get(name)
    if not best or estimate is None:
        return ""
    first = ""
    if setup is not None:  # the estimate includes it: say so, apart from the per-call figure
        first = f"it would {setup[1]} first (~{setup[0]:g} s, once per process), and "
    rule = f"{first}its rule estimates {(estimate - (setup[0] if setup else 0.0)) * 1e6:,.1f} us per call"
    if estimate > DROP_RATIO * min(best.values()):
        return f"not run: {rule}: over {DROP_RATIO:g}x the fastest measured"
    ahead = [n for n in best if estimates.get(n, math.inf) < estimate]
    if estimate > remaining and ahead:
        return f"not run: {rule}: more than the budget left and slower than {ahead[0]}'s estimate"
    return ""


def time_plans(builders: Mapping[str, Callable[[], Plan]], estimates: dict[str, float],
               problem: FFTProblem, source: str, budget: float,
               accepted: Callable[[str], frozenset[str]],
               setups: Mapping[str, tuple[float, str]] | None = None) -> Trials:
    """Plan and time each candidate (``builders``, in priority order) on trnfft's own input.

    Candidates run in order of their ``estimates`` (those without one last); one
    its rule calls hopeless (``_hopeless``) is neither planned nor run. ``setups``:
    the one-time costs the estimates include (seconds, what), per candidate."""
    setups = setups or {}
    provisional: set[str] = set()
    limited: dict[str, str] = {}
    x = trial_input(problem, source)
    started = time.perf_counter()
    share = budget / max(len(builders), 1)
    runs: dict[str, Callable[[Any], Any]] = {}
    best: dict[str, float] = {}
    excluded: dict[str, str] = {}
    plans: dict[str, Plan] = {}
    count: dict[str, int] = {}
    pace: dict[str, _Pace] = {}  # wall-clock per run, what the budget is spent in
    for name in sorted(builders, key=lambda n: estimates.get(n, math.inf)):
        remaining = budget - (time.perf_counter() - started)
        why = _hopeless(name, estimates, best, remaining, setups.get(name))
        if why:
            excluded[name] = why
            if name in setups and not _hopeless(name, {**estimates, name: estimates[name] - setups[name][0]},
                                                best, remaining):
                provisional.add(name)  # only the one-time setup made it hopeless
            elif not _hopeless(name, estimates, best, math.inf, setups.get(name)):
                limited[name] = why  # only the budget left made it hopeless
            continue
        try:
            # a searching planner (FFTW's) gets half of what is left, so that the runs fit in the rest
            with planning_within(max(remaining, 0.0) * PLANNING_SHARE):
                plan = plans[name] = builders[name]()
        except MemoryError:  # the problem does not fit: the caller gets trnfft's OutOfMemoryError (dispatch)
            raise
        except TrnfftError as exc:
            excluded[name] = f"cannot plan it: {exc}"
            continue
        except BaseException as exc:  # a candidate's planner failing must not break "auto"
            contain(exc)
            excluded[name] = f"planning raised {type(exc).__name__}: {exc}"
            continue
        run = runner(plan, source, accepted(name))
        try:
            began = _now()
            y = run(x)
            best[name], wall = _since(began)
            pace[name] = _Pace(wall)
            count[name] = 1
            require_result(y, name, problem, source)
            del y  # (a large problem's result need not live through the next run)
            began = _now()  # the first run paid for first touches: time a second
            run(x)
            seconds, wall = _since(began)
            best[name] = min(best[name], seconds)
            pace[name].add(wall, 1)
            count[name] = 2
        except MemoryError:  # as in planning
            raise
        except Exception as exc:  # a candidate that fails its trial is not chosen
            best.pop(name, None)
            count.pop(name, None)
            pace.pop(name, None)
            del plans[name]
            excluded[name] = f"failed its trial run: {type(exc).__name__}: {exc}"
            continue
        runs[name] = run
    if best:
        fastest = min(best.values())
        for name in list(runs):
            if best[name] > DROP_RATIO * fastest:
                del runs[name]  # clearly slower
            elif pace[name].steady > share / 2:
                del runs[name]  # too slow to run again within the budget
                limited[name] = f"timed in 2 runs only: one takes over half its share of the {budget:g} s budget"
    contenders = len(runs) + len(limited)  # (disjoint here: limited so far were not run or not sampled)
    numbers = {name: max(1, int(SAMPLE_SECONDS / max(pace[name].steady, 1e-9))) for name in runs}
    deadline = started + budget
    rounds, sampling_started = 0, time.perf_counter()
    while runs and (rounds < SAMPLES or (len(runs) > 1 and
                                         time.perf_counter() - sampling_started < SETTLE_SECONDS)):
        rounds += 1
        for name, run in list(runs.items()):
            number = numbers[name]
            if time.perf_counter() + (number + 1) * pace[name].steady > deadline:
                del runs[name]
                if rounds <= SAMPLES:
                    limited[name] = (f"timed in {rounds - 1} of {SAMPLES} rounds of samples: "
                                     f"the {budget:g} s budget ran out")
                continue
            run(x)  # untimed: it pays what the other candidates' turns left (freed memory, caches)
            began = _now()
            for _ in range(number):
                run(x)
            seconds, wall = _since(began)
            best[name] = min(best[name], seconds / number)
            pace[name].add(wall, number)
            count[name] += number + 1
    if contenders < 2:
        return Trials(best, excluded, plans, count, provisional, {})
    # what a complete measurement would take: the contenders' runs at their wall-clock pace, a candidate
    # not run by its rule
    timed = [name for name, t in best.items() if t <= DROP_RATIO * min(best.values())]
    per_run = {name: pace[name].steady for name in timed}
    per_run.update({name: estimates[name] - setups.get(name, (0.0, ""))[0]
                    for name in limited if name not in best and name in estimates})
    first = {name: pace[name].first for name in timed}
    return Trials(best, excluded, plans, count, provisional, limited,
                  complete_seconds(per_run, len(builders), first))
