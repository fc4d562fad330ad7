"""Checking every transform against a reference backend as it runs.

``TRNFFT_CROSSCHECK=<backend>`` (or :func:`cross_checking` / :func:`set_crosscheck`)
makes each transform also run on the reference backend and compare norm-wise.
The caller always gets the checked backend's own result.
"""
from __future__ import annotations

import contextlib
import contextvars
import math
import warnings
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from .accuracy import DEFAULT_C, comparison, tolerance
from .env import getenv, raw_reader
from .errors import BackendError, CrossCheckError, InvalidArgumentError
from .hookspecs import Plan
from .problem import FFTProblem
from .result_check import mismatch
from .selection import fallback_for, other_backend, resolve_names

CROSSCHECK_ENV = "TRNFFT_CROSSCHECK"
MODE_ENV = "TRNFFT_CROSSCHECK_MODE"
C_ENV = "TRNFFT_CROSSCHECK_C"
MODES = ("raise", "warn")


class CrossCheckWarning(UserWarning):
    """Issued instead of CrossCheckError in warn mode."""


@dataclass(frozen=True)
class CrossCheckConfig:
    reference: str
    c: float = DEFAULT_C
    mode: str = "raise"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise InvalidArgumentError(f"cross-check mode must be one of {MODES}, got {self.mode!r}")
        if not self.c > 0:
            raise InvalidArgumentError(f"cross-check c must be > 0, got {self.c!r}")


_context: contextvars.ContextVar[CrossCheckConfig | None] = contextvars.ContextVar(
    "trnfft_crosscheck", default=None)
_global: CrossCheckConfig | None = None
_ref_env, _mode_env, _c_env = (raw_reader(name) for name in (CROSSCHECK_ENV, MODE_ENV, C_ENV))
_env_cache: tuple[tuple, CrossCheckConfig | None] = ((), None)


def _from_env() -> CrossCheckConfig | None:
    """The configuration the environment asks for; parsed again only when it changes."""
    global _env_cache
    raw_ref = _ref_env()  # unset on almost every call: one read, then out
    if raw_ref is None:
        return None
    key = (raw_ref, _mode_env(), _c_env())
    if key != _env_cache[0]:
        ref, mode, c = getenv(CROSSCHECK_ENV), getenv(MODE_ENV), getenv(C_ENV)
        cfg = None
        if ref and ref.strip():
            try:
                c_value = float(c) if c else DEFAULT_C
            except ValueError:
                raise InvalidArgumentError(f"{C_ENV}={c!r} is not a number") from None
            try:
                cfg = CrossCheckConfig(ref.strip(), c_value, mode or "raise")
            except InvalidArgumentError as exc:
                raise InvalidArgumentError(f"{MODE_ENV}={mode!r}, {C_ENV}={c!r}: {exc}") from None
        _env_cache = (key, cfg)
    return _env_cache[1]


def active() -> CrossCheckConfig | None:
    """The cross-check in force here: context, then set_crosscheck(), then environment."""
    return _context.get() or _global or (None if _ref_env() is None else _from_env())  # unset: no call


def set_crosscheck(reference: str | None, *, c: float = DEFAULT_C, mode: str = "raise") -> None:
    """Cross-check every transform against ``reference`` (None turns it off)."""
    global _global
    _global = CrossCheckConfig(reference, c, mode) if reference else None


@contextlib.contextmanager
def cross_checking(reference: str, *, c: float = DEFAULT_C, mode: str = "raise") -> Iterator[CrossCheckConfig]:
    """Within the block, cross-check every transform against ``reference``."""
    cfg = CrossCheckConfig(reference, c, mode)
    token = _context.set(cfg)
    try:
        yield cfg
    finally:
        _context.reset(token)


def checked(plan: Plan, x: np.ndarray, y: np.ndarray, cfg: CrossCheckConfig,
            get_plan: Callable[[FFTProblem, str], Plan], auto: bool = False) -> np.ndarray:
    """Return ``y`` unchanged, after comparing it with ``cfg``'s reference backend.

    ``get_plan(problem, backend)`` is dispatch's cached-plan lookup, passed in
    so that this module sits below dispatch instead of importing it back.
    ``auto``: the plan's backend was chosen by "auto", not by the caller; if
    that choice is the reference itself, the result is compared with the next
    available backend instead (a caller who names the reference as the
    backend gets an error: the check would compare a backend with itself).
    """
    problem = plan.problem
    checked_name = getattr(plan, "backend", "?")
    ref_name = resolve_names((cfg.reference,)).names[0]
    if ref_name == checked_name:
        other = other_backend(ref_name) if auto else None
        if other is None and auto:
            return y  # nothing else available to compare with
        if other is None:
            raise BackendError(
                f"cross-check reference {ref_name!r} is the backend being checked; choose a "
                f"different reference (e.g. {CROSSCHECK_ENV}={fallback_for(ref_name)}) or turn the check off")
        ref_name = other
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/Inf input: the check adds no noise
        y_ref = get_plan(problem, ref_name).execute(x)  # a plain execute: never checked again
    wrong = [f"{name!r} {why}" for name, out in ((checked_name, y), (ref_name, y_ref))
             if (why := mismatch(out, problem.output_shape, problem.output_dtype))]
    err, note = (math.nan, "") if wrong else comparison(y, y_ref, x)
    tol = tolerance(problem, cfg.c)
    if not err <= tol:  # NaN fails too
        what = ("; ".join(wrong) if wrong else
                f"norm-wise error {err:.3g} > tolerance {tol:.3g} "
                f"(c={cfg.c:g} * eps * log2(N={problem.size}))")
        msg = (f"cross-check failed: backend {checked_name!r} vs reference {ref_name!r} on "
               f"{problem.describe()}: {what}" + (f"; {note}" if note else ""))
        if cfg.mode == "warn":
            warnings.warn(msg, CrossCheckWarning, stacklevel=4)
        else:
            raise CrossCheckError(msg)
    return y
