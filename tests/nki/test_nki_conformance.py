"""The emulator against the NKI 0.3.0 documentation, both directions: each instruction's documented
semantics against NumPy, and for each rule a kernel it rejects (with the page it cites) next to a
nearby valid kernel it accepts."""
from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest

from trnfft_backends.nki import emulator
from trnfft_backends.nki.emulator import NkiRuleError, NotEmulatedError

nki, nl, nisa = emulator, emulator.language, emulator.isa
DOCS = "https://awsdocs-neuron.readthedocs-hosted.com/en/v2.29.0/"
RNG = np.random.default_rng(3)
X = RNG.uniform(-1, 1, (128, 64)).astype(np.float32)


def _finish(first, tile):
    """The kernel's output: ``tile`` (through SBUF when in PSUM) in shared HBM, or ``first``."""
    if tile == None:  # noqa: E711 (NKI 0.3 has no 'is')
        return first
    res = tile
    if tile.buffer == nl.psum:
        res = nl.ndarray(tile.shape, tile.dtype)
        nisa.tensor_copy(res, tile)
    out = nl.ndarray(res.shape, res.dtype, buffer=nl.shared_hbm)
    nisa.dma_copy(out, res)
    return out


def run(body, *arrays):
    """Run ``body(*hbm_tensors)`` as a kernel (NKI 0.3 signatures take no ``*args``)."""
    if len(arrays) == 1:
        def kernel(a):
            return _finish(a, body(a))
    elif len(arrays) == 2:
        def kernel(a, b):
            return _finish(a, body(a, b))
    else:
        def kernel(a, b, c):
            return _finish(a, body(a, b, c))
    return nki.simulate(kernel)(*arrays)


def rejects(rule, body, *arrays, page=""):
    with pytest.raises(NkiRuleError) as exc:
        run(body, *arrays)
    assert exc.value.rule == rule, str(exc.value)
    assert exc.value.page.startswith(DOCS) and page in exc.value.page, exc.value.page
    return str(exc.value)


def sbuf(a, dtype=nl.float32):
    t = nl.ndarray(a.shape, dtype)
    nisa.dma_copy(t, a)
    return t


# -- enums and call conventions ------------------------------------------------------------
def test_engine_takes_the_enum_not_an_integer():
    def raw(a):
        t = sbuf(a)
        nisa.memset(t, 0.0, engine=3)

    def member(a):
        t = sbuf(a)
        nisa.memset(t, 1.5, engine=nisa.engine.gpsimd)
        return t

    assert "raw integers" in rejects("enum-argument", raw, X, page="memset")
    np.testing.assert_array_equal(run(member, X), np.full_like(X, 1.5))


@pytest.mark.parametrize("field,value", [("dge_mode", 2), ("oob_mode", "skip")])
def test_dma_enum_fields(field, value):
    def raw(a):
        t = nl.ndarray(a.shape, a.dtype)
        nisa.dma_copy(t, a, **{field: value})

    def member(a):
        t = nl.ndarray(a.shape, a.dtype)
        nisa.dma_copy(t, a, **{field: getattr(nisa, field)(value) if field == "dge_mode"
                               else nisa.oob_mode.skip})
        return t

    rejects("enum-argument", raw, X, page="dma_copy")
    np.testing.assert_array_equal(run(member, X), X)


def test_instruction_engine_must_be_one_the_page_allows():
    def wrong(a):
        t = sbuf(a)
        nisa.memset(t, 0.0, engine=nisa.engine.scalar)

    rejects("instruction-engine", wrong, X, page="memset")


def test_enum_values_and_nc_version(monkeypatch):
    assert nisa.engine.vector.value == 5 and nisa.reduce_cmd.reset_reduce.value == 3
    assert nisa.vector_engine is nisa.engine.vector
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn1")
    assert nisa.get_nc_version() is nisa.nc_version.gen2


def test_documented_but_unemulated_names_say_so():
    with pytest.raises(NotEmulatedError, match="not emulated: nki.language.rand"):
        nl.rand  # noqa: B018
    with pytest.raises(NotEmulatedError, match="not emulated: nki.isa.dma_transpose"):
        nisa.dma_transpose  # noqa: B018
    with pytest.raises(AttributeError):  # a misspelling is not a documented name
        nl.multiplyy  # noqa: B018


