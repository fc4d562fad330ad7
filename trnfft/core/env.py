"""Fast reads of trnfft's environment variables on the per-call path.

Every transform consults a few variables (backend, simulator, cross-check,
workers) so that changes made with ``os.environ`` take effect at the next
call. ``os.environ.get`` of an unset variable costs ~0.7 us (it raises and
catches KeyError inside), which is most of a 1024-point FFT's budget, so we
read the mapping's underlying dict with pre-encoded keys, falling back to
``os.environ.get`` on any Python that lays ``os.environ`` out differently.
"""
from __future__ import annotations

import functools
import os
from typing import Callable

_data = getattr(os.environ, "_data", None)
_encodekey = getattr(os.environ, "encodekey", None)
_decodevalue = getattr(os.environ, "decodevalue", None)
_FAST = isinstance(_data, dict) and callable(_encodekey) and callable(_decodevalue)


def raw_reader(name: str) -> Callable[[], object]:
    """A function returning the variable's raw value (None when unset).

    The value is opaque (bytes on POSIX) but hashable and changes whenever the
    variable does, which is all a memo key needs; the call costs ~0.05 us.
    """
    if _FAST:
        return functools.partial(_data.get, _encodekey(name))  # type: ignore[union-attr,misc]
    return functools.partial(os.environ.get, name)


def raw_values_reader(names: tuple[str, ...]) -> Callable[[], object]:
    """A function returning the raw values of ``names``: one variable's value as it is, several as a tuple.

    For the per-call memo keys: one read costs ~0.03 us, two or three ~0.07-0.1 us (a tuple built
    without a loop)."""
    if len(names) == 1:
        return raw_reader(names[0])
    if len(names) == 2 and _FAST:
        get, first, second = _data.get, _encodekey(names[0]), _encodekey(names[1])  # type: ignore[union-attr,misc]
        return lambda: (get(first), get(second))
    if len(names) == 3 and _FAST:
        get, (k1, k2, k3) = _data.get, (_encodekey(name) for name in names)  # type: ignore[union-attr,misc]
        return lambda: (get(k1), get(k2), get(k3))
    readers = tuple(raw_reader(name) for name in names)
    return lambda: tuple(read() for read in readers)


@functools.lru_cache(maxsize=None)
def _reader(name: str) -> Callable[[], object]:
    return raw_reader(name)


def getenv(name: str) -> str | None:
    """``os.environ.get(name)``, fast when the variable is unset."""
    raw = _reader(name)()
    if raw is None or not _FAST:
        return raw  # type: ignore[return-value]
    return _decodevalue(raw)  # type: ignore[misc]
