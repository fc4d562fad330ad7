"""Rough edges a new user hits: bad CLI flags, closed pipes, help text, README truths."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import trnfft
from trnfft import errors, numpy_fft
from trnfft.cli import build_parser, main
from trnfft.core.registry import REGISTRY

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.mark.parametrize("argv, complaint", [
    (["which", "fft", "--shape", "abc"], "comma-separated positive integers"),
    (["which", "fft", "--shape", "64,0"], "comma-separated positive integers"),
    (["which", "fft", "--axes", "x"], "comma-separated integers"),
    (["which", "fftq"], "invalid choice"),
    (["check", "--c", "-1", "--sizes", "8"], "positive number"),
])
def test_bad_flags_are_usage_errors_not_tracebacks(argv, complaint, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert complaint in capsys.readouterr().err


@pytest.mark.parametrize("flag, name, complaint", [
    ("--json", "missing/x.json", "the directory .* does not exist"),
    ("--json", ".", "is a directory"),
    ("--plot", "x.txt", "must end in one of .*png"),
    ("--plot", "missing/x.png", "does not exist"),
])
def test_check_refuses_an_unwritable_report_before_the_sweep(flag, name, complaint, tmp_path, monkeypatch,
                                                            capsys):
    import trnfft.check.report as report
    monkeypatch.setattr(report, "check_problem", lambda *a, **k: pytest.fail("the sweep ran"))
    assert main(["check", "--sizes", "8", "--no-progress", flag, str(tmp_path / name)]) == 2
    assert re.search(complaint, capsys.readouterr().out.replace("\n", ""))


def test_cost_with_a_zero_dimension_is_a_usage_error(capsys):
    if "cost" not in build_parser()._subparsers._group_actions[0].choices:
        pytest.skip("the nki plugin (which adds `trnfft cost`) is not loaded")
    with pytest.raises(SystemExit) as exc:
        main(["cost", "gemm", "--n", "0"])
    assert exc.value.code == 2 and "positive integer" in capsys.readouterr().err


def test_which_with_an_unknown_dtype_is_a_clean_error(capsys):
    assert main(["which", "fft", "--dtype", "complex65"]) == 2
    assert "unknown dtype 'complex65'" in capsys.readouterr().out


def test_json_output_survives_a_closed_pipe():
    # the reader has exited before trnfft writes a byte: every write meets a closed pipe
    cmd = (f"({sys.executable} -c 'import time; time.sleep(0.3)'; "
           f"exec {sys.executable} -m trnfft.cli info --json) | true; echo ${{PIPESTATUS[0]}}")
    run = subprocess.run(["/bin/bash", "-c", cmd], capture_output=True, text=True)
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr, run.stderr
    assert run.stdout.strip() == "0"


def test_which_help_documents_every_option_and_its_default():
    which = build_parser()._subparsers._group_actions[0].choices["which"]
    for action in which._actions:
        if action.dest == "help":
            continue
        assert action.help, f"{action.dest} has no help"
        assert "default" in action.help, f"{action.dest}'s help does not give its default"


@pytest.mark.parametrize("fn", [numpy_fft.fft, trnfft.fft, numpy_fft.rfft])
def test_string_input_is_called_a_string_not_a_scalar(fn):
    with pytest.raises(trnfft.InvalidDtypeError, match="numeric") as exc:
        fn("abc")
    assert "scalar" not in str(exc.value)


def test_numeric_scalar_input_still_says_0_d():
    with pytest.raises(trnfft.InvalidArgumentError, match="0-d scalar"):
        numpy_fft.fft(3.0)


def test_readme_first_example_runs():
    pytest.importorskip("torch")
    code = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["a"].shape == (64, 33)


def test_make_check_installs_torch_for_that_example():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    run_install = makefile.split("$(VENV)/.run-installed:")[1].split("\n\n")[0]
    assert "torch" in run_install and "--constraint constraints.txt" in makefile


def test_readme_statement_on_builtin_bases_is_true():
    assert issubclass(errors.InvalidArgumentError, ValueError)
    assert issubclass(errors.InvalidDtypeError, TypeError)
    assert issubclass(errors.InvalidArgumentTypeError, TypeError)
    assert issubclass(errors.InvalidAxisError, IndexError)
    assert issubclass(errors.SpectrogramArgumentError, ValueError)
    assert issubclass(errors.SpectrogramArgumentError, RuntimeError)
    for cls in (errors.BackendError, errors.BackendUnavailableError, errors.UnsupportedProblemError):
        assert issubclass(cls, RuntimeError)
    assert issubclass(errors.UnknownBackendError, RuntimeError)
    assert issubclass(errors.UnknownBackendError, ValueError)
    assert issubclass(errors.CrossCheckError, AssertionError)
    from trnfft.distributed.errors import DistributedMismatchError, RankFailedError
    assert issubclass(RankFailedError, RuntimeError) and issubclass(DistributedMismatchError, ValueError)
    for name in ("InvalidArgumentError", "InvalidDtypeError", "BackendError", "CrossCheckError"):
        assert f"`{name}`" in README


def test_every_alias_is_documented():
    builtin = {a for r in REGISTRY.records().values() if r.builtin for a in r.aliases}
    assert {"nki", "fftw", "numpy"} <= builtin
    for alias in builtin:
        assert f"`{alias}`" in README, alias
    assert np.allclose(numpy_fft.fft(np.ones(4), backend="numpy"), 4 * np.eye(4)[0])
