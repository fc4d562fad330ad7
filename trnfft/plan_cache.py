"""A bounded, thread-safe LRU cache of plans, like torch's cufft_plan_cache."""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

DEFAULT_MAX_SIZE = int(os.environ.get("TRNFFT_PLAN_CACHE_SIZE", "256"))


class PlanCache:
    """LRU map from (backends, problem) to a plan; ``max_size`` 0 disables caching."""

    def __init__(self, max_size: int = DEFAULT_MAX_SIZE) -> None:
        self._lock = threading.Lock()
        self._plans: OrderedDict[Hashable, Any] = OrderedDict()
        self._max_size = max_size
        self.hits = 0
        self.misses = 0

    @property
    def size(self) -> int:
        return len(self._plans)

    @property
    def max_size(self) -> int:
        return self._max_size

    @max_size.setter
    def max_size(self, value: int) -> None:
        if value < 0:
            raise ValueError("plan cache max_size must be >= 0")
        with self._lock:
            self._max_size = value
            self._evict()

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()
            self.hits = self.misses = 0

    def get_or_build(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The cached plan for ``key``, building (outside the lock) on a miss.

        A hit takes no lock: a dict lookup and ``move_to_end`` are each atomic
        in CPython, and the lock would cost a tenth of a 1024-point FFT. A key
        evicted between the two is simply not re-ordered.
        """
        plan = self._plans.get(key)
        if plan is not None:
            try:
                self._plans.move_to_end(key)
            except KeyError:
                pass
            self.hits += 1
            return plan
        with self._lock:
            self.misses += 1
        plan = build()
        with self._lock:
            # another thread may have built the same plan meanwhile: keep the first
            plan = self._plans.setdefault(key, plan)
            self._plans.move_to_end(key)
            self._evict()
        return plan

    def _evict(self) -> None:
        while len(self._plans) > self._max_size:
            self._plans.popitem(last=False)


plan_cache = PlanCache()
