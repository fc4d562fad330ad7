"""torch.fft-style functions over a process group: ``fftn``, ``ifftn``, ``rfftn``, ``irfftn``.

Each call builds its (cheap, local) plan and runs it; the one collective
check per call covers the plan's arguments too. Hold a
:class:`DistributedFFT` instead to query layouts or to skip re-planning.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import torch

from ._exchange import Profile
from ._plan import DistributedFFT


def _transform(name: str, kind: str, forward: bool, doc: str) -> Callable[..., torch.Tensor]:
    """One public function: plan ``kind`` over the group, then run it forward or backward."""
    def transform(x: torch.Tensor, global_shape: Sequence[int], norm: str | None = None, *,
                  group: Any = None, decomposition: str = "auto", grid: Sequence[int] | None = None,
                  transposed: bool = False, backend: Any = None, workers: int | None = None,
                  profile: Profile | None = None) -> torch.Tensor:
        plan = DistributedFFT._unchecked(global_shape, kind, group, decomposition, grid, transposed,
                                         backend, workers)
        run = plan.forward if forward else plan.backward
        return run(x, norm, profile=profile)

    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = doc
    return transform


fftn = _transform("fftn", "c2c", True,
                  "This rank's block of ``torch.fft.fftn`` of the global array (2-D or 3-D).")
ifftn = _transform("ifftn", "c2c", False,
                   "Inverse of :func:`fftn`; ``x`` is in fftn's output layout (transposed if asked).")
rfftn = _transform("rfftn", "r2c", True,
                   "This rank's block of ``torch.fft.rfftn`` of the real global array of ``global_shape``.")
irfftn = _transform("irfftn", "r2c", False,
                    "c2r: this rank's block of ``torch.fft.irfftn(x, s=global_shape)``, the real global "
                    "array; ``x`` is in rfftn's output layout (transposed if asked).")
