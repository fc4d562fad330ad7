"""Backend selection: priority order, context-locality, "nki" and "auto", clear errors."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import trnfft
from trnfft.core.errors import BackendUnavailableError, UnknownBackendError
from conftest import matmul_plugin


def chosen(backend=None):
    return trnfft.which("fft", (64,), "complex64", backend=backend)


def test_auto_prefers_fftw_here():
    w = chosen()
    assert (w.backend, w.source) == ("fftw-reference", "auto")
    assert trnfft.get_backend() == "auto"


def test_priority_order(monkeypatch):
    monkeypatch.setenv("TRNFFT_BACKEND", "numpy-reference")
    assert (chosen().backend, chosen().source) == ("numpy-reference", "TRNFFT_BACKEND=numpy-reference")
    trnfft.set_backend("fftw")
    assert (chosen().backend, chosen().source) == ("fftw-reference", "set_backend()")
    with trnfft.use_backend("numpy"):
        assert chosen().source == "use_backend() context"
        assert chosen().backend == "numpy-reference"
        assert chosen("fftw-reference").backend == "fftw-reference"
        assert chosen("fftw-reference").source == "backend= argument"
    trnfft.set_backend(None)
    assert chosen().backend == "numpy-reference"


def test_use_backend_is_thread_local():
    seen = {}
    barrier = threading.Barrier(2)

    def worker(name):
        with trnfft.use_backend(name):
            barrier.wait()
            seen[name] = chosen().backend
            barrier.wait()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("numpy-reference", "fftw-reference")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"numpy-reference": "numpy-reference", "fftw-reference": "fftw-reference"}
    assert chosen().backend == "fftw-reference"


def test_unknown_backend_names_the_known_ones():
    with pytest.raises(UnknownBackendError, match="'cufft'.*fftw-reference.*numpy-reference"):
        trnfft.set_backend("cufft")
    with pytest.raises(UnknownBackendError):
        trnfft.fft(np.ones(4), backend="cufft")


def test_nki_without_hardware_or_simulator_says_which_to_provide():
    with pytest.raises(BackendUnavailableError, match="TRNFFT_USE_SIMULATOR=1") as exc:
        trnfft.set_backend("nki")
    assert "nki-hardware" in str(exc.value) and "Trainium" in str(exc.value)


def test_simulator_env_routes_to_nki_simulator(monkeypatch, install_plugin):
    monkeypatch.setenv("TRNFFT_LOAD_BACKENDS", "fake-nki,numpy-reference")
    install_plugin("fake-nki", matmul_plugin("nki-simulator", claims=(
        ', aliases=("nki",), auto_priority=300, when=EnvSwitch("TRNFFT_USE_SIMULATOR")')))
    monkeypatch.setenv("TRNFFT_USE_SIMULATOR", "1")
    w = trnfft.which()
    assert (w.backend, w.source) == ("nki-simulator", "TRNFFT_USE_SIMULATOR=1")
    trnfft.set_backend("nki")
    assert chosen().backend == "nki-simulator"
    monkeypatch.delenv("TRNFFT_USE_SIMULATOR")
    with pytest.raises(BackendUnavailableError, match="TRNFFT_USE_SIMULATOR=1"):
        trnfft.set_backend("nki")


def test_simulator_env_without_the_nki_plugin_means_nothing_to_the_core(monkeypatch):
    """The variable is the NKI plugin's switch: without that plugin "auto" is unchanged and
    "nki" is an unknown name (the error lists the names that are registered)."""
    monkeypatch.setenv("TRNFFT_LOAD_BACKENDS", "fftw-reference,numpy-reference")
    monkeypatch.setenv("TRNFFT_USE_SIMULATOR", "1")
    trnfft.reload_backends()
    try:
        assert (chosen().backend, chosen().source) == ("fftw-reference", "auto")
        with pytest.raises(UnknownBackendError, match="'nki'.*fftw-reference, numpy-reference"):
            trnfft.fft(np.ones(8), backend="nki")
    finally:
        monkeypatch.undo()
        trnfft.reload_backends()


def test_explicit_backend_never_falls_back_silently():
    with pytest.raises(UnknownBackendError):
        with trnfft.use_backend("does-not-exist"):
            pass


def test_unavailable_backend_error_names_reason_and_fix(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_pyfftw(name, *args, **kwargs):
        if name == "pyfftw":
            raise ImportError("No module named 'pyfftw'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyfftw)
    trnfft.reload_backends()
    try:
        with pytest.raises(BackendUnavailableError, match="fftw-reference.*pyFFTW.*pip install pyfftw"):
            trnfft.set_backend("fftw-reference")
        assert chosen().backend == "numpy-reference"  # auto moves on to the next one
    finally:
        monkeypatch.undo()
        trnfft.reload_backends()


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_a_switch_set_to_neither_on_nor_off_is_an_error_for_auto_and_aliases(monkeypatch, value):
    monkeypatch.setenv("TRNFFT_USE_SIMULATOR", value)
    for spec in (None, "nki", "numpy-reference,nki"):
        with pytest.raises(trnfft.BackendSettingError,
                           match=f"TRNFFT_USE_SIMULATOR='{value}' is neither on \\(1, true, yes, on\\) nor off"):
            trnfft.numpy_fft.fft(np.ones(8, np.complex64), backend=spec)
    # a backend's own name does not depend on the switch
    assert trnfft.which("fft", (8,), "complex64", backend="numpy-reference").backend == "numpy-reference"


@pytest.mark.parametrize("value,nki", [("YES", "nki-simulator"), (" on ", "nki-simulator"), ("off", "nki-hardware"),
                                       ("0", "nki-hardware"), ("", "nki-hardware")])
def test_the_switch_words_are_read_as_on_or_off(monkeypatch, value, nki):
    from trnfft.core.registry import REGISTRY
    monkeypatch.setenv("TRNFFT_USE_SIMULATOR", value)
    assert REGISTRY.canonical("nki") == nki and REGISTRY.switch_errors() == []
