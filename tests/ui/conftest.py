"""Fixtures for driving the real app with Pilot: a small test pack, a fixed learner, no clock."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tutor.app import TutorApp, create_app
from tutor.core import paths
from tutor.core.progress import ProgressStore

UI_PACK = Path(__file__).parent / "pack"
LEARNER = "0123456789abcdef0123456789abcdef"


class RecordingApp(TutorApp):
    """The real app, except that opening a URL is recorded instead of starting a browser."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.opened: list[str] = []

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        self.opened.append(url)


@pytest.fixture(autouse=True)
def steady(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove nondeterminism: quiz timing reads a frozen clock (text cursors are kept from
    blinking for the whole suite, in tests/conftest.py)."""
    monkeypatch.setattr("tutor.core.session._clock", lambda: 0.0)


@pytest.fixture
def make_app(private_home: Path) -> Callable[..., RecordingApp]:
    """Build the app exactly as the CLI does (``create_app``), for the test pack by default."""

    def build(pack: Path | None = UI_PACK, model: str | None = None) -> RecordingApp:
        database = paths.database_file()
        ProgressStore.open(database).close()
        with sqlite3.connect(database) as conn:  # a fixed learner id: stable shuffles
            conn.execute("UPDATE meta SET value = ? WHERE key = 'learner_id'", (LEARNER,))
        return create_app(pack, database, RecordingApp, model)

    return build
