"""The tall four-step with n1 = 1: lengths 129..512 with a prime factor above 128 (131, 2 x 131 as 1 x 262, ...).

Its table holds F2's folded rows alone (no F1 = I_g, no twiddles: the identity is made on chip and the
normalisation is in F2's values), so at batch >= 64 its HBM traffic keeps the 2x target where Bluestein's
did not; accuracy against float64 in both directions with every normalisation, on odd n2 and an even one
(262 = 2 x 131), batch 1, one tile (64, 67) and a ragged last tile (130 = 128 + 2).
"""
from __future__ import annotations

import numpy as np
import pytest

import trnfft
from trnfft_backends.nki import algorithms, arguments, cost, executors, programs
from trnfft_backends.nki.kernels.tall_four_step import TallTable
from conftest import random_array

BOUND = 1e-6


def _error(n: int, batch: int, quarter: bool, forward: bool, scale: float) -> float:
    layout = algorithms.Layout("tall-four-step", n, (1, n), algorithms.tall_group(1, batch), quarter=quarter)
    kernel, args = arguments.kernel_arguments(layout, forward, scale)
    x = random_array((batch, n), np.complex64, seed=n + batch)
    xr, xi = x.real.copy(), x.imag.copy()
    y2 = executors.simulate(kernel, (xr, xi), *args)[0]
    assert np.array_equal(xr + 1j * xi, x)   # the input left as it was
    interleaved = executors.simulate(kernel, (x.view(np.float32),), *args)[0]   # one complex part, one DMA
    assert np.array_equal(interleaved, y2)
    x64 = x.astype(np.complex128)
    ref = scale * (np.fft.fft(x64, axis=1) if forward else n * np.fft.ifft(x64, axis=1))
    return float(np.linalg.norm(y2[0] + 1j * y2[1] - ref) / np.linalg.norm(ref))


@pytest.mark.parametrize("n,batch,quarter", [(131, 1, True), (131, 64, False), (131, 130, True), (509, 67, True),
                                             (262, 3, False), (193, 64, True)])
def test_single_row_tall_four_step_every_norm_both_directions(n, batch, quarter):
    for scale in (1.0, 1.0 / n, 1.0 / np.sqrt(n)):
        assert _error(n, batch, quarter, True, scale) <= BOUND
        assert _error(n, batch, quarter, False, scale) <= BOUND


def test_single_row_table_holds_f2_alone():
    table = TallTable(1, 131, 64, True)
    lo = 131 // 2 + 1
    assert table.merged and table.columns == 2 * (lo + 1) and table.rows == lo   # [Re F2 | Im F2], rows <= n2/2
    # and columns k <= n2/2 with k = lo (the merged store's one more mirrored row)
    values = arguments.kernel_arguments(algorithms.Layout("tall-four-step", 131, (1, 131), 64, quarter=True),
                                        True, 0.5)[1][0]
    assert values.size == table.hbm_elements == lo * 2 * (lo + 1) and np.isclose(values[0, 0], 0.5)   # scale in F2
    assert TallTable(1, 509, 64, True).hbm_elements == 255 * 2 * 255   # two chunks (128 + 127 rows), no padding


@pytest.mark.parametrize("n,batch", [(131, 64), (193, 1024), (509, 64)])
def test_prime_lengths_keep_the_hbm_target_at_large_batches(n, batch):
    """509 at batch 64: the table (F2's 255 folded rows, no padding row) is 1 KB under the input + output."""
    report = cost.fft_cost(n, batch)
    assert algorithms.choose(n, batch).factors == (1, n)
    assert report["fft"]["layout"].startswith("tall-four-step")
    assert report["fft"]["hbm_over_minimum"] <= 2.0
    assert report["fft"]["relative_error_vs_float64"] <= BOUND


def test_real_and_nd_programs_run_the_single_row_tall_four_step(trn1_target):
    """rfft of 262 points is a c2c step of 131 (``programs.r2c_step``); fftn's axis of 131 a c2c step too. At
    batch 8 the step forms F2's first columns on chip (ints[6]: ``formed``) of F2's first window, the others
    turned from it (ints[8]: ``turns``, ``TallTable.turned``), through the program's kernel too."""
    chip = algorithms.target_chip()
    for step in (programs.r2c_step(chip, 262, 8, 1.0), programs.c2r_step(chip, 262, 8, 1.0)):
        assert step[0][1] == "tall-four-step" and step[0][2][:6] == (1, 131, 8, False, False, False)
        assert step[0][2][6] > 0 and step[0][2][8] >= 2
    x = random_array((8, 262), np.float32, seed=262)
    y = trnfft.rfft(x, norm="ortho", backend="nki-simulator")
    ref = np.fft.rfft(x.astype(np.float64), norm="ortho")
    assert np.linalg.norm(y - ref) / np.linalg.norm(ref) <= BOUND
    back = trnfft.irfft(y, n=262, norm="ortho", backend="nki-simulator")
    assert np.linalg.norm(back - x) / np.linalg.norm(x) <= BOUND
    z = random_array((131, 6), np.complex64, seed=131)
    zf = trnfft.fftn(z, backend="nki-simulator")
    ref = np.fft.fftn(z.astype(np.complex128))
    assert np.linalg.norm(zf - ref) / np.linalg.norm(ref) <= BOUND
