"""Which block of the global array each rank holds: splits, process grids and layouts.

A layout splits some axes of a global shape over the axes of a process grid
(rank = row-major index in the grid) and leaves the others whole. Uneven sizes
are split as ``numpy.array_split``/``torch.tensor_split`` do: the first
``n % parts`` pieces get one extra element. A rank may hold an empty block when
an axis has fewer elements than grid parts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

Box = tuple[tuple[int, int], ...]   # (start, stop) per axis


def split_range(n: int, parts: int, index: int) -> tuple[int, int]:
    """``(start, stop)`` of piece ``index`` when ``n`` elements are split into ``parts``."""
    base, extra = divmod(n, parts)
    start = index * base + min(index, extra)
    return start, start + base + (1 if index < extra else 0)


def grid_coords(rank: int, grid: Sequence[int]) -> tuple[int, ...]:
    """Row-major coordinates of ``rank`` in a process grid."""
    coords = []
    for size in reversed(grid):
        rank, c = divmod(rank, size)
        coords.append(c)
    return tuple(reversed(coords))


@dataclass(frozen=True)
class Layout:
    """``shape`` split over a process ``grid``: ``split[axis]`` is the grid axis that
    splits that array axis, or None when every rank holds the axis whole."""

    shape: tuple[int, ...]
    grid: tuple[int, ...]
    split: tuple[int | None, ...]

    @property
    def size(self) -> int:
        """Number of ranks."""
        return math.prod(self.grid)

    def box(self, rank: int) -> Box:
        """``(start, stop)`` per axis of the block ``rank`` holds."""
        coords = grid_coords(rank, self.grid)
        return tuple((0, n) if g is None else split_range(n, self.grid[g], coords[g])
                     for n, g in zip(self.shape, self.split))

    def slices(self, rank: int) -> tuple[slice, ...]:
        """The block ``rank`` holds, as slices of the global array."""
        return tuple(slice(a, b) for a, b in self.box(rank))

    def local_shape(self, rank: int) -> tuple[int, ...]:
        """Shape of the block ``rank`` holds."""
        return tuple(b - a for a, b in self.box(rank))

    def whole_axes(self) -> tuple[int, ...]:
        """The axes every rank holds whole (where a local FFT can run)."""
        return tuple(a for a, g in enumerate(self.split) if g is None)

    def __str__(self) -> str:
        parts = [f"axis {a} over {self.grid[g]}" for a, g in enumerate(self.split) if g is not None]
        return f"shape {self.shape} split " + (", ".join(parts) if parts else "nowhere")


def pencil_grid(p: int, sizes: Sequence[int]) -> tuple[int, int]:
    """The most square ``p0 x p1 = p`` grid (p0 <= p1) that leaves no rank empty on
    the axes it splits (``sizes`` = the smallest extent each grid axis must split),
    or the most square one when none does."""
    pairs = [(a, p // a) for a in range(int(math.isqrt(p)), 0, -1) if p % a == 0]
    for p0, p1 in pairs:
        if p0 <= sizes[0] and p1 <= sizes[1]:
            return p0, p1
    return pairs[0]
