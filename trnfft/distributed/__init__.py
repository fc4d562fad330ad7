"""Distributed 2-D and 3-D FFTs over a ``torch.distributed`` process group.

>>> import torch.distributed as dist, trnfft.distributed as tdist
>>> dist.init_process_group("gloo")                  # or torchrun's environment
>>> plan = tdist.DistributedFFT((256, 256, 256))     # c2c; kind="r2c" for rfftn/irfftn
>>> x = global_array[plan.input_layout.slices(plan.rank)]   # this rank's block
>>> y = plan.forward(x, norm="ortho")                # its block of fftn(global_array)
>>> y = tdist.fftn(x, (256, 256, 256), norm="ortho") # the same, as a function

Slab or pencil decompositions (automatic, or ``decomposition=``/``grid=``),
local FFTs through trnfft's own dispatch (the selected backend and
cross-checking apply per rank), one ``all_to_all_single`` per redistribution,
uneven splits, optional transposed output, and collective argument checks so
that bad input raises the same error on every rank instead of hanging.
"""
from __future__ import annotations

from ._api import fftn, ifftn, irfftn, rfftn
from ._exchange import Profile
from ._layout import Layout
from ._plan import DistributedFFT
from .errors import DistributedMismatchError, RankFailedError

__all__ = ["DistributedFFT", "Layout", "Profile", "DistributedMismatchError", "RankFailedError",
           "fftn", "ifftn", "rfftn", "irfftn"]
