"""The planner's backend choices, remembered per machine next to FFTW's wisdom.

``backend-choices.json`` in trnfft's cache directory (``user_cache.py``) holds,
per machine, one record per problem class: which candidate "auto" chose, the
seconds per call each candidate took (or was estimated to take), which
candidates (and versions) were compared, the effort, and when; for a
measurement, the budget it had and whether that budget cut it short (like
FFTW's wisdom levels: a choice measured in full is final, one the budget
starved is measured again once, ``autoplan._due``).

Like the wisdom file it is shared by every process of the user, so it is never
edited in place: a save takes an advisory lock on ``<file>.lock`` (given up on
after ``LOCK_TIMEOUT`` seconds: a save may be skipped, nothing waits for
long), merges in what other processes saved since, and replaces the file
atomically. Saves come in batches, at most every ``SAVE_INTERVAL`` seconds and
at exit; the newest ``MAX_RECORDS`` per machine are kept. An unusable file
(not JSON, wrong layout, a record of the wrong types) is moved aside to
``<file>.unusable`` with one warning and replaced; a file of format 2 (before
the budget was recorded) is read as complete measurements, one of format 3
(before the budget a complete measurement needs was) as not knowing it, and
both are written back as format 4; one of another format version is replaced
quietly, its choices measured again; a directory that cannot be written costs one warning and the
saving, never a transform. ``ChoiceStore.forget`` drops records
(``trnfft.forget_choices`` / ``trnfft which --forget``) under the same lock; a
process already running keeps what it has read, and may save it back.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import platform
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Collection, Iterator

from .errors import TrnfftError
from .user_cache import (cache_dir, file_stamp, load_json, set_aside_with_warning,
                         write_atomically)

FILE_NAME = "backend-choices.json"
FORMAT = 4            # 4: the budget a complete measurement needs; 3: the budget and what it cut short
READABLE = (2, 3, 4)  # format 2 reads as complete measurements, format 3 as not knowing what one needs
SAVE_INTERVAL = 10.0   # seconds between saves while new choices keep coming
LOCK_TIMEOUT = 2.0     # seconds a save waits for another process's save before skipping
FORGET_LOCK_TIMEOUT = 10.0  # seconds forgetting waits for it (forgetting is asked for, so not skipped)
MAX_RECORDS = 10_000   # per machine; the oldest decisions go first beyond this
MAX_NEEDS = 1e6        # seconds (11.6 days): a record saying a measurement needs more is damaged


@dataclass(frozen=True)
class Choice:
    """One decision of the planner and what it was made from."""

    backend: str                   # the candidate chosen
    effort: str                    # "measure" (timed runs) or "estimate" (the backends' rules)
    seconds: dict[str, float]      # per candidate compared: seconds per call, measured or estimated
    when: float                    # time.time() of the decision
    candidates: dict[str, str]     # every candidate considered -> its version then
    excluded: dict[str, str] = field(default_factory=dict)  # candidate -> why it was not timed
    runs: dict[str, int] = field(default_factory=dict)      # measured candidate -> timed runs
    # excluded only for a one-time cost (``pending_setup``): the choice holds until that is paid
    provisional: list[str] = field(default_factory=list)
    budget: float | None = None    # the planning budget a measurement had (seconds)
    # candidate -> how the budget cut its measurement short (not run, too few samples): empty
    # when the measurement was complete, which makes the choice final
    limited: dict[str, str] = field(default_factory=dict)
    attempts: int = 1              # measurements in a row that the budget cut short, this one included
    # for a measurement cut short: the least budget a complete one needs, from the runs it timed (None: unknown)
    needs: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> "Choice":
        """Raises ValueError when ``data`` is not a well-formed record."""
        try:
            choice = cls(**data)
        except TypeError as exc:
            raise ValueError(f"malformed choice record ({exc})") from None
        if not (isinstance(choice.backend, str) and isinstance(choice.effort, str)
                and isinstance(choice.when, (int, float)) and _str_map(choice.candidates, str)
                and _str_map(choice.seconds, (int, float)) and _str_map(choice.excluded, str)
                and _str_map(choice.runs, int) and isinstance(choice.provisional, list)
                and all(isinstance(name, str) for name in choice.provisional)
                and _usable_budget(choice.budget, choice.limited)
                and _str_map(choice.limited, str) and type(choice.attempts) is int
                and (choice.needs is None or (_seconds(choice.needs) and choice.needs <= MAX_NEEDS))):
            raise ValueError("malformed choice record (wrong field types)")
        return choice


def _usable_budget(budget: Any, limited: dict[str, str]) -> bool:
    """A finite number of seconds >= 0, not a bool (JSON's true); None only for a complete measurement
    (``trnfft which`` formats the budget of one that was cut short)."""
    if budget is None:
        return not limited
    return _seconds(budget)


def _seconds(value: Any) -> bool:
    """A finite number >= 0, not a bool (JSON's true)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def _str_map(value: Any, kind: type | tuple[type, ...]) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, kind)
                                           for k, v in value.items())


class ChoicesBusy(TrnfftError, RuntimeError):
    """The choices file stayed locked by another process's save."""


class ChoicesUnwritable(TrnfftError, OSError):
    """Forgetting could not change the choices file (a path that is no directory, no permission)."""


class UnusableChoices(Exception):
    """The choices file exists but cannot be used."""


def machine_id() -> str:
    """What makes two machines' timings comparable: host, architecture, CPU model, core count."""
    model = platform.processor()
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh
                          if line.startswith("model name")), model)
    return f"{platform.node()}|{platform.machine()}|{model}|{os.cpu_count()} cpus"


