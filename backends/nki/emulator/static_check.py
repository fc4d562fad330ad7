"""Reject, before a kernel first runs, Python the NKI 0.3 compiler does not accept: in the kernel and in every
function it can reach.

``nki.simulate`` runs any Python (D/nki/guides/nki_simulator.html, "Simulation Limitations": "Kernels that
use unsupported Python constructs will execute successfully on the simulator but fail to compile for
hardware"), so the emulator checks the language here, statically. Covered: the ``@nki.jit`` function and,
transitively, every function, class and module-level table it names that is defined in trnfft's kernel
package or in the kernel's own module (trace-time code: host-side planning elsewhere stays ordinary Python).
Every branch is checked, not only the ones one launch takes.

Rules and their sources (AWS Neuron SDK 2.29, NKI 0.3.0):

* ``is`` / ``is not``, ``None`` included: "The NKI 0.3.0 compiler does not support Python's is / is not
  operators ... Use == / != instead" (update guide, "Language Restrictions"). AWS's nki-library 2.29 kernels
  still write ``x is None``; the emulator follows the guide (an earlier version followed the library);
* no ``*`` separator, ``*args`` or ``**kwargs`` in a kernel signature (update guide); applied to every
  trace-time function (conservative: the guide names kernel signatures);
* values are None, bool, int, float, str and tensors; containers tuples, lists, dicts "with string-value
  keys" and classes that "must inherit from NKIObject and no other classes" (language guide, "NKI Values",
  "Class Support"). So: no sets; a dict display or comprehension may not have a key that is certainly not a string
  (an int or other constant, a tuple, arithmetic), and a module-level dict a kernel reads needs str keys (a
  name used as a key may hold a string: not decidable statically, so it passes); classes inherit from
  NKIObject only, the guide's ``@dataclass`` is their one decorator;
* conservative choices, where the guide is silent: lambdas, generator expressions and ``yield`` (generators
  and function values are not among the documented values) and decorators on functions (``lru_cache``,
  ``cached_property``: Python machinery, not NKI) are rejected; list comprehensions are accepted (they build
  lists, a documented container that works "in the same way as in Python"; AWS's own library kernels do not
  use them, so this is the one assumption a first hardware compile may overturn);
* ``nl.arange``/``nl.mgrid``/``nl.par_dim`` and ``mask=`` were removed in Beta 2 (migration guide).

Nested function definitions are accepted (no 0.3.0 page forbids them).
"""
from __future__ import annotations

import ast
import functools
import inspect
import linecache
import sys
import threading
import types
from typing import Any, Callable, Iterator

from .rules import NkiRuleError

REMOVED_ATTRIBUTES = {"arange", "mgrid", "par_dim"}
KERNEL_PACKAGE = __name__.rsplit(".", 2)[0] + ".kernels"   # trnfft_backends.nki.kernels
# CPython 3.11's ast.parse from two threads at once can raise SystemError ("AST constructor recursion
# depth mismatch": the depth it checks is per interpreter), as first launches from several threads did
_PARSE_LOCK = threading.Lock()
_checked: set[tuple[str, str]] = set()   # (module, qualname) of functions and classes that passed
Problem = tuple[str, str, str]           # (rule, message, page)


def check_kernel_source(fn: Callable) -> None:
    """Raise NkiRuleError listing what the kernel ``fn`` and the trace-time code it reaches do outside NKI 0.3."""
    problems = list(_check_reachable(fn))
    if problems:
        rule, _, page = problems[0]
        shown = "; ".join(message for _, message, _ in problems[:8])
        more = f" (and {len(problems) - 8} more)" if len(problems) > 8 else ""
        raise NkiRuleError(rule, shown + more, page)


