"""A NumPy emulator of the NKI 0.3 language subset trnfft's kernels use.

It exposes what kernels import from the real package (``jit``, ``simulate``,
``language`` as nl, ``isa`` as nisa), runs kernels eagerly on NumPy, rejects
what NKI 0.3 rejects (each rule cites its documentation page, see
``rules.py``), and records what a kernel does for a trn1/trn2 cost model
(``record.py``, ``costmodel.py``). It is a re-implementation from the
documentation, not AWS code; where the real ``nki`` package is installed,
``trnfft_backends.nki.engine`` uses that instead.
"""
from __future__ import annotations

from . import isa, language, typing
from .costmodel import CHIPS, ModelledCost, model
from .kernel import Kernel, jit, simulate
from .precision import matmul_precision
from .record import KernelRecord, collect, last_record
from .rules import NkiRuleError, NotEmulatedError

__version__ = "0.3.0+trnfft-emulator"

__all__ = ["jit", "simulate", "language", "isa", "typing", "Kernel", "KernelRecord", "collect", "last_record",
           "model", "ModelledCost", "CHIPS", "matmul_precision", "NkiRuleError", "NotEmulatedError"]
