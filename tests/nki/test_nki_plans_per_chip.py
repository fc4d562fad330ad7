"""The NKI planner plans for the chip it targets: trn1's or trn2's figures (trn3: trn2's), chosen by
TRNFFT_NKI_TARGET or passed, cached per chip, each estimate as close to that chip's cost model as to trn1's."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from trnfft.plugin import FFTProblem, InvalidArgumentError
from trnfft_backends.nki import algorithms, emulated
from trnfft_backends.nki.cost import fft_cost
from trnfft_backends.nki.emulator.costmodel import CHIPS
from trnfft_backends.nki.plugin import FFTPlan

TRN1, TRN2 = CHIPS["trn1"], CHIPS["trn2"]


@pytest.mark.parametrize("value,chip", [("trn1", "trn1"), ("gen2", "trn1"), ("trn2", "trn2"), ("gen3", "trn2"),
                                        ("trn3", "trn2"), ("gen4", "trn2"), ("", "trn2")])
def test_the_target_selects_the_chip_plans_are_made_for(monkeypatch, value, chip):
    monkeypatch.setenv("TRNFFT_NKI_TARGET", value)
    assert algorithms.target_chip() is CHIPS[chip]
    assert algorithms.choose(4179).planned_for == chip and algorithms.choose(4179).describe().endswith(
        f", planned for {chip}")
    plan = FFTPlan(FFTProblem("c2c", (1, 4179), (1,), (4179,), True, "backward", "single"), emulated.simulate)
    assert plan.chip is CHIPS[chip] and plan.describe().endswith(f"planned for {chip}")
    if value in ("trn3", "gen4"):   # no trn3 figures: reports say whose are used, and why
        assert "trn2" in algorithms.planning_note() and "NeuronCore-v4" in algorithms.planning_note()


def test_the_plan_cache_keys_on_the_chip(monkeypatch):
    """4179 is planned differently for the two chips (trn1 makes more of F2's first columns on chip: they bind
    trn2's slower Scalar engine and GpSimd); the cache never serves one chip's plan for the other, in either
    order."""
    for first, second in (("trn1", "trn2"), ("trn2", "trn1")):
        monkeypatch.setenv("TRNFFT_NKI_TARGET", first)
        a = algorithms.choose(4179)
        monkeypatch.setenv("TRNFFT_NKI_TARGET", second)
        b = algorithms.choose(4179)
        assert (a.planned_for, b.planned_for) == (first, second)
        assert (a.formed > b.formed) == (first == "trn1")
    assert algorithms.choose(4179, chip=TRN1) == algorithms.choose(4179, chip=TRN1)
    assert algorithms.choose(4179, chip=TRN1).formed != algorithms.choose(4179, chip=TRN2).formed


def _estimate(chip, layout, batch):
    """The planner's estimate of a chosen layout: the estimate its family is chosen by."""
    f = layout.factors
    if layout.algorithm == "small":
        return algorithms._small_seconds(chip, layout.n, layout.group, batch, "c2c")
    if layout.algorithm == "four-step" and layout.per_tile == 1:
        return algorithms._planes_seconds(chip, f[0], f[1], layout.planes, batch)
    if layout.algorithm == "four-step":
        return algorithms._four_step_seconds(chip, f[0], f[1], batch, layout.group)
    if layout.algorithm == "bluestein":
        return algorithms._bluestein_seconds(chip, layout, batch)
    return algorithms.estimated_seconds(chip, layout, batch)


# (n, batch, family, the estimate's largest relative distance from the model on either chip)
FAMILIES = [(16, 1, "small", 1e-3), (100, 64, "small", 1e-3), (4096, 1, "four-step", 1e-3),
            (4191, 1, "four-step", 1e-3), (16384, 64, "four-step", 1e-3), (4096, 64, "four-step", 0.02),
            (4179, 1, "tall-four-step", 2e-3), (4097, 1, "tall-four-step", 2e-3), (6915, 1, "tall-four-step", 2e-3),
            (65536, 1, "six-step", 1e-3), (32768, 1, "radix-four-step", 0.02), (8193, 1, "bluestein", 1e-3),
            (4099, 1, "bluestein", 1e-3), (4099, 3, "bluestein", 1e-3), (16481, 2, "bluestein", 0.02)]


@pytest.mark.parametrize("n,batch,family,tolerance", FAMILIES)
def test_each_chips_estimate_matches_its_cost_model(n, batch, family, tolerance):
    """For each kernel family the estimate of the layout planned for a chip is within ``tolerance`` of that
    chip's MODELLED kernel time (the emulator's record of that layout), on trn2 as on trn1."""
    distance = {}
    for chip in (TRN1, TRN2):
        layout = algorithms.choose(n, batch, chip=chip)
        assert layout.algorithm == family
        modelled = fft_cost(n, batch, plan_for=chip.name)["modelled"][chip.name]["kernel_seconds_overlapped"]
        distance[chip.name] = abs(_estimate(chip, layout, batch) / modelled - 1)
    assert max(distance.values()) <= tolerance, distance


@pytest.mark.parametrize("n,batch", [(4179, 1), (5174, 1), (4122, 1), (4200, 1), (4096, 2), (6915, 2)])
def test_trn2_plans_are_never_slower_on_trn2_than_trn1_plans(n, batch):
    """Rows the trn1 plan made slower on trn2 (4179: 0.71 -> 0.84 us, 5174: 0.77 -> 0.85 MODELLED) and rows
    planned differently at batch 1 and 2: the trn2 plan is at least as fast on trn2, and different."""
    trn1_plan, trn2_plan = (replace(algorithms.choose(n, batch, chip=c), planned_for="") for c in (TRN1, TRN2))
    assert trn1_plan != trn2_plan
    seconds = {c: fft_cost(n, batch, plan_for=c)["modelled"]["trn2"]["kernel_seconds_overlapped"]
               for c in ("trn1", "trn2")}
    assert seconds["trn2"] <= seconds["trn1"]
    if (n, batch) in ((4179, 1), (5174, 1)):
        assert seconds["trn2"] < 0.95 * seconds["trn1"]


def test_trnfft_cost_fft_says_which_chip_planned(capsys, monkeypatch):
    from trnfft.cli import main
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn3")
    assert main(["cost", "fft", "--n", "5174"]) == 0
    text = capsys.readouterr().out
    assert "planned for trn2 (TRNFFT_NKI_TARGET=trn3: the cost model's figures for trn2" in text
    assert "trn1: MODELLED kernel" in text and "trn2: MODELLED kernel" in text
    assert main(["cost", "fft", "--n", "5174", "--plan-for", "trn1"]) == 0
    assert "made on chip, planned for trn1;" in capsys.readouterr().out


def test_trnfft_info_says_which_chip_the_nki_backends_plan_for(capsys, monkeypatch):
    import json

    from trnfft.cli import main
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn1")
    assert main(["info", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["backends"]}
    assert rows["nki-simulator"]["details"]["plans for"] == "trn1 (TRNFFT_NKI_TARGET=trn1)"


def test_cost_and_modelled_cost_say_which_chip_planned():
    d = fft_cost(4179, plan_for="trn1")
    assert d["fft"]["planned_for"] == "trn1" and d["fft"]["layout"].endswith("planned for trn1")
    assert set(d["modelled"]) == {"trn1", "trn2"}   # both chips' times of the one plan
    plan = FFTPlan(FFTProblem("c2c", (1, 4179), (1,), (4179,), True, "backward", "single"), emulated.simulate,
                   chip=TRN2)
    assert plan.modelled_cost()["planned_for"] == "trn2"
    trn1 = plan.modelled_cost(plan_for="trn1")
    assert trn1["planned_for"] == "trn1" and trn1["trn1_seconds"] == pytest.approx(
        d["modelled"]["trn1"]["kernel_seconds_overlapped"])


def test_the_per_chip_benchmark_counts_rows_by_their_modelled_trn2_times():
    from benchmarks.nki_plans_per_chip import row, summary
    rows = [row(4179, 1), row(16, 1)]    # planned differently for trn2 / the same small kernel
    assert not rows[0]["same"] and rows[0]["trn2"]["us"] < rows[0]["trn1"]["us"]
    assert rows[1]["same"] and rows[1]["trn1"] == rows[1]["trn2"]
    made = [{"n": 5, "batch": 1, "same": False, "trn1": {"us": 2.0}, "trn2": {"us": 1.0}},
            {"n": 6, "batch": 1, "same": False, "trn1": {"us": 1.0}, "trn2": {"us": 1.25}},
            {"n": 7, "batch": 1, "same": True, "trn1": {"us": 1.0}, "trn2": {"us": 1.0}}]
    lines = summary(made)
    assert lines[0] == ("3 rows; 2 planned differently for trn2 than for trn1: 1 faster on trn2 (MODELLED), "
                        "1 slower, 0 the same.")
    assert "median 1.400, best 2.000, worst 0.800" in lines[1] and lines[2] == "slower: 6/1 1.00 -> 1.25 us"


@pytest.mark.parametrize("plan_for", ["trn3", "", "TRN1", 1])
def test_plan_for_names_a_chip_of_the_cost_model_or_a_clear_error(plan_for):
    """``modelled_cost`` and ``fft_cost`` check ``plan_for`` the same way (``costmodel.chip_named``): trn3, which
    the cost model has no figures for, is an InvalidArgumentError naming the choices, not a KeyError."""
    plan = FFTPlan(FFTProblem("c2c", (1, 16), (1,), (16,), True, "backward", "single"), emulated.simulate)
    for call in (lambda: plan.modelled_cost(plan_for=plan_for), lambda: fft_cost(16, plan_for=plan_for)):
        with pytest.raises(InvalidArgumentError, match=r"plan_for must be one of trn1, trn2 .*got " + repr(plan_for)):
            call()


def test_trnfft_info_keeps_the_nki_details_under_an_invalid_target(capsys, monkeypatch):
    """A bad TRNFFT_NKI_TARGET makes the backends unavailable (with the reason); ``trnfft info`` still shows
    their engine, and the planning detail says the value is invalid, naming it."""
    import json

    from trnfft.cli import main
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "bogus")
    main(["info", "--json"])
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["backends"]}
    details = rows["nki-simulator"]["details"]
    assert "details_error" not in details and details["engine"]
    assert details["plans for"].startswith("invalid: TRNFFT_NKI_TARGET='bogus': expected one of trn1, trn2")


