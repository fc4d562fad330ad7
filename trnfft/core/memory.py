"""What a transform needs in memory, what is available, and a clear error when it cannot fit.

An FFT of ``n=2**31+1`` points from a 4-point input asks for a 16 GiB padded
copy and a 16 GiB result: on a 24 GiB machine the kernel's OOM killer ended
the process. A serious library refuses first, naming the sizes. ``available()``
is the least of: ``MemAvailable`` (``/proc/meminfo``), what ``RLIMIT_AS`` leaves
of the address space, and what the cgroup (v2) allows; None where none is known.
The estimates count only buffers that must exist whatever the backend (the
result, a padded copy of the input, the front end's copy cast to the compute
dtype), so a refusal means the call could not have fitted. A new plan's own
buffers are not counted: most backends keep none, and a backend may keep
buffers it never writes (address space, not memory).
"""
from __future__ import annotations

import math
import resource
from pathlib import Path
from typing import NamedTuple, Sequence

from .errors import OutOfMemoryError
from .problem import FFTProblem

MEMINFO = Path("/proc/meminfo")
STATUS = Path("/proc/self/status")
CGROUP = Path("/sys/fs/cgroup")


class Available(NamedTuple):
    nbytes: int
    source: str  # where the figure comes from, for the message


def _kib_field(path: Path, name: str) -> int | None:
    """A ``Name:   1234 kB`` field of a /proc file, in bytes (None if absent)."""
    try:
        for line in path.read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room() -> int | None:
    """What the cgroup (v2) leaves: ``memory.max`` less its working set, ``memory.current`` without the
    reclaimable ``inactive_file`` page cache of ``memory.stat`` (as container runtimes count it)."""
    try:
        text = (CGROUP / "memory.max").read_text().strip()
        if text == "max":
            return None
        limit, used = int(text), int((CGROUP / "memory.current").read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        for line in (CGROUP / "memory.stat").read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == "inactive_file":
                used = max(0, used - int(value))
                break
    except (OSError, ValueError):
        pass
    return max(0, limit - used)


def available() -> Available | None:
    """The memory this process may still take, and where that figure comes from (None: unknown)."""
    figures = []
    free = _kib_field(MEMINFO, "MemAvailable")
    if free is not None:
        figures.append(Available(free, "MemAvailable in /proc/meminfo"))
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    used = _kib_field(STATUS, "VmSize")
    if soft != resource.RLIM_INFINITY and used is not None:
        figures.append(Available(max(0, soft - used), f"the address-space limit (RLIMIT_AS {_size(soft)}) "
                                                      f"less the {_size(used)} mapped"))
    room = _cgroup_room()
    if room is not None:
        figures.append(Available(room, "the cgroup's memory.max less its working set"))
    return min(figures, key=lambda a: a.nbytes) if figures else None


def _size(nbytes: float) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{int(nbytes)} bytes"


def require(needed: dict[str, int], what: str) -> None:
    """Raise OutOfMemoryError when the buffers ``needed`` (name -> bytes) clearly exceed what is available."""
    total = sum(needed.values())
    room = available()
    if room is None or total <= room.nbytes:
        return
    parts = ", ".join(f"{name} {_size(n)}" for name, n in needed.items() if n)
    raise OutOfMemoryError(f"{what} needs at least {_size(total)} of memory ({parts}), but only "
                           f"{_size(room.nbytes)} is available ({room.source}); use a smaller n/s or batch")


def ran_out(exc: MemoryError, what: str) -> OutOfMemoryError:
    """A backend's MemoryError as trnfft's error, saying what was asked and what is available now (an
    OutOfMemoryError already, e.g. a refusal raised inside the call, is returned as it is)."""
    if isinstance(exc, OutOfMemoryError):
        return exc
    room = available()
    free = "" if room is None else f"; {_size(room.nbytes)} is available now ({room.source})"
    return OutOfMemoryError(f"out of memory computing {what}: {type(exc).__name__}: {exc}{free}")


CHECK_FROM = 64 * 2**20  # bytes of input and result below which a call is not checked (reading /proc costs ~20 us)


def check_call(problem: FFTProblem) -> None:
    """Refuse ``problem`` with OutOfMemoryError when its result cannot fit."""
    check_sizes(problem.kind, problem.shape, problem.axes, problem.lengths, problem.input_dtype.itemsize,
                problem.describe())


def check_sizes(kind: str, shape: Sequence[int], axes: Sequence[int], lengths: Sequence[int], itemsize: int,
                what: str, padded: bool = False, cast: int = 0) -> None:
    """``check_call`` from the sizes alone: a ``kind`` transform of an input of ``shape`` (after padding)
    whose elements take ``itemsize`` bytes, transform ``lengths`` along ``axes``; also counted, the input
    padded to ``n`` (``padded``) and ``cast`` bytes of the input cast to the compute dtype."""
    inp = math.prod(shape) * itemsize
    out_shape = list(shape)
    out_item = itemsize
    if kind == "r2c":
        out_shape[axes[-1]], out_item = lengths[-1] // 2 + 1, 2 * itemsize
    elif kind == "c2r":
        out_shape[axes[-1]], out_item = lengths[-1], itemsize // 2
    out = math.prod(out_shape) * out_item
    if out + inp + cast < CHECK_FROM:
        return
    needed = {"the result": out}
    if cast:
        needed["the input cast to the compute dtype"] = cast
    if padded:
        needed["the input padded to n"] = inp
    require(needed, what)
