"""nc_matmul row tiling (tile_position / tile_size): the emulator's validation per target, the cost model's
credit for row tiles running side by side (``costmodel.TensorSchedule``), and the counters ``trnfft cost`` shows."""
from __future__ import annotations

import numpy as np
import pytest

from trnfft_backends.nki import emulator
from trnfft_backends.nki.cost import print_report, report
from trnfft_backends.nki.emulator import NkiRuleError
from trnfft_backends.nki.emulator.costmodel import CHIPS, matmul_cycles, model

nki, nl, nisa = emulator, emulator.language, emulator.isa
RNG = np.random.default_rng(5)
A = RNG.uniform(-1, 1, (128, 128)).astype(np.float32)   # stationary data, K on partitions
B = RNG.uniform(-1, 1, (128, 256)).astype(np.float32)   # moving data
ONE = matmul_cycles(256, fp32=True)                     # one fp32 matmul with N = 256


def kernel(plan):
    """A kernel issuing one fp32 matmul per ``plan`` entry (rows lo:hi of A and B, tile or None, PSUM tile
    index), each into PSUM tile ``index``; returns the sum of the PSUM tiles (to check the values)."""
    @nki.jit
    def k(a, b):
        sa, sb = nl.load(a), nl.load(b)
        accs = [nl.ndarray((128, 256), nl.float32, buffer=nl.psum) for _ in range(3)]
        for (lo, hi), tile, index in plan:
            extra = {} if tile == None else {"tile_position": (tile[0], 0), "tile_size": (tile[1], 128)}
            nisa.nc_matmul(dst=accs[index], stationary=sa[lo:hi, :], moving=sb[lo:hi, :], **extra)
        total = nl.ndarray((128, 256), nl.float32)
        nisa.memset(dst=total, value=0.0)
        for acc in accs[:max([i for *_, i in plan]) + 1]:
            nisa.tensor_tensor(dst=total, data1=total, data2=acc, op=nl.add)
        out = nl.ndarray((128, 256), nl.float32, buffer=nl.shared_hbm)
        nl.store(out, total)
        return out
    return k


def run(plan):
    """(result, record) of ``kernel(plan)``; the result checked against float64."""
    with emulator.collect() as rec:
        y = emulator.simulate(kernel(plan))(A, B)
    ref = sum(A[lo:hi].astype(np.float64).T @ B[lo:hi].astype(np.float64) for (lo, hi), *_ in plan)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)
    return y, rec


def test_two_64_row_tiles_on_disjoint_rows_cost_one_matmul():
    _, rec = run([((0, 64), (0, 64), 0), ((64, 128), (64, 64), 1)])
    assert rec.cycles["tensor"] == ONE and rec.tensor_serial_cycles == 2 * ONE
    assert rec.row_tiled_matmuls == 2 and rec.row_tiled_uncredited == 0


def test_two_64_row_matmuls_on_the_same_tile_cost_two():
    _, rec = run([((0, 64), (0, 64), 0), ((0, 64), (0, 64), 1)])
    assert rec.cycles["tensor"] == 2 * ONE


def test_an_untiled_matmul_between_two_row_tiles_serialises_all_three():
    _, rec = run([((0, 64), (0, 64), 0), ((0, 128), None, 2), ((64, 128), (64, 64), 1)])
    assert rec.cycles["tensor"] == 3 * ONE and rec.row_tiled_matmuls == 2


def test_matmuls_into_one_psum_tile_run_one_after_the_other():
    _, rec = run([((0, 64), (0, 64), 0), ((64, 128), (64, 64), 0)])   # one accumulation group
    assert rec.cycles["tensor"] == 2 * ONE


def test_operands_off_the_tiles_rows_are_accepted_but_not_credited():
    """Rows 0..63 of the operands on the PE rows 64..127: the docs neither allow nor forbid it; no credit."""
    _, rec = run([((0, 64), (64, 64), 0), ((64, 128), (0, 64), 1)])
    assert rec.cycles["tensor"] == 2 * ONE
    assert rec.row_tiled_matmuls == 0 and rec.row_tiled_uncredited == 2


def test_four_32_row_tiles_cost_one_on_trn2(monkeypatch):
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn2")
    plan = [((32 * i, 32 * i + 32), (32 * i, 32), i % 3) for i in range(3)]
    _, rec = run(plan)
    assert rec.cycles["tensor"] == ONE and rec.row_tiled_matmuls == 3
    # the model's Tensor time is the span on every chip; the serial sum is reported next to it
    for chip in CHIPS:
        cost = model(rec, chip)
        assert cost.engines["tensor"] == pytest.approx(ONE / CHIPS[chip].tensor_hz)
        assert cost.tensor_serial_s == pytest.approx(3 * ONE / CHIPS[chip].tensor_hz)


def test_row_sizes_per_target(monkeypatch):
    plan = [((0, 32), (0, 32), 0)]
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn1")   # NeuronCore-v2: 64-row tiles only
    with pytest.raises(NkiRuleError, match="row_size 32 must be one of \\(64, 128\\) on trn1") as exc:
        run(plan)
    assert exc.value.rule == "matmul-tiling" and "nc_matmul" in exc.value.page
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn2")   # NeuronCore-v3: 32 too
    _, rec = run(plan)
    assert rec.row_tiled_matmuls == 1


