"""Tensors in the emulated memories: HBM, SBUF and PSUM, with views and capacity accounting.

Layout rules (D/nki/get-started/about/tiling-overview.html,
D/nki/get-started/nki-language-guide.html): on-chip tensors are 2-D in
hardware, ``shape[0]`` is the partition dim (<= 128) and the rest flattens into
each partition's free dim. Fresh allocations are filled with NaN (floats) or 4
(integers), as the NKI simulator does (D/nki/guides/nki_simulator.html), so an
uninitialised read shows in the result.

Capacities (``hardware.py``: SBUF 192 KiB and PSUM 8 banks of 2 KiB per
partition, 128 partitions) are enforced at allocation.
"""
from __future__ import annotations

import math
import threading
import weakref
from typing import Any

import numpy as np

from . import dtypes, record
from .rules import NkiRuleError, NotEmulatedError, require

from .hardware import PMAX, PSUM_BANK_BYTES, PSUM_BANKS, SBUF_PARTITION_BYTES


class Buffer:
    """A memory kind; identity is what matters."""

    def __init__(self, name: str, on_chip: bool) -> None:
        self.name, self.on_chip = name, on_chip

    def __repr__(self) -> str:
        return f"nl.{self.name}"


sbuf = Buffer("sbuf", True)
psum = Buffer("psum", True)
shared_hbm = Buffer("shared_hbm", False)
private_hbm = Buffer("private_hbm", False)
hbm = private_hbm  # nl.hbm is an alias of private_hbm (nki.language page)
BUFFERS = (sbuf, psum, shared_hbm, private_hbm)


class _Usage:
    """Live on-chip bytes per partition on this thread's current run."""

    def __init__(self) -> None:
        self.sbuf_partition = 0
        self.psum_partition = 0
        self.psum_banks = 0
        self.reduce_regs = np.zeros(PMAX, np.float32)  # ScalarE's per-partition reduce registers
        self.vector_regs = np.full(PMAX, -np.inf, np.float32)  # VectorE's accumulators (select_reduce)


class _PerThread(threading.local):
    """Each thread runs its own launches, so each has its own on-chip memories."""

    def __init__(self) -> None:
        self.usage = _Usage()


_local = _PerThread()


def _charge(buffer: Buffer, per_partition: int) -> tuple[_Usage, int, int]:
    """Reserve on-chip space, raising when trn1's capacity would be exceeded."""
    banks = 0
    _usage = _local.usage
    if buffer is sbuf:
        new = _usage.sbuf_partition + per_partition
        require(new <= SBUF_PARTITION_BYTES, "sbuf-capacity",
                f"SBUF exceeded: {new} bytes per partition live, trn1 has {SBUF_PARTITION_BYTES} "
                f"(24 MiB over 128 partitions)", "arch_trn1")
        _usage.sbuf_partition = new
    else:
        require(per_partition <= PSUM_BANK_BYTES * PSUM_BANKS, "psum-capacity",
                f"a PSUM tile of {per_partition} bytes per partition exceeds the 16 KiB "
                f"PSUM partition", "arch_trn1")
        banks = math.ceil(per_partition / PSUM_BANK_BYTES)
        require(_usage.psum_banks + banks <= PSUM_BANKS, "psum-banks",
                f"PSUM exceeded: {_usage.psum_banks + banks} banks live, trn1 has {PSUM_BANKS} "
                f"banks of 2 KiB per partition (2 MiB in all)", "arch_trn1")
        _usage.psum_banks += banks
        _usage.psum_partition += banks * PSUM_BANK_BYTES
    rec = record.current()
    if rec is not None:
        rec.peak_sbuf_partition_bytes = max(rec.peak_sbuf_partition_bytes, _usage.sbuf_partition)
        rec.peak_sbuf_bytes = max(rec.peak_sbuf_bytes, _usage.sbuf_partition * PMAX)
        rec.peak_psum_banks = max(rec.peak_psum_banks, _usage.psum_banks)
        rec.peak_psum_bytes = max(rec.peak_psum_bytes, _usage.psum_partition * PMAX)
    return _usage, per_partition, banks


def _release(usage: _Usage, buffer: Buffer, per_partition: int, banks: int) -> None:
    """Give space back to the launch that reserved it (later launches have their own)."""
    if buffer is sbuf:
        usage.sbuf_partition -= per_partition
    else:
        usage.psum_banks -= banks
        usage.psum_partition -= banks * PSUM_BANK_BYTES


def local_state() -> _Usage:
    """This thread's on-chip state for the current launch."""
    return _local.usage


def reset_usage() -> None:
    """Start empty on-chip memories on this thread (each kernel launch does)."""
    _local.usage = _Usage()


