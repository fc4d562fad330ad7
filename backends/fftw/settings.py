"""fftw-reference settings, from the environment or ``trnfft.configure_backend``.

TRNFFT_FFTW_PLANNER    estimate | measure (default) | patient | exhaustive
TRNFFT_FFTW_TIMELIMIT  seconds FFTW may spend planning one transform, a number > 0 (default 3;
                       "none" for no limit, as ``configure_backend("fftw-reference",
                       timelimit=None)``; 0 is an error, not "no limit"). Unlimited MEASURE planning of a 2^20
                       r2c transform took 9-15 s on a 2-core machine; 2^20 c2c,
                       which finishes in ~2.6 s, is not cut short by the default.
                       With fftw-reference selected explicitly, the first call of a new problem
                       costs about this at most, plus any lateness of FFTW's own
                       (planning.py says how; passes.py keeps large n-D plans small); under
                       auto's planner the limit is what is left of its budget when that is less.
TRNFFT_FFTW_WISDOM     0 (or false, no, off, empty) to neither load nor save wisdom; unset or 1/true/yes/on: both
TRNFFT_CACHE_DIR       where wisdom lives (default $XDG_CACHE_HOME/trnfft or ~/.cache/trnfft)

They are read when the backends load; an invalid value makes the backend
unavailable with the variable named (``FFTWBackend.availability``), which
selection turns into an error rather than passing the backend over.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from trnfft.plugin import EnvSwitch, InvalidArgumentError, cache_dir

EFFORTS = {"estimate": "FFTW_ESTIMATE", "measure": "FFTW_MEASURE",
           "patient": "FFTW_PATIENT", "exhaustive": "FFTW_EXHAUSTIVE"}
PLANNER_ENV, TIMELIMIT_ENV, WISDOM_ENV = "TRNFFT_FFTW_PLANNER", "TRNFFT_FFTW_TIMELIMIT", "TRNFFT_FFTW_WISDOM"
NO_LIMIT = ("none", "inf", "unlimited")
DEFAULT_EFFORT = "measure"


class BadVariable(InvalidArgumentError):
    """An environment variable of this backend holds an invalid value."""

    def __init__(self, variable: str, value: str, expected: str) -> None:
        super().__init__(f"{variable}={value!r}: expected {expected}")
        self.variable = variable


def _effort_from_env() -> str:
    value = os.environ.get(PLANNER_ENV, DEFAULT_EFFORT).strip().lower() or DEFAULT_EFFORT
    if value not in EFFORTS:
        raise BadVariable(PLANNER_ENV, value, f"one of {', '.join(EFFORTS)}")
    return value


DEFAULT_TIMELIMIT = 3.0


def _timelimit_from_env() -> float | None:
    value = os.environ.get(TIMELIMIT_ENV, "").strip().lower()
    if value in NO_LIMIT:
        return None
    try:
        seconds = float(value) if value else DEFAULT_TIMELIMIT
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise BadVariable(TIMELIMIT_ENV, value, f"seconds > 0, or {' / '.join(NO_LIMIT)} for no limit")
    return seconds


def _wisdom_from_env() -> bool:
    """On unless the variable reads as off; a value that is neither on nor off is an error, as for every
    trnfft switch (a typo such as "of" must not silently keep writing wisdom)."""
    switch = EnvSwitch(WISDOM_ENV)
    if switch.unreadable():
        raise BadVariable(WISDOM_ENV, os.environ[WISDOM_ENV], "on (1, true, yes, on) or off (0, false, no, off)")
    return WISDOM_ENV not in os.environ or switch.holds()


@dataclass
class FFTWSettings:
    planner: str = field(default_factory=_effort_from_env)
    timelimit: float | None = field(default_factory=_timelimit_from_env)
    wisdom: bool = field(default_factory=_wisdom_from_env)
    wisdom_path: Path = field(default_factory=lambda: cache_dir() / "fftw-wisdom.json")

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if self.planner not in EFFORTS:
            raise InvalidArgumentError(f"fftw-reference planner effort must be one of {sorted(EFFORTS)}, "
                                       f"got {self.planner!r}")
        if self.timelimit is not None and not (isinstance(self.timelimit, (int, float))
                                               and not isinstance(self.timelimit, bool)
                                               and 0 < self.timelimit < float("inf")):
            raise InvalidArgumentError(f"planning time limit must be seconds > 0 (None for no limit), "
                                       f"got {self.timelimit!r}")

    @property
    def flag(self) -> str:
        return EFFORTS[self.planner]
