"""How the emulated Tensor engine treats fp32 operands.

The docs give only the cost of fp32 matmuls (1/4 of the bf16 rate) and say
nothing about the arithmetic (nki-reference.md section 3). By default the
emulator multiplies fp32 operands in fp32; the "bf16" mode rounds every
matmul operand to bf16 first, to show what a compiler auto-cast would cost.
Chosen by TRNFFT_NKI_MATMUL=fp32|bf16 or :func:`matmul_precision`.
"""
from __future__ import annotations

import contextlib
import os
from typing import Iterator

from trnfft.plugin import BackendUnavailableError, InvalidArgumentError

MATMUL_ENV = "TRNFFT_NKI_MATMUL"
MODES = ("fp32", "bf16")
_override: list[str] = []


def mode() -> str:
    """The matmul operand precision in force: the innermost matmul_precision block, else TRNFFT_NKI_MATMUL."""
    if _override:
        return _override[-1]
    value = os.environ.get(MATMUL_ENV, "fp32").strip().lower() or "fp32"
    if value not in MODES:
        raise BackendUnavailableError(f"{MATMUL_ENV}={value!r}: expected one of {', '.join(MODES)}")
    return value


@contextlib.contextmanager
def matmul_precision(value: str) -> Iterator[None]:
    """Within the block, emulate matmuls with ``value`` ("fp32" or "bf16") operands."""
    if value not in MODES:
        raise InvalidArgumentError(f"matmul precision must be one of {MODES}, got {value!r}")
    _override.append(value)
    try:
        yield
    finally:
        _override.pop()
