"""An invalid NKI setting (TRNFFT_NKI_TARGET, TRNFFT_NKI_MATMUL, TRNFFT_NKI_ENGINE) is an error naming the
variable and its accepted values wherever the NKI kernels were asked for: never a quiet run on FFTW."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import trnfft
from trnfft import BackendSettingError

BAD = [("TRNFFT_NKI_TARGET", "trn9", "expected one of trn1, trn2"),
       ("TRNFFT_NKI_MATMUL", "fp8", "expected one of fp32, bf16")]


@pytest.mark.parametrize("variable,value,accepted", BAD)
def test_auto_with_the_simulator_on_raises_for_a_bad_setting(monkeypatch, variable, value, accepted):
    monkeypatch.setenv("TRNFFT_USE_SIMULATOR", "1")
    monkeypatch.setenv(variable, value)
    with pytest.raises(BackendSettingError, match=f"{variable}='{value}': {accepted}"):
        trnfft.numpy_fft.fft(np.ones(4097, np.complex64))
    with pytest.raises(BackendSettingError, match=variable):
        trnfft.which("fft", (4097,), "complex64")


@pytest.mark.parametrize("variable,value,accepted", BAD)
def test_a_bad_setting_made_mid_process_is_reported_at_the_next_call(monkeypatch, variable, value, accepted):
    monkeypatch.setenv("TRNFFT_USE_SIMULATOR", "1")
    x = np.ones(4097, np.complex64)
    trnfft.numpy_fft.fft(x)  # the selection is memoised now
    monkeypatch.setenv(variable, value)
    with pytest.raises(BackendSettingError, match=f"{variable}='{value}': {accepted}"):
        trnfft.numpy_fft.fft(x)
    monkeypatch.delenv(variable)
    assert trnfft.which("fft", (4097,), "complex64").backend == "nki-simulator"


def test_trnfft_info_says_why_auto_has_no_pick(monkeypatch, capsys):
    from trnfft.cli import main
    monkeypatch.setenv("TRNFFT_USE_SIMULATOR", "1")
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn9")
    assert main(["info", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "TRNFFT_NKI_TARGET='trn9'" in out["auto"] and not out["auto"].startswith("fftw")
    assert any("TRNFFT_NKI_TARGET='trn9'" in line for line in out["skipped"])


def test_without_the_simulator_a_bad_target_leaves_a_machine_without_neuron_on_its_host_backends(monkeypatch):
    """nki-hardware is missing here whatever the target says: it is reported missing, not misconfigured."""
    monkeypatch.delenv("TRNFFT_USE_SIMULATOR", raising=False)
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn9")
    avail = trnfft.backends_info()
    row = next(r for r in avail if r["name"] == "nki-hardware")
    assert not row["available"] and "Neuron" in row["reason"] + row["fix"]
    assert trnfft.which("fft", (64,), "complex64").backend != "nki-hardware"


def test_an_unusable_engine_is_an_error_naming_the_variable():
    """TRNFFT_NKI_ENGINE is read as the plugin imports: a fresh interpreter."""
    env = {**os.environ, "TRNFFT_USE_SIMULATOR": "1", "TRNFFT_NKI_ENGINE": "gpu"}
    code = ("import numpy as np, trnfft\n"
            "try:\n    trnfft.numpy_fft.fft(np.ones(8, np.complex64))\n"
            "except trnfft.TrnfftError as e:\n    print(type(e).__name__, e)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120).stdout
    assert out.startswith("BackendSettingError") and "TRNFFT_NKI_ENGINE must be auto, real or emulator" in out


def test_engine_real_without_nki_leaves_auto_alone_while_the_simulator_is_off():
    """nki-hardware needs the real nki anyway: without it, it is missing (auto runs on the host backends);
    an invalid value is an error whatever the simulator switch says."""
    from trnfft_backends.nki.engine import real_nki
    if real_nki()[0] is not None:
        pytest.skip("the real nki is installed here: TRNFFT_NKI_ENGINE=real is met")
    code = ("import trnfft\n"
            "try:\n    print(trnfft.which('fft', (8,), 'complex64').backend)\n"
            "except trnfft.TrnfftError as e:\n    print(type(e).__name__, e)\n")
    env = {k: v for k, v in os.environ.items() if k != "TRNFFT_USE_SIMULATOR"}
    real = subprocess.run([sys.executable, "-c", code], env={**env, "TRNFFT_NKI_ENGINE": "real"},
                          capture_output=True, text=True, timeout=120).stdout
    bogus = subprocess.run([sys.executable, "-c", code], env={**env, "TRNFFT_NKI_ENGINE": "gpu"},
                           capture_output=True, text=True, timeout=120).stdout
    assert not real.startswith("BackendSettingError") and not real.startswith("nki")
    assert bogus.startswith("BackendSettingError") and "TRNFFT_NKI_ENGINE must be" in bogus


def cost_fft(tmp_path, engine: str) -> subprocess.CompletedProcess:
    """``trnfft cost fft`` in a fresh interpreter with ``TRNFFT_NKI_ENGINE=engine`` and the real nki absent
    (a placeholder package that raises on import, as PyPI's ``nki`` does)."""
    site = tmp_path / "site" / "nki"
    site.mkdir(parents=True)
    (site / "__init__.py").write_text("raise ImportError('placeholder nki: not the Neuron SDK')\n")
    env = {**os.environ, "TRNFFT_NKI_ENGINE": engine, "TRNFFT_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "trnfft.cli", "cost", "fft", "--n", "64", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)


def test_cost_runs_on_the_emulator_when_engine_real_is_unmet_with_a_note(tmp_path):
    run = cost_fft(tmp_path, "real")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["fft"]["relative_error_vs_float64"] < 1e-5   # the figures, as always
    notes = [line for line in run.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "TRNFFT_NKI_ENGINE=real but the real NKI is unavailable" in notes[0], run.stderr
    assert "bundled emulator" in notes[0] and "could not add its commands" not in run.stderr


def test_cost_under_an_invalid_engine_value_is_an_error_naming_the_variable(tmp_path):
    run = cost_fft(tmp_path, "gpu")
    said = " ".join((run.stdout + run.stderr).split())
    assert run.returncode == 2 and '"fft"' not in run.stdout, run   # an error, not figures
    assert "error: TRNFFT_NKI_ENGINE must be auto, real or emulator, got 'gpu'" in said
    assert "not available here" not in said and "could not add its commands" not in said