def read(path: Path, machine: str) -> dict[str, Choice] | None:
    """This machine's records in ``path``; None when absent or of a format version not ``READABLE``."""
    data = load_json(path, UnusableChoices)
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("format"), int):
        raise UnusableChoices("is not a trnfft choices file")
    if data["format"] not in READABLE:
        return None
    machines = data.get("machines")
    if not isinstance(machines, dict) or not all(isinstance(v, dict) for v in machines.values()):
        raise UnusableChoices("does not hold per-machine records")
    try:
        return {k: Choice.from_json(v) for k, v in machines.get(machine, {}).items()}
    except ValueError as exc:
        raise UnusableChoices(str(exc)) from None


class ChoiceStore:
    """The choices of one file for this machine: loaded once, saved in batches, never fatal."""

    def __init__(self, path: Path, machine: str | None = None) -> None:
        self.path = path
        self.machine = machine or machine_id()
        self._lock = threading.RLock()
        self._choices: dict[str, Choice] = {}
        self._new: dict[str, Choice] = {}   # made here since the last save
        self._seen: tuple[int, int] | None = None  # stamp of the file as last read or written
        self._loaded = False
        self._broken = False
        self._last_save = 0.0

    def get(self, key: str) -> Choice | None:
        """The remembered choice for ``key``, reading what other processes saved since if needed."""
        with self._lock:
            self._load_once()
            found = self._choices.get(key)
            if found is None and file_stamp(self.path) != self._seen:
                self._merge_file()
                found = self._choices.get(key)
            return found

    def put(self, key: str, choice: Choice) -> None:
        """Remember ``choice``; saved now if the last save is old enough, else later or at exit."""
        with self._lock:
            self._load_once()
            self._choices[key] = self._new[key] = choice
            if time.monotonic() - self._last_save >= SAVE_INTERVAL:
                self.save()

    def items(self) -> list[tuple[str, Choice]]:
        with self._lock:
            self._load_once()
            return list(self._choices.items())

    def save(self, lock_timeout: float = LOCK_TIMEOUT) -> None:
        """Merge in other processes' records and replace the file with the union (ours win)."""
        with self._lock:
            if not self._new or self._broken:
                return
            self._last_save = time.monotonic()
            try:
                with _file_lock(self.path.with_name(self.path.name + ".lock"), lock_timeout) as held:
                    if not held:
                        return  # another process is saving: ours go in at the next save
                    self._merge_file()
                    _write(self.path, self.machine, self._choices)
            except OSError as exc:
                self._broken = True
                warnings.warn(f"cannot save trnfft's backend choices to {self.path} ({exc}); "
                              f"they will be measured again in the next process", RuntimeWarning)
                return
            self._new.clear()
            self._seen = file_stamp(self.path)

    def forget(self, keys: Collection[str] | None = None, lock_timeout: float = FORGET_LOCK_TIMEOUT) -> int:
        """Drop this machine's records for ``keys`` (None: all of them), here and in the file.

        Returns how many were dropped. Other machines' records stay. Raises
        ``ChoicesBusy`` when another process holds the file's lock for ``lock_timeout``,
        ``ChoicesUnwritable`` when the file cannot be changed (they are forgotten here only)."""
        with self._lock:
            self._load_once()
            try:
                with _file_lock(self.path.with_name(self.path.name + ".lock"), lock_timeout) as held:
                    if not held:
                        raise ChoicesBusy(f"another process is saving {self.path}; try again")
                    self._merge_file()
                    gone = self._drop(keys)
                    if gone and not self._broken:
                        _write(self.path, self.machine, self._choices)
                        self._seen = file_stamp(self.path)
            except OSError as exc:
                self._drop(keys)
                raise ChoicesUnwritable(
                    f"cannot forget trnfft's backend choices in {self.path} ({exc}); they are "
                    f"forgotten in this process only. Fix the path or set TRNFFT_CACHE_DIR "
                    f"to a writable directory") from exc
            return gone

    def _drop(self, keys: Collection[str] | None) -> int:
        """Drop ``keys`` (None: all) from the records held here; returns how many there were."""
        gone = [k for k in (self._choices if keys is None else keys) if k in self._choices]
        for k in gone:
            del self._choices[k]
            self._new.pop(k, None)
        return len(gone)

    def _load_once(self) -> None:
        if not self._loaded:
            self._loaded = True
            self._merge_file()

    def _merge_file(self) -> None:
        """Take in the file's records (ours made since the last save win); set a bad file aside."""
        self._seen = file_stamp(self.path)
        try:
            found = read(self.path, self.machine) or {}
        except UnusableChoices as why:
            self._set_aside(str(why))
            return
        self._choices = {**self._choices, **found, **self._new}

    def _set_aside(self, why: str) -> None:
        if not set_aside_with_warning(self.path, "trnfft backend choices", why, "choices"):
            self._broken = True
        self._seen = file_stamp(self.path)


