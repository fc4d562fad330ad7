"""What an emulated kernel run did: launches, instructions, matmuls, bytes, memory peaks.

A record is open while a kernel runs; every instruction reports here. The
cost model (``costmodel.py``) turns a record into modelled engine times.
"""
from __future__ import annotations

import contextlib
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from .costmodel import BANDS, BAND_ROWS, TensorSchedule, bands_of, matmul_cycles, vector_cycles

ENGINES = ("tensor", "vector", "scalar", "gpsimd", "dma")


@dataclass
class KernelRecord:
    """Counters for one or more kernel launches."""

    kernels: list[str] = field(default_factory=list)
    launches: int = 0
    instructions: Counter = field(default_factory=Counter)   # engine -> count
    cycles: dict[str, float] = field(default_factory=dict)   # engine -> modelled cycles
    psum_cycles: dict[str, float] = field(default_factory=dict)  # engine -> cycles of its instructions touching PSUM
    matmuls: Counter = field(default_factory=Counter)        # (K, M, N, dtype) -> count
    onezero_matmuls: Counter = field(default_factory=Counter)  # of ``matmuls``: fp32 ones at the 0/1-hint rate
    row_tiled_matmuls: int = 0        # of ``matmuls``: row-tiled with the concurrency credited (operands on its rows)
    row_tiled_uncredited: int = 0     # row-tiled with an operand off the tile's rows: charged as if untiled
    tensor_serial_cycles: float = 0   # Tensor cycles without the row-tiling credit (``cycles`` has it)
    schedule: TensorSchedule = field(default_factory=TensorSchedule, repr=False, compare=False)  # this launch's
    macs: int = 0
    movement_macs: int = 0     # of ``macs``: matmuls that only move data (``is_selection``)
    hbm_to_sbuf_bytes: int = 0
    sbuf_to_hbm_bytes: int = 0
    sbuf_to_sbuf_bytes: int = 0     # DMA within SBUF: DMA engine time, no HBM traffic
    dma_transfers: int = 0
    peak_sbuf_bytes: int = 0
    peak_sbuf_partition_bytes: int = 0
    peak_psum_bytes: int = 0
    peak_psum_banks: int = 0

    def merge(self, other: "KernelRecord") -> None:
        self.kernels += other.kernels
        self.launches += other.launches
        self.instructions.update(other.instructions)
        for engine, c in other.cycles.items():
            self.cycles[engine] = self.cycles.get(engine, 0) + c
        for engine, c in other.psum_cycles.items():
            self.psum_cycles[engine] = self.psum_cycles.get(engine, 0) + c
        self.matmuls.update(other.matmuls)
        self.onezero_matmuls.update(other.onezero_matmuls)
        self.row_tiled_matmuls += other.row_tiled_matmuls
        self.row_tiled_uncredited += other.row_tiled_uncredited
        self.tensor_serial_cycles += other.tensor_serial_cycles
        self.macs += other.macs
        self.movement_macs += other.movement_macs
        self.hbm_to_sbuf_bytes += other.hbm_to_sbuf_bytes
        self.sbuf_to_hbm_bytes += other.sbuf_to_hbm_bytes
        self.sbuf_to_sbuf_bytes += other.sbuf_to_sbuf_bytes
        self.dma_transfers += other.dma_transfers
        for name in ("peak_sbuf_bytes", "peak_sbuf_partition_bytes", "peak_psum_bytes", "peak_psum_banks"):
            setattr(self, name, max(getattr(self, name), getattr(other, name)))

    def as_dict(self) -> dict:
        return {
            "kernels": list(self.kernels), "launches": self.launches,
            "instructions": {e: self.instructions.get(e, 0) for e in ENGINES},
            "cycles": {e: self.cycles.get(e, 0) for e in ENGINES if e != "dma"},
            "psum_cycles": {e: self.psum_cycles.get(e, 0) for e in ("vector", "scalar")},
            "matmuls": [{"K": k, "M": m, "N": n, "dtype": d, "count": c, "onezero": self.onezero_matmuls[k, m, n, d]}
                        for (k, m, n, d), c in sorted(self.matmuls.items())],
            "onezero_matmuls": sum(self.onezero_matmuls.values()),
            "row_tiled_matmuls": self.row_tiled_matmuls, "row_tiled_uncredited_matmuls": self.row_tiled_uncredited,
            "tensor_cycles_without_row_tiling": self.tensor_serial_cycles,
            "macs": self.macs, "data_movement_macs": self.movement_macs,
            "hbm_to_sbuf_bytes": self.hbm_to_sbuf_bytes,
            "sbuf_to_hbm_bytes": self.sbuf_to_hbm_bytes, "sbuf_to_sbuf_bytes": self.sbuf_to_sbuf_bytes,
            "dma_transfers": self.dma_transfers,
            "peak_sbuf_bytes": self.peak_sbuf_bytes,
            "peak_sbuf_partition_bytes": self.peak_sbuf_partition_bytes,
            "peak_psum_bytes": self.peak_psum_bytes, "peak_psum_banks": self.peak_psum_banks,
        }


