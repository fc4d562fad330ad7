"""Discovery of backend plugins through entry points, isolated from their failures.

``TRNFFT_LOAD_BACKENDS`` (comma-separated entry-point names) limits which
plugins load; set it to an empty string to load none. A plugin that fails to
import or raises while registering (``SystemExit`` included) is recorded as a
broken entry, shown by ``trnfft info``, and never breaks ``import trnfft``.

Backend names are the names users type, so no plugin may take one that is
already taken: trnfft's own plugins keep theirs (an impersonator is listed as
unavailable), and a name claimed by several other plugins goes to none of
them. To replace a backend deliberately, register yours under its own name
and select it, or keep the other plugin from loading with ``TRNFFT_LOAD_BACKENDS``.
"""
from __future__ import annotations

import argparse
import os
import threading
import traceback
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Callable, Iterable

import pluggy

from . import hookspecs
from .errors import UnknownBackendError
from .env import raw_values_reader
from .hookspecs import Availability, Backend, Capabilities, EnvSwitch

ENTRY_POINT_GROUP = "trnfft.backends"
DISTRIBUTION = "trnfft"
LOAD_ENV = "TRNFFT_LOAD_BACKENDS"


@dataclass
class BackendRecord:
    """A backend as the registry knows it: the object, or what stopped it."""

    name: str
    plugin: str
    backend: Backend | None = None
    error: str = ""     # the plugin failed to import or to register
    conflict: str = ""  # the name is claimed by another plugin too
    aliases: tuple[str, ...] = ()
    auto_priority: float | None = None
    when: EnvSwitch | None = None
    builtin: bool = False
    candidate: bool = False  # timed by "auto"'s planner against the other candidates
    plan_settings: tuple[str, ...] = ()  # environment variables this backend's plans depend on

    def claims_hold(self) -> bool:
        """Whether this backend's aliases and auto priority are in force now."""
        return self.when is None or self.when.holds()

    def availability(self) -> Availability:
        """The backend's own answer, unless it is missing, in conflict, or broken."""
        if self.conflict:
            return Availability.no(self.conflict, CONFLICT_FIX)
        if self.backend is None:
            return Availability.no(f"plugin {self.plugin!r} failed to load: {self.error}",
                                   "fix or uninstall the plugin")
        step = "availability"
        try:
            avail = self.backend.availability()
            if not isinstance(avail, Availability):
                return Availability.no(f"availability() returned {avail!r}, not an Availability",
                                       "fix the plugin")
            if avail.available:
                step = "capabilities"
                caps = self.backend.capabilities()
                if not isinstance(caps, Capabilities):
                    return Availability.no(f"capabilities() returned {caps!r}, not a Capabilities",
                                           "fix the plugin")
            return avail
        except BaseException as exc:  # a buggy plugin must not break the core
            contain(exc)
            return Availability.no(f"{step}() raised {_describe(exc)}", "fix the plugin")

    def capabilities(self) -> Capabilities | None:
        """The backend's capabilities; None when there is no backend or it cannot say."""
        if self.backend is None or self.conflict:
            return None
        try:
            caps = self.backend.capabilities()
        except BaseException as exc:
            contain(exc)
            return None
        return caps if isinstance(caps, Capabilities) else None


CONFLICT_FIX = (f"uninstall one of the plugins, or load only the one you want with {LOAD_ENV} "
                f"(entry-point names)")


def contain(exc: BaseException) -> None:
    """Let Ctrl-C through; any other failure of a plugin (SystemExit too) is the plugin's."""
    if isinstance(exc, KeyboardInterrupt):
        raise exc


@dataclass
class _Claim:
    """One plugin's registration of one backend name."""

    plugin: str
    backend: Backend
    builtin: bool
    aliases: tuple[str, ...] = ()
    auto_priority: float | None = None
    when: EnvSwitch | None = None
    candidate: bool = False
    plan_settings: tuple[str, ...] = ()

    def record(self, name: str) -> BackendRecord:
        return BackendRecord(name, self.plugin, self.backend, aliases=self.aliases,
                             auto_priority=self.auto_priority, when=self.when, builtin=self.builtin,
                             candidate=self.candidate, plan_settings=self.plan_settings)


