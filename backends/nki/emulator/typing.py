"""``nki.typing``: tensor-shape annotations for kernel signatures (NKI 0.3.0 release notes:
"the nki.typing module for declaring expected tensor shapes").

The 0.3.0 API stubs do not list the module's names, so the emulator accepts any
``nki.typing.<Name>`` and any subscript of it (``nt.tensor[(128, 512), nl.float32]``) as an
annotation and checks nothing: shapes are checked by the instructions the kernel runs.
"""
from __future__ import annotations

from typing import Any


class Annotation:
    """An unchecked annotation; subscripting or calling it gives another."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __getitem__(self, item: Any) -> "Annotation":
        return Annotation(f"{self.text}[{item!r}]")

    def __call__(self, *args: Any, **kwargs: Any) -> "Annotation":
        return Annotation(f"{self.text}(...)")

    def __repr__(self) -> str:
        return self.text


def __getattr__(name: str) -> Annotation:
    if name.startswith("__"):
        raise AttributeError(name)
    return Annotation(f"nki.typing.{name}")
