"""Reject, before a kernel first runs, source constructs the NKI 0.3 compiler rejects.

Source: D/nki/get-started/nki-language-guide.html (the Python subset a
kernel body may use: no ``is``/``is not``, no ``*`` separator in the
signature, no list arguments) and the Beta 2 migration guide (removed
``nl.arange``/``nl.mgrid``/``mask=``).

Where the pages and AWS's own 0.3.0 kernels disagree the emulator follows the
kernels: ``x is None`` / ``x is not None`` on trace-time values is accepted (the
aws-neuron/nki-library 2.29 kernels write it), other ``is`` comparisons are
rejected. No 0.3.0 page forbids nested function definitions, so they are
accepted (an earlier version of this check rejected them).
"""
from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Callable

from .rules import NkiRuleError

REMOVED_ATTRIBUTES = {"arange", "mgrid", "par_dim"}


def check_kernel_source(fn: Callable) -> None:
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return  # no source (e.g. defined in a REPL): nothing to check statically
    tree = ast.parse(source)
    func = next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
    if func is None:
        return
    where = f"kernel {fn.__name__!r}"
    args = func.args
    if args.kwonlyargs or args.vararg or args.kwarg:
        raise NkiRuleError("kernel-signature", f"{where}: '*', '*args' and '**kwargs' are not accepted in a "
                           "kernel signature in NKI 0.3", "language_guide")
    for node in ast.walk(func):
        if node is func:
            continue
        line = f"{where}, line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Compare) and _identity_not_none(node):
            raise NkiRuleError("is-comparison", f"{line}: 'is' / 'is not' are rejected by the NKI 0.3 "
                               "compiler; compare with == / !=", "language_guide")
        if isinstance(node, ast.Attribute) and node.attr in REMOVED_ATTRIBUTES:
            raise NkiRuleError("removed-api", f"{line}: {node.attr} was removed in NKI Beta 2", "beta2")
        if isinstance(node, ast.keyword) and node.arg == "mask":
            raise NkiRuleError("removed-mask", f"{line}: mask= was removed in NKI Beta 2", "beta2")


def _identity_not_none(node: ast.Compare) -> bool:
    """An ``is``/``is not`` whose operands are not the constant None."""
    operands = [node.left, *node.comparators]
    for i, op in enumerate(node.ops):
        if isinstance(op, (ast.Is, ast.IsNot)):
            pair = operands[i], operands[i + 1]
            if not any(isinstance(x, ast.Constant) and x.value is None for x in pair):
                return True
    return False
