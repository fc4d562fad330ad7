"""``parse``: ``ast.parse`` behind one lock, for every parse the NKI emulator makes.

CPython 3.11's ``ast.parse`` from two threads at once can raise SystemError ("AST
constructor recursion depth mismatch": the depth it checks is per interpreter), as
first kernel launches from several threads did. The lock serialises the emulator's
own parses only; a parse another library makes at the same moment is not covered.
"""
from __future__ import annotations

import ast
import threading

_PARSE_LOCK = threading.Lock()


def parse(source: str) -> ast.Module:
    """``ast.parse(source)``, one of the emulator's parses at a time."""
    with _PARSE_LOCK:
        return ast.parse(source)
