"""The kernels are written in the NKI 0.3 language, and the emulator holds them to it.

The emulator checks every kernel before its first run (``emulator/static_check.py``: the kernel and every
function, class and module table it can reach, every branch) and every launch's arguments
(``emulator/kernel.py``: arrays only at the top level, no lists). Here: each rule rejects what it should,
every kernel in the package passes, and one plan of every kernel and program step runs on both chips' rules.
"""
from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest

import trnfft
from trnfft.core.problem import make_problem
from trnfft_backends.nki import algorithms, arguments, executors, kernels
from trnfft_backends.nki.emulator import Kernel, NkiRuleError, collect, static_check
from trnfft_backends.nki.kernels.gemm import gemm_kernel
from trnfft_backends.nki.plugin import FFTPlan
from conftest import random_array

from trnfft_backends.nki import emulator

nki, nl = emulator, emulator.language
A = np.ones((4, 8), np.float32)


def _package_kernels() -> dict[str, Kernel]:
    found = {}
    for info in pkgutil.iter_modules(kernels.__path__):
        module = importlib.import_module(f"{kernels.__name__}.{info.name}")
        found.update({k.__name__: k for k in vars(module).values() if isinstance(k, Kernel)})
    return found


def _rejects(rule: str, kernel: Kernel, *args) -> str:
    with pytest.raises(NkiRuleError) as exc:
        emulator.simulate(kernel)(*args)
    assert exc.value.rule == rule, str(exc.value)
    assert exc.value.page.startswith("https://awsdocs-neuron.readthedocs-hosted.com/en/v2.29.0/")
    return str(exc.value)


def _copy(a):
    out = nl.ndarray(a.shape, a.dtype, buffer=nl.shared_hbm)
    nl.store(out, nl.load(a))
    return out


# -- the argument boundary -------------------------------------------------------------------------------
def test_arrays_inside_a_tuple_argument_are_refused():
    """nki.simulate wraps top-level arrays only: an array in a tuple would reach the kernel as NumPy."""
    @nki.jit
    def k(parts, n):
        return _copy(parts[0])

    assert "each array as its own parameter" in _rejects("nested-array-argument", k, (A, A), 3)
    assert "each array as its own parameter" in _rejects("nested-array-argument", k, A, (1, (A,)))


def test_lists_are_refused_at_any_depth_and_plain_tuples_pass():
    @nki.jit
    def k(a, spec):
        return _copy(a)

    _rejects("list-argument", k, A, [1, 2])
    _rejects("list-argument", k, A, (1, [2]))
    np.testing.assert_array_equal(emulator.simulate(k)(A, ("c2c", (1, 2), None, 0.5)), A)


# -- the static check: each rule, in the kernel or in a helper it reaches -----------------------------------
def _helper_is(a, b=None):
    if b is None:
        return a
    return b


def _helper_genexp(a):
    return tuple(x for x in (a,))[0]


def _helper_yields(a):
    yield a


def _helper_lambda(a):
    pick = lambda t: t  # noqa: E731
    return pick(a)


def _helper_varargs(a, *rest):
    return a


def _helper_int_keys(a):
    d = {0: a}
    return d[0]


def _helper_set(a):
    return a if len({1, 2}) == 2 else a


_TABLE = {1: "one"}


def _helper_reads_int_table(a):
    return a if _TABLE[1] == "one" else a


class _Plain:
    def __init__(self, a):
        self.a = a


def _helper_class(a):
    return _Plain(a).a


def _decorated(fn):
    return fn


@_decorated
def _helper_decorated(a):
    return a


class _Config(nl.NKIObject):
    def __init__(self, scale):
        self.scale = scale


def _helper_conforming(a):
    table = {"one": 1, f"two{1}": 2}
    parts = tuple([x for x in (a,)])
    config = _Config(2.0)
    return parts[0] if table["one"] == 1 and config.scale != None else a  # noqa: E711


@pytest.mark.parametrize("helper,rule,named", [
    (_helper_is, "is-comparison", "line"), (_helper_genexp, "generator", "line"),
    (_helper_yields, "generator", "line"), (_helper_lambda, "lambda", "line"),
    (_helper_varargs, "signature", "line"), (_helper_int_keys, "dict-key", "line"),
    (_helper_set, "container", "line"), (_helper_reads_int_table, "dict-key", "(1)"),
    (_helper_class, "class-base", "_Plain"), (_helper_decorated, "decorator", "line")])
def test_static_check_follows_the_kernel_into_its_helpers(helper, rule, named):
    """A construct outside the NKI language in a function the kernel calls (not in its own body) is found, with
    the function (and line, key or class) named, before anything runs; a second launch is refused too (a helper
    is never remembered as checked while something it reaches is not)."""
    ran = []

    @nki.jit
    def k(a):
        ran.append(1)
        return _copy(helper(a))

    message = _rejects(rule, k, A)
    assert (helper.__name__ in message or named == "_Plain") and named in message and not ran
    _rejects(rule, k, A)


def test_static_check_checks_branches_a_launch_does_not_take():
    @nki.jit
    def k(a, flag):
        if flag:
            return _copy(_helper_lambda(a))
        return _copy(a)

    _rejects("lambda", k, A, False)


def test_is_none_is_refused_in_the_kernel_body():
    """The 0.3.0 update guide: no is / is not, None included (the emulator accepted 'is None' before)."""
    @nki.jit
    def k(a, b=None):
        if b is not None:
            return _copy(b)
        return _copy(a)

    _rejects("is-comparison", k, A)


def test_conforming_helpers_pass():
    """String-keyed dicts (f-strings too), list comprehensions, an NKIObject class and == None are accepted."""
    @nki.jit
    def k(a):
        return _copy(_helper_conforming(a))

    np.testing.assert_array_equal(emulator.simulate(k)(A), A)


