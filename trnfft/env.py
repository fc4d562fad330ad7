"""Fast reads of trnfft's environment variables on the per-call path.

Every transform consults a few variables (backend, simulator, cross-check,
workers) so that changes made with ``os.environ`` take effect at the next
call. ``os.environ.get`` of an unset variable costs ~0.7 us (it raises and
catches KeyError inside), which is most of a 1024-point FFT's budget, so we
read the mapping's underlying dict with pre-encoded keys, falling back to
``os.environ.get`` on any Python that lays ``os.environ`` out differently.
"""
from __future__ import annotations

import os
from functools import lru_cache

_data = getattr(os.environ, "_data", None)
_encodekey = getattr(os.environ, "encodekey", None)
_decodevalue = getattr(os.environ, "decodevalue", None)
_FAST = isinstance(_data, dict) and callable(_encodekey) and callable(_decodevalue)


@lru_cache(maxsize=None)
def _key(name: str) -> object:
    return _encodekey(name)  # type: ignore[misc]


def getenv(name: str) -> str | None:
    """``os.environ.get(name)``, fast when the variable is unset."""
    if _FAST:
        raw = _data.get(_key(name))  # type: ignore[union-attr]
        return None if raw is None else _decodevalue(raw)  # type: ignore[misc]
    return os.environ.get(name)
