"""benchmarks/run_on_trainium.sh: what can be checked without a Trainium (syntax, the dry run, its arguments)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "run_on_trainium.sh"
pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=60, cwd="/")


def test_the_script_parses():
    assert subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True).returncode == 0


def test_dry_run_prints_every_step_in_order_and_runs_none():
    out = _run("--dry-run", "--machine", "trn2-48xl", "--target", "trn2", "--quick")
    assert out.returncode == 0, out.stderr
    steps = [line for line in out.stdout.splitlines() if line.startswith("+ ")]
    order = ["pip install", "trnfft info", "pytest", "trnfft check --backends nki-hardware", "asv machine",
             "asv run", "benchmarks/report.py"]
    positions = [next(i for i, s in enumerate(steps) if key in s.replace("\\", "")) for key in order]
    assert positions == sorted(positions)
    text = out.stdout.replace("\\", "")
    assert "--trnfft-backends=nki-hardware" in text and "--machine trn2-48xl" in text and "--quick" in text
    pip = next(s for s in steps if "pip install" in s)
    assert "--constraint" not in pip           # the Neuron venv's torch must stay


def test_bad_arguments_are_usage_errors():
    assert _run("--bogus").returncode == 2
    out = _run("--dry-run", "--target", "trn9")
    assert out.returncode == 2 and "--target must be" in out.stderr


def test_the_tests_it_deselects_exist():
    ids = re.findall(r"^\s+(tests/\S+::\w+)$", SCRIPT.read_text(), re.M)
    assert len(ids) >= 4
    for node in ids:
        path, name = node.split("::")
        assert f"def {name}(" in (ROOT / path).read_text(), node


def test_help_is_the_whole_header_and_names_every_option_step_and_output():
    out = _run("--help")
    assert out.returncode == 0 and not out.stderr
    text = out.stdout
    assert "set -euo" not in text and not any(line.startswith("#") for line in text.splitlines())  # prose, no code
    options = set(re.findall(r"^\s+(--[a-z-]+)\)", SCRIPT.read_text(), re.M)) | {"-h"}
    for option in options | {"--help"}:
        assert option in text, option
    for step in ("pip install", "--trnfft-backends=nki-hardware", "trnfft check", "asv run", "benchmarks/report.py",
                 "stops at the first", "TRNFFT_CACHE_DIR", "reports/check-NAME.json", "docs/NAME/",
                 ".asv/results/NAME/", "Exit status"):
        assert step in text, step


def test_an_option_missing_its_value_is_a_usage_error_that_says_so():
    for option in ("--machine", "--target"):
        out = _run("--dry-run", option)
        assert out.returncode == 2 and f"{option} needs" in out.stderr and "--help" in out.stderr


def test_an_option_followed_by_another_option_is_not_taken_as_its_value():
    """``--machine --quick`` once named the machine "--quick" and ran no --quick."""
    for option in ("--machine", "--target"):
        out = _run("--dry-run", option, "--quick")
        assert out.returncode == 2 and f"{option} needs" in out.stderr and "'--quick'" in out.stderr, out.stderr
