"""The hot path: from a problem and the caller's array to an executed plan, with one cache lookup.

Problems travel as :class:`ProblemKey` tuples on this path: building and
hashing a frozen dataclass per call would cost more than a small FFT. The
cache is keyed by (selected backends, problem, place): the place is ``numpy``
for NumPy arrays and CPU tensors (both reach a host plan without a copy, so
they share one plan) and the array kind for tensors elsewhere, which may get
a plan of their own from a backend that takes them as they are. Each entry
carries the plan, what its results must look like, and per array kind the
route a call takes to it: as it is, or through the conversion in
``array_kinds.py`` (the one place arrays are converted).

Under "auto" with candidates, auto's planner (``autoplan.py``) chooses the
backend, once per plan on a cache miss, for NumPy arrays and CPU tensors
separately (a candidate taking tensors as they are may win for one kind and
not the other), so there the place of a CPU tensor is its own kind.
"""
from __future__ import annotations

import sys
from typing import Any, Callable, NamedTuple

import numpy as np

from . import array_kinds, autoplan, memory, selection
from .array_kinds import (NUMPY, SPLIT_PREFIX, TORCH_CPU, Conversion, conversion_for, deinterleave, host_copy,
                          host_viewable, interleave, kind_of, no_data_error, result_dtype, takes)
from .call_check import active as crosscheck_active, checked
from .hookspecs import Plan
from .plan_cache import plan_cache, release_free_memory
from .planning import array_kinds_of, backends_taking, make_plan, plan_in_place
from .problem import FFTProblem, ProblemKey
from .provisional import ProvisionalPlan
from .errors import BackendResultError, OutOfMemoryError
from .result_check import require_result


class Route(NamedTuple):
    """How a call with one array kind reaches a plan, and what the plan hands back."""

    conversion: Conversion
    kind: str    # the array kind the plan receives and returns
    dtype: Any   # the plan's result dtype, as that kind's library spells it


class CachedPlan(NamedTuple):
    """A plan, what its results must look like, the memory it holds, and its routes by array kind."""

    plan: Plan
    shape: tuple[int, ...]
    dtype: np.dtype
    nbytes: int
    takes: frozenset[str]          # the array kinds the plan's backend takes as they are
    routes: dict[str, Route]       # filled on first use of each kind
    cpu_view: bool                 # CPU tensors reach the plan as NumPy views (it does not take them)

    def route(self, kind: str) -> Route:
        found = self.routes.get(kind)
        if found is None:
            conversion = conversion_for(kind, self.takes)
            plan_kind = kind.removeprefix(SPLIT_PREFIX) if conversion.into is None else NUMPY
            found = self.routes[kind] = Route(conversion, plan_kind, result_dtype(plan_kind, self.dtype))
        return found


