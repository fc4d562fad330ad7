"""Kernels ``benchmarks/trn1_rules_scan.py`` found breaking NeuronCore-v2's (trn1) rules: the six-step's
stacked n3-row slots off trn1's start partitions (and the helper that widens a tile to a start trn1
accepts), the Bluestein cube holding two transforms' cubes in SBUF at batch >= 2."""
from __future__ import annotations

import numpy as np
import pytest

from trnfft_backends.nki import algorithms, arguments, emulated
from trnfft_backends.nki.emulator import last_record
from trnfft_backends.nki.kernels.partitions import covering_start
from conftest import random_array

BOUND = 1e-6


@pytest.mark.parametrize("lo, hi, start", [(0, 128, 0), (5, 6, 0), (32, 64, 32), (32, 65, 0), (40, 50, 32),
                                           (63, 126, 0), (64, 128, 64), (74, 111, 64), (96, 128, 96),
                                           (112, 126, 96), (100, 128, 96), (65, 100, 64)])
def test_covering_start_is_the_highest_start_trn1_allows(lo, hi, start):
    assert covering_start(lo, hi) == start
    parts = hi - start   # the rule as the emulator checks it (emulator/isa.py _tile)
    assert start in ((0,) if parts > 64 else (0, 64) if parts > 32 else (0, 32, 64, 96))


@pytest.mark.parametrize("lo, hi", [(-1, 4), (4, 4), (10, 129)])
def test_covering_start_rejects_an_empty_or_outside_range(lo, hi):
    with pytest.raises(ValueError, match="partitions"):
        covering_start(lo, hi)


@pytest.mark.parametrize("n, factors", [(109760, (70, 112, 14)), (166698, (21, 126, 63))])
def test_six_step_with_a_short_last_slot_runs_on_trn1(n, factors, trn1_target):
    """109760 = 70 x 112 x 14: stage 2 stacks 9 slots of 14 rows, the last (rows 112..125) zeroed for the
    groups it lacks, a tile trn1 cannot start at 112 (it starts at 96); 166698: the last of two 63-row slots
    starts at 63 (the memset starts at 0). Both were rejected by the emulator's trn1 rules. The layouts are
    given (the planner may pick other factors: 109760 has gone to 32 x 98 x 35 since stage 1 runs on row tiles)."""
    block, k_block = algorithms.six_step_blocks(*factors)
    layout = algorithms.Layout("six-step", n, factors, block, k_block=k_block)
    kernel, args = arguments.kernel_arguments(layout, True, 1.0)
    x = random_array((1, n), np.complex64, seed=n)
    yr, yi = emulated.simulate(kernel, np.ascontiguousarray(x.real), np.ascontiguousarray(x.imag), *args)
    ref = np.fft.fft(x.astype(np.complex128))
    assert np.linalg.norm(yr + 1j * yi - ref) / np.linalg.norm(ref) <= BOUND
    assert last_record().launches == 1


def test_bluestein_cube_frees_each_transforms_cube_before_the_next():
    """At 524287 x 2 (m = 102^3) two cubes overflowed trn1's SBUF: the SBUF peak at batch 2 is batch 1's (a
    forced side 48, cheap to emulate, the smallest sampled where the cube outweighs the temporaries: two
    cubes at once peaked 61,360 bytes per partition against one transform's 54,448)."""
    n = 55291
    layout = algorithms.Layout("bluestein", n, (n,), 1, algorithms.Layout(algorithms.CUBE, 48 ** 3, (48,) * 3))
    kernel, args = arguments.kernel_arguments(layout, True, 1.0)
    peaks = []
    for batch in (1, 2):
        x = random_array((batch, n), np.complex64, seed=batch)
        yr, yi = emulated.simulate(kernel, np.ascontiguousarray(x.real), np.ascontiguousarray(x.imag), *args)
        ref = np.fft.fft(x.astype(np.complex128))
        assert np.linalg.norm(yr + 1j * yi - ref) / np.linalg.norm(ref) <= BOUND
        peaks.append(last_record().peak_sbuf_partition_bytes)
    assert peaks[1] == peaks[0]


def test_the_scan_names_the_kernel_line_and_rule_of_a_rejection(trn1_target, monkeypatch):
    """benchmarks/trn1_rules_scan.py on the six-step as it was (the memset from the last slot's own start)."""
    from benchmarks.trn1_rules_scan import run
    from trnfft_backends.nki.kernels import six_step
    assert run("c2c", 16, 3)[0] == "ok"
    monkeypatch.setattr(six_step, "covering_start", lambda lo, hi: lo)
    status, detail = run("c2c", 109760, 1)
    assert status == "FAIL" and "[start-partition]" in detail and "six_step.py" in detail and "memset" in detail
