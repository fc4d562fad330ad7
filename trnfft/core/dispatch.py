"""The hot path: from a problem to an executed plan, with one cache lookup.

Problems travel as plain tuples (``FFTProblem.key()``) on this path: building
and hashing a frozen dataclass per call would cost more than a small FFT.
Each cached plan carries the shape and dtype its results must have, so the
check of every result (``result_check.py``) costs three comparisons. Under
"auto" with candidates, the planner (``autoplan.py``) is asked once per plan,
on a cache miss; the cache key then includes the caller's input kind.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import autoplan, selection
from .call_check import active as crosscheck_active, checked
from .hookspecs import Plan
from .plan_cache import plan_cache
from .planning import make_plan
from .problem import FFTProblem
from .result_check import require_result

ProblemKey = tuple


class CachedPlan(NamedTuple):
    """A plan, what its results must look like, and the memory it holds."""

    plan: Plan
    shape: tuple[int, ...]
    dtype: np.dtype
    nbytes: int


def _build(key: ProblemKey, sel: selection.Selection, source: str) -> CachedPlan:
    problem = FFTProblem(*key)
    if sel.candidates:
        plan = autoplan.plan(problem, source, sel.candidates)
    else:
        plan = make_plan(problem, sel.names)
    return CachedPlan(plan, problem.output_shape, problem.output_dtype, plan_nbytes(plan))


def plan_nbytes(plan: Plan) -> int:
    """The plan's own report of the memory it holds (``nbytes``), 0 when it gives none."""
    try:
        n = getattr(plan, "nbytes", 0)
    except Exception:
        return 0
    return n if type(n) is int and n > 0 else 0


def cached_plan(problem: FFTProblem | ProblemKey, backend: selection.BackendSpec = None,
                source: str = autoplan.ARRAY_INPUT) -> CachedPlan:
    """The cache entry for ``problem`` (an FFTProblem or its key) under the current selection,
    for a caller whose input is of kind ``source`` (what the planner chooses for)."""
    sel = selection.resolve(backend)
    key = problem.key() if type(problem) is FFTProblem else problem
    cache_key = (sel.names, key, source) if sel.candidates else (sel.names, key)
    return plan_cache.get_or_build(cache_key, lambda: _build(key, sel, source))


def get_plan(problem: FFTProblem | ProblemKey, backend: selection.BackendSpec = None,
             source: str = autoplan.ARRAY_INPUT) -> Plan:
    """The cached plan for ``problem`` (an FFTProblem or its key) under the current selection."""
    return cached_plan(problem, backend, source).plan


def run(x: np.ndarray, problem: FFTProblem | ProblemKey,
        backend: selection.BackendSpec = None, source: str = autoplan.ARRAY_INPUT) -> np.ndarray:
    """Execute ``problem`` on ``x`` (exact shape and dtype) and return a new, checked array;
    ``source`` is the kind of input the caller passed (a tensor's NumPy view arrives here)."""
    plan, shape, dtype, _ = cached_plan(problem, backend, source)
    y = plan.execute(x)
    if type(y) is not np.ndarray or y.shape != shape or y.dtype != dtype:
        require_result(y, getattr(plan, "backend", "?"),
                       problem if type(problem) is FFTProblem else FFTProblem(*problem))
    cfg = crosscheck_active()
    return y if cfg is None else checked(plan, x, y, cfg, get_plan)
