"""The planner behind "auto": per problem, the fastest of the candidate backends.

No library is fastest everywhere, so, as FFTW's planner chooses among
algorithms, "auto" chooses among the backends that registered as candidates
(``register(..., candidate=True)``), when its own pick by priority is one of
them (a backend that is not a candidate and outranks them, e.g. an
accelerator, is never second-guessed). Explicit selections (``backend=``,
``use_backend``, ``set_backend``, ``TRNFFT_BACKEND`` other than "auto") are
never overridden.

Effort, like FFTW's (``set_planner(effort=...)`` or ``TRNFFT_PLANNER``):

* ``measure`` (default): each candidate plans the problem and is timed on
  trnfft's own data (``trials.py``) within ``TRNFFT_PLANNER_BUDGET`` seconds
  in all, their planning included (default 1.0; every candidate tried runs
  twice). The choice is remembered per machine (``choices.py``), so the cost is
  paid once per problem class per machine, not per process. A measurement
  the budget cut short (a candidate not run, or sampled in too few rounds,
  because the budget ran out: ``trials.Trials.limited``) is remembered as
  such, with the least budget a complete one needs (its runs alone, at the
  wall-clock pace they ran at, ``trials.complete_seconds``). If its runs fit in
  the budget, one-time costs starved it (FFTW's search, now in its wisdom; a
  first import), and it is measured once more with that budget (``_due``;
  ``attempts`` counts the measurements cut short at one budget); if they do
  not, the same budget would starve it again, so, as FFTW does not retry a
  search its time limit cut short under the same limit, it stands (the budget
  is spent once, not twice), and a log message (``logging``, INFO) and ``trnfft
  which`` say what budget to set (``suggested_budget``: room for its runs beside
  the longer plan search a larger budget allows). Either is measured again whenever
  the budget in force is larger than the one it had (``set_planner`` raising it
  drops the plans cached from it); a complete one never. Measure is the
  default because only a measurement knows this machine: the estimate rules
  are calibrated on one development machine and the winner flips with caches
  and core counts. It measures a class when it recurs: its first call (with
  ``TRNFFT_PLANNER_FIRST_CALL`` "estimate", the default) goes where the rules
  say, planned with no search (``first_sight``, ``provisional.py``), so that
  inputs whose length changes on every call pay no planning.
* ``estimate``: nothing is timed; each candidate's ``estimate_seconds(problem,
  source)`` (its own rules, calibrated on the kind of machine it was tuned on)
  is compared, and a remembered measurement beats any estimate. A candidate
  with no estimate ranks after those with one; with none at all, priority
  decides.

A choice is made per problem class: kind, shape, axes, lengths, precision,
workers and the caller's input kind (NumPy array or torch tensor), not the
direction or norm. It is reused while the same candidates, at the same
versions, are available. Two threads meeting the same new problem measure it
once (the second waits for the first); a trial that re-enters trnfft with the
same problem gets the priority order instead of waiting on itself.
``forget`` (``trnfft.forget_choices``, ``trnfft which --forget``) drops choices,
e.g. after a busy moment or a library upgrade skewed a measurement.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Collection

from .choices import Choice, store
from .env import getenv
from .errors import InvalidArgumentError
from .hookspecs import Plan
from .plan_cache import plan_cache
from .plan_deadline import planning_within
from .planning import array_kinds_of, make_plan
from .problem import FFTProblem
from .registry import REGISTRY, contain
from .trials import ARRAY_INPUT, PLANNING_SHARE, TENSOR_INPUT, time_plans

__all__ = ["ARRAY_INPUT", "TENSOR_INPUT", "EFFORTS", "plan", "recorded", "forget", "set_planner",
           "planner_settings", "choice_key"]

EFFORT_ENV, BUDGET_ENV, FIRST_CALL_ENV = "TRNFFT_PLANNER", "TRNFFT_PLANNER_BUDGET", "TRNFFT_PLANNER_FIRST_CALL"
EFFORTS = ("estimate", "measure")
DEFAULT_EFFORT = "measure"
DEFAULT_BUDGET = 1.0   # seconds per new problem class: the candidates' planning and trial runs
BUDGET_MARGIN = 0.25   # a complete measurement's runs need this much more budget again, for planning
FIRST_CALLS = ("estimate", "measure")  # what measure does on the first call of a problem class it has not measured
DEFAULT_FIRST_CALL = "estimate"
WAIT_LIMIT = 600.0     # a thread waiting on another's measurement gives up after this
MEMO_LIMIT = 4096      # choices kept in memory; emptied when full (the file keeps the measured)

_effort: str | None = None
_budget: float | None = None
_first_call: str | None = None
_memo: dict[str, Choice] = {}
_seen: set[str] = set()  # problem classes served once with an estimate: measured when they recur
_lock = threading.Lock()


@dataclass
class _Trial:
    """A decision in progress: who makes it, and an event for those waiting on it."""

    owner: int
    done: threading.Event = field(default_factory=threading.Event)


_inflight: dict[str, _Trial] = {}
_log = logging.getLogger(__name__)


def set_planner(effort: str | None = None, budget: float | None = None, first_call: str | None = None) -> None:
    """Set the planner's effort ("estimate" or "measure"), its budget in seconds per new problem
    class, and what measure does on a problem class's first call ("estimate": decide by the
    rules with no search, measure when the problem recurs; "measure": measure at once) for the
    process (None: back to ``TRNFFT_PLANNER`` / ``TRNFFT_PLANNER_BUDGET`` /
    ``TRNFFT_PLANNER_FIRST_CALL`` or the default).

    Plans already made keep their backend until ``trnfft.plan_cache.clear()``, except those of
    measurements a budget cut short that the new settings measure again (``_due``): a larger budget
    than they had drops them from the plan cache, so that their next call measures."""
    global _effort, _budget, _first_call
    before = _settings_or_none()
    new = (None if effort is None else _check_effort(effort, "effort"),
           None if budget is None else _check_budget(budget, "budget"),
           None if first_call is None else _check_first_call(first_call, "first_call"))
    _effort, _budget, _first_call = new
    after = _settings_or_none()
    if after is not None and after[0] == "measure" and after != before:
        def due_now(problem: FFTProblem, source: str) -> bool:
            choice = _memo.get(key := choice_key(problem, source)) or store().get(key)
            return (choice is not None and _due(choice, after[1])
                    and not (before is not None and before[0] == "measure" and _due(choice, before[1])))
        for drop in _on_settings:
            drop(due_now)


_on_settings: list[Callable[[Callable[[FFTProblem, str], bool]], None]] = []


def on_settings_changed(drop: Callable[[Callable[[FFTProblem, str], bool]], None]) -> None:
    """Have ``drop(due)`` called when ``set_planner`` changes the settings in force: it is to drop the
    cached plans of the problems (and input kinds) for which ``due`` says the new settings, not the old,
    measure the choice again (``dispatch`` holds the plan cache's keys)."""
    _on_settings.append(drop)


def _settings_or_none() -> tuple[str, float] | None:
    """``planner_settings()``, None when the environment's are not valid (``set_planner`` may be fixing that)."""
    try:
        return planner_settings()
    except InvalidArgumentError:
        return None


def first_call_setting() -> str:
    """What measure does on a problem class's first call: set_planner(), else the environment, else estimate."""
    return _first_call or _check_first_call(getenv(FIRST_CALL_ENV) or DEFAULT_FIRST_CALL, FIRST_CALL_ENV)


def _check_first_call(value: str, what: str) -> str:
    first = value.strip().lower() if isinstance(value, str) else value
    if first not in FIRST_CALLS:
        raise InvalidArgumentError(f"planner {what} must be one of {FIRST_CALLS}, got {value!r}")
    return first


def planner_settings() -> tuple[str, float]:
    """(effort, budget) in force: set_planner(), else the environment, else the defaults."""
    effort = _effort or _check_effort(getenv(EFFORT_ENV) or DEFAULT_EFFORT, EFFORT_ENV)
    if _budget is not None:
        return effort, _budget
    raw = (getenv(BUDGET_ENV) or "").strip()
    return effort, _check_budget(raw, BUDGET_ENV) if raw else DEFAULT_BUDGET


def _check_effort(value: str, what: str) -> str:
    effort = value.strip().lower() if isinstance(value, str) else value
    if effort not in EFFORTS:
        raise InvalidArgumentError(f"planner {what} must be one of {EFFORTS}, got {value!r}")
    return effort


def _check_budget(value: object, what: str) -> float:
    try:
        budget = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        budget = math.nan
    if not (budget >= 0 and math.isfinite(budget)):
        raise InvalidArgumentError(f"planner {what} must be a number of seconds >= 0, got {value!r}")
    return budget


def choice_key(problem: FFTProblem, source: str) -> str:
    """The problem class a choice is made for (readable: it is the key in the choices file)."""
    shape = "x".join(map(str, problem.shape))
    return (f"{problem.kind} shape={shape} axes={list(problem.axes)} "
            f"n={list(problem.lengths)} {problem.precision} workers={problem.workers} "
            f"input={source}")


def first_sight(problem: FFTProblem, source: str, candidates: tuple[str, ...]) -> Plan | None:
    """A cheap plan for the first call of a problem class measure has not measured (None otherwise).

    Under measure with ``first_call`` "estimate" (the default), a problem class met
    for the first time in this process, with no measured choice for it, gets the
    candidate its rules estimate fastest (with a measurement the budget cut short that is
    due again, ``_due``, that measurement's choice), planned with no search (``plan_deadline``:
    no time left, so FFTW takes FFTW_ESTIMATE), for that call (``provisional.py``); it is
    remembered as seen, so that its next call, if one comes, measures. Inputs whose
    length varies from call to call then cost what an unplanned library costs."""
    effort, budget = planner_settings()
    if effort != "measure" or first_call_setting() != "estimate":
        return None
    key = choice_key(problem, source)
    if key in _seen:
        return None
    versions = _versions(candidates)
    known = _known(key, effort, versions)
    if known is not None and not _due(known, budget):
        return None
    choice = known or _estimate(problem, source, candidates, versions)  # (a starved measurement beats the rules)
    first = () if choice is None else (choice.backend,)
    with planning_within(0.0):
        made = make_plan(problem, first + tuple(n for n in candidates if n not in first))
    with _lock:
        if len(_seen) >= MEMO_LIMIT:
            _seen.clear()
        _seen.add(key)
    return made


def recurs(problem: FFTProblem, source: str) -> None:
    """Note that a problem class served by ``first_sight`` is to be measured when next planned (it
    was noted as seen then, but the note may have gone with a full memo since)."""
    with _lock:
        _seen.add(choice_key(problem, source))


def plan(problem: FFTProblem, source: str, candidates: tuple[str, ...]) -> Plan:
    """A plan for ``problem`` on the candidate the planner chooses (deciding now if it must)."""
    key = choice_key(problem, source)
    effort, budget = planner_settings()
    versions = _versions(candidates)
    choice = _known(key, effort, versions)
    if choice is None or (effort == "measure" and _due(choice, budget)):
        choice, trial_plans = _decide(key, problem, source, candidates, versions, effort, budget)
        if choice is not None and choice.backend in trial_plans:
            return trial_plans[choice.backend]  # the winner's plan, already built and run
    first = () if choice is None else (choice.backend,)
    return make_plan(problem, first + tuple(n for n in candidates if n not in first))


def measure_again(problem: FFTProblem, source: str, candidates: tuple[str, ...]) -> bool:
    """Whether the choice ``plan`` just served ``problem`` by is a measurement the budget cut short
    that is due to be repeated (``_due``): its plan then serves one call (``provisional.py``), and
    the class's next call measures again (a plan cache miss only: no cost on the hot path)."""
    effort, budget = planner_settings()
    if effort != "measure":
        return False
    choice = _known(choice_key(problem, source), effort, _versions(candidates))
    return choice is not None and _due(choice, budget)


def recorded(problem: FFTProblem, source: str, candidates: tuple[str, ...]) -> Choice | None:
    """The choice in force for ``problem`` under the current effort, if one has been made:
    the one its cached plan was made from, even if a setup it was provisional on has since
    been paid (that is reconsidered when the problem is planned again)."""
    effort, _ = planner_settings()
    return _known(choice_key(problem, source), effort, _versions(candidates), reconsider=False)


def forget(keys: Collection[str] | None = None) -> int:
    """Forget remembered choices (``choice_key`` strings; None: every one of this machine),
    in this process and in the choices file; returns how many the file held.

    The plans made from them leave the plan cache (all cached plans do), so the
    next call of each such problem under "auto" decides again."""
    with _lock:
        if keys is None:
            _memo.clear()
        else:
            for key in keys:
                _memo.pop(key, None)
    try:
        return store().forget(keys)
    finally:  # forgotten in this process even when the file cannot be changed
        plan_cache.clear()


def _versions(candidates: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for name in candidates:
        try:
            out[name] = str(REGISTRY.get(name).backend.version)  # type: ignore[union-attr]
        except BaseException as exc:  # a plugin's version property may raise
            contain(exc)
            out[name] = "?"
    return out


def _known(key: str, effort: str, versions: dict[str, str], reconsider: bool = True) -> Choice | None:
    """A choice made with these candidates at these versions, of at least this effort; with
    ``reconsider``, not one made without a candidate for a one-time setup it has since paid."""
    for choice in (_memo.get(key), None):
        if choice is None:
            choice = store().get(key)
            if choice is not None:
                _remember(key, choice)
        if (choice is not None and choice.candidates == versions
                and (effort == "estimate" or choice.effort == "measure")
                and not (reconsider and any(_pending_setup(name) is None for name in choice.provisional))):
            return choice  # (a candidate skipped for a one-time cost since paid is reconsidered)
    return None


def _due(choice: Choice, budget: float) -> bool:
    """Whether ``choice``, a measurement the budget cut short, is to be measured again with
    ``budget``: whenever ``budget`` is larger than the one it had, and once more with that one
    when its runs fit in it (then one-time costs starved it: FFTW's search, now in its wisdom;
    a first import), not when they do not (the same budget would cut it short again)."""
    if not choice.limited or choice.budget is None or budget <= 0:
        return False
    return budget > choice.budget or (budget == choice.budget and choice.attempts < 2
                                      and not _runs_overrun(choice))


def _attempts(previous: Choice | None, budget: float) -> int:
    """The ``attempts`` of a measurement with ``budget`` that the budget cut short, after ``previous``:
    counted at one budget only (one cut short at another budget says nothing of this one)."""
    if previous is not None and previous.limited and previous.budget == budget:
        return previous.attempts + 1
    return 1


def _runs_overrun(choice: Choice) -> bool:
    """Whether a complete measurement's runs, with ``BUDGET_MARGIN`` for planning, take more than the
    budget ``choice`` had."""
    return (choice.needs is not None and choice.budget is not None
            and choice.needs * (1 + BUDGET_MARGIN) > choice.budget)


def suggested_budget(choice: Choice) -> float | None:
    """For ``choice``, a measurement cut short that stands at its budget (not ``_due`` with it): a budget
    (in tenths of a second) that holds its runs with ``BUDGET_MARGIN`` to spare, and at least the budget it
    had, beside a candidate's plan search of up to ``PLANNING_SHARE`` of it (a larger budget allows a longer
    search: FFTW plans 2^22 points with no search at 1 s, and may search for over a second at
    2.9 s); None when what its runs need is not known."""
    if choice.needs is None or choice.budget is None or _due(choice, choice.budget):
        return None
    tenths = max(choice.needs * (1 + BUDGET_MARGIN), choice.budget) / (1 - PLANNING_SHARE) * 10
    if not math.isfinite(tenths) or math.ceil(tenths) / 10 <= choice.budget:
        return None
    return math.ceil(tenths) / 10


def raise_budget(choice: Choice) -> str:
    """For ``choice``, a measurement cut short that stands at its budget: the budget that would measure
    it again with room for its runs (``suggested_budget``), said as a setting ("" when none is known)."""
    more = suggested_budget(choice)
    if more is None:
        return ""
    assert choice.needs is not None and choice.budget is not None
    runs = f"its runs alone need about {choice.needs:.2g} s"
    if _runs_overrun(choice):
        room = "holds them with a quarter to spare"
    else:
        runs += (f", which fit in its {choice.budget:g} s budget, yet something else (a plan search, "
                 f"a first import, load) cut it short {choice.attempts} times")
        room = f"leaves {choice.budget:g} s for them"
    return (f"{runs}: TRNFFT_PLANNER_BUDGET={more:g} (or trnfft.set_planner(budget={more:g})) {room} "
            f"beside a plan search of up to {PLANNING_SHARE:.0%} of the budget")


def when_measured_again(choice: Choice) -> str:
    """When ``choice``, a measurement the budget cut short, is measured again, said from ``_due``
    and the planner settings in force (what ``trnfft which`` tells), and what budget would measure
    it again with room for its runs (``raise_budget``)."""
    effort, budget = planner_settings()
    if effort == "measure" and _due(choice, budget):
        return "measured again when the problem is next planned"
    assert choice.budget is not None  # (a record with ``limited`` has its budget: choices.py)
    least = f"at least {choice.budget:g}" if _due(choice, choice.budget) else f"more than {choice.budget:g}"
    more = raise_budget(choice)
    return (f"measured again only by the measure planner with a budget of {least} s; in force: "
            f"{effort}, {budget:g} s (TRNFFT_PLANNER / TRNFFT_PLANNER_BUDGET)" + (f"; {more}" if more else ""))


def _pending_setup(name: str) -> tuple[float, str] | None:
    """What candidate ``name`` still has to pay once in this process (its ``pending_setup``)."""
    rec = REGISTRY.records().get(name)
    pending = getattr(rec.backend if rec is not None else None, "pending_setup", None)
    if pending is None:
        return None
    try:
        seconds, what = pending()
        return float(seconds), str(what)
    except BaseException as exc:  # a plugin's answer that is not (seconds, what): no setup assumed
        contain(exc)
        return None


def _remember(key: str, choice: Choice) -> None:
    if len(_memo) >= MEMO_LIMIT:
        _memo.clear()
    _memo[key] = choice


def _decide(key: str, problem: FFTProblem, source: str, candidates: tuple[str, ...],
            versions: dict[str, str], effort: str,
            budget: float) -> tuple[Choice | None, dict[str, Plan]]:
    """Decide once per key across threads: (the choice or None, the trial plans if measured)."""
    me = threading.get_ident()
    with _lock:
        trial = _inflight.get(key)
        ours = trial is None
        if trial is None:
            trial = _inflight[key] = _Trial(me)
    if not ours:
        if trial.owner == me:
            return None, {}  # re-entered from our own trial: the priority order, no waiting
        trial.done.wait(WAIT_LIMIT)
        return _known(key, effort, versions), {}
    try:
        found = _known(key, effort, versions)  # decided by another thread just before us
        if found is not None and not (effort == "measure" and _due(found, budget)):
            return found, {}
        if effort == "estimate":
            choice, plans = _estimate(problem, source, candidates, versions), dict[str, Plan]()
        else:
            choice, plans = _measure(problem, source, candidates, versions, budget, found)
        if choice is None:
            if found is None:
                return None, {}
            # nothing could be timed again: the starved choice stands, not to be tried again at this budget
            choice = dataclasses.replace(found, budget=budget, attempts=_attempts(found, budget))
        _remember(key, choice)
        if choice.effort == "measure":
            store().put(key, choice)
        return choice, plans
    finally:
        with _lock:
            _inflight.pop(key, None)
        trial.done.set()


def _measure(problem: FFTProblem, source: str, candidates: tuple[str, ...], versions: dict[str, str],
             budget: float, previous: Choice | None = None) -> tuple[Choice | None, dict[str, Plan]]:
    """Time the candidates (``previous``: the starved measurement this one repeats, if any)."""
    builders = {name: functools.partial(make_plan, problem, (name,)) for name in candidates}
    estimates, _ = _estimates(problem, source, candidates)
    setups = {name: setup for name in candidates if (setup := _pending_setup(name)) is not None}
    trials = time_plans(builders, estimates, problem, source, budget, array_kinds_of, setups)
    if not trials.seconds:
        return None, {}
    seconds = trials.seconds
    best = min(seconds, key=lambda n: (seconds[n], candidates.index(n)))
    attempts = _attempts(previous, budget) if trials.limited else 1
    choice = Choice(best, "measure", seconds, time.time(), versions, trials.excluded, trials.runs,
                    sorted(trials.provisional), budget, trials.limited, attempts,
                    trials.needs if trials.limited else None)
    if choice.limited:
        _log.info("auto's planner chose %s for %s (input %s), but the %g s budget cut its measurement "
                  "short (%s): %s", best, problem.describe(), source, budget, "; ".join(
                      f"{name}: {why}" for name, why in choice.limited.items()),
                  when_measured_again(choice))
    return choice, trials.plans


def _estimate(problem: FFTProblem, source: str, candidates: tuple[str, ...],
              versions: dict[str, str]) -> Choice | None:
    seconds, excluded = _estimates(problem, source, candidates)
    if not seconds:
        return None
    best = min(seconds, key=lambda n: (seconds[n], candidates.index(n)))
    return Choice(best, "estimate", seconds, time.time(), versions, excluded)


def _estimates(problem: FFTProblem, source: str,
               candidates: tuple[str, ...]) -> tuple[dict[str, float], dict[str, str]]:
    """(each candidate's own estimate of seconds per call, plus any one-time setup it still has to
    pay here (``pending_setup``), why the others gave none)."""
    seconds: dict[str, float] = {}
    excluded: dict[str, str] = {}
    for name in candidates:
        rec = REGISTRY.get(name)
        caps = rec.capabilities()
        refusal = "its capabilities() failed" if caps is None else caps.refusal(problem)
        estimator = getattr(rec.backend, "estimate_seconds", None)
        if refusal or estimator is None:
            excluded[name] = f"declines it: {refusal}" if refusal else "gives no estimate"
            continue
        try:
            value = float(estimator(problem, source))
        except BaseException as exc:
            contain(exc)
            excluded[name] = f"estimate_seconds raised {type(exc).__name__}: {exc}"
            continue
        if value > 0 and math.isfinite(value):
            setup = _pending_setup(name)
            seconds[name] = value + (setup[0] if setup is not None else 0.0)
        else:
            excluded[name] = f"estimated {value!r} seconds"
    return seconds, excluded
