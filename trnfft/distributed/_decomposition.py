"""Slab and pencil decompositions: the sequence of layouts a transform passes through.

A decomposition is a process grid and a list of stages. Stage i holds the
data in layout i and runs the local FFTs over the axes that layout keeps
whole and no earlier stage transformed; between stages one all-to-all
redistributes. The last axis (the r2c/c2r axis) is always done in stage 0, on
real data, so real transforms never need a complex exchange of the full size.

* slab (1-D grid of p ranks): axis 0 split, FFT over the others; exchange to
  axis 1 split; FFT over axis 0. One exchange.
* pencil (3-D only, p0 x p1 grid): axes 0 and 1 split, FFT over axis 2;
  exchange to axes 0 and 2 split (within grid rows); FFT over axis 1;
  exchange to axes 1 and 2 split (within grid columns); FFT over axis 0.
  Two exchanges, but each among p1 or p0 ranks only, and up to p = N0 * N1
  ranks instead of min(N0, N1).

"auto" takes a slab when no rank would be left empty (one exchange between
the stages instead of two), otherwise the most square pencil grid.
"""
from __future__ import annotations

from dataclasses import dataclass

from ._layout import Layout, pencil_grid

SPLITS = {
    ("slab", 2): ((0, None), (None, 0)),
    ("slab", 3): ((0, None, None), (None, 0, None)),
    ("pencil", 3): ((0, 1, None), (0, None, 1), (None, 0, 1)),
}


@dataclass(frozen=True)
class Decomposition:
    name: str                                  # "slab" or "pencil"
    grid: tuple[int, ...]
    splits: tuple[tuple[int | None, ...], ...]  # one per stage

    def layouts(self, shape: tuple[int, ...]) -> tuple[Layout, ...]:
        return tuple(Layout(shape, self.grid, s) for s in self.splits)

    def stage_axes(self) -> tuple[tuple[int, ...], ...]:
        """The axes each stage transforms locally, in stage order."""
        done: set[int] = set()
        stages = []
        for split in self.splits:
            axes = tuple(a for a, g in enumerate(split) if g is None and a not in done)
            done.update(axes)
            stages.append(axes)
        return tuple(stages)


def choose(shape: tuple[int, ...], spectral: tuple[int, ...], size: int, decomposition: str,
           grid: tuple[int, ...] | None) -> Decomposition:
    """The decomposition for ``size`` ranks (``decomposition`` "auto", "slab" or "pencil";
    ``grid`` fixes a pencil grid). ``spectral`` is the shape after the r2c axis is halved."""
    d = len(shape)
    if grid is not None and decomposition == "slab":
        raise ValueError("grid= sets a pencil decomposition's process grid; a slab has none")
    if grid is not None or decomposition == "pencil":
        if d != 3:
            raise ValueError("a pencil decomposition needs a 3-D transform")
        if grid is None:
            grid = pencil_grid(size, (min(shape[0], shape[1]), min(shape[1], spectral[2])))
        if len(grid) != 2 or grid[0] * grid[1] != size or min(grid) < 1:
            raise ValueError(f"grid {tuple(grid)} does not multiply out to the {size} ranks")
        return Decomposition("pencil", tuple(grid), SPLITS["pencil", 3])
    if decomposition == "slab" or d == 2 or size <= min(shape[0], shape[1]):
        return Decomposition("slab", (size,), SPLITS["slab", d])
    return choose(shape, spectral, size, "pencil", None)
