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

The two variables are read as trnfft imports. An invalid value never breaks
the import (nor ``trnfft info``, which shows it): every transform that needs a
plan raises ``InvalidArgumentError`` naming the variable, as other bad settings
do, until the variable is fixed (a new process) or the limit is set in code
(``plan_cache.max_size = ...``), which takes what the variable takes.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import operator
import os
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

from .errors import InvalidArgumentError, InvalidArgumentTypeError

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


def parse_size(text: str, what: str = SIZE_ENV) -> int:
    """'256' -> 256: a count of plans, >= 0 (0 disables caching)."""
    try:
        n = int(text.strip())
    except ValueError:
        raise InvalidArgumentError(f"{what}={text!r} is not a whole number of plans (e.g. 256; 0 "
                                   f"disables the cache)") from None
    if n < 0:
        raise InvalidArgumentError(f"{what}={text!r} must not be negative (0 disables the cache)")
    return n


def _limit(value: Any, parse: Callable[[str, str], int | None], what: str, none_ok: bool) -> int | None:
    """A limit set in code: an int >= 0, a string as the variable takes it, or (bytes only) None."""
    if isinstance(value, str):
        return parse(value, what)
    if value is None and none_ok:
        return None
    try:
        n = operator.index(value) if not isinstance(value, bool) else None
    except TypeError:
        n = None
    if n is None:
        raise InvalidArgumentTypeError(f"{what} must be a whole number >= 0{', None' if none_ok else ''} or a "
                                       f"string as its variable takes it, got {value!r}")
    if n < 0:
        raise InvalidArgumentError(f"{what} must be >= 0{' (or None for no limit)' if none_ok else ''}, got {n}")
    return n


def _from_env(name: str, default: str, parse: Callable[[str, str], Any]) -> tuple[Any, str | None]:
    """The variable's value, parsed; an invalid one gives the default and the error to raise per call."""
    try:
        return parse(os.environ.get(name, default), name), None
    except InvalidArgumentError as exc:
        return parse(default, name), str(exc)


DEFAULT_MAX_SIZE, _SIZE_ERROR = _from_env(SIZE_ENV, "256", parse_size)
DEFAULT_MAX_BYTES, _BYTES_ERROR = _from_env(BYTES_ENV, "1G", parse_bytes)


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
        self._evicted = 0  # bytes of plans dropped (evicted or discarded) since free memory was last returned
        self.hits = 0
        self.misses = 0
        self.generation = 0  # bumped whenever a plan leaves the cache (see ``touch``)
        self._last: Hashable = None  # the key most recently moved to the end
        self._on_drop: list[Callable[[], None]] = []
        # an invalid limit variable, raised on every miss (no plan is ever cached meanwhile, so every call
        # misses) until the limit is set in code
        self._errors: dict[str, str] = {}

    @classmethod
    def from_environment(cls) -> "PlanCache":
        """The cache with the limits the variables give; an invalid one is kept to raise per call."""
        cache = cls()
        cache._errors = {k: e for k, e in (("max_size", _SIZE_ERROR), ("max_bytes", _BYTES_ERROR)) if e}
        return cache

    @property
    def setting_error(self) -> str | None:
        """Why the cache's limits are invalid (an environment variable), or None."""
        return "; ".join(self._errors.values()) or None

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
    def max_size(self, value: int | str) -> None:
        limit = _limit(value, parse_size, "plan_cache.max_size", none_ok=False)
        with self._lock:
            self._max_size = limit  # type: ignore[assignment]
            self._errors.pop("max_size", None)
            self._evict()

    @property
    def max_bytes(self) -> int | None:
        return self._max_bytes

    @max_bytes.setter
    def max_bytes(self, value: int | str | None) -> None:
        limit = _limit(value, parse_bytes, "plan_cache.max_bytes", none_ok=True)
        with self._lock:
            self._max_bytes = limit
            self._errors.pop("max_bytes", None)
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
        if self._errors:
            raise InvalidArgumentError(f"trnfft's plan cache is misconfigured: {self.setting_error}. Fix the "
                                       f"variable (read as trnfft imports) or set "
                                       f"{' and '.join('trnfft.plan_cache.' + k for k in self._errors)} in code")
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

    def discard(self, key: Hashable, holds: Callable[[Any], bool]) -> None:
        """Drop ``key``'s entry if ``holds(entry)`` (the next lookup builds it again)."""
        with self._lock:
            plan = self._plans.get(key)
            if plan is None or not holds(plan):
                return
            del self._plans[key]
            self._nbytes -= _nbytes(plan)
            self._evicted += _nbytes(plan)
            if self._last == key:
                self._last = None
            self._dropped()

    def discard_where(self, holds: Callable[[Hashable, Any], bool]) -> None:
        """Drop every entry for which ``holds(key, entry)`` (called outside the lock)."""
        with self._lock:
            entries = list(self._plans.items())
        for key, entry in entries:
            if holds(key, entry):
                self.discard(key, functools.partial(operator.is_, entry))

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
plan_cache = PlanCache.from_environment()
