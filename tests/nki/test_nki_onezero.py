"""nc_matmul's 0/1-operand hints (is_stationary_onezero / is_moving_onezero): the emulator rejects a flagged fp32
operand that holds anything but 0 and 1, the cost model charges a flagged fp32 matmul half the fp32 cycles, and
the kernels flag their exchange, identity and selection matmuls (and only those)."""
from __future__ import annotations

import numpy as np
import pytest

from trnfft_backends.nki import emulator
from trnfft_backends.nki.cost import fft_cost
from trnfft_backends.nki.emulator import NkiRuleError
from trnfft_backends.nki.emulator.costmodel import matmul_cycles

nki, nl, nisa = emulator, emulator.language, emulator.isa

RNG = np.random.default_rng(3)
DATA = RNG.uniform(-1, 1, (128, 512)).astype(np.float32)
ZERO_ONE = (RNG.uniform(0, 1, (128, 64)) < 0.3).astype(np.float32)   # 0/1, not a selection: any count of 1s


def matmul_kernel(stationary_onezero: bool = False, moving_onezero: bool = False, dtype=nl.float32):
    """out [64, 512] = a [128, 64]^T b [128, 512], the operands loaded as ``dtype`` with the given hints."""
    @nki.jit
    def kernel(a, b):
        out = nl.ndarray((64, 512), nl.float32, buffer=nl.shared_hbm)
        acc = nl.ndarray((64, 512), nl.float32, buffer=nl.psum)
        nisa.nc_matmul(dst=acc, stationary=nl.load(a, dtype=dtype), moving=nl.load(b, dtype=dtype),
                       is_stationary_onezero=stationary_onezero, is_moving_onezero=moving_onezero)
        res = nl.ndarray((64, 512), nl.float32)
        nisa.tensor_copy(dst=res, src=acc)
        nl.store(out, res)
        return out
    return kernel


def test_a_flagged_fp32_operand_must_hold_only_zeros_and_ones():
    for flags, a, b, operand in (((True, False), DATA[:, 0:64], DATA, "stationary"),
                                 ((False, True), ZERO_ONE, DATA, "moving")):
        with pytest.raises(NkiRuleError) as exc:
            emulator.simulate(matmul_kernel(*flags))(a, b)
        assert exc.value.rule == "matmul-onezero" and exc.value.page.endswith("nki.isa.nc_matmul.html")
        message = str(exc.value)
        assert f"is_{operand}_onezero=True but {operand}" in message and "values other than 0 and 1" in message


def test_a_flagged_zero_one_operand_computes_the_same_and_costs_half_the_fp32_cycles():
    exact = ZERO_ONE.T.astype(np.float64) @ DATA
    for flags in ((False, False), (True, False)):
        y = emulator.simulate(matmul_kernel(*flags))(ZERO_ONE, DATA)
        rec = emulator.last_record()
        assert np.linalg.norm(y - exact) / np.linalg.norm(exact) < 1e-6
        halved = 2 if flags[0] else 1
        assert rec.cycles["tensor"] == matmul_cycles(512, True) // halved == 512 * 4 // halved
        assert sum(rec.onezero_matmuls.values()) == (1 if flags[0] else 0)
        assert rec.as_dict()["matmuls"][0]["onezero"] == (1 if flags[0] else 0)
    ones = np.ones((128, 512), np.float32)
    emulator.simulate(matmul_kernel(True, True))(ZERO_ONE, ones)   # both flagged: still the documented 2x, once
    assert emulator.last_record().cycles["tensor"] == 2 * 512


def test_the_hint_on_a_non_fp32_operand_is_allowed_and_changes_nothing():
    """"no impact for non-float32" (nc_matmul page): a bf16 operand may carry the flag whatever it holds."""
    emulator.simulate(matmul_kernel(True, True, nl.bfloat16))(DATA[:, 0:64], DATA)
    rec = emulator.last_record()
    assert rec.cycles["tensor"] == 512 and not rec.onezero_matmuls   # the bf16 rate, no hint counted
    with emulator.matmul_precision("bf16"):   # fp32 tiles emulated as an auto-cast to bf16: the bf16 rate
        emulator.simulate(matmul_kernel(True))(ZERO_ONE, DATA)
    assert emulator.last_record().cycles["tensor"] == 512


@pytest.mark.parametrize("kind, n, batch", [("c2c", 4367, 1), ("c2c", 263, 3), ("c2c", 16481, 2),
                                            ("r2c", 257, 1)])
def test_kernels_flag_their_exchange_identity_and_selection_matmuls(kind, n, batch):
    """4367 = 11 x 397 (tall four-step: J blocks in and out), 263 = 1 x 263 (n1 = 1: step 1 against an identity),
    16481 at batch 2 (Bluestein over 105 x 105 x 3: the selection matrix's expansions), r2c 257 (the mirror pass's
    anti-identities, around an n1 = 1 tall four-step). In the c2c runs every nc_matmul that only moves data
    (``record.is_selection``) carries the hint and no other does: its MACs equal the data-movement MACs. The r2c
    run's data movement also counts nc_transpose, which has no hint."""
    data = fft_cost(n, batch, kind=kind)
    rec = data["record"]
    hinted_macs = sum(m["K"] * m["M"] * m["N"] * m["onezero"] for m in rec["matmuls"])
    assert rec["onezero_matmuls"] > 0 and data["fft"]["relative_error_vs_float64"] < 1e-6
    if kind == "c2c":
        assert hinted_macs == rec["data_movement_macs"]
    else:
        assert 0 < hinted_macs < rec["data_movement_macs"]
