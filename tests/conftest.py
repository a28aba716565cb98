"""Fixtures for the whole suite: no test ever touches the learner's real data directory."""

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