class Storage:
    """One allocation: its array, its memory, and (PSUM) which elements were written."""

    def __init__(self, data: np.ndarray, buffer: Buffer) -> None:
        self.data = data
        self.buffer = buffer
        self.written = np.zeros(data.shape, bool) if buffer is psum else None
        if buffer.on_chip:
            per_partition = (data.size // max(data.shape[0], 1)) * data.itemsize if data.ndim else 0
            usage, per_partition, banks = _charge(buffer, per_partition)
            weakref.finalize(self, _release, usage, buffer, per_partition, banks)


class NkiTensor:
    """A tensor or a view of one, in one of the emulated memories."""

    __slots__ = ("storage", "values", "written", "__weakref__")

    def __init__(self, storage: Storage, values: np.ndarray, written: np.ndarray | None) -> None:
        self.storage, self.values, self.written = storage, values, written

    # -- what kernels read ---------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape

    @property
    def dtype(self) -> np.dtype:
        return self.values.dtype

    @property
    def buffer(self) -> Buffer:
        return self.storage.buffer

    @property
    def ndim(self) -> int:
        return self.values.ndim

    @property
    def partitions(self) -> int:
        return self.values.shape[0] if self.values.ndim else 1

    @property
    def free_size(self) -> int:
        """Elements per partition."""
        return self.values.size // max(self.partitions, 1) if self.values.ndim else 1

    @property
    def start_partition(self) -> int:
        """The first partition an on-chip view touches (0 for HBM tensors)."""
        base = self.storage.data
        if not self.buffer.on_chip or base.ndim == 0 or not self.values.size:
            return 0
        offset = self.values.__array_interface__["data"][0] - base.__array_interface__["data"][0]
        return offset // base.strides[0]

    @property
    def footprint(self) -> tuple[int, int, int, int]:
        """(first partition, past the last, first byte, past the last byte within a partition) an on-chip view
        covers: a box around its elements, for the cost model's overlap of PSUM writes."""
        base, v = self.storage.data, self.values
        if base.ndim == 0 or not v.size:
            return 0, 0, 0, 0
        row = base.strides[0]
        offset = v.__array_interface__["data"][0] - base.__array_interface__["data"][0]
        first, within = divmod(offset, row)
        dims = zip(v.shape[1:], v.strides[1:])
        lo = within + sum(min(0, (n - 1) * s) for n, s in dims)
        hi = within + sum(max(0, (n - 1) * s) for n, s in zip(v.shape[1:], v.strides[1:])) + v.itemsize
        return first, first + (v.shape[0] if v.ndim else 1), lo, hi

    @property
    def nbytes(self) -> int:
        return self.values.nbytes

    def __repr__(self) -> str:
        return f"NkiTensor(shape={self.shape}, dtype={dtypes.name(self.dtype)}, buffer={self.buffer!r})"

    def __getitem__(self, index: Any) -> "NkiTensor":
        if not isinstance(index, tuple):
            index = (index,)
        if self.buffer.on_chip and index:
            first = index[0]
            ok = first is Ellipsis or (isinstance(first, slice) and first.step in (None, 1))
            require(ok, "partition-slice",
                    f"on-chip tensors are indexed on the partition dim by contiguous ranges only, got {first!r}",
                    "indexing")
        try:
            view = self.values[index]
        except IndexError as exc:
            raise NkiRuleError("index", f"index {index!r} out of bounds for shape {self.shape}: {exc}",
                               "indexing") from None
        if not np.shares_memory(view, self.storage.data) and view.size:
            raise NkiRuleError("index", "fancy (copying) indexing is not an NKI view", "indexing")
        written = self.written[index] if self.written is not None else None
        return NkiTensor(self.storage, view, written)

    def ap(self, pattern: Any, offset: int = 0, dtype: Any = None, **indirect: Any) -> "NkiTensor":
        """A raw access pattern ``[[step, num], ...]`` in elements from ``offset`` (D/nki/deep-dives/nki-aps.html).

        On SBUF/PSUM the first pair walks partitions and its step must equal the
        tensor's elements per partition; it cannot be applied to a view that was
        already indexed (D/nki/get-started/about/indexing-overview.html). Indirect
        (``vector_offset``/``scalar_offset``) patterns and ``dtype=`` reinterpretation
        are not emulated.
        """
        require(not indirect and dtype is None, "not-emulated", f"indirect access patterns and dtype= in .ap() "
                f"({sorted(indirect) + (['dtype'] if dtype is not None else [])}) are not emulated", "aps")
        base = self.storage.data
        require(self.values.shape == base.shape and self.values.ctypes.data == base.ctypes.data,
                "ap-on-view", ".ap() cannot be applied to a view that has already been indexed", "indexing")
        require(base.flags.c_contiguous, "ap-layout", "the emulator needs a contiguous tensor for .ap()", "aps")
        steps = [int(step) for step, _ in pattern]
        nums = [int(num) for _, num in pattern]
        require(bool(steps) and all(s >= 0 for s in steps) and all(n >= 1 for n in nums) and offset >= 0,
                "ap-pattern", f"access pattern {pattern} with offset {offset} must have steps >= 0 and counts >= 1",
                "aps")
        if self.buffer.on_chip:
            per_partition = base.size // max(base.shape[0], 1)
            require(steps[0] == per_partition or nums[0] == 1, "ap-partition-step",
                    f"on SBUF/PSUM the first [step, num] pair walks partitions: its step must be the "
                    f"{per_partition} elements per partition, got {steps[0]}", "aps")
            require(offset % per_partition + sum((n - 1) * s for s, n in zip(steps[1:], nums[1:]))
                    < per_partition, "ap-bounds", f"access pattern {pattern} leaves its partition", "aps")
        last = offset + sum((n - 1) * s for s, n in zip(steps, nums))
        require(last < base.size, "ap-bounds", f"access pattern {pattern} with offset {offset} reaches element "
                f"{last} of a tensor of {base.size}", "indexing")

        def strided(array: np.ndarray) -> np.ndarray:
            flat = array.reshape(-1)[offset:]
            return np.lib.stride_tricks.as_strided(flat, shape=tuple(nums),
                                                   strides=tuple(s * array.itemsize for s in steps))

        written = strided(self.storage.written) if self.storage.written is not None else None
        return NkiTensor(self.storage, strided(base), written)

    def view(self, dtype: Any) -> "NkiTensor":
        """The same bytes read as ``dtype`` (a bit reinterpretation, not a cast; nki-reference.md section 4).
        The last dimension scales by the itemsize ratio, as NumPy's ``view`` does."""
        try:
            values = self.values.view(dtypes.resolve(dtype))
        except ValueError as exc:
            raise NkiRuleError("view-dtype", f"cannot view {self.shape} {dtypes.name(self.dtype)} as "
                               f"{dtypes.name(dtypes.resolve(dtype))}: {exc}", "language") from None
        if self.written is not None and values.itemsize != self.values.itemsize:
            raise NotEmulatedError("not-emulated", "not emulated: .view() to another element size on a PSUM "
                                   "tile", "language")
        return NkiTensor(self.storage, values, self.written)

    def reshape(self, *shape: Any) -> "NkiTensor":
        """A view with another shape over the same memory (no copy, as in NKI)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        view = self.values.view()
        try:
            view.shape = shape  # raises instead of copying when the view is not contiguous
        except (AttributeError, ValueError) as exc:
            raise NkiRuleError("reshape", f"cannot reshape {self.shape} to {shape} as a view: {exc}",
                               "language") from None
        if self.buffer.on_chip:
            check_partitions(view.shape, "reshape")
        written = None
        if self.written is not None:
            written = self.written.view()
            written.shape = shape
        return NkiTensor(self.storage, view, written)

    # Which engine a Python operator on a tile would use is not documented for 0.3.0: not emulated.
    def _no_operator(self, *_: Any) -> Any:
        raise NotEmulatedError("not-emulated", "not emulated: Python operators on tiles; use nl.add/"
                               "nl.multiply/... or nisa calls", "language")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = _no_operator
    __matmul__ = __neg__ = _no_operator


def check_partitions(shape: tuple[int, ...], what: str) -> None:
    require(len(shape) >= 1, "tile-rank", f"{what}: on-chip tiles need a partition dim", "tiling")
    require(shape[0] <= PMAX, "partition-dim",
            f"{what}: partition dim {shape[0]} exceeds {PMAX} (shape {shape})", "tiling")


def allocate(shape: tuple[int, ...], dtype: Any, buffer: Buffer, fill: Any = None) -> NkiTensor:
    """A new tensor; ``fill=None`` means uninitialised (NaN for floats, 4 for integers)."""
    if isinstance(buffer, str):
        raise NkiRuleError("buffer-name", f"buffer must be nl.sbuf/nl.psum/nl.shared_hbm/..., not the "
                           f"string {buffer!r} (strings were removed in 0.3.0)", "update_guide")
    require(buffer in BUFFERS, "buffer", f"unknown buffer {buffer!r}", "language")
    shape = tuple(int(s) for s in shape)
    dt = dtypes.resolve(dtype)
    if buffer.on_chip:
        check_partitions(shape, "allocation")
    if fill is None:
        fill = np.nan if dtypes.is_float(dt) else 4
    data = np.full(shape, fill, dtype=dt)
    if dtypes.is_tf32(dt):
        data[...] = dtypes.to_tf32(data)  # nl.full(..., 0.1, nl.tfloat32) holds 0.1 rounded to tf32
    storage = Storage(data, buffer)
    return NkiTensor(storage, data, storage.written)


def wrap_hbm(array: np.ndarray) -> NkiTensor:
    """A kernel input: the caller's array as an ``nl.hbm`` tensor (writes land in it), as nki.simulate wraps
    inputs on one logical NeuronCore (D/nki/guides/nki_simulator.html, "How It Works"; ``shared_hbm`` is for
    LNC2, which the emulator does not run). Not an output, then: outputs are allocated in ``nl.shared_hbm``."""
    storage = Storage(array, hbm)
    return NkiTensor(storage, array, None)
