"""Launches, HBM traffic and modelled Trainium kernel time for backends whose plans report them.

A plan that implements ``modelled_cost()`` (the NKI backends, through the
emulator's cost model) is tracked here; every other backend is skipped. All
times are modelled estimates, not measurements. Problems are "kind:shape",
1-D transforms along the last axis ("c2c:64x4096" is a batch of 64 complex64
transforms): one per NKI kernel class, 4099 and 65537 through Bluestein (four-step and a*a*r
padded lengths, both in SBUF); a third field "2d"/"3d" transforms the last 2 or 3 axes (rfft2
1024x1024, fft2 256x256, a batch of 8 rfft2 256x256, fftn 64^3). Each chip's modelled time is that
of the plan made for it (``modelled_cost(plan_for=chip)``): the trn1 figures, issue 9's targets,
of the layouts trn1's figures choose, whatever TRNFFT_NKI_TARGET says; launches and HBM bytes of
the trn1 plan. A plan implementing the hookspec's older ``modelled_cost()``, without ``plan_for``, is
tracked by its own layout on both chips (the units say so).
"""
from __future__ import annotations

import inspect
from typing import Any

from .common import trnfft_backends

BACKENDS = [b.split(":", 1)[1] for b in trnfft_backends()]


CHIPS = ("trn1", "trn2")


def takes_plan_for(plan: Any) -> bool:
    """Whether ``plan.modelled_cost`` takes ``plan_for`` (the hookspec's first form had no arguments)."""
    try:
        parameters = inspect.signature(plan.modelled_cost).parameters.values()
    except (TypeError, ValueError):   # no signature to read: call it the first way
        return False
    return any(p.name == "plan_for" or p.kind is p.VAR_KEYWORD for p in parameters)


def costs_per_chip(plan: Any) -> dict[str, dict[str, Any]]:
    """Each chip's ``modelled_cost`` of the plan made for it, or, for a plan whose ``modelled_cost()`` takes no
    ``plan_for``, the plan's own (one layout, whichever chip it was made for) under every chip."""
    if takes_plan_for(plan):
        return {chip: plan.modelled_cost(plan_for=chip) for chip in CHIPS}
    own = plan.modelled_cost()
    return {chip: own for chip in CHIPS}


class NKIModel:
    params = [["c2c:128", "c2c:128x128", "c2c:1024", "c2c:4096", "c2c:64x4096", "c2c:65536", "c2c:1048576",
               "c2c:4099", "c2c:65537", "r2c:4096", "r2c:64x4096", "r2c:1024x1024:2d", "c2c:256x256:2d",
               "r2c:8x256x256:2d", "c2c:64x64x64:3d"], BACKENDS]
    param_names = ["problem", "backend"]
    timeout = 300

    def setup(self, problem, backend):
        from trnfft.core.problem import make_problem
        from trnfft.core.dispatch import get_plan
        kind, dims, *rank = problem.split(":")
        shape = tuple(int(d) for d in dims.split("x"))
        from trnfft.core.errors import TrnfftError
        axes = range(-int(rank[0][0]), 0) if rank else None
        p = make_problem(kind, shape, axes=axes, precision="single")
        try:
            plan = get_plan(p, backend)
        except TrnfftError as exc:
            raise NotImplementedError(f"{backend}: {exc}") from None
        if not hasattr(plan, "modelled_cost"):
            raise NotImplementedError(f"{backend} reports no modelled cost")
        self.costs = costs_per_chip(plan)
        self.cost = self.costs["trn1"]

    def track_launches(self, problem, backend):
        return self.cost["launches"]

    track_launches.unit = "kernel launches per call"

    def track_modelled_trn1(self, problem, backend):
        return self.cost["trn1_seconds"] * 1e6

    track_modelled_trn1.unit = "us (modelled, trn1, planned for trn1; a plan without plan_for: its own layout)"

    def track_modelled_trn2(self, problem, backend):
        return self.costs["trn2"]["trn2_seconds"] * 1e6

    track_modelled_trn2.unit = "us (modelled, trn2, planned for trn2; a plan without plan_for: its own layout)"

    def track_hbm_over_minimum(self, problem, backend):
        return self.cost["hbm_over_minimum"]

    track_hbm_over_minimum.unit = "HBM bytes / (input + output bytes)"

    def track_modelled_trn1_over_roofline(self, problem, backend):
        return self.cost["trn1_over_roofline"]

    track_modelled_trn1_over_roofline.unit = "modelled trn1 time / roofline"
