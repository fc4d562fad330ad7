"""trnfft's per-user cache directory and the one safe way to replace a file in it.

What is learnt once per machine (FFTW wisdom, the planner's backend choices)
lives in ``TRNFFT_CACHE_DIR`` (default ``$XDG_CACHE_HOME/trnfft`` or
``~/.cache/trnfft``). Files there are shared by every process of the user, so
they are only ever replaced whole: written to a temp file beside them and
renamed over them, which readers see as either the old or the new file.
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

CACHE_DIR_ENV = "TRNFFT_CACHE_DIR"


def cache_dir() -> Path:
    """The directory trnfft keeps what it learns about this machine in."""
    explicit = os.environ.get(CACHE_DIR_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "trnfft"


def load_json(path: Path, error: type[Exception]) -> Any:
    """The JSON value in ``path``; None when there is no such file (or directory above it).

    Raises ``error`` (an exception class taking the reason) when the file cannot be
    read or is not JSON."""
    try:
        text = path.read_text(encoding="ascii")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot be read ({exc})") from None
    try:
        return json.loads(text)
    except ValueError:
        raise error("is not JSON") from None


def write_atomically(path: Path, text: str, prefix: str = ".trnfft-") -> None:
    """Write a temp file next to ``path`` and rename it over ``path``; never leave the temp file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def file_stamp(path: Path) -> tuple[int, int] | None:
    """(mtime_ns, size) of ``path``, None when it is absent: tells whether another process wrote it."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def set_aside(path: Path) -> Path:
    """Move an unusable file to ``<name>.unusable`` (a per-process name if that is a directory).

    Returns where it went; raises OSError when it cannot be moved."""
    aside = path.with_name(path.name + ".unusable")
    if aside.is_dir() and not path.is_dir():
        aside = path.with_name(f"{path.name}.unusable-{os.getpid()}")
    os.replace(path, aside)
    return aside


def set_aside_with_warning(path: Path, what: str, why: str, keeps: str) -> bool:
    """Move the unusable ``what`` file at ``path`` aside with one warning saying ``why``.

    Returns False when it could not be moved (then ``keeps`` will not be saved)."""
    try:
        done, moved = f"moved it to {set_aside(path)} and will write a new one", True
    except OSError as exc:
        done, moved = f"could not move it aside ({exc}), so {keeps} will not be saved", False
    warnings.warn(f"{what} file {path} {why}; {done}", RuntimeWarning)
    return moved