# -- nc_matmul ------------------------------------------------------------------------------
A_T = RNG.uniform(-1, 1, (128, 96)).astype(np.float32)
B = RNG.uniform(-1, 1, (128, 256)).astype(np.float32)


def _matmul(dtype_s, dtype_m, **options):
    def body(a, b):
        acc = nl.ndarray((a.shape[1], b.shape[1]), nl.float32, buffer=nl.psum)
        nisa.nc_matmul(acc, sbuf(a, dtype_s), sbuf(b, dtype_m), **options)
        return acc
    return body


def test_matmul_mixed_low_precision_inputs_accepted_fp32_pairing_rejected():
    y = run(_matmul(nl.bfloat16, nl.float16), A_T, B)
    ref = A_T.astype(ml_dtypes.bfloat16).astype(np.float64).T @ B.astype(np.float16).astype(np.float64)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)
    assert "tfloat32/float32" in rejects("matmul-fp32-pairing", _matmul(nl.float32, nl.bfloat16), A_T, B,
                                         page="nc_matmul")


def test_matmul_row_tiling():
    a = A_T[:64]
    b = B[:64]
    y = run(_matmul(nl.float32, nl.float32, tile_position=(64, 0), tile_size=(64, 128)), a, b)
    np.testing.assert_allclose(y, a.T @ b, rtol=1e-5, atol=1e-5)
    rejects("matmul-tiling", _matmul(nl.float32, nl.float32, tile_position=(32, 0), tile_size=(64, 128)), a, b)
    rejects("matmul-tiling", _matmul(nl.float32, nl.float32, tile_size=(64, 128)), a, b)
    rejects("matmul-tiling", _matmul(nl.float32, nl.float32, tile_position=(0, 0), tile_size=(64, 128)), A_T, B)


def test_matmul_perf_mode_is_an_enum_and_v2_has_none(monkeypatch):
    rejects("enum-argument", _matmul(nl.float32, nl.float32, perf_mode="double_row"), A_T, B)
    run(_matmul(nl.float32, nl.float32, perf_mode=nisa.matmul_perf_mode.none), A_T, B)
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn1")
    rejects("matmul-perf-mode", _matmul(nl.float32, nl.float32, perf_mode=nisa.matmul_perf_mode.double_row),
            A_T, B)


def test_matmul_dst_must_be_fp32():
    def body(a, b):
        acc = nl.ndarray((96, 256), nl.bfloat16, buffer=nl.psum)
        nisa.nc_matmul(acc, sbuf(a, nl.bfloat16), sbuf(b, nl.bfloat16))

    rejects("matmul-dst-dtype", body, A_T, B)


# -- tensor_tensor / tensor_scalar / scalar_tensor_tensor ----------------------------------------
Y = RNG.uniform(-1, 1, (128, 64)).astype(np.float32)


def test_tensor_tensor_one_psum_input_accepted_two_rejected():
    def one(a, b):
        p = nl.ndarray(a.shape, nl.float32, buffer=nl.psum)
        nisa.tensor_copy(p, sbuf(b))
        out = nl.ndarray(a.shape, nl.float32)
        nisa.tensor_tensor(out, sbuf(a), p, nl.subtract)
        return out

    def two(a, b):
        p, q = [nl.ndarray(a.shape, nl.float32, buffer=nl.psum) for _ in range(2)]
        nisa.tensor_tensor(nl.ndarray(a.shape, nl.float32), p, q, nl.add)

    np.testing.assert_array_equal(run(one, X, Y), X - Y)
    rejects("two-psum-inputs", two, X, Y, page="tensor_tensor")


def test_tensor_tensor_no_broadcasting():
    def body(a):
        t = sbuf(a)
        nisa.tensor_tensor(nl.ndarray(a.shape, nl.float32), t, t[:, 0:1], nl.add)

    rejects("tensor-tensor-shape", body, X)


def test_gpsimd_cannot_access_psum():
    def body(a):
        p = nl.ndarray(a.shape, nl.float32, buffer=nl.psum)
        nisa.tensor_copy(p, sbuf(a), engine=nisa.engine.gpsimd)

    def ok(a):
        out = nl.ndarray(a.shape, nl.float32)
        nisa.tensor_copy(out, sbuf(a), engine=nisa.engine.gpsimd)
        return out

    rejects("gpsimd-psum", body, X)
    np.testing.assert_array_equal(run(ok, X), X)


