"""The bundled NKI 0.3 emulator: each operation against NumPy, each rule's rejection."""
from __future__ import annotations

import numpy as np
import pytest

from trnfft_backends.nki import emulator
from trnfft_backends.nki.emulator import NkiRuleError

nki, nl, nisa = emulator, emulator.language, emulator.isa


def run(kernel, *arrays):
    return emulator.simulate(kernel)(*arrays)


def rejects(rule, kernel, *arrays):
    with pytest.raises(NkiRuleError) as exc:
        run(kernel, *arrays)
    assert exc.value.rule == rule, str(exc.value)
    assert exc.value.page.startswith("https://awsdocs-neuron.readthedocs-hosted.com/en/v2.29.0/")
    return str(exc.value)


RNG = np.random.default_rng(0)
A = RNG.uniform(-1, 1, (128, 64)).astype(np.float32)
B = RNG.uniform(-1, 1, (128, 512)).astype(np.float32)


# -- operations against NumPy ------------------------------------------------------
@nki.jit
def k_matmul(a, b):
    out = nl.ndarray((64, 512), nl.float32, buffer=nl.shared_hbm)
    acc = nl.ndarray((64, 512), nl.float32, buffer=nl.psum)
    nisa.nc_matmul(dst=acc, stationary=nl.load(a), moving=nl.load(b))
    res = nl.ndarray((64, 512), nl.float32)
    nisa.tensor_copy(dst=res, src=acc)
    nl.store(out, res)
    return out


def test_nc_matmul_is_stationary_transposed_times_moving():
    y = run(k_matmul, A, B)
    np.testing.assert_allclose(y, A.T @ B, rtol=1e-5, atol=1e-5)


@nki.jit
def k_accumulate(a, b, mode):
    out = nl.ndarray((64, 512), nl.float32, buffer=nl.shared_hbm)
    acc = nl.zeros((64, 512), nl.float32, buffer=nl.psum)
    ta, tb = nl.load(a), nl.load(b)
    nisa.nc_matmul(dst=acc, stationary=ta, moving=tb, accumulate=mode)
    nisa.nc_matmul(dst=acc, stationary=ta, moving=tb, accumulate=mode)
    res = nl.ndarray((64, 512), nl.float32)
    nisa.tensor_copy(dst=res, src=acc)
    nl.store(out, res)
    return out


@pytest.mark.parametrize("mode,factor", [(True, 2.0), (False, 1.0), (None, 2.0)])
def test_matmul_accumulation_modes(mode, factor):
    np.testing.assert_allclose(run(k_accumulate, A, B, mode), factor * (A.T @ B), rtol=1e-5, atol=1e-4)


@nki.jit
def k_uninitialised(a, b):
    out = nl.ndarray((64, 512), nl.float32, buffer=nl.shared_hbm)
    acc = nl.ndarray((64, 512), nl.float32, buffer=nl.psum)  # never initialised
    nisa.nc_matmul(dst=acc, stationary=nl.load(a), moving=nl.load(b), accumulate=True)
    res = nl.ndarray((64, 512), nl.float32)
    nisa.tensor_copy(dst=res, src=acc)
    nl.store(out, res)
    return out


def test_uninitialised_psum_reads_show_as_nan():
    assert np.isnan(run(k_uninitialised, A, B)).all()


@nki.jit
def k_elementwise(x, y):
    out = nl.ndarray((8, 5, 16), nl.float32, buffer=nl.shared_hbm)
    tx, ty = nl.load(x), nl.load(y)
    results = (nl.add(tx, ty), nl.subtract(tx, ty), nl.multiply(tx, ty), nl.maximum(tx, ty),
               nl.minimum(tx, ty))
    for i in nl.static_range(5):
        nl.store(out[:, i, :], results[i])
    return out


def test_nl_binary_ops():
    x, y = RNG.uniform(-1, 1, (2, 8, 16)).astype(np.float32)
    out = run(k_elementwise, x, y)
    for i, ref in enumerate([x + y, x - y, x * y, np.maximum(x, y), np.minimum(x, y)]):
        np.testing.assert_allclose(out[:, i], ref, rtol=1e-6)


