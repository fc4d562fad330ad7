"""The transform functions trnfft offers, as the problem each one computes.

One table for every layer that maps a function name to a problem
(``trnfft.which`` and the CLI, the scipy.fft backend): the hfft family is
the c2r/r2c transform of the conjugate, with the norm swapped
(``arguments.transform`` says how).
"""
from __future__ import annotations

from typing import NamedTuple


class Function(NamedTuple):
    kind: str              # c2c, r2c or c2r
    forward: bool          # the transform's direction before any hermitian conjugation
    hermitian: bool        # hfft/ihfft: conjugated, norm swapped
    one_dimensional: bool  # takes n/axis (else s/axes)


FUNCTIONS: dict[str, Function] = {
    "fft": Function("c2c", True, False, True), "ifft": Function("c2c", False, False, True),
    "rfft": Function("r2c", True, False, True), "irfft": Function("c2r", False, False, True),
    "hfft": Function("c2r", False, True, True), "ihfft": Function("r2c", True, True, True),
    "fft2": Function("c2c", True, False, False), "ifft2": Function("c2c", False, False, False),
    "fftn": Function("c2c", True, False, False), "ifftn": Function("c2c", False, False, False),
    "rfft2": Function("r2c", True, False, False), "irfft2": Function("c2r", False, False, False),
    "rfftn": Function("r2c", True, False, False), "irfftn": Function("c2r", False, False, False),
    "hfft2": Function("c2r", False, True, False), "ihfft2": Function("r2c", True, True, False),
    "hfftn": Function("c2r", False, True, False), "ihfftn": Function("r2c", True, True, False),
}
