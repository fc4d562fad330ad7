"""The public API a backend plugin uses. Plugins import from here only."""
from __future__ import annotations

import numpy as np

from .core.cli_args import positive_int
from .core.errors import BackendUnavailableError, InvalidArgumentError
from .core.hookspecs import Availability, Backend, Capabilities, Declined, EnvSwitch, Plan, hookimpl
from .core.problem import FFTProblem
from .core.terminal import make_console

__all__ = [
    "Availability", "Backend", "BackendUnavailableError", "Capabilities", "Declined", "EnvSwitch",
    "FFTProblem", "InvalidArgumentError", "Plan", "apply_scale", "hookimpl", "make_console", "positive_int",
]


def apply_scale(y: np.ndarray, problem: FFTProblem) -> np.ndarray:
    """Multiply ``y`` in place by the problem's normalisation factor (if not 1)."""
    s = problem.scale
    if s != 1.0:
        y *= y.real.dtype.type(s)
    return y
