"""Turning a problem into a plan: ask each selected backend, else split into 1-D passes."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .array_kinds import HOST_KINDS, SPLIT_PREFIX, host_viewable, kind_of
from .errors import UnsupportedProblemError
from .hookspecs import Declined, Plan
from .problem import FFTProblem
from .registry import REGISTRY
from .result_check import require_result
from .selection import fallback_for


@dataclass
class PassesPlan:
    """A multi-axis transform run as a sequence of plans over fewer axes."""

    problem: FFTProblem
    passes: tuple[Plan, ...]
    backend: str

    @property
    def nbytes(self) -> int:
        return sum(getattr(p, "nbytes", 0) or 0 for p in self.passes)

    def execute(self, x: np.ndarray) -> np.ndarray:
        kind = kind_of(x)  # the passes' backend takes this kind, so each pass returns it too
        for p in self.passes:
            x = p.execute(x)
            require_result(x, getattr(p, "backend", self.backend), p.problem, kind)  # before the next pass
        return x


def plan_on(name: str, problem: FFTProblem) -> Plan:
    """Plan ``problem`` on one backend, or raise Declined with the reason."""
    rec = REGISTRY.get(name)
    assert rec.backend is not None  # selection only returns loaded backends
    caps = rec.capabilities()
    if caps is None:
        raise Declined("its capabilities() failed")
    refusal = caps.refusal(problem)
    if refusal:
        raise Declined(refusal)
    return rec.backend.plan(problem)


def array_kinds_of(name: str) -> frozenset[str]:
    """The array kinds backend ``name`` declares its plans take as they are."""
    caps = REGISTRY.get(name).capabilities()
    return caps.arrays if caps is not None else HOST_KINDS


def backends_taking(kind: str) -> list[str]:
    """The available backends whose plans take ``kind`` arrays as they are."""
    out = []
    for name, rec in sorted(REGISTRY.records().items()):
        caps = rec.capabilities() if rec.availability().available else None
        if caps is not None and caps.takes(kind):
            out.append(name)
    return out


def plan_in_place(problem: FFTProblem, names: tuple[str, ...], kind: str) -> Plan | None:
    """A plan, by the first backend in ``names`` that takes ``kind`` arrays as they are, or None.

    Only for kinds that cannot reach a NumPy plan without a copy (tensors on a
    device, meta tensors): a NumPy array or a CPU tensor goes to the first
    backend that plans it, as it always has, since handing it over costs nothing.
    A split pair (``split:<base>``) also goes to a backend taking ``<base>``
    arrays: the pair is joined where it lives, with no trip to the host.
    """
    if host_viewable(kind):
        return None
    base = kind.removeprefix(SPLIT_PREFIX)
    for name in names:
        caps = REGISTRY.get(name).capabilities()
        if caps is not None and (caps.takes(kind) or caps.takes(base)):
            try:
                return _tag(plan_on(name, problem), name)
            except Declined:
                continue
    return None


def make_plan(problem: FFTProblem, names: tuple[str, ...]) -> Plan:
    """The first backend in ``names`` that takes ``problem``; then 1-D passes; else raise."""
    reasons: list[str] = []
    for name in names:
        try:
            return _tag(plan_on(name, problem), name)
        except Declined as why:
            reasons.append(f"{name}: {why}")
    if len(problem.axes) > 1:
        for name in names:
            try:
                passes = tuple(_tag(plan_on(name, p), name) for p in split_axes(problem))
                return PassesPlan(problem, passes, name)
            except Declined as why:
                reasons.append(f"{name} (as 1-D passes): {why}")
    hint = "" if len(names) > 1 else (
        f". List a fallback after it, e.g. backend='{names[0]},{fallback_for(names[0])}', to run such "
        f"problems elsewhere")
    raise UnsupportedProblemError(
        f"no selected backend can compute {problem.describe()}: " + "; ".join(reasons) + hint)


def _tag(plan: Plan, name: str) -> Plan:
    """Record which backend built a plan (so `which` and cross-checks can name it)."""
    if not hasattr(plan, "backend"):
        try:
            plan.backend = name  # type: ignore[attr-defined]
        except AttributeError:
            pass
    return plan


def split_axes(problem: FFTProblem) -> list[FFTProblem]:
    """One problem per axis, in execution order, that together equal ``problem``.

    The normalisation factor is a product over axes for every norm, so each
    pass applies its own. r2c goes real-axis first, c2r last.
    """
    axes, lengths = problem.axes, problem.lengths
    passes: list[FFTProblem] = []
    shape = list(problem.shape)

    def one(kind: str, axis: int, n: int, forward: bool) -> None:
        p = replace(problem, kind=kind, shape=tuple(shape), axes=(axis,), lengths=(n,),
                    forward=forward)
        passes.append(p)
        shape[:] = p.output_shape

    if problem.kind == "c2c":
        for ax, n in zip(axes, lengths):
            one("c2c", ax, n, problem.forward)
    elif problem.kind == "r2c":
        one("r2c", axes[-1], lengths[-1], True)
        for ax, n in zip(axes[:-1], lengths[:-1]):
            one("c2c", ax, n, True)
    else:
        for ax, n in zip(axes[:-1], lengths[:-1]):
            one("c2c", ax, n, False)
        one("c2r", axes[-1], lengths[-1], False)
    return passes
