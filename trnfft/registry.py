"""Discovery of backend plugins through entry points, isolated from their failures.

``TRNFFT_LOAD_BACKENDS`` (comma-separated entry-point names) limits which
plugins load; set it to an empty string to load none. A plugin that fails to
import or raises while registering is recorded as a broken entry, shown by
``trnfft info``, and never breaks ``import trnfft``.
"""
from __future__ import annotations

import os
import threading
import traceback
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

import pluggy

from . import hookspecs
from .errors import UnknownBackendError
from .hookspecs import Availability, Backend, Capabilities

ENTRY_POINT_GROUP = "trnfft.backends"
LOAD_ENV = "TRNFFT_LOAD_BACKENDS"


@dataclass
class BackendRecord:
    """A backend as the registry knows it: the object, or the error that stopped it."""

    name: str
    plugin: str
    backend: Backend | None = None
    error: str = ""

    def availability(self) -> Availability:
        if self.backend is None:
            return Availability.no(f"plugin {self.plugin!r} failed to load: {self.error}",
                                   "fix or uninstall the plugin")
        try:
            return self.backend.availability()
        except Exception as exc:  # a buggy plugin must not break the core
            return Availability.no(f"availability() raised {exc!r}", "fix the plugin")

    def capabilities(self) -> Capabilities | None:
        return self.backend.capabilities() if self.backend is not None else None


class Registry:
    """All plugins and the backends they registered. Loaded lazily, once."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._records: dict[str, BackendRecord] | None = None
        self._extra_plugins: list[tuple[Any, str]] = []
        self._manager: pluggy.PluginManager | None = None
        self.generation = 0  # bumped on every reload so caches keyed on it expire

    # -- loading -------------------------------------------------------------
    def _new_manager(self) -> pluggy.PluginManager:
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        return pm

    def _load(self) -> dict[str, BackendRecord]:
        records: dict[str, BackendRecord] = {}
        pm = self._new_manager()
        allowed = os.environ.get(LOAD_ENV)
        allow = None if allowed is None else {s.strip() for s in allowed.split(",") if s.strip()}
        sources: list[tuple[str, Any]] = []
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if allow is not None and ep.name not in allow:
                continue
            try:
                sources.append((ep.name, ep.load()))
            except Exception as exc:
                records[ep.name] = BackendRecord(ep.name, ep.name, error=_describe(exc))
        sources.extend((name, obj) for obj, name in self._extra_plugins)
        for plugin_name, obj in sources:
            try:
                pm.register(obj, name=plugin_name)
            except Exception as exc:
                records[plugin_name] = BackendRecord(plugin_name, plugin_name, error=_describe(exc))
                continue
            self._run_registration(pm, plugin_name, obj, records)
        self._manager = pm
        return records

    @staticmethod
    def _run_registration(pm: pluggy.PluginManager, plugin_name: str, obj: Any,
                          records: dict[str, BackendRecord]) -> None:
        """Call one plugin's register hook, so one plugin's failure stays its own."""
        def register(backend: Backend) -> None:
            if not isinstance(backend, Backend):
                raise TypeError(f"{backend!r} does not implement trnfft.plugin.Backend")
            if backend.name in records and records[backend.name].backend is not None:
                raise ValueError(f"backend name {backend.name!r} is already registered "
                                 f"by plugin {records[backend.name].plugin!r}")
            records[backend.name] = BackendRecord(backend.name, plugin_name, backend)

        for impl in pm.hook.trnfft_register_backends.get_hookimpls():
            if impl.plugin is not obj:
                continue
            try:
                impl.function(register=register)
            except Exception as exc:
                records.setdefault(plugin_name, BackendRecord(plugin_name, plugin_name))
                records[plugin_name].error = _describe(exc)

    def register_commands(self, subparsers: Any) -> list[str]:
        """Let every loaded plugin add CLI subcommands; returns the errors of those that failed."""
        self.records()
        errors = []
        pm = self._manager
        if pm is None:
            return errors
        for impl in pm.hook.trnfft_register_commands.get_hookimpls():
            try:
                impl.function(subparsers=subparsers)
            except Exception as exc:
                errors.append(f"plugin {impl.plugin_name!r} could not add its commands: {_describe(exc)}")
        return errors

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
            self.generation += 1

    def add_plugin(self, plugin: Any, name: str | None = None) -> None:
        """Register a plugin object (module or instance with the hook) at run time."""
        with self._lock:
            self._extra_plugins.append((plugin, name or getattr(plugin, "__name__", repr(plugin))))
            self.reload()

    def remove_plugin(self, plugin: Any) -> None:
        with self._lock:
            self._extra_plugins = [(p, n) for p, n in self._extra_plugins if p is not plugin]
            self.reload()

    # -- lookup --------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted(self.records())

    def get(self, name: str) -> BackendRecord:
        rec = self.records().get(name)
        if rec is None:
            known = ", ".join(self.names()) or "none"
            raise UnknownBackendError(
                f"unknown trnfft backend {name!r}; registered backends: {known}. "
                f"Backends come from the entry-point group {ENTRY_POINT_GROUP!r} "
                f"(check {LOAD_ENV} if set)")
        return rec


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
