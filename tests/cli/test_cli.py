"""The trnfft command: info and which (check is covered in test_crosscheck)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import trnfft
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


@pytest.mark.parametrize("function", ["hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn"])
def test_which_knows_the_hermitian_functions(function):
    # hfft* is the c2r transform of the conjugate and ihfft* the r2c one, each with the norm swapped
    inverse = function.startswith("i")
    w = trnfft.which(function, (4, 6), "float32" if inverse else "complex64", norm="forward")
    assert (w.problem.kind, w.problem.norm) == ("r2c" if inverse else "c2r", "backward")
    assert w.problem.axes == ((1,) if function[-1] not in "2n" else (0, 1))


def test_which_refuses_what_the_call_refuses():
    with pytest.raises(trnfft.InvalidDtypeError, match="expects a real input"):
        trnfft.which("rfft", (16,), "complex64")
    with pytest.raises(trnfft.InvalidDtypeError, match="expects a real input"):
        trnfft.numpy_fft.rfft(np.ones(16, np.complex64))
    with pytest.raises(trnfft.InvalidArgumentError, match="'gpu' is not a torch device"):
        trnfft.which("fft", (16,), "complex64", array="torch:gpu")
    for array in (None, 3):
        with pytest.raises(trnfft.InvalidArgumentTypeError, match="array must be a string"):
            trnfft.which("fft", (16,), "complex64", array=array)


def test_which_cli_takes_hfft(capsys):
    assert main(["which", "ihfft", "--dtype", "float64", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["problem"].startswith("r2c forward")


@pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental")  # torch's, making the tensor
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "complex32"])
def test_which_refuses_a_tensor_dtype_the_call_refuses(capsys, dtype):
    torch = pytest.importorskip("torch")
    with pytest.raises(trnfft.InvalidDtypeError) as call:
        trnfft.fft(torch.zeros(8, dtype=getattr(torch, dtype)))
    assert main(["which", "fft", "--dtype", dtype, "--array", "torch:cpu"]) == 2
    assert str(call.value).split(":")[0] in " ".join(capsys.readouterr().out.split())


def test_which_reads_a_tensor_dtype_as_torch_does():
    """torch promotes integer tensors to its default float (float32), where NumPy computes in double."""
    pytest.importorskip("torch")
    assert trnfft.which("fft", (8,), "int32", array="torch:cpu").problem.precision == "single"
    assert trnfft.which("fft", (8,), "int32").problem.precision == "double"


def test_which_takes_an_int_shape_as_one_axis_and_refuses_other_scalars():
    assert trnfft.which("fft", 8, "complex64").problem.shape == (8,)
    assert trnfft.which("fft", np.int64(9), "complex64").problem.shape == (9,)
    for shape in (8.0, None, "8"):
        with pytest.raises(trnfft.InvalidArgumentError, match="shape must be an int or a sequence of ints"):
            trnfft.which("fft", shape, "complex64")
