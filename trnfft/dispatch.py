"""The hot path: from a problem to an executed plan, with one cache lookup.

Problems travel as plain tuples (``FFTProblem.key()``) on this path: building
and hashing a frozen dataclass per call would cost more than a small FFT.
"""
from __future__ import annotations

import numpy as np

from . import selection
from .crosscheck import active as crosscheck_active, checked
from .hookspecs import Plan
from .plan_cache import plan_cache
from .planner import make_plan
from .problem import FFTProblem

ProblemKey = tuple


def get_plan(problem: FFTProblem | ProblemKey, backend: selection.BackendSpec = None) -> Plan:
    """The cached plan for ``problem`` (an FFTProblem or its key) under the current selection."""
    names = selection.resolve(backend).names
    key = problem if type(problem) is tuple else problem.key()
    return plan_cache.get_or_build((names, key), lambda: make_plan(FFTProblem(*key), names))


def run(x: np.ndarray, problem: FFTProblem | ProblemKey,
        backend: selection.BackendSpec = None) -> np.ndarray:
    """Execute ``problem`` on ``x`` (exact shape and dtype) and return a new array."""
    plan = get_plan(problem, backend)
    y = plan.execute(x)
    cfg = crosscheck_active()
    return y if cfg is None else checked(plan, x, y, cfg)
