"""Constant arrays packed into one HBM table: how a kernel takes a plan-dependent set of them.

``nki.simulate`` wraps only top-level array arguments into tensors ("Non-array arguments pass through
unchanged", D/nki/guides/nki_simulator.html), and the compiler takes no list arguments, so a kernel whose
constants vary with the plan (``program_kernel``'s steps, ``bluestein_kernel``'s inner FFT) takes them as
one float32 [1, total] HBM table plus a layout: the arrays' nesting with each array replaced by
(``MARK``, offset, shape) (built on the host by ``arguments.packed``). ``unpack`` gives back the same nesting
of HBM views at trace time: no DMA, each view reads as the array did (contiguous rows of the same shape).
``unpack`` recurses over the layout's nesting (a few levels); the language guide neither lists nor forbids
recursion at trace time, an assumption a first hardware compile would test.
"""
from __future__ import annotations

from typing import Any

MARK = "hbm-view"


def unpack(table: Any, layout: Any) -> Any:
    """``layout`` with each (MARK, offset, shape) replaced by the view of ``table`` it describes."""
    if not isinstance(layout, tuple):   # a str, int, float or None passes through
        return layout
    if len(layout) == 3 and layout[0] == MARK:
        offset, shape = layout[1], layout[2]
        size = 1
        for d in shape:
            size = size * d
        return table[0:1, offset:offset + size].reshape(shape)
    return tuple([unpack(table, item) for item in layout])
