"""The example plugin (examples/trnfft-example-backend, installed by `make test`) works end to end."""
from __future__ import annotations

import json

import numpy as np
import pytest

import trnfft
from trnfft.cli import main
from trnfft.core.errors import UnsupportedProblemError

NAME = "example-dft"


def test_it_is_installed_and_listed_by_trnfft_info(capsys):
    assert main(["info", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["backends"]}
    assert NAME in rows, "run `make test`: it installs examples/trnfft-example-backend"
    assert rows[NAME]["available"] and rows[NAME]["capabilities"]["kinds"] == ["c2c"]


def test_its_alias_and_its_place_in_auto():
    from trnfft.core.registry import REGISTRY
    assert REGISTRY.canonical("dft") == NAME
    assert REGISTRY.auto_order()[-1] == NAME  # priority 10: after numpy-reference


@pytest.mark.parametrize("n", [1, 2, 7, 16, 45, 61, 64])
@pytest.mark.parametrize("dtype,tol", [(np.complex128, 1e-13), (np.complex64, 1e-5)])
def test_it_computes_the_dft(n, dtype, tol):
    rng = np.random.default_rng(n)
    x = (rng.standard_normal((3, n)) + 1j * rng.standard_normal((3, n))).astype(dtype)
    x_before = x.copy()
    ref = np.fft.fft(x.astype(np.complex128), norm="ortho")  # float64 reference
    y = trnfft.numpy_fft.fft(x, norm="ortho", backend=NAME)
    assert y.dtype == dtype and np.array_equal(x, x_before)
    assert np.linalg.norm(y - ref) / np.linalg.norm(ref) < tol
    back = trnfft.numpy_fft.ifft(y, norm="ortho", backend="dft")
    assert np.linalg.norm(back - x) / np.linalg.norm(x) < tol


def test_a_2d_problem_runs_as_1d_passes():
    x = np.random.default_rng(0).standard_normal((5, 6)) + 0j
    y = trnfft.numpy_fft.fft2(x, backend=NAME)
    assert np.linalg.norm(y - np.fft.fft2(x)) / np.linalg.norm(np.fft.fft2(x)) < 1e-13
    assert trnfft.which("fft2", (5, 6), "complex128", backend=NAME).passes == 2


def test_it_declines_large_sizes_with_its_reason():
    with pytest.raises(UnsupportedProblemError, match=r"example-dft: size 65 above the maximum 64"):
        trnfft.numpy_fft.fft(np.ones(65, complex), backend=NAME)
    with pytest.raises(UnsupportedProblemError, match="kind r2c not supported"):
        trnfft.numpy_fft.rfft(np.ones(8), backend=NAME)
    y = trnfft.numpy_fft.fft(np.ones(65, complex), backend=f"{NAME},numpy-reference")
    assert np.allclose(y, 65 * np.eye(65)[0])


def test_trnfft_check_passes_on_it(tmp_path):
    path = tmp_path / "check.json"
    assert main(["check", "--backends", NAME, "--sizes", "8,13,64,65", "--kinds", "c2c",
                 "--no-progress", "--json", str(path)]) == 0
    report = json.loads(path.read_text())
    problems = report["problems"]
    assert report["passed"] and len(problems) == 8  # 4 sizes x 2 precisions
    for p in problems:
        r = p["results"][0]
        if p["n"][0] <= 64:
            assert r["passed"] and r["error"] <= p["tolerance"], p
        else:
            assert r["error"] is None and "size 65 above the maximum 64" in r["declined"], p
