"""The public API a backend plugin uses. Plugins import from here only."""
from __future__ import annotations

import numpy as np

from .core.cli_args import positive_int
from .core.cost_rule import CostRule
from .core.errors import BackendUnavailableError, InvalidArgumentError
from .core.hookspecs import Availability, Backend, Capabilities, Declined, EnvSwitch, Plan, hookimpl
from .core.plan_deadline import time_left as planning_time_left
from .core.problem import FFTProblem
from .core.terminal import make_console
from .core.trials import ARRAY_INPUT, TENSOR_INPUT
from .core.user_cache import (cache_dir, file_stamp, load_json, set_aside_with_warning,
                              write_atomically)

__all__ = [
    "ARRAY_INPUT", "Availability", "Backend", "BackendUnavailableError", "Capabilities", "CostRule",
    "Declined", "EnvSwitch", "FFTProblem", "InvalidArgumentError", "Plan", "TENSOR_INPUT",
    "apply_scale", "cache_dir", "file_stamp", "hookimpl", "load_json", "make_console",
    "planning_time_left", "positive_int", "set_aside_with_warning", "write_atomically",
]


def apply_scale(y: np.ndarray, problem: FFTProblem) -> np.ndarray:
    """Multiply ``y`` in place by the problem's normalisation factor (if not 1)."""
    s = problem.scale
    if s != 1.0:
        y *= y.real.dtype.type(s)
    return y
