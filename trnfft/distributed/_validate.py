"""Collective validation: every rank raises the same error instead of hanging.

Before any data moves, each rank contributes a short row of integers (its
argument signature, its block's shape and dtype, and whether its own argument
checks failed) to one ``all_gather`` over the group. Every rank then runs the
same checks on the same table, so a bad input on one rank raises the same
trnfft error on all of them. Only when some rank's local checks failed is the
text of its message shared (``all_gather_object``), so that every rank can
name it. Afterwards, :func:`settle` does the same for errors raised by a
rank's local FFTs (a backend failing, a cross-check mismatch).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.distributed as dist

from trnfft import InvalidArgumentError, InvalidDtypeError

from ._layout import Layout
from .errors import DistributedMismatchError, RankFailedError

MAX_DIMS = 16
DTYPES: tuple[torch.dtype, ...] = (torch.float32, torch.float64, torch.complex64, torch.complex128)


@dataclass(frozen=True)
class Call:
    """What this rank was asked to do: named integer fields every rank must agree on,
    and (for a transform call) the block it holds."""

    fields: tuple[tuple[str, tuple[int, ...]], ...]   # (name, fixed-length ints)
    shape: tuple[int, ...] | None = None
    dtype: torch.dtype | None = None
    requires_grad: bool = False
    error: str | None = None            # this rank's own argument error, if any


def _row(call: Call) -> list[int]:
    row = [1 if call.error else 0]
    for _, values in call.fields:
        row.extend(values)
    shape = call.shape or ()
    row.append(-1 if call.shape is None else len(shape))
    row.extend(list(shape[:MAX_DIMS]) + [-1] * (MAX_DIMS - len(shape[:MAX_DIMS])))
    row.append(DTYPES.index(call.dtype) if call.dtype in DTYPES else -1)
    row.append(int(call.requires_grad))
    return row


def _decode(row: list[int], call: Call) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...] | None,
                                                 torch.dtype | None, bool]:
    pos, fields = 1, {}
    for name, values in call.fields:
        fields[name] = tuple(row[pos:pos + len(values)])
        pos += len(values)
    ndim = row[pos]
    shape = None if ndim < 0 else tuple(row[pos + 1:pos + 1 + ndim])
    pos += 1 + MAX_DIMS
    dtype = DTYPES[row[pos]] if row[pos] >= 0 else None
    return fields, shape, dtype, bool(row[pos + 1])


def gather_and_check(call: Call, group: dist.ProcessGroup | None, layout: Layout | None, what: str) -> None:
    """All-gather every rank's ``call`` and raise the same error on every rank when
    they disagree, when some rank's arguments were bad, or when a block's shape is
    not the one ``layout`` gives that rank (after any leading batch dims).
    """
    mine = torch.tensor(_row(call), dtype=torch.int64)
    size = dist.get_world_size(group)
    table = [torch.empty_like(mine) for _ in range(size)]
    dist.all_gather(table, mine, group=group)
    rows = [t.tolist() for t in table]

    if any(r[0] for r in rows):
        messages: list[str | None] = [None] * size
        dist.all_gather_object(messages, call.error, group=group)
        bad = "; ".join(f"rank {r}: {m}" for r, m in enumerate(messages) if m)
        raise InvalidArgumentError(f"{what}: bad arguments on some ranks ({bad})")

    decoded = [_decode(r, call) for r in rows]
    for name, _ in call.fields:
        values = [d[0][name] for d in decoded]
        if any(v != values[0] for v in values):
            listing = ", ".join(f"rank {r} {v}" for r, v in enumerate(values))
            raise DistributedMismatchError(f"{what}: the ranks disagree on {name} ({listing})")
    if layout is None:
        return
    expected_shapes = [layout.local_shape(r) for r in range(size)]

    dtypes = [d[2] for d in decoded]
    if any(t != dtypes[0] for t in dtypes):
        listing = ", ".join(f"rank {r} {t}" for r, t in enumerate(dtypes))
        raise DistributedMismatchError(f"{what}: the ranks hold different dtypes ({listing})")
    if any(d[3] for d in decoded):
        grads = [r for r, d in enumerate(decoded) if d[3]]
        raise InvalidArgumentError(
            f"{what}: input requires grad on rank(s) {grads}; distributed transforms do not "
            "support autograd (the all-to-all is not differentiable here): detach the input")

    shapes = [d[1] or () for d in decoded]  # a transform call (layout given) always sends its shape
    batch = shapes[0][:max(0, len(shapes[0]) - len(layout.shape))]
    wrong = [(r, s, batch + tuple(expected_shapes[r])) for r, s in enumerate(shapes)
             if s != batch + tuple(expected_shapes[r])]
    if wrong:
        listing = "; ".join(f"rank {r} holds {s}, expected {e}" for r, s, e in wrong)
        raise DistributedMismatchError(
            f"{what}: local blocks do not match the layout, {layout} ({listing}); "
            "plan.input_layout / output_layout say which block each rank holds")


def check_dtype(dtype: torch.dtype, complex_input: bool | None, what: str) -> None:
    """Raise InvalidDtypeError unless ``dtype`` suits the transform (same on every rank,
    since the dtypes were checked to agree first)."""
    if dtype not in DTYPES:
        raise InvalidDtypeError(f"{what}: dtype {dtype} is not supported "
                                "(use float32, float64, complex64 or complex128)")
    if complex_input is False and dtype.is_complex:
        raise InvalidDtypeError(f"{what}: takes a real input, got {dtype}")


def settle(failure: Exception | None, group: dist.ProcessGroup | None, what: str) -> None:
    """After a call's exchanges: if the local FFTs failed on any rank, raise the same
    RankFailedError on every rank (one all_reduce of a flag; messages only then)."""
    flag = torch.tensor([int(failure is not None)], dtype=torch.int64)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX, group=group)
    if not flag.item():
        return
    size = dist.get_world_size(group)
    messages: list[str | None] = [None] * size
    mine = None if failure is None else f"{type(failure).__name__}: {failure}"
    dist.all_gather_object(messages, mine, group=group)
    bad = "; ".join(f"rank {r}: {m}" for r, m in enumerate(messages) if m)
    raise RankFailedError(f"{what}: the local FFT failed ({bad})") from failure
