"""One rich Console factory, so every command prints readably in a terminal and in logs."""
from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console

LOG_WIDTH = 150  # pipes and CI logs get wide tables rather than rich's 80-column default


def make_console(stream: TextIO | None = None) -> Console:
    stream = stream or sys.stdout
    return Console(highlight=False, file=stream, width=None if stream.isatty() else LOG_WIDTH)
