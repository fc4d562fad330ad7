"""Which backend runs a call: explicit argument, context, global, environment, auto.

Highest priority first:

1. ``backend=`` on the call, or ``with trnfft.use_backend(...)`` (context-local,
   so threads and asyncio tasks each keep their own);
2. ``trnfft.set_backend(...)``;
3. ``TRNFFT_BACKEND``;
4. "auto": the available backend with the highest ``auto_priority``; when that
   one declared itself a candidate, the planner (``autoplan.py``) chooses among
   all available candidates per problem instead. A problem auto's pick declines
   (double precision on an NKI backend, say) goes to the next available backend
   in the "auto" order, as in a list; a backend the caller names never falls
   through.
   For an array that would need a host copy to reach auto's plan (a tensor on a
   device, a meta tensor), the first available backend in the "auto" order
   whose plans take it as it is goes first (``Selection.in_place``), by the
   array kinds it declares.

Names, aliases and the "auto" order all come from the plugins' registrations
(see ``hookspecs.py``); this module knows no backend by name.

A selection may name several backends ("first,second"): entries that
are unavailable here are skipped (recorded with the reason in
``Selection.skipped``), and of the rest the first that accepts a problem plans
it. A single name never falls back silently. A backend unavailable because a
setting of it is invalid (``Availability.misconfigured``, e.g. a bad
environment variable) is never skipped, named, listed or under "auto": that
raises ``BackendSettingError``, as a bad ``TRNFFT_WORKERS`` does. So does a
switch variable (``EnvSwitch``) holding neither an on nor an off word, for
"auto" and the aliases it steers (``registry.switch_errors``).
"""
from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field
from typing import Iterator, Sequence, Union

from .env import getenv, raw_reader
from .errors import BackendSettingError, BackendUnavailableError, InvalidArgumentError
from .hookspecs import Availability
from .registry import REGISTRY

BackendSpec = Union[str, Sequence[str], None]

BACKEND_ENV = "TRNFFT_BACKEND"

_context: contextvars.ContextVar[tuple[str, ...] | None] = contextvars.ContextVar(
    "trnfft_backend", default=None)
_global: tuple[str, ...] | None = None
_epoch = 0  # bumped by set_backend (so ``state`` needs no ``_global``)
_memo: dict[tuple, "Selection"] = {}
AUTO = ("auto",)  # what a selection requested when "auto" chooses
_backend_env = raw_reader(BACKEND_ENV)


@dataclass(frozen=True)
class Selection:
    """The concrete backends a call will try, in order, and where that choice came from."""

    names: tuple[str, ...]
    requested: tuple[str, ...]
    source: str
    skipped: tuple[tuple[str, str], ...] = ()  # (listed entry, why it is unavailable)
    candidates: tuple[str, ...] = ()  # "auto" only: the backends its planner chooses among
    # the backends asked first, in order, for arrays a host plan cannot take without a copy:
    # the names themselves, except under plain "auto": every available backend in "auto" order
    in_place: tuple[str, ...] = ()
    # the plan settings (environment variables and their raw values) the backends above declare
    # (``plan_settings=`` in ``register``): part of ``plan_key``, so that a changed setting means new plans
    settings: tuple[tuple[str, object], ...] = ()
    # what plans made for this selection are cached under: ``names``, or for auto's planner
    # its candidates behind a marker, so that an explicit selection of the backend the planner
    # chose never shares, or is served, a plan the planner made (an attribute: the hot path reads it);
    # plain "auto" without a planner names its whole order, which an explicit list of the same
    # names equals in every respect (its device entries, ``in_place``, are that list too)
    plan_key: tuple[str, ...] = field(init=False)

    @property
    def by_auto(self) -> bool:
        """Whether "auto" chose the backends (rather than the caller naming them)."""
        return self.requested == AUTO

    def __post_init__(self) -> None:
        key = (("<auto>",) + self.candidates if self.candidates else
               ("<auto>",) + self.names if self.in_place not in ((), self.names) else self.names)
        object.__setattr__(self, "plan_key", key + (self.settings,) if self.settings else key)