def _build(key: ProblemKey, sel: selection.Selection, place: str, eager: bool = False) -> CachedPlan:
    """A new cache entry; under auto's planner, for a class it has not measured, a provisional plan
    made with no search unless ``eager`` (``provisional.py``), and for one whose measurement the
    budget cut short and is due again, the plan of that measurement, provisional too (measured again
    next call). A CPU tensor's entry on the backend of the NumPy entry shares its plan, provisional
    for the tensors' class when theirs is (else that class would keep it, not measured again)."""
    problem = FFTProblem(*key)
    memory.check_call(problem)
    names = sel.names
    host = None if place == NUMPY else plan_cache.peek((sel.plan_key, key, NUMPY))
    if eager and host is not None and type(host.plan) is ProvisionalPlan:
        host = None  # a plan asked for by name is never another call's first-sight plan
    if sel.candidates and place in PLANNED_KINDS:
        first = None if eager else autoplan.first_sight(problem, place, sel.candidates)
        if first is None:
            chosen = autoplan.plan(problem, place, sel.candidates)
            if not eager and autoplan.measure_again(problem, place, sel.candidates):
                first = chosen  # a measurement the budget cut short: it serves a call, the next measures
        entry_key = (sel.plan_key, key, place)
        if first is not None:
            chosen = ProvisionalPlan(first, problem, place, entry_key)
        backend = getattr(chosen, "backend", names[0])
        if host is not None and getattr(host.plan, "backend", None) == backend:  # one plan for both kinds
            shared = host.plan
            if type(shared) is ProvisionalPlan:
                shared.keys.append(entry_key)  # dropped with it when it recurs
            elif first is not None:  # ours serves one call, then this class is measured (again)
                shared = ProvisionalPlan(shared, problem, place, entry_key)
            return host._replace(plan=shared, nbytes=0, routes={})
        accepted = array_kinds_of(backend)
        return CachedPlan(chosen, problem.output_shape, problem.output_dtype, plan_nbytes(chosen),
                          accepted, {}, not takes(accepted, TORCH_CPU))
    if host is not None and takes(host.takes, place):  # the host plan takes these too: share it
        return CachedPlan(host.plan, host.shape, host.dtype, 0, host.takes, {}, host.cpu_view)
    plan = plan_in_place(problem, sel.in_place or names, place)  # a backend taking ``place`` tensors as they are
    nbytes = plan_nbytes(plan)
    if plan is None:
        if place == NUMPY:
            plan = make_plan(problem, names)
            nbytes = plan_nbytes(plan)
        else:  # the host plan, shared (its memory is counted once, by the host entry)
            plan = cached_plan(key, sel, NUMPY, eager).plan
            nbytes = 0
    accepted = array_kinds_of(getattr(plan, "backend", names[0]))
    if place.endswith(":meta") and not (takes(accepted, place) or takes(accepted, place.removeprefix(SPLIT_PREFIX))):
        raise no_data_error(getattr(plan, "backend", names[0]), problem.describe(), backends_taking(place))
    return CachedPlan(plan, problem.output_shape, problem.output_dtype, nbytes, accepted, {},
                      not takes(accepted, TORCH_CPU))


PLANNED_KINDS = (NUMPY, TORCH_CPU)  # the input kinds auto's planner times candidates for


def _drop_plans_due_again(due: Callable[[FFTProblem, str], bool]) -> None:
    """Drop the cached plans auto's planner made for problems whose choice ``due`` says is to be
    measured again (``set_planner`` raised the budget past the one that cut it short)."""
    def planned(key: Any, entry: CachedPlan) -> bool:
        plan_key, problem, place = key  # (cached_plan's keys: the selection's plan_key, the problem, where)
        return plan_key[:1] == ("<auto>",) and place in PLANNED_KINDS and due(FFTProblem(*problem), place)
    plan_cache.discard_where(planned)


autoplan.on_settings_changed(_drop_plans_due_again)


def plan_nbytes(plan: Plan | None) -> int:
    """The plan's own report of the memory it holds (``nbytes``), 0 when it gives none."""
    try:
        n = getattr(plan, "nbytes", 0)
    except Exception:
        return 0
    return n if type(n) is int and n > 0 else 0


def cached_plan(key: ProblemKey, sel: selection.Selection, place: str = NUMPY, eager: bool = False) -> CachedPlan:
    """The cache entry for problem ``key`` under selection ``sel`` for arrays of ``place`` (``eager``: never
    a provisional one, as for a plan asked for by name: ``trnfft.plan``, ``which``)."""
    entry = plan_cache.get_or_build((sel.plan_key, key, place), _build, key, sel, place, eager)
    if eager and type(entry.plan) is ProvisionalPlan:
        entry.plan.recur()
        entry = plan_cache.get_or_build((sel.plan_key, key, place), _build, key, sel, place, eager)
    return entry


def _cpu_place(sel: selection.Selection) -> str:
    """Where CPU tensors are planned: with NumPy arrays, unless auto's planner chooses per kind."""
    return TORCH_CPU if sel.candidates else NUMPY


def entry_for(problem: FFTProblem | ProblemKey, backend: selection.BackendSpec = None,
              kind: str = NUMPY) -> CachedPlan:
    """The cache entry ``problem`` (an FFTProblem or its key) on ``kind`` arrays gets under the selection."""
    key = problem.key() if type(problem) is FFTProblem else problem
    sel = selection.resolve(backend)
    place = (_cpu_place(sel) if kind == TORCH_CPU else NUMPY) if host_viewable(kind) else kind
    return cached_plan(key, sel, place, eager=True)


def get_plan(problem: FFTProblem | ProblemKey, backend: selection.BackendSpec = None) -> Plan:
    """The cached plan for ``problem`` (an FFTProblem or its key) under the current selection."""
    return entry_for(problem, backend).plan


