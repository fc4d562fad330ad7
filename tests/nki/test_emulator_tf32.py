"""tfloat32 in the emulator: a dtype of its own (1 sign, 8 exponent, 10 mantissa bits in 32 bits of storage, the
nki.language.tfloat32 page), rounded to nearest even where it is cast and read by the Tensor engine; a tf32 x tf32
matmul at the bf16/tf32 rate, a tf32 x fp32 one at the fp32 rate; the documented tf32 rules enforced."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.tf32_matmul_error import matmul_kernel, operands
from trnfft_backends.nki import emulator
from trnfft_backends.nki.emulator import NkiRuleError, dtypes
from trnfft_backends.nki.emulator.costmodel import matmul_cycles

nki, nl, nisa = emulator, emulator.language, emulator.isa

RNG = np.random.default_rng(19)
A, B = operands()   # 128 x 64 and 128 x 512, uniform [-1, 1] (seed 19)


def relative_error(y: np.ndarray, reference: np.ndarray) -> float:
    return float(np.linalg.norm(y - reference) / np.linalg.norm(reference))


def run(body, x: np.ndarray) -> np.ndarray:
    """Run ``body(sbuf tile of x)`` in a kernel; it returns a tile whose values come back as fp32."""
    @nki.jit
    def kernel(data):
        result = body(nl.load(data))
        out = nl.ndarray(result.shape, nl.float32, buffer=nl.shared_hbm)
        back = nl.ndarray(result.shape, nl.float32)
        nisa.tensor_copy(dst=back, src=result)
        nl.store(out, back)
        return out
    return emulator.simulate(kernel)(x)


# -- the format ------------------------------------------------------------------------------------------------
def test_tf32_rounds_to_nearest_even_on_10_mantissa_bits():
    one = 1.0
    cases = {one + 2 ** -11: one,                        # a tie, to the even neighbour 1.0
             one + 3 * 2 ** -11: one + 2 ** -9,          # a tie, to the even neighbour 1 + 2^-9 (not 1 + 2^-10)
             one + 2 ** -11 + 2 ** -20: one + 2 ** -10,  # just above the tie: up
             -(one + 2 ** -11 - 2 ** -20): -one,         # just below the tie: down, sign kept
             3.4028235e38: np.inf,                      # past tf32's largest finite value: infinity under RNE
             np.inf: np.inf, -np.inf: -np.inf, 0.0: 0.0}
    x = np.array(list(cases), np.float32)
    assert np.array_equal(dtypes.to_tf32(x), np.array(list(cases.values()), np.float32))
    assert np.isnan(dtypes.to_tf32(np.array([np.nan, -np.nan], np.float32))).all()   # not turned into inf
    y = RNG.standard_normal(10_000).astype(np.float32)
    r = dtypes.to_tf32(y)
    assert not (r.view(np.uint32) & 0x1FFF).any()                                  # the low 13 bits are 0
    assert 2 ** -12 < np.max(np.abs(r - y) / np.abs(y)) <= 2 ** -11                  # half a tf32 ulp at most


def test_tfloat32_is_its_own_dtype_with_fp32_storage():
    assert dtypes.name(nl.tfloat32) == "tfloat32" and dtypes.name(dtypes.resolve("tfloat32")) == "tfloat32"
    assert dtypes.is_tf32(nl.tfloat32) and not dtypes.is_fp32(nl.tfloat32) and dtypes.is_fp32(nl.float32)
    assert not dtypes.same(nl.tfloat32, nl.float32) and nl.tfloat32.itemsize == 4

    def body(x):
        t = nl.full((4, 8), 0.1, nl.tfloat32)
        assert t.dtype != None and dtypes.name(t.dtype) == "tfloat32" and "tfloat32" in repr(t)
        assert dtypes.name(t[0:2, 1:5].dtype) == "tfloat32" and dtypes.name(t.reshape((4, 2, 4)).dtype) == "tfloat32"
        return t
    assert np.all(run(body, A[:4, :8]) == dtypes.to_tf32(np.float32(0.1)))    # nl.full rounds its value


def test_engine_and_dma_writes_round_a_tf32_tile_and_reads_keep_it():
    """The engines cast their fp32 results "into another output data type in dst" (activation page) and DMA casts
    src -> fp32 -> dst (dma_copy page): into tf32 that is a rounding; out of tf32 it is exact."""
    x = RNG.uniform(-2, 2, (32, 64)).astype(np.float32)
    expected = dtypes.to_tf32(x)

    def copied(t):
        tf = nl.ndarray(t.shape, nl.tfloat32)
        nisa.tensor_copy(dst=tf, src=t)
        return tf

    def dma(t):
        tf = nl.ndarray(t.shape, nl.tfloat32)
        nisa.dma_copy(dst=tf, src=t)
        return tf

    def activated(t):
        tf = nl.ndarray(t.shape, nl.tfloat32)
        nisa.activation(dst=tf, op=nl.copy, data=t)
        return tf

    for body in (copied, dma, activated):
        y = run(body, x)
        assert np.array_equal(y, expected), body.__name__
        assert relative_error(y, x.astype(np.float64)) > 1e-5    # the rounding shows


# -- the Tensor engine -----------------------------------------------------------------------------------------
def test_tf32_matmul_is_the_exact_product_of_tf32_operands_and_loses_1e4_against_fp32():
    exact = A.T.astype(np.float64) @ B
    reduced = dtypes.to_tf32(A).T.astype(np.float64) @ dtypes.to_tf32(B)
    y = emulator.simulate(matmul_kernel(nl.tfloat32, nl.tfloat32))(A, B)
    assert relative_error(y, reduced) < 1e-6          # fp32 accumulation of exact tf32 x tf32 products
    tf32_loss = relative_error(y, exact)
    assert 3e-5 < tf32_loss < 1e-3, tf32_loss          # ~1e-4: what hardware would give, not fp32's ~1e-7
    y32 = emulator.simulate(matmul_kernel(nl.float32, nl.float32))(A, B)
    assert relative_error(y32, exact) < 1e-6 and tf32_loss > 100 * relative_error(y32, exact)


def test_fp32_matmul_is_unchanged_bit_for_bit():
    y = emulator.simulate(matmul_kernel(nl.float32, nl.float32))(A, B)
    assert np.array_equal(y, A.T @ B)                  # float32 NumPy, as before tf32 existed


def test_a_tf32_tile_viewed_from_fp32_bits_is_reduced_where_the_tensor_engine_reads_it():
    @nki.jit
    def kernel(a, b):
        out = nl.ndarray((64, 512), nl.float32, buffer=nl.shared_hbm)
        acc = nl.ndarray((64, 512), nl.float32, buffer=nl.psum)
        nisa.nc_matmul(dst=acc, stationary=nl.load(a).view(nl.tfloat32), moving=nl.load(b).view(nl.tfloat32))
        res = nl.ndarray((64, 512), nl.float32)
        nisa.tensor_copy(dst=res, src=acc)
        nl.store(out, res)
        return out
    y = emulator.simulate(kernel)(A, B)
    assert relative_error(y, dtypes.to_tf32(A).T.astype(np.float64) @ dtypes.to_tf32(B)) < 1e-6


def test_tf32_pairs_with_fp32_at_the_fp32_rate_and_with_nothing_else():
    """nc_matmul page: "if one of the input tiles is tfloat32/float32, the other tile must also be
    tfloat32/float32". A tf32 x fp32 matmul reads the tf32 side at tf32 and the fp32 side at fp32 precision,
    and is charged the fp32 rate (the docs give the tf32 rate only for tf32 inputs)."""
    for s_dtype, m_dtype, s, m in ((nl.tfloat32, nl.float32, dtypes.to_tf32(A), B),
                                   (nl.float32, nl.tfloat32, A, dtypes.to_tf32(B))):
        y = emulator.simulate(matmul_kernel(s_dtype, m_dtype))(A, B)
        assert relative_error(y, s.T.astype(np.float64) @ m) < 1e-6
        rec = emulator.last_record()
        assert rec.cycles["tensor"] == matmul_cycles(512, True) == 4 * 512
        names = [dtypes.name(s_dtype), dtypes.name(m_dtype)]
        assert rec.as_dict()["matmuls"][0]["dtype"] == "*".join(names)
    for s_dtype, m_dtype in ((nl.tfloat32, nl.bfloat16), (nl.float16, nl.tfloat32)):
        with pytest.raises(NkiRuleError) as exc:
            emulator.simulate(matmul_kernel(s_dtype, m_dtype))(A, B)
        assert exc.value.rule == "matmul-fp32-pairing" and exc.value.page.endswith("nki.isa.nc_matmul.html")
        assert f"stationary {dtypes.name(s_dtype)}, moving {dtypes.name(m_dtype)}" in str(exc.value)


def test_a_tf32_matmul_costs_a_quarter_of_the_fp32_one_and_the_onezero_hint_does_not_apply():
    emulator.simulate(matmul_kernel(nl.float32, nl.float32))(A, B)
    fp32 = emulator.last_record()
    emulator.simulate(matmul_kernel(nl.tfloat32, nl.tfloat32))(A, B)
    tf32 = emulator.last_record()
    assert tf32.cycles["tensor"] * 4 == fp32.cycles["tensor"] == 4 * 512
    assert tf32.as_dict()["matmuls"] == [{"K": 128, "M": 64, "N": 512, "dtype": "tfloat32", "count": 1, "onezero": 0}]
    for chip in ("trn1", "trn2"):
        tf32_s, fp32_s = (emulator.model(rec, chip).engines["tensor"] for rec in (tf32, fp32))
        assert 4 * tf32_s == pytest.approx(fp32_s)
    # "no impact for non-float32": a flagged tf32 operand is neither checked for 0/1 nor charged the hint's rate
    emulator.simulate(matmul_kernel(nl.tfloat32, nl.tfloat32, stationary_onezero=True))(A, B)
    rec = emulator.last_record()
    assert rec.cycles["tensor"] == 512 and not rec.onezero_matmuls


def test_a_tensor_engine_transpose_of_tf32_runs_at_the_tf32_rate_and_keeps_its_dtype():
    x = RNG.uniform(-1, 1, (64, 96)).astype(np.float32)

    def body(t):
        tf = nl.ndarray(t.shape, nl.tfloat32)
        nisa.tensor_copy(dst=tf, src=t)
        out = nl.ndarray((96, 64), nl.tfloat32, buffer=nl.psum)
        nisa.nc_transpose(dst=out, data=tf, engine=nisa.tensor_engine)
        return out
    assert np.array_equal(run(body, x), dtypes.to_tf32(x).T)
    rec = emulator.last_record()
    assert rec.cycles["tensor"] == matmul_cycles(64, False) and ("tfloat32" in str(rec.matmuls))


def unrounded_tf32_transposes(x: np.ndarray, target: str, monkeypatch) -> dict[str, np.ndarray]:
    """A [64, 96] tile of fp32 bits viewed as tf32 (so not rounded) transposed by the Tensor engine, by
    ``nc_transpose`` and (not on trn1) by ``nc_matmul(is_transpose=True)`` into a tf32 dst with an identity."""
    monkeypatch.setenv("TRNFFT_NKI_TARGET", target)

    def transposed(t):
        out = nl.ndarray((96, 64), nl.tfloat32, buffer=nl.psum)
        nisa.nc_transpose(dst=out, data=t.view(nl.tfloat32), engine=nisa.tensor_engine)
        return out

    def matmul_transposed(t):
        eye = nl.load(nl.shared_constant(np.eye(64, dtype=np.float32)))
        out = nl.ndarray((96, 64), nl.tfloat32, buffer=nl.psum)
        nisa.nc_matmul(dst=out, stationary=t.view(nl.tfloat32), moving=eye.view(nl.tfloat32), is_transpose=True)
        return out
    bodies = (transposed, matmul_transposed) if target != "trn1" else (transposed,)   # tf32 dst: NeuronCore-v3 on
    return {body.__name__: run(body, x) for body in bodies}


def test_a_tensor_engine_transpose_is_bit_accurate_from_neuroncore_v3_and_an_identity_matmul_on_v2(monkeypatch):
    """"Starting NeuronCore-v3, all Tensor Engine transpose is bit-accurate" (nc_transpose page; nc_matmul:
    ``is_transpose=True`` "enables bit-accurate data transpose"): a tf32 view of fp32 bits comes out as it went in.
    On NeuronCore-v2 the transpose is a matmul with an identity, which reads a tf32 tile at tf32."""
    x = RNG.uniform(-1, 1, (64, 96)).astype(np.float32)
    v3 = unrounded_tf32_transposes(x, "trn2", monkeypatch)
    assert set(v3) == {"transposed", "matmul_transposed"}
    for how, y in v3.items():
        assert np.array_equal(y, x.T), how
    y = unrounded_tf32_transposes(x, "trn1", monkeypatch)["transposed"]
    assert np.array_equal(y, dtypes.to_tf32(x).T) and not np.array_equal(y, x.T)


def test_a_tf32_shared_constant_holds_tf32_values():
    """Every cast into a tf32 tensor rounds, ``nl.shared_constant`` of a tf32-tagged array included."""
    x = RNG.uniform(-2, 2, (32, 64)).astype(np.float32)
    tagged = x.view(nl.tfloat32)
    assert dtypes.is_tf32(tagged.dtype)
    held = nl.shared_constant(tagged)
    assert dtypes.is_tf32(held.dtype) and np.array_equal(held.values, dtypes.to_tf32(x))
    assert not np.array_equal(held.values, x) and np.array_equal(tagged, x)   # rounded; the input untouched
    assert np.array_equal(nl.shared_constant(x).values, x)                    # fp32 as it is


# -- the rules ---------------------------------------------------------------------------------------------------
def rule_of(body, x: np.ndarray) -> NkiRuleError:
    with pytest.raises(NkiRuleError) as exc:
        run(body, x)
    return exc.value


def tf32_tile(t, shape=None):
    tf = nl.ndarray(shape or t.shape, nl.tfloat32)
    nisa.tensor_copy(dst=tf, src=t if shape == None else t[:, 0:shape[1]])
    return tf


def test_a_tf32_tile_keeps_its_name_in_error_messages():
    def tf32_dst(t):
        acc = nl.ndarray((64, 64), nl.tfloat32, buffer=nl.psum)
        nisa.nc_matmul(dst=acc, stationary=t, moving=t)
        return acc
    err = rule_of(tf32_dst, A)
    assert err.rule == "matmul-dst-dtype" and "dst is tfloat32" in str(err)   # "must be a float32 tile"

    def transposed_into_fp32(t):
        out = nl.ndarray((64, 128), nl.float32, buffer=nl.psum)
        nisa.nc_transpose(dst=out, data=tf32_tile(t), engine=nisa.tensor_engine)
        return out
    err = rule_of(transposed_into_fp32, A)
    assert err.rule == "transpose-dtype" and "data dtype tfloat32" in str(err)


def exp_with(keyword: str, dtype):
    """A body: exp(t * scale + bias) with ``keyword`` (bias or scale) a [128, 1] ``dtype`` tile copied from t."""
    def body(t):
        out = nl.ndarray(t.shape, nl.float32)
        operand = nl.ndarray((128, 1), dtype)
        nisa.tensor_copy(dst=operand, src=t[:, 0:1])
        nisa.activation(dst=out, op=nl.exp, data=t, **{keyword: operand})
        return out
    return body


def test_activation_rejects_a_tf32_bias_and_scale():
    """activation page: "The scale parameter must have a float32 data type, while the bias parameter can be any
    supported dtype except tfloat32"."""
    err = rule_of(exp_with("bias", nl.tfloat32), A)
    assert err.rule == "activation-bias-dtype" and "except tfloat32" in str(err)
    assert err.page.endswith("nki.isa.activation.html")
    assert np.allclose(run(exp_with("bias", nl.float32), A), np.exp(A + A[:, 0:1]), rtol=1e-6)   # fp32 is fine
    assert np.allclose(run(exp_with("bias", nl.bfloat16), A), np.exp(A + A[:, 0:1]), rtol=1e-2)  # so is bf16
    err = rule_of(exp_with("scale", nl.tfloat32), A)
    assert err.rule == "activation-scale-dtype" and "got tfloat32" in str(err)