def _split(spec: BackendSpec) -> tuple[str, ...] | None:
    if spec is None:
        return None
    if isinstance(spec, str):
        parts = spec.split(",")
    elif isinstance(spec, (list, tuple)) and all(isinstance(p, str) for p in spec):
        parts = list(spec)
    else:
        raise InvalidArgumentError(f"backend must be a backend name, comma-separated names or a "
                                   f"list of names (str), got {spec!r}")
    names = tuple(p.strip() for p in parts if p and p.strip())
    if not names:
        raise InvalidArgumentError(f"empty backend selection {spec!r}")
    return names


def set_backend(backend: BackendSpec) -> None:
    """Set the process-wide backend (None or "auto" restores automatic choice)."""
    global _global, _epoch
    names = _split(backend)
    if names is not None:
        resolve_names(names)  # fail now, not at the first transform
    _global, _epoch = names, _epoch + 1  # (a new epoch: set_backend resolves afresh, same names or not)
    _memo.clear()


def get_backend() -> str:
    """The backend selection in force here, as written by the user ("auto" if none)."""
    return ",".join(_requested(None)[0])


@contextlib.contextmanager
def use_backend(backend: BackendSpec) -> Iterator[Selection]:
    """Run the block with ``backend``; context-local (thread- and task-safe)."""
    names = _split(backend)
    selection = resolve_names(names) if names is not None else None
    token = _context.set(names)
    try:
        yield selection if selection is not None else resolve(None)
    finally:
        _context.reset(token)


def _requested(explicit: BackendSpec) -> tuple[tuple[str, ...], str]:
    names = _split(explicit)
    if names is not None:
        return names, "backend= argument"
    ctx = _context.get()
    if ctx is not None:
        return ctx, "use_backend() context"
    if _global is not None:
        return _global, "set_backend()"
    env = (getenv(BACKEND_ENV) or "").strip()
    if env:
        return _split(env), f"{BACKEND_ENV}={env}"  # type: ignore[return-value]
    return AUTO, "auto"


SWITCHES_AT = 4   # where ``state()`` holds the registry's switch read (the plan settings' values come from it)


def state(explicit: BackendSpec = None) -> tuple:
    """Everything a selection for ``backend=explicit`` depends on, the backends' plan settings included:
    while it compares equal, ``resolve(explicit)`` gives the same Selection (so a caller holding one may
    skip the lookup)."""
    return (explicit, _context.get(), _epoch, _backend_env(), REGISTRY.switch_state(), REGISTRY.generation)


def resolve(explicit: BackendSpec = None) -> Selection:
    """The backends a transform call with ``backend=explicit`` would use here."""
    if type(explicit) is list:
        explicit = tuple(explicit)
    key = state(explicit)
    try:
        sel = _memo.get(key)
    except TypeError:  # an unhashable backend=: _requested() says what is wrong with it
        sel = None
    if sel is None:
        requested, source = _requested(explicit)
        if requested == AUTO and source == "auto":
            source = _auto_source()
        sel = resolve_names(requested, source, key[SWITCHES_AT])
        _memo[key] = sel
    return sel


def resolve_names(requested: tuple[str, ...], source: str = "", switches: object = None) -> Selection:
    """Map requested names (backend names, aliases, "auto") to available backends, or raise.

    ``switches``: the ``REGISTRY.switch_state()`` value the plan settings are taken from (read now if None)."""
    names: list[str] = []
    skipped: list[tuple[str, str]] = []
    for req in requested:
        try:
            name = _resolve_one(req)
        except BackendUnavailableError as exc:
            if len(requested) == 1:
                raise  # a single name never falls back
            skipped.append((req, getattr(exc, "reason", str(exc))))
            continue
        if name not in names:
            names.append(name)
    if not names:
        raise BackendUnavailableError(
            f"none of the listed backends {','.join(requested)!r} is available here: "
            + "; ".join(f"{entry}: {why}" for entry, why in skipped))
    auto = requested == AUTO
    candidates = _auto_candidates(names[0]) if auto else ()
    in_place = tuple(n for n in REGISTRY.auto_order() if _available(n)) if auto else ()
    if auto:  # a problem auto's pick declines falls through to the next in auto's order, as in a list
        names = list(in_place)
    in_place = in_place or tuple(names)
    if switches is None:
        switches = REGISTRY.switch_state()
    settings = REGISTRY.plan_settings((*names, *candidates, *in_place), switches)
    return Selection(tuple(names), requested, source, tuple(skipped), candidates, in_place, settings)


