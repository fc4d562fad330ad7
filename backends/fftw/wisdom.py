"""FFTW wisdom kept in a user cache file, so planning cost is paid once per machine.

The file is JSON: the pyFFTW version and the three wisdom strings (double,
single, long double). A file from another pyFFTW version, or an unreadable
one, is ignored rather than trusted.
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path

_lock = threading.Lock()
_saved: tuple = ()  # what this process last wrote, to skip rewriting unchanged wisdom


def load(path: Path, pyfftw) -> bool:
    """Import wisdom from ``path`` if it is there and ours; True when something loaded."""
    try:
        data = json.loads(path.read_text())
        if data.get("pyfftw") != pyfftw.__version__:
            return False
        wisdom = tuple(s.encode("ascii") for s in data["wisdom"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    return any(pyfftw.import_wisdom(wisdom))


def save(path: Path, pyfftw) -> None:
    """Write everything FFTW knows now to ``path`` atomically, if it changed (best effort)."""
    global _saved
    with _lock:
        current = (str(path), pyfftw.export_wisdom())
        if current == _saved:
            return
        try:
            wisdom = [w.decode("ascii") for w in current[1]]
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".wisdom-")
            with os.fdopen(fd, "w") as fh:
                json.dump({"pyfftw": pyfftw.__version__, "wisdom": wisdom}, fh)
            os.replace(tmp, path)
            _saved = current
        except OSError:
            pass  # a read-only cache directory only costs planning time
