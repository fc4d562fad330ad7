"""The estimate effort's speed rule: coarse, but it must rank and add what it says it adds."""
from __future__ import annotations

from dataclasses import replace

import pytest

from trnfft.core.problem import make_problem
from trnfft.core.registry import REGISTRY
from trnfft.plugin import ARRAY_INPUT, TENSOR_INPUT, CostRule

RULE = CostRule(overhead=1e-6, in_cache=1e-10, out_of_cache=3e-10, tensor_overhead=2e-6, threads=True)


def test_the_rule_grows_with_size_and_steps_up_out_of_cache():
    small, big = make_problem("c2c", (1024,)), make_problem("c2c", (1 << 20,))
    assert RULE.seconds(small, ARRAY_INPUT) == pytest.approx(1e-6 + 1e-10 * 1024 * 10)
    assert RULE.seconds(big, ARRAY_INPUT) == pytest.approx(1e-6 + 3e-10 * 2**20 * 20)


def test_tensor_callers_real_and_double_transforms_and_threads(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    p = make_problem("c2c", (4096,))
    base = RULE.seconds(p, ARRAY_INPUT)
    assert RULE.seconds(p, TENSOR_INPUT) == pytest.approx(base + 2e-6)
    tensor_taker = CostRule(overhead=1e-6, in_cache=1e-10, out_of_cache=3e-10, array_overhead=1e-6)
    assert tensor_taker.seconds(p, ARRAY_INPUT) == pytest.approx(tensor_taker.seconds(p, TENSOR_INPUT) + 1e-6)
    assert RULE.seconds(make_problem("r2c", (4096,)), ARRAY_INPUT) < base
    assert RULE.seconds(replace(p, precision="double"), ARRAY_INPUT) > base
    assert RULE.seconds(replace(p, workers=2), ARRAY_INPUT) < base


@pytest.mark.parametrize("shape", [(1024,), (1 << 16,), (1024, 1024), (4096, 4096)])
def test_the_builtin_rules_rank_fftw_ahead_of_numpy_as_measured_here(shape):
    """benchmarks/calibrate_planner.py measured fftw-reference 4-8x faster on the dev VM."""
    records = REGISTRY.records()
    if not all(records[n].availability().available for n in ("fftw-reference", "numpy-reference")):
        pytest.skip("needs both reference backends")
    p = make_problem("c2c", shape, axes=tuple(range(len(shape))))
    fftw = records["fftw-reference"].backend.estimate_seconds(p, ARRAY_INPUT)
    numpy = records["numpy-reference"].backend.estimate_seconds(p, ARRAY_INPUT)
    assert 2 * fftw < numpy