def test_select_reduce_rejects_a_tf32_on_true_and_tensor_scalar_a_tf32_operand():
    def select(t):
        predicate = nl.ndarray(t.shape, nl.uint8)
        nisa.memset(dst=predicate, value=1)
        out = nl.ndarray(t.shape, nl.float32)
        nisa.select_reduce(dst=out, predicate=predicate, on_true=tf32_tile(t), on_false=0.0)
        return out
    err = rule_of(select, A)
    assert err.rule == "select-dtype" and "got tfloat32" in str(err)   # "any supported dtype except tfloat32"

    def scalar_operand(t):
        out = nl.ndarray(t.shape, nl.float32)
        nisa.tensor_scalar(dst=out, data=t, op0=nl.multiply, operand0=tf32_tile(t, (128, 1)))
        return out
    err = rule_of(scalar_operand, A)
    assert err.rule == "operand-dtype" and "got tfloat32" in str(err)   # "must be float32"


def test_hwdge_dma_cannot_convert_fp32_to_tf32():
    def hwdge(t):
        tf = nl.ndarray(t.shape, nl.tfloat32)
        nisa.dma_copy(dst=tf, src=t, dge_mode=nisa.dge_mode.hwdge)
        return tf
    err = rule_of(hwdge, A)
    assert err.rule == "dma-hwdge-dtype" and "float32 -> tfloat32" in str(err)


