"""The reference GEMM under the emulator: results, hand-counted counters, the cost model."""
from __future__ import annotations

import json

import numpy as np
import pytest

from trnfft.cli import main
from trnfft_backends.nki import emulator, engine
from trnfft.core.errors import InvalidArgumentError
from trnfft_backends.nki.cost import fft_cost, gemm_cost
from trnfft_backends.nki.emulator.costmodel import CHIPS, model
from trnfft_backends.nki.kernels.gemm import expected_counts, gemm_kernel


@pytest.mark.parametrize("m,k,n", [(128, 128, 512), (256, 384, 1024), (384, 256, 512)])
def test_tiled_gemm_matches_numpy_and_the_hand_count(m, k, n):
    rng = np.random.default_rng(m + k + n)
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    c = emulator.simulate(gemm_kernel)(np.ascontiguousarray(a.T), b)
    ref = a.astype(np.float64) @ b
    assert np.linalg.norm(c - ref) / np.linalg.norm(ref) < 1e-6
    rec = emulator.last_record()
    want = expected_counts(m, k, n)
    assert rec.launches == want["launches"]
    assert rec.instructions["tensor"] == want["tensor"]
    assert rec.instructions["vector"] == want["vector"]
    assert rec.instructions["dma"] == rec.dma_transfers == want["dma"]
    assert rec.macs == want["macs"] == m * k * n
    assert sum(rec.matmuls.values()) == want["matmuls"]
    assert set(rec.matmuls) == {(128, 128, 512, "float32")}
    tiles_m, tiles_n = m // 128, n // 512
    # every K step loads a [128,128] A tile and a [128,512] B tile; every block stores [128,512]
    assert rec.hbm_to_sbuf_bytes == tiles_m * tiles_n * (k // 128) * (128 * 128 + 128 * 512) * 4
    assert rec.sbuf_to_hbm_bytes == m * n * 4
    # one bank per accumulator; the next block's is allocated before the last is dropped
    assert rec.peak_psum_banks == (1 if tiles_m * tiles_n == 1 else 2)


def test_cost_model_reproduces_documented_tensor_peaks():
    for dtype, key in (("float32", "peak_fp32_flops"), ("bfloat16", "peak_bf16_flops")):
        rec, costs, err = gemm_cost(512, 512, 512, dtype)
        for chip, cost in costs.items():
            achieved = 2 * 512**3 / cost.engines["tensor"]
            documented = getattr(CHIPS[chip], key)
            assert achieved == pytest.approx(documented, rel=0.03), (chip, dtype)
            assert cost.label == "modelled"
            assert cost.overlapped_s == max(cost.engines.values())
            assert cost.serial_s == pytest.approx(sum(cost.engines.values()))
        assert err < (1e-6 if dtype == "float32" else 1e-2)


def test_trn1_shares_the_sbuf_port_of_vector_and_gpsimd_and_the_psum_port_of_vector_and_scalar():
    """NC-v2 forbids concurrent Vector+GpSimd SBUF access and Vector+Scalar PSUM access (NC-v3 lifts both):
    on trn1 those busy times add up, on trn2 the engines overlap. Counted from real instructions."""
    @engine.nki.jit
    def kernel(x):
        nisa, nl = engine.nisa, engine.nl
        a = nl.load(x)
        b = nl.ndarray(a.shape, nl.float32, buffer=nl.sbuf)
        acc = nl.ndarray(a.shape, nl.float32, buffer=nl.psum)
        nisa.nc_matmul(dst=acc, stationary=a, moving=a)
        nisa.tensor_tensor(dst=b, data1=acc, data2=a, op=nl.multiply)                          # Vector, PSUM
        nisa.tensor_tensor(dst=b, data1=b, data2=a, op=nl.add, engine=nisa.engine.gpsimd)      # GpSimd
        nisa.activation(dst=a, op=nl.copy, data=acc)                                           # Scalar, PSUM
        out = nl.ndarray(a.shape, nl.float32, buffer=nl.shared_hbm)
        nl.store(out, b)
        return out

    emulator.simulate(kernel)(np.ones((128, 128), np.float32))
    rec = emulator.last_record()
    assert rec.psum_cycles["vector"] == rec.cycles["vector"] and rec.psum_cycles["scalar"] == rec.cycles["scalar"]
    trn1, trn2 = model(rec, "trn1"), model(rec, "trn2")
    e = trn1.engines
    assert trn1.ports["vector+gpsimd SBUF"] == pytest.approx(e["vector"] + e["gpsimd"])
    assert trn1.ports["vector+scalar PSUM"] == pytest.approx(e["vector"] + e["scalar"])
    assert trn1.ports["vector+gpsimd SBUF"] > max(e["vector"], e["gpsimd"]) > 0
    assert trn1.overlapped_s == max(*e.values(), *trn1.ports.values())
    assert not trn2.ports and trn2.overlapped_s == max(trn2.engines.values())


def test_trn2_dma_is_faster_than_trn1_and_tensor_slower():
    rec, costs, _ = gemm_cost(256, 256, 512)
    assert costs["trn2"].engines["dma"] < costs["trn1"].engines["dma"]
    assert costs["trn2"].engines["tensor"] > costs["trn1"].engines["tensor"]  # 2.4 vs 2.8 GHz


def test_collect_sums_launches():
    a = np.zeros((128, 128), np.float32)
    b = np.zeros((128, 512), np.float32)
    with emulator.collect() as rec:
        for _ in range(3):
            emulator.simulate(gemm_kernel)(a, b)
    assert rec.launches == 3 and rec.instructions["tensor"] == 3
    assert model(rec, "trn1").launches == 3


def test_engine_choice_and_forcing(monkeypatch):
    assert engine.current().name == "emulator"  # the real nki is not installable here
    assert "nki" in engine.current().reason
    monkeypatch.setenv("TRNFFT_NKI_ENGINE", "real")
    with pytest.raises(RuntimeError, match="TRNFFT_NKI_ENGINE=real but the real NKI is unavailable"):
        engine.select()
    monkeypatch.setenv("TRNFFT_NKI_ENGINE", "emulator")
    assert engine.select().reason == "TRNFFT_NKI_ENGINE=emulator"
    monkeypatch.setenv("TRNFFT_NKI_ENGINE", "gpu")
    with pytest.raises(ValueError, match="auto, real or emulator"):
        engine.select()


def test_trnfft_cost_cli(capsys):
    assert main(["cost", "gemm", "--m", "256", "--k", "256", "--n", "512", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["record"]["instructions"]["tensor"] == 4
    assert "MODELLED" in data["note"]
    assert data["modelled"]["trn1"]["label"] == "modelled"
    assert data["modelled"]["trn1"]["tensor_tflops"] == pytest.approx(23, rel=0.03)
    assert main(["cost", "gemm", "--m", "128", "--k", "128", "--n", "512", "--matmul", "bf16"]) == 0
    text = capsys.readouterr().out
    assert "MODELLED" in text and "tensor instructions" in text


def test_trnfft_info_shows_the_engine(capsys):
    assert main(["info", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["engines"]["nki-simulator"].startswith("emulator")
    rows = {r["name"]: r for r in data["backends"]}
    assert rows["nki-simulator"]["available"]
    assert not rows["nki-hardware"]["available"] and "nki" in rows["nki-hardware"]["reason"]


@pytest.mark.parametrize("m,k,n", [(200, 128, 512), (128, 128, 100), (130, 200, 700)])
def test_gemm_handles_ragged_tiles(m, k, n):
    """Rows past the last full tile are computed (no NaN) and the counts follow the ceil'd tile grid."""
    rec, costs, err = gemm_cost(m, k, n)
    assert err < 1e-6
    want = expected_counts(m, k, n)
    assert rec.instructions["tensor"] == want["tensor"] and rec.macs == m * k * n
    assert rec.sbuf_to_hbm_bytes == m * n * 4


@pytest.mark.parametrize("flag,value", [("--m", "0"), ("--m", "-5"), ("--n", "0"), ("--k", "-1")])
def test_cost_rejects_bad_sizes_clearly(capsys, flag, value):
    with pytest.raises(SystemExit) as exc:      # a usage error from the command line
        main(["cost", "gemm", flag, value])
    assert exc.value.code == 2 and "positive integer" in capsys.readouterr().err
    with pytest.raises(InvalidArgumentError, match="must be a positive integer"):  # and from Python
        fft_cost(int(value) if flag == "--n" else 16, 1 if flag == "--n" else int(value))
    with pytest.raises(InvalidArgumentError, match=f"{flag[2:]} must be a positive integer, got {value}"):
        gemm_cost(**{"m": 128, "k": 128, "n": 128, flag[2:]: int(value)})


def test_fft_cost_reports_the_targets():
    data = fft_cost(4096, 64)
    f, trn1 = data["fft"], data["modelled"]["trn1"]
    assert data["record"]["launches"] == 1
    assert f["minimum_bytes"] == 2 * 64 * 4096 * 8
    assert f["hbm_bytes"] == data["record"]["hbm_to_sbuf_bytes"] + data["record"]["sbuf_to_hbm_bytes"]
    assert f["hbm_over_minimum"] <= 2                      # constants included
    assert f["hbm_bytes"] - f["minimum_bytes"] >= f["plan_constant_bytes"]
    assert 1 <= trn1["over_roofline"] <= 3
    assert f["relative_error_vs_float64"] < 1e-6
    big = fft_cost(2**16, 1)
    assert big["record"]["launches"] == 1 and big["fft"]["hbm_over_minimum"] <= 2


def test_bluestein_above_16384_padded_points_meets_the_hbm_target():
    """65537 (m = 2^17 = 128 x 128 x 8) stays in SBUF: HBM traffic <= 2x the minimum at batch 1, constants
    included; the on-chip shift that builds the kernel sequence is DMA work counted apart from HBM traffic;
    every matmul runs on 128 partitions (K = M = 128), so the MODELLED time is within 3x of the roofline."""
    data = fft_cost(65537, 1)
    f, rec = data["fft"], data["record"]
    assert rec["launches"] == 1 and f["hbm_over_minimum"] <= 2 and f["relative_error_vs_float64"] < 1e-6
    assert rec["sbuf_to_sbuf_bytes"] > 0
    assert f["hbm_bytes"] == rec["hbm_to_sbuf_bytes"] + rec["sbuf_to_hbm_bytes"]
    assert "wide-six-step m=131072" in f["layout"] and data["modelled"]["trn1"]["over_roofline"] <= 3


def test_bluestein_above_99k_meets_the_hbm_target():
    """2^17 - 1 (prime, m = 2^18 = 128 x 128 x 16 in SBUF): HBM <= 2x the minimum at batch 1, constants (the
    chirp, F_a, T, F_16 (x) I_8, small tables) included; the kernel sequence's shift is SBUF -> SBUF DMA, not HBM
    traffic; the MODELLED time within 3x of the roofline (the cube 64^3 took 108.3 us, this 106.8 us)."""
    data = fft_cost(2**17 - 1, 1)
    f, rec = data["fft"], data["record"]
    assert rec["launches"] == 1 and f["hbm_over_minimum"] <= 2 and f["relative_error_vs_float64"] < 1e-6
    assert f["hbm_bytes"] - f["minimum_bytes"] >= f["plan_constant_bytes"] and rec["sbuf_to_sbuf_bytes"] > 0
    assert "wide-six-step m=262144 = 128x128x16" in f["layout"] and data["modelled"]["trn1"]["over_roofline"] <= 3


def test_trnfft_cost_fft_cli(capsys):
    assert main(["cost", "fft", "--n", "1000", "--batch", "3", "--inverse"]) == 0
    text = capsys.readouterr().out
    assert "four-step n=1000" in text and "MODELLED kernel" in text and "MODELLED roofline" in text
    assert main(["cost", "fft", "--n", "4099", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["fft"]["layout"].startswith("bluestein") and data["record"]["launches"] == 1
    assert main(["cost", "fft", "--n", str(2**20 + 1)]) == 2
    assert "above the largest supported" in capsys.readouterr().out


def test_trnfft_cost_fft_kinds_and_shapes(capsys):
    """--kind r2c|c2r|c2c with a multi-dimensional --shape: one launch, accurate, input + output as the minimum."""
    assert main(["cost", "fft", "--kind", "r2c", "--shape", "64x40", "--batch", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    f = data["fft"]
    assert f["kind"] == "r2c" and f["n"] == [64, 40] and data["record"]["launches"] == 1
    assert f["minimum_bytes"] == 2 * 64 * 40 * 4 + 2 * 64 * 21 * 8
    assert f["relative_error_vs_float64"] < 1e-6 and "plane" in f["layout"]
    assert main(["cost", "fft", "--kind", "c2r", "--n", "1000"]) == 0
    assert "c2r-four-step" in capsys.readouterr().out
    assert fft_cost((9, 5, 7), kind="c2c")["fft"]["relative_error_vs_float64"] < 1e-6
    with pytest.raises(SystemExit):
        main(["cost", "fft", "--shape", "64xa"])
    assert "a shape is lengths joined by 'x'" in capsys.readouterr().err
    with pytest.raises(InvalidArgumentError, match="--inverse is for c2c"):
        fft_cost(64, kind="r2c", inverse=True)


@pytest.mark.parametrize("argv,says", [
    (["fft", "--n", "8", "--shape", "16x16"], "give --n (one axis) or --shape (any axes), not both"),
    (["fft", "--dtype", "bfloat16"], "--dtype applies to `trnfft cost gemm` only"),
    (["fft", "--matmul", "bf16"], "--matmul applies to `trnfft cost gemm` only"),
    (["gemm", "--shape", "8x8", "--kind", "r2c"], "--shape, --kind apply to `trnfft cost fft` only"),
    (["gemm", "--inverse"], "--inverse applies to `trnfft cost fft` only"),
    (["gemm", "--plan-for", "trn1"], "--plan-for applies to `trnfft cost fft` only")])
def test_cost_refuses_an_option_it_would_ignore(capsys, argv, says):
    from trnfft.cli import main
    assert main(["cost", *argv]) == 2
    assert says in " ".join(capsys.readouterr().out.split())
