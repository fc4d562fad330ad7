"""Shared test set-up: a private FFTW wisdom directory and quick planning.

FFTW_ESTIMATE and the estimate effort of auto's planner keep CI fast and
deterministic; the fftw and planner tests switch to measuring explicitly where
the effort is what they test.
"""
from __future__ import annotations

import os
import tempfile

os.environ.setdefault("TRNFFT_CACHE_DIR", tempfile.mkdtemp(prefix="trnfft-test-cache-"))
os.environ.setdefault("TRNFFT_FFTW_PLANNER", "estimate")
os.environ.setdefault("TRNFFT_PLANNER", "estimate")  # auto's planner: rules, no trial runs
for var in ("TRNFFT_BACKEND", "TRNFFT_USE_SIMULATOR", "TRNFFT_CROSSCHECK", "TRNFFT_LOAD_BACKENDS"):
    os.environ.pop(var, None)

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import trnfft  # noqa: E402
from trnfft.core.accuracy import normwise_error  # noqa: E402


def random_array(shape, dtype, seed=0):
    """Uniform [-1, 1) data (complex when dtype is), as design.md's figures use."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.uniform(-1, 1, shape)
    return x.astype(dtype)


def tol(dtype, n, c=5.0):
    eps = np.finfo(np.float32 if np.dtype(dtype) in (np.float32, np.complex64) else np.float64).eps
    return c * eps * np.log2(max(n, 2))


def to_numpy(y):
    if hasattr(y, "resolve_conj"):
        return y.resolve_conj().detach().numpy()
    return np.asarray(y)


def assert_close(y, ref, dtype, n, c=5.0):
    y, ref = to_numpy(y), to_numpy(ref)
    assert y.shape == ref.shape, f"shape {y.shape} != reference {ref.shape}"
    err = normwise_error(y, ref)
    assert err <= tol(dtype, n, c), f"norm-wise error {err:.3g} > {tol(dtype, n, c):.3g} (n={n})"


@pytest.fixture(autouse=True)
def _clean_selection():
    """Each test starts and ends with automatic backend selection and no cross-check."""
    trnfft.set_backend(None)
    trnfft.set_crosscheck(None)
    yield
    trnfft.set_backend(None)
    trnfft.set_crosscheck(None)


@pytest.fixture
def trn1_target(monkeypatch):
    """TRNFFT_NKI_TARGET=trn1 (trn1's rules, NKI plans by trn1's figures), with no plan cached for another
    target (the plan cache keys on the problem, not the target), for tests of layouts trn1's figures choose."""
    monkeypatch.setenv("TRNFFT_NKI_TARGET", "trn1")
    trnfft.plan_cache.clear()
    yield
    trnfft.plan_cache.clear()


@pytest.fixture
def install_plugin(tmp_path, monkeypatch):
    """Install a plugin module the way a real package would: a dist-info with an entry point.

    ``install_plugin("name", source)`` writes ``source`` as a module, declares it
    in the ``trnfft.backends`` entry-point group and reloads trnfft's backends.
    """
    import importlib
    import sys

    installed = []

    def install(name: str, source: str) -> None:
        module = f"trnfft_test_plugin_{name.replace('-', '_')}"
        (tmp_path / f"{module}.py").write_text(source)
        dist = tmp_path / f"{module}-0.1.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
        (dist / "entry_points.txt").write_text(f"[trnfft.backends]\n{name} = {module}\n")
        installed.append(module)
        if str(tmp_path) not in sys.path:
            monkeypatch.syspath_prepend(str(tmp_path))
        importlib.invalidate_caches()
        trnfft.reload_backends()

    yield install
    for module in installed:
        sys.modules.pop(module, None)
    monkeypatch.undo()
    importlib.invalidate_caches()
    trnfft.reload_backends()
    trnfft.plan_cache.clear()


