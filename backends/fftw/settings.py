"""fftw-reference settings, from the environment or ``trnfft.configure_backend``.

TRNFFT_FFTW_PLANNER    estimate | measure (default) | patient | exhaustive
TRNFFT_FFTW_TIMELIMIT  seconds FFTW may spend planning one transform (default 3;
                       "none" for no limit). Unlimited MEASURE planning of a 2^20
                       r2c transform took 9-15 s on a 2-core machine; 2^20 c2c,
                       which finishes in ~2.6 s, is not cut short by the default.
                       It is also the planning budget: the first call of a new problem
                       costs about this plus a few runs of the transform at most
                       (planning.py says how; passes.py keeps large n-D plans small).
TRNFFT_FFTW_WISDOM     0 to neither load nor save wisdom
TRNFFT_CACHE_DIR       where wisdom lives (default $XDG_CACHE_HOME/trnfft or ~/.cache/trnfft)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from trnfft.plugin import cache_dir

EFFORTS = {"estimate": "FFTW_ESTIMATE", "measure": "FFTW_MEASURE",
           "patient": "FFTW_PATIENT", "exhaustive": "FFTW_EXHAUSTIVE"}


def _effort_from_env() -> str:
    return os.environ.get("TRNFFT_FFTW_PLANNER", "measure").strip().lower() or "measure"


DEFAULT_TIMELIMIT = 3.0


def _timelimit_from_env() -> float | None:
    value = os.environ.get("TRNFFT_FFTW_TIMELIMIT", "").strip().lower()
    if value in ("none", "0", "inf", "unlimited"):
        return None
    return float(value) if value else DEFAULT_TIMELIMIT


def _wisdom_from_env() -> bool:
    return os.environ.get("TRNFFT_FFTW_WISDOM", "1").strip().lower() not in ("0", "false", "no", "off")


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
            raise ValueError(f"fftw-reference planner effort must be one of {sorted(EFFORTS)}, "
                             f"got {self.planner!r}")
        if self.timelimit is not None and self.timelimit <= 0:
            raise ValueError(f"planning time limit must be > 0 seconds, got {self.timelimit}")

    @property
    def flag(self) -> str:
        return EFFORTS[self.planner]