@nki.jit
def k_unary(x):
    out = nl.ndarray((8, 7, 16), nl.float32, buffer=nl.shared_hbm)
    t = nl.load(x)
    results = (nl.negative(t), nl.reciprocal(t), nl.abs(t), nl.exp(t), nl.sin(t), nl.cos(t), nl.sqrt(nl.abs(t)))
    for i in nl.static_range(7):
        nl.store(out[:, i, :], results[i])
    return out


def test_nl_unary_ops():
    x = RNG.uniform(0.1, 1, (8, 16)).astype(np.float32)
    out = run(k_unary, x)
    refs = [-x, 1 / x, np.abs(x), np.exp(x), np.sin(x), np.cos(x), np.sqrt(x)]
    for i, ref in enumerate(refs):
        np.testing.assert_allclose(out[:, i], ref, rtol=1e-6)


@nki.jit
def k_isa_vector(x, y, col):
    out = nl.ndarray((4, 32, 32), nl.float32, buffer=nl.shared_hbm)
    tx, ty, tc = nl.load(x), nl.load(y), nl.load(col)
    tt = nl.ndarray((32, 32), nl.float32)
    nisa.tensor_tensor(dst=tt, data1=tx, data2=ty, op=nl.subtract)
    ts = nl.ndarray((32, 32), nl.float32)
    nisa.tensor_scalar(dst=ts, data=tx, op0=nl.multiply, operand0=tc, op1=nl.add, operand1=2.0)
    act = nl.ndarray((32, 32), nl.float32)
    nisa.activation(dst=act, op=nl.exp, data=tx, bias=tc, scale=0.5)
    tr = nl.ndarray((32, 32), nl.float32)
    nisa.nc_transpose(dst=tr, data=tx, engine=nisa.engine.vector)
    for i, t in enumerate((tt, ts, act, tr)):
        nl.store(out[i], t)
    return out


def test_isa_vector_scalar_ops():
    x, y = RNG.uniform(-1, 1, (2, 32, 32)).astype(np.float32)
    col = RNG.uniform(-1, 1, (32, 1)).astype(np.float32)
    out = run(k_isa_vector, x, y, col)
    np.testing.assert_allclose(out[0], x - y, rtol=1e-6)
    np.testing.assert_allclose(out[1], x * col + 2.0, rtol=1e-6)
    np.testing.assert_allclose(out[2], np.exp(0.5 * x + col), rtol=1e-6)
    np.testing.assert_array_equal(out[3], x.T)


@nki.jit
def k_misc(x):
    out = nl.ndarray((5, 64, 128), nl.float32, buffer=nl.shared_hbm)
    ramp = nl.ndarray((64, 128), nl.float32)
    nisa.iota(dst=ramp, pattern=[[1, 128]], offset=3, channel_multiplier=1000)
    filled = nl.ndarray((64, 128), nl.float32)
    nisa.memset(dst=filled, value=2.5)
    ones = nl.ones((64, 128), nl.float32)
    tx = nl.ndarray((64, 128), nl.float32)
    nisa.dma_copy(dst=tx, src=x)
    big = nl.ndarray((128, 64), nl.float32)
    nisa.dma_copy(dst=big, src=x)  # same element count, another shape
    back = nl.ndarray((128, 64), nl.float32)
    nisa.tensor_copy(dst=back, src=big)
    for i, t in enumerate((ramp, filled, ones, tx)):
        nl.store(out[i], t)
    nl.store(out[4], back.reshape((64, 128)))
    return out


def test_iota_memset_full_dma_copy_reshape():
    x = RNG.uniform(-1, 1, (64, 128)).astype(np.float32)
    out = run(k_misc, x)
    p, i = np.meshgrid(np.arange(64), np.arange(128), indexing="ij")
    np.testing.assert_array_equal(out[0], 3 + 1000 * p + i)
    assert (out[1] == 2.5).all() and (out[2] == 1).all()
    np.testing.assert_array_equal(out[3], x)
    np.testing.assert_array_equal(out[4], x)


