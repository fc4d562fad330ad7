"""Operators shared by ``nl`` elementwise calls and ``nisa`` ``op=`` arguments.

``nl.add`` is both a function on tiles and the ``op=nl.add`` a nisa call
takes; an :class:`Op` is both. Two kinds, as the ISA's common-fields page
says (D/nki/api/nki.api.shared.html, "Supported Math Operators"): arithmetic
operators convert their inputs to fp32 first; bitvec operators take integer
data and treat it as bit patterns, with no casting. Comparisons and logical
operators return 1.0 / 0.0. Scalar-engine functions (``exp``, ``sin``, ...)
are valid only on their documented input ranges (nisa.activation page, "see
nki-act-func"; nki-reference.md section 3): ``sin``/``cos`` on [-pi, pi],
``arctan`` on [-pi/2, pi/2]; outside them the emulator rejects rather than
return what the hardware's piecewise polynomial would not.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .rules import NkiRuleError, require

ARITH, BITVEC = "arithmetic", "bitvec"


class Op:
    """An NKI math operator: a NumPy function, its arity, kind, engine and valid input range."""

    def __init__(self, name: str, fn: Callable[..., np.ndarray], arity: int, engine: str = "vector",
                 domain: tuple[float, float] | None = None, kind: str = ARITH,
                 reduce: Callable[..., np.ndarray] | None = None, activation: bool = False) -> None:
        self.name, self.fn, self.arity, self.engine, self.domain = name, fn, arity, engine, domain
        self.kind, self.reduce, self.activation = kind, reduce, activation
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
            out = self.fn(x)
        return out if self.kind == BITVEC else np.asarray(out, np.float32)


# -- unary functions not in NumPy ------------------------------------------------
def _erf(x: np.ndarray) -> np.ndarray:
    """erf to ~1.5e-7 absolute (Abramowitz & Stegun 7.1.26), vectorised."""
    x = np.asarray(x, np.float64)
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _gelu_dx(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return 0.5 * (1.0 + _erf(x / math.sqrt(2.0))) + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def _gelu_sigmoid(x: np.ndarray) -> np.ndarray:
    return x * _sigmoid(1.702 * np.asarray(x, np.float64))


def _gelu_sigmoid_dx(x: np.ndarray) -> np.ndarray:
    s = _sigmoid(1.702 * np.asarray(x, np.float64))
    return s + 1.702 * x * s * (1.0 - s)


def _silu_dx(x: np.ndarray) -> np.ndarray:
    s = _sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, np.asarray(x, np.float64))


def _truth(x: Any) -> np.ndarray:
    return np.asarray(x) != 0


def _identity(x: np.ndarray) -> np.ndarray:
    return np.array(x, dtype=np.float32, copy=True)


def _as_float(fn: Callable[..., Any]) -> Callable[..., np.ndarray]:
    """A predicate as the 1.0 / 0.0 values NKI comparisons and logical ops produce."""
    return lambda *a: fn(*a).astype(np.float32)


# name -> (function, NumPy reduction or None)
BINARY: dict[str, tuple[Callable[..., Any], Any]] = {
    "add": (np.add, np.add.reduce), "subtract": (np.subtract, None),
    "multiply": (np.multiply, np.multiply.reduce), "maximum": (np.maximum, np.maximum.reduce),
    "minimum": (np.minimum, np.minimum.reduce), "power": (np.power, None),
    "equal": (_as_float(np.equal), None), "not_equal": (_as_float(np.not_equal), None),
    "greater": (_as_float(np.greater), None), "greater_equal": (_as_float(np.greater_equal), None),
    "less": (_as_float(np.less), None), "less_equal": (_as_float(np.less_equal), None),
    "logical_and": (_as_float(lambda a, b: _truth(a) & _truth(b)), None),
    "logical_or": (_as_float(lambda a, b: _truth(a) | _truth(b)), None),
    "logical_xor": (_as_float(lambda a, b: _truth(a) ^ _truth(b)), None),
}
BITVEC_BINARY: dict[str, tuple[Callable[..., Any], Any]] = {
    "bitwise_and": (np.bitwise_and, np.bitwise_and.reduce), "bitwise_or": (np.bitwise_or, np.bitwise_or.reduce),
    "bitwise_xor": (np.bitwise_xor, np.bitwise_xor.reduce), "left_shift": (np.left_shift, None),
    "right_shift": (np.right_shift, None),
}
UNARY_VECTOR: dict[str, Callable[..., Any]] = {
    "negative": np.negative, "abs": np.abs, "reciprocal": np.reciprocal, "sign": np.sign,
    "ceil": np.ceil, "floor": np.floor, "trunc": np.trunc, "square": np.square,
    "logical_not": _as_float(lambda a: ~_truth(a)),
}
PI = math.pi
UNARY_SCALAR: dict[str, tuple[Callable[..., Any], tuple[float, float] | None]] = {
    "exp": (np.exp, None), "log": (np.log, None), "sin": (np.sin, (-PI, PI)), "cos": (np.cos, (-PI, PI)),
    "tan": (np.tan, None), "tanh": (np.tanh, None), "arctan": (np.arctan, (-PI / 2, PI / 2)),
    "sqrt": (np.sqrt, None), "rsqrt": (lambda x: 1.0 / np.sqrt(x), None), "sigmoid": (_sigmoid, None),
    "relu": (lambda x: np.maximum(x, 0.0), None), "gelu": (_gelu, None), "gelu_dx": (_gelu_dx, None),
    "gelu_apprx_tanh": (_gelu_tanh, None), "gelu_apprx_sigmoid": (_gelu_sigmoid, None),
    "gelu_apprx_sigmoid_dx": (_gelu_sigmoid_dx, None), "silu": (lambda x: x * _sigmoid(x), None),
    "silu_dx": (_silu_dx, None), "mish": (lambda x: x * np.tanh(_softplus(x)), None),
    "softplus": (_softplus, None), "erf": (_erf, None),
    "erf_dx": (lambda x: 2.0 / math.sqrt(PI) * np.exp(-np.square(x)), None),
    "copy_activation": (_identity, None),
}
ACTIVATION_ON_VECTOR_NAMES = ("abs", "square", "reciprocal", "negative", "sign")

OPS: dict[str, Op] = {}
for _name, (_fn, _reduce) in BINARY.items():
    OPS[_name] = Op(_name, _fn, 2, reduce=_reduce)
for _name, (_fn, _reduce) in BITVEC_BINARY.items():
    OPS[_name] = Op(_name, _fn, 2, kind=BITVEC, reduce=_reduce)
OPS["invert"] = Op("invert", np.invert, 1, kind=BITVEC)
for _name, _fn in UNARY_VECTOR.items():
    OPS[_name] = Op(_name, _fn, 1, activation=_name in ACTIVATION_ON_VECTOR_NAMES)
for _name, (_fn, _domain) in UNARY_SCALAR.items():
    OPS[_name] = Op(_name, _fn, 1, "scalar", _domain, activation=True)


def check_op(op: Any, arity: int, page: str) -> Op:
    """The Op behind ``op`` (nl.copy passed as an activation means identity; nl.max means maximum), or raise."""
    op = getattr(op, "as_op", op)
    require(isinstance(op, Op), "op-type", f"op must be an nl operator such as nl.add, got {op!r}", page)
    require(op.arity == arity, "op-arity", f"{op!r} takes {op.arity} input(s), this instruction needs {arity}",
            page)
    return op


def apply_binary(op: Op, a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    if op.kind == BITVEC:
        return op.fn(a, b)
    with np.errstate(all="ignore"):
        return np.asarray(op.fn(_fp32_scalar(a), _fp32_scalar(b)), dtype=np.float32)


def _fp32_scalar(v: Any) -> Any:
    """A Python/NumPy scalar as float32 (so it does not widen the result); arrays as they are."""
    scalar: bool = np.isscalar(v)  # a plain bool: isscalar's TypeGuard would narrow v to every scalar type
    return np.float32(v) if scalar else v


def as_operand(value: Any, partitions: int, page: str) -> np.ndarray | float:
    """A scalar, or a [P, 1] tile broadcast along the free dim (tensor_scalar/activation pages)."""
    from .tensors import NkiTensor
    if isinstance(value, NkiTensor):
        require(value.buffer.on_chip, "operand-on-chip", f"a tile operand must be in SBUF or PSUM, got "
                f"{value.buffer!r}", page)
        require(value.partitions == partitions and value.free_size == 1, "scalar-operand-shape",
                f"a tile operand must be [P={partitions}, 1], got {value.shape}", page)
        return np.asarray(value.values, np.float32).reshape(partitions, 1)
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return float(value)
    raise NkiRuleError("scalar-operand-type", f"operand must be a number or a [P, 1] tile, got {value!r}",
                       page)
