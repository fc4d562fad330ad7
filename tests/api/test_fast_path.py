"""Repeated calls take the memoised route (``api/fast_path.py`` -> ``dispatch.runner``) and keep every guarantee."""
from __future__ import annotations

import numpy as np
import pytest

import trnfft
from conftest import assert_close, random_array

torch = pytest.importorskip("torch")


def _ref(x):
    return np.fft.fft(np.asarray(x, np.complex128))


@pytest.mark.parametrize("tensor", [False, True])
def test_repeated_calls_follow_a_cleared_cache(tensor):
    """After clear() a memoised call plans again (the runner does not keep a dropped plan)."""
    x = random_array(300, np.complex64)
    arg = torch.from_numpy(x) if tensor else x
    trnfft.fft(arg)
    trnfft.fft(arg)  # memoised now
    trnfft.plan_cache.clear()
    y = trnfft.fft(arg)
    assert (trnfft.plan_cache.misses, trnfft.plan_cache.size) == (1, 1)
    assert type(y) is type(arg)
    assert_close(np.asarray(y), _ref(x), np.complex64, x.size)


def test_memoised_calls_keep_the_lru_order_and_counts():
    """A plan used through the memo is the most recent: eviction takes the older one."""
    cache = trnfft.plan_cache
    old = cache.max_size
    a, b, c = (random_array(n, np.complex64) for n in (301, 302, 303))
    try:
        cache.clear()
        cache.max_size = 2
        trnfft.fft(a)
        trnfft.fft(a)
        trnfft.fft(b)
        hits = cache.hits
        trnfft.fft(a)  # memoised: must count as a hit and refresh a's place
        assert cache.hits == hits + 1
        trnfft.fft(c)  # evicts b, the least recently used
        misses = cache.misses
        trnfft.fft(a)
        assert cache.misses == misses
        trnfft.fft(b)
        assert cache.misses == misses + 1
    finally:
        cache.max_size = old


def test_memoised_calls_follow_a_backend_context_and_set_backend():
    x = random_array(304, np.complex64)
    trnfft.fft(x)
    trnfft.fft(x)
    misses = trnfft.plan_cache.misses
    with trnfft.use_backend("numpy-reference"):
        y = trnfft.fft(x)
    assert trnfft.plan_cache.misses == misses + 1  # a numpy-reference plan, not the memoised one
    assert_close(y, _ref(x), np.complex64, x.size)
    trnfft.set_backend("numpy-reference")
    try:
        trnfft.fft(x)
        assert trnfft.plan_cache.misses == misses + 1  # set_backend: that plan again, a cache hit
        hits = trnfft.plan_cache.hits
        trnfft.fft(x)
        assert trnfft.plan_cache.hits == hits + 1
    finally:
        trnfft.set_backend(None)
    trnfft.fft(x)
    assert trnfft.plan_cache.misses == misses + 1  # back to the first plan


@pytest.mark.parametrize("tensor", [False, True])
def test_memoised_calls_are_cross_checked_when_asked(tensor):
    x = random_array(305 + 10 * tensor, np.complex64)
    arg = torch.from_numpy(x) if tensor else x
    with trnfft.use_backend("fftw-reference"):
        trnfft.fft(arg)
        trnfft.fft(arg)
        misses = trnfft.plan_cache.misses
        with trnfft.cross_checking("numpy-reference"):
            trnfft.fft(arg)
    assert trnfft.plan_cache.misses == misses + 1  # the reference's plan: the check ran


def test_tensors_without_a_numpy_view_after_memoisation():
    """Tensors the memo cannot view (conjugate bit, autograd, other dtypes) still get the right answer."""
    x = random_array(306, np.complex64)
    t = torch.from_numpy(x.copy())
    trnfft.fft(t)
    trnfft.fft(t)
    y = trnfft.fft(t.conj())
    assert_close(y.numpy(), _ref(np.conj(x)), np.complex64, x.size)
    g = t.clone().requires_grad_()
    trnfft.fft(g).real.sum().backward()
    assert g.grad is not None and torch.equal(t, torch.from_numpy(x))  # input unmodified
    half = torch.ones(306, dtype=torch.bfloat16)  # NumPy has no bfloat16: no view, the general path
    outcomes = []
    for _ in range(2):
        try:
            outcomes.append(("ok", trnfft.fft(half)))
        except trnfft.TrnfftError as exc:
            outcomes.append(("error", str(exc)))
    assert outcomes[0][0] == outcomes[1][0]
    if outcomes[0][0] == "ok":
        assert torch.equal(outcomes[0][1], outcomes[1][1])
    else:
        assert outcomes[0][1] == outcomes[1][1]