def test_int32_tensor_tensor_is_exact_on_gpsimd():
    big = np.full((8, 4), 2 ** 24 + 1, np.int32)

    def body(a):
        t = sbuf(a, nl.int32)
        out = nl.ndarray(a.shape, nl.int32)
        nisa.tensor_tensor(out, t, t, nl.add)
        return out

    np.testing.assert_array_equal(run(body, big), big * 2)


def test_bitvec_ops_take_integers():
    m = RNG.integers(0, 1 << 20, (16, 8)).astype(np.int32)

    def ints(a):
        t = sbuf(a, nl.int32)
        out = nl.ndarray(a.shape, nl.int32)
        nisa.tensor_scalar(out, t, nl.bitwise_and, 0xFF, op1=nl.left_shift, operand1=2)
        return out

    def floats(a):
        t = sbuf(a)
        nisa.tensor_tensor(nl.ndarray(a.shape, nl.float32), t, t, nl.bitwise_xor)

    np.testing.assert_array_equal(run(ints, m), (m & 0xFF) << 2)
    rejects("bitvec-dtype", floats, X)


def test_tensor_scalar_column_operand_and_reverse():
    col = RNG.uniform(1, 2, (128, 1)).astype(np.float32)

    def body(a, c):
        out = nl.ndarray(a.shape, nl.float32)
        nisa.tensor_scalar(out, sbuf(a), nl.subtract, sbuf(c), reverse0=True, op1=nl.multiply, operand1=3.0)
        return out

    np.testing.assert_allclose(run(body, X, col), (col - X) * 3.0, rtol=1e-6)


def test_tensor_scalar_op1_and_operand1_together():
    def body(a):
        nisa.tensor_scalar(nl.ndarray(a.shape, nl.float32), sbuf(a), nl.add, 1.0, op1=nl.multiply)

    rejects("tensor-scalar-op1", body, X, page="tensor_scalar")


def test_tensor_scalar_on_trn2_scalar_engine_only_multiply_add():
    def ok(a):
        out = nl.ndarray(a.shape, nl.float32)
        nisa.tensor_scalar(out, sbuf(a), nl.multiply, 2.0, op1=nl.add, operand1=1.0, engine=nisa.engine.scalar)
        return out

    def bad(a):
        nisa.tensor_scalar(nl.ndarray(a.shape, nl.float32), sbuf(a), nl.maximum, 0.0, engine=nisa.engine.scalar)

    np.testing.assert_allclose(run(ok, X), X * 2 + 1, rtol=1e-6)
    rejects("tensor-scalar-scalar-ops", bad, X)


def test_scalar_tensor_tensor():
    col = RNG.uniform(1, 2, (128, 1)).astype(np.float32)

    def body(a, b, c):
        out = nl.ndarray(a.shape, nl.float32)
        nisa.scalar_tensor_tensor(out, sbuf(a), nl.multiply, sbuf(c), nl.subtract, sbuf(b), reverse1=True)
        return out

    np.testing.assert_allclose(run(body, X, Y, col), Y - X * col, rtol=1e-6, atol=1e-7)


# -- reductions ---------------------------------------------------------------------------------
Z = RNG.uniform(-1, 1, (64, 4, 8)).astype(np.float32)