class Registry:
    """All plugins and the backends they registered. Loaded lazily, once."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._records: dict[str, BackendRecord] | None = None
        self._extra_plugins: list[tuple[Any, str]] = []
        self._manager: pluggy.PluginManager | None = None
        self.generation = 0  # bumped on every reload so caches keyed on it expire
        # the raw values of the variables the registered switches and plan settings read (a memo key
        # part); until the first call after a load builds the reader, a method that builds it and takes
        # its place
        self.switch_state: Callable[[], object] = self._read_switches
        self._variables: tuple[str, ...] = ()  # the variables switch_state() reads, in its order
        self.load_note = ""  # what LOAD_ENV left out that the user may not mean to (see ``_load``)

    # -- loading -------------------------------------------------------------
    def _new_manager(self) -> pluggy.PluginManager:
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        return pm

    def _load(self) -> dict[str, BackendRecord]:
        failures: dict[str, BackendRecord] = {}
        claims: dict[str, list[_Claim]] = {}
        pm = self._new_manager()
        allowed = os.environ.get(LOAD_ENV)
        allow = None if allowed is None else {s.strip() for s in allowed.split(",") if s.strip()}
        sources: list[tuple[str, Any, bool]] = []
        installed = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)
        self.load_note = _load_note(allowed, allow, [ep.name for ep in installed])
        for ep in installed:
            if allow is not None and ep.name not in allow:
                continue
            try:
                sources.append((ep.name, ep.load(), _is_builtin(ep)))
            except BaseException as exc:
                contain(exc)
                failures[ep.name] = BackendRecord(ep.name, ep.name, error=_describe(exc))
        sources.extend((name, obj, False) for obj, name in self._extra_plugins)
        for plugin_name, obj, builtin in sources:
            try:
                pm.register(obj, name=plugin_name)
            except BaseException as exc:
                contain(exc)
                failures[plugin_name] = BackendRecord(plugin_name, plugin_name, error=_describe(exc))
                continue
            error = self._run_registration(pm, plugin_name, obj, builtin, claims)
            if error:
                failures[plugin_name] = BackendRecord(plugin_name, plugin_name, error=error)
        self._manager = pm
        records = _settle(claims)
        for key, rec in failures.items():
            records[key if key not in records else f"{key} (plugin)"] = rec
        return records

    @staticmethod
    def _run_registration(pm: pluggy.PluginManager, plugin_name: str, obj: Any, builtin: bool,
                          claims: dict[str, list[_Claim]]) -> str:
        """Call one plugin's register hook, so one plugin's failure stays its own ("" if none)."""
        def register(backend: Backend, aliases: tuple[str, ...] = (),
                     auto_priority: float | None = None, when: EnvSwitch | None = None,
                     candidate: bool = False, plan_settings: tuple[str, ...] = ()) -> None:
            if not isinstance(backend, Backend):
                raise TypeError(f"{backend!r} does not implement trnfft.plugin.Backend")
            if not isinstance(backend.name, str) or not backend.name:
                raise TypeError(f"backend name must be a non-empty string, got {backend.name!r}")
            if isinstance(aliases, str) or not all(isinstance(a, str) and a for a in aliases):
                raise TypeError(f"aliases must be a tuple of non-empty strings, got {aliases!r}")
            if auto_priority is not None and not isinstance(auto_priority, (int, float)):
                raise TypeError(f"auto_priority must be a number or None, got {auto_priority!r}")
            if when is not None and not isinstance(when, EnvSwitch):
                raise TypeError(f"when must be a trnfft.plugin.EnvSwitch or None, got {when!r}")
            if not isinstance(candidate, bool):
                raise TypeError(f"candidate must be True or False, got {candidate!r}")
            if isinstance(plan_settings, str) or not all(isinstance(v, str) and v for v in plan_settings):
                raise TypeError(f"plan_settings must be a tuple of environment variable names, "
                                f"got {plan_settings!r}")
            if candidate and auto_priority is None:
                raise TypeError("a candidate must also declare an auto_priority (its place when "
                                "nothing is measured)")
            claims.setdefault(backend.name, []).append(
                _Claim(plugin_name, backend, builtin, tuple(aliases), auto_priority, when, candidate,
                       tuple(plan_settings)))

        for impl in pm.hook.trnfft_register_backends.get_hookimpls():
            if impl.plugin is not obj:
                continue
            try:
                impl.function(register=register)
            except BaseException as exc:
                contain(exc)
                return _describe(exc)
        return ""

    def register_commands(self, subparsers: Any) -> list[str]:
        """Let every loaded plugin add CLI subcommands; returns the errors of those that failed."""
        self.records()
        errors: list[str] = []
        pm = self._manager
        if pm is None:
            return errors
        for impl in pm.hook.trnfft_register_commands.get_hookimpls():
            try:
                impl.function(subparsers=subparsers)
            except BaseException as exc:
                contain(exc)
                errors.append(f"plugin {impl.plugin_name!r} could not add its commands: {_describe(exc)}")
        return errors

    def left_out_commands(self, command: str) -> list[str]:
        """Which installed plugins that ``LOAD_ENV`` keeps from loading would add CLI ``command``, as
        sentences (asked only when a command is missing: each such plugin is imported to ask it)."""
        allowed = os.environ.get(LOAD_ENV)
        allow = None if allowed is None else {s.strip() for s in allowed.split(",") if s.strip()}
        if allow is None:
            return []
        found = []
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if ep.name in allow:
                continue
            scratch = argparse.ArgumentParser(prog="trnfft").add_subparsers()
            try:
                getattr(ep.load(), "trnfft_register_commands")(subparsers=scratch)
            except BaseException as exc:  # no such hook, or it fails: it cannot be shown to add the command
                contain(exc)
                continue
            if command in scratch.choices:
                found.append(f"{command!r} comes from plugin {ep.name!r}, which {LOAD_ENV}={allowed!r} does "
                             f"not load (add {ep.name} to it, or unset it)")
        return found

    def records(self) -> dict[str, BackendRecord]:
        if self._records is None:
            with self._lock:
                if self._records is None:
                    self._records = self._load()
        return self._records

    def reload(self) -> None:
        """Forget every plugin and load the entry points again."""
        with self._lock:
            self._records = None
            self.switch_state = self._read_switches
            self.generation += 1

    def add_plugin(self, plugin: Any, name: str | None = None) -> None:
        """Register a plugin object (module or instance with the hook) at run time."""
        with self._lock:
            label: str = name if name else getattr(plugin, "__name__", repr(plugin))
            self._extra_plugins.append((plugin, label))
            self.reload()

    def remove_plugin(self, plugin: Any) -> None:
        with self._lock:
            self._extra_plugins = [(p, n) for p, n in self._extra_plugins if p is not plugin]
            self.reload()

    # -- lookup --------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted(self.records())

    def canonical(self, name: str) -> str:
        """The backend an alias means now (``name`` itself when it is no alias).

        A backend's own name beats an alias; of the backends claiming an alias
        whose switch is on, trnfft's own plugins win, and a tie between others
        leaves the alias unresolved (``get`` then says it is unknown).
        """
        records = self.records()
        if name in records:
            return name
        claimants = [r for r in self.claimants(name) if r.claims_hold()]
        if len(claimants) > 1:
            claimants = [r for r in claimants if r.builtin] or claimants
        return claimants[0].name if len(claimants) == 1 else name

    def claimants(self, alias: str) -> list[BackendRecord]:
        """The backends that register ``alias``, whether or not their switch is on now."""
        return [r for r in self._usable(self.records()) if alias in r.aliases]

    def aliases(self) -> list[str]:
        """Every alias any backend registers (whether or not its switch is on now)."""
        return sorted({a for r in self._usable(self.records()) for a in r.aliases})

    def auto_order(self) -> list[str]:
        """The backends "auto" tries here, highest declared priority first."""
        ranked = [r for r in self._usable(self.records())
                  if r.auto_priority is not None and r.claims_hold()]
        return [r.name for r in sorted(ranked, key=lambda r: (-r.auto_priority, r.name))]  # type: ignore[operator]

    def candidates(self) -> list[str]:
        """The backends "auto"'s planner may time against each other, in "auto" order."""
        records = self.records()
        return [name for name in self.auto_order() if records[name].candidate]

    def _read_switches(self) -> object:
        """``switch_state()`` the first time after a load: builds the reader and puts it in its place.

        On the per-call path, so later calls are the bare read (``raw_values_reader``)."""
        records = self.records().values()
        variables = tuple(sorted({r.when.variable for r in records if r.when}
                                 | {v for r in records for v in r.plan_settings}))
        state = raw_values_reader(variables)
        self._variables, self.switch_state = variables, state
        return state()

    def switch_errors(self, records: Iterable[BackendRecord] | None = None) -> list[str]:
        """The switches of ``records`` (default: all) whose variable holds neither a true nor a false value,
        each with the accepted values: an error, never read as off. Checked when a selection resolves
        (its memo key holds the switches' raw values), not on every call."""
        chosen = self._usable(self.records()) if records is None else records
        switches = {r.when.variable: r.when for r in chosen if r.when}
        return [why for _, switch in sorted(switches.items()) if (why := switch.unreadable())]

    def plan_settings(self, names: Iterable[str], switches: object) -> tuple[tuple[str, object], ...]:
        """The (variable, raw value) pairs of the plan settings the backends ``names`` declare, as read
        in ``switches`` (a ``switch_state()`` value): what plans made for them are cached under too, so
        that a changed setting means new plans. Taken from that one read, not the environment again, so
        that a selection memoised under ``switches`` never carries another read's values."""
        records = self.records()
        wanted = sorted({v for name in names if name in records for v in records[name].plan_settings})
        if not wanted:
            return ()
        values = switches if len(self._variables) > 1 else (switches,)
        at = dict(zip(self._variables, values))  # type: ignore[call-overload]
        return tuple((v, at.get(v)) for v in wanted)

    @staticmethod
    def _usable(records: dict[str, BackendRecord]) -> list[BackendRecord]:
        return [r for r in records.values() if r.backend is not None and not r.conflict]

    def get(self, name: str) -> BackendRecord:
        rec = self.records().get(self.canonical(name))
        if rec is None:
            records = self.records()
            known = ", ".join(sorted(n for n, r in records.items() if not r.error)
                              + self.aliases()) or "none"
            failed = "".join(f" Plugin {r.plugin!r} failed to load, so its backends are missing: "
                             f"{r.error}." for r in records.values() if r.error)
            raise UnknownBackendError(
                f"unknown trnfft backend {name!r}; registered backends: {known}.{failed} "
                f"Backends come from the entry-point group {ENTRY_POINT_GROUP!r} "
                + (f"({self.load_note})" if self.load_note else f"(check {LOAD_ENV} if set)"))
        return rec


