"""Operators shared by ``nl`` elementwise calls and ``nisa`` ``op=`` arguments.

``nl.add`` is both a function on tiles and the ``op=nl.add`` a nisa call
takes; an :class:`Op` is both. Math runs in fp32 (nisa pages: "fp32 math").
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .rules import NkiRuleError, require


class Op:
    """An NKI math operator: a NumPy function, its arity, and its valid input range."""

    def __init__(self, name: str, fn: Callable[..., np.ndarray], arity: int, engine: str = "vector",
                 domain: tuple[float, float] | None = None) -> None:
        self.name, self.fn, self.arity, self.engine, self.domain = name, fn, arity, engine, domain
        self.elementwise: Callable[..., Any] | None = None  # set by language.py

    def __repr__(self) -> str:
        return f"nl.{self.name}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        assert self.elementwise is not None
        return self.elementwise(self, *args, **kwargs)

    def unary(self, x: np.ndarray) -> np.ndarray:
        if self.domain is not None:
            lo, hi = self.domain
            bad = (x < lo) | (x > hi)
            require(not bad.any(), "activation-range",
                    f"nl.{self.name} is valid on [{lo:.6g}, {hi:.6g}] on the Scalar engine; got inputs "
                    f"from {float(np.nanmin(x)):.6g} to {float(np.nanmax(x)):.6g} (reduce the argument first)",
                    "activation")
        with np.errstate(all="ignore"):
            return self.fn(x).astype(np.float32)


def _rsqrt(x: np.ndarray) -> np.ndarray:
    return 1.0 / np.sqrt(x)


def _identity(x: np.ndarray) -> np.ndarray:
    return np.array(x, dtype=np.float32, copy=True)


BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply,
    "maximum": np.maximum, "minimum": np.minimum,
}
UNARY_VECTOR = {"negative": np.negative, "reciprocal": np.reciprocal, "abs": np.abs}
UNARY_SCALAR = {
    "exp": (np.exp, None), "sin": (np.sin, (-math.pi, math.pi)), "cos": (np.cos, (-math.pi, math.pi)),
    "sqrt": (np.sqrt, None), "rsqrt": (_rsqrt, None), "copy_activation": (_identity, None),
}

OPS: dict[str, Op] = {}
for _name, _fn in BINARY.items():
    OPS[_name] = Op(_name, _fn, 2)
for _name, _fn in UNARY_VECTOR.items():
    OPS[_name] = Op(_name, _fn, 1)
for _name, (_fn, _domain) in UNARY_SCALAR.items():
    OPS[_name] = Op(_name, _fn, 1, "scalar", _domain)


def check_op(op: Any, arity: int, page: str) -> Op:
    """The Op behind ``op`` (nl.copy passed as an activation means identity), or raise."""
    op = getattr(op, "activation_op", op)
    require(isinstance(op, Op), "op-type", f"op must be an nl operator such as nl.add, got {op!r}", page)
    require(op.arity == arity, "op-arity", f"{op!r} takes {op.arity} input(s), this instruction needs {arity}",
            page)
    return op


def apply_binary(op: Op, a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(op.fn(np.float32(a) if np.isscalar(a) else a,
                                np.float32(b) if np.isscalar(b) else b), dtype=np.float32)


def as_operand(value: Any, partitions: int, page: str) -> np.ndarray | float:
    """A scalar, or a [P, 1] tile broadcast along the free dim (tensor_scalar/activation pages)."""
    from .tensors import NkiTensor
    if isinstance(value, NkiTensor):
        require(value.partitions == partitions and value.free_size == 1, "scalar-operand-shape",
                f"a tile operand must be [P={partitions}, 1], got {value.shape}", page)
        return np.asarray(value.view, np.float32).reshape(partitions, 1)
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return float(value)
    raise NkiRuleError("scalar-operand-type", f"operand must be a number or a [P, 1] tile, got {value!r}",
                       page)
