"""Modelled trn1/trn2 kernel time from an emulator record. An estimate, always labelled so.

Figures (nki-reference.md sections 2 and 7, from
D/nki/guides/architecture/trainium_inferentia2_arch.html, .../trainium2_arch.html,
D/nki/deep-dives/nki_perf_guide.html, D/nki/deep-dives/nki-dma-bandwidth-guide.html):

* Tensor engine 2.8 GHz (trn1) / 2.4 GHz (trn2); a matmul costs ~max(N, 64)
  cycles at the bf16 rate, which is also the fp16 and tf32 rate (92 TF/s bf16/fp16/tf32
  on trn1, 79 on trn2), 4x for fp32 (23 / 20 TF/s; a tf32 input paired with an fp32 one
  is charged the fp32 rate: the docs give tf32's rate only for tf32 inputs), and 2x for fp32
  with an operand flagged ``is_stationary_onezero``/``is_moving_onezero`` (a tile of
  ones and zeros only): the nc_matmul page says setting the flag "could lead to 2x
  better performance if [the] tile is in float32" and has "no impact for non-float32"
  (D/nki/api/generated/nki.isa.nc_matmul.html). The documented upper figure, modelled
  as reached; the emulator rejects a flagged fp32 operand holding anything but 0 and 1.
* Vector 1.12 / 0.96 GHz; Scalar and GpSimd 1.4 / 1.2 GHz.
* DMA 272 / 368 GB/s per NeuronCore over 16 queues, ~1.3 us fixed cost per
  transfer; HBM 820 GB/s / 3 TB/s per chip.

Row tiling (the nc_matmul page, "Tiling mode", D/nki/api/generated/nki.isa.nc_matmul.html): row tiles "allow
multiple nc_matmul instructions with a stationary tile size smaller than [128, 128] to run in parallel", 2 x 64
rows from NeuronCore-v2, 4 x 32 from v3. Modelled (``TensorSchedule``) as in-order issue on four bands of 32 PE
rows: a matmul starts when the one before it has started and the bands it occupies are free (a 64-row tile takes
two bands, an untiled matmul all four), and runs its own ``matmul_cycles`` (the fp32 and 0/1-hint factors as
above). So two row-tiled matmuls on disjoint tiles cost one, on the same tile two, and an untiled matmul between
them serialises all three. Two conservative choices, as the docs say nothing either way: the concurrency is
credited only when both operands sit on the SBUF partitions of the tile's PE rows (start_row .. start_row +
row_size; "each partition feeding data into each row of processing elements inside the TensorE", the Trainium2
architecture guide, D/nki/about/trainium2_arch.html, double-FP8 section; the trn1 guide ties the 128-partition
limit to "the number of PE rows and also the number of SBUF partitions"), a tiled matmul elsewhere is accepted
(the page does not forbid it) but charged as if untiled; and matmuls whose PSUM outputs overlap run one after the
other (an accumulation group is a chain of updates of the same elements). The schedule sees no data dependences
through other engines (like the ``overlapped`` bound below): kernels put only independent matmuls on different
row tiles. Tensor busy time is the schedule's span; ``tensor_serial_s`` is the sum without the credit.

Model: each engine's busy time is its summed cycles over its clock; DMA time
is HBM bytes over min(DMA, HBM) bandwidth, SBUF -> SBUF bytes over the DMA
bandwidth, plus the fixed costs spread over the 16 queues. The kernel time is bracketed: ``overlapped`` (engines fully in
parallel: the maximum) and ``serial`` (nothing overlaps: the sum). On NeuronCore-v2 (trn1) two pairs of
engines share an access port and cannot overlap there: "NC-v2 forbids concurrent Vector+GpSimd SBUF access
and Vector+Scalar PSUM access; NC-v3 lifts both" (nki-reference.md section 2, from
D/nki/guides/architecture/trainium_inferentia2_arch.html). So on trn1 ``overlapped`` is also at least
Vector + GpSimd busy time, and at least the PSUM-touching part of Vector + Scalar busy time (``ports``). Launch
overhead is not included (the docs give no figure; trnsci/trnfft measured
~0.85 ms per launch through torch-xla on trn1).
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from trnfft.plugin import InvalidArgumentError

if TYPE_CHECKING:
    from .record import KernelRecord

LABEL = "modelled"


@dataclass(frozen=True)
class Chip:
    name: str
    tensor_hz: float
    vector_hz: float
    scalar_hz: float
    gpsimd_hz: float
    dma_bytes_per_s: float
    hbm_bytes_per_s: float
    dma_fixed_s: float = 1.3e-6
    dma_queues: int = 16
    shared_ports: bool = False     # NC-v2: Vector+GpSimd share SBUF access, Vector+Scalar PSUM access
    peak_bf16_flops: float = 0.0
    peak_fp32_flops: float = 0.0


CHIPS = {
    "trn1": Chip("trn1", 2.8e9, 1.12e9, 1.4e9, 1.4e9, 272e9, 820e9, shared_ports=True,
                 peak_bf16_flops=92e12, peak_fp32_flops=23e12),
    "trn2": Chip("trn2", 2.4e9, 0.96e9, 1.2e9, 1.2e9, 368e9, 3e12,
                 peak_bf16_flops=79e12, peak_fp32_flops=20e12),
}


def chip_named(name: str) -> Chip:
    """The cost model's chip called ``name`` (trn1, trn2); an InvalidArgumentError naming the choices."""
    chip = CHIPS.get(name) if isinstance(name, str) else None
    if chip is None:
        raise InvalidArgumentError(f"plan_for must be one of {', '.join(CHIPS)} (the cost model's chips), "
                                   f"got {name!r}")
    return chip


