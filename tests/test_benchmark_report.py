"""benchmarks/report.py rewrites only its own marked blocks of docs/benchmarks.md."""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.report import markers, replace_blocks

PAGE = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def test_only_the_marked_blocks_change():
    (hb, he), (tb, te) = markers("head"), markers("tables")
    page = f"{hb}\nold head\n{he}\n\n## By hand\nkept as it is\n\n{tb}\nold table\n{te}\n"
    new = replace_blocks(page, {"head": ["# new head"], "tables": ["| new |", ""]})
    assert new == f"{hb}\n# new head\n{he}\n\n## By hand\nkept as it is\n\n{tb}\n| new |\n\n{te}\n"
    assert replace_blocks(new, {"head": ["# new head"], "tables": ["| new |", ""]}) == new  # idempotent


def test_a_page_without_markers_is_left_alone():
    with pytest.raises(ValueError, match="no '<!-- report.py: begin head"):
        replace_blocks("# hand-written only\n", {"head": ["x"]})


def test_a_new_page_gets_the_blocks_with_their_markers():
    page = replace_blocks(None, {"head": ["# h"], "tables": ["t"]})
    assert replace_blocks(page, {"head": ["# h2"], "tables": ["t2"]}).count("# h2") == 1


def test_the_real_page_has_both_blocks_around_its_hand_written_sections():
    text = PAGE.read_text()
    (hb, he), (tb, te) = markers("head"), markers("tables")
    assert text.index(hb) < text.index(he) < text.index("## Large sizes") < text.index(tb) < text.index(te)