@nki.jit
def k_transpose_paths(x):
    out = nl.ndarray((2, 128, 96), nl.float32, buffer=nl.shared_hbm)
    t = nl.load_transpose2d(x)                     # [96, 128] -> [128, 96] in SBUF
    p = nl.transpose(nl.load(x))                   # Tensor-engine transpose into PSUM
    s = nl.ndarray((128, 96), nl.float32)
    nisa.tensor_copy(dst=s, src=p)
    nl.store(out[0], t)
    nl.store(out[1], s)
    return out


def test_load_transpose2d_and_tensor_engine_transpose():
    x = RNG.uniform(-1, 1, (96, 128)).astype(np.float32)
    out = run(k_transpose_paths, x)
    np.testing.assert_array_equal(out[0], x.T)
    np.testing.assert_array_equal(out[1], x.T)


@nki.jit
def k_nl_matmul(a, b):
    out = nl.ndarray((64, 512), nl.float32, buffer=nl.shared_hbm)
    r = nl.ndarray((64, 512), nl.float32)
    nisa.tensor_copy(dst=r, src=nl.matmul(nl.load(a), nl.load(b), transpose_x=True))
    nl.store(out, r)
    return out


def test_nl_matmul_transpose_x():
    np.testing.assert_allclose(run(k_nl_matmul, A, B), A.T @ B, rtol=1e-5, atol=1e-5)


def test_inputs_are_written_in_place_like_nki_simulate():
    @nki.jit
    def k_inplace(x):
        t = nl.load(x)
        nl.store(x, nl.multiply(t, 2.0))

    x = np.ones((4, 8), np.float32)
    assert run(k_inplace, x) is None
    assert (x == 2).all()


def test_inputs_are_nl_hbm_tensors_and_not_outputs():
    """nki.simulate wraps inputs with buffer=nl.hbm on one logical core (nki_simulator.rst, "How It Works");
    a kernel's outputs are allocated in nl.shared_hbm, so an input returned as one is refused."""
    seen = []

    @nki.jit
    def k_returns_input(x):
        seen.append(x.buffer)
        return x

    message = rejects("output-buffer", k_returns_input, A)
    assert seen == [nl.hbm] and "kernel input" in message


# -- precision -----------------------------------------------------------------
def test_bf16_tensors_hold_bf16_values():
    @nki.jit
    def k_bf16(x):
        out = nl.ndarray((4, 8), nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.load(x, dtype=nl.bfloat16))
        return out

    x = np.full((4, 8), 1 + 2**-10, np.float32)  # not representable in bf16 (8 mantissa bits)
    assert (run(k_bf16, x) == 1.0).all()


def test_bf16_matmul_mode_rounds_operands():
    x = np.full((128, 64), 1 + 2**-10, np.float32)
    y = np.ones((128, 512), np.float32)
    exact = run(k_matmul, x, y)
    with emulator.matmul_precision("bf16"):
        cast = run(k_matmul, x, y)
    np.testing.assert_allclose(exact, 128 * (1 + 2**-10), rtol=1e-6)
    np.testing.assert_allclose(cast, 128.0, rtol=1e-7)
    rec = emulator.last_record()
    assert rec.cycles["tensor"] == 512  # bf16 rate: max(N, 64) cycles, not 4x


# -- rules ---------------------------------------------------------------------
def test_positional_isa_arguments_are_accepted():
    """0.3.0 signatures are ordinary Python: the update guide calls nc_matmul(dst, stationary, moving)."""
    @nki.jit
    def k(a, b):
        out = nl.ndarray((64, 512), nl.float32, buffer=nl.shared_hbm)
        acc = nl.ndarray((64, 512), nl.float32, buffer=nl.psum)
        nisa.nc_matmul(acc, nl.load(a), nl.load(b))
        res = nl.ndarray((64, 512), nl.float32)
        nisa.tensor_copy(res, acc)
        nisa.dma_copy(out, res)
        return out

    np.testing.assert_allclose(run(k, A, B), A.T @ B, rtol=1e-5, atol=1e-5)


def test_bad_isa_call_is_a_rule_error():
    @nki.jit
    def k(a, b):
        acc = nl.ndarray((64, 512), nl.float32, buffer=nl.psum)
        nisa.nc_matmul(acc, nl.load(a), nl.load(b), stationary=None)
        return a

    assert "multiple values" in rejects("isa-signature", k, A, B)


