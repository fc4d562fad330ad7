"""auto's planner: it times the candidates once per problem class, remembers, never overrides.

Throw-away candidate backends (loaded alone, TRNFFT_LOAD_BACKENDS empty) make
the outcome certain: "slow" sleeps in every run, "quick" does not.
"""
from __future__ import annotations

import re
import threading
import time
import types
import warnings

import numpy as np
import pytest

import trnfft
from trnfft.core import autoplan, choices, trials
from trnfft.core.errors import InvalidArgumentError
from trnfft.core.registry import REGISTRY
from trnfft.plugin import Availability, Capabilities, TENSOR_INPUT, hookimpl, planning_time_left


class Candidate:
    """numpy.fft for c2c, ``delay`` seconds of CPU slower per run, and ``wait`` seconds more of wall-clock
    time off the CPU (as another process's load takes it); counts plans and runs."""

    version, description = "1", "throw-away planner candidate"

    def __init__(self, name: str, delay: float = 0.0, estimate=None, plan_hook=None, wait: float = 0.0) -> None:
        self.name, self.delay, self._estimate, self.plan_hook = name, delay, estimate, plan_hook
        self.wait = wait
        self.plans = 0
        self.inputs: list[np.ndarray] = []

    def availability(self):
        return Availability.yes()

    def capabilities(self):
        return Capabilities(kinds=frozenset({"c2c"}))

    def plan(self, problem):
        self.plans += 1
        if self.plan_hook is not None:
            self.plan_hook(problem)

        def execute(x):
            self.inputs.append(x)
            end = time.process_time() + self.delay
            while time.process_time() < end:
                pass  # delay seconds of this process's CPU time: the trials count min(wall, CPU), and a
                # wall-clock spin on a loaded machine gets less CPU than its delay (a sleep gets none)
            if self.wait:
                time.sleep(self.wait)
            y = np.fft.fftn(x, axes=problem.axes) * problem.scale
            return y.astype(problem.output_dtype)
        return types.SimpleNamespace(problem=problem, execute=execute)

    def estimate_seconds(self, problem, source):
        if self._estimate is None:
            raise AttributeError("no estimate")
        return self._estimate(problem, source)


def _module(*registrations):
    module = types.ModuleType("throwaway_candidates")

    @hookimpl
    def trnfft_register_backends(register):
        for backend, claims in registrations:
            register(backend, **claims)

    module.trnfft_register_backends = trnfft_register_backends
    return module


