"""The typed problem key mirrors FFTProblem field for field (the hot path carries keys, plans get problems)."""
from __future__ import annotations

from dataclasses import fields

from trnfft.core.problem import FFTProblem, ProblemKey, make_problem


def test_the_key_has_the_problems_fields_in_order():
    assert ProblemKey._fields == tuple(f.name for f in fields(FFTProblem))
    defaults = {f.name: f.default for f in fields(FFTProblem) if f.name == "workers"}
    assert ProblemKey._field_defaults == defaults == {"workers": 1}


def test_problem_and_key_round_trip():
    p = make_problem("c2r", (4, 30), axes=(0, 1), precision="double", norm="ortho")
    key = p.key()
    assert type(key) is ProblemKey and key.kind == "c2r" and key.shape == (4, 16)
    assert FFTProblem(*key) == p and hash(key) == hash(tuple(key))
