"""How many threads llama.cpp gets: every core for the plain commands, one fewer beside the UI."""

from __future__ import annotations

import os

import pytest

from tutor.runtime import protocol


@pytest.mark.parametrize(
    ("cores", "plain", "beside_ui"), [(1, 1, 1), (2, 2, 1), (4, 4, 3), (16, 4, 4)]
)
def test_threads_leave_the_ui_a_core(
    monkeypatch: pytest.MonkeyPatch, cores: int, plain: int, beside_ui: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)), raising=False)
    assert protocol.default_threads() == plain
    assert protocol.threads_beside_ui() == beside_ui


def test_the_app_starts_its_model_beside_the_ui(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's own client (not started here) is made with threads_beside_ui."""
    from tutor.ui.app import create_app

    monkeypatch.setattr(protocol, "threads_beside_ui", lambda: 3)
    app = create_app()
    client = app._new_client()
    assert client._options.n_threads == 3