def test_every_kernel_of_the_package_passes_the_static_check():
    """Every @nki.jit kernel, with everything it can reach in the kernel package (all branches)."""
    found = _package_kernels()
    assert {"program_kernel", "bluestein_kernel", "tall_four_step_kernel", "four_step_table_kernel"} <= set(found)
    for kernel in found.values():
        static_check.check_kernel_source(kernel.fn)


# -- one plan of every kernel and program step, on both chips' rules ------------------------------------
# (kind, shape, axes): the planner's own choices, small sizes of each class
PROBLEMS = [("c2c", (4, 64), None), ("c2c", (4, 256, 40), (1,)), ("c2c", (1, 4096), None),
            ("c2c", (1, 8000), None), ("c2c", (1, 16385), None), ("c2c", (2, 4099), None),
            ("c2c", (1, 4099), None), ("c2c", (2, 8191), None), ("c2c", (2, 64, 64), (1, 2)),
            ("c2c", (2, 8, 8, 8), (1, 2, 3)), ("c2c", (4, 256, 64), (0, 1, 2)), ("c2c", (256, 512), (0, 1)),
            ("r2c", (3, 100), None), ("c2r", (3, 100), None), ("r2c", (8, 8, 8), (0, 1, 2)),
            ("c2r", (8, 8, 8), (0, 1, 2)), ("r2c", (3, 1000), None), ("c2r", (3, 1000), None),
            ("r2c", (3, 1002), None), ("c2r", (3, 1002), None), ("r2c", (2, 2003), None), ("c2r", (3, 1001), None),
            ("r2c", (64, 64), (0, 1))]

W = algorithms.Layout
# layouts the planner picks only at sizes too slow to emulate here, forced small
FORCED = [W("radix-four-step", 512, (2, 16, 16)),
          W("bluestein", 129, (129,), 1, W("six-step", 256, (4, 8, 8), 8, k_block=4)),
          W("bluestein", 129, (129,), 2, W(algorithms.SYMMETRIC, 256, (4, 16, 4), 2)),
          W("bluestein", 129, (129,), 2, W("four-step", 256, (8, 32)), per_tile=2),   # batched in SBUF
          W("bluestein", 129, (129,), 1, W("four-step", 256, (16, 16)), per_tile=2),   # batched, F2 = F1
          W("bluestein", 1000, (1000,), 1, W(algorithms.CUBE, 14 ** 3, (14, 14, 14))),
          W("bluestein", 513, (513,), 1, W(algorithms.WIDE, 16 * 16 * 4, (16, 16, 4))),
          W("six-step", 4096, (16, 16, 16), 1, k_block=16), algorithms.choose(16384, 2, planes=False)]
STEPS = {"c2c", "rotate", "columns", "columns-twiddled", "r2c-small", "c2r-small", "plane", "r2c-four-step",
         "c2r-four-step", "r2c-even", "r2c-odd", "c2r-even", "c2r-odd"}


def _error(y, ref) -> float:
    return float(np.linalg.norm(y - ref) / np.linalg.norm(ref))


def _reference(kind: str, x: np.ndarray, axes: tuple, shape: tuple) -> np.ndarray:
    if kind == "c2c":
        return np.fft.fftn(x.astype(np.complex128), axes=axes)
    if kind == "r2c":
        return np.fft.rfftn(x.astype(np.float64), axes=axes)
    return np.fft.irfftn(x.astype(np.complex128), s=[shape[a] for a in axes], axes=axes)


@pytest.mark.parametrize("chip", ["trn1", "trn2"])
def test_one_plan_of_every_kernel_and_step_runs_under_the_checks(chip, monkeypatch):
    monkeypatch.setenv("TRNFFT_NKI_TARGET", chip)
    trnfft.plan_cache.clear()
    ran: set[str] = set()
    steps: set[str] = set()
    for kind, shape, axes in PROBLEMS:
        axes = axes or (len(shape) - 1,)
        plan = FFTPlan(make_problem(kind, shape, axes=axes), executors.simulate)
        steps.update(spec[0] for spec, _ in (plan.program.steps if plan.program else ()))
        x = random_array(plan.problem.shape, np.float32 if kind == "r2c" else np.complex64)
        with collect() as rec:
            y = plan.execute(x)
            if kind == "c2c" and plan.program is None:   # split parts too: the kernel's other input form
                yr, yi = plan.execute_split(np.ascontiguousarray(x.real), np.ascontiguousarray(x.imag))
                assert _error(yr + 1j * yi, y) <= 1e-6
        ran.update(rec.kernels)
        assert _error(y, _reference(kind, x, axes, shape)) <= 2e-6, (kind, shape)
    for layout in FORCED:
        kernel, args = arguments.kernel_arguments(layout, True, 1.0)
        x = random_array((2, layout.n), np.complex64, seed=layout.n)
        with collect() as rec:
            out = executors.simulate(kernel, np.ascontiguousarray(x.real), np.ascontiguousarray(x.imag), *args)
        ran.update(rec.kernels)
        yr, yi = out[0] if arguments.returns_stacked_planes(kernel) else out
        assert _error(yr + 1j * yi, np.fft.fft(x.astype(np.complex128))) <= 2e-6, layout.describe()
    a, b = random_array((128, 64), np.float32), random_array((128, 96), np.float32)
    with collect() as rec:
        np.testing.assert_allclose(emulator.simulate(gemm_kernel)(a, b), a.T @ b, rtol=1e-4, atol=1e-4)
    ran.update(rec.kernels)
    assert ran == set(_package_kernels())
    assert steps == STEPS