def _check_reachable(kernel: Callable) -> Iterator[Problem]:
    module = getattr(kernel, "__module__", "") or ""
    scope = {module, KERNEL_PACKAGE + "."}
    if ".kernels." in module:   # a copy of the package under another name (``emulated.py``'s shadow copy)
        scope.add(module.rpartition(".")[0] + ".")
    todo: list[Any] = [kernel]
    seen: set[int] = set()
    visited: list[tuple[str, str]] = []
    clean = True
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        key = (getattr(obj, "__module__", ""), getattr(obj, "__qualname__", ""))
        if obj is not kernel and key in _checked:
            continue   # it and everything it reaches passed before
        node = _definition(obj)
        if node is None:
            continue   # no source (a REPL): nothing to check statically
        where = f"{key[1]} ({_file(obj)})"
        findings, names = _scan(node, obj is kernel)
        found = [(rule, f"{where}, line {line}: {message}", page) for rule, line, message, page in findings]
        if isinstance(obj, type):
            found += _check_class_object(obj, where)
        for ref in _references(names, obj):
            if isinstance(ref, dict):
                found += _check_table(ref, where)
            elif _in_scope(ref, scope):
                todo.append(inspect.unwrap(ref) if callable(ref) and not isinstance(ref, type) else ref)
        clean = clean and not found
        yield from found
        if obj is not kernel:
            visited.append(key)
    if clean:   # only a whole clean closure is remembered: a function is never skipped past a bad callee
        _checked.update(visited)


def _definition(obj: Any) -> ast.AST | None:
    """The def or class statement of ``obj`` in its module's syntax tree (each file parsed once)."""
    try:
        path = inspect.getsourcefile(obj)
    except TypeError:
        return None
    if path is None:
        return None
    index = _index(path)
    candidates = index.get(getattr(obj, "__qualname__", ""), [])
    code = getattr(obj, "__code__", None)
    if code is not None and len(candidates) > 1:   # same qualname defined twice: the one at this line
        candidates = [n for n in candidates if _first_line(n) == code.co_firstlineno] or candidates
    return candidates[-1] if candidates else None


@functools.lru_cache(maxsize=None)
def _index(path: str) -> dict[str, list[ast.AST]]:
    """Every def and class of a source file by qualified name (``f.<locals>.g``, ``C.m``)."""
    try:
        with _PARSE_LOCK:
            tree = ast.parse("".join(linecache.getlines(path)))
    except SyntaxError:
        return {}
    found: dict[str, list[ast.AST]] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                found.setdefault(name, []).append(child)
                visit(child, name + (".<locals>." if not isinstance(child, ast.ClassDef) else "."))
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _first_line(node: ast.AST) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([getattr(node, "lineno", 0)] + [d.lineno for d in decorators])


def _file(obj: Any) -> str:
    path = inspect.getsourcefile(obj) or "?"
    parts = path.replace("\\", "/").split("/")
    return "/".join(parts[-3:])


def _in_scope(obj: Any, scope: set[str]) -> bool:
    if not isinstance(obj, (types.FunctionType, type)) and not hasattr(obj, "__wrapped__"):
        return False
    module = getattr(obj, "__module__", "") or ""
    return any(module == s or (s.endswith(".") and module.startswith(s)) for s in scope)


def _namespace(obj: Any) -> dict[str, Any]:
    """The names a function or class body resolves: its module's globals, and a function's closure."""
    target: Any = inspect.unwrap(obj) if not isinstance(obj, type) else obj
    names = dict(getattr(target, "__globals__", None) or vars(sys.modules.get(target.__module__, types)))
    code = getattr(target, "__code__", None)
    if code is not None and target.__closure__:
        for name, cell in zip(code.co_freevars, target.__closure__):
            try:
                names[name] = cell.cell_contents
            except ValueError:   # a cell not yet filled
                continue
    return names


def _references(names: frozenset, obj: Any) -> Iterator[Any]:
    """The functions, classes and dicts behind the names a definition uses (``name`` or ``module.name``)."""
    namespace = _namespace(obj)
    for name in names:
        if isinstance(name, tuple):
            module = namespace.get(name[0])
            value = getattr(module, name[1], None) if isinstance(module, types.ModuleType) else None
        else:
            value = namespace.get(name)
        if value is not None and (isinstance(value, dict) or callable(value)):
            yield value


def _check_table(table: dict, where: str) -> list[Problem]:
    bad = [k for k in table if not isinstance(k, str)]
    if not bad:
        return []
    return [("dict-key", f"{where} reads a dict with non-string keys ({bad[0]!r}): NKI dicts take string "
               "keys", "language_guide")]


def _check_class_object(cls: type, where: str) -> list[Problem]:
    if [b.__name__ for b in cls.__bases__] != ["NKIObject"]:
        return [("class-base", f"{where}: a class used in a kernel must inherit from NKIObject and no other "
                 f"class (bases: {', '.join(b.__name__ for b in cls.__bases__)})", "language_guide")]
    return []


