"""pytest plugin: run a test once per available trnfft backend.

A test that takes the ``trnfft_backend`` fixture is parametrized over every
available backend and runs inside ``trnfft.use_backend(name)``; the fixture's
value is the backend name. Narrow the set with

* ``--trnfft-backends=a,b`` (or ``TRNFFT_TEST_BACKENDS``) for the whole run;
* ``@pytest.mark.trnfft_backends("a", "b")`` to run a test on those only;
* ``@pytest.mark.trnfft_skip_backends("a")`` to leave some out.

Loaded automatically (entry point ``pytest11``); it imports trnfft only when a
test asks for the fixture.
"""
from __future__ import annotations

import os
from typing import Any, Iterator

import pytest


def pytest_addoption(parser: Any) -> None:
    parser.addoption("--trnfft-backends", default=None,
                     help="comma-separated trnfft backends for the trnfft_backend fixture")


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "trnfft_backends(*names): run only on these backends")
    config.addinivalue_line("markers", "trnfft_skip_backends(*names): never run on these backends")


def available_backends() -> list[str]:
    """Names of the backends that can run here."""
    from trnfft.introspection import backends_info
    return [row["name"] for row in backends_info() if row["available"]]


def pytest_generate_tests(metafunc: Any) -> None:
    if "trnfft_backend" not in metafunc.fixturenames:
        return
    chosen = metafunc.config.getoption("--trnfft-backends") or os.environ.get("TRNFFT_TEST_BACKENDS")
    names = available_backends()
    if chosen:
        wanted = [n.strip() for n in chosen.split(",") if n.strip()]
        missing = [n for n in wanted if n not in names]
        if missing:
            raise pytest.UsageError(f"--trnfft-backends names unavailable backends: {missing}; "
                                    f"available here: {names}")
        names = wanted
    only = metafunc.definition.get_closest_marker("trnfft_backends")
    if only is not None:
        names = [n for n in names if n in only.args]
    skip = metafunc.definition.get_closest_marker("trnfft_skip_backends")
    if skip is not None:
        names = [n for n in names if n not in skip.args]
    metafunc.parametrize("trnfft_backend", names, indirect=True, ids=names)


@pytest.fixture
def trnfft_backend(request: Any) -> Iterator[str]:
    """The backend name; the test body runs with it selected."""
    import trnfft
    with trnfft.use_backend(request.param):
        yield request.param