def _settle(claims: dict[str, list[_Claim]]) -> dict[str, BackendRecord]:
    """One record per backend name; a name claimed twice never goes to a newcomer silently.

    trnfft's own plugins keep their names (an impersonator is listed, unused);
    a name several other plugins claim is given to none of them.
    """
    records: dict[str, BackendRecord] = {}
    for name, found in claims.items():
        if len(found) == 1:
            records[name] = found[0].record(name)
            continue
        plugins = ", ".join(repr(c.plugin) for c in found)
        owner = next((c for c in found if c.builtin), None)
        if owner is None:
            records[name] = BackendRecord(name, plugins, conflict=(
                f"backend name {name!r} is registered by several plugins ({plugins}), "
                f"so none of them is used"))
            continue
        records[name] = owner.record(name)
        for c in found:
            if c is not owner:
                records[f"{name} (plugin {c.plugin})"] = BackendRecord(name, c.plugin, conflict=(
                    f"plugin {c.plugin!r} also registers the name {name!r}, which belongs to "
                    f"trnfft's plugin {owner.plugin!r}; it is ignored (give it its own name)"))
    return records


def _load_note(allowed: str | None, allow: set[str] | None, installed: list[str]) -> str:
    """What ``LOAD_ENV`` keeps from loading, when that may be a mistake ("" when it is unset or all is well)."""
    if allow is None:
        return ""
    names = ", ".join(installed) or "none"
    unknown = sorted(allow.difference(installed))
    if unknown:
        return (f"{LOAD_ENV} names {', '.join(map(repr, unknown))}, which "
                f"{'is no installed plugin' if len(unknown) == 1 else 'are no installed plugins'} "
                f"(installed: {names})")
    if not allow:
        return f"{LOAD_ENV}={allowed!r} loads no plugin (installed: {names})"
    return ""


def _is_builtin(ep: Any) -> bool:
    """Whether an entry point comes from the trnfft distribution itself."""
    dist = getattr(ep, "dist", None)
    return dist is not None and (dist.name or "").lower() == DISTRIBUTION


def _describe(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (at {last[0].filename}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


REGISTRY = Registry()


def register_plugin(plugin: Any, name: str | None = None) -> None:
    """Add a plugin at run time through the same hook entry points use."""
    REGISTRY.add_plugin(plugin, name)


def unregister_plugin(plugin: Any) -> None:
    """Remove a plugin added with :func:`register_plugin`."""
    REGISTRY.remove_plugin(plugin)


def reload_backends() -> None:
    """Re-read the entry points (after installing a plugin, or changing TRNFFT_LOAD_BACKENDS)."""
    REGISTRY.reload()
