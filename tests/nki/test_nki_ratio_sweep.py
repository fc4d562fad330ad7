"""benchmarks/nki_ratio_sweep.py flags exactly the rows that miss issue 9's targets."""
from __future__ import annotations

from benchmarks.nki_ratio_sweep import (CLASSES, HIGH, LOW, figures, largest_prime_factor, length_class, misses,
                                        random_lengths, summary)


def test_a_row_is_flagged_exactly_for_the_targets_its_own_figures_miss():
    # 4095 is below the ratio target's 4096; the others are cheap four-step rows. Whatever the kernels
    # do now, each row's flags must follow from its own computed figures.
    rows = [figures(n, 1) for n in (4095, 4096, 4100, 8000)]
    for r in rows:
        assert r["launches"] >= 1 and r["ratio"] > 0 and r["error"] < 1e-3
        assert ("ratio" in r["misses"]) == (r["n"] >= 4096 and r["ratio"] > 3)
        assert "hbm" not in r["misses"]  # batch 1 below 2^16: the HBM target does not apply
        assert ("launches" in r["misses"]) == (r["launches"] != 1)
    assert summary(rows)[0].startswith(f"4 rows checked (4 lengths); {sum(bool(r['misses']) for r in rows)} miss")


def test_a_known_miss_and_a_known_pass():
    good = {"n": 4096, "batch": 64, "launches": 1, "hbm_over_minimum": 2.0, "ratio": 3.0, "error": 1e-7}
    assert misses(good) == []
    assert misses({**good, "ratio": 3.01}) == ["ratio"]
    assert misses({**good, "n": 4095, "ratio": 9.0}) == []           # the ratio target starts at 4096
    assert misses({**good, "hbm_over_minimum": 2.5}) == ["hbm"]
    assert misses({**good, "batch": 8, "hbm_over_minimum": 2.5}) == []  # below batch 64 and 2^16
    assert misses({**good, "batch": 1, "n": 1 << 16, "hbm_over_minimum": 2.5}) == ["hbm"]
    assert misses({**good, "launches": 2, "error": 2e-6}) == ["launches", "error"]
    assert misses({"n": 5, "batch": 1, "failed": "ValueError: x"}) == ["failed"]


def test_random_lengths_are_distinct_in_range_and_drawn_from_every_class():
    ns = random_lengths(len(CLASSES) * 2, seed=1)
    assert len(set(ns)) == len(ns) == len(CLASSES) * 2 and all(LOW <= n <= HIGH for n in ns)
    assert {"2^k", "2^k+-1", "prime", "7-smooth", "factor 131-199"} <= {length_class(n) for n in ns}
    assert random_lengths(5, seed=1) == ns[:5]  # the seed decides
    assert largest_prime_factor(2 * 3 * 131) == 131 and length_class(65537) == "2^k+-1"


def test_the_dft_only_ratio_is_a_column_and_a_summary_line_not_a_target():
    from benchmarks.nki_acceptance import HEADINGS
    rows = [figures(n, 1) for n in (4096, 6915)]     # a plain four-step and a tall one with transposes
    for r in rows:
        assert len(r["cells"]) == len(HEADINGS) and r["cells"][HEADINGS.index("ratio, DFT MACs only")] == \
            f"{r['dft_ratio']:.2f}"
        assert r["dft_ratio"] >= r["ratio"]
    assert rows[0]["dft_ratio"] == rows[0]["ratio"] and rows[1]["dft_ratio"] > rows[1]["ratio"]
    plain = {"n": 5000, "batch": 1, "launches": 1, "hbm_over_minimum": 1.0, "error": 1e-7}
    made = [{**plain, "ratio": 2.5, "dft_ratio": 3.5, "direction": "forward"},   # passes only through movement
            {**plain, "ratio": 3.5, "dft_ratio": 4.0, "direction": "forward"},   # misses both
            {**plain, "ratio": 2.0, "dft_ratio": 2.0, "direction": "forward"}]
    for r in made:
        r["misses"] = misses(r)
    assert [r["misses"] for r in made] == [[], ["ratio"], []]          # the target ignores the second ratio
    line = next(s for s in summary(made) if "DFT MACs only" in s)
    assert "2 of 3 rows above 3x; 1 pass the ratio target only through data-movement MACs: 5000/1 (2.50x, 3.50x)" \
        in line
