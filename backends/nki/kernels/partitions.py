"""Start partitions a compute-engine tile may have on NeuronCore-v2 (trn1).

NeuronCore-v2 addresses a tile of more than 64 partitions from partition 0, of 33-64 from 0 or 64, of at
most 32 from 0, 32, 64 or 96 (D/nki/get-started/about/tiling-overview.html; nki-reference.md section 1).
NeuronCore-v3 (trn2) takes any start. A kernel that stacks blocks of rows that are not multiples of 32
(the six-step's n3-row slots) widens an instruction's tile down to a start both chips accept where the
extra rows may be written (:func:`covering_start`).
"""
from __future__ import annotations

# (start, most partitions a tile starting there may span), highest start first
_STARTS = ((96, 32), (64, 64), (32, 32), (0, 128))


def covering_start(lo: int, hi: int) -> int:
    """The highest start partition <= ``lo`` from which NeuronCore-v2 can address a tile reaching partition
    ``hi`` (exclusive): ``lo`` itself when it is such a start, 0 at worst."""
    if not 0 <= lo < hi <= 128:
        raise ValueError(f"partitions {lo}..{hi}: expected 0 <= lo < hi <= 128")
    for start, most in _STARTS:   # (0, 128) always fits
        if start <= lo and hi - start <= most:
            return start
    return 0
