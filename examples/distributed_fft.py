"""A 3-D FFT split across processes with trnfft.distributed.

    torchrun --nproc-per-node 2 examples/distributed_fft.py [--shape 64 48 40] [--pencil]

Every rank builds the same global array from a fixed seed (a real program
would load or compute only its own block), takes its block of the input
layout, runs the distributed forward and inverse transforms, and checks its
block of the result against torch.fft.fftn of the whole array.
"""
from __future__ import annotations

import argparse

import torch
import torch.distributed as dist

import trnfft.distributed as tdist


def block(layout: tdist.Layout, rank: int) -> str:
    return "[" + ", ".join(f"{a}:{b}" for a, b in layout.box(rank)) + "]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", type=int, nargs="+", default=[64, 48, 40])
    parser.add_argument("--pencil", action="store_true", help="force a pencil decomposition")
    parser.add_argument("--transposed", action="store_true",
                        help="leave the output in the last stage's layout (one all-to-all fewer)")
    args = parser.parse_args()

    dist.init_process_group("gloo")            # torchrun provides rank, size and address
    shape = tuple(args.shape)
    plan = tdist.DistributedFFT(shape, decomposition="pencil" if args.pencil else "auto",
                                transposed=args.transposed)
    rank = plan.rank

    whole = torch.randn(shape, dtype=torch.complex64, generator=torch.Generator().manual_seed(0))
    x = whole[plan.input_layout.slices(rank)]
    y = plan.forward(x, norm="ortho")
    back = plan.backward(y, norm="ortho")

    full = torch.fft.fftn(whole.to(torch.complex128), norm="ortho")
    expected = full[plan.output_layout.slices(rank)]
    err = float((y - expected).norm() / expected.norm())
    trip = float((back - x).norm() / x.norm())
    print(f"rank {rank}/{plan.size} {plan.decomposition.name} grid {plan.decomposition.grid}: "
          f"input block {block(plan.input_layout, rank)}, output block "
          f"{block(plan.output_layout, rank)}; error vs torch.fft.fftn {err:.1e}, "
          f"round trip {trip:.1e}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
