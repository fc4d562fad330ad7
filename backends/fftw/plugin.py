"""The fftw-reference backend: FFTW through pyFFTW."""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

from trnfft.plugin import Availability, Capabilities, CostRule, FFTProblem, hookimpl

from . import wisdom
from .passes import PassPlan, wants_passes
from .plan import FFTWPlan
from .settings import DEFAULT_EFFORT, DEFAULT_TIMELIMIT, BadVariable, FFTWSettings


# the planner's estimate rule (calibrated with benchmarks/calibrate_planner.py, 2-core dev VM)
SPEED = CostRule(overhead=0.5e-6, in_cache=1.7e-10, out_of_cache=2.8e-10, tensor_overhead=2e-6,
                 threads=True)


_KEEP = object()  # configure(timelimit=...) not given: None already means "no limit"


def _pyfftw() -> Any:
    import pyfftw  # optional dependency: imported only when the backend is used
    return pyfftw


class FFTWBackend:
    name = "fftw-reference"
    description = "FFTW via pyFFTW: the fast, trusted CPU reference"

    def __init__(self) -> None:
        self._bad_variable: BadVariable | None = None
        try:
            self.settings = FFTWSettings()
        except BadVariable as exc:  # registered all the same: availability() reports it
            self.settings = FFTWSettings(planner=DEFAULT_EFFORT, timelimit=DEFAULT_TIMELIMIT)
            self._bad_variable = exc

    @property
    def version(self) -> str:
        try:
            return f"pyfftw {_pyfftw().__version__}"
        except ImportError:
            return ""

    def availability(self) -> Availability:
        if self._bad_variable is not None:
            return Availability.misconfigured(str(self._bad_variable),
                                              f"correct or unset {self._bad_variable.variable}")
        try:
            _pyfftw()
        except ImportError as exc:
            return Availability.no(f"pyFFTW cannot be imported ({exc})", "pip install pyfftw")
        return Availability.yes()

    def capabilities(self) -> Capabilities:
        return Capabilities(threads=True, precisions=self._precisions(),
                            notes="any size, any axes, long double where pyFFTW has it")

    @staticmethod
    def _precisions() -> frozenset[str]:
        """single and double, plus long double when this pyFFTW build has FFTW's 'l' library."""
        try:
            long_double = "ld" in getattr(_pyfftw(), "_supported_types", ())
        except ImportError:
            long_double = False
        return frozenset({"single", "double", "long"} if long_double else {"single", "double"})

    def details(self) -> dict[str, Any]:
        if self._bad_variable is not None:
            return {}  # availability() says which variable is wrong
        s = self.settings
        return {"planner": s.planner, "timelimit": s.timelimit,
                "wisdom": str(s.wisdom_path) if s.wisdom else "off"}

    def configure(self, *, planner: str | None = None, timelimit: float | None | object = _KEEP,
                  wisdom: bool | None = None) -> None:
        """Change planner effort, planning time limit (seconds > 0; None: no limit) or wisdom use.

        While a variable is invalid, what is not given comes from the environment
        again, so setting the bad one here makes the backend available."""
        given: dict[str, Any] = {} if self._bad_variable else dataclasses.asdict(self.settings)
        given.update({k: v for k, v in (("planner", planner), ("wisdom", wisdom)) if v is not None})
        if timelimit is not _KEEP:
            given["timelimit"] = timelimit
        self.settings, self._bad_variable = FFTWSettings(**given), None

    def plan(self, problem: FFTProblem) -> FFTWPlan | PassPlan:
        pyfftw = _pyfftw()
        s = self.settings
        store = wisdom.wisdom_file(s.wisdom_path, pyfftw) if s.wisdom else None
        if store is not None:
            store.load_once()
        plan = (PassPlan if wants_passes(problem) else FFTWPlan)(problem, s, pyfftw)
        if store is not None and s.planner != "estimate":
            store.planned()
        return plan

    def estimate_seconds(self, problem: FFTProblem, source: str) -> float:
        """Seconds per call by the calibrated rule (auto's planner, estimate effort)."""
        return SPEED.seconds(problem, source)

    def save_wisdom(self) -> None:
        """Write unsaved wisdom now (it is also saved every few seconds and at exit)."""
        wisdom.save_all()


@hookimpl
def trnfft_register_backends(register: Callable) -> None:
    register(FFTWBackend(), aliases=("fftw",), auto_priority=200, candidate=True)
