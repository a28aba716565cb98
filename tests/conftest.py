"""Fixtures for the whole suite: no test ever touches the learner's real data directory, and
text cursors do not blink (snapshots are the same however slow the machine)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point LLM_TUTOR_HOME at a fresh temporary directory for every test."""
    home = tmp_path / "tutor-home"
    monkeypatch.setenv("LLM_TUTOR_HOME", str(home))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return home


@pytest.fixture(autouse=True)
def steady_cursors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text cursors stay shown instead of blinking every 0.5 s: a snapshot taken on a slow,
    shared machine otherwise catches the cursor on or off at random (the playground's
    TextArea and the predict dialog's Input flaked so)."""
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)
