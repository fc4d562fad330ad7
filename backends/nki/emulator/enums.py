"""The ``nki.isa`` enums of 0.3.0, with the values the 0.3.0 API stubs give them.

Arguments typed with these enums take their members only: raw integers and
strings were rejected from 0.3.0 (D/nki/deep-dives/nki-0-3-0-update-guide.html,
nki-reference.md section 3 "Enums"), so ``engine=3`` fails here as it fails there.
"""
from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

from .rules import require


class engine(Enum):
    """Compute engine selector (``nisa.engine``)."""

    unknown = 0
    tensor = 1
    scalar = 2
    gpsimd = 3
    dma = 4
    vector = 5
    sync = 6


class dge_mode(Enum):
    """DMA descriptor generation mode for ``dma_copy``."""

    unknown = 0
    swdge = 1
    hwdge = 2
    none = 3


#: Which DMA queue a transfer uses.
dma_engine = Enum("dma_engine", {"dma": 1, "gpsimd_dma": 2})


#: ``nc_matmul``'s performance mode (``double_row``: fp8 only, NeuronCore-v3 and later).
matmul_perf_mode = Enum("matmul_perf_mode", {"none": "none", "double_row": "double_row"})


class nc_version(Enum):
    """NeuronCore generation; trn1 is gen2, trn2 gen3, trn3 gen4."""

    gen2 = 2
    gen3 = 3
    gen4 = 4


#: What ``dma_copy`` does with an out-of-bounds access.
oob_mode = Enum("oob_mode", {"error": 0, "skip": 1})


class reduce_cmd(Enum):
    """What ``activation`` does with the Scalar engine's per-partition reduce registers."""

    idle = 0
    reset = 1
    reduce = 2
    reset_reduce = 3
    load_reduce = 4


E = TypeVar("E", bound=Enum)


def check_enum(value: Any, kind: type[E], argument: str, page: str) -> E:
    """``value`` if it is a member of ``kind``, else the 0.3.0 rejection of raw values."""
    require(isinstance(value, kind), "enum-argument",
            f"{argument}= takes a nisa.{kind.__name__} member (e.g. nisa.{kind.__name__}."
            f"{next(iter(kind)).name}), not {value!r}: raw integers and strings were rejected from 0.3.0",
            page)
    return value


def engine_name(value: Any, allowed: tuple[str, ...], default: str, page: str) -> str:
    """The engine an instruction runs on: ``engine=`` checked against the ones its page allows."""
    if value is None:
        return default
    member = check_enum(value, engine, "engine", page)
    if member is engine.unknown:
        return default
    require(member.name in allowed, "instruction-engine",
            f"this instruction runs on {', '.join(allowed)}, not nisa.engine.{member.name}", page)
    return member.name
