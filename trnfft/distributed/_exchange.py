"""Redistribution between two layouts: pack, one ``all_to_all_single``, unpack.

Any layout can be redistributed into any other of the same global shape in
one collective: rank r sends rank q the intersection of r's block in the
source layout with q's block in the destination layout (heFFTe's "boxes"
reshape; mpi4py-fft's generic redistribution does the same job with MPI
subarray types). Rank pairs with nothing in common exchange zero elements.

Copies: packing copies each outgoing piece once into the send buffer, unless
the pieces are already consecutive rows of a contiguous block (then the block
itself is sent); unpacking copies each incoming piece once into place, unless
the pieces arrive stacked along the first axis (then the receive buffer is the
result). Complex data travels as its real view (``torch.view_as_real``, no
copy), so the transport never needs a complex dtype.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
import torch.distributed as dist

from ._layout import Box, Layout


def intersect(a: Box, b: Box) -> Box:
    """The common part of two boxes (empty boxes have some stop == start)."""
    out = []
    for (a0, a1), (b0, b1) in zip(a, b):
        lo, hi = max(a0, b0), min(a1, b1)
        out.append((lo, max(lo, hi)))
    return tuple(out)


def box_count(box: Box) -> int:
    return math.prod(b - a for a, b in box)


def _relative(box: Box, origin: Box) -> tuple[slice, ...]:
    return tuple(slice(a - o, b - o) for (a, b), (o, _) in zip(box, origin))


def _stacked_on_first_axis(pieces: tuple[Box, ...], whole: Box) -> bool:
    """True when the non-empty ``pieces``, in rank order, are consecutive slabs of
    ``whole`` along its first axis (so they are consecutive in row-major memory)."""
    pos = whole[0][0]
    for piece in pieces:
        if box_count(piece) == 0:
            continue
        if piece[0][0] != pos or piece[1:] != whole[1:]:
            return False
        pos = piece[0][1]
    return pos == whole[0][1] or box_count(whole) == 0


@dataclass(frozen=True)
class Exchange:
    """What one rank sends to and receives from every rank to go from ``src`` to ``dst``."""

    rank: int
    src_box: Box
    dst_box: Box
    send: tuple[Box, ...]   # global box going to each rank
    recv: tuple[Box, ...]   # global box coming from each rank

    @classmethod
    def between(cls, src: Layout, dst: Layout, rank: int) -> "Exchange":
        mine_src, mine_dst = src.box(rank), dst.box(rank)
        ranks = range(src.size)
        return cls(rank, mine_src, mine_dst,
                   tuple(intersect(mine_src, dst.box(q)) for q in ranks),
                   tuple(intersect(src.box(q), mine_dst) for q in ranks))

    def elements_sent(self) -> int:
        """Elements (per batch entry) this rank sends to other ranks."""
        return sum(box_count(b) for q, b in enumerate(self.send) if q != self.rank)


@dataclass
class Profile:
    """Where a distributed transform spent its time, and what it sent (this rank).

    ``check_s`` is the collective argument check (one small all_gather per call);
    ``comm_s`` is the time inside ``all_to_all_single``, which includes waiting
    for slower ranks; ``bytes_held`` is the size of the block each exchange
    redistributed, so ``bytes_sent / bytes_held`` can be compared with the
    minimum ``(p - 1) / p`` of an all-to-all among p ranks.
    """

    check_s: float = 0.0
    fft_s: float = 0.0
    pack_s: float = 0.0
    comm_s: float = 0.0
    unpack_s: float = 0.0
    exchanges: int = 0
    bytes_sent: int = 0
    bytes_held: int = 0
    per_exchange: list[tuple[int, int]] = field(default_factory=list)  # (held, sent)

    @property
    def total_s(self) -> float:
        return self.check_s + self.fft_s + self.pack_s + self.comm_s + self.unpack_s


def _wire(t: torch.Tensor) -> torch.Tensor:
    """A flat 1-D real-or-complex buffer as the transport sees it (complex as real pairs)."""
    return torch.view_as_real(t) if t.is_complex() else t


def pack(x: torch.Tensor, ex: Exchange, batch: tuple[int, ...]) -> tuple[torch.Tensor, list[int]]:
    """The send buffer (flat) and the element count going to each rank."""
    per = math.prod(batch)
    counts = [box_count(b) * per for b in ex.send]
    if not batch and x.is_contiguous() and _stacked_on_first_axis(ex.send, ex.src_box):
        return x.reshape(-1), counts
    buf = torch.empty(sum(counts), dtype=x.dtype, device=x.device)
    offset = 0
    for box, n in zip(ex.send, counts):
        if n:
            piece = x[(...,) + _relative(box, ex.src_box)]
            buf[offset:offset + n].view(piece.shape).copy_(piece)
            offset += n
    return buf, counts


def unpack(buf: torch.Tensor, ex: Exchange, batch: tuple[int, ...]) -> torch.Tensor:
    """The received pieces assembled into this rank's block of the destination layout."""
    shape = batch + tuple(b - a for a, b in ex.dst_box)
    if not batch and _stacked_on_first_axis(ex.recv, ex.dst_box):
        return buf.view(shape)
    out = torch.empty(shape, dtype=buf.dtype, device=buf.device)
    per, offset = math.prod(batch), 0
    for box in ex.recv:
        n = box_count(box) * per
        if n:
            region = out[(...,) + _relative(box, ex.dst_box)]
            region.copy_(buf[offset:offset + n].view(region.shape))
            offset += n
    return out


def redistribute(x: torch.Tensor, ex: Exchange, batch: tuple[int, ...], group: object,
                 profile: Profile | None = None) -> torch.Tensor:
    """Move ``x`` (this rank's block of the source layout, after ``batch`` leading
    dims) to its block of the destination layout, with one ``all_to_all_single``."""
    t0 = time.perf_counter()
    send, send_counts = pack(x, ex, batch)
    per = math.prod(batch)
    recv_counts = [box_count(b) * per for b in ex.recv]
    recv = torch.empty(sum(recv_counts), dtype=x.dtype, device=x.device)
    t1 = time.perf_counter()
    dist.all_to_all_single(_wire(recv), _wire(send), recv_counts, send_counts, group=group)
    t2 = time.perf_counter()
    out = unpack(recv, ex, batch)
    if profile is not None:
        t3 = time.perf_counter()
        item = x.element_size()
        held, sent = x.numel() * item, ex.elements_sent() * per * item
        profile.pack_s += t1 - t0
        profile.comm_s += t2 - t1
        profile.unpack_s += t3 - t2
        profile.exchanges += 1
        profile.bytes_held += held
        profile.bytes_sent += sent
        profile.per_exchange.append((held, sent))
    return out
