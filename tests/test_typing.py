"""The package is typed (PEP 561) and mypy-clean, so users' type checkers can trust it.

Runs ``python -m mypy trnfft backends`` (configured in pyproject.toml) the way a
developer would; the incremental cache in .mypy_cache makes re-runs take seconds.
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_py_typed_markers_are_shipped() -> None:
    for package in ("trnfft", "backends"):
        assert (ROOT / package / "py.typed").is_file(), f"{package}/py.typed is missing"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'trnfft = ["py.typed"]' in pyproject and 'trnfft_backends = ["py.typed"]' in pyproject


def test_mypy_is_clean() -> None:
    run = subprocess.run([sys.executable, "-m", "mypy", "trnfft", "backends"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"mypy found type errors:\n{run.stdout}{run.stderr}"
