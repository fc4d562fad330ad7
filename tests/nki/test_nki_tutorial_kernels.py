"""Kernels in the styles of the NKI 0.3.0 tutorials, written for trnfft, run on the bundled
emulator against NumPy: matmul (basic with positional nc_matmul, tiled, blocked), tensor add,
transpose, pooling through .ap() access patterns, and a tensor_tensor_scan recurrence."""
from __future__ import annotations

import numpy as np
import pytest

from trnfft_backends.nki import emulator

nki, nl, nisa = emulator, emulator.language, emulator.isa
RNG = np.random.default_rng(12)


def rel_err(y: np.ndarray, ref: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(y, np.float64) - ref) / np.linalg.norm(ref))


# -- matmul -----------------------------------------------------------------------------
@nki.jit
def matmul_basic(lhs_t, rhs):
    """out[M, N] = lhs_t.T @ rhs for K <= 128, M <= 128, N <= 512: one nc_matmul, positional arguments."""
    k, m = lhs_t.shape
    n = rhs.shape[1]
    stationary = nl.ndarray((k, m), lhs_t.dtype, buffer=nl.sbuf)
    moving = nl.ndarray((k, n), rhs.dtype, buffer=nl.sbuf)
    nisa.dma_copy(stationary, lhs_t)
    nisa.dma_copy(moving, rhs)
    acc = nl.ndarray((m, n), nl.float32, buffer=nl.psum)
    nisa.nc_matmul(acc, stationary, moving)
    result = nl.ndarray((m, n), nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(result, acc)
    out = nl.ndarray((m, n), nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(out, result)
    return out


@nki.jit
def matmul_tiled(lhs_t, rhs):
    """Any K, M (multiples of 128) and N (multiple of 512): K tiles accumulate in one PSUM tile."""
    k_all, m_all = lhs_t.shape
    n_all = rhs.shape[1]
    tk, tm, tn = nl.tile_size.pmax, nl.tile_size.gemm_stationary_fmax, nl.tile_size.gemm_moving_fmax
    out = nl.ndarray((m_all, n_all), nl.float32, buffer=nl.shared_hbm)
    for m in nl.affine_range(m_all // tm):
        for n in nl.affine_range(n_all // tn):
            acc = nl.ndarray((tm, tn), nl.float32, buffer=nl.psum)
            for k in nl.affine_range(k_all // tk):
                s = nl.load(lhs_t[k * tk:(k + 1) * tk, m * tm:(m + 1) * tm])
                v = nl.load(rhs[k * tk:(k + 1) * tk, n * tn:(n + 1) * tn])
                nisa.nc_matmul(acc, s, v)  # accumulate=None: the first write overwrites, later ones add
            res = nl.ndarray((tm, tn), nl.float32, buffer=nl.sbuf)
            nisa.tensor_copy(res, acc)
            nl.store(out[m * tm:(m + 1) * tm, n * tn:(n + 1) * tn], res)
    return out


@nki.jit
def matmul_blocked(lhs_t, rhs):
    """Blocked: all K tiles of a stationary column block loaded once and reused across N blocks
    of two PSUM tiles each, bf16 inputs, fp32 accumulation."""
    k_all, m_all = lhs_t.shape
    n_all = rhs.shape[1]
    tk, tm, tn = 128, 128, 512
    n_block = 2 * tn
    out = nl.ndarray((m_all, n_all), nl.float32, buffer=nl.shared_hbm)
    for m in nl.affine_range(m_all // tm):
        stationary = [nl.load(lhs_t[k * tk:(k + 1) * tk, m * tm:(m + 1) * tm], dtype=nl.bfloat16)
                      for k in range(k_all // tk)]
        for nb in nl.affine_range(n_all // n_block):
            accs = [nl.ndarray((tm, tn), nl.float32, buffer=nl.psum) for _ in range(n_block // tn)]
            for k in nl.affine_range(k_all // tk):
                moving = nl.load(rhs[k * tk:(k + 1) * tk, nb * n_block:(nb + 1) * n_block], dtype=nl.bfloat16)
                for j, acc in enumerate(accs):
                    nisa.nc_matmul(acc, stationary[k], moving[:, j * tn:(j + 1) * tn], accumulate=k > 0)
            for j, acc in enumerate(accs):
                res = nl.ndarray((tm, tn), nl.float32, buffer=nl.sbuf)
                nisa.tensor_copy(res, acc)
                col = nb * n_block + j * tn
                nl.store(out[m * tm:(m + 1) * tm, col:col + tn], res)
    return out


def test_matmul_basic_positional():
    a_t = RNG.standard_normal((128, 96)).astype(np.float32)
    b = RNG.standard_normal((128, 512)).astype(np.float32)
    assert rel_err(nki.simulate(matmul_basic)(a_t, b), a_t.T.astype(np.float64) @ b) < 1e-6


def test_matmul_tiled():
    a_t = RNG.standard_normal((384, 256)).astype(np.float32)
    b = RNG.standard_normal((384, 1024)).astype(np.float32)
    with nki.collect() as rec:
        y = nki.simulate(matmul_tiled)(a_t, b)
    assert rel_err(y, a_t.T.astype(np.float64) @ b) < 1e-6
    assert rec.instructions["tensor"] == 3 * 2 * 2  # K x M x N tiles


def test_matmul_blocked_bf16():
    a_t = RNG.standard_normal((256, 256)).astype(np.float32)
    b = RNG.standard_normal((256, 2048)).astype(np.float32)
    ref = a_t.T.astype(np.float64) @ b
    err = rel_err(nki.simulate(matmul_blocked)(a_t, b), ref)
    assert 1e-4 < err < 1e-2  # bf16 inputs round visibly, fp32 accumulation keeps it small


# -- tensor add ---------------------------------------------------------------------------
@nki.jit
def tensor_add(a, b):
    """out = a + b, 128 rows at a time, with nl.load / nl.add / nl.store."""
    rows, cols = a.shape
    out = nl.ndarray((rows, cols), a.dtype, buffer=nl.shared_hbm)
    for r in nl.affine_range((rows + 127) // 128):
        lo, hi = r * 128, min(rows, (r + 1) * 128)
        nl.store(out[lo:hi], nl.add(nl.load(a[lo:hi]), nl.load(b[lo:hi])))
    return out


@pytest.mark.parametrize("shape", [(128, 512), (300, 77)])
def test_tensor_add(shape):
    a = RNG.standard_normal(shape).astype(np.float32)
    b = RNG.standard_normal(shape).astype(np.float32)
    np.testing.assert_array_equal(nki.simulate(tensor_add)(a, b), a + b)


# -- transpose ----------------------------------------------------------------------------
@nki.jit
def transpose_2d(x):
    """out = x.T in 128 x 128 blocks through the Tensor engine (SBUF -> PSUM -> SBUF)."""
    rows, cols = x.shape
    out = nl.ndarray((cols, rows), x.dtype, buffer=nl.shared_hbm)
    for i in nl.affine_range(rows // 128):
        for j in nl.affine_range(cols // 128):
            tile = nl.load(x[i * 128:(i + 1) * 128, j * 128:(j + 1) * 128])
            flipped = nl.ndarray((128, 128), x.dtype, buffer=nl.psum)
            nisa.nc_transpose(flipped, tile, nisa.engine.tensor)
            back = nl.ndarray((128, 128), x.dtype, buffer=nl.sbuf)
            nisa.tensor_copy(back, flipped)
            nl.store(out[j * 128:(j + 1) * 128, i * 128:(i + 1) * 128], back)
    return out


@nki.jit
def transpose_cast(x):
    """nl.transpose with dtype=: a [P, F] tile to [F, P] in bf16."""
    t = nl.transpose(nl.load(x), dtype=nl.bfloat16)
    res = nl.ndarray(t.shape, nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(res, t)
    out = nl.ndarray(t.shape, nl.float32, buffer=nl.shared_hbm)
    nl.store(out, res)
    return out


def test_transpose():
    x = RNG.standard_normal((256, 384)).astype(np.float32)
    np.testing.assert_array_equal(nki.simulate(transpose_2d)(x), x.T)


def test_transpose_with_dtype():
    import ml_dtypes
    x = RNG.standard_normal((128, 64)).astype(np.float32)
    y = nki.simulate(transpose_cast)(x)
    np.testing.assert_array_equal(y, x.T.astype(ml_dtypes.bfloat16).astype(np.float32))


# -- pooling with access patterns -----------------------------------------------------------
@nki.jit
def pool_2x2(image):
    """Max and average 2x2/stride-2 pooling of [C <= 128, H, W]: .ap() views of one SBUF tile."""
    c, h, w = image.shape
    tile = nl.ndarray((c, h * w), image.dtype, buffer=nl.sbuf)
    nisa.dma_copy(tile, image)
    windows = tile.ap([[h * w, c], [2 * w, h // 2], [2, w // 2], [w, 2], [1, 2]])  # [C, H/2, W/2, 2, 2]
    biggest = nl.ndarray((c, h // 2, w // 2), nl.float32, buffer=nl.sbuf)
    nisa.tensor_reduce(biggest, nl.maximum, windows, axis=(3, 4))
    total = nl.ndarray((c, h // 2, w // 2), nl.float32, buffer=nl.sbuf)
    corner = [tile.ap([[h * w, c], [2 * w, h // 2], [2, w // 2]], offset=dy * w + dx) for dy in (0, 1) for dx in (0, 1)]
    nisa.tensor_tensor(total, corner[0], corner[1], nl.add)
    for view in corner[2:]:
        nisa.tensor_tensor(total, total, view, nl.add)
    mean = nl.ndarray((c, h // 2, w // 2), nl.float32, buffer=nl.sbuf)
    nisa.tensor_scalar(mean, total, nl.multiply, 0.25)
    out_max = nl.ndarray((c, h // 2, w // 2), nl.float32, buffer=nl.shared_hbm)
    out_mean = nl.ndarray((c, h // 2, w // 2), nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(out_max, biggest)
    nisa.dma_copy(out_mean, mean)
    return out_max, out_mean


def test_pooling_with_access_patterns():
    x = RNG.standard_normal((96, 16, 24)).astype(np.float32)
    got_max, got_mean = nki.simulate(pool_2x2)(x)
    blocks = x.reshape(96, 8, 2, 12, 2)
    np.testing.assert_array_equal(got_max, blocks.max(axis=(2, 4)))
    np.testing.assert_allclose(got_mean, blocks.mean(axis=(2, 4)), rtol=1e-6, atol=1e-6)


# -- scan ------------------------------------------------------------------------------------
@nki.jit
def running_sum_and_decay(x, decay):
    """Per row: the running sum of x, and the recurrence r[i] = decay[i] * r[i-1] + x[i]."""
    p, f = x.shape
    xs, ds = nl.load(x), nl.load(decay)
    ones = nl.ones((p, f), nl.float32)
    csum = nl.ndarray((p, f), nl.float32)
    nisa.tensor_tensor_scan(csum, ones, xs, 0.0, nl.multiply, nl.add)
    ema = nl.ndarray((p, f), nl.float32)
    nisa.tensor_tensor_scan(ema, ds, xs, 1.0, nl.multiply, nl.add)
    out_sum = nl.ndarray((p, f), nl.float32, buffer=nl.shared_hbm)
    out_ema = nl.ndarray((p, f), nl.float32, buffer=nl.shared_hbm)
    nl.store(out_sum, csum)
    nl.store(out_ema, ema)
    return out_sum, out_ema


def test_tensor_tensor_scan():
    x = RNG.standard_normal((128, 200)).astype(np.float32)
    d = RNG.uniform(0.5, 1.0, (128, 200)).astype(np.float32)
    got_sum, got_ema = nki.simulate(running_sum_and_decay)(x, d)
    assert rel_err(got_sum, np.cumsum(x.astype(np.float64), axis=1)) < 1e-6
    ref = np.empty((128, 200))
    state = np.ones(128)
    for i in range(200):
        state = d[:, i] * state + x[:, i]
        ref[:, i] = state
    assert rel_err(got_ema, ref) < 1e-6