def _resolve_one(requested: str) -> str:
    if requested == "auto" or requested not in REGISTRY.records():
        _raise_if_switch_unreadable(requested)
    if requested == "auto":
        return _auto()
    name = REGISTRY.canonical(requested)
    if name == requested and name not in REGISTRY.records():
        _raise_if_switched_off(requested)
    rec = REGISTRY.get(name)  # raises UnknownBackendError with the known names
    avail = rec.availability()
    if not avail.available:
        called = repr(name) if name == requested else f"{requested!r} (here {name!r})"
        _raise_if_misconfigured(called, avail)
        fix = f" Fix: {avail.fix}" if avail.fix else ""
        raise _unavailable(
            f"trnfft backend {called} is not available here: {avail.reason}.{fix}; or list a "
            f"fallback, e.g. {requested + ',' + fallback_for(name)!r} (unavailable entries in a "
            f"list are skipped)", avail.reason)
    return name


def _raise_if_switched_off(alias: str) -> None:
    """An alias that names a backend only while a switch is on: say which switch."""
    off = [r for r in REGISTRY.claimants(alias) if r.when is not None and not r.claims_hold()]
    if off:
        means = "; ".join(f"{r.name!r} while {r.when.describe()}" for r in off)  # type: ignore[union-attr]
        raise _unavailable(
            f"trnfft backend {alias!r} names no backend here: it means {means}. Set that, or "
            f"choose another backend (`trnfft info` lists them)", f"{alias!r} needs {means}")


def _raise_if_switch_unreadable(requested: str) -> None:
    """What "auto" or an alias means depends on the switches: one set to neither on nor off is an error
    (a backend's own name does not depend on them, so it still works)."""
    bad = REGISTRY.switch_errors(None if requested == "auto" else REGISTRY.claimants(requested))
    if bad:
        raise BackendSettingError(f"trnfft cannot tell what {requested!r} means here: {'; '.join(bad)}")


def _raise_if_misconfigured(called: str, avail: Availability) -> None:
    """A backend unavailable for an invalid setting is an error wherever it is asked for:
    named, listed or under "auto", never passed over for the next one."""
    if avail.setting_error:
        raise BackendSettingError(f"trnfft backend {called} cannot run as configured: {avail.reason}. "
                                  f"Fix: {avail.fix}")


def _unavailable(message: str, reason: str) -> BackendUnavailableError:
    """The error, carrying the short reason a backend list reports when it skips the entry."""
    exc = BackendUnavailableError(message)
    exc.reason = reason  # type: ignore[attr-defined]
    return exc


def other_backend(name: str) -> str | None:
    """The first available backend other than ``name`` in "auto" order, None when there is none."""
    return next((other for other in REGISTRY.auto_order() if other != name and _available(other)), None)


def fallback_for(name: str) -> str:
    """A backend to suggest after ``name`` in a list: the first other one "auto" could pick."""
    return other_backend(name) or "another-backend"


def _available(name: str) -> bool:
    rec = REGISTRY.records().get(name)
    return rec is not None and rec.availability().available


def _auto() -> str:
    """The available backend of highest auto priority; raises when any "auto" would try is
    unavailable for an invalid setting (the user asked for something that cannot be)."""
    records, found = REGISTRY.records(), None
    for name in REGISTRY.auto_order():
        avail = records[name].availability()
        _raise_if_misconfigured(repr(name), avail)
        if found is None and avail.available:
            found = name
    if found is not None:
        return found
    why = (f"{REGISTRY.load_note}." if REGISTRY.load_note else
           "Run `trnfft info` to see why each backend is missing." if records else
           "No backend plugin is installed.")
    raise BackendUnavailableError(
        f"no trnfft backend is available for 'auto': none of the backends that declare an auto "
        f"priority can run here. {why}")


def _auto_candidates(top: str) -> tuple[str, ...]:
    """The available candidates, when "auto"'s own pick is one (else none: it stands)."""
    found = tuple(name for name in REGISTRY.candidates() if _available(name))
    return found if top in found and len(found) > 1 else ()


def _auto_source() -> str:
    """Where "auto" came from: plain, or the switch that put its pick first (e.g. an env var)."""
    try:
        rec = REGISTRY.records().get(_auto())
    except BackendUnavailableError:
        return "auto"
    return rec.when.describe() if rec is not None and rec.when is not None else "auto"
