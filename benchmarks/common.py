"""Shared pieces of the asv suite: implementations under test, inputs, skipping.

An "implementation" is either ``trnfft:<backend>`` for every backend trnfft
finds available (new backends, the NKI ones included, are picked up without
edits), ``trnfft-tensor`` (a torch tensor through the torch-style API on
the default backend), or a peer a user would pick instead: numpy, scipy, torch, and a
pre-planned pyFFTW object (the fastest any Python caller gets).
"""
from __future__ import annotations

import contextlib
import os

# Steady-state, single-threaded comparisons; planning effort as a user gets it.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

PEERS = ["numpy", "scipy", "torch", "pyfftw-planned"]
LIMITED_PEER_SIZE = 2**22  # the pre-planned FFTW peer gets trnfft's planning time limit from here on


def trnfft_backends() -> list[str]:
    try:
        from trnfft.api.introspection import backends_info
    except ImportError:
        return []
    return [f"trnfft:{r['name']}" for r in backends_info() if r["available"]]


# trnfft's torch-style API on a torch tensor, default backend: what a PyTorch
# user calls instead of torch.fft (the trnfft:<backend> rows pass NumPy arrays).
TENSOR_IMPL = "trnfft-tensor"
# trnfft's numpy-style API on a NumPy array with no backend= ("auto", its planner included)
ARRAY_IMPL = "trnfft"
# a trnfft.plan object on the default backend, called on its own buffers: pyfftw-planned's like
# (quick_speed.py's contender; not in the asv matrix, to keep CI's bench-smoke as it was)
PLANNED_IMPL = "trnfft-planned"

IMPLS = trnfft_backends() + [ARRAY_IMPL, TENSOR_IMPL] + PEERS


def make_input(kind: str, shape: tuple[int, ...], dtype: str, seed: int = 0) -> np.ndarray:
    """Uniform [-1, 1) input; for c2r a half spectrum of the given real shape."""
    rng = np.random.default_rng(seed)
    real = np.float32 if dtype == "complex64" else np.float64
    if kind == "r2c":
        return rng.uniform(-1, 1, shape).astype(real)
    if kind == "c2r":
        return np.fft.rfftn(rng.uniform(-1, 1, shape)).astype(dtype)
    return (rng.uniform(-1, 1, shape) + 1j * rng.uniform(-1, 1, shape)).astype(dtype)


