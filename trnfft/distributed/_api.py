"""torch.fft-style functions over a process group: ``fftn``, ``ifftn``, ``rfftn``, ``irfftn``.

Each call builds its (cheap, local) plan and runs it; the one collective
check per call covers the plan's arguments too. Hold a
:class:`DistributedFFT` instead to query layouts or to skip re-planning.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch

from ._exchange import Profile
from ._plan import DistributedFFT


def _plan(kind: str, global_shape: Sequence[int], group: Any, decomposition: str,
          grid: Sequence[int] | None, transposed: bool, backend: Any,
          workers: int | None) -> DistributedFFT:
    return DistributedFFT._unchecked(global_shape, kind, group, decomposition, grid, transposed,
                                     backend, workers)


def fftn(x: torch.Tensor, global_shape: Sequence[int], norm: str | None = None, *,
         group: Any = None, decomposition: str = "auto", grid: Sequence[int] | None = None,
         transposed: bool = False, backend: Any = None, workers: int | None = None,
         profile: Profile | None = None) -> torch.Tensor:
    """This rank's block of ``torch.fft.fftn`` of the global array (2-D or 3-D)."""
    return _plan("c2c", global_shape, group, decomposition, grid, transposed, backend,
                 workers).forward(x, norm, profile=profile)


def ifftn(x: torch.Tensor, global_shape: Sequence[int], norm: str | None = None, *,
          group: Any = None, decomposition: str = "auto", grid: Sequence[int] | None = None,
          transposed: bool = False, backend: Any = None, workers: int | None = None,
          profile: Profile | None = None) -> torch.Tensor:
    """Inverse of :func:`fftn`; ``x`` is in fftn's output layout (transposed if asked)."""
    return _plan("c2c", global_shape, group, decomposition, grid, transposed, backend,
                 workers).backward(x, norm, profile=profile)


def rfftn(x: torch.Tensor, global_shape: Sequence[int], norm: str | None = None, *,
          group: Any = None, decomposition: str = "auto", grid: Sequence[int] | None = None,
          transposed: bool = False, backend: Any = None, workers: int | None = None,
          profile: Profile | None = None) -> torch.Tensor:
    """This rank's block of ``torch.fft.rfftn`` of the real global array of ``global_shape``."""
    return _plan("r2c", global_shape, group, decomposition, grid, transposed, backend,
                 workers).forward(x, norm, profile=profile)


def irfftn(x: torch.Tensor, global_shape: Sequence[int], norm: str | None = None, *,
           group: Any = None, decomposition: str = "auto", grid: Sequence[int] | None = None,
           transposed: bool = False, backend: Any = None, workers: int | None = None,
           profile: Profile | None = None) -> torch.Tensor:
    """c2r: this rank's block of ``torch.fft.irfftn(x, s=global_shape)``, the real global
    array; ``x`` is in rfftn's output layout (transposed if asked)."""
    return _plan("r2c", global_shape, group, decomposition, grid, transposed, backend,
                 workers).backward(x, norm, profile=profile)
