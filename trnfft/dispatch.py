"""The hot path: from a problem to an executed plan, with one cache lookup."""
from __future__ import annotations

import numpy as np

from . import selection
from .crosscheck import checked
from .hookspecs import Plan
from .plan_cache import plan_cache
from .planner import make_plan
from .problem import FFTProblem


def get_plan(problem: FFTProblem, backend: selection.BackendSpec = None) -> Plan:
    """The cached plan for ``problem`` under the current backend selection."""
    sel = selection.resolve(backend)
    return plan_cache.get_or_build((sel.names, problem), lambda: make_plan(problem, sel.names))


def run(x: np.ndarray, problem: FFTProblem, backend: selection.BackendSpec = None) -> np.ndarray:
    """Execute ``problem`` on ``x`` (exact shape and dtype) and return a new array."""
    plan = get_plan(problem, backend)
    return checked(plan, x, plan.execute(x))