def _write(path: Path, machine: str, choices: dict[str, Choice]) -> None:
    """Write the file with this machine's records replaced, other machines' kept."""
    try:
        data = json.loads(path.read_text(encoding="ascii"))
        machines = data["machines"] if data.get("format") in READABLE else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        machines = {}
    kept = sorted(choices.items(), key=lambda kc: kc[1].when)[-MAX_RECORDS:]
    machines[machine] = {k: c.to_json() for k, c in sorted(kept)}
    write_atomically(path, json.dumps({"format": FORMAT, "machines": machines}, indent=1),
                     prefix=".choices-")


@contextlib.contextmanager
def _file_lock(path: Path, timeout: float) -> Iterator[bool]:
    """An advisory lock between processes (flock); yields False if not had within ``timeout``."""
    try:
        import fcntl
    except ImportError:  # no flock here: the atomic rename alone keeps the file whole
        yield True
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.01)
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


_stores: dict[Path, ChoiceStore] = {}
_stores_lock = threading.Lock()


def store() -> ChoiceStore:
    """The process's store for the current cache directory (TRNFFT_CACHE_DIR is read each time)."""
    path = cache_dir() / FILE_NAME
    with _stores_lock:
        found = _stores.get(path)
        if found is None:
            found = _stores[path] = ChoiceStore(path)
        return found


def save_all(lock_timeout: float = LOCK_TIMEOUT) -> None:
    """Save every store with unsaved choices (run at exit)."""
    with _stores_lock:
        stores = list(_stores.values())
    for s in stores:
        s.save(lock_timeout)


atexit.register(save_all)