def run(x: Any, key: ProblemKey, backend: selection.BackendSpec = None) -> Any:
    """Execute problem ``key`` on ``x`` (exact shape and dtype; a NumPy array or a tensor).

    Returns a new, checked result of ``x``'s kind, on ``x``'s device. NumPy
    arrays and CPU tensors share one cache entry; tensors elsewhere have
    their own (``_build``).
    """
    try:
        sel = selection.resolve(backend)
        names = sel.plan_key
        if type(x) is np.ndarray:
            plan, shape, dtype, _, _, _, _ = plan_cache.get_or_build((names, key, NUMPY), _build, key, sel, NUMPY)
            xp = x
        elif x.is_cpu:
            place = _cpu_place(sel)
            entry = plan_cache.get_or_build((names, key, place), _build, key, sel, place)
            plan, shape, dtype, _, _, _, cpu_view = entry
            if not cpu_view:
                return _run_routed(x, key, entry, entry.route(TORCH_CPU), backend)
            xp = array_kinds.tensor_to_host(x)  # a host plan: a NumPy view in, the result's memory shared back
        else:
            kind = kind_of(x)
            entry = cached_plan(key, sel, kind)
            return _run_routed(x, key, entry, entry.route(kind), backend)
        y = plan.execute(xp)
        if type(y) is not np.ndarray or y.shape != shape or y.dtype != dtype:
            require_result(y, getattr(plan, "backend", "?"), FFTProblem(*key))
        cfg = crosscheck_active()
        if cfg is not None:
            checked(plan, xp, y, cfg, get_plan, sel.by_auto)
        return y if xp is x else array_kinds.host_to_cpu_tensor(y, x)
    except MemoryError as exc:  # a backend (or its planning) ran out: trnfft's error, the process still usable
        raise out_of_memory(exc, key) from None


def out_of_memory(exc: MemoryError, key: ProblemKey) -> MemoryError:
    """``exc`` as an OutOfMemoryError naming the problem (itself if it is one already), the plan cache's
    unused memory released (also for ``trnfft.plan`` objects, ``api/planned.py``)."""
    if isinstance(exc, OutOfMemoryError):
        return exc
    release_free_memory()
    return memory.ran_out(exc, FFTProblem(*key).describe())


# each runner's binding (selection, cache entry, plan, ...), kept here rather than in the runner so
# that the plan cache can make every runner let go of its plans when plans leave the cache
_bindings: dict[object, tuple] = {}
plan_cache.on_drop(_bindings.clear)


def runner(key: ProblemKey, backend: selection.BackendSpec, tensor: bool) -> Callable[[Any, np.ndarray], Any]:
    """``run`` for repeated calls on problem ``key``, as ``f(x, xp)``: ``x`` a NumPy array
    (``xp`` the same), or, when ``tensor``, a CPU tensor and ``xp`` its NumPy view.

    Same results, checks and errors as ``run``, with the lookups done once:
    the function keeps the selection, the cache entry and the way back to a
    tensor, and redoes them only when what the selection depends on changes
    (``selection.state``) or a plan has left the cache (its ``generation``
    moved; every binding is dropped then, so no runner keeps a dropped plan's memory).
    """
    me = object()  # this runner's key in ``_bindings``
    state, cache, ndarray, bindings = selection.state, plan_cache, np.ndarray, _bindings

    def bind(now: tuple) -> tuple:
        generation = cache.generation
        sel = selection.resolve(backend)
        place = _cpu_place(sel) if tensor else NUMPY
        cache_key = (sel.plan_key, key, place)
        entry = cache.get_or_build(cache_key, _build, key, sel, place)
        host = not tensor or entry.cpu_view  # else the plan takes CPU tensors as they are
        back = sys.modules["torch"].from_numpy if tensor else None
        found = bindings[me] = (now, generation, cache_key, entry, entry.plan.execute, entry.shape, entry.dtype,
                                host, back)
        return found

    def run_bound(x: Any, xp: np.ndarray) -> Any:
        try:  # (inline, not a call: this is the hot path)
            b = bindings.get(me)
            now = state(backend)
            if b is None or b[0] != now or b[1] != cache.generation:
                b = bind(now)
            else:
                cache.touch(b[2])
            _, _, _, entry, execute, shape, dtype, host, back = b
            if not host:
                return _run_routed(x, key, entry, entry.route(TORCH_CPU), backend)
            y = execute(xp)
            # (a result of the plan's own dtype carries that very dtype object: ``is`` spares the comparison)
            if type(y) is not ndarray or y.shape != shape or (y.dtype is not dtype and y.dtype != dtype):
                require_result(y, getattr(entry.plan, "backend", "?"), FFTProblem(*key))
            cfg = crosscheck_active()
            if cfg is not None:
                checked(entry.plan, xp, y, cfg, get_plan, selection.resolve(backend).by_auto)
            return y if back is None else back(y)
        except MemoryError as exc:  # as in ``run``
            raise out_of_memory(exc, key) from None

    return run_bound