# Per-instruction cycles (D/nki/deep-dives/nki_perf_guide.html), counted by the
# emulator and divided by the clocks above: VectorE ~N cycles for one input and
# ~2N for two, plus ~60 cycles of SBUF access overhead; ScalarE issues at most
# one instruction per ~64 cycles; GpSimd ~N.
VECTOR_FIXED = 60
SCALAR_MIN = 64


def vector_cycles(elements: int, inputs: int = 1, engine: str = "vector") -> int:
    """Cycles of one elementwise instruction over ``elements`` per partition on ``engine``."""
    if engine == "scalar":
        return max(elements, SCALAR_MIN)
    if engine == "gpsimd":
        return elements
    return inputs * elements + VECTOR_FIXED


FP32_FACTOR = 4           # fp32 operands: ~4x the bf16 cycles (23 vs 92 TF/s)
ONEZERO_FP32_FACTOR = 2   # fp32 with a flagged 0/1 operand: half of FP32_FACTOR ("could lead to 2x", an upper figure)


def matmul_cycles(moving_free: int, fp32: bool, onezero: bool = False) -> int:
    """One nc_matmul: LoadStationary (hidden behind the previous matmul) + MultiplyMoving,
    ~max(N, 64) cycles at the bf16 rate (bf16, fp16, fp8, tf32 x tf32) and 4x that when ``fp32`` (an fp32 input;
    nki_perf_guide, nc_matmul page); 2x for fp32 with a ``onezero`` hint (an fp32 operand flagged
    ``is_*_onezero``; no effect on other dtypes, tf32 included)."""
    if not fp32:
        return max(moving_free, 64)
    return max(moving_free, 64) * (ONEZERO_FP32_FACTOR if onezero else FP32_FACTOR)


BAND_ROWS = 32     # PE rows per band: NeuronCore-v3's smallest row tile
BANDS = 4          # 128 PE rows


def bands_of(start_row: int, row_size: int) -> range:
    """The 32-row bands a row tile occupies (an untiled matmul: ``bands_of(0, 128)``, all four)."""
    return range(start_row // BAND_ROWS, -(-(start_row + row_size) // BAND_ROWS))


Box = tuple[int, int, int, int]   # PSUM elements a matmul writes: partitions [p0, p1), bytes [f0, f1) within each


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


class TensorSchedule:
    """The Tensor engine's matmuls of one launch in issue order, on bands of PE rows (module docstring)."""

    def __init__(self) -> None:
        self.band_free = [0.0] * BANDS   # cycle at which each band's last matmul ends
        # PSUM allocation -> (elements written, cycle that write ends) still in flight; weak: a freed allocation
        # takes its entries with it
        self.writes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.issued = 0.0                # start cycle of the last matmul (in-order issue)
        self.span = 0.0                  # end of the last matmul to finish

    def add(self, cycles: float, bands: range, dst: object | None = None, box: Box = (0, 0, 0, 0)) -> float:
        """Schedule one matmul of ``cycles`` on ``bands`` writing ``box`` of PSUM allocation ``dst`` (after any
        matmul still writing an overlapping box of it); returns the span's growth."""
        pending = [] if dst is None else [w for w in self.writes.get(dst, ()) if w[1] > self.issued]
        after = max((end for b, end in pending if _overlap(b, box)), default=0.0)
        start = max(self.issued, after, *(self.band_free[b] for b in bands))
        end = start + cycles
        for b in bands:
            self.band_free[b] = end
        if dst is not None:
            self.writes[dst] = [*pending, (box, end)]
        self.issued = start
        grown = max(end - self.span, 0.0)
        self.span += grown
        return grown


@dataclass(frozen=True)
class ModelledCost:
    """Modelled seconds per engine and for the kernel, on one chip."""

    chip: str
    engines: dict[str, float]
    overlapped_s: float
    serial_s: float
    launches: int
    ports: dict[str, float] = field(default_factory=dict)   # shared access ports: busy seconds (trn1)
    tensor_serial_s: float = 0.0    # Tensor busy without the row-tiling credit (every matmul one after another)
    label: str = LABEL

    def as_dict(self) -> dict:
        return {"chip": self.chip, "label": self.label, "launches": self.launches,
                "engine_seconds": dict(self.engines), "shared_port_seconds": dict(self.ports),
                "tensor_seconds_without_row_tiling": self.tensor_serial_s,
                "kernel_seconds_overlapped": self.overlapped_s, "kernel_seconds_serial": self.serial_s}


def model(rec: KernelRecord, chip: str = "trn1") -> ModelledCost:
    c = CHIPS[chip]
    engines = {
        "tensor": rec.cycles.get("tensor", 0) / c.tensor_hz,
        "vector": rec.cycles.get("vector", 0) / c.vector_hz,
        "scalar": rec.cycles.get("scalar", 0) / c.scalar_hz,
        "gpsimd": rec.cycles.get("gpsimd", 0) / c.gpsimd_hz,
    }
    moved = rec.hbm_to_sbuf_bytes + rec.sbuf_to_hbm_bytes
    engines["dma"] = (moved / min(c.dma_bytes_per_s, c.hbm_bytes_per_s) + rec.sbuf_to_sbuf_bytes / c.dma_bytes_per_s
                      + rec.dma_transfers * c.dma_fixed_s / c.dma_queues)
    ports = {}
    if c.shared_ports:
        ports["vector+gpsimd SBUF"] = engines["vector"] + engines["gpsimd"]
        ports["vector+scalar PSUM"] = (rec.psum_cycles.get("vector", 0) / c.vector_hz
                                       + rec.psum_cycles.get("scalar", 0) / c.scalar_hz)
    return ModelledCost(chip, engines, max(*engines.values(), *ports.values()), sum(engines.values()),
                        rec.launches, ports, rec.tensor_serial_cycles / c.tensor_hz)
