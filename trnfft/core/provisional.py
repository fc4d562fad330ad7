"""A first-sight plan: how auto's planner serves a problem class it has not measured, once.

Measuring the candidates costs up to the planning budget (about a second) per
problem class; a caller whose input length changes from call to call (audio,
text) would pay it on every call. So under measure, the first call of a problem
class with no measured choice gets a plan made with no search
(``autoplan.first_sight``), wrapped in a :class:`ProvisionalPlan` that serves that
call and then leaves the cache: the class's next call, if it comes, plans it with
a measurement, as every later process does from the remembered choice.
"""
from __future__ import annotations

from typing import Any, Callable, Hashable

from . import autoplan
from .hookspecs import Plan
from .plan_cache import plan_cache
from .problem import FFTProblem


class ProvisionalPlan:
    """``plan`` for ``problem`` on ``source`` input for one call, after which the cache entries
    under ``keys`` (those sharing it) are dropped, so that the next call plans with a measurement."""

    def __init__(self, plan: Plan, problem: FFTProblem, source: str, key: Hashable) -> None:
        self.plan, self.problem, self.source = plan, problem, source
        self.keys = [key]

    def __getattr__(self, name: str) -> Any:  # backend, nbytes, ...: the plan's own
        found = getattr(self.plan, name)
        return self._once(found) if name == "execute_split" else found

    def execute(self, x: Any) -> Any:
        return self._once(self.plan.execute)(x)

    def _once(self, run: Callable[..., Any]) -> Callable[..., Any]:
        def serve(*arrays: Any) -> Any:
            try:
                return run(*arrays)
            finally:
                self.recur()  # (concurrent calls may each get here: dropping twice is harmless)
        return serve

    def recur(self) -> None:
        """The class is to be measured: its cache entries go, and its next plan measures."""
        autoplan.recurs(self.problem, self.source)
        for key in list(self.keys):
            plan_cache.discard(key, lambda entry: entry.plan is self)
