"""Fixtures for the lab tests: the real app with the fake client (snapshots, UI flow) or with a
tiny generated GGUF (end to end)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakes import FakeModelClient
from tests.runtime.tiny_gguf import write_tiny_model
from tests.ui.conftest import RecordingApp, make_app, steady
from tutor.ui.model_service import ModelService

__all__ = ["make_app", "steady"]

MakeApp = Callable[..., RecordingApp]
SIZE = (80, 24)


@pytest.fixture
def fake_client() -> FakeModelClient:
    return FakeModelClient()


@pytest.fixture
def fake_app(make_app: MakeApp, fake_client: FakeModelClient) -> RecordingApp:
    """The real app whose model service runs the deterministic fake client."""
    app = make_app()
    app.model_service = ModelService(lambda: fake_client)
    return app


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight GGUF (tests/runtime/tiny_gguf.py)."""
    path = tmp_path_factory.mktemp("lab-model") / "tiny-q8_0.gguf"
    write_tiny_model(path, "q8_0")
    return path