Finding = tuple[str, int, str, str]   # (rule, line, message, page)


@functools.lru_cache(maxsize=None)
def _scan(top: ast.AST, is_kernel: bool) -> tuple[list[Finding], frozenset]:
    """One walk of a definition (cached: modules are parsed once): what breaks the rules, and the names (and
    (module, name) pairs) it loads."""
    found: list[Finding] = []
    names: set[Any] = set()
    for node in ast.walk(top):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                names.add(node.id)
        elif isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name):
                names.add((node.value.id, node.attr))
            if node.attr in REMOVED_ATTRIBUTES:
                found.append(("removed-api", node.lineno, f"{node.attr} was removed in NKI Beta 2", "beta2"))
        elif isinstance(node, _RULED):
            found += _rules(node, top, is_kernel)
    return found, frozenset(names)


_RULED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Compare, ast.GeneratorExp, ast.Yield,
          ast.YieldFrom, ast.Set, ast.SetComp, ast.Dict, ast.DictComp, ast.keyword)


def _rules(node: ast.AST, top: ast.AST, is_kernel: bool) -> list[Finding]:
    line = getattr(node, "lineno", 0)
    found: list[Finding] = []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        if args.kwonlyargs or args.vararg or args.kwarg:
            rule = "kernel-signature" if is_kernel and node is top else "signature"
            found.append((rule, line, "'*', '*args' and '**kwargs' are not accepted in a signature in NKI 0.3",
                          "update_guide"))
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.decorator_list and not (
            is_kernel and node is top):
        found.append(("decorator", line, f"decorator on {node.name!r}: trace-time functions are plain functions "
                      "in NKI (decorators such as lru_cache/cached_property are Python machinery)", "language_guide"))
    elif isinstance(node, ast.ClassDef):
        found += _check_class_node(node, line)
    elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
        found.append(("is-comparison", line, "'is' / 'is not' are rejected by the NKI 0.3 compiler; compare with "
                      "== / !=", "update_guide"))
    elif isinstance(node, ast.Lambda):
        found.append(("lambda", line, "lambda: function values are not NKI values; use a named function with the "
                      "values as arguments", "language_guide"))
    elif isinstance(node, (ast.GeneratorExp, ast.Yield, ast.YieldFrom)):
        found.append(("generator", line, "generators are not NKI values; build a tuple or list (a list "
                      "comprehension, or a loop)", "language_guide"))
    elif isinstance(node, (ast.Set, ast.SetComp)):
        found.append(("container", line, "sets are not NKI containers (tuples, lists, dicts with string keys)",
                      "language_guide"))
    elif (isinstance(node, ast.Dict) and not all(k is None or _string_key(k) for k in node.keys)) or (
            isinstance(node, ast.DictComp) and not _string_key(node.key)):
        found.append(("dict-key", line, "NKI dicts take string keys", "language_guide"))
    elif isinstance(node, ast.keyword) and node.arg == "mask":
        found.append(("removed-mask", line, "mask= was removed in NKI Beta 2", "beta2"))
    return found


def _check_class_node(node: ast.ClassDef, line: int) -> list[Finding]:
    found: list[Finding] = []
    bases = [ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases]
    if bases != ["NKIObject"] or node.keywords:
        found.append(("class-base", line, f"class {node.name!r} must inherit from NKIObject and no other class",
                      "language_guide"))
    for deco in node.decorator_list:
        name = ast.unparse(deco.func if isinstance(deco, ast.Call) else deco).rsplit(".", 1)[-1]
        if name != "dataclass":
            found.append(("decorator", line, f"decorator {name!r} on class {node.name!r} (NKI classes take "
                          "@dataclass only)", "language_guide"))
    return found


def _string_key(key: ast.AST) -> bool:
    """False for a key that is certainly not a string (another constant, a tuple, arithmetic, a comparison);
    a name, call or subscript may hold a string, so it passes (module-level dicts are checked by value)."""
    if isinstance(key, ast.Constant):
        return isinstance(key.value, str)
    if isinstance(key, ast.BinOp):   # "a" + name, or an f-string built with %
        return _string_key(key.left) and not isinstance(key.op, (ast.Sub, ast.Div, ast.FloorDiv, ast.Pow))
    return not isinstance(key, (ast.Tuple, ast.List, ast.UnaryOp, ast.Compare, ast.BoolOp))