def test_memoised_tensor_result_is_new_and_input_unchanged():
    x = random_array((3, 307), np.complex64)
    t = torch.from_numpy(x.copy())
    for _ in range(3):
        y = trnfft.fft(t)
    assert isinstance(y, torch.Tensor) and y.dtype == torch.complex64 and tuple(y.shape) == x.shape
    assert not np.shares_memory(y.numpy(), t.numpy())
    assert torch.equal(t, torch.from_numpy(x))
    assert_close(y.numpy(), np.fft.fft(x.astype(np.complex128)), np.complex64, 307)


def test_memoised_calls_from_threads_while_plans_are_evicted():
    """Runners rebind when another thread's plan pushes theirs out (max_size 2, four problems)."""
    import concurrent.futures

    cache = trnfft.plan_cache
    old = cache.max_size
    xs = [random_array(n, np.complex64, seed=n) for n in (320, 321, 322, 323)]
    inputs = [torch.from_numpy(x) if i % 2 else x for i, x in enumerate(xs)] * 25
    try:
        cache.max_size = 2
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda a: (a, trnfft.fft(a)), inputs))
    finally:
        cache.max_size = old
    for a, y in results:
        assert type(y) is type(a)
        assert_close(np.asarray(y), _ref(a), np.complex64, a.shape[-1])


@pytest.mark.parametrize("tensor", [False, True])
def test_memoised_calls_let_go_of_cleared_plans(tensor):
    """clear() gives plans' memory back: no runner keeps a plan the cache dropped."""
    import gc
    import weakref

    x = random_array(330 + tensor, np.complex64)
    arg = torch.from_numpy(x) if tensor else x
    trnfft.plan_cache.clear()
    trnfft.fft(arg)
    trnfft.fft(arg)
    plans = [weakref.ref(entry.plan) for entry in trnfft.plan_cache._plans.values()]
    assert plans and all(p() is not None for p in plans)
    trnfft.plan_cache.clear()
    gc.collect()
    assert all(p() is None for p in plans)


@pytest.mark.parametrize("api, key, good, bad", [
    ("numpy", "axis", 1, 1.0), ("numpy", "axis", 1, True), ("numpy", "workers", 2, 2.0),
    ("numpy", "workers", 1, 1 + 0j), ("numpy", "workers", 1, True), ("torch", "dim", 0, 0.0),
    ("torch", "workers", 2, np.float64(2.0)), ("numpy", "axis", np.int64(1), np.bool_(True)),
    ("torch", "dim", np.int64(0), np.bool_(False)), ("numpy", "workers", np.int32(1), np.bool_(True)),
    ("numpy", "axis", np.int64(-1), np.float64(-1.0)),
])
def test_an_equal_value_of_another_type_is_not_served_from_the_memo(api, key, good, bad):
    """The memo compares signatures by equality (1.0 == True == 1): a float, bool or complex axis or
    workers after the integer's memoised call is still refused, as it is on a first call."""
    x = random_array((4, 6), np.complex64)
    fn = trnfft.numpy_fft.fft if api == "numpy" else trnfft.fft
    arg = x if api == "numpy" else torch.from_numpy(x)
    for _ in range(3):
        fn(arg, **{key: good})
    with pytest.raises(trnfft.InvalidArgumentTypeError, match=f"{key} must be an integer"):
        fn(arg, **{key: bad})


@pytest.mark.parametrize("api, kwargs, axis", [
    ("numpy", {"axis": np.int64(-1)}, -1), ("numpy", {"axis": np.uint8(0), "workers": np.int16(2)}, 0),
    ("torch", {"dim": np.int64(0)}, 0), ("numpy", {"split": False}, -1), ("torch", {"split": False}, -1),
])
def test_numpy_integers_and_split_false_are_memoised(api, kwargs, axis):
    """NumPy integer axes/workers and split=False are memoised (they mean what int and None mean):
    the first call records a runner, the second is served by it, both with the right result."""
    from trnfft.api import fast_path
    x = random_array((4, 6), np.complex64)
    fn = trnfft.numpy_fft.fft if api == "numpy" else trnfft.fft
    arg = x if api == "numpy" else torch.from_numpy(x)
    fast_path._runners.clear()
    first = np.asarray(fn(arg, **kwargs))
    assert len(fast_path._runners) == 1
    served = np.asarray(fn(arg, **kwargs))
    np.testing.assert_array_equal(served, first)
    assert_close(served, np.fft.fft(x.astype(np.complex128), axis=axis), np.complex64, 6)


@pytest.mark.parametrize("bad", [0, "no", np.int64(0)])
def test_a_falsy_split_that_is_not_false_is_refused_after_memoisation(bad):
    """split=0 equals False but is refused (check_split): the memo does not serve it."""
    x = random_array(16, np.complex64)
    for _ in range(3):
        trnfft.numpy_fft.fft(x, split=False)
    with pytest.raises(trnfft.InvalidArgumentTypeError, match="split must be"):
        trnfft.numpy_fft.fft(x, split=bad)