def test_partition_dim_over_128():
    @nki.jit
    def k(a):
        nl.ndarray((129, 4), nl.float32)
        return a

    rejects("partition-dim", k, A)


@pytest.mark.parametrize("k_dim,m_dim,n_dim,rule", [(128, 129, 8, "partition-dim"), (128, 64, 513, "matmul-N")])
def test_matmul_tile_limits(k_dim, m_dim, n_dim, rule):
    @nki.jit
    def k(a, b):
        acc = nl.ndarray((min(m_dim, 128), n_dim), nl.float32, buffer=nl.psum)
        nisa.nc_matmul(dst=acc, stationary=nl.load(a), moving=nl.load(b))
        return a

    a = np.zeros((k_dim, m_dim), np.float32).T.copy().T if m_dim <= 128 else np.zeros((m_dim, k_dim), np.float32)
    rejects(rule, k, a, np.zeros((k_dim, n_dim), np.float32))


def test_matmul_m_over_128():
    @nki.jit
    def k(a, b):
        acc = nl.ndarray((128, 8), nl.float32, buffer=nl.psum)
        nisa.nc_matmul(dst=acc, stationary=nl.load(a), moving=nl.load(b))
        return a

    rejects("matmul-M", k, np.zeros((64, 2, 65), np.float32), np.zeros((64, 8), np.float32))


def test_matmul_contraction_mismatch():
    @nki.jit
    def k(a, b):
        acc = nl.ndarray((64, 512), nl.float32, buffer=nl.psum)
        nisa.nc_matmul(dst=acc, stationary=nl.load(a), moving=nl.load(b))
        return a

    rejects("matmul-contraction", k, A, B[:100])


def test_matmul_operands_in_the_wrong_buffer():
    @nki.jit
    def k_in_psum(a, b):
        acc = nl.ndarray((64, 512), nl.float32, buffer=nl.psum)
        stationary = nl.zeros((128, 64), nl.float32, buffer=nl.psum)
        nisa.nc_matmul(dst=acc, stationary=stationary, moving=nl.load(b))
        return a

    @nki.jit
    def k_out_sbuf(a, b):
        acc = nl.ndarray((64, 512), nl.float32, buffer=nl.sbuf)
        nisa.nc_matmul(dst=acc, stationary=nl.load(a), moving=nl.load(b))
        return a

    rejects("matmul-inputs-in-sbuf", k_in_psum, A, B)
    rejects("matmul-output-in-psum", k_out_sbuf, A, B)


def test_matmul_dtype_rules():
    @nki.jit
    def k(a, b):
        acc = nl.ndarray((64, 512), nl.float32, buffer=nl.psum)
        nisa.nc_matmul(dst=acc, stationary=nl.load(a, dtype=nl.bfloat16), moving=nl.load(b))
        return a

    @nki.jit
    def k_int(a, b):
        acc = nl.ndarray((64, 512), nl.float32, buffer=nl.psum)
        nisa.nc_matmul(dst=acc, stationary=nl.load(a, dtype=nl.int32), moving=nl.load(b, dtype=nl.int32))
        return a

    rejects("matmul-fp32-pairing", k, A, B)
    rejects("matmul-input-dtype", k_int, A, B)


def test_store_from_psum():
    @nki.jit
    def k(a):
        out = nl.ndarray((128, 64), nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.zeros((128, 64), nl.float32, buffer=nl.psum))
        return out

    rejects("store-from-psum", k, A)


def test_nl_copy_of_psum_stays_in_psum():
    """nl.copy page: "a new tile ... allocated on the same buffer as x (SBUF or PSUM)"."""
    seen = {}

    @nki.jit
    def k(a):
        c = nl.copy(nl.full((128, 64), 3.0, nl.float32, buffer=nl.psum))
        seen["buffer"] = c.buffer
        out = nl.ndarray((128, 64), nl.float32, buffer=nl.shared_hbm)
        res = nl.ndarray((128, 64), nl.float32)
        nisa.tensor_copy(res, c)
        nl.store(out, res)
        return out

    np.testing.assert_array_equal(run(k, A), np.full((128, 64), 3.0, np.float32))
    assert seen["buffer"] is nl.psum