def _run_routed(x: Any, key: ProblemKey, entry: CachedPlan, route: Route, backend: selection.BackendSpec) -> Any:
    """Run a tensor ``x`` as it is, or as a host copy and back, as ``route`` says."""
    into: Callable[[Any], Any] | None = route.conversion.into
    if into is not None:  # the host entry's plan, which this entry shares
        return route.conversion.back(run(into(x), key, backend), x)
    y = entry.plan.execute(x)
    if getattr(y, "dtype", None) is not route.dtype or y.shape != entry.shape or kind_of(y) != route.kind:
        require_result(y, getattr(entry.plan, "backend", "?"), FFTProblem(*key), route.kind)
    cfg = crosscheck_active()
    if cfg is not None and not route.kind.endswith(":meta"):  # a meta tensor has no values to compare
        checked(entry.plan, host_copy(x), host_copy(y), cfg, get_plan, selection.resolve(backend).by_auto)
    return y


def run_split(xr: Any, xi: Any, key: ProblemKey, backend: selection.BackendSpec = None) -> tuple[Any, Any]:
    """Execute problem ``key`` on split parts (``xi`` None for r2c input); (yr, yi), yi None for c2r output.

    A plan whose backend takes the pair's kind gets the parts as they are
    (``plan.execute_split``); otherwise the pair is interleaved into one
    complex array and the result split into views of its parts.
    """
    try:
        return _run_split(xr, xi, key, backend)
    except MemoryError as exc:  # as in ``run``
        raise out_of_memory(exc, key) from None


def _run_split(xr: Any, xi: Any, key: ProblemKey, backend: selection.BackendSpec) -> tuple[Any, Any]:
    sel = selection.resolve(backend)
    kind = SPLIT_PREFIX + kind_of(xr)
    entry = cached_plan(key, sel, NUMPY if host_viewable(kind) else kind)
    route = entry.route(kind)
    how = route.conversion.how
    if how.startswith("split-interleave"):
        return deinterleave(run(interleave(xr, xi), key, backend))
    into = route.conversion.into
    parts = (xr, xi) if into is None else (into(xr), None if xi is None else into(xi))
    yr, yi = entry.plan.execute_split(*parts)  # type: ignore[attr-defined]
    problem = FFTProblem(*key)
    _check_split(entry, problem, route.kind, yr, yi)
    cfg = crosscheck_active()
    if cfg is not None and not route.kind.endswith(":meta"):
        host = [p if p is None or type(p) is np.ndarray else host_copy(p) for p in (*parts, yr, yi)]
        checked(entry.plan, interleave(host[0], host[1]), interleave(host[2], host[3]), cfg, get_plan, sel.by_auto)
    if into is None:
        return yr, yi
    back = route.conversion.back
    return back(yr, xr), (None if yi is None else back(yi, xr))


def _check_split(entry: CachedPlan, problem: FFTProblem, kind: str, yr: Any, yi: Any) -> None:
    """Each part of a split result is a real array of the problem's output shape, of ``kind``."""
    real = problem.output_dtype if problem.kind == "c2r" else np.dtype(problem.output_dtype.char.lower())
    name = getattr(entry.plan, "backend", "?")
    if (yi is None) != (problem.kind == "c2r"):
        raise BackendResultError(f"backend {name!r} returned {'no' if yi is None else 'an'} imaginary part "
                                 f"from execute_split for {problem.describe()}")
    for part in (yr, yi):
        if part is not None:
            require_result(part, name, problem, kind, dtype=real)
