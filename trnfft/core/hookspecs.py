"""The plugin contract: the one pluggy hook and the Backend/Plan protocols.

A plugin module is found through the entry-point group ``trnfft.backends``
and implements ``trnfft_register_backends(register)``, calling
``register(backend, aliases=(), auto_priority=None, when=None, plan_settings=())``
once per backend object it provides. The plugin, not the core, owns the names users
type and the place in "auto":

* ``aliases``:       short names that select this backend;
* ``auto_priority``: "auto" tries the available backends with a priority,
                     highest first (None: never chosen by "auto");
* ``when``:          an :class:`EnvSwitch`; the aliases and the auto
                     priority hold only while it is on. Several backends may
                     claim one alias under opposite switches, so that the
                     alias means the one whose switch is on (a simulator
                     while its variable is set, the device otherwise);
* ``plan_settings``: names of environment variables this backend's plans
                     depend on (e.g. the chip they are made for). The core
                     caches plans under their values too: after one changes
                     (``os.environ`` mid-process included) the next call plans
                     afresh, and changing it back finds the earlier plan
                     still cached. Read on every call like the switches (a
                     dict lookup each); only environment variables, so that
                     a change is seen without asking the backend. pluggy does the discovery and
registration; after that the core talks to each backend object directly,
because a broadcast hook call costs about 1 us and the core resolves a
backend once per plan, not per call.

A backend object answers, in order of use:

* identity:      ``name``, ``version``, ``description``
* availability:  ``availability()`` -> :class:`Availability` (with the reason
                 and the fix when it cannot run here)
* capabilities:  ``capabilities()`` -> :class:`Capabilities`
* planning:      ``plan(problem)`` -> a :class:`Plan`, or raise
                 :class:`Declined` with the reason
* execution:     ``plan.execute(x)`` -> a new array of ``problem.output_shape``
                 and ``problem.output_dtype``, of the kind ``x`` is (see below).

* optionally:    ``backend.configure(**options)`` for backend settings,
                 ``backend.details()`` -> dict shown by ``trnfft info``,
                 ``backend.estimate_seconds(problem, source)`` -> seconds per call
                 (auto's planner), ``backend.pending_setup()`` -> ``(seconds,
                 what)`` this process still pays once before its first plan
                 (e.g. ``(1.0, "import torch")``), or None once paid: the
                 planner adds it to the estimate, and a choice made without a
                 candidate skipped for it is reconsidered when the problem is
                 next planned with the cost paid (a later process, or after
                 ``plan_cache.clear()``; a cached plan keeps serving),
                 ``plan.nbytes`` -> int, the memory the plan holds (buffers,
                 tables), counted against the plan cache's byte limit (a plan
                 without it counts as 0), and
                 ``plan.modelled_cost(plan_for=None)`` -> ``{"launches",
                 "trn1_seconds", "trn2_seconds"}`` for backends with a device
                 cost model, of the plan or of the one made for the chip
                 ``plan_for`` names (the asv suite tracks it when present),
                 ``plan.bind_buffers()`` -> an object with ``input_array``,
                 ``output_array`` (new NumPy arrays of the problem's input and
                 output shape and dtype) and ``execute()``, which transforms
                 the one into the other, normalised, with no copies (it may
                 overwrite ``input_array``): ``trnfft.plan`` objects use it for
                 their own buffers; without it they execute and copy.

What a plan receives and returns (the contract every backend keeps):

* kinds:         ``x`` is a NumPy array on the host unless the backend's
                 ``Capabilities.arrays`` declares more (``torch:cpu``,
                 ``torch:cuda``, ``torch:*``, ...; ``core/array_kinds.py``):
                 then tensors of those kinds arrive as the caller passed them,
                 on their device, and the result must be a tensor on that
                 same device. Every plan must take NumPy arrays. For kinds a
                 plan does not declare, the core converts (a zero-copy view
                 for CPU tensors, a copy to and from the host for others) and
                 ``trnfft which --array KIND`` says which. A backend that
                 declares a split kind (``split:numpy``, ``split:torch:xla``)
                 gives its plans ``execute_split(xr, xi) -> (yr, yi)``: real
                 parts in (``xi`` None for r2c), real parts out (``yi`` None
                 for c2r), the same kind; pairs of other kinds reach it as
                 one complex array, interleaved by the core.
* the input:     exactly ``problem.shape`` and ``problem.input_dtype`` (the
                 core has already padded, cropped, cast and conjugated), in
                 native byte order, with any strides (non-contiguous, zero
                 and negative strides included; read-only NumPy arrays too,
                 and tensors may carry torch's lazy conjugate bit). It must
                 never be modified, and the result must not share its memory.
* normalisation: the plan applies it: multiply by ``problem.scale`` (or let
                 the library do it from ``problem.norm``, which has numpy's
                 and torch's meaning relative to ``problem.forward``).
* threads:       plans are cached and shared: one plan may run on several
                 threads at once, so ``execute`` must not write shared state
                 without a lock (or must use per-call buffers).
* checks:        the core checks every result's type (kind), device, shape
                 and dtype and raises ``BackendResultError`` naming the
                 backend; the caller never sees a malformed result.

Backend names are what users
type: a plugin cannot take a name another plugin already registers (see
``registry.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np
import pluggy

from .array_kinds import HOST_KINDS, takes
from .env import getenv
from .problem import KINDS, FFTProblem

PROJECT = "trnfft"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True)
class Availability:
    """Whether a backend can run on this machine, and if not why and how to fix it."""

    available: bool
    reason: str = ""
    fix: str = ""
    setting_error: bool = False  # unavailable because a setting the user gave is invalid

    @classmethod
    def yes(cls) -> "Availability":
        return cls(True)

    @classmethod
    def no(cls, reason: str, fix: str = "") -> "Availability":
        return cls(False, reason, fix)

    @classmethod
    def misconfigured(cls, reason: str, fix: str) -> "Availability":
        """Unavailable because of an invalid setting (e.g. an environment variable), not because
        something is missing: "auto" and backend lists then raise instead of passing it over."""
        return cls(False, reason, fix, setting_error=True)


@dataclass(frozen=True)
class Capabilities:
    """What a backend can plan. ``None`` means no limit."""

    kinds: frozenset[str] = frozenset(KINDS)
    precisions: frozenset[str] = frozenset({"single", "double"})  # "long" (longdouble): opt-in
    max_rank: int | None = None      # transformed axes per plan
    max_size: int | None = None      # points per transform
    max_size_by_kind: dict[str, int] = field(default_factory=dict)  # tighter limits for some kinds
    precision_note: str = ""         # why a precision is missing and what to do instead
    threads: bool = False            # honours problem.workers
    arrays: frozenset[str] = HOST_KINDS  # array kinds plans take as they are: numpy, torch:cpu, torch:*
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def refusal(self, problem: FFTProblem) -> str | None:
        """Why this backend cannot take ``problem`` by its declared limits, or None."""
        if problem.kind not in self.kinds:
            return f"kind {problem.kind} not supported (supports {sorted(self.kinds)})"
        if problem.precision not in self.precisions:
            note = f" ({self.precision_note})" if self.precision_note else ""
            return f"{problem.precision} precision not supported{note}"
        if self.max_rank is not None and len(problem.axes) > self.max_rank:
            return f"{len(problem.axes)}-D transforms not supported (max {self.max_rank})"
        if self.max_size is not None and problem.size > self.max_size:
            return f"size {problem.size} above the maximum {self.max_size}"
        kind_limit = self.max_size_by_kind.get(problem.kind)
        if kind_limit is not None and problem.size > kind_limit:
            return f"{problem.kind} size {problem.size} above the maximum {kind_limit} for {problem.kind}"
        return None

    def takes(self, kind: str) -> bool:
        """Whether plans take arrays of ``kind`` (see ``array_kinds.py``) as they are."""
        return takes(self.arrays, kind)


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")   # with the variable unset: off; anything else is an error


@dataclass(frozen=True)
class EnvSwitch:
    """A condition on one environment variable: on while it is true ("1", "true", "yes", "on").

    With ``on=False`` the switch is on while the variable is *not* true. Only
    environment switches are allowed, so that the core can tell cheaply, on
    every call, whether a switch has flipped since it last resolved a name.
    """

    variable: str
    on: bool = True

    def holds(self) -> bool:
        return ((getenv(self.variable) or "").strip().lower() in _TRUE) == self.on

    def describe(self) -> str:
        return f"{self.variable}=1" if self.on else f"{self.variable} unset"

    def unreadable(self) -> str:
        """Why the variable's value is neither on nor off ("" when it is one of them, or unset): an error,
        never read as off."""
        value = getenv(self.variable)
        if value is None or value.strip().lower() in _TRUE + _FALSE:
            return ""
        return (f"{self.variable}={value!r} is neither on ({', '.join(_TRUE)}) nor off "
                f"({', '.join(repr(v) for v in _FALSE)}, or unset)")


class Declined(Exception):
    """Raised by ``Backend.plan`` when the backend cannot take a problem."""


@runtime_checkable
class Plan(Protocol):
    """A prepared transform. Built once per problem, executed many times."""

    problem: FFTProblem

    def execute(self, x: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class Backend(Protocol):
    """What a plugin registers: one FFT implementation."""

    name: str
    version: str
    description: str

    def availability(self) -> Availability: ...

    def capabilities(self) -> Capabilities: ...

    def plan(self, problem: FFTProblem) -> Plan: ...


@hookspec
def trnfft_register_backends(register: Callable[..., None]) -> None:
    """Register this plugin's backends by calling ``register(backend, ...)`` for each.

    ``register(backend, aliases=(), auto_priority=None, when=None, plan_settings=())``: see the
    module docstring for what the keywords mean.
    """


@hookspec
def trnfft_register_commands(subparsers: Any) -> None:
    """Add subcommands to the ``trnfft`` CLI (an ``argparse`` subparsers object).

    Each parser should ``set_defaults(func=handler)`` with ``handler(args) -> int``.
    """
