"""FFTW wisdom kept in a user cache file, so planning cost is paid once per machine.

The file is JSON: the pyFFTW version and the three wisdom strings (double,
single, long double). It is read once per process, before the first plan.
New wisdom is written back in batches, at most every ``SAVE_INTERVAL`` seconds
while planning goes on and once more at exit, never after every plan: each
save exports and rewrites all of it, so saving per plan made planning slower
as the file grew. A save first merges in what other processes wrote since,
and replaces the file atomically.

A file from another pyFFTW version is not trusted and is replaced by the next
save. Any other unusable file (not JSON, wrong layout, wisdom FFTW rejects, a
directory) is moved aside to ``<name>.unusable`` with one warning and then
replaced. A cache directory that cannot be written only costs planning time:
one warning, and no more attempts. Every FFTW call here holds ``FFTW_LOCK``.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from trnfft.plugin import file_stamp, load_json, set_aside_with_warning, write_atomically

from .fftw_lock import FFTW_LOCK

SAVE_INTERVAL = 10.0  # seconds between saves while new plans keep coming
EXIT_LOCK_TIMEOUT = 10.0  # at exit, give up on saving rather than wait on a stuck planner


class UnusableWisdom(Exception):
    """The wisdom file exists but cannot be used."""


def read(path: Path, pyfftw: Any) -> tuple[bytes, ...] | None:
    """The wisdom strings stored at ``path``; None if absent or from another pyFFTW.

    Raises UnusableWisdom for anything else that is not a well-formed file.
    """
    data = load_json(path, UnusableWisdom)
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pyfftw"), str):
        raise UnusableWisdom("is not a trnfft wisdom file")
    if data["pyfftw"] != pyfftw.__version__:
        return None
    strings = data.get("wisdom")
    if (not isinstance(strings, list) or len(strings) != 3
            or not all(isinstance(s, str) for s in strings)):
        raise UnusableWisdom("does not hold the three wisdom strings (double, single, long double)")
    try:
        return tuple(s.encode("ascii") for s in strings)
    except UnicodeEncodeError:
        raise UnusableWisdom("holds text that is not wisdom (non-ASCII)") from None


def load(path: Path, pyfftw: Any) -> bool:
    """Import the wisdom at ``path``; True when it loaded, False when there was none to use.

    Raises UnusableWisdom when the file is there but broken or FFTW rejects it.
    """
    strings = read(path, pyfftw)
    if strings is None:
        return False
    with FFTW_LOCK:
        accepted = pyfftw.import_wisdom(strings)
    if not all(ok for ok, s in zip(accepted, strings) if s):
        raise UnusableWisdom("holds wisdom FFTW rejects")
    return True


class WisdomFile:
    """One wisdom path: loaded once, saved in batches and at exit, never fatal."""

    def __init__(self, path: Path, pyfftw: Any) -> None:
        self.path = path
        self._pyfftw = pyfftw
        self._lock = threading.Lock()
        self._loaded = False
        self._dirty = False
        self._broken = False  # a write failed: stop trying
        self._last_save = time.monotonic()
        self._seen: tuple[int, int] | None = None  # (mtime_ns, size) of the file we last read or wrote

    def load_once(self) -> None:
        """Read the file before the first plan; set an unusable one aside."""
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            try:
                load(self.path, self._pyfftw)
            except UnusableWisdom as why:
                self._set_aside(str(why))
            self._seen = file_stamp(self.path)
            self._loaded = True

    def planned(self) -> None:
        """Note that planning may have added wisdom; save if the last save is old enough."""
        self._dirty = True
        if time.monotonic() - self._last_save >= SAVE_INTERVAL:
            self.save()

    def save(self, lock_timeout: float = -1) -> None:
        """Merge in other processes' wisdom, export everything, replace the file atomically."""
        with self._lock:
            if not self._dirty or self._broken:
                return
            self._dirty = False
            self._last_save = time.monotonic()
            if file_stamp(self.path) != self._seen:
                with contextlib.suppress(UnusableWisdom):  # someone else's broken file: overwrite it
                    load(self.path, self._pyfftw)
            if not FFTW_LOCK.acquire(timeout=lock_timeout):
                return
            try:
                strings = self._pyfftw.export_wisdom()
            finally:
                FFTW_LOCK.release()
            data = {"pyfftw": self._pyfftw.__version__, "wisdom": [s.decode("ascii") for s in strings]}
            try:
                write_atomically(self.path, json.dumps(data), prefix=".wisdom-")
            except OSError as exc:
                self._broken = True
                warnings.warn(f"cannot save FFTW wisdom to {self.path} ({exc}); planning "
                              f"results will not be kept for the next process", RuntimeWarning)
                return
            self._seen = file_stamp(self.path)

    def _set_aside(self, why: str) -> None:
        if not set_aside_with_warning(self.path, "FFTW wisdom", why, "wisdom"):
            self._broken = True
        self._dirty = True  # write a good file in its place


_files: dict[Path, WisdomFile] = {}
_files_lock = threading.Lock()


def wisdom_file(path: Path, pyfftw: Any) -> WisdomFile:
    """The process's one WisdomFile for ``path`` (shared across backend reloads)."""
    with _files_lock:
        found = _files.get(path)
        if found is None:
            found = _files[path] = WisdomFile(path, pyfftw)
        return found


def save_all(lock_timeout: float = -1) -> None:
    """Save every wisdom file with unsaved wisdom (run at exit)."""
    with _files_lock:
        files = list(_files.values())
    for f in files:
        f.save(lock_timeout)


atexit.register(save_all, EXIT_LOCK_TIMEOUT)
