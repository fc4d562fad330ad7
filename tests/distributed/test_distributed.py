"""trnfft.distributed on 2 and 4 gloo ranks against the float64 single-process transform.

One process group per size runs every case (tests/distributed/distributed_worker.py) and
reports back through files: spawning and joining a group costs seconds, a case
milliseconds. The children are forked from a forkserver that has imported
torch and trnfft once. A rank that fails cannot hang the test: collectives
time out after 60 s and the group is killed after DEADLINE_S.
"""
from __future__ import annotations

import json
import multiprocessing
import time

import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")
if not dist.is_available() or not dist.is_gloo_available():
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

import torch.multiprocessing as tmp  # noqa: E402

import distributed_worker  # noqa: E402

DEADLINE_S = 240


def run_group(size: int, outdir) -> list[dict]:
    """Run distributed_worker.run on ``size`` ranks; each rank's report."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(["distributed_worker"])
    ctx = tmp.start_processes(distributed_worker.run, args=(size, str(outdir)),
                              nprocs=size, join=False, start_method="forkserver")
    deadline = time.monotonic() + DEADLINE_S
    try:
        while not ctx.join(timeout=max(1.0, deadline - time.monotonic())):
            if time.monotonic() > deadline:
                pytest.fail(f"{size}-rank group did not finish within {DEADLINE_S} s")
    finally:
        for p in ctx.processes:
            if p.is_alive():
                p.kill()
    return [json.loads((outdir / f"rank{r}.json").read_text()) for r in range(size)]


@pytest.mark.parametrize("size", [2, 4])
def test_every_rank_matches_the_single_process_transform(size, tmp_path):
    reports = run_group(size, tmp_path)
    failures = [f"rank {r['rank']}: {f}" for r in reports for f in r["failures"]]
    assert not failures, "\n".join(failures[:20])
    expected = (sum(1 for _ in distributed_worker.accuracy_cases(size))
                + len(distributed_worker.error_cases(0, size)))
    assert reports[0]["passed"] == expected + 1   # + the one-rank subgroup, on rank 0 only
    assert all(r["passed"] == expected for r in reports[1:])
