"""The package's layers: cli -> check -> api -> core, imports pointing down only, no cycles.

Read from the source (ast), lazy imports inside functions included, so an
import that points up or sideways fails here before it can form a cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "trnfft"
RANK = {"core": 0, "api": 1, "check": 2, "cli": 3}
# what each layer (and each top-level surface module) may import inside trnfft
ALLOWED = {
    "core": {"core"},
    "api": {"core", "api"},
    "check": {"core", "api", "check"},
    "cli": {"core", "api", "check", "cli"},
    "distributed": {"distributed", "trnfft"},  # the public API only, like any user
    "plugin": {"core"},
    "pytest_plugin": {"trnfft", "core", "api"},
    "trnfft": {"core", "api", "check"},  # __init__: the public surface
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every trnfft module ``path`` imports, lazy ones included, as dotted names."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # "from pkg import mod" imports the module pkg.mod
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        found.update(t for t in targets if t == "trnfft" or t.startswith("trnfft."))
    return found


def layer(name: str) -> str:
    parts = name.split(".")
    return "trnfft" if len(parts) == 1 else parts[1]


def test_every_module_belongs_to_a_known_layer():
    assert {layer(n) for n in modules()} <= set(ALLOWED)


@pytest.mark.parametrize("name", sorted(modules()))
def test_imports_point_down_only(name):
    known = modules()
    mine = layer(name)
    for target in imports(name, known[name], known):
        assert layer(target) in ALLOWED[mine], (
            f"{name} ({mine}) imports {target} ({layer(target)}): imports point "
            f"cli -> check -> api -> core, and a layer never imports a sibling or the package top")


def test_no_import_cycle():
    known = modules()
    graph = {n: imports(n, p, known) & set(known) for n, p in known.items()}
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])


def test_the_checker_sees_an_upward_and_a_cyclic_import(tmp_path):
    """The rules above fail on the imports they forbid (so a passing run means something)."""
    up = tmp_path / "up.py"
    up.write_text("from ..check.sweep import crosscheck\ndef f():\n    from . import dispatch\n")
    known = modules()
    got = imports("trnfft.core.up", up, known)
    assert got == {"trnfft.check.sweep", "trnfft.core.dispatch"}
    assert layer("trnfft.check.sweep") not in ALLOWED["core"]