def test_the_model_benchmark_takes_a_plan_with_the_older_modelled_cost_too():
    """``benchmarks/bench_nki_model.py`` asks each chip's plan (``plan_for``); a third-party plan with the
    hookspec's older ``modelled_cost()`` (no arguments) is tracked by its own figures on both chips, not a
    TypeError in asv's setup."""
    from benchmarks.bench_nki_model import costs_per_chip

    class OlderPlan:
        def modelled_cost(self):
            return {"launches": 1, "trn1_seconds": 2e-6, "trn2_seconds": 1e-6}
    costs = costs_per_chip(OlderPlan())
    assert costs["trn1"] is costs["trn2"] and costs["trn1"]["trn1_seconds"] == 2e-6
    plan = FFTPlan(FFTProblem("c2c", (1, 4179), (1,), (4179,), True, "backward", "single"), emulated.simulate,
                   chip=TRN2)
    costs = costs_per_chip(plan)
    assert costs["trn1"]["planned_for"] == "trn1" and costs["trn2"]["planned_for"] == "trn2"


def test_a_changed_target_gets_the_plan_made_for_the_new_chip(monkeypatch):
    """A user who changes TRNFFT_NKI_TARGET mid-process gets plans made for the new chip: the NKI backends
    declare it a plan setting, which the core's plan cache keys on. 4179's trn2 layout differs from trn1's;
    after the switch the next call plans for trn1 (accurate), and switching back serves the trn2 plan
    still cached."""
    import trnfft
    from trnfft.core.dispatch import get_plan
    from trnfft.core.problem import make_problem

    problem = make_problem("c2c", (1, 4179), precision="single")
    x = (np.random.default_rng(4179).uniform(-1, 1, (1, 4179))
         + 1j * np.random.default_rng(9714).uniform(-1, 1, (1, 4179))).astype(np.complex64)
    ref = np.fft.fft(x.astype(np.complex128))

    def error() -> float:
        y = trnfft.fft(x, backend="nki-simulator")
        return float(np.linalg.norm(y - ref) / np.linalg.norm(ref))
    trnfft.plan_cache.clear()
    try:
        monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn2")
        assert error() <= 1e-6
        for_trn2 = get_plan(problem, "nki-simulator")
        assert for_trn2.chip is TRN2
        monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn1")
        assert error() <= 1e-6
        for_trn1 = get_plan(problem, "nki-simulator")
        assert for_trn1 is not for_trn2 and for_trn1.chip is TRN1
        assert for_trn1.describe() == FFTPlan(problem, emulated.simulate, chip=TRN1).describe() != for_trn2.describe()
        monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn2")
        assert get_plan(problem, "nki-simulator") is for_trn2
    finally:
        trnfft.plan_cache.clear()
