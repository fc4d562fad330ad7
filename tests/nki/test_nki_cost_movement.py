"""Data-movement MACs: matmuls whose operand is a 0/1 matrix with at most one 1 per column are counted
apart, and ``trnfft cost fft`` reports an informational ratio to the roofline of the other (DFT) MACs."""
from __future__ import annotations

import json

import numpy as np
import pytest

from trnfft.cli import main
from trnfft_backends.nki import emulator, engine
from trnfft_backends.nki.cost import fft_cost
from trnfft_backends.nki.emulator.record import is_selection


@engine.nki.jit
def matmul_kernel(s_in, v_in):
    nisa, nl = engine.nisa, engine.nl
    s, v = nl.load(s_in), nl.load(v_in)
    acc = nl.ndarray((s.shape[1], v.shape[1]), nl.float32, buffer=nl.psum)
    nisa.nc_matmul(dst=acc, stationary=s, moving=v)
    kept = nl.ndarray(acc.shape, nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=kept, src=acc)
    out = nl.ndarray(acc.shape, nl.float32, buffer=nl.shared_hbm)
    nl.store(out, kept)
    return out


@engine.nki.jit
def transpose_kernel(x):
    nisa, nl = engine.nisa, engine.nl
    data = nl.load(x)
    back = nl.ndarray((data.shape[1], data.shape[0]), nl.float32, buffer=nl.psum)
    nisa.nc_transpose(dst=back, data=data)
    kept = nl.ndarray(back.shape, nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=kept, src=back)
    out = nl.ndarray(back.shape, nl.float32, buffer=nl.shared_hbm)
    nl.store(out, kept)
    return out


def _matmuls(stationaries: list[np.ndarray], movings: list[np.ndarray], transposed: np.ndarray):
    """One launch per (stationary, moving) matmul and one Tensor-engine transpose: the summed record."""
    with emulator.collect() as rec:
        for s, v in zip(stationaries, movings):
            out = emulator.simulate(matmul_kernel)(s, v)
            assert np.allclose(out, s.T.astype(np.float64) @ v, atol=1e-5)
        assert np.array_equal(emulator.simulate(transpose_kernel)(transposed), transposed.T)
    return rec


def test_data_movement_macs_match_the_hand_count():
    rng = np.random.default_rng(3)
    dense = lambda *shape: rng.uniform(-1, 1, shape).astype(np.float32)  # noqa: E731
    eye = np.eye(96, dtype=np.float32)
    jay = np.eye(64, dtype=np.float32)[::-1].copy()              # the exchange matrix J
    spread = np.zeros((8, 128), np.float32)                      # an expansion: row r to columns 16r..16r+15
    spread[np.arange(128) // 16, np.arange(128)] = 1
    ones = np.ones((32, 40), np.float32)                         # a sum of rows: arithmetic, not movement
    zeros = np.zeros((48, 50), np.float32)                       # zero padding: not movement either
    rec = _matmuls([dense(96, 80), jay, spread, ones, dense(48, 30), dense(50, 70)],
                   [eye, dense(64, 200), dense(8, 60), dense(32, 20), zeros, dense(50, 90)], dense(64, 100))
    movement = 96 * 80 * 96 + 64 * 64 * 200 + 8 * 128 * 60 + 64 * 100 * 64   # the transpose: [64, 100] against I_64
    assert rec.movement_macs == movement
    assert rec.macs == movement + 32 * 40 * 20 + 48 * 30 * 50 + 50 * 70 * 90
    assert rec.as_dict()["data_movement_macs"] == movement
    with emulator.collect() as total:   # records merge: the movement MACs add up
        _matmuls([jay], [dense(64, 10)], dense(8, 8))
        _matmuls([jay], [dense(64, 10)], dense(8, 8))
    assert total.movement_macs == 2 * (64 * 64 * 10 + 8 * 8 * 8)


def test_the_selection_criterion():
    assert is_selection(np.eye(5, 7, dtype=np.float32))           # a partial identity, zero columns allowed
    assert is_selection(np.eye(4, dtype=np.float32)[[0, 0, 2, 3]].T.copy())  # column 0 and 1 both copy row 0
    assert not is_selection(np.eye(4, dtype=np.float32)[[0, 0, 2, 3]])      # a column with two 1s: a sum
    assert not is_selection(-np.eye(4, dtype=np.float32))         # a sign change is arithmetic
    assert not is_selection(0.5 * np.eye(4, dtype=np.float32))
    assert not is_selection(np.zeros((4, 4), np.float32))


def test_fft_cost_reports_data_movement_and_the_dft_only_ratio(capsys):
    plain = fft_cost(4096)      # the plain four-step: every matmul is a DFT stage
    assert plain["record"]["data_movement_macs"] == 0
    for m in plain["modelled"].values():
        assert m["over_dft_roofline"] == m["over_roofline"] and m["dft_roofline_s"] == m["roofline_roofline_s"]
    tall = fft_cost(6915)       # the tall four-step: J exchanges
    rec = tall["record"]
    assert "tall-four-step" in tall["fft"]["layout"] and 0 < rec["data_movement_macs"] < rec["macs"]
    for m in tall["modelled"].values():
        assert m["over_dft_roofline"] > m["over_roofline"] > 0
        assert m["dft_roofline_s"] <= m["roofline_roofline_s"]
    assert main(["cost", "fft", "--n", "6915"]) == 0
    text = capsys.readouterr().out
    assert "of which data movement (transposes/exchanges/selections)" in text
    assert f"{rec['data_movement_macs']:,}" in text and "DFT MACs only" in text and "MODELLED" in text
    assert main(["cost", "fft", "--n", "6915", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["record"]["data_movement_macs"] == rec["data_movement_macs"]


@pytest.mark.parametrize("n", [4096, 6915])
def test_the_cost_models_time_does_not_depend_on_the_movement_count(n):
    data = fft_cost(n)
    for m in data["modelled"].values():
        assert m["over_roofline"] == pytest.approx(m["kernel_seconds_overlapped"] / m["roofline_roofline_s"])
