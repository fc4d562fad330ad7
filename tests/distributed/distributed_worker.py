"""What each spawned rank of tests/distributed/test_distributed.py runs: many cases per process group.

Spawning processes and joining a gloo group costs seconds, so each group runs
every case in one go and writes its failures to ``<outdir>/rank<r>.json``;
the test process reads them. Every rank builds the same global arrays from the
same seeds, so it can slice out its own block and the float64 reference.
"""
from __future__ import annotations

import itertools
import json
import math
import traceback
from datetime import timedelta
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

import trnfft
import trnfft.distributed as tdist
from trnfft.core.errors import InvalidArgumentError, InvalidDtypeError

C = 5.0
NORMS = (None, "ortho", "forward")
SHAPES_2D = ((8, 6), (3, 9))
SHAPES_3D = ((8, 4, 6), (6, 5, 7), (3, 8, 6))


def tolerance(dtype: torch.dtype, shape: tuple[int, ...]) -> float:
    eps = torch.finfo(dtype).eps
    return C * eps * math.log2(max(math.prod(shape), 2))


def relerr(y: torch.Tensor, ref: np.ndarray) -> float:
    y = y.detach().numpy().astype(np.complex128)
    scale = np.linalg.norm(ref.ravel())
    diff = np.linalg.norm((y - ref).ravel())
    return float(diff / scale) if scale > 0 else float(diff)


def global_array(shape, complex_, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, shape)
    return x + 1j * rng.uniform(-1, 1, shape) if complex_ else x


def accuracy_cases(size: int):
    """(description, callable returning (error, tolerance)): every shape x decomposition x
    kind x transposed, with the norm cycling so that each kind meets every norm."""
    kinds = ("fftn", "ifftn", "rfftn", "irfftn")
    for shapes in (SHAPES_2D, SHAPES_3D):
        decomps = ("slab", "pencil") if len(shapes[0]) == 3 else ("slab",)
        for (i, shape), (j, decomp), (k, kind), t in itertools.product(
                enumerate(shapes), enumerate(decomps), enumerate(kinds), (0, 1)):
            norm = NORMS[(i + j + k + t) % len(NORMS)]
            name = f"{kind} {shape} {decomp} norm={norm} transposed={bool(t)}"
            yield name, (lambda s=shape, d=decomp, k=kind, n=norm, t=bool(t):
                         one_transform(s, d, k, n, t))
    for shape, dtype in (((9, 6, 5), torch.complex128), ((10, 7), torch.complex64)):
        for kind, transposed in itertools.product(("c2c", "r2c"), (False, True)):
            yield (f"round trip {kind} {shape} {dtype} transposed={transposed}",
                   lambda s=shape, k=kind, dt=dtype, t=transposed: round_trip(s, k, dt, t))
    yield "batch dims (2,) fftn (5, 6, 4) pencil", batch_case
    yield "numpy-reference backend per rank", backend_case


def one_transform(shape, decomp, kind, norm, transposed):
    c2c = kind in ("fftn", "ifftn")
    plan = tdist.DistributedFFT(shape, "c2c" if c2c else "r2c", decomposition=decomp,
                                transposed=transposed)
    rank = plan.rank
    if kind in ("fftn", "rfftn"):
        g = global_array(shape, c2c, seed=len(shape) * 100 + sum(shape))
        ref = (np.fft.fftn if c2c else np.fft.rfftn)(g, norm=norm)
        x = torch.from_numpy(g[plan.input_layout.slices(rank)]).to(
            torch.complex64 if c2c else torch.float32)
        y = plan.forward(x, norm)
        want = ref[plan.output_layout.slices(rank)]
    else:
        spec = (np.fft.fftn(global_array(shape, True, seed=7)) if c2c
                else np.fft.rfftn(global_array(shape, False, seed=7)))
        ref = np.fft.ifftn(spec, norm=norm) if c2c else np.fft.irfftn(spec, s=shape, norm=norm)
        x = torch.from_numpy(spec[plan.output_layout.slices(rank)]).to(torch.complex64)
        y = plan.backward(x, norm)
        want = ref[plan.input_layout.slices(rank)]
    if tuple(y.shape) != want.shape:
        raise AssertionError(f"rank {rank} got shape {tuple(y.shape)}, expected {want.shape}")
    return (relerr(y, want) if want.size else 0.0), tolerance(torch.float32, shape)


def round_trip(shape, kind, dtype, transposed):
    plan = tdist.DistributedFFT(shape, kind, transposed=transposed)
    real = kind == "r2c"
    g = global_array(shape, not real, seed=3)
    x = torch.from_numpy(g[plan.input_layout.slices(plan.rank)])
    x = x.to(dtype if not real else (torch.float64 if dtype == torch.complex128 else torch.float32))
    back = plan.backward(plan.forward(x, "ortho"), "ortho")
    return relerr(back, x.numpy()), tolerance(back.dtype, shape)


def batch_case():
    shape = (5, 6, 4)
    plan = tdist.DistributedFFT(shape, decomposition="pencil")
    g = global_array((2,) + shape, True, seed=11)
    ref = np.fft.fftn(g, axes=(1, 2, 3))
    x = torch.from_numpy(g[(slice(None),) + plan.input_layout.slices(plan.rank)])
    y = plan.forward(x.to(torch.complex64))
    return relerr(y, ref[(slice(None),) + plan.output_layout.slices(plan.rank)]), \
        tolerance(torch.float32, shape)