def transform_fn(impl: str, kind: str, x: np.ndarray, shape: tuple[int, ...],
                 axes: tuple[int, ...] | None = None, workers: int = 1):
    """A zero-argument callable computing the transform of ``x`` over ``axes`` (default all).

    ``shape`` is the logical (real-side) shape. ``workers`` is threads as scipy counts
    them (-1: all cores): trnfft and scipy get it as ``workers=``, torch as its
    intra-op threads, the pre-planned FFTW object as ``threads``; numpy has none.
    Raises NotImplementedError (asv's skip) for an implementation that is not installed here.
    """
    cores = (os.cpu_count() or 1) if workers == -1 else workers
    threads = {} if workers == 1 else {"workers": workers}  # trnfft's calls stay as they were
    axes = tuple(range(x.ndim)) if axes is None else axes
    shape = tuple(shape[a] for a in axes)
    if impl == ARRAY_IMPL or impl.startswith("trnfft:"):
        import trnfft.api.numpy_fft as f
        backend = impl.split(":", 1)[1] if ":" in impl else None
        fn = {"c2c": f.fftn, "r2c": f.rfftn, "c2r": f.irfftn}[kind]
        kw = {"s": shape} if kind == "c2r" else {}
        return lambda: fn(x, axes=axes, backend=backend, **threads, **kw)
    if impl == TENSOR_IMPL:
        torch = _optional("torch")
        torch.set_num_threads(cores)
        import trnfft
        t = torch.from_numpy(x)
        fn = {"c2c": trnfft.fftn, "r2c": trnfft.rfftn, "c2r": trnfft.irfftn}[kind]
        kw = {"s": shape} if kind == "c2r" else {}
        return lambda: fn(t, dim=axes, **threads, **kw)
    if impl == PLANNED_IMPL:
        import trnfft
        kw = {"s": shape} if kind == "c2r" else {}
        p = trnfft.plan({"c2c": "fftn", "r2c": "rfftn", "c2r": "irfftn"}[kind], x, dim=axes,
                        workers=workers, **kw)
        p.input_array[...] = x
        return p  # p() transforms its own buffers, as pyfftw-planned's object does
    if impl == "numpy":
        fn = {"c2c": np.fft.fftn, "r2c": np.fft.rfftn, "c2r": np.fft.irfftn}[kind]
        kw = {"s": shape} if kind == "c2r" else {}
        return lambda: fn(x, axes=axes, **kw)
    if impl == "scipy":
        sfft = _optional("scipy.fft")
        fn = {"c2c": sfft.fftn, "r2c": sfft.rfftn, "c2r": sfft.irfftn}[kind]
        kw = {"s": shape} if kind == "c2r" else {}
        return lambda: fn(x, axes=axes, workers=workers, **kw)
    if impl == "torch":
        torch = _optional("torch")
        torch.set_num_threads(cores)
        t = torch.from_numpy(x)
        fn = {"c2c": torch.fft.fftn, "r2c": torch.fft.rfftn, "c2r": torch.fft.irfftn}[kind]
        kw = {"s": shape} if kind == "c2r" else {}
        return lambda: fn(t, dim=axes, **kw)
    if impl == "pyfftw-planned":
        pyfftw = _optional("pyfftw")
        full = list(x.shape)
        if kind == "c2r":
            full[axes[-1]] = shape[-1]
        elif kind == "r2c":
            full[axes[-1]] = shape[-1] // 2 + 1
        out_shape = tuple(full)
        out_dtype = x.real.dtype if kind == "c2r" else np.result_type(x.dtype, np.complex64)
        a = pyfftw.empty_aligned(x.shape, x.dtype)
        b = pyfftw.empty_aligned(out_shape, out_dtype)
        direction = "FFTW_BACKWARD" if kind == "c2r" else "FFTW_FORWARD"
        with _peer_wisdom(pyfftw) as settings:
            # unbounded MEASURE of the largest problems would take minutes per setup
            limit = settings.timelimit if x.size >= LIMITED_PEER_SIZE else None
            obj = pyfftw.FFTW(a, b, axes=axes, direction=direction, flags=(settings.flag,),
                              threads=cores, planning_timelimit=limit)
        a[...] = x
        return obj  # calling the planned object runs the transform in place, no copies
    raise NotImplementedError(impl)


@contextlib.contextmanager
def _peer_wisdom(pyfftw):
    """Plan the pyFFTW peer with the planner effort trnfft uses (TRNFFT_FFTW_PLANNER,
    default measure; no time limit below LIMITED_PEER_SIZE elements), sharing trnfft's wisdom file so that each
    machine pays for planning once, as a pyFFTW user keeping wisdom would."""
    from trnfft_backends.fftw import wisdom
    from trnfft_backends.fftw.fftw_lock import FFTW_LOCK
    from trnfft_backends.fftw.settings import FFTWSettings
    settings = FFTWSettings()
    store = wisdom.wisdom_file(settings.wisdom_path, pyfftw)
    store.load_once()
    with FFTW_LOCK:  # the peer plans with FFTW's global planner, as trnfft's own plans do
        yield settings
    store.planned()
    store.save()


def warm(fn) -> None:
    """First call (plans, first-touch memory); a backend that declines the problem is skipped."""
    from trnfft.core.errors import UnsupportedProblemError
    try:
        fn()
    except UnsupportedProblemError as exc:
        raise NotImplementedError(f"declined: {exc}") from None


def _optional(module: str):
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise NotImplementedError(f"{module} is not installed here") from exc


def normwise_error(kind: str, x: np.ndarray, shape: tuple[int, ...], fn,
                   axes: tuple[int, ...] | None = None) -> float:
    """Error of ``fn()`` against the high-precision reference (long double for double inputs)."""
    from trnfft.core.accuracy import normwise_error as err, reference_transform
    from trnfft.core.problem import make_problem
    precision = "single" if x.dtype in (np.float32, np.complex64) else "double"
    axes = tuple(range(len(shape))) if axes is None else axes
    problem = make_problem(kind, shape, axes=axes, precision=precision)
    y = fn()
    y = y.resolve_conj().numpy() if hasattr(y, "resolve_conj") else np.asarray(y)
    return err(y, reference_transform(problem, x))
