"""The NKI FFT kernels on nki-simulator: accuracy at every length class, one launch per call, ragged tiles.

Accuracy is norm-wise against NumPy in float64 with the issue's bound of
1e-6 for complex64 (the kernels measure 1e-7 to 5e-7).
"""
from __future__ import annotations

import numpy as np
import pytest

from trnfft import numpy_fft
from trnfft_backends.nki import algorithms, arguments, constants
from trnfft_backends.nki.emulator import last_record
from conftest import random_array

BOUND = 1e-6
NORMS = ["backward", "ortho", "forward"]
LISTED = [243, 256, 257, 360, 500, 512, 625, 997, 1000, 1024, 1331, 2048, 4095, 4096, 4097, 8191,
          10000, 16384, 16385, 44100, 65536, 65537, 2**20]


def error(y, ref):
    return float(np.linalg.norm(y - ref) / np.linalg.norm(ref))


def check_both_directions(x, norm):
    """Forward and inverse on the simulator, each one launch, each within BOUND."""
    x64 = x.astype(np.complex128)
    for ours, ref in ((numpy_fft.fft, np.fft.fft), (numpy_fft.ifft, np.fft.ifft)):
        y = ours(x, norm=norm, backend="nki-simulator")
        assert y.dtype == np.complex64
        assert last_record().launches == 1
        err = error(y, ref(x64, norm=norm))
        assert err <= BOUND, f"{ours.__name__} n={x.shape[-1]} batch={x.shape[:-1]} norm={norm}: {err:.2e}"


@pytest.mark.parametrize("n", range(1, 131))
def test_every_length_up_to_130(n):
    check_both_directions(random_array(n, np.complex64, seed=n), NORMS[n % 3])


@pytest.mark.parametrize("n", LISTED)
def test_listed_lengths(n):
    check_both_directions(random_array(n, np.complex64, seed=n), NORMS[n % 3])


@pytest.mark.parametrize("batch,n", [(256, 16), (70, 360), (65, 1000), (64, 4096), (64, 4097), (64, 65536),
                                     (2, 2**20)])
def test_batches_run_in_one_launch(batch, n):
    check_both_directions(random_array((batch, n), np.complex64, seed=batch + n), NORMS[n % 3])


@pytest.mark.parametrize("n,kernel", [(4099, "bluestein_sbuf_kernel"), (65537, "bluestein_kernel")])
def test_bluestein_stays_in_sbuf_when_the_padded_length_is_a_four_step(n, kernel):
    layout = algorithms.choose(n, 1)
    assert layout.algorithm == "bluestein" and layout.inner.n >= 2 * n - 1
    assert arguments.kernel_arguments(layout, True, 1.0)[0].__name__ == kernel


def test_any_axis_and_non_contiguous_input():
    x = random_array((300, 6), np.complex64, seed=3)[::2]          # 150 points along axis 0, strided
    y = numpy_fft.fft(x, axis=0, backend="nki-simulator")
    assert error(y, np.fft.fft(x.astype(np.complex128), axis=0)) <= BOUND


@pytest.mark.parametrize("n,algorithm", [(96, "small"), (1000, "four-step"), (65536, "radix-four-step"),
                                         (2**20, "six-step"), (4099, "bluestein")])
def test_each_length_class_gets_its_kernel(n, algorithm):
    assert algorithms.choose(n, 1).algorithm == algorithm