@pytest.mark.parametrize("extra, message", [
    ({"tile_size": (64, 128)}, "both be set"),
    ({"tile_position": (0, 0)}, "both be set"),
    ({"tile_position": (32, 0), "tile_size": (64, 128)}, "multiple of row_size"),
    ({"tile_position": (0, 0), "tile_size": (48, 128)}, "row_size 48"),
    ({"tile_position": (0, 64), "tile_size": (64, 128)}, "start_column must be 0"),
    ({"tile_position": (0,), "tile_size": (64, 128)}, "two integers"),
    ({"tile_position": (0, 0), "tile_size": (64.0, 128)}, "two integers"),
])
def test_bad_tiling_fields_are_rule_errors(extra, message):
    @nki.jit
    def k(a, b):
        acc = nl.ndarray((128, 256), nl.float32, buffer=nl.psum)
        nisa.nc_matmul(dst=acc, stationary=nl.load(a[0:64, :]), moving=nl.load(b[0:64, :]), **extra)
        return b
    with pytest.raises(NkiRuleError, match=message) as exc:
        emulator.simulate(k)(A, B)
    assert exc.value.rule == "matmul-tiling"


def test_a_stationary_taller_than_its_row_tile_is_rejected():
    with pytest.raises(NkiRuleError, match="must fit the chosen tile_size"):
        run([((0, 128), (0, 64), 0)])


def test_trnfft_cost_shows_the_row_tiling_counters(capsys):
    _, rec = run([((0, 64), (0, 64), 0), ((64, 128), (64, 64), 1), ((0, 64), (64, 64), 2)])
    data = report(rec, {chip: model(rec, chip) for chip in CHIPS})
    assert data["record"]["row_tiled_matmuls"] == 2 and data["record"]["row_tiled_uncredited_matmuls"] == 1
    assert data["record"]["tensor_cycles_without_row_tiling"] == 3 * ONE
    for chip in CHIPS:
        assert data["modelled"][chip]["tensor_seconds_without_row_tiling"] == pytest.approx(
            3 * ONE / CHIPS[chip].tensor_hz)
        assert data["modelled"][chip]["engine_seconds"]["tensor"] == pytest.approx(2 * ONE / CHIPS[chip].tensor_hz)
    print_report(data, "row tiles")
    out = capsys.readouterr().out
    assert "row-tiled matmuls with both operands on the tile's rows (may overlap: MODELLED credit)" in out
    assert "tensor busy without the row-tiling credit (modelled)" in out


def test_row_tiles_writing_disjoint_columns_of_one_psum_tile_overlap():
    """Only overlapping PSUM elements order two matmuls: halves of one tile's columns run side by side."""
    @nki.jit
    def k(a, b):
        sa, sb = nl.load(a), nl.load(b)
        acc = nl.ndarray((128, 256), nl.float32, buffer=nl.psum)
        for lo in (0, 64):
            nisa.nc_matmul(dst=acc[:, lo:lo + 64], stationary=sa[lo:lo + 64, :], moving=sb[lo:lo + 64, 0:64],
                           tile_position=(lo, 0), tile_size=(64, 128))
        res = nl.ndarray((128, 256), nl.float32)
        nisa.tensor_copy(dst=res[:, 0:128], src=acc[:, 0:128])
        out = nl.ndarray((128, 128), nl.float32, buffer=nl.shared_hbm)
        nl.store(out, res[:, 0:128])
        return out
    with emulator.collect() as rec:
        y = emulator.simulate(k)(A, B)
    ref = np.concatenate([A[lo:lo + 64].T.astype(np.float64) @ B[lo:lo + 64, 0:64] for lo in (0, 64)], axis=1)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)
    assert rec.cycles["tensor"] == matmul_cycles(64, fp32=True) and rec.row_tiled_matmuls == 2


@pytest.mark.parametrize("rows, block, halves", [(128, 16, ((0, 64), (64, 128))), (96, 32, ((0, 64), (64, 96))),
                                                 (64, 16, ((0, 64),)), (123, 41, ((0, 123),)),
                                                 (128, 128, ((0, 128),)), (128, 0, ((0, 128),))])
def test_diagonal_halves_split_only_where_the_blocks_meet_row_64(rows, block, halves):
    from trnfft_backends.nki.kernels.cplx import diagonal_halves
    assert diagonal_halves(rows, block) == halves


@pytest.mark.parametrize("target", ["trn1", "trn2"])
@pytest.mark.parametrize("n, batch, family", [(1024, 64, "four-step"), (1000, 70, "four-step"),
                                              (131072, 1, "six-step")])
def test_kernels_run_block_diagonal_stages_on_row_tiles(monkeypatch, target, n, batch, family):
    """The four-step's first stage (I_g (x) F1, n1 dividing 64) and the six-step's stacked first stage run on
    the two 64-row tiles, every one credited (operands on the tile's partitions), on both targets' rules, with
    a ragged last group (1000 x 70: 8 x 125, groups of 16 transforms, the last 6) and float32-level error."""
    from trnfft_backends.nki import algorithms
    from trnfft_backends.nki.cost import fft_cost
    monkeypatch.setenv("TRNFFT_NKI_TARGET", target)
    layout = algorithms.choose(n, batch, chip=CHIPS["trn1"])
    assert layout.algorithm == family and 64 % layout.factors[0] == 0, layout
    d = fft_cost(n, batch, plan_for="trn1")
    rec = d["record"]
    assert rec["row_tiled_matmuls"] > 0 and rec["row_tiled_uncredited_matmuls"] == 0
    assert d["fft"]["relative_error_vs_float64"] <= 1e-6
    for chip in CHIPS:
        m = d["modelled"][chip]
        assert m["engine_seconds"]["tensor"] < m["tensor_seconds_without_row_tiling"]


def test_the_r2c_four_steps_first_stage_runs_on_row_tiles():
    from trnfft_backends.nki.cost import fft_cost
    d = fft_cost(1024, 64, kind="r2c", plan_for="trn1")
    assert d["record"]["row_tiled_matmuls"] > 0 and d["record"]["row_tiled_uncredited_matmuls"] == 0
    assert d["fft"]["relative_error_vs_float64"] <= 1e-6