def test_the_cost_report_names_tf32_matmuls(capsys):
    """``trnfft cost``'s matmul lines show each matmul's dtype (no trnfft kernel uses tf32: a kernel of its own)."""
    from trnfft_backends.nki.cost import print_report, report
    with emulator.collect() as rec:
        emulator.simulate(matmul_kernel(nl.tfloat32, nl.tfloat32))(A, B)
        emulator.simulate(matmul_kernel(nl.tfloat32, nl.float32))(A, B)
    print_report(report(rec, {chip: emulator.model(rec, chip) for chip in ("trn1", "trn2")}), "tf32 matmuls")
    out = capsys.readouterr().out
    assert "matmul K=128 M=64 N=512 tfloat32 " in out and "matmul K=128 M=64 N=512 tfloat32*float32" in out


def test_the_script_behind_the_docs_tf32_figures_prints_both_errors(capsys):
    """docs/nki-emulator.md quotes ``benchmarks/tf32_matmul_error.py``: tf32 ~1e-4, fp32 ~1e-7."""
    from benchmarks.tf32_matmul_error import main
    main()
    errors = dict(line.split(": norm-wise error against float64 ") for line in capsys.readouterr().out.splitlines())
    assert 3e-5 < float(errors["tfloat32"]) < 1e-3 and float(errors["float32"]) < 1e-6