def test_dma_from_psum():
    @nki.jit
    def k(a):
        out = nl.ndarray((128, 64), nl.float32, buffer=nl.shared_hbm)
        nisa.dma_copy(dst=out, src=nl.zeros((128, 64), nl.float32, buffer=nl.psum))
        return out

    rejects("dma-from-psum", k, A)


def test_tensor_tensor_shapes_must_match_partitions_included():
    @nki.jit
    def k(a):
        t = nl.load(a)
        dst = nl.ndarray((128, 64), nl.float32)
        nisa.tensor_tensor(dst=dst, data1=t, data2=nl.load(a[0:64, :]), op=nl.add)
        return a

    @nki.jit
    def k_nl(a):
        nl.add(nl.load(a), nl.load(a[:, 0:32]))
        return a

    rejects("tensor-tensor-shape", k, A)
    rejects("elementwise-shape", k_nl, A)


def test_no_divide():
    @nki.jit
    def k(a):
        t = nl.load(a)
        nl.divide(t, t)
        return a

    assert "nl.reciprocal" in rejects("no-divide", k, A)


def test_removed_apis_and_masks():
    with pytest.raises(NkiRuleError, match="arange was removed"):
        nl.arange(4)
    with pytest.raises(NkiRuleError, match="mgrid"):
        nl.mgrid  # noqa: B018

    @nki.jit
    def k_mask(a):
        nl.load(a, mask=None)
        return a

    rejects("removed-mask", k_mask, A)


def test_dtypes_an_instruction_does_not_take():
    @nki.jit
    def k_memset(a):
        t = nl.ndarray((4, 4), nl.int32)
        nisa.memset(dst=t, value=2.0)

    @nki.jit
    def k_psum_fp16_transpose(a):  # any dtype may sit in PSUM: nc_transpose writes data's dtype there
        t = nl.ndarray((128, 64), nl.float16)
        nisa.tensor_copy(t, nl.load(a))
        dst = nl.ndarray((64, 128), nl.float16, buffer=nl.psum)
        nisa.nc_transpose(dst, t)

    @nki.jit
    def k_transpose_dtype(a):
        dst = nl.ndarray((64, 128), nl.bfloat16, buffer=nl.psum)
        nisa.nc_transpose(dst=dst, data=nl.load(a))

    rejects("memset-value-type", k_memset, A)
    run(k_psum_fp16_transpose, A)
    rejects("transpose-dtype", k_transpose_dtype, A)


def test_activation_input_range():
    @nki.jit
    def k(a):
        t = nl.load(a)
        nl.sin(nl.multiply(t, 10.0))
        return a

    rejects("activation-range", k, A)


def test_nl_matmul_without_transpose_x():
    @nki.jit
    def k(a, b):
        nl.matmul(nl.load(a), nl.load(b))
        return a

    rejects("matmul-transpose-x", k, A, B)


def test_output_buffer_and_list_arguments():
    @nki.jit
    def k_private(a):
        out = nl.ndarray((128, 64), nl.float32, buffer=nl.hbm)
        nl.store(out, nl.load(a))
        return out

    @nki.jit
    def k_list(xs):
        return xs

    rejects("output-buffer", k_private, A)
    rejects("list-argument", k_list, [A])


def test_string_buffer_names_are_gone():
    @nki.jit
    def k(a):
        nl.ndarray((4, 4), nl.float32, buffer="sbuf")
        return a

    rejects("buffer-name", k, A)


def test_partition_indexing_must_be_contiguous():
    @nki.jit
    def k(a):
        t = nl.load(a)
        t[::2, :]
        return a

    rejects("partition-slice", k, A)


# -- static checks of kernel source ----------------------------------------------
def test_static_check_is_comparison():
    @nki.jit
    def k(a):
        if a is a:
            return a
        return a

    @nki.jit
    def k_equals_none(a, b=None):  # the update guide's form: == / != (None included)
        src = a
        if b != None:  # noqa: E711
            src = b
        out = nl.ndarray(a.shape, a.dtype, buffer=nl.shared_hbm)
        nl.store(out, nl.load(src))
        return out

    rejects("is-comparison", k, A)
    np.testing.assert_array_equal(run(k_equals_none, A), A)