@pytest.fixture
def planner(tmp_path, monkeypatch):
    """A fresh planner: private choices file, no entry-point backends, given candidates."""
    monkeypatch.setenv("TRNFFT_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("TRNFFT_LOAD_BACKENDS", "")
    monkeypatch.setenv("TRNFFT_PLANNER", "measure")
    monkeypatch.setenv("TRNFFT_PLANNER_FIRST_CALL", "measure")  # measured at once (see the first-sight tests)
    added = []

    def install(*registrations):
        plugin = _module(*registrations)
        trnfft.register_plugin(plugin)
        added.append(plugin)
        trnfft.plan_cache.clear()

    autoplan._memo.clear()
    autoplan._seen.clear()
    yield install
    for plugin in added:
        trnfft.unregister_plugin(plugin)
    monkeypatch.undo()
    REGISTRY.reload()
    autoplan._memo.clear()
    autoplan._seen.clear()
    choices._stores.clear()
    trnfft.plan_cache.clear()


def _slow_and_quick(delay=0.003, **quick_claims):
    slow, quick = Candidate("slow", delay), Candidate("quick")
    return slow, quick, [(slow, dict(auto_priority=300, candidate=True)),
                         (quick, dict(auto_priority=100, candidate=True, **quick_claims))]


X = (np.arange(64) + 1j).astype(np.complex64)


def test_measure_chooses_the_faster_candidate_and_shows_its_figures(planner):
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    assert np.allclose(trnfft.fft(X), np.fft.fft(X), atol=1e-4)
    w = trnfft.which("fft", (64,), "complex64")
    assert w.backend == "quick" and w.candidates == ("slow", "quick")
    assert w.choice.effort == "measure" and w.choice.backend == "quick"
    assert w.choice.seconds["slow"] >= 0.003 > w.choice.seconds["quick"]
    assert time.time() - w.choice.when < 60


def test_explicit_choices_are_never_overridden(planner):
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    assert trnfft.which("fft", (64,), "complex64", backend="slow").backend == "slow"
    with trnfft.use_backend("slow"):
        trnfft.fft(X)
    trnfft.set_backend("slow")
    assert trnfft.which("fft", (64,), "complex64").backend == "slow"
    assert slow.plans == 1 and quick.plans == 0  # one plan, cached, and nothing measured


def test_a_non_candidate_above_the_candidates_keeps_auto(planner):
    slow, quick, regs = _slow_and_quick()
    top = Candidate("accelerator", delay=0.003)
    planner(*regs, (top, dict(auto_priority=1000)))
    w = trnfft.which("fft", (64,), "complex64")
    assert (w.backend, w.candidates, w.choice) == ("accelerator", (), None)
    assert slow.plans == quick.plans == 0


def test_the_trials_never_see_the_callers_data(planner):
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    x = X.copy()
    y = trnfft.fft(x)
    assert np.array_equal(x, X)  # input untouched
    assert np.allclose(y, np.fft.fft(X), atol=1e-4)
    trial_inputs = slow.inputs + quick.inputs[:-1]
    assert trial_inputs and not any(np.shares_memory(t, x) for t in trial_inputs)
    assert np.shares_memory(quick.inputs[-1], x)  # the real call, on the chosen backend


def test_a_slow_candidate_runs_twice_and_is_not_sampled_beyond_the_budget(planner, monkeypatch):
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", "0.05")
    slow, quick, regs = _slow_and_quick(delay=0.04)  # > half its share (0.025 s) in one run
    planner(*regs)
    trnfft.fft(X)
    assert len(slow.inputs) == 2  # the checked first run and the timed one, no samples
    assert trnfft.which("fft", (64,), "complex64").choice.runs["slow"] == 2


def test_estimate_runs_nothing_and_follows_the_rules(planner, monkeypatch):
    monkeypatch.setenv("TRNFFT_PLANNER", "estimate")
    slow = Candidate("slow", 0.003, estimate=lambda p, s: 1e-6)  # the rule is wrong on purpose
    quick = Candidate("quick", estimate=lambda p, s: 1e-3)
    planner((slow, dict(auto_priority=100, candidate=True)),
            (quick, dict(auto_priority=300, candidate=True)))
    w = trnfft.which("fft", (64,), "complex64")
    assert w.backend == "slow" and w.choice.effort == "estimate"
    assert w.choice.seconds == {"slow": 1e-6, "quick": 1e-3}
    assert quick.inputs == [] and quick.plans == 0


def test_the_input_kind_is_part_of_the_choice(planner, monkeypatch):
    """A candidate whose rule says it is fast for tensors only (what a torch-based backend
    would declare) is chosen for tensor input and not for arrays."""
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("TRNFFT_PLANNER", "estimate")
    host = Candidate("host", estimate=lambda p, s: 5e-6)
    tensorish = Candidate("tensorish", estimate=lambda p, s: 2e-6 if s == TENSOR_INPUT else 9e-6)
    planner((host, dict(auto_priority=300, candidate=True)),
            (tensorish, dict(auto_priority=100, candidate=True)))
    assert trnfft.which("fft", (64,), "complex64").backend == "host"
    assert trnfft.which("fft", (64,), "complex64", array="torch:cpu").backend == "tensorish"
    y = trnfft.fft(torch.from_numpy(X))
    assert tensorish.inputs and not host.inputs  # the tensor call ran on its choice
    assert np.allclose(y.numpy(), np.fft.fft(X), atol=1e-4)


def test_two_threads_on_a_new_problem_measure_it_once(planner):
    slow, quick, regs = _slow_and_quick(delay=0.002)
    planner(*regs)
    _fft_from_threads(6, calls=1)
    assert slow.plans == 1  # only a measurement plans the loser


def _fft_from_threads(count: int, calls: int) -> None:
    """``count`` threads started together each call trnfft.fft(X) ``calls`` times: all must be right."""
    start = threading.Barrier(count)
    results, errors = [], []

    def work():
        try:
            start.wait()
            for _ in range(calls):
                results.append(trnfft.fft(X))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(results) == count * calls
    assert all(np.allclose(y, np.fft.fft(X), atol=1e-4) for y in results)


def test_a_trial_that_reenters_trnfft_does_not_wait_on_itself(planner):
    def reenter(problem):
        trnfft.fft(np.ones(problem.shape, np.complex64))  # the same problem, under auto

    quick = Candidate("quick", plan_hook=reenter)
    slow = Candidate("slow", 0.002)
    planner((slow, dict(auto_priority=300, candidate=True)),
            (quick, dict(auto_priority=100, candidate=True)))
    done = []
    t = threading.Thread(target=lambda: done.append(trnfft.fft(X)), daemon=True)
    t.start()
    t.join(60)
    assert done and np.allclose(done[0], np.fft.fft(X), atol=1e-4)


def test_a_candidate_that_fails_its_trial_is_passed_over(planner):
    class Broken(Candidate):
        def plan(self, problem):
            return types.SimpleNamespace(problem=problem, execute=lambda x: x[:1])

    broken, quick = Broken("broken"), Candidate("quick", 0.002)
    planner((broken, dict(auto_priority=300, candidate=True)),
            (quick, dict(auto_priority=100, candidate=True)))
    w = trnfft.which("fft", (64,), "complex64")
    assert w.backend == "quick" and "failed its trial" in w.choice.excluded["broken"]


def test_the_choice_is_kept_per_machine_and_reused(planner):
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    trnfft.fft(X)
    choices.save_all()
    autoplan._memo.clear()
    autoplan._seen.clear()
    choices._stores.clear()  # as a new process would start
    trnfft.plan_cache.clear()
    assert trnfft.which("fft", (64,), "complex64").backend == "quick"
    assert slow.plans == 1  # not measured again


def test_a_new_candidate_version_is_measured_again(planner):
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    trnfft.fft(X)
    slow.version = "2"
    trnfft.plan_cache.clear()
    trnfft.fft(X)
    assert slow.plans == 2


def test_the_choice_key_holds_what_decides_the_winner():
    from trnfft.core.problem import make_problem
    from dataclasses import replace
    p = make_problem("c2c", (64, 128), axes=(1,))
    keys = {autoplan.choice_key(q, s) for q in (p, replace(p, workers=2), replace(p, precision="double"),
                                                 replace(p, axes=(0,), lengths=(64,)))
            for s in ("ndarray", "tensor")}
    assert len(keys) == 8
    assert autoplan.choice_key(replace(p, norm="ortho", forward=False), "ndarray") == \
        autoplan.choice_key(p, "ndarray")  # direction and norm cost the same


@pytest.mark.parametrize("var, value", [("TRNFFT_PLANNER", "patient"),
                                        ("TRNFFT_PLANNER_BUDGET", "-1"),
                                        ("TRNFFT_PLANNER_BUDGET", "soon"),
                                        ("TRNFFT_PLANNER_FIRST_CALL", "later")])
def test_bad_planner_settings_are_clear_errors(planner, monkeypatch, var, value):
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    monkeypatch.setenv(var, value)
    with pytest.raises(InvalidArgumentError, match=var):
        trnfft.fft(X)


def test_set_planner_overrides_the_environment(planner):
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    try:
        trnfft.set_planner("estimate", budget=0)
        assert autoplan.planner_settings() == ("estimate", 0.0)
        with pytest.raises(InvalidArgumentError, match="effort"):
            trnfft.set_planner("exhaustive")
    finally:
        trnfft.set_planner(None)
    assert autoplan.planner_settings() == ("measure", autoplan.DEFAULT_BUDGET)


def test_a_candidate_must_declare_its_auto_priority(planner):
    planner((Candidate("loose"), dict(candidate=True)))
    rows = {r["name"]: r for r in trnfft.backends_info()}
    assert "auto_priority" in rows["throwaway_candidates"]["description"]


def test_an_unusable_choices_file_is_set_aside_with_one_warning(planner, tmp_path):
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    path = tmp_path / choices.FILE_NAME
    path.write_text("{ not json")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trnfft.fft(X)
        trnfft.fft(X[:32].copy())
        choices.save_all()
    assert [str(w.message) for w in caught if "choices file" in str(w.message)] == [
        f"trnfft backend choices file {path} is not JSON; moved it to {path}.unusable and will "
        f"write a new one"]
    assert (tmp_path / (choices.FILE_NAME + ".unusable")).read_text() == "{ not json"
    assert len(choices.read(path, choices.machine_id())) == 2


def test_trnfft_which_shows_the_choice_its_figures_and_when(planner, capsys):
    from trnfft.cli import main
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    assert main(["which", "fft", "--shape", "64"]) == 0
    out = capsys.readouterr().out
    assert "quick (chosen by auto)" in out and "planner: measured on" in out
    assert "<- chosen" in out.split("quick:")[1].splitlines()[0] and "slow:" in out


def test_a_candidate_its_rule_calls_hopeless_is_not_even_planned(planner):
    quick = Candidate("quick", estimate=lambda p, s: 1e-6)
    hopeless = Candidate("hopeless", 0.003, estimate=lambda p, s: 1.0)
    planner((hopeless, dict(auto_priority=300, candidate=True)),
            (quick, dict(auto_priority=100, candidate=True)))
    w = trnfft.which("fft", (64,), "complex64")
    assert w.backend == "quick" and hopeless.plans == 0
    assert w.choice.excluded["hopeless"].startswith("not run: its rule estimates 1,000,000.0 us")


def test_trnfft_info_says_auto_chooses_among_the_candidates(planner, capsys):
    from trnfft.cli import main
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    assert main(["info"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "auto picks here: per problem, the fastest of slow, quick (planner effort measure" in out


def test_a_candidates_own_planning_counts_against_the_budget_and_sees_what_is_left(planner, monkeypatch):
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", "0.5")
    left: list[float | None] = []

    def overrun(problem):  # a planner that ignores what it is told is left
        left.append(planning_time_left())
        time.sleep(0.6)

    slow_planner = Candidate("slow-planner", estimate=lambda p, s: 1e-6, plan_hook=overrun)
    quick = Candidate("quick", estimate=lambda p, s: 2e-6, plan_hook=lambda p: left.append(planning_time_left()))
    planner((slow_planner, dict(auto_priority=300, candidate=True)),
            (quick, dict(auto_priority=100, candidate=True)))
    started = time.perf_counter()
    w = trnfft.which("fft", (64,), "complex64")
    assert time.perf_counter() - started < 0.6 + 0.5  # its overrun, then nothing but its two runs
    assert len(left) == 1 and 0 < left[0] <= 0.5 * trials.PLANNING_SHARE  # half the budget, for its search
    assert set(w.choice.seconds) == {"slow-planner"}
    assert "more than the budget left" in w.choice.excluded["quick"]
    trnfft.fft(X, backend="quick")  # planned outside the planner: nothing bounds it
    assert left[1:] == [None]


def test_an_explicit_selection_is_never_served_the_planners_plan(planner):
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    trnfft.fft(X)  # auto: the planner picks quick
    before = len(slow.inputs)
    x = X.copy()
    trnfft.fft(x, backend="quick")
    trnfft.fft(x, backend="slow")
    assert len(slow.inputs) == before + 1 and np.shares_memory(slow.inputs[-1], x)


def test_a_cpu_tensor_reaches_a_tensor_taking_choice_as_it_is(planner, monkeypatch):
    torch = pytest.importorskip("torch")

    class TensorTaker(Candidate):
        def capabilities(self):
            return Capabilities(kinds=frozenset({"c2c"}), arrays=frozenset({"numpy", "torch:cpu"}))

        def plan(self, problem):
            self.plans += 1

            def execute(x):
                self.inputs.append(x)
                if isinstance(x, torch.Tensor):
                    return torch.fft.fftn(x, dim=list(problem.axes))
                return np.fft.fftn(x, axes=problem.axes).astype(problem.output_dtype)
            return types.SimpleNamespace(problem=problem, execute=execute)

    monkeypatch.setenv("TRNFFT_PLANNER", "estimate")
    host = Candidate("host", estimate=lambda p, s: 5e-6)
    taker = TensorTaker("taker", estimate=lambda p, s: 2e-6 if s == TENSOR_INPUT else 9e-6)
    planner((host, dict(auto_priority=300, candidate=True)),
            (taker, dict(auto_priority=100, candidate=True)))
    t = torch.from_numpy(X.copy())
    y = trnfft.fft(t)
    assert isinstance(taker.inputs[-1], torch.Tensor) and taker.inputs[-1].data_ptr() == t.data_ptr()
    assert isinstance(y, torch.Tensor) and np.allclose(y.numpy(), np.fft.fft(X), atol=1e-4)
    trnfft.fft(X)
    assert host.inputs  # arrays went to the other choice


def test_a_forgotten_choice_is_measured_again_and_the_others_are_kept(planner):
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    trnfft.fft(X)
    trnfft.fft(np.ones((4, 64), np.complex64))  # a second problem class
    choices.save_all()
    assert trnfft.forget_choices("fft", (64,), "complex64") == 1
    assert trnfft.forget_choices("fft", (64,), "complex64") == 0  # nothing left to forget
    saved = choices.read(choices.store().path, choices.machine_id())
    assert list(saved) == [autoplan.choice_key(trnfft.which("fft", (4, 64)).problem, "numpy")]
    assert slow.plans == 2
    trnfft.fft(X)  # the cached plan went with the choice: measured again now
    assert slow.plans == 3 and trnfft.which("fft", (64,)).choice is not None


def test_forgetting_everything_reaches_other_processes_through_the_file(planner):
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    trnfft.fft(X)
    trnfft.fft(X.astype(np.complex128))
    choices.save_all()
    assert trnfft.forget_choices() == 2
    choices._stores.clear()  # as a new process would start
    assert choices.store().items() == []
    trnfft.fft(X)
    assert slow.plans == 3  # measured again


def test_trnfft_which_forget_says_what_it_forgot_and_measures_again(planner, capsys):
    from trnfft.cli import main
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    trnfft.fft(X)
    assert main(["which", "fft", "--shape", "64", "--forget"]) == 0
    out = capsys.readouterr().out
    assert "forgot 1 remembered choice for this problem" in out and "planner: measured on" in out
    assert slow.plans == 2
    assert main(["which", "fft", "--shape", "64", "--forget-all"]) == 0
    assert "forgot 1 remembered choice of this machine" in capsys.readouterr().out


def test_trnfft_which_forget_where_the_cache_cannot_be_written_exits_2_naming_the_file(
        tmp_path, monkeypatch, capsys):
    from trnfft.cli import main
    (tmp_path / "plain-file").write_text("")
    monkeypatch.setenv("TRNFFT_CACHE_DIR", str(tmp_path / "plain-file" / "sub"))
    assert main(["which", "fft", "--shape", "64", "--forget"]) == 2
    out = capsys.readouterr().out
    assert "cannot forget" in out and "backend-choices.json" in out and "Traceback" not in out


def test_a_choice_provisional_on_a_setup_serves_its_cached_plan_until_cleared_and_which_says_so(planner):
    """A candidate passed over only for a one-time setup (torch-native: importing torch) is
    reconsidered when the problem is planned again after the setup is paid: a later process,
    or after ``plan_cache.clear()``. Until then the cached plan serves and which() shows its choice."""
    lazy, quick = Candidate("lazy", estimate=lambda p, s: 1e-6), Candidate("quick", estimate=lambda p, s: 2e-6)
    lazy.setup = (10.0, "wake up")
    lazy.pending_setup = lambda: lazy.setup
    planner((lazy, dict(auto_priority=300, candidate=True)), (quick, dict(auto_priority=100, candidate=True)))
    trnfft.fft(X)
    first = trnfft.which("fft", (64,), "complex64").choice
    assert first.backend == "quick" and first.provisional == ["lazy"] and lazy.plans == 0
    lazy.setup = None  # paid in this process
    assert np.allclose(trnfft.fft(X), np.fft.fft(X), atol=1e-4) and lazy.plans == 0
    w = trnfft.which("fft", (64,), "complex64")
    assert w.backend == "quick" and w.choice == first
    trnfft.plan_cache.clear()
    trnfft.fft(X)
    again = trnfft.which("fft", (64,), "complex64").choice
    assert lazy.plans >= 1 and "lazy" in again.seconds and not again.provisional


def test_trials_count_a_runs_cpu_not_time_taken_from_it_by_others():
    """A run's figure is the smaller of wall-clock and process CPU time: time the process
    spends off the CPU (another process running, here a sleep) does not count, CPU work does;
    its wall-clock time, which the budget is spent in, is kept beside it."""
    from trnfft.core import trials
    start = trials._now()
    time.sleep(0.05)
    figure, wall = trials._since(start)
    assert figure < 0.02 and wall >= 0.05
    start = trials._now()
    spent = time.process_time()
    while time.process_time() - spent < 0.03:
        pass
    assert min(trials._since(start)) >= 0.03


def _ruled_wrong():
    """slow, whose rule says it is fastest (wrong on purpose), and quick: the rules pick slow, a measurement quick."""
    left: list[float | None] = []
    slow = Candidate("slow", 0.003, estimate=lambda p, s: 1e-6, plan_hook=lambda p: left.append(planning_time_left()))
    quick = Candidate("quick", estimate=lambda p, s: 2e-6)
    return slow, quick, left, [(slow, dict(auto_priority=300, candidate=True)),
                               (quick, dict(auto_priority=100, candidate=True))]


def test_a_first_call_runs_no_trial_and_plans_with_no_time_left_the_second_measures(planner, monkeypatch):
    monkeypatch.delenv("TRNFFT_PLANNER_FIRST_CALL")  # the default: estimate on first sight
    slow, quick, left, regs = _ruled_wrong()
    planner(*regs)
    x = X.copy()
    assert np.allclose(trnfft.fft(x), np.fft.fft(X), atol=1e-4)
    assert slow.plans == 1 and len(slow.inputs) == 1 and np.shares_memory(slow.inputs[0], x)  # the call alone
    assert quick.plans == 0 and left == [0.0]  # no search: no time was left for one
    choices.save_all()
    assert not choices.read(choices.store().path, choices.machine_id())  # nothing measured, nothing kept
    assert trnfft.plan_cache.size == 0  # the first-sight plan served its call and went
    assert np.allclose(trnfft.fft(x), np.fft.fft(X), atol=1e-4)  # seen again: measured now
    assert quick.plans == 1 and len(quick.inputs) > 2
    choices.save_all()
    kept = choices.read(choices.store().path, choices.machine_id())
    assert [c.backend for c in kept.values()] == ["quick"] and list(kept.values())[0].effort == "measure"
    quick_runs = len(quick.inputs)
    trnfft.fft(x)
    assert len(quick.inputs) == quick_runs + 1  # the measured plan is cached and serves every later call


def test_a_plan_asked_for_by_name_is_measured_at_once_even_after_a_first_sight(planner, monkeypatch):
    monkeypatch.delenv("TRNFFT_PLANNER_FIRST_CALL")
    slow, quick, left, regs = _ruled_wrong()
    planner(*regs)
    assert trnfft.which("fft", (64,), "complex64").choice.effort == "measure"  # never seen: measured
    trnfft.forget_choices()
    trnfft.fft(X[:32].copy())  # first sight of another class
    p = trnfft.plan("fft", X[:32].copy())
    assert p.backend == "quick" and trnfft.which("fft", (32,), "complex64").choice.effort == "measure"


def test_threads_meeting_a_new_problem_get_right_results_and_one_measurement(planner, monkeypatch):
    monkeypatch.delenv("TRNFFT_PLANNER_FIRST_CALL")
    slow, quick, left, regs = _ruled_wrong()
    planner(*regs)
    measured = []
    measure = autoplan._measure
    monkeypatch.setattr(autoplan, "_measure", lambda *a: measured.append(a) or measure(*a))
    _fft_from_threads(4, calls=3)
    assert len(measured) == 1
    assert trnfft.which("fft", (64,), "complex64").backend == "quick"


def test_first_call_measure_measures_at_once(planner):
    slow, quick, left, regs = _ruled_wrong()  # (the fixture sets TRNFFT_PLANNER_FIRST_CALL=measure)
    planner(*regs)
    trnfft.fft(X)
    assert quick.plans == 1 and 0 < left[0]
    trnfft.set_planner(first_call="estimate")
    try:
        trnfft.fft(X[:16].copy())
        assert left[-1] == 0.0
    finally:
        trnfft.set_planner()


def test_a_plan_asked_for_by_name_never_shares_another_calls_first_sight_plan(planner, monkeypatch):
    from trnfft.core import dispatch, selection
    from trnfft.core.array_kinds import NUMPY, TORCH_CPU
    from trnfft.core.planning import make_plan
    from trnfft.core.problem import ProblemKey
    from trnfft.core.provisional import ProvisionalPlan
    monkeypatch.delenv("TRNFFT_PLANNER_FIRST_CALL")  # the default: estimate on first sight
    slow, quick = Candidate("slow", 0.003, estimate=lambda p, s: 1e-3), Candidate("quick", estimate=lambda p, s: 1e-6)
    planner((slow, dict(auto_priority=300, candidate=True)), (quick, dict(auto_priority=100, candidate=True)))
    sel = selection.resolve(None)  # the rules choose quick, and so (made certain here) does a measurement
    monkeypatch.setattr(autoplan, "plan", lambda problem, source, candidates: make_plan(problem, ("quick",)))
    key = ProblemKey("c2c", (64,), (0,), (64,), True, "backward", "single")
    # a NumPy call's first sight of the class, its provisional entry in the cache (as mid-call in another thread)
    host = dispatch._build(key, sel, NUMPY)
    assert type(host.plan) is ProvisionalPlan and host.plan.backend == "quick"
    trnfft.plan_cache.get_or_build((sel.plan_key, key, NUMPY), lambda: host)
    assert type(dispatch._build(key, sel, TORCH_CPU).plan) is ProvisionalPlan  # a call may share it
    named = dispatch._build(key, sel, TORCH_CPU, eager=True)  # trnfft.plan / which: never
    assert named.plan.backend == "quick" and type(named.plan) is not ProvisionalPlan


# ---- measurements the budget cut short -------------------------------------------------------

BUDGET = 0.3  # the starving tests' budget: the first search of "searcher" overruns it


def _starving():
    """searcher, ruled fastest, whose first plan searches past the budget (as FFTW's first search of a
    large problem may; its later plans are instant, as from FFTW's wisdom) and then runs 2 ms slower per
    call; quick, ruled second, for which the budget then leaves no time. A full measurement picks quick."""
    searches: list[float | None] = []

    def search(problem):
        if not searches:
            searches.append(planning_time_left())
            time.sleep(BUDGET * 1.2)

    searcher = Candidate("searcher", 0.002, estimate=lambda p, s: 1e-6, plan_hook=search)
    quick = Candidate("quick", estimate=lambda p, s: 2e-6)
    return searcher, quick, [(searcher, dict(auto_priority=300, candidate=True)),
                             (quick, dict(auto_priority=100, candidate=True))]


def _stored() -> dict[str, choices.Choice]:
    """The choices file's records for this machine, after saving what is pending."""
    choices.save_all()
    return choices.read(choices.store().path, choices.machine_id()) or {}


def _new_process() -> None:
    """Forget what this process holds, as a new process would start (the choices file stays)."""
    choices.save_all()
    autoplan._memo.clear()
    autoplan._seen.clear()
    choices._stores.clear()
    trnfft.plan_cache.clear()


def test_a_measurement_the_budget_starved_is_stored_as_limited_and_measured_again_next_call(planner, monkeypatch):
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", str(BUDGET))
    searcher, quick, regs = _starving()
    planner(*regs)
    assert np.allclose(trnfft.fft(X), np.fft.fft(X), atol=1e-4)
    (starved,) = _stored().values()
    assert starved.backend == "searcher" and quick.plans == 0  # the budget was gone before quick's turn
    assert "more than the budget left" in starved.limited["quick"]
    assert starved.budget == BUDGET and starved.attempts == 1
    assert autoplan._due(starved, BUDGET)
    from trnfft.cli import describe_choice
    told = "\n".join(describe_choice(starved))
    assert f"the {BUDGET:g} s budget cut this measurement short (measured again" in told
    assert "searcher: timed in 0 of 5 rounds" in told
    trnfft.fft(X)  # the starved plan served the call before, and went: this one measures again
    (full,) = _stored().values()
    assert full.backend == "quick" and full.limited == {} and full.attempts == 1 and quick.plans == 1
    assert full.runs["quick"] > 2 and "searcher" in full.seconds  # (searcher, 3x slower, sampled no further)
    runs = len(quick.inputs)
    for _ in range(3):
        trnfft.fft(X)
    assert len(quick.inputs) == runs + 3 and quick.plans == 1  # cached: no third measurement
    assert "budget cut" not in "\n".join(describe_choice(full))


def test_a_later_process_serves_a_starved_choice_first_and_measures_it_on_the_next_call(planner, monkeypatch):
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", str(BUDGET))
    searcher, quick, regs = _starving()
    planner(*regs)
    trnfft.which("fft", (64,), "complex64")  # measured at once: starved
    _new_process()
    monkeypatch.delenv("TRNFFT_PLANNER_FIRST_CALL")  # the default: the rules, or a starved choice, first
    measured = []
    measure = autoplan._measure
    monkeypatch.setattr(autoplan, "_measure", lambda *a: measured.append(a) or measure(*a))
    searcher_runs = len(searcher.inputs)
    trnfft.fft(X)
    assert not measured and len(searcher.inputs) == searcher_runs + 1  # its choice, no trial
    trnfft.fft(X)
    assert len(measured) == 1 and measured[0][-1].limited  # measured again, told of the starved one
    assert _stored()[autoplan.choice_key(*_problem_and_source())].limited == {}
    trnfft.fft(X)
    assert len(measured) == 1


def _problem_and_source():
    from trnfft.core.problem import FFTProblem, ProblemKey
    return FFTProblem(*ProblemKey("c2c", (64,), (0,), (64,), True, "backward", "single")), "numpy"


def test_a_fully_measured_choice_is_never_measured_again_whatever_the_budget(planner, monkeypatch):
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", str(BUDGET))
    slow, quick, regs = _slow_and_quick()
    planner(*regs)
    trnfft.fft(X)
    (full,) = _stored().values()
    assert full.limited == {} and full.budget == BUDGET
    for budget in (BUDGET, 10.0):
        _new_process()
        monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", str(budget))
        for _ in range(3):
            trnfft.fft(X)
        trnfft.which("fft", (64,), "complex64")
    assert slow.plans == 1 and not autoplan._due(full, 10.0)


def test_a_measurement_starved_twice_is_final_at_its_budget_and_measured_under_a_larger_one(planner, monkeypatch):
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", "0.1")

    def search(problem):
        time.sleep(0.12)  # every search overruns this budget

    searcher = Candidate("searcher", estimate=lambda p, s: 1e-6, plan_hook=search)
    quick = Candidate("quick", estimate=lambda p, s: 2e-6)
    planner((searcher, dict(auto_priority=300, candidate=True)), (quick, dict(auto_priority=100, candidate=True)))
    trnfft.fft(X)
    trnfft.fft(X)  # measured again: starved again
    (twice,) = _stored().values()
    assert twice.limited and twice.attempts == 2 and not autoplan._due(twice, 0.1)
    searches = searcher.plans
    _new_process()
    for _ in range(3):
        trnfft.fft(X)
    assert searcher.plans == searches + 1  # planned for its choice, never measured again
    _new_process()
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", "0.5")  # a larger budget: measured again, in full
    trnfft.fft(X)
    (again,) = _stored().values()
    assert again.budget == 0.5 and again.limited == {} and quick.plans == 1


def test_threads_meeting_a_starved_problem_measure_it_twice_in_all_and_store_one_record(planner, monkeypatch):
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", str(BUDGET))
    searcher, quick, regs = _starving()
    planner(*regs)
    measured = []
    measure = autoplan._measure
    monkeypatch.setattr(autoplan, "_measure", lambda *a: measured.append(a) or measure(*a))
    _fft_from_threads(4, calls=3)
    _fft_from_threads(4, calls=2)
    assert len(measured) == 2  # the starved one, and once again
    key = autoplan.choice_key(*_problem_and_source())
    (record,) = _stored().values()
    assert record.limited == {} and record.backend == "quick"
    assert record.to_json() == autoplan._memo[key].to_json()  # the file holds what the process holds


def test_only_a_starved_measurement_is_due_again_and_only_with_budget_to_spare():
    def made(limited, budget=1.0, attempts=1):
        return choices.Choice("b", "measure", {"b": 1e-6}, 0.0, {"b": "1"}, budget=budget,
                              limited=limited, attempts=attempts)

    starved, full = made({"c": "not run"}), made({})
    assert autoplan._due(starved, 1.0) and autoplan._due(starved, 2.0)
    assert not autoplan._due(starved, 0.5) and not autoplan._due(starved, 0.0)  # a smaller budget: no better
    assert not autoplan._due(made({"c": "not run"}, attempts=2), 1.0) and autoplan._due(
        made({"c": "not run"}, attempts=2), 1.5)
    assert not any(autoplan._due(full, b) for b in (0.5, 1.0, 100.0))


def test_a_starved_measurement_that_cannot_be_repeated_is_not_tried_on_every_call(planner, monkeypatch):
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", str(BUDGET))
    searcher, quick, regs = _starving()
    planner(*regs)
    trnfft.fft(X)  # starved
    measured = []
    monkeypatch.setattr(autoplan, "_measure", lambda *a: measured.append(a) or (None, {}))  # nothing times now
    for _ in range(4):
        assert np.allclose(trnfft.fft(X), np.fft.fft(X), atol=1e-4)
    (kept,) = _stored().values()
    assert len(measured) == 1 and kept.backend == "searcher" and kept.attempts == 2 and kept.limited


@pytest.mark.parametrize("effort, budget, attempts, due", [
    ("measure", 0.3, 1, True), ("measure", 0.5, 2, True),        # once more at its budget; a larger one
    ("measure", 0.3, 2, False), ("measure", 0.1, 1, False),      # cut short twice; a smaller budget
    ("measure", 0.0, 1, False), ("estimate", 0.3, 1, False)])    # no budget; nothing measured
def test_trnfft_which_says_when_a_starved_choice_is_measured_again_as_the_planner_decides(
        monkeypatch, effort, budget, attempts, due):
    from trnfft.cli import describe_choice
    monkeypatch.setenv("TRNFFT_PLANNER", effort)
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", str(budget))
    starved = choices.Choice("b", "measure", {"b": 1e-6}, 0.0, {"b": "1", "c": "1"}, budget=0.3,
                             limited={"c": "not run"}, attempts=attempts)
    assert (effort == "measure" and autoplan._due(starved, budget)) == due   # what the planner does
    told = "\n".join(describe_choice(starved))
    assert ("measured again when the problem is next planned" in told) == due, told
    if not due:   # the budget it names would make it due
        least = 0.3 if attempts < 2 else 0.3 + 1e-9
        assert ("at least 0.3 s" if attempts < 2 else "more than 0.3 s") in told, told
        assert autoplan._due(starved, least)


def _overrunning(delay: float = 0.02):
    """Two candidates whose runs alone overrun a small budget: every measurement is cut short."""
    one, two = Candidate("one", delay, estimate=lambda p, s: 1e-6), Candidate("two", delay, estimate=lambda p, s: 2e-6)
    return one, two, [(one, dict(auto_priority=300, candidate=True)), (two, dict(auto_priority=100, candidate=True))]


def test_a_measurement_whose_runs_overrun_the_budget_is_final_at_once_and_says_what_budget_completes_it(
        planner, monkeypatch, caplog):
    from trnfft.cli import describe_choice
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", "0.06")  # each run takes a third of it
    one, two, regs = _overrunning()
    planner(*regs)
    measured = []
    measure = autoplan._measure
    monkeypatch.setattr(autoplan, "_measure", lambda *a: measured.append(a) or measure(*a))
    with caplog.at_level("INFO", logger="trnfft.core.autoplan"):
        for _ in range(4):
            assert np.allclose(trnfft.fft(X), np.fft.fft(X), atol=1e-4)
    (record,) = _stored().values()
    assert len(measured) == 1 and record.limited and record.attempts == 1  # its budget spent once, not twice
    # "one" runs twice (>= 0.02 s each), then would take 5 rounds of an untimed run and a sample: 12 runs
    # at least ("two", if the budget left no time to run it, counts at its rule's 2 us a run)
    assert record.needs >= 12 * 0.02 and not autoplan._due(record, 0.06)
    told = "\n".join(describe_choice(record))
    (suggested,) = re.findall(r"TRNFFT_PLANNER_BUDGET=([0-9.]+) ", told)
    setting = f"TRNFFT_PLANNER_BUDGET={suggested}"
    room = record.needs * (1 + autoplan.BUDGET_MARGIN) / (1 - trials.PLANNING_SHARE)  # beside a plan search
    assert "a budget of more than 0.06 s" in told and room <= float(suggested) <= room + 0.1
    assert [r for r in caplog.records if setting in r.getMessage() and "cut its measurement short" in r.getMessage()]
    _new_process()
    trnfft.fft(X)
    trnfft.fft(X)
    assert len(measured) == 1  # nor in a later process at that budget
    _new_process()
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", "0.1")  # a larger budget: measured again
    trnfft.fft(X)
    assert len(measured) == 2


def test_the_budget_a_complete_measurement_needs_follows_the_trials_rules():
    # 0.1 s and 0.2 s a run: 2 runs, then 5 rounds of 2 (an untimed run, a 1-run sample) each: 12 runs
    assert trials.complete_seconds({"a": 0.1, "b": 0.2}, 3) == pytest.approx(12 * 0.3)
    # a fast one samples SAMPLE_SECONDS at a time; one run over half its share of the budget is cut
    fast = 1e-4
    assert trials.complete_seconds({"a": fast}, 1) == pytest.approx(
        fast * (2 + trials.SAMPLES * (int(trials.SAMPLE_SECONDS / fast) + 1)))
    assert trials.complete_seconds({"a": 0.1}, 10) == pytest.approx(2 * 10 * 0.1)
    assert trials.complete_seconds({}, 2) == 0.0


def _torch_starving():
    """searcher, the faster, whose plan overruns the budget when ``search`` holds a True (once)."""
    search: list[bool] = []

    def overrun(problem):
        if search:
            search.pop()
            time.sleep(BUDGET * 1.2)

    searcher = Candidate("searcher", estimate=lambda p, s: 1e-6, plan_hook=overrun)
    quick = Candidate("quick", 0.002, estimate=lambda p, s: 2e-6)
    return search, [(searcher, dict(auto_priority=300, candidate=True)), (quick, dict(auto_priority=100, candidate=True))]


def test_a_starved_tensor_measurement_sharing_the_arrays_plan_is_measured_again_next_call(planner, monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", str(BUDGET))
    search, regs = _torch_starving()
    planner(*regs)
    measured = []
    measure = autoplan._measure
    monkeypatch.setattr(autoplan, "_measure", lambda *a: measured.append(a[1]) or measure(*a))
    trnfft.fft(X)  # arrays: measured in full, searcher; its plan cached
    search.append(True)
    t = torch.from_numpy(X.copy())
    trnfft.fft(t)  # tensors: searcher's plan overruns the budget; the arrays' plan serves the call
    kinds = {k.rsplit("input=", 1)[1]: c for k, c in _stored().items()}
    assert kinds["torch:cpu"].limited and kinds["torch:cpu"].backend == "searcher" and not kinds["numpy"].limited
    for _ in range(3):
        assert np.allclose(trnfft.fft(t).numpy(), np.fft.fft(X), atol=1e-4)
    assert measured == ["numpy", "torch:cpu", "torch:cpu"]  # measured again on its next call, and then done
    assert not _stored()[autoplan.choice_key(_problem_and_source()[0], TENSOR_INPUT)].limited


def test_a_tensor_first_sight_sharing_the_arrays_measured_plan_is_measured_when_it_recurs(planner, monkeypatch):
    torch = pytest.importorskip("torch")
    search, regs = _torch_starving()
    planner(*regs)
    trnfft.fft(X)  # arrays: measured at once (the fixture's first call setting)
    monkeypatch.delenv("TRNFFT_PLANNER_FIRST_CALL")  # tensors' first call: the rules, no trial
    measured = []
    measure = autoplan._measure
    monkeypatch.setattr(autoplan, "_measure", lambda *a: measured.append(a[1]) or measure(*a))
    t = torch.from_numpy(X.copy())
    trnfft.fft(t)
    assert not measured
    trnfft.fft(t)
    trnfft.fft(t)
    assert measured == ["torch:cpu"]


def test_threads_on_a_starved_problem_with_arrays_and_tensors_neither_hang_nor_err(planner, monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", str(BUDGET))
    search, regs = _torch_starving()
    planner(*regs)
    search.append(True)
    start = threading.Barrier(4)
    results, errors = [], []

    def work(tensor):
        try:
            start.wait()
            for _ in range(3):
                y = trnfft.fft(torch.from_numpy(X.copy()) if tensor else X)
                results.append(y.numpy() if tensor else y)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i % 2 == 0,), daemon=True) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads) and not errors and len(results) == 12
    assert all(np.allclose(y, np.fft.fft(X), atol=1e-4) for y in results)
    assert {k.rsplit("input=", 1)[1] for k in _stored()} == {"numpy", "torch:cpu"}


def test_a_starved_measurement_is_due_again_at_its_budget_only_if_its_runs_fit_with_room_to_plan():
    def made(needs):
        return choices.Choice("b", "measure", {"b": 1e-6}, 0.0, {"b": "1"}, budget=1.0,
                              limited={"c": "timed in 2 of 5 rounds"}, needs=needs)

    assert autoplan._due(made(None), 1.0)   # not known (a format-3 record): once more, as before
    assert autoplan._due(made(0.5), 1.0) and autoplan._due(made(0.8), 1.0)  # one-time costs starved it
    for needs in (0.81, 4.7):   # its runs, with a quarter more to plan, overrun 1 s: no better a second time
        assert not autoplan._due(made(needs), 1.0) and autoplan._due(made(needs), 1.5)
    told = autoplan.raise_budget(made(4.7))  # 4.7 s x 1.25 beside a plan search of half the budget
    assert "need about 4.7 s: TRNFFT_PLANNER_BUDGET=11.8 (or trnfft.set_planner(budget=11.8))" in told
    assert autoplan.raise_budget(made(0.5)) == "" == autoplan.raise_budget(made(None))


def _waiting(plan_hook=None, wait=0.018):
    """one and two, 2 ms of CPU and ``wait`` seconds off it a run (the wall clock the budget is spent in,
    which load would not stretch much further): their runs overrun a small budget."""
    one = Candidate("one", 0.002, estimate=lambda p, s: 1e-6, plan_hook=plan_hook, wait=wait)
    two = Candidate("two", 0.002, estimate=lambda p, s: 2e-6, wait=wait)
    return [(one, dict(auto_priority=300, candidate=True)), (two, dict(auto_priority=100, candidate=True))]


def _counting_measurements(monkeypatch) -> list:
    measured: list = []
    measure = autoplan._measure
    monkeypatch.setattr(autoplan, "_measure", lambda *a: measured.append(a) or measure(*a))
    return measured


def test_what_a_complete_measurement_needs_counts_the_wall_clock_its_runs_take(planner, monkeypatch):
    """The budget is wall-clock time: runs that load slows (here: 18 ms of a 20 ms run off the CPU) need
    their wall-clock time, not the CPU time the winner is chosen by."""
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", "0.06")
    planner(*_waiting())
    trnfft.fft(X)
    (record,) = _stored().values()
    assert record.seconds["one"] < 0.01  # chosen by CPU time
    # one runs 2 + 5 x 2 times at 20 ms (wall) at least (two too, if the budget left time to run it)
    assert record.limited and record.needs >= 12 * 0.02 and not autoplan._due(record, 0.06)


def test_the_budget_suggested_leaves_the_runs_their_time_beside_the_search_it_allows(planner, monkeypatch):
    """A larger budget allows a searching planner a longer search (FFTW's of 2^22 points: none at 1 s, up
    to 1.45 s at 2.9 s): the budget suggested leaves the runs what they need, with the margin, beside it.
    (The 2^22-point case itself, measured with the real candidates: docs/benchmarks.md.)"""
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", "0.15")  # both candidates run, neither sampled in full
    allowed: list[float | None] = []
    planner(*_waiting(lambda problem: allowed.append(planning_time_left())))
    trnfft.fft(X)
    (starved,) = _stored().values()
    (suggested,) = map(float, re.findall(r"TRNFFT_PLANNER_BUDGET=([0-9.]+) ", autoplan.when_measured_again(starved)))
    assert starved.limited and not autoplan._due(starved, 0.15)
    _new_process()
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", str(suggested))
    trnfft.fft(X)
    assert len(allowed) == 2 and allowed[1] > 0.5 * 0.9 * suggested   # the search it allows
    assert suggested - allowed[1] >= starved.needs * (1 + autoplan.BUDGET_MARGIN)


def test_a_raised_budget_starved_again_by_a_one_time_cost_is_measured_again_at_that_budget(
        planner, monkeypatch):
    """Cut short at one budget, then at a larger one by a one-time cost (a search it now allows, which
    goes into FFTW's wisdom): counted as the first attempt at the larger budget, whose runs fit in it,
    so measured again, in full. (Counted across budgets, it was the second, final at once.)"""
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", "0.06")
    once: list[bool] = []

    def search(problem):
        if once:
            once.pop()
            time.sleep(0.6)

    planner(*_waiting(search, wait=0.008))  # runs of 10 ms: about 0.25 s to measure in full
    measured = _counting_measurements(monkeypatch)
    trnfft.fft(X)
    _new_process()
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", "0.8")
    once.append(True)
    trnfft.fft(X)
    (again,) = _stored().values()
    assert again.budget == 0.8 and again.limited and again.attempts == 1 and autoplan._due(again, 0.8)
    assert "measured again when the problem is next planned" in autoplan.when_measured_again(again)
    _new_process()
    trnfft.fft(X)
    (complete,) = _stored().values()
    assert len(measured) == 3 and complete.limited == {}, complete.limited


def test_a_starved_record_that_stands_though_its_runs_fit_says_what_budget_to_set():
    def made(needs, attempts):
        return choices.Choice("b", "measure", {"b": 1e-6}, 0.0, {"b": "1"}, budget=1.0,
                              limited={"c": "timed in 2 of 5 rounds"}, attempts=attempts, needs=needs)

    stands = made(0.5, 2)  # its runs fit in 1 s, yet it was cut short twice there
    told = autoplan.when_measured_again(stands)
    assert "more than 1 s" in told and "TRNFFT_PLANNER_BUDGET=2 " in told and autoplan._due(stands, 2.0)
    assert "cut it short 2 times" in told
    assert autoplan.raise_budget(made(0.5, 1)) == ""  # due again at its own budget: nothing to raise
    assert "TRNFFT_PLANNER_BUDGET=" not in autoplan.when_measured_again(made(None, 2))  # needs not known


@pytest.mark.parametrize("needs, budget", [(1e308, 1.0), (1e300, 1.0), (1.0, 1e308)])
def test_trnfft_which_describes_a_record_of_any_size_without_failing(needs, budget):
    """(What ``choices`` reads is bounded; a record made in memory is not, and must not crash ``which``.)"""
    from trnfft.cli import describe_choice
    record = choices.Choice("b", "measure", {"b": 1e-6}, 0.0, {"b": "1"}, budget=budget,
                            limited={"c": "timed in 2 of 5 rounds"}, attempts=2, needs=needs)
    told = "\n".join(describe_choice(record))
    assert f"more than {budget:g} s" in told
    suggested = autoplan.suggested_budget(record)
    assert suggested is None or suggested > budget


def test_set_planner_with_a_larger_budget_measures_a_starved_choice_again_in_this_process(planner, monkeypatch):
    """The message says ``trnfft.set_planner(budget=...)``: the choice's cached plan goes then, nothing else's."""
    monkeypatch.setenv("TRNFFT_PLANNER_BUDGET", "0.06")
    planner(*_waiting())
    measured = _counting_measurements(monkeypatch)
    for _ in range(2):
        trnfft.fft(X)
    trnfft.fft(X, backend="two")  # an explicit selection's plan: kept
    explicit = [k for k in trnfft.plan_cache._plans if k[0] == ("two",)]
    (starved,) = _stored().values()
    assert len(measured) == 1 and starved.limited and not autoplan._due(starved, 0.06)
    try:
        trnfft.set_planner(budget=0.03)  # smaller: nothing changes
        trnfft.fft(X)
        assert len(measured) == 1
        trnfft.set_planner(budget=1.5)  # (its runs need about 0.5 s)
        trnfft.fft(X)
        assert len(measured) == 2 and _stored()[next(iter(_stored()))].limited == {}
        trnfft.fft(X)
        assert len(measured) == 2 and all(trnfft.plan_cache.peek(k) is not None for k in explicit) and explicit
    finally:
        trnfft.set_planner()