@pytest.mark.parametrize("axis", [2, (1, 2)])
def test_tensor_reduce_trailing_axes(axis):
    def body(a):
        t = sbuf(a)
        shape = (64, 4) if axis == 2 else (64, 1)
        out = nl.ndarray(shape, nl.float32)
        nisa.tensor_reduce(out, nl.add, t, axis, negate=True)
        return out

    ref = -Z.sum(axis=axis)
    np.testing.assert_allclose(run(body, Z).reshape(ref.shape), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axis", [1, 0, (0, 1, 2)])
def test_tensor_reduce_rejects_non_trailing_or_partition_axes(axis):
    def body(a):
        nisa.tensor_reduce(nl.ndarray((64, 8), nl.float32), nl.maximum, sbuf(a), axis)

    rejects("reduce-axes", body, Z, page="tensor_reduce")


def test_nl_reductions():
    def body(a):
        t = sbuf(a)
        parts = [nl.sum(t, axis=(1, 2)), nl.max(t, axis=(1, 2)), nl.min(t, axis=(1, 2)),
                 nl.mean(t, axis=(1, 2))]
        out = nl.ndarray((64, 4), nl.float32)
        for i, p in enumerate(parts):
            nisa.tensor_copy(out[:, i:i + 1], p.reshape((64, 1)))
        return out

    got = run(body, Z)
    ref = np.stack([Z.sum((1, 2)), Z.max((1, 2)), Z.min((1, 2)), Z.mean((1, 2))], axis=1)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


def test_tensor_partition_reduce():
    def body(a):
        out = nl.ndarray((1, 64), nl.float32)
        nisa.tensor_partition_reduce(out, nl.add, sbuf(a))
        return out

    np.testing.assert_allclose(run(body, X)[0], X.sum(axis=0), rtol=1e-5, atol=1e-6)


# -- activation -----------------------------------------------------------------------------------
def test_activation_function_range():
    inside = np.linspace(-math.pi, math.pi, 128 * 8, dtype=np.float32).reshape(128, 8)

    def body(a):
        out = nl.ndarray(a.shape, nl.float32)
        nisa.activation(out, nl.sin, sbuf(a))
        return out

    np.testing.assert_allclose(run(body, inside), np.sin(inside), atol=1e-6)
    assert "[-3.14159, 3.14159]" in rejects("activation-range", body, inside * 1.01, page="activation")


def test_activation_scale_bias_and_reduce_registers():
    col = RNG.uniform(-1, 1, (128, 1)).astype(np.float32)

    def body(a, c):
        t, bias = sbuf(a), sbuf(c)
        dst = nl.ndarray(a.shape, nl.float32)
        sums = nl.ndarray((128, 1), nl.float32)
        nisa.activation(dst, nl.exp, t, bias=bias, scale=0.5, reduce_op=nl.add,
                        reduce_cmd=nisa.reduce_cmd.reset_reduce)
        nisa.activation(dst, nl.exp, t, bias=bias, scale=0.5, reduce_op=nl.add, reduce_res=sums,
                        reduce_cmd=nisa.reduce_cmd.reduce)  # registers persist: twice the sum
        return sums

    ref = 2 * np.exp(X * 0.5 + col).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(run(body, X, col), ref, rtol=1e-5)


def test_activation_reduce_and_scalar_bias_by_target(monkeypatch):
    def body(a):
        dst = nl.ndarray(a.shape, nl.float32)
        res = nl.ndarray((128, 1), nl.float32)
        nisa.activation_reduce(dst, nl.tanh, sbuf(a), nl.add, res, bias=0.25)
        return res

    np.testing.assert_allclose(run(body, X), np.tanh(X + 0.25).sum(axis=1, keepdims=True), rtol=1e-5)
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn1")
    rejects("activation-bias", body, X, page="activation")


def test_activation_needs_an_activation_function():
    def body(a):
        nisa.activation(nl.ndarray(a.shape, nl.float32), nl.add, sbuf(a))

    rejects("op-arity", body, X)


@pytest.mark.parametrize("fn,ref", [
    ("tanh", np.tanh), ("sigmoid", lambda x: 1 / (1 + np.exp(-x))), ("relu", lambda x: np.maximum(x, 0)),
    ("silu", lambda x: x / (1 + np.exp(-x))), ("log", lambda x: np.log(x + 2)),
    ("gelu", lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
])
def test_nl_unary_functions(fn, ref):
    shift = 2.0 if fn == "log" else 0.0

    def body(a):
        t = sbuf(a)
        if shift:
            t = nl.add(t, shift)
        return getattr(nl, fn)(t)

    np.testing.assert_allclose(run(body, X), ref(X), rtol=2e-6, atol=2e-6)


# -- comparisons, logical ops, where, broadcasting --------------------------------------------------
def test_comparisons_logic_and_where():
    def body(a, b):
        ta, tb = sbuf(a), sbuf(b)
        mask = nl.logical_and(nl.greater(ta, tb), nl.greater_equal(ta, 0.0))
        return nl.where(mask, ta, nl.negative(tb))

    np.testing.assert_array_equal(run(body, X, Y), np.where((X > Y) & (X >= 0), X, -Y))


def test_elementwise_shapes_must_match():
    def body(a):
        t = sbuf(a)
        nl.add(t, t[:, 0:32])

    rejects("elementwise-shape", body, X)


def test_broadcast_to_from_one_partition():
    row = RNG.uniform(-1, 1, (1, 64)).astype(np.float32)

    def body(r):
        return nl.broadcast_to(sbuf(r), (128, 64))

    def bad_rank(r):
        nl.broadcast_to(sbuf(r), (128, 1, 64))

    np.testing.assert_array_equal(run(body, row), np.broadcast_to(row, (128, 64)))
    rejects("broadcast-shape", bad_rank, row)


def test_zeros_like_and_empty_like():
    seen = {}

    def body(a):
        t = sbuf(a)
        e = nl.empty_like(t, dtype=nl.bfloat16)
        seen["empty"] = (e.dtype, e.buffer, bool(np.isnan(np.asarray(e.values, np.float32)).all()))
        return nl.zeros_like(t)

    np.testing.assert_array_equal(run(body, X), np.zeros_like(X))
    assert seen["empty"] == (nl.bfloat16, nl.sbuf, True)  # uninitialised memory reads as NaN


# -- data movement, iota, memset ----------------------------------------------------------------------
def test_dma_element_counts_match_shapes_need_not():
    def reshaped(a):
        t = nl.ndarray((64, 128), nl.float32)
        nisa.dma_copy(t, a)
        return t

    def short(a):
        nisa.dma_copy(nl.ndarray((64, 64), nl.float32), a)

    np.testing.assert_array_equal(run(reshaped, X), X.reshape(64, 128))
    rejects("dma-element-count", short, X, page="dma_copy")


def test_dma_casts_through_fp32_but_hwdge_needs_equal_dtypes():
    def cast(a):
        t = nl.ndarray(a.shape, nl.bfloat16)
        nisa.dma_copy(t, a)
        return t

    def hw(a):
        nisa.dma_copy(nl.ndarray(a.shape, nl.bfloat16), a, dge_mode=nisa.dge_mode.hwdge)

    np.testing.assert_array_equal(run(cast, X).astype(np.float32),
                                  X.astype(ml_dtypes.bfloat16).astype(np.float32))
    rejects("dma-hwdge-dtype", hw, X)


def test_iota_pattern_and_sbuf_only():
    def body(a):
        t = nl.ndarray((8, 3, 4), nl.int32)
        nisa.iota(t, [[10, 3], [1, 4]], offset=5, channel_multiplier=100)
        return t

    def in_psum(a):
        nisa.iota(nl.ndarray((8, 12), nl.float32, buffer=nl.psum), [[1, 12]])

    ref = 5 + 100 * np.arange(8)[:, None, None] + 10 * np.arange(3)[None, :, None] + np.arange(4)
    np.testing.assert_array_equal(run(body, X), ref)
    rejects("iota-sbuf", in_psum, X, page="iota")


def test_copy_casts_through_fp32_on_scalar_engine():
    big = np.full((4, 4), 2 ** 24 + 1, np.int32)

    def vector(a):
        out = nl.ndarray(a.shape, nl.int32)
        nisa.tensor_copy(out, sbuf(a, nl.int32))
        return out

    def scalar(a):
        return nl.copy(sbuf(a, nl.int32))

    np.testing.assert_array_equal(run(vector, big), big)  # same dtype: bit-exact
    np.testing.assert_array_equal(run(scalar, big), np.full((4, 4), 2 ** 24, np.int32))  # through fp32


def test_reciprocal():
    def body(a):
        out = nl.ndarray(a.shape, nl.float32)
        nisa.reciprocal(out, sbuf(a))
        return out

    np.testing.assert_allclose(run(body, X + 2), 1 / (X + 2), rtol=1e-6)


# -- tiles, partitions, access patterns -----------------------------------------------------------------
def test_compute_operands_are_tiles_not_hbm():
    def body(a):
        nisa.tensor_copy(nl.ndarray(a.shape, nl.float32), a)

    rejects("tile-on-chip", body, X, page="tensor_copy")


@pytest.mark.parametrize("start,ok", [(32, True), (16, False), (64, True)])
def test_start_partition_rule_on_trn1(monkeypatch, start, ok):
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn1")

    def body(a):
        t = sbuf(a)
        out = nl.ndarray((32, 64), nl.float32)
        nisa.tensor_copy(out, t[start:start + 32])
        return out

    if ok:
        np.testing.assert_array_equal(run(body, X), X[start:start + 32])
    else:
        assert "start at partition 0/32/64/96" in rejects("start-partition", body, X)
        monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn2")  # NeuronCore-v3 lifts it
        np.testing.assert_array_equal(run(body, X), X[start:start + 32])


def test_sbuf_access_pattern_partition_step():
    def bad(a):
        t = sbuf(a)
        t.ap([[32, 128], [1, 32]])

    def good(a):
        t = sbuf(a)
        out = nl.ndarray((128, 32), nl.float32)
        nisa.tensor_copy(out, t.ap([[64, 128], [2, 32]], offset=1))
        return out

    rejects("ap-partition-step", bad, X)
    np.testing.assert_array_equal(run(good, X), X[:, 1::2])


def test_python_operators_and_lnc2_are_not_emulated():
    def body(a):
        t = sbuf(a)
        return t + t

    with pytest.raises(NotEmulatedError, match="Python operators"):
        run(body, X)
    with pytest.raises(NotEmulatedError, match="kernel\\[2\\]"):
        nki.jit(lambda a: a)[2]


def test_the_documented_user_example_runs(capsys):
    """docs/nki-emulator.md's example: the user's own kernel, counters and modelled cost."""
    import pathlib
    import re
    doc = (pathlib.Path(__file__).parents[2] / "docs" / "nki-emulator.md").read_text()
    code = re.search(r"```python\n(.*?)```", doc, re.S).group(1)
    scope: dict = {}
    exec(compile(code, "nki-emulator.md", "exec"), scope)  # noqa: S102 - our own documentation
    np.testing.assert_allclose(scope["y"], 2 * scope["a"] + scope["b"], rtol=1e-6)
    assert scope["rec"].instructions["vector"] == 1 and "modelled" in capsys.readouterr().out


# -- selection, search, fused reductions ---------------------------------------------------------------
MASK = (RNG.uniform(size=(128, 64)) > 0.5).astype(np.uint8)


def test_tensor_copy_predicated():
    def body(a, b, m):
        dst = sbuf(a)
        nisa.tensor_copy_predicated(dst, sbuf(b), sbuf(m, nl.uint8), reverse_pred=True)
        return dst

    def float_predicate(a, b):
        nisa.tensor_copy_predicated(sbuf(a), sbuf(b), sbuf(b))

    np.testing.assert_array_equal(run(body, X, Y, MASK), np.where(MASK == 0, Y, X))
    rejects("predicate-dtype", float_predicate, X, Y, page="tensor_copy_predicated")


def test_select_reduce_keeps_a_running_max():
    def body(a, m):
        pred, ta = sbuf(m, nl.uint8), sbuf(a)
        dst = nl.ndarray(a.shape, nl.float32)
        res = nl.ndarray((128, 1), nl.float32)
        nisa.select_reduce(dst, pred, ta, -5.0, reduce_cmd=nisa.reduce_cmd.reset_reduce)
        nisa.select_reduce(dst, pred, nl.multiply(ta, 2.0), -5.0, reduce_res=res, reduce_cmd=nisa.reduce_cmd.reduce)
        return res

    sel = np.where(MASK != 0, X, -5.0)
    ref = np.maximum(sel.max(axis=1), np.where(MASK != 0, 2 * X, -5.0).max(axis=1))[:, None]
    np.testing.assert_allclose(run(body, X, MASK), ref, rtol=1e-6)


def test_affine_select_causal_mask():
    scores = RNG.standard_normal((128, 128)).astype(np.float32)

    def body(s):
        dst = nl.ndarray(s.shape, nl.float32)
        nisa.affine_select(dst, [[-1, 128]], 1, sbuf(s), -1e9, cmp_op=nl.greater_equal)  # keep j <= p
        return dst

    np.testing.assert_array_equal(run(body, scores), np.where(np.tri(128, dtype=bool), scores, -1e9))


def test_max8_and_find_index8():
    data = RNG.permutation(128 * 40).reshape(128, 40).astype(np.float32)

    def top(d):
        out = nl.ndarray((128, 8), nl.float32)
        nisa.max8(out, sbuf(d))
        return out

    def where(d):
        t = sbuf(d)
        best = nl.ndarray((128, 8), nl.float32)
        nisa.max8(best, t)
        idx = nl.ndarray((128, 8), nl.uint32)
        nisa.nc_find_index8(idx, t, best)
        return idx

    def too_small(d):
        nisa.max8(nl.ndarray((128, 8), nl.float32), sbuf(d)[:, 0:4])

    np.testing.assert_array_equal(run(top, data), -np.sort(-data, axis=1)[:, :8])
    np.testing.assert_array_equal(run(where, data), np.argsort(-data, axis=1)[:, :8])
    rejects("search-size", too_small, data, page="max8")


def test_tensor_scalar_reduce():
    def body(a):
        dst = nl.ndarray(a.shape, nl.float32)
        res = nl.ndarray((128, 1), nl.float32)
        nisa.tensor_scalar_reduce(dst, sbuf(a), nl.add, 1.0, nl.max, res)
        return res

    np.testing.assert_allclose(run(body, X), (X + 1).max(axis=1, keepdims=True), rtol=1e-6)


def test_exponential_is_neuroncore_v4_only():
    def body(a):
        nisa.exponential(nl.ndarray(a.shape, nl.float32), sbuf(a))

    rejects("exponential-v4", body, X, page="exponential")


def test_rms_norm_and_shared_constants():
    w = RNG.uniform(0.5, 1.5, X.shape).astype(np.float32)

    def body(a, b):
        return nl.rms_norm(sbuf(a), sbuf(b), axis=1, n=64)

    def ident(a):
        return nl.load(nl.shared_identity_matrix(16, dtype=nl.float32))

    ref = X / np.sqrt((X * X).sum(axis=1, keepdims=True) / 64 + 1e-6) * w
    np.testing.assert_allclose(run(body, X, w), ref, rtol=1e-5)
    np.testing.assert_array_equal(run(ident, X), np.eye(16, dtype=np.float32))
    assert nl.program_id(0) == 0 and nl.num_programs() == 1 and nl.program_ndim() == 0


def test_view_reinterprets_bits_for_a_hwdge_copy():
    def body(a):
        t = sbuf(a)
        bits = nl.ndarray(a.shape, nl.int32)
        nisa.dma_copy(bits, t.view(nl.int32), dge_mode=nisa.dge_mode.hwdge)  # equal dtypes: allowed
        return bits

    np.testing.assert_array_equal(run(body, X), X.view(np.int32))


def test_typing_annotations_are_accepted():
    nt = nki.typing

    def body(a: nt.tensor[(128, 64), nl.float32]):
        return sbuf(a)

    np.testing.assert_array_equal(run(body, X), X)


def test_bn_stats_and_bn_aggr_give_mean_and_variance():
    wide = RNG.standard_normal((128, 1000)).astype(np.float32)

    def body(a):
        t = sbuf(a)
        stats = nl.ndarray((128, 12), nl.float32)
        nisa.bn_stats(stats[:, 0:6], t[:, 0:512])
        nisa.bn_stats(stats[:, 6:12], t[:, 512:1000])
        out = nl.ndarray((128, 2), nl.float32)
        nisa.bn_aggr(out, stats)
        return out

    def too_wide(a):
        nisa.bn_stats(nl.ndarray((128, 6), nl.float32), sbuf(a))

    got = run(body, wide)
    np.testing.assert_allclose(got[:, 0], wide.mean(axis=1), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got[:, 1], wide.var(axis=1), rtol=1e-4)
    assert nl.tile_size.bn_stats_fmax == 512
    rejects("bn-stats-size", too_wide, wide, page="bn_stats")


def test_tensor_scalar_cumulative():
    def body(a):
        t = sbuf(a)
        first = nl.ndarray((128, 32), nl.float32)
        rest = nl.ndarray((128, 32), nl.float32)
        nisa.tensor_scalar_cumulative(first, t[:, 0:32], nl.multiply, nl.add, 2.0)
        nisa.tensor_scalar_cumulative(rest, t[:, 32:64], nl.multiply, nl.add, 2.0,
                                      reduce_cmd=nisa.reduce_cmd.reduce)  # continues from the registers
        out = nl.ndarray((128, 64), nl.float32)
        nisa.tensor_copy(out[:, 0:32], first)
        nisa.tensor_copy(out[:, 32:64], rest)
        return out

    np.testing.assert_allclose(run(body, X), np.cumsum(2.0 * X.astype(np.float64), axis=1), rtol=1e-5, atol=1e-5)


def test_nc_n_gather():
    idx = RNG.integers(0, 64, (128, 10)).astype(np.uint32)

    def body(a, i):
        out = nl.ndarray((128, 10), nl.float32)
        nisa.nc_n_gather(out, sbuf(a), sbuf(i, nl.uint32))
        return out

    def out_of_range(a, i):
        nisa.nc_n_gather(nl.ndarray((128, 10), nl.float32), sbuf(a)[:, 0:8], sbuf(i, nl.uint32))

    np.testing.assert_array_equal(run(body, X, idx), np.take_along_axis(X, idx.astype(np.int64), axis=1))
    rejects("gather-index", out_of_range, X, idx, page="nc_n_gather")


def test_nc_stream_shuffle_per_quadrant():
    mask = [(i + 1) % 32 for i in range(32)]
    mask[5] = 255

    def body(a):
        t = sbuf(a)
        out = nl.zeros((64, 64), nl.float32)
        nisa.nc_stream_shuffle(out, t[0:64], mask)
        return out

    def bad_start(a):
        t = sbuf(a)
        nisa.nc_stream_shuffle(nl.ndarray((64, 64), nl.float32), t[32:96], mask)

    want = np.zeros((64, 64), np.float32)
    for q in (0, 32):
        for i, m in enumerate(mask):
            if m != 255:
                want[q + i] = X[q + m]
    np.testing.assert_array_equal(run(body, X), want)
    rejects("start-partition", bad_start, X, page="nc_stream_shuffle")


@pytest.mark.parametrize("name", ["float32", "tfloat32", "bfloat16", "float8_e4m3", "int32", "bool_"])
def test_dtype_names_are_accepted_like_the_nl_constants(name):
    """The 0.3.0 stubs define nl.float32 = 'float32': a kernel may pass the name."""
    def body(a):
        return nl.zeros((4, 4), name)

    constant = getattr(nl, name)
    assert run(body, X).dtype == np.dtype(constant)


def test_unemulated_options_raise_not_emulated():
    def address(a):
        nl.ndarray((4, 4), nl.float32, address=(0, 0))

    with pytest.raises(NotEmulatedError):
        run(address, X)
    with pytest.raises(NotEmulatedError, match="psum_min_align"):
        nl.tile_size.psum_min_align  # noqa: B018


def test_range_select_and_its_target(monkeypatch):
    lo = np.full((128, 1), 8.0, np.float32)
    hi = RNG.integers(10, 60, (128, 1)).astype(np.float32)

    def body(a, b0, b1):
        dst = nl.ndarray(a.shape, nl.float32)
        res = nl.ndarray((128, 1), nl.float32)
        nisa.range_select(dst, sbuf(a), nl.greater_equal, nl.less, sbuf(b0), sbuf(b1), reduce_res=res,
                          on_false_value=-100.0)
        out = nl.ndarray((128, 65), nl.float32)
        nisa.tensor_copy(out[:, 0:64], dst)
        nisa.tensor_copy(out[:, 64:65], res)
        return out

    j = np.arange(64)[None, :]
    sel = np.where((j >= lo) & (j < hi), X, -100.0)
    got = run(body, X, lo, hi)
    np.testing.assert_array_equal(got[:, :64], sel)
    np.testing.assert_array_equal(got[:, 64], sel.max(axis=1))
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn1")
    rejects("range-select-v3", body, X, lo, hi, page="range_select")


def test_dynamic_range_with_integer_bounds():
    def body(a):
        t = sbuf(a)
        acc = nl.zeros(a.shape, nl.float32)
        for _ in nl.dynamic_range(3):
            nisa.tensor_tensor(acc, acc, t, nl.add)
        return acc

    np.testing.assert_allclose(run(body, X), 3 * X, rtol=1e-6)
