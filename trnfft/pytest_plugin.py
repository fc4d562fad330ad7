"""pytest plugin: run a test once per available trnfft backend.

A test that takes the ``trnfft_backend`` fixture is parametrized over every
available backend and runs inside ``trnfft.use_backend(name)``; the fixture's
value is the backend name. Narrow the set with

* ``--trnfft-backends=a,b`` (or ``TRNFFT_TEST_BACKENDS``) for the whole run;
* ``@pytest.mark.trnfft_backends("a", "b")`` to run a test on those only;
* ``@pytest.mark.trnfft_skip_backends("a")`` to leave some out.

A name in ``--trnfft-backends`` that no plugin registers (a typo) is a usage
error naming the registered backends: a misspelt name never turns a run green.
A backend named there that cannot run here is listed as a skipped case with
the reason. When the selected backend declines a test's problem
(``UnsupportedProblemError``, e.g. a size above its limit) the test is skipped
with the backend's reason. ``--trnfft-strict`` makes both failures instead
(``@pytest.mark.trnfft_strict``: the declined problems of one test).

Loaded automatically (entry point ``pytest11``); it imports trnfft only when a
test asks for the fixture.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Generator, Iterator

import pytest

if TYPE_CHECKING:
    import pluggy


def pytest_addoption(parser: Any) -> None:
    parser.addoption("--trnfft-backends", default=None,
                     help="comma-separated trnfft backends for the trnfft_backend fixture")
    parser.addoption("--trnfft-strict", action="store_true", default=False,
                     help="fail (instead of skip) trnfft_backend tests whose backend cannot run here or "
                          "declines the problem")


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "trnfft_backends(*names): run only on these backends")
    config.addinivalue_line("markers", "trnfft_skip_backends(*names): never run on these backends")
    config.addinivalue_line("markers", "trnfft_strict: a problem the backend declines fails the test "
                                       "instead of skipping it")
    config.addinivalue_line("markers", "trnfft_unavailable(reason): set by the plugin under --trnfft-strict "
                                       "on a case whose backend cannot run here")


def available_backends() -> list[str]:
    """Names of the backends that can run here."""
    return [name for name, why in backend_status().items() if why is None]


def backend_status() -> dict[str, str | None]:
    """Every registered backend: None when it can run here, else why not."""
    from trnfft.api.introspection import backends_info
    return {row["name"]: None if row["available"] else (row["reason"] or "unavailable")
            for row in backends_info()}


def pytest_generate_tests(metafunc: Any) -> None:
    if "trnfft_backend" not in metafunc.fixturenames:
        return
    chosen = metafunc.config.getoption("--trnfft-backends") or os.environ.get("TRNFFT_TEST_BACKENDS")
    status = backend_status()
    names = [name for name, why in status.items() if why is None]
    if chosen:
        names = [n.strip() for n in chosen.split(",") if n.strip()]
        _check_registered(names, status)
    only = metafunc.definition.get_closest_marker("trnfft_backends")
    if only is not None:
        names = [n for n in names if n in only.args]
    skip = metafunc.definition.get_closest_marker("trnfft_skip_backends")
    if skip is not None:
        names = [n for n in names if n not in skip.args]
    strict = bool(metafunc.config.getoption("--trnfft-strict"))
    cases = [pytest.param(n, id=n, marks=_unavailable_marks(n, status, strict)) for n in names]
    metafunc.parametrize("trnfft_backend", cases, indirect=True)


def _check_registered(names: list[str], status: dict[str, str | None]) -> None:
    """Every name given on the command line is a registered backend or an alias: else a usage error."""
    from trnfft.core.registry import REGISTRY
    unknown = [n for n in names if REGISTRY.canonical(n) not in status]
    if unknown:
        aliases = REGISTRY.aliases()
        raise pytest.UsageError(
            f"--trnfft-backends (or TRNFFT_TEST_BACKENDS) names {', '.join(map(repr, unknown))}, which no "
            f"trnfft plugin registers here; registered backends: {', '.join(sorted(status)) or 'none'}"
            + (f" (aliases: {', '.join(aliases)})" if aliases else "")
            + ". `trnfft info` says why one you expected is missing")


def _unavailable_marks(name: str, status: dict[str, str | None], strict: bool) -> Any:
    """No marks for a backend that runs here; else a skip with the reason (a failure under strict)."""
    from trnfft.core.registry import REGISTRY
    why = status.get(REGISTRY.canonical(name))
    if why is None:
        return ()
    reason = f"trnfft backend {name!r} is not available here: {why}"
    if strict:  # run the case, so that it fails with the reason (``trnfft_backend``)
        return pytest.mark.trnfft_unavailable(reason)
    return pytest.mark.skip(reason=reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: Any) -> Generator[None, pluggy.Result[None], None]:
    """Skip, with the backend's reason, a trnfft_backend test whose problem it declines."""
    outcome = yield
    excinfo = outcome.excinfo
    if excinfo is None or "trnfft_backend" not in getattr(item, "fixturenames", ()):
        return
    from trnfft.core.errors import UnsupportedProblemError
    if not isinstance(excinfo[1], UnsupportedProblemError):
        return
    if item.config.getoption("--trnfft-strict") or item.get_closest_marker("trnfft_strict"):
        return
    backend = item.callspec.params.get("trnfft_backend", "?")
    outcome.force_exception(_skip_at_test(f"trnfft backend {backend!r} declined the problem: {excinfo[1]}"))


def _skip_at_test(message: str) -> BaseException:
    """A skip reported at the test's own location (not this hook's), where pytest allows it."""
    try:
        return pytest.skip.Exception(message, _use_item_location=True)
    except TypeError:  # a pytest without the keyword: reported here, still with the reason
        return pytest.skip.Exception(message)


@pytest.fixture
def trnfft_backend(request: Any) -> Iterator[str]:
    """The backend name; the test body runs with it selected."""
    import trnfft
    unavailable = request.node.get_closest_marker("trnfft_unavailable")
    if unavailable is not None:
        pytest.fail(f"{unavailable.args[0]} (--trnfft-strict)", pytrace=False)
    with trnfft.use_backend(request.param):
        yield request.param
