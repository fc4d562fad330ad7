"""How long a backend may spend planning now: the part of auto's planning budget that is left.

auto's planner gives each new problem ``TRNFFT_PLANNER_BUDGET`` seconds in all:
the candidates' own planning and their trial runs. A backend that can trade
planning time for plan quality (FFTW's time limit) asks ``time_left()`` while it
plans and stays within it; ``None`` means no planner is timing it (an explicit
selection: the backend's own settings alone decide), 0 means plan as cheaply as
it can (the budget is spent, or the planner wants no search at all).
"""
from __future__ import annotations

import contextlib
import contextvars
import time
from typing import Iterator

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("trnfft_plan_deadline", default=None)


def time_left() -> float | None:
    """Seconds of planning left to the caller's planner (>= 0), or None when nothing bounds it."""
    deadline = _deadline.get()
    return None if deadline is None else max(0.0, deadline - time.perf_counter())


@contextlib.contextmanager
def planning_within(seconds: float) -> Iterator[None]:
    """Within the block, ``time_left()`` counts down from ``seconds`` (nested blocks take the sooner end)."""
    end = time.perf_counter() + seconds
    outer = _deadline.get()
    token = _deadline.set(end if outer is None else min(outer, end))
    try:
        yield
    finally:
        _deadline.reset(token)
