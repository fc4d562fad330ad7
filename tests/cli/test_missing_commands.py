"""A command a plugin adds (``trnfft cost``) that is not here says why, and exits 2, never 0."""
from __future__ import annotations

import pytest

from trnfft.cli import build_parser, main
from trnfft.core.registry import REGISTRY


@pytest.fixture
def reload_after():
    yield
    REGISTRY.reload()


def test_cost_from_a_plugin_left_out_names_the_plugin_and_the_variable(monkeypatch, capsys, reload_after):
    monkeypatch.setenv("TRNFFT_LOAD_BACKENDS", "fftw-reference")
    REGISTRY.reload()
    assert main(["cost", "fft", "--n", "8"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "'cost' comes from plugin 'nki', which TRNFFT_LOAD_BACKENDS='fftw-reference' does not load" in err


def test_an_unknown_command_exits_2_listing_the_commands_here(capsys):
    assert main(["costs"]) == 2
    err = capsys.readouterr().err
    assert "'costs' is not available here (info, which, check" in err


def test_check_help_documents_every_option():
    check = build_parser()._subparsers._group_actions[0].choices["check"]
    for action in check._actions:
        assert action.help, f"--{action.dest} has no help"