# -- ragged tiles: sizes that are not multiples of each kernel's tiles -------------------------------
@pytest.mark.parametrize("batch,n", [(257, 48), (130, 5), (129, 128)])
def test_small_kernel_ragged_batch(batch, n):
    """A last row with fewer transforms than the packing, and a last tile of fewer than 128 rows."""
    layout = algorithms.choose(n, batch)
    assert layout.algorithm == "small" and (batch % layout.group or (batch // layout.group) % 128)
    check_both_directions(random_array((batch, n), np.complex64, seed=batch), "ortho")


@pytest.mark.parametrize("batch,n", [(17, 1000), (37, 1024)])
def test_four_step_ragged_groups(batch, n):
    """A last group with fewer transforms than the block-diagonal packing, and a short last step-3 tile."""
    layout = algorithms.choose(n, batch)
    assert layout.algorithm == "four-step" and batch % layout.group
    check_both_directions(random_array((batch, n), np.complex64, seed=batch), "backward")


def test_six_step_ragged_column_blocks():
    layout = algorithms.choose(2**20, 1)
    n3 = layout.factors[2]
    assert layout.algorithm == "six-step" and n3 % layout.group  # the last input block is short
    # the 2^20 accuracy itself is checked in test_listed_lengths


def test_six_step_staged_through_hbm_with_a_ragged_k_block():
    """A padded Bluestein length above ~1.3M points stages X1 through HBM (checked on 1_000_003 in
    test_accuracy); here a direct six-step layout too large for SBUF runs staged, with a short last block."""
    n1, n2, n3 = 126, 126, 126
    block, k_block = algorithms.six_step_blocks(n1, n2, n3)
    assert k_block < n1 and n1 % k_block
    layout = algorithms.Layout("six-step", n1 * n2 * n3, (n1, n2, n3), block, k_block=k_block)
    kernel, args = arguments.kernel_arguments(layout, True, 1.0)
    x = random_array((1, n1 * n2 * n3), np.complex64, seed=7)
    from trnfft_backends.nki.executors import simulate
    yr, yi = simulate(kernel, np.ascontiguousarray(x.real), np.ascontiguousarray(x.imag), *args)
    assert error(yr + 1j * yi, np.fft.fft(x.astype(np.complex128))) <= BOUND


# -- constants -----------------------------------------------------------------------------------
def test_twiddles_reduce_the_angle_in_integers():
    n = 2**20
    e = np.arange(0, n * 1000, 997, dtype=np.int64)  # exponents far beyond n
    re, im = constants.roots(e, n, True)
    exact = np.exp(-2j * np.pi * (e % n) / n)
    assert np.abs((re + 1j * im) - exact).max() < 1e-7


def test_bluestein_chirp_is_accurate_at_large_n():
    n = 1_000_003
    k = np.arange(n, dtype=np.int64)
    c = constants.chirp(n, True)
    # (k^2 mod 2n) reduced in integers: |c| = 1 and c matches the float64 value of the reduced angle
    assert np.allclose(np.abs(c), 1.0)
    assert np.abs(c[-1] - np.exp(-1j * np.pi * float((k[-1] ** 2) % (2 * n)) / n)) < 1e-12


def test_lengths_past_the_limit_have_no_layout():
    with pytest.raises(ValueError, match="1 <= n <= 1048576"):
        algorithms.choose(2**20 + 1, 1)


# -- real data (n <= 128 so far) -----------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 7, 16, 97, 100, 128])
@pytest.mark.parametrize("batch", [1, 130])
def test_real_transforms_up_to_128(n, batch):
    """rfft/ihfft (r2c) and irfft/hfft (c2r): two real products per tile instead of four, onesided output;
    c2r ignores the imaginary parts of the DC and Nyquist bins as NumPy does."""
    x = random_array((batch, n), np.float32, seed=n)
    spec = random_array((batch, n // 2 + 1), np.complex64, seed=n + 1)
    norm = NORMS[(n + batch) % 3]
    for ours, ref, arg in ((numpy_fft.rfft, np.fft.rfft, x), (numpy_fft.ihfft, np.fft.ihfft, x),
                           (numpy_fft.irfft, np.fft.irfft, spec), (numpy_fft.hfft, np.fft.hfft, spec)):
        y = ours(arg, n, norm=norm, backend="nki-simulator")
        assert last_record().launches == 1 and last_record().instructions["tensor"] > 0
        want = ref(arg.astype(np.complex128 if np.iscomplexobj(arg) else np.float64), n, norm=norm)
        assert y.shape == want.shape and error(y, want) <= BOUND, ours.__name__


def test_real_2d_runs_as_passes_on_the_simulator():
    x = random_array((96, 80), np.float32, seed=5)
    y = numpy_fft.rfft2(x, backend="nki-simulator")
    assert error(y, np.fft.rfft2(x.astype(np.float64))) <= BOUND
    z = numpy_fft.irfft2(y, x.shape, backend="nki-simulator")
    assert error(z, x.astype(np.float64)) <= BOUND


# -- 2-D with both sides <= 128: one launch ------------------------------------------------------
@pytest.mark.parametrize("shape,axes", [((1, 1), (0, 1)), ((17, 31), (0, 1)), ((128, 96), (0, 1)),
                                        ((7, 128, 96), (1, 2)), ((5, 6, 7), (0, 2)), ((40, 3, 50), (2, 0))])
def test_2d_in_one_launch(shape, axes):
    """Two data-stationary matmul stages, no twiddles; several images per tile (the batch of 7
    128x96 images is ragged against 1 image per tile, 5x7 images pack 25 per tile)."""
    x = random_array(shape, np.complex64, seed=sum(shape))
    for ours, ref in ((numpy_fft.fftn, np.fft.fftn), (numpy_fft.ifftn, np.fft.ifftn)):
        for norm in NORMS:
            y = ours(x, axes=axes, norm=norm, backend="nki-simulator")
            assert last_record().launches == 1
            assert error(y, ref(x.astype(np.complex128), axes=axes, norm=norm)) <= BOUND
