"""Backend lists fall back over entries that are unavailable here or decline the problem."""
from __future__ import annotations

import json

import numpy as np
import pytest

import trnfft
from trnfft import numpy_fft
from trnfft.cli import main
from trnfft.core.errors import BackendUnavailableError, UnknownBackendError, UnsupportedProblemError
from conftest import assert_close, random_array

UNAVAILABLE = "nki-hardware"  # registered, but no Trainium on the machines this suite runs on


@pytest.fixture(autouse=True)
def _needs_an_unavailable_backend():
    rows = {r["name"]: r for r in trnfft.backends_info()}
    if UNAVAILABLE not in rows or rows[UNAVAILABLE]["available"]:
        pytest.skip(f"{UNAVAILABLE} is available (or not registered) here")


def test_set_backend_list_skips_an_unavailable_entry():
    trnfft.set_backend(f"{UNAVAILABLE},numpy-reference")
    assert trnfft.which("fft", (64,)).backend == "numpy-reference"
    x = np.arange(64.0)
    assert np.allclose(trnfft.numpy_fft.fft(x), np.fft.fft(x))


def test_use_backend_list_skips_an_unavailable_entry_and_records_why():
    with trnfft.use_backend(["nki", "fftw-reference"]) as sel:
        assert sel.names == ("fftw-reference",)
        assert sel.skipped and sel.skipped[0][0] == "nki"
        assert numpy_fft.fft(np.ones(8)).shape == (8,)


def test_a_single_unavailable_name_still_raises_and_names_the_list_form():
    with pytest.raises(BackendUnavailableError, match=f"'{UNAVAILABLE},fftw-reference'"):
        trnfft.set_backend(UNAVAILABLE)


def test_a_list_with_nothing_available_raises():
    with pytest.raises(BackendUnavailableError, match=f"none of the listed backends.*{UNAVAILABLE}: .*nki: "):
        trnfft.set_backend(f"{UNAVAILABLE},nki")


def test_an_unknown_name_in_a_list_is_still_an_error():
    with pytest.raises(UnknownBackendError):
        trnfft.set_backend("fftw-referenc,numpy-reference")


def test_which_reports_skipped_and_declining_entries():
    w = trnfft.which("rfft", (2**20 + 2,), "float32", backend=f"{UNAVAILABLE},nki-simulator,fftw-reference")
    assert w.backend == "fftw-reference"
    assert w.skipped[0].startswith(f"{UNAVAILABLE}: unavailable")
    assert w.skipped[1].startswith("nki-simulator: declined") and "1048576" in w.skipped[1]


def test_cli_which_and_info_say_what_was_skipped(capsys, monkeypatch):
    assert main(["which", "fft", "--shape", "64", "--json",
                 "--backend", f"{UNAVAILABLE},numpy-reference"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["backend"] == "numpy-reference" and out["skipped"][0].startswith(UNAVAILABLE)
    monkeypatch.setenv("TRNFFT_BACKEND", f"{UNAVAILABLE},numpy-reference")
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["skipped"] and info["skipped"][0].startswith(f"{UNAVAILABLE}: unavailable")


def test_unsupported_error_for_a_single_name_names_the_list_form():
    if "nki-simulator" not in {r["name"] for r in trnfft.backends_info() if r["available"]}:
        pytest.skip("nki-simulator is not available")
    from trnfft.core.registry import REGISTRY
    fallback = next(n for n in REGISTRY.auto_order()  # the first other one auto could pick
                    if n != "nki-simulator" and REGISTRY.get(n).availability().available)
    assert fallback == "fftw-reference"
    with pytest.raises(UnsupportedProblemError, match=f"'nki-simulator,{fallback}'"):
        numpy_fft.rfft(np.ones(2**20 + 2, np.float32), backend="nki-simulator")


def test_auto_falls_through_what_its_pick_declines_but_a_named_backend_does_not(monkeypatch):
    # on a Trainium host (or with the simulator switched on) auto's pick declines double precision
    monkeypatch.setenv("TRNFFT_USE_SIMULATOR", "1")
    trnfft.plan_cache.clear()
    x = random_array(16, np.complex128)
    assert trnfft.which("fft", (16,), "complex64").backend == "nki-simulator"
    y = numpy_fft.fft(x)
    assert y.dtype == np.complex128
    assert_close(y, np.fft.fft(x), np.complex128, 16)
    w = trnfft.which("fft", (16,), "complex128")
    assert w.backend != "nki-simulator" and "declines this problem" in w.source
    assert any(s.startswith("nki-simulator: declined (double precision") for s in w.skipped)
    with pytest.raises(UnsupportedProblemError, match="nki-simulator: double precision not supported"):
        numpy_fft.fft(x, backend="nki-simulator")
    trnfft.plan_cache.clear()
