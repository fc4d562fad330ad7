"""The planner's choices file: shared safely by threads and processes, other machines kept."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading

import pytest

from trnfft import TrnfftError
from trnfft.core import choices
from trnfft.core.choices import Choice, ChoiceStore

WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from trnfft.core import choices
    choices.SAVE_INTERVAL = 0.0          # save after every choice: the worst case for races
    store = choices.ChoiceStore(Path(sys.argv[1]), machine="test-machine")
    for i in range(25):
        store.put(f"{sys.argv[2]}-{i}", choices.Choice("b", "measure", {"b": 1e-6}, 0.0, {"b": "1"}))
    store.save()
""")


def _choice(backend: str = "b") -> Choice:
    return Choice(backend, "measure", {backend: 1e-6}, 0.0, {backend: "1"})


def test_two_processes_saving_at_once_keep_every_choice(tmp_path):
    path = tmp_path / choices.FILE_NAME
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag]) for tag in ("p", "q")]
    assert [p.wait(120) for p in procs] == [0, 0]
    found = choices.read(path, "test-machine")
    assert sorted(found) == sorted(f"{t}-{i}" for t in "pq" for i in range(25))
    assert not [f for f in tmp_path.iterdir() if f.name.startswith(".choices-")]  # no temp files left


def test_threads_putting_at_once_lose_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(choices, "SAVE_INTERVAL", 0.0)
    store = ChoiceStore(tmp_path / choices.FILE_NAME, machine="m")
    threads = [threading.Thread(target=lambda t=t: [store.put(f"{t}-{i}", _choice()) for i in range(20)])
               for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(choices.read(store.path, "m")) == 80


def test_another_machines_records_are_kept(tmp_path):
    path = tmp_path / choices.FILE_NAME
    a, b = ChoiceStore(path, machine="a"), ChoiceStore(path, machine="b")
    a.put("k", _choice("x"))
    a.save()
    b.put("k", _choice("y"))
    b.save()
    data = json.loads(path.read_text())
    assert data["machines"]["a"]["k"]["backend"] == "x" and data["machines"]["b"]["k"]["backend"] == "y"
    assert ChoiceStore(path, machine="a").get("k").backend == "x"


def test_a_file_of_another_format_is_replaced_quietly(tmp_path, recwarn):
    path = tmp_path / choices.FILE_NAME
    path.write_text(json.dumps({"format": 99, "machines": {}}))
    store = ChoiceStore(path, machine="m")
    assert store.get("k") is None
    store.put("k", _choice())
    store.save()
    assert choices.read(path, "m")["k"].backend == "b" and not recwarn.list


def test_a_malformed_record_makes_the_file_unusable(tmp_path):
    path = tmp_path / choices.FILE_NAME
    path.write_text(json.dumps({"format": choices.FORMAT, "machines": {"m": {"k": {"backend": 3}}}}))
    try:
        choices.read(path, "m")
    except choices.UnusableChoices as exc:
        assert "malformed" in str(exc)
    else:
        raise AssertionError("a malformed record was accepted")


@pytest.mark.parametrize("budget", [None, True, False, -1.0, "1"])
def test_a_starved_record_without_a_usable_budget_is_set_aside_with_a_warning(tmp_path, budget):
    """(``trnfft which`` formats the budget of a record whose measurement was cut short.)"""
    path = tmp_path / choices.FILE_NAME
    record = dict(_choice().to_json(), budget=budget, limited={"c": "not run: the budget was gone"})
    path.write_text(json.dumps({"format": choices.FORMAT, "machines": {"m": {"k": record}}}))
    with pytest.raises(choices.UnusableChoices, match="malformed"):
        choices.read(path, "m")
    with pytest.warns(RuntimeWarning, match="unusable"):
        assert ChoiceStore(path, machine="m").get("k") is None
    assert (tmp_path / (choices.FILE_NAME + ".unusable")).exists()


def test_an_unwritable_directory_costs_one_warning(tmp_path, recwarn):
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = ChoiceStore(blocker / "sub" / choices.FILE_NAME, machine="m")
    store.put("k", _choice())
    store.save()
    store.put("k2", _choice())
    store.save()
    assert len([w for w in recwarn.list if "cannot save" in str(w.message)]) == 1
    assert store.get("k2").backend == "b"  # still known in this process


def test_the_file_keeps_the_newest_records_only(tmp_path, monkeypatch):
    monkeypatch.setattr(choices, "MAX_RECORDS", 3)
    store = ChoiceStore(tmp_path / choices.FILE_NAME, machine="m")
    for i in range(5):
        store.put(f"k{i}", Choice("b", "measure", {"b": 1e-6}, float(i), {"b": "1"}))
    store.save()
    assert sorted(choices.read(store.path, "m")) == ["k2", "k3", "k4"]


def test_forgetting_drops_this_machines_records_in_the_file_and_keeps_other_machines(tmp_path):
    path = tmp_path / choices.FILE_NAME
    a, b = ChoiceStore(path, machine="a"), ChoiceStore(path, machine="b")
    for key in ("k1", "k2", "k3"):
        a.put(key, _choice())
    a.save()
    b.put("k1", _choice())
    b.save()
    assert a.forget(["k1", "unknown"]) == 1
    assert sorted(choices.read(path, "a")) == ["k2", "k3"] and a.get("k1") is None
    assert a.forget() == 2 and choices.read(path, "a") == {}
    assert sorted(choices.read(path, "b")) == ["k1"]


@pytest.mark.parametrize("blocker", ["file as the directory", "directory as the lock"])
def test_forgetting_where_the_file_cannot_be_changed_is_a_clear_error_naming_it(tmp_path, blocker):
    if blocker == "file as the directory":
        (tmp_path / "plain-file").write_text("")
        path = tmp_path / "plain-file" / "sub" / choices.FILE_NAME
    else:
        path = tmp_path / choices.FILE_NAME
        path.with_name(path.name + ".lock").mkdir()
    store = ChoiceStore(path, machine="a")
    store._choices["k"] = _choice()
    with pytest.raises(choices.ChoicesUnwritable, match=f"{path}.*forgotten in this process only") as err:
        store.forget()
    assert isinstance(err.value, TrnfftError) and isinstance(err.value.__cause__, OSError)
    assert store.get("k") is None  # forgotten here all the same


def test_forgetting_while_another_process_holds_the_lock_is_a_clear_error(tmp_path):
    import pytest
    store = ChoiceStore(tmp_path / choices.FILE_NAME, machine="a")
    store.put("k", _choice())
    with choices._file_lock(store.path.with_name(store.path.name + ".lock"), 1.0) as held:
        assert held
        with pytest.raises(choices.ChoicesBusy, match="another process"):
            ChoiceStore(store.path, machine="a").forget(lock_timeout=0.1)


def test_an_older_format_without_the_budget_is_read_as_complete_measurements(tmp_path, recwarn):
    """Format 2 records did not say whether the budget cut them short: they are kept as final,
    every machine's, and written back in the current format."""
    path = tmp_path / choices.FILE_NAME
    old = {"backend": "b", "effort": "measure", "seconds": {"b": 1e-6}, "when": 0.0,
           "candidates": {"b": "1"}, "excluded": {}, "runs": {"b": 7}, "provisional": []}
    path.write_text(json.dumps({"format": 2, "machines": {"m": {"k": old}, "other": {"k": old}}}))
    store = ChoiceStore(path, machine="m")
    kept = store.get("k")
    assert kept.backend == "b" and kept.runs == {"b": 7} and kept.budget is None and kept.limited == {}
    from trnfft.core import autoplan
    assert not autoplan._due(kept, 10.0)   # complete: never measured again
    store.put("k2", _choice())
    store.save()
    data = json.loads(path.read_text())
    assert data["format"] == choices.FORMAT == 4 and sorted(data["machines"]) == ["m", "other"]
    assert sorted(data["machines"]["m"]) == ["k", "k2"] and list(data["machines"]["other"]) == ["k"]
    assert choices.read(path, "other")["k"].runs == {"b": 7} and not recwarn.list


def test_a_format_3_record_is_read_as_not_knowing_what_a_complete_measurement_needs(tmp_path, recwarn):
    """Format 3 recorded the budget and what it cut short, not what a complete measurement needs:
    such a starved record is measured once more at its budget, as format 3 had it."""
    path = tmp_path / choices.FILE_NAME
    record = dict(_choice().to_json(), budget=0.5, limited={"c": "not run"}, attempts=1)
    del record["needs"]
    path.write_text(json.dumps({"format": 3, "machines": {"m": {"k": record}}}))
    kept = ChoiceStore(path, machine="m").get("k")
    from trnfft.core import autoplan
    assert kept.needs is None and kept.limited and autoplan._due(kept, 0.5) and not recwarn.list


@pytest.mark.parametrize("needs", [True, -1.0, "2", float("nan"), 1e308, choices.MAX_NEEDS * 1.01])
def test_a_record_with_an_unusable_needs_is_set_aside(tmp_path, needs):
    """(A needs of 1e308 crashed ``trnfft which`` before: the budget it suggested overflowed.)"""
    path = tmp_path / choices.FILE_NAME
    record = dict(_choice().to_json(), budget=0.5, limited={"c": "not run"}, needs=needs)
    path.write_text(json.dumps({"format": choices.FORMAT, "machines": {"m": {"k": record}}}))
    with pytest.raises(choices.UnusableChoices, match="malformed"):
        choices.read(path, "m")


def test_a_record_keeps_its_budget_and_what_the_budget_cut_short(tmp_path):
    path = tmp_path / choices.FILE_NAME
    store = ChoiceStore(path, machine="m")
    store.put("k", Choice("b", "measure", {"b": 1e-6}, 0.0, {"b": "1", "c": "2"}, budget=0.25,
                          limited={"c": "not run: more than the budget left"}, attempts=2, needs=0.75))
    store.save()
    kept = choices.read(path, "m")["k"]
    assert (kept.budget, kept.limited, kept.attempts, kept.needs) == (
        0.25, {"c": "not run: more than the budget left"}, 2, 0.75)
    bad = json.loads(path.read_text())
    bad["machines"]["m"]["k"]["limited"] = ["c"]
    path.write_text(json.dumps(bad))
    with pytest.raises(choices.UnusableChoices, match="wrong field types"):
        choices.read(path, "m")