def test_nested_function_definitions_are_accepted():
    """No 0.3.0 page forbids them (the emulator used to)."""
    @nki.jit
    def k(a):
        def helper(x):
            out = nl.ndarray(x.shape, x.dtype, buffer=nl.shared_hbm)
            nl.store(out, nl.load(x))
            return out
        return helper(a)

    np.testing.assert_array_equal(run(k, A), A)


def test_static_check_signature_star():
    def body(a, *, scale=1.0):
        return a

    with pytest.raises(NkiRuleError, match="kernel-signature"):
        run(nki.jit(body), A)


def test_static_check_removed_api_in_source():
    @nki.jit
    def k(a):
        i = nl.arange(128)[:, None]
        return a

    rejects("removed-api", k, A)


# -- capacity ------------------------------------------------------------------
def test_sbuf_capacity():
    @nki.jit
    def k(a):
        tiles = [nl.ndarray((128, 16384), nl.float32) for _ in range(4)]  # 4 x 64 KiB per partition
        return a

    assert "24 MiB" in rejects("sbuf-capacity", k, A)


def test_psum_bank_limit():
    @nki.jit
    def k(a):
        banks = [nl.ndarray((128, 512), nl.float32, buffer=nl.psum) for _ in range(9)]
        return a

    rejects("psum-banks", k, A)


def test_freed_tiles_give_space_back():
    @nki.jit
    def k(a):
        for _ in nl.affine_range(20):
            t = nl.ndarray((128, 512), nl.float32, buffer=nl.psum)  # one bank, freed each iteration
            nisa.memset(dst=t, value=0.0)

    run(k, A)
    assert emulator.last_record().peak_psum_banks <= 2


# -- raw access patterns on HBM ------------------------------------------------------
@nki.jit
def k_ap_transpose_store(x):
    rows, cols = x.shape
    out = nl.ndarray((cols, rows), nl.float32, buffer=nl.shared_hbm)
    tile = nl.load(x)
    nl.store(out.ap(pattern=[[1, rows], [rows, cols]], offset=0), tile)  # out[c, r] = x[r, c]
    return out


@nki.jit
def k_ap_on_a_view(x):
    out = nl.ndarray(x.shape, nl.float32, buffer=nl.shared_hbm)
    nl.store(out[0:2, :].ap(pattern=[[1, 2], [2, 2]], offset=0), nl.load(x[0:2, 0:2]))
    return out


@nki.jit
def k_ap_out_of_bounds(x):
    out = nl.ndarray(x.shape, nl.float32, buffer=nl.shared_hbm)
    nl.store(out.ap(pattern=[[4, 4], [1, 4]], offset=1), nl.load(x[0:4, 0:4]))
    return out


def test_hbm_access_pattern_walks_the_storage():
    x = RNG.uniform(-1, 1, (8, 16)).astype(np.float32)
    np.testing.assert_array_equal(run(k_ap_transpose_store, x), x.T)


def test_access_pattern_rules():
    x = RNG.uniform(-1, 1, (4, 4)).astype(np.float32)
    rejects("ap-on-view", k_ap_on_a_view, x)
    assert "element 16 of a tensor of 16" in rejects("ap-bounds", k_ap_out_of_bounds, x)


def test_every_parse_of_the_emulator_waits_for_the_one_parse_lock(tmp_path):
    """CPython 3.11's ast.parse is not safe from two threads at once: the kernel check's parses and
    the coverage report's take one lock (``parsing.py``)."""
    import threading
    from trnfft_backends.nki.emulator import coverage, parsing, static_check
    for file in coverage.STUB_FILES.values():
        (tmp_path / file).write_text("def shown(): ...\n")
    source = tmp_path / "kernel_source.py"
    source.write_text("def kernel():\n    pass\n")
    calls = [lambda: coverage.stub_names(tmp_path), lambda: static_check._index(str(source))]
    for call in calls:
        with parsing._PARSE_LOCK:
            other = threading.Thread(target=call)
            other.start()
            other.join(0.3)
            assert other.is_alive()   # waiting for the lock held here
        other.join(10)
        assert not other.is_alive()
    assert coverage.stub_names(tmp_path)["nki"] == ["shown"] and "kernel" in static_check._index(str(source))
