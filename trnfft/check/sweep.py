"""Cross-checking backends on whole problem sets: ``trnfft.crosscheck`` and ``trnfft check``.

Each problem runs on each backend; the result is compared norm-wise with an
independent reference (NumPy in float64, or long double for
double-precision problems, outside every plugin) and with the
other backends' results. Tolerance: ``c * eps * log2(N)``.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..core.accuracy import DEFAULT_C, normwise_error, reference_transform, tolerance
from ..core.dispatch import get_plan
from ..core.registry import REGISTRY
from ..core.result_check import require_result
from ..core.errors import (InvalidArgumentError, InvalidArgumentTypeError, InvalidDtypeError,
                           UnsupportedProblemError)
from ..api.arguments import check_norm, normalize_axes
from ..api.arrays import numpy_precision
from ..core.problem import KINDS, FFTProblem, make_problem


def problem_input(problem: FFTProblem, seed: int = 0) -> np.ndarray:
    """Uniform [-1, 1) data for a problem; for c2r a true half spectrum of a real signal."""
    rng = np.random.default_rng(seed)
    if problem.kind == "c2r":
        real_shape = problem.output_shape
        half = np.fft.rfftn(rng.uniform(-1, 1, real_shape), s=problem.lengths, axes=problem.axes)
        return half.astype(problem.input_dtype)
    x: np.ndarray = rng.uniform(-1, 1, problem.shape)
    if problem.kind == "c2c":
        x = x + 1j * rng.uniform(-1, 1, problem.shape)
    return x.astype(problem.input_dtype)


@dataclass
class BackendResult:
    """One backend on one problem. ``declined`` (with the reason) when the backend
    does not claim the problem: shown as such, neither a pass nor a failure."""

    backend: str
    error: float | None = None
    passed: bool = False
    seconds: float | None = None
    failure: str = ""
    declined: str = ""


@dataclass
class CrossCheckReport:
    """One problem on several backends: error against float64, agreement, time."""

    problem: FFTProblem
    tolerance: float
    results: list[BackendResult] = field(default_factory=list)
    agreement: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(r.passed or r.declined for r in self.results) and all(
            e <= 2 * self.tolerance for e in self.agreement.values())

    def to_dict(self) -> dict[str, Any]:
        p = self.problem
        return {"kind": p.kind, "shape": list(p.shape), "axes": list(p.axes), "n": list(p.lengths),
                "forward": p.forward, "norm": p.norm, "dtype": p.input_dtype.name,
                "size": p.size, "tolerance": self.tolerance, "passed": self.passed,
                "results": [asdict(r) for r in self.results], "agreement": self.agreement}


def available_backends() -> list[str]:
    return [n for n, rec in sorted(REGISTRY.records().items()) if rec.availability().available]


def _time(fn: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    """Best of ``repeat`` timed runs after one warm-up (where plans get built)."""
    y = fn()
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        y = fn()
        best = min(best, time.perf_counter() - t0)
    return y, best


def check_problem(problem: FFTProblem, backends: Sequence[str] | None = None, *,
                  c: float = DEFAULT_C, seed: int = 0, repeat: int = 3) -> CrossCheckReport:
    """Run ``problem`` on each backend and compare with float64 and with each other."""
    names = [REGISTRY.canonical(b) for b in (backends or available_backends())]
    x = problem_input(problem, seed)
    x.flags.writeable = False  # a backend that writes to its input fails loudly
    ref = reference_transform(problem, x)
    report = CrossCheckReport(problem, tolerance(problem, c))
    outputs: dict[str, np.ndarray] = {}
    for name in names:
        res = BackendResult(name)
        try:
            try:
                plan = get_plan(problem, name)
            except UnsupportedProblemError as exc:
                res.declined = str(exc)
                report.results.append(res)
                continue
            y, res.seconds = _time(lambda: plan.execute(x), repeat if problem.size < 2**16 else 2)
            require_result(y, name, problem)
            res.error = normwise_error(y, ref)
            res.passed = bool(res.error <= report.tolerance)
            outputs[name] = y
        except Exception as exc:  # a failing backend is a failed row, not a crash
            res.failure = f"{type(exc).__name__}: {exc}"
        report.results.append(res)
    done = list(outputs)
    for i, a in enumerate(done):
        for b in done[i + 1:]:
            report.agreement[f"{a} vs {b}"] = normwise_error(outputs[a], outputs[b])
    return report


def crosscheck(kind: str = "c2c", shape: Sequence[int] = (1024,), *, axes: Sequence[int] | None = None,
               dtype: Any = "complex64", norm: str = "backward", forward: bool = True,
               backends: Sequence[str] | str | None = None, c: float = DEFAULT_C, seed: int = 0,
               repeat: int = 3) -> CrossCheckReport:
    """Run one problem on several backends (all available by default) and report.

    ``shape`` is the logical (real-side) shape, a sequence of sizes as for
    ``trnfft.plan(shape=...)``; ``backends`` a list of names or one
    comma-separated string, as ``backend=`` takes.
    """
    shape = _sizes(shape)
    axes, _ = normalize_axes(len(shape), None, (-1,) if axes is None else axes, unique=True, name="axes")
    try:
        np_dtype = np.dtype(dtype)
    except TypeError as exc:
        raise InvalidDtypeError(f"crosscheck: dtype={dtype!r} is not a NumPy dtype ({exc})") from None
    precision, _ = numpy_precision(np_dtype)
    if isinstance(backends, str):
        backends = [b.strip() for b in backends.split(",")]
    if not isinstance(c, (int, float)) or isinstance(c, bool) or not c > 0:
        raise InvalidArgumentError(f"crosscheck: c must be a positive number, got {c!r}")
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        raise InvalidArgumentError(f"crosscheck: repeat must be a positive integer, got {repeat!r}")
    return check_problem(make_problem(kind, shape, axes=axes, precision=precision, norm=check_norm(norm),
                                      forward=forward), backends, c=c, seed=seed, repeat=repeat)


def _sizes(shape: Any) -> tuple[int, ...]:
    """A problem shape: a non-empty sequence of positive integers (no bare int, as in plan())."""
    if not isinstance(shape, (list, tuple)) or not shape:
        raise InvalidArgumentTypeError(f"crosscheck: shape must be a non-empty sequence of sizes, e.g. "
                                       f"(1024,) or (64, 64), got {shape!r}")
    for d in shape:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise InvalidArgumentTypeError(f"crosscheck: shape must hold integers, got {shape!r}")
        if d < 1:
            raise InvalidArgumentError(f"crosscheck: every size in shape must be >= 1, got {tuple(shape)}")
    return tuple(int(d) for d in shape)


POW2 = [16, 256, 1024, 4096, 65536, 2**20]
ODD = [15, 105, 1000, 15015]
PRIMES = [7, 97, 4099, 65537]
DEFAULT_SIZES = sorted(POW2 + ODD + PRIMES)


def default_problems(sizes: Iterable[int] | None = None, precisions: Iterable[str] = ("single", "double"),
                     kinds: Iterable[str] = KINDS) -> list[FFTProblem]:
    """The sweep `trnfft check` runs: 1-D sizes of every sort, then 2-D and batched shapes."""
    sizes = list(sizes) if sizes is not None else DEFAULT_SIZES
    problems = []
    for precision in precisions:
        for kind in kinds:
            for n in sizes:
                problems.append(make_problem(kind, (n,), precision=precision, forward=n % 2 == 0,
                                             norm=("backward", "ortho", "forward")[n % 3]))
            problems.append(make_problem(kind, (128, 1024), precision=precision))   # batched
            problems.append(make_problem(kind, (96, 80), axes=(0, 1), precision=precision))
            problems.append(make_problem(kind, (1024, 1024), axes=(0, 1), precision=precision))
            problems.append(make_problem(kind, (16, 24, 20), axes=(0, 1, 2), precision=precision))
    return problems