def backend_case():
    shape = (6, 6, 6)
    g = global_array(shape, True, seed=5)
    plan = tdist.DistributedFFT(shape, backend="numpy-reference")
    x = torch.from_numpy(g[plan.input_layout.slices(plan.rank)]).to(torch.complex64)
    with trnfft.cross_checking("fftw-reference", mode="raise"):
        y = plan.forward(x)
    return relerr(y, np.fft.fftn(g)[plan.output_layout.slices(plan.rank)]), \
        tolerance(torch.float32, shape)


def error_cases(rank: int, size: int):
    """(description, expected exception, callable, message text): each must raise on every rank."""
    shape = (8, 6, 5)

    def block(plan, dtype=torch.complex64):
        return torch.zeros(plan.input_layout.local_shape(plan.rank), dtype=dtype)

    def wrong_block():
        plan = tdist.DistributedFFT(shape)
        x = block(plan)
        if rank == 1:
            x = torch.zeros((x.shape[0] + 1,) + tuple(x.shape[1:]), dtype=x.dtype)
        plan.forward(x)

    def global_shape_disagrees():
        tdist.fftn(torch.zeros(2, 2, 2, dtype=torch.complex64),
                   shape if rank else (8, 6, 6))

    def plan_disagrees():
        tdist.DistributedFFT(shape, decomposition="pencil" if rank == size - 1 else "slab")

    def dtypes_disagree():
        plan = tdist.DistributedFFT(shape)
        plan.forward(block(plan, torch.complex128 if rank == 0 else torch.complex64))

    def bad_norm_on_one_rank():
        plan = tdist.DistributedFFT(shape)
        plan.forward(block(plan), "sideways" if rank == 1 else "ortho")

    def complex_into_rfftn():
        plan = tdist.DistributedFFT(shape, "r2c")
        plan.forward(block(plan))

    def requires_grad():
        plan = tdist.DistributedFFT(shape)
        plan.forward(block(plan).requires_grad_(True))

    def four_d_shape():
        tdist.fftn(torch.zeros(2, 2, 2, 2, dtype=torch.complex64), (2, 2, 2, 2))

    def bad_grid():
        tdist.DistributedFFT(shape, grid=(3, size))

    def backend_fails_on_one_rank():
        plan = tdist.DistributedFFT(shape, backend="no-such-backend" if rank == 1 else None)
        plan.forward(block(plan))

    return [
        ("a local FFT fails on one rank", tdist.RankFailedError, backend_fails_on_one_rank,
         "rank 1: UnknownBackendError"),
        ("local block does not match the layout", tdist.DistributedMismatchError, wrong_block,
         "rank 1 holds"),
        ("ranks disagree on global_shape", tdist.DistributedMismatchError,
         global_shape_disagrees, "global_shape"),
        ("ranks disagree on the decomposition", tdist.DistributedMismatchError, plan_disagrees,
         "decomposition"),
        ("ranks hold different dtypes", tdist.DistributedMismatchError, dtypes_disagree,
         "different dtypes"),
        ("bad norm on one rank", InvalidArgumentError, bad_norm_on_one_rank, "rank 1: norm"),
        ("complex input to rfftn", InvalidDtypeError, complex_into_rfftn, "real input"),
        ("input requiring grad", InvalidArgumentError, requires_grad, "autograd"),
        ("4-D global shape", InvalidArgumentError, four_d_shape, "2 or 3"),
        ("grid that does not multiply out", InvalidArgumentError, bad_grid, "multiply out"),
    ]


def group_of_one() -> tuple[float, float] | None:
    """A one-rank subgroup (rank 0 only): the distributed call is the local transform."""
    sub = dist.new_group([0])
    if dist.get_rank() != 0:
        return None
    shape = (6, 5, 4)
    g = global_array(shape, True, seed=9)
    y = tdist.fftn(torch.from_numpy(g).to(torch.complex64), shape, "ortho", group=sub)
    return relerr(y, np.fft.fftn(g, norm="ortho")), tolerance(torch.float32, shape)


def run(rank: int, size: int, outdir: str) -> None:
    """Entry point of each spawned rank. The ranks meet through a file store in
    ``outdir`` (a free TCP port could be taken by another process before rank 0
    binds it); gloo then connects them over localhost."""
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{outdir}/store", rank=rank,
                            world_size=size, timeout=timedelta(seconds=60))
    failures, passed, worst = [], 0, 0.0
    try:
        for name, case in accuracy_cases(size):
            try:
                err, tol = case()
            except Exception:
                failures.append(f"{name}: {traceback.format_exc(limit=3)}")
                continue
            worst = max(worst, err / tol)
            if err <= tol:
                passed += 1
            else:
                failures.append(f"{name}: error {err:.3g} > tolerance {tol:.3g}")
        for name, expected, case, text in error_cases(rank, size):
            try:
                case()
                failures.append(f"{name}: no error raised")
            except expected as exc:
                if text not in str(exc):
                    failures.append(f"{name}: message {str(exc)!r} lacks {text!r}")
                else:
                    passed += 1
            except Exception as exc:
                failures.append(f"{name}: {type(exc).__name__} instead of {expected.__name__}: "
                                f"{exc}")
        one = group_of_one()
        if one is not None:
            if one[0] <= one[1]:
                passed += 1
            else:
                failures.append(f"group of one: error {one[0]:.3g} > {one[1]:.3g}")
    finally:
        Path(outdir, f"rank{rank}.json").write_text(
            json.dumps({"rank": rank, "passed": passed, "failures": failures, "worst": worst}))
        dist.destroy_process_group()
