"""argparse value types for the ``trnfft`` command and plugins' subcommands.

Each raises ``argparse.ArgumentTypeError`` with what was wrong, so a bad flag
ends in a one-line usage error (exit status 2), never a traceback.
"""
from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """An integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def shape(text: str) -> tuple[int, ...]:
    """Comma-separated positive integers, e.g. ``128,1024``."""
    try:
        return tuple(positive_int(part) for part in text.split(","))
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers (e.g. 128,1024), got {text!r}") from None


def axes(text: str) -> tuple[int, ...]:
    """Comma-separated integers, negative ones counting from the end, e.g. ``-2,-1``."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers (e.g. -2,-1), got {text!r}") from None
