"""Which backend runs a call: explicit argument, context, global, environment, auto.

Highest priority first:

1. ``backend=`` on the call, or ``with trnfft.use_backend(...)`` (context-local,
   so threads and asyncio tasks each keep their own);
2. ``trnfft.set_backend(...)``;
3. ``TRNFFT_BACKEND``;
4. ``TRNFFT_USE_SIMULATOR=1``, which means "nki" on the simulator;
5. "auto": nki-hardware when it is available, else fftw-reference, else
   numpy-reference.

A selection may name several backends ("nki,fftw-reference"): entries that
are unavailable here are skipped (recorded with the reason in
``Selection.skipped``), and of the rest the first that accepts a problem plans
it. A single name never falls back silently.
"""
from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass
from typing import Iterator, Sequence, Union

from .env import getenv, raw_reader
from .errors import BackendUnavailableError, InvalidArgumentError
from .registry import REGISTRY

BackendSpec = Union[str, Sequence[str], None]

BACKEND_ENV = "TRNFFT_BACKEND"
SIMULATOR_ENV = "TRNFFT_USE_SIMULATOR"
AUTO_ORDER = ("nki-hardware", "fftw-reference", "numpy-reference")
ALIASES = {"fftw": "fftw-reference", "numpy": "numpy-reference"}
NKI_HARDWARE, NKI_SIMULATOR = "nki-hardware", "nki-simulator"

_context: contextvars.ContextVar[tuple[str, ...] | None] = contextvars.ContextVar(
    "trnfft_backend", default=None)
_global: tuple[str, ...] | None = None
_memo: dict[tuple, "Selection"] = {}
_backend_env, _simulator_env = raw_reader(BACKEND_ENV), raw_reader(SIMULATOR_ENV)


@dataclass(frozen=True)
class Selection:
    """The concrete backends a call will try, in order, and where that choice came from."""

    names: tuple[str, ...]
    requested: tuple[str, ...]
    source: str
    skipped: tuple[tuple[str, str], ...] = ()  # (listed entry, why it is unavailable)


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


def simulator_requested() -> bool:
    return (getenv(SIMULATOR_ENV) or "").strip().lower() in ("1", "true", "yes", "on")


def set_backend(backend: BackendSpec) -> None:
    """Set the process-wide backend (None or "auto" restores automatic choice)."""
    global _global
    names = _split(backend)
    if names is not None:
        resolve_names(names)  # fail now, not at the first transform
    _global = names
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
    if simulator_requested():
        return ("nki",), f"{SIMULATOR_ENV}=1"
    return ("auto",), "auto"


def resolve(explicit: BackendSpec = None) -> Selection:
    """The backends a transform call with ``backend=explicit`` would use here."""
    if type(explicit) is list:
        explicit = tuple(explicit)
    key = (explicit, _context.get(), _global, _backend_env(), _simulator_env(),
           REGISTRY.generation)
    try:
        sel = _memo.get(key)
    except TypeError:  # an unhashable backend=: _requested() says what is wrong with it
        sel = None
    if sel is None:
        requested, source = _requested(explicit)
        sel = resolve_names(requested, source)
        _memo[key] = sel
    return sel


def resolve_names(requested: tuple[str, ...], source: str = "") -> Selection:
    """Map requested names (aliases, "nki", "auto") to available backends, or raise."""
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
    return Selection(tuple(names), requested, source, tuple(skipped))


def _resolve_one(requested: str) -> str:
    name = ALIASES.get(requested, requested)
    if name == "auto":
        return _auto()
    if name == "nki":
        return _nki()
    rec = REGISTRY.get(name)  # raises UnknownBackendError with the known names
    avail = rec.availability()
    if not avail.available:
        fix = f" Fix: {avail.fix}" if avail.fix else ""
        raise _unavailable(
            f"trnfft backend {name!r} is not available here: {avail.reason}.{fix}; or list a "
            f"fallback, e.g. {name + ',' + _fallback_for(name)!r} (unavailable entries in a list "
            f"are skipped)", avail.reason)
    return name


def _unavailable(message: str, reason: str) -> BackendUnavailableError:
    """The error, carrying the short reason a backend list reports when it skips the entry."""
    exc = BackendUnavailableError(message)
    exc.reason = reason  # type: ignore[attr-defined]
    return exc


def _fallback_for(name: str) -> str:
    """A backend to suggest after ``name`` in a list (the reference ones need no device)."""
    return "numpy-reference" if name == "fftw-reference" else "fftw-reference"


def _available(name: str) -> bool:
    rec = REGISTRY.records().get(name)
    return rec is not None and rec.availability().available


def _auto() -> str:
    if simulator_requested():
        return _nki()
    for name in AUTO_ORDER:
        if _available(name):
            return name
    raise BackendUnavailableError(
        "no trnfft backend is available: even numpy-reference failed to load. "
        "Run `trnfft info` to see why each backend is missing.")


def _nki() -> str:
    """'nki' means the NKI kernels: on the simulator if asked, else on hardware."""
    if simulator_requested():
        return _resolve_one(NKI_SIMULATOR)
    if _available(NKI_HARDWARE):
        return NKI_HARDWARE
    hw = REGISTRY.records().get(NKI_HARDWARE)
    why = hw.availability().reason if hw is not None else "the nki-hardware backend is not installed"
    raise _unavailable(
        f"backend 'nki' needs either a Trainium NeuronCore (nki-hardware: {why}) "
        f"or the CPU simulator: set {SIMULATOR_ENV}=1 to run the NKI kernels on "
        f"nki-simulator, or choose another backend (e.g. 'fftw-reference'), or list a "
        f"fallback ('nki,fftw-reference': unavailable entries in a list are skipped).",
        f"no Trainium ({why}) and {SIMULATOR_ENV} is not set")
