"""A backend's result is checked before it reaches the caller, and by the cross-check."""
from __future__ import annotations

import numpy as np
import pytest

import trnfft
from trnfft import numpy_fft
from trnfft.core.errors import BackendResultError, CrossCheckError

WRONG = '''
import numpy as np
from trnfft.plugin import Availability, Capabilities, hookimpl

class Plan:
    def __init__(self, problem):
        self.problem = problem
    def execute(self, x):
        y = np.fft.fftn(x, axes=self.problem.axes).astype(self.problem.output_dtype)
        return {result}

class Wrong:
    name, version, description = "{name}", "0.1", "returns the wrong thing"
    def availability(self):
        return Availability.yes()
    def capabilities(self):
        return Capabilities(kinds=frozenset({{"c2c"}}), max_rank=1)
    def plan(self, problem):
        return Plan(problem)

@hookimpl
def trnfft_register_backends(register):
    register(Wrong())
'''

CASES = {"extra-dim": "y[None]", "single-as-double": "y.astype(np.complex128)",
         "a-list": "y.tolist()"}


@pytest.mark.parametrize("name", CASES)
def test_a_wrong_result_raises_naming_the_backend(install_plugin, name):
    install_plugin(name, WRONG.format(name=name, result=CASES[name]))
    with pytest.raises(BackendResultError, match=f"backend '{name}' returned"):
        numpy_fft.fft(np.ones(8, np.complex64), backend=name)


@pytest.mark.parametrize("name", ["extra-dim", "single-as-double"])
def test_cross_check_compares_shape_and_dtype(install_plugin, name):
    install_plugin(name, WRONG.format(name=name, result=CASES[name]))
    with trnfft.cross_checking(name):
        with pytest.raises(CrossCheckError, match=f"'{name}' returned (shape|dtype)"):
            numpy_fft.fft(np.ones(8, np.complex64), backend="numpy-reference")


def test_each_pass_of_a_split_problem_is_checked(install_plugin):
    install_plugin("extra-dim", WRONG.format(name="extra-dim", result=CASES["extra-dim"]))
    with pytest.raises(BackendResultError, match="backend 'extra-dim' returned shape \\(1, 4, 6\\)"):
        numpy_fft.fft2(np.ones((4, 6), np.complex64), backend="extra-dim")
