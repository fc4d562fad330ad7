"""The stacked-plane four-step kernels at small batches: several transforms per pass, and the planner's estimate of
them (``algorithms._planes_seconds``) equal to the cost model engine by engine."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from trnfft_backends.nki import algorithms, arguments, executors
from trnfft_backends.nki.emulator import collect
from trnfft_backends.nki.emulator.costmodel import CHIPS, model
from conftest import random_array

BOUND = 1e-6


def _engine_seconds(chip, n1, n2, options, batch) -> dict:
    """``_planes_seconds``'s term per engine: the estimate with every other engine (and the DMA) made infinitely
    fast."""
    fast = {"tensor_hz": 1e30, "vector_hz": 1e30, "scalar_hz": 1e30, "gpsimd_hz": 1e30}
    no_dma = {"dma_bytes_per_s": 1e30, "hbm_bytes_per_s": 1e30, "dma_fixed_s": 0.0}
    terms = {}
    for engine in ("tensor", "vector", "scalar", "gpsimd"):
        figures = replace(chip, **{k: v for k, v in fast.items() if k != f"{engine}_hz"}, **no_dma)
        terms[engine] = algorithms._planes_seconds(figures, n1, n2, options, batch)
    terms["dma"] = algorithms._planes_seconds(replace(chip, **fast), n1, n2, options, batch)
    return terms


def _run(n1, n2, options, batch, forward=True, split=False):
    n = n1 * n2
    layout = algorithms.Layout("four-step", n, (n1, n2), per_tile=1, planes=options)
    kernel, args = arguments.kernel_arguments(layout, forward, 1.0 if forward else 1.0 / n)
    x = random_array((batch, n), np.complex64, seed=n + batch)
    if split:
        parts = (x.real.copy(), x.imag.copy())
    else:
        kernel, parts = arguments.INTERLEAVED_INPUT[kernel], (x.view(np.float32),)
    with collect() as rec:
        (y2,) = executors.simulate(kernel, *parts, *args)
    ref = (np.fft.fft if forward else np.fft.ifft)(x.astype(np.complex128), axis=-1)
    return rec, np.linalg.norm(y2[0] + 1j * y2[1] - ref) / np.linalg.norm(ref), args


P = algorithms.PlanesOptions
LAYOUTS = [
    (64, 64, P(64, 64, 11, 0, 2), 2), (64, 64, P(64, 64, 22, 1, 2), 5), (64, 64, P(64, 64, 64, 0, 1), 3),
    (32, 32, P(32, 32, 8, 1, 4), 4), (32, 32, P(32, 32, 32, 0, 4), 3), (24, 24, P(24, 24, 12, 0, 3), 3),
    (16, 16, P(16, 16, 16, 0, 8), 8), (64, 125, P(64, 63, 32, 0), 2), (33, 127, P(17, 64, 17, 1), 1),
    (50, 100, P(50, 100, 50, 0), 2), (81, 81, P(41, 41, 41, 0), 1),
    (125, 64, P(63, 64, 32, 0, 2), 3), (125, 64, P(42, 64, 64, 1, 2), 2), (32, 64, P(32, 64, 32, 0, 2), 2),
    (45, 45, P(45, 23, 23, 1, 2), 2), (15, 45, P(15, 15, 15, 0, 2), 3), (33, 32, P(17, 32, 33, 0, 4), 7),
    (100, 40, P(100, 40, 50, 1, 3), 3),
]


@pytest.mark.parametrize("n1,n2,options,batch", LAYOUTS)
def test_planes_estimate_matches_the_model_engine_by_engine(n1, n2, options, batch):
    """Each engine's term of the planner's estimate is the cost model's busy time of the kernel it plans, on both
    chips: one transform per pass (table kernels: odd, even, nested) and several (the stacked square kernel on
    the two row tiles, two transforms per tile, a last pass of fewer, 24 x 24 untiled; the table kernel against
    I_group (x) F2: odd and even F1 and F2, nested odd and even, ragged), twiddle products on either engine."""
    rec, err, _ = _run(n1, n2, options, batch)
    assert err <= BOUND
    for chip in ("trn1", "trn2"):
        modelled = model(rec, chip).engines
        estimate = _engine_seconds(CHIPS[chip], n1, n2, options, batch)
        for engine in ("tensor", "vector", "scalar", "gpsimd", "dma"):
            assert estimate[engine] == pytest.approx(modelled[engine], rel=1e-9, abs=1e-15), (chip, engine)


@pytest.mark.parametrize("n1,n2,options,batch", [(64, 64, P(64, 64, 22, 1, 2), 3), (32, 32, P(32, 32, 8, 0, 4), 7),
                                                 (16, 16, P(16, 16, 6, 1, 8), 9), (125, 64, P(42, 64, 22, 0, 2), 3),
                                                 (27, 36, P(14, 36, 9, 1, 3), 5)])
def test_grouped_passes_are_accurate_both_ways_and_for_split_parts(n1, n2, options, batch):
    """Several transforms per pass (the last pass ragged), forward and inverse, complex or split input: within
    1e-6 of float64; one table, one DMA in (two for split parts) and one out per pass; the row-tiled matmuls
    credited only where both operands sit on their tile."""
    passes = -(-batch // options.group)
    for forward in (True, False):
        for split in (False, True):
            rec, err, args = _run(n1, n2, options, batch, forward, split)
            assert err <= BOUND, (forward, split)
            assert rec.dma_transfers == 1 + (3 if split else 2) * passes
            assert rec.row_tiled_uncredited == 0
    assert arguments.constant_bytes(args) == algorithms.planes_table_bytes(n1, n2, options.widths, options.group)


def test_4096_at_batch_2_takes_two_transforms_per_pass_on_the_row_tiles():
    """4096 x 2 (the stacked square kernel) on either chip's figures: two transforms per pass, its last stage's
    four matmuls on the two 64-row tiles; faster by the estimate and by the model than one per pass."""
    for chip in (CHIPS["trn1"], CHIPS["trn2"]):
        layout = algorithms.choose(4096, 2, chip=chip)
        assert layout.per_tile == 1 and layout.planes.group == 2
        one = algorithms.planes_options.__wrapped__(chip, 64, 64, 1)
        rec, _, _ = _run(64, 64, layout.planes, 2)
        single, _, _ = _run(64, 64, one, 2)
        assert rec.row_tiled_matmuls == 4 and rec.dma_transfers == 3
        assert model(rec, chip.name).overlapped_s < model(single, chip.name).overlapped_s
        assert algorithms.planes_seconds(chip, 64, 64, 2) < algorithms._planes_seconds(chip, 64, 64, one, 2)


@pytest.mark.parametrize("n", [256, 1024, 4096, 4100, 6561, 8000, 10000])
def test_groups_never_make_a_small_batch_plan_slower(n):
    """The planner picks by time among one transform per pass and more: at batches 1-8 the chosen options are
    never slower by the estimate than the best of every option with one transform per pass (all widths)."""
    for chip in (CHIPS["trn1"], CHIPS["trn2"]):
        for batch in (1, 2, 3, 8):
            layout = algorithms.choose(n, batch, chip=chip)
            if layout.per_tile != 1:
                continue
            n1, n2 = layout.factors
            ungrouped = min(algorithms._planes_seconds(chip, n1, n2, o, batch)
                            for o in _every_option(n1, n2, groups=(1,)))
            assert algorithms.planes_seconds(chip, n1, n2, batch) <= ungrouped


def _every_option(n1, n2, groups):
    """Every planes option for n1 x n2 with these transforms per pass (the exhaustive search's set)."""
    m = algorithms.k1_columns(n1, n2)
    square = algorithms.stacked_square(n1, n2)
    f1 = algorithms._width_options(m, n1 % 2 == 1 and not algorithms.nested(n1, n2) and not square)
    f2 = algorithms._width_options(n2, n2 % 2 == 1 and not square)
    return [P(c1, c2, ct, vp, g) for c1 in f1 for c2 in f2 for ct in algorithms._width_options(m, True)
            for vp in (0, 1) for g in groups]


def _stepwise_blocks(n1, n2, n3):
    """``six_step_blocks`` as a stepwise search: the block shrinks by 512 // n1 columns until X2's rows fit beside
    what stays resident (or it is one step wide), k_block by one until the staged stages fit."""
    step = max(1, algorithms.PSUM_BANK // n1)
    budget = algorithms.SBUF_BUDGET
    x1 = 8 * n3 * n1
    staged = x1 + 8 * n1 * n2 > budget
    stack, slots = algorithms.six_step_stacks(n1, n3, staged)
    resident = 0 if staged else x1 + (8 * n2 * -(-n1 // slots) if algorithms.t2_resident(n1, n2, n3, slots) else 0)
    block = n3
    while block > step and 8 * n2 * -(-block // stack) + resident > budget:
        block -= step
    if 8 * n2 * -(-block // stack) + resident > budget:
        return None
    if not staged:
        return block, n1
    k_block = n1
    while k_block > 1 and 8 * k_block * (n3 + n2) + 16 * 2048 > budget:
        k_block -= 1
    return block, k_block


def test_six_step_blocks_in_closed_form_match_the_stepwise_search():
    """The closed form the Bluestein planner's search calls thousands of times gives what the stepwise search
    gives, over triples that fit whole, shrink the block, or stage X1 through HBM (none of factors <= 128 fits
    nowhere)."""
    seen = set()
    for n1 in range(2, 129, 3):
        for n2 in (2, 7, 64, 100, 127, 128):
            for n3 in range(2, 129, 5):
                found = algorithms.six_step_blocks.__wrapped__(n1, n2, n3)
                assert found == _stepwise_blocks(n1, n2, n3), (n1, n2, n3)
                assert found is not None
                seen.add("staged" if found[1] < n1 else "narrow" if found[0] < n3 else "whole")
    assert seen == {"staged", "narrow", "whole"}


@pytest.mark.parametrize("n1,n2,batch", [(64, 64, 8), (65, 63, 8), (33, 45, 5), (100, 41, 3), (16, 16, 9)])
def test_pruned_options_search_finds_what_the_exhaustive_one_does(n1, n2, batch):
    """``planes_options`` skips the groups whose floor is above the best found; it returns what the minimum over
    every option (ties as before: fewer per pass, most columns read, first found) returns, on both chips."""
    options = _every_option(n1, n2, algorithms.planes_groups(n1, n2, batch))
    for chip in CHIPS.values():
        best = min(options, key=lambda o: (algorithms._planes_seconds(chip, n1, n2, o, batch), o.group,
                                           -sum(o.widths)))
        assert algorithms.planes_options.__wrapped__(chip, n1, n2, batch) == best
