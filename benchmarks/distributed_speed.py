"""Distributed 3-D FFT speed on 1, 2 and 4 gloo processes on this machine, outside asv.

    python benchmarks/distributed_speed.py [--shape 256 256 256] [--procs 1 2 4] [--repeat 5]

Each process holds only its own block of a complex64 global array, runs
single-threaded (``torch.set_num_threads(1)``, ``workers=1``) and times
``DistributedFFT.forward`` with a :class:`trnfft.distributed.Profile`, after
one warm-up call (which plans FFTW). Reported per process count:

* wall time of the slowest rank (the transform is done when the last rank
  is): best, median and worst of ``--repeat`` runs;
* the most CPU time a rank used in the best run (on a loaded machine, wall
  time far above CPU time is time-slicing, not work);
* the slowest rank's shares of the best run spent in local FFTs, in
  ``all_to_all_single`` (including waiting for slower ranks), and in packing
  and unpacking;
* bytes each rank sent to other ranks against ``(p - 1) / p`` of the block
  it held, summed over the redistributions: what an all-to-all among all p
  ranks must send. A pencil's first two exchanges run within a grid row or
  column and need only ``(p1 - 1) / p1`` or ``(p0 - 1) / p0``, so its ratio
  can be below 1.

Figures from a machine with fewer cores than processes measure time-slicing,
not parallel speed-up: say so next to them, with the load average this
script prints. The one-process row runs the same staged plan with no
exchange; the row below it is ``trnfft.fftn`` of the whole array in one call.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import time
from datetime import timedelta

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TRNFFT_CACHE_DIR", tempfile.mkdtemp(prefix="trnfft-dist-bench-"))

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as tmp  # noqa: E402

import trnfft  # noqa: E402
import trnfft.distributed as tdist  # noqa: E402


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def rank_main(rank: int, size: int, port: int, args: argparse.Namespace, queue) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=size, timeout=timedelta(seconds=600))
    shape = tuple(args.shape)
    plan = tdist.DistributedFFT(shape, decomposition=args.decomposition,
                                transposed=args.transposed, workers=1)
    gen = torch.Generator().manual_seed(rank)
    x = torch.randn(plan.input_layout.local_shape(rank), dtype=torch.complex64, generator=gen)
    plan.forward(x)                                    # warm-up: FFTW planning, buffers
    runs = []
    for _ in range(args.repeat):
        prof = tdist.Profile()
        dist.barrier()
        t0, c0 = time.perf_counter(), time.process_time()
        plan.forward(x, profile=prof)
        runs.append((time.perf_counter() - t0, prof, time.process_time() - c0))
    rows: list = [None] * size
    dist.all_gather_object(rows, runs)
    if rank == 0:
        queue.put((plan.decomposition.name, plan.decomposition.grid, rows))
    if size == 1:                                      # the same transform in one trnfft call
        trnfft.fftn(x, workers=1)
        queue.put(min(_timed(lambda: trnfft.fftn(x, workers=1)) for _ in range(args.repeat)))
    dist.destroy_process_group()


def summarise(size: int, name: str, grid: tuple, rows: list) -> str:
    repeat = len(rows[0])
    walls = [max(rows[r][i][0] for r in range(size)) for i in range(repeat)]
    best = min(range(repeat), key=lambda i: walls[i])
    profs = [rows[r][best][1] for r in range(size)]
    slowest = max(range(size), key=lambda r: rows[r][best][0])
    p = profs[slowest]
    comm = p.comm_s / rows[slowest][best][0]
    packing = (p.pack_s + p.unpack_s) / rows[slowest][best][0]
    ffts = p.fft_s / rows[slowest][best][0]
    cpu = max(rows[r][best][2] for r in range(size))
    sent = max(q.bytes_sent for q in profs)
    bound = max(sum(h * (size - 1) // size for h, _ in q.per_exchange) for q in profs)
    ratio = f"{sent / bound:.2f}" if bound else "-"
    return (f"| {size} | {name} {grid} | {walls[best]:.3f} | {statistics.median(walls):.3f} | "
            f"{max(walls):.3f} | {cpu:.3f} | {ffts:.0%} | {comm:.0%} | {packing:.0%} | {p.exchanges} | "
            f"{sent / 2**20:.1f} | {bound / 2**20:.1f} | {ratio} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", type=int, nargs=3, default=[256, 256, 256])
    parser.add_argument("--procs", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--decomposition", default="auto", choices=["auto", "slab", "pencil"])
    parser.add_argument("--transposed", action="store_true",
                        help="leave the output transposed (one all-to-all fewer)")
    args = parser.parse_args()
    print(f"complex64 forward FFT of {tuple(args.shape)}, {args.decomposition}"
          f"{', transposed output' if args.transposed else ''}; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    print("| procs | decomposition | best s | median s | worst s | CPU s/rank | FFT share "
          "| comm share | pack+unpack | exchanges | MiB sent/rank | (p-1)/p of held, MiB | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    ctx = tmp.get_context("spawn")
    for size in args.procs:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        queue = ctx.SimpleQueue()
        tmp.start_processes(rank_main, args=(size, port, args, queue), nprocs=size,
                            start_method="spawn")
        print(summarise(size, *queue.get()), flush=True)
        if size == 1:
            print(f"| 1 | trnfft.fftn, one call | {queue.get():.3f} |" + " |" * 10, flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