class _State(threading.local):
    def __init__(self) -> None:
        self.current: KernelRecord | None = None
        self.touches_psum = False     # the instruction being counted reads or writes PSUM
        self.collectors: list[KernelRecord] = []
        self.last: KernelRecord | None = None


_state = _State()


def current() -> KernelRecord | None:
    return _state.current


def last_record() -> KernelRecord | None:
    """The record of the most recent kernel run on this thread."""
    return _state.last


@contextlib.contextmanager
def kernel_run(name: str) -> Iterator[KernelRecord]:
    """Open a record for one launch; on exit it goes to every active collector."""
    rec = KernelRecord(kernels=[name], launches=1)
    outer = _state.current
    _state.current = rec
    try:
        yield rec
    finally:
        _state.current = outer
        _state.last = rec
        for collector in _state.collectors:
            collector.merge(rec)


@contextlib.contextmanager
def collect() -> Iterator[KernelRecord]:
    """Sum the records of every kernel launched inside the block (this thread)."""
    total = KernelRecord()
    _state.collectors.append(total)
    try:
        yield total
    finally:
        # by identity: records are dataclasses, and a nested collector can equal this one field for field
        _state.collectors[:] = [c for c in _state.collectors if c is not total]


@contextlib.contextmanager
def psum_access(touches: bool) -> Iterator[None]:
    """Inside the block, counted instructions are marked as reading or writing PSUM (or not)."""
    outer = _state.touches_psum
    _state.touches_psum = touches
    try:
        yield
    finally:
        _state.touches_psum = outer


def count(engine: str, cycles: float = 0.0) -> None:
    """Record one instruction on ``engine`` costing ``cycles``."""
    rec = _state.current
    if rec is not None:
        rec.instructions[engine] += 1
        rec.cycles[engine] = rec.cycles.get(engine, 0) + cycles
        if _state.touches_psum:
            rec.psum_cycles[engine] = rec.psum_cycles.get(engine, 0) + cycles


def count_vector(elements: int, inputs: int = 1, engine: str = "vector") -> None:
    count(engine if engine in ("scalar", "gpsimd") else "vector", vector_cycles(elements, inputs, engine))


def count_dma(nbytes: int, to_chip: bool, from_chip: bool = False) -> None:
    rec = _state.current
    if rec is not None:
        rec.instructions["dma"] += 1
        rec.dma_transfers += 1
        if to_chip and from_chip:
            rec.sbuf_to_sbuf_bytes += nbytes
        elif to_chip:
            rec.hbm_to_sbuf_bytes += nbytes
        else:
            rec.sbuf_to_hbm_bytes += nbytes


def is_selection(operand: np.ndarray) -> bool:
    """Whether a matmul operand [K, X] is a 0/1 matrix with at most one 1 in each column.

    Each column is one output index (a row of dst for the stationary side, a column for the moving
    side), so the matmul then copies one element of the other operand (or writes 0) to each output:
    a transpose against an identity, an exchange J, an expansion or selection, not DFT arithmetic.
    An all-zero operand does not count (a zero-padded data tile is not data movement). The check
    reads values, so a 0/1 input (an impulse) would count too; ``trnfft cost`` feeds random data.
    The first column, then the nonzeros, are counted first: that keeps the check cheap for the dense
    DFT tables and data (a few microseconds against the matmul's hundreds)."""
    if np.count_nonzero(operand[:, 0]) > 1 or not 0 < np.count_nonzero(operand) <= operand.shape[1]:
        return False
    return bool(((operand == 0) | (operand == 1)).all() and (operand.sum(axis=0) <= 1).all())


ALL_ROWS = (0, BANDS * BAND_ROWS)


def count_matmul(k: int, m: int, n: int, dtype_name: str, fp32: bool, movement: bool = False,
                 onezero: bool = False, rows: tuple[int, int] = ALL_ROWS, credited: bool = False,
                 dst: object | None = None, box: tuple[int, int, int, int] = (0, 0, 0, 0)) -> None:
    """One nc_matmul (cycles: ``costmodel.matmul_cycles``); ``movement``: it only moves data; ``onezero``: an
    fp32 matmul with an operand flagged ``is_*_onezero`` (counted at the hint's rate); ``rows``: its row tile
    (start_row, row_size), run beside other tiles when ``credited`` (``costmodel.TensorSchedule``); ``dst``, ``box``:
    the PSUM allocation it writes and which elements (matmuls writing overlapping elements run one after the
    other)."""
    rec = _state.current
    if rec is not None:
        cycles = matmul_cycles(n, fp32, onezero)
        tiled = rows != ALL_ROWS
        rec.instructions["tensor"] += 1
        rec.tensor_serial_cycles += cycles
        grown = rec.schedule.add(cycles, bands_of(*(rows if credited else ALL_ROWS)), dst, box)
        rec.cycles["tensor"] = rec.cycles.get("tensor", 0) + grown
        rec.row_tiled_matmuls += tiled and credited
        rec.row_tiled_uncredited += tiled and not credited
        rec.matmuls[(k, m, n, dtype_name)] += 1
        if fp32 and onezero:
            rec.onezero_matmuls[(k, m, n, dtype_name)] += 1
        rec.macs += k * m * n
        if movement:
            rec.movement_macs += k * m * n
