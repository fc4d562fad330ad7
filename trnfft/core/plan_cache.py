"""A bounded, thread-safe LRU cache of plans, like torch's cufft_plan_cache.

Bounded two ways: by count (``max_size``, ``TRNFFT_PLAN_CACHE_SIZE``, default
256) and by the memory the plans hold (``max_bytes``,
``TRNFFT_PLAN_CACHE_BYTES``, default 1 GiB; ``None`` for no byte limit). A
plan reports its memory as an optional ``nbytes`` attribute (FFTW plans pin
buffers as large as their problem); plans that do not count as 0. The most
recent plan is always kept, however large, so repeated calls on one big
problem do not plan again. Dropped plans' memory goes back to the operating
system where the C library allows it: ``clear()`` and eviction call glibc's
``malloc_trim`` once ``TRIM_AFTER`` bytes of plans have gone (glibc otherwise
keeps freed buffers below its adaptive mmap threshold in the heap, and a
process cycling through many shapes grows by fragments).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

from .errors import InvalidArgumentError

SIZE_ENV, BYTES_ENV = "TRNFFT_PLAN_CACHE_SIZE", "TRNFFT_PLAN_CACHE_BYTES"
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}
TRIM_AFTER = 16 * 2**20  # bytes of evicted plans between returns of free memory to the system


def parse_bytes(text: str, what: str = BYTES_ENV) -> int | None:
    """'512M', '2G', '1048576' -> bytes; 'none' -> None (no limit)."""
    value = text.strip().lower().removesuffix("ib").removesuffix("b")
    if value in ("none", "unlimited"):
        return None
    unit = value[-1:] if value[-1:] in _UNITS else ""
    try:
        n = int(float(value[:len(value) - len(unit)]) * _UNITS[unit])
    except ValueError:
        raise InvalidArgumentError(f"{what}={text!r} is not a size in bytes (e.g. 536870912, "
                                   f"512M, 2G or none)") from None
    if n < 0:
        raise InvalidArgumentError(f"{what}={text!r} must not be negative")
    return n


def _env_size() -> int:
    raw = os.environ.get(SIZE_ENV, "256")
    try:
        return int(raw)
    except ValueError:
        raise InvalidArgumentError(f"{SIZE_ENV}={raw!r} is not an integer") from None


DEFAULT_MAX_SIZE = _env_size()
DEFAULT_MAX_BYTES = parse_bytes(os.environ.get(BYTES_ENV, "1G"))


def _nbytes(value: Any) -> int:
    return getattr(value, "nbytes", 0)


class PlanCache:
    """LRU map from (backends, problem) to a plan; ``max_size`` 0 disables caching."""

    def __init__(self, max_size: int = DEFAULT_MAX_SIZE,
                 max_bytes: int | None = DEFAULT_MAX_BYTES) -> None:
        self._lock = threading.Lock()
        self._plans: OrderedDict[Hashable, Any] = OrderedDict()
        self._max_size = max_size
        self._max_bytes = max_bytes
        self._nbytes = 0
        self._evicted = 0  # bytes evicted since free memory was last returned
        self.hits = 0
        self.misses = 0
        self.generation = 0  # bumped whenever a plan leaves the cache (see ``touch``)
        self._last: Hashable = None  # the key most recently moved to the end
        self._on_drop: list[Callable[[], None]] = []

    @property
    def size(self) -> int:
        return len(self._plans)

    @property
    def nbytes(self) -> int:
        """Memory the cached plans report holding."""
        return self._nbytes

    @property
    def max_size(self) -> int:
        return self._max_size

    @max_size.setter
    def max_size(self, value: int) -> None:
        if value < 0:
            raise InvalidArgumentError("plan cache max_size must be >= 0")
        with self._lock:
            self._max_size = value
            self._evict()

    @property
    def max_bytes(self) -> int | None:
        return self._max_bytes

    @max_bytes.setter
    def max_bytes(self, value: int | None) -> None:
        if value is not None and value < 0:
            raise InvalidArgumentError("plan cache max_bytes must be >= 0 (or None for no limit)")
        with self._lock:
            self._max_bytes = value
            self._evict()

    def clear(self) -> None:
        """Drop every plan and give the memory they held back to the system."""
        with self._lock:
            dropped = self._nbytes + self._evicted
            self._plans.clear()
            self._dropped()
            self._last = None
            self._nbytes = self._evicted = 0
            self.hits = self.misses = 0
        if dropped >= TRIM_AFTER:  # worth a trim (a few ms on a large heap)
            release_free_memory()

    def peek(self, key: Hashable) -> Any:
        """The cached plan for ``key`` or None, leaving the LRU order and the counts alone."""
        return self._plans.get(key)

    def get_or_build(self, key: Hashable, build: Callable[..., Any], *args: Any) -> Any:
        """The cached plan for ``key``, ``build(*args)`` (outside the lock) on a miss.

        Passing the arguments, rather than a closure over them, spares every
        hit the closure's allocation (a tenth of a microsecond on the hot path).

        A hit takes no lock: a dict lookup and ``move_to_end`` are each atomic
        in CPython, and the lock would cost a tenth of a 1024-point FFT. A key
        evicted between the two is simply not re-ordered.
        """
        plan = self._plans.get(key)
        if plan is not None:
            try:
                self._plans.move_to_end(key)
                self._last = key
            except KeyError:
                pass
            self.hits += 1
            return plan
        with self._lock:
            self.misses += 1
        plan = build(*args)
        with self._lock:
            # another thread may have built the same plan meanwhile: keep the first
            kept = self._plans.setdefault(key, plan)
            if kept is plan:
                self._nbytes += _nbytes(plan)
            self._plans.move_to_end(key)
            self._last = key
            self._evict()
            trim = self._evicted >= TRIM_AFTER
            if trim:
                self._evicted = 0
        if trim:  # the evicted plans are gone now
            release_free_memory()
        return kept

    def touch(self, key: Hashable) -> None:
        """Count a hit on ``key``, taken by a caller holding the plan since ``generation`` last changed.

        While ``generation`` is unchanged no plan has left the cache, so the
        caller's plan is still the cached one and it may skip the lookup;
        the hit still refreshes the LRU order and the counts, as in ``get_or_build``,
        without hashing ``key`` again when it is (this very object) the most recent.
        """
        if self._last is not key:  # (moving the most recent plan to the end would change nothing)
            try:
                self._plans.move_to_end(key)
            except KeyError:  # evicted by another thread just now: not re-ordered
                return
            self._last = key
        self.hits += 1

    def on_drop(self, forget: Callable[[], None]) -> None:
        """Call ``forget()`` whenever plans leave the cache, so that holders of plans let go of them
        (and their memory goes back with the cache's)."""
        self._on_drop.append(forget)

    def _dropped(self) -> None:
        self.generation += 1
        for forget in self._on_drop:
            forget()

    def _evict(self) -> None:
        plans = self._plans
        while len(plans) > self._max_size or (
                self._max_bytes is not None and self._nbytes > self._max_bytes and len(plans) > 1):
            self._dropped()
            _, dropped = plans.popitem(last=False)
            self._nbytes -= _nbytes(dropped)
            self._evicted += _nbytes(dropped)


def release_free_memory() -> None:
    """Ask glibc to return freed heap pages to the system (no-op elsewhere)."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _find_malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


_malloc_trim = _find_malloc_trim()
plan_cache = PlanCache()