# A correct but naive backend: the DFT as a dense matrix product, 1-D c2c only.
# The core must split anything else into passes or refuse it.
MATMUL_DFT_PLUGIN = '''
import numpy as np
from trnfft.plugin import Availability, Capabilities, Declined, EnvSwitch, apply_scale, hookimpl

SIGN = {sign}

class Plan:
    def __init__(self, problem):
        self.problem = problem
        n = problem.lengths[0]
        k = np.arange(n)
        sign = -SIGN if problem.forward else SIGN
        self.matrix = np.exp(sign * 2j * np.pi * ((np.outer(k, k) % n) / n))

    def execute(self, x):
        y = np.moveaxis(np.moveaxis(x, self.problem.axes[0], -1) @ self.matrix.T, -1, self.problem.axes[0])
        return apply_scale(y.astype(self.problem.output_dtype), self.problem)

class MatmulBackend:
    name = "{name}"
    version = "0.1"
    description = "dense DFT matrix (test plugin)"
    def availability(self):
        return Availability.yes()
    def capabilities(self):
        return Capabilities(kinds=frozenset({{"c2c"}}), max_rank=1, max_size=4096)
    def plan(self, problem):
        if problem.size == 13:
            raise Declined("13 is unlucky")
        return Plan(problem)

@hookimpl
def trnfft_register_backends(register):
    register(MatmulBackend(){claims})
'''


def matmul_plugin(name="matmul-dft", wrong=False, claims=""):
    """Source of the naive DFT plugin; ``wrong=True`` flips the exponent's sign.

    ``claims`` is appended to its ``register(backend`` call, e.g.
    ``', aliases=("mm",), auto_priority=150'``."""
    return MATMUL_DFT_PLUGIN.format(name=name, sign=-1 if wrong else 1, claims=claims)


def claims(backend: str, kind: str, dtype, lengths) -> bool:
    """Whether ``backend`` declares it can compute this transform (directly or as 1-D passes)."""
    import math

    from trnfft.core.registry import REGISTRY
    caps = REGISTRY.get(backend).backend.capabilities()
    precision = "single" if np.dtype(dtype) in (np.float32, np.complex64) else "double"
    lengths = list(lengths)
    if precision not in caps.precisions or kind not in caps.kinds:
        return False
    if len(lengths) > 1 and kind != "c2c" and "c2c" not in caps.kinds:
        return False
    limit = caps.max_size if caps.max_size is not None else math.inf
    kind_limit = min(limit, caps.max_size_by_kind.get(kind, math.inf))
    if (caps.max_rank is None or len(lengths) <= caps.max_rank) and math.prod(lengths) <= kind_limit:
        return True  # the whole problem at once
    # otherwise as 1-D passes (the planner's fallback): the real pass is the last axis
    return len(lengths) > 1 and max(lengths) <= limit and lengths[-1] <= kind_limit


def run_claimed(backend: str, call, kind: str, dtype, lengths):
    """``call()`` when the backend claims the problem; otherwise assert it is refused clearly.

    Returns the result, or None after checking the refusal.
    """
    from trnfft.core.errors import UnsupportedProblemError
    if claims(backend, kind, dtype, lengths):
        try:
            return call()
        except UnsupportedProblemError as exc:
            pytest.fail(f"{backend} claims {kind} {np.dtype(dtype).name} {tuple(lengths)} "
                        f"(its capabilities) but declined it: {exc}")
    with pytest.raises(UnsupportedProblemError, match=backend):
        call()
    return None


def refused_kind(backend: str, kind: str, call) -> bool:
    """When ``backend`` does not claim ``kind`` at all, check that ``call()`` is refused naming the
    backend and return True (the caller then stops); False when it claims the kind."""
    from trnfft.core.errors import UnsupportedProblemError
    from trnfft.core.registry import REGISTRY
    if kind in REGISTRY.get(backend).backend.capabilities().kinds:
        return False
    with pytest.raises(UnsupportedProblemError, match=backend):
        call()
    return True


KIND_OF = {"fft": "c2c", "ifft": "c2c", "fft2": "c2c", "ifft2": "c2c", "fftn": "c2c", "ifftn": "c2c",
           "rfft": "r2c", "rfft2": "r2c", "rfftn": "r2c", "ihfft": "r2c", "ihfft2": "r2c", "ihfftn": "r2c",
           "irfft": "c2r", "irfft2": "c2r", "irfftn": "c2r", "hfft": "c2r", "hfft2": "c2r", "hfftn": "c2r"}


@pytest.fixture
def no_host_path(monkeypatch):
    """Fail the test if any array crosses between torch and NumPy (or a device and the host) in the core."""
    from trnfft.core import array_kinds

    def forbidden(*args):
        raise AssertionError("the host conversion path was taken")

    for name in ("tensor_to_host", "host_to_tensor", "host_to_cpu_tensor", "host_copy"):
        monkeypatch.setattr(array_kinds, name, forbidden)
    trnfft.plan_cache.clear()
    yield
    trnfft.plan_cache.clear()
