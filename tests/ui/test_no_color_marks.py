"""With NO_COLOR (Textual drops every colour, so no highlight background) the row that enter
would open is marked by a character, ``›``, in every list: the outline, the Lab picker, the
pack picker, the links dialog and the lesson's table of contents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.ui.conftest import RecordingApp

SIZE = (80, 24)
MakeApp = Callable[..., RecordingApp]


@pytest.fixture(autouse=True)
def no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


def marked(app: RecordingApp) -> list[str]:
    """What follows the mark on each screen line that has it (up to a border)."""
    lines = [strip.text for strip in app.screen._compositor.render_strips()]
    return [line.split("›", 1)[1].split("▎")[0].strip() for line in lines if "›" in line]


async def settle(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await pilot.pause()


async def test_outline_and_lab_picker(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert [m.split()[:2] for m in marked(app)] == [["·", "01"]]
        await settle(pilot, "down")
        assert [m.split()[:2] for m in marked(app)] == [["·", "02"]]
        await settle(pilot, "x")
        assert [m.split("  ")[0] for m in marked(app)] == ["Tokens"]
        await settle(pilot, "down", "down")
        assert [m.split("  ")[0] for m in marked(app)] == ["Sampler lab"]


async def test_pack_picker(make_app: MakeApp, tmp_path: Path) -> None:
    from tests.ui.installing import install_packs

    install_packs(tmp_path)
    app = make_app(None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first = marked(app)
        await settle(pilot, "down")
        second = marked(app)
    assert len(first) == len(second) == 1 and first != second
    assert "built-in" in first[0] and "Attention" in second[0]


async def test_links_dialog_and_contents(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, "enter", "l")
        assert marked(app) == ["the transformer paper — https://arxiv.org/abs/1706.03762"]
        await settle(pilot, "escape", "c")  # the contents open with no heading picked yet
        assert marked(app) == []
        await settle(pilot, "down")
        assert [m.split("  ")[0] for m in marked(app)] == ["▼ Ⅰ First steps"]
        await settle(pilot, "down")  # the document's own heading shows beside the contents
        assert [m.split("  ")[0] for m in marked(app)] == ["Ⅱ A link"]
