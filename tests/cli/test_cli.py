"""The trnfft command: info and which (check is covered in test_crosscheck)."""
from __future__ import annotations

import json
import subprocess
import sys

from trnfft.cli import main


def test_info_json_lists_backends_and_auto(capsys):
    assert main(["info", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["name"]: r for r in data["backends"]}
    assert rows["fftw-reference"]["available"] and rows["numpy-reference"]["available"]
    assert rows["fftw-reference"]["version"].startswith("pyfftw")
    assert data["auto"] == "fftw-reference"


def test_info_table_runs_as_a_console_script():
    out = subprocess.run([sys.executable, "-m", "trnfft.cli", "info"], capture_output=True, text=True,
                         check=True).stdout
    assert "fftw-reference" in out and "numpy-reference" in out and "auto picks here" in out


def test_which(capsys):
    assert main(["which", "rfft2", "--shape", "64,32", "--dtype", "float32", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["backend"] == "fftw-reference" and data["source"] == "auto"
    assert main(["which", "fft", "--backend", "numpy"]) == 0
    assert "numpy-reference" in capsys.readouterr().out


def test_which_says_the_conversion_a_tensor_pays(capsys):
    assert main(["which", "fft", "--array", "torch:cpu", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["array"] == "torch:cpu" and data["conversion"].startswith("view")
    assert main(["which", "fft", "--array", "torch:meta", "--backend", "torch-native"]) == 0
    assert "torch:meta input, conversion: none" in capsys.readouterr().out
    assert main(["which", "fft", "--array", "torch:meta", "--backend", "numpy-reference"]) == 2
    assert "select one that does: torch-native" in capsys.readouterr().out


def test_which_unknown_backend_is_a_clean_error(capsys):
    assert main(["which", "fft", "--backend", "cufft"]) == 2
    assert "unknown trnfft backend 'cufft'" in capsys.readouterr().out
