"""The python code blocks of README.md and docs/*.md: they import what exists, and they run.

Each file's blocks run in order in one fresh interpreter (a later block may use an earlier
one's names, as a reader would). A block whose first line is ``# needs: <what>`` (a
NeuronCore, torchrun, ...) is compiled and its imports checked, but not run: its run test
is skipped with that reason, visibly.
"""
from __future__ import annotations

import ast
import importlib
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^( *)```python\n(.*?)^\1```", re.S | re.M)
NEEDS = "# needs:"


def _blocks(path: Path) -> list[tuple[int, str]]:
    """(line, code) of each python block, dedented when the fence is indented (in a list item)."""
    text = path.read_text()
    return [(text[:m.start()].count("\n") + 2, textwrap.dedent(m.group(2))) for m in FENCE.finditer(text)]


BLOCKS = [(path, line, code) for path in FILES for line, code in _blocks(path)]
IDS = [f"{path.name}:{line}" for path, line, _ in BLOCKS]


@pytest.mark.parametrize("path,line,code", BLOCKS, ids=IDS)
def test_block_compiles_and_its_imports_exist(path, line, code):
    tree = ast.parse(code, f"{path.name}:{line}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                importlib.import_module(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert alias.name == "*" or hasattr(module, alias.name) or \
                    importlib.util.find_spec(f"{node.module}.{alias.name}") is not None, \
                    f"{path.name}:{line}: {node.module} has no {alias.name}"


RUNNER = """
import sys
for where, code in BLOCKS:
    exec(compile(code, where, "exec"), NAMESPACE)
"""


@pytest.mark.parametrize("path", [p for p in FILES if _blocks(p)], ids=lambda p: p.name)
def test_blocks_run(path, tmp_path):
    runnable = [(f"{path.name}:{line}", code) for line, code in _blocks(path) if not code.startswith(NEEDS)]
    script = f"BLOCKS = {runnable!r}\nNAMESPACE = {{'__name__': '__main__'}}\n" + RUNNER
    env = dict(os.environ, TRNFFT_CACHE_DIR=str(tmp_path), TRNFFT_PLANNER="estimate")
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]


NEEDING = [(path, line, code.splitlines()[0]) for path, line, code in BLOCKS if code.startswith(NEEDS)]


@pytest.mark.parametrize("path,line,needs", NEEDING, ids=[f"{p.name}:{n}" for p, n, _ in NEEDING])
def test_blocks_that_need_more_than_this_machine(path, line, needs):
    pytest.skip(f"{path.name}:{line} is not run here; it {needs.removeprefix('# ')}")


@pytest.mark.parametrize("path,before", [(ROOT / "README.md", "(nki 300"),
                                         (ROOT / "docs" / "writing-a-backend.md", "trnfft's own: nki 300")])
def test_the_auto_priorities_the_docs_list_are_the_registered_ones(path, before):
    """Every bundled backend with an auto priority is listed with it (nki: its two executors' shared one)."""
    from trnfft.core.registry import REGISTRY
    text = " ".join(path.read_text().split())
    start = text.index(before.split(" 300")[0] + " 300")
    listed = dict((name, float(p)) for name, p in re.findall(r"([a-z-]+) (\d+)", text[start:text.index(".", start)]))
    registered = {("nki" if r.name.startswith("nki-") else r.name): r.auto_priority
                  for r in REGISTRY.records().values() if r.builtin and r.auto_priority is not None}
    assert listed == registered
