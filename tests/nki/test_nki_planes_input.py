"""Batch-1 kernels with stacked-plane output take re and im as the caller's two parts: no copy outside the kernel.

The emulator only counts what a kernel does; a plan that stacked re and im into one [2, B, n] array before the
launch would read and write the whole input unrecorded (and on hardware be a second device op per call). So the
plan must hand the kernel the parts themselves, and the recorded HBM traffic must be exactly input + output +
the plan's constants.
"""
from __future__ import annotations

import numpy as np
import pytest

from trnfft.core.problem import make_problem
from trnfft_backends.nki import arguments, executors
from trnfft_backends.nki.emulator import collect
from trnfft_backends.nki.plugin import FFTPlan
from conftest import random_array


def _refuse(*_args, **_kwargs):
    raise AssertionError("re and im were stacked outside the kernel")


@pytest.mark.parametrize("n,kernel", [(4096, "four_step_stacked_kernel"), (8000, "four_step_table_kernel"),
                                      (61 * 127, "four_step_table_kernel"), (5000, "four_step_table_kernel"),
                                      (4099, "bluestein_sbuf_stacked_kernel")])
def test_batch_1_planes_kernels_read_the_callers_parts_and_nothing_else(n, kernel, monkeypatch):
    calls = []

    def run(k, *args):
        calls.append(args)
        return executors.simulate(k, *args)

    plan = FFTPlan(make_problem("c2c", (n,)), run)
    assert plan._kernel.__name__ == kernel and arguments.returns_stacked_planes(plan._kernel)
    x = random_array(n, np.complex64, seed=n)
    xr, xi = x.real.copy(), x.imag.copy()
    monkeypatch.setattr(np, "stack", _refuse)
    monkeypatch.setattr(np, "concatenate", _refuse)
    with collect() as rec:
        yr, yi = plan.execute_split(xr, xi)
    monkeypatch.undo()
    parts = calls[0][:2]
    assert np.shares_memory(parts[0], xr) and np.shares_memory(parts[1], xi)   # the caller's parts
    assert yr.base is not None and yr.base is yi.base        # views of the kernel's one output, not copies
    assert rec.launches == 1
    io_bytes = xr.nbytes + xi.nbytes + yr.nbytes + yi.nbytes
    assert rec.hbm_to_sbuf_bytes + rec.sbuf_to_hbm_bytes == io_bytes + plan.constant_bytes()
    ref = np.fft.fft(x.astype(np.complex128))
    assert np.linalg.norm(yr + 1j * yi - ref) / np.linalg.norm(ref) <= 1e-6


@pytest.mark.parametrize("n", [4096, 61 * 127, 5000, 4100])
def test_batch_1_four_step_reads_complex_input_as_it_is(n, monkeypatch):
    """A complex64 input goes to the four-step kernels as its own memory read as float32 pairs (re and im
    interleaved, one DMA, no split on the host); recorded HBM bytes = input + output + constants."""
    calls = []

    def run(k, *args):
        calls.append(args)
        return executors.simulate(k, *args)

    plan = FFTPlan(make_problem("c2c", (n,)), run)
    assert plan._kernel in arguments.INTERLEAVED_INPUT
    x = random_array(n, np.complex64, seed=n)
    monkeypatch.setattr(np, "stack", _refuse)
    monkeypatch.setattr(np, "concatenate", _refuse)
    with collect() as rec:
        y = plan.execute(x)
    monkeypatch.undo()
    part = calls[0][0]
    assert part.dtype == np.float32 and part.shape == (1, 2 * n) and np.shares_memory(part, x)
    assert rec.launches == 1 and rec.dma_transfers == 3
    assert rec.hbm_to_sbuf_bytes + rec.sbuf_to_hbm_bytes == x.nbytes + y.nbytes + plan.constant_bytes()
    ref = np.fft.fft(x.astype(np.complex128))
    assert np.linalg.norm(y - ref) / np.linalg.norm(ref) <= 1e-6


@pytest.mark.parametrize("n,batch", [(6561, 3), (4100, 2), (4096, 5)])
def test_small_batches_run_the_stacked_plane_kernels_a_few_transforms_per_pass(n, batch):
    """Batches below 64 take the stacked-plane kernels where the estimate prefers them (6561 = 81 x 81 packs no
    two transforms per tile): the complex batch read as float32 pairs in place, one DMA in and one out per
    pass (one transform, or a few: 4096 = 64 x 64 two) and one table, every transform within 1e-6 of float64."""
    calls = []

    def run(k, *args):
        calls.append(args)
        return executors.simulate(k, *args)

    plan = FFTPlan(make_problem("c2c", (batch, n), axes=(1,)), run)
    assert plan._kernel in arguments.INTERLEAVED_INPUT
    x = random_array((batch, n), np.complex64, seed=batch)
    with collect() as rec:
        y = plan.execute(x)
    part = calls[0][0]
    assert part.shape == (batch, 2 * n) and np.shares_memory(part, x)
    passes = -(-batch // plan.layout.planes.group)
    assert plan.layout.planes.group == 2 or n != 4096
    assert rec.launches == 1 and rec.dma_transfers == 1 + 2 * passes
    assert rec.hbm_to_sbuf_bytes + rec.sbuf_to_hbm_bytes == x.nbytes + y.nbytes + plan.constant_bytes()
    ref = np.fft.fft(x.astype(np.complex128), axis=1)
    assert np.linalg.norm(y - ref) / np.linalg.norm(ref) <= 1e-6
