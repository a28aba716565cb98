"""The lab end to end on a real llama.cpp worker with a tiny generated GGUF: tokens, a step of
generation by hand, a demo opened while the worker starts, a worker killed mid-call."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import Input

from tests.lab.helpers import open_spec, press, settle
from tests.lab.screen_text import flat_text
from tests.ui.conftest import RecordingApp
from tutor.ui.lab.next_token import DistributionReady, NextTokenScreen
from tutor.ui.lab.tokens import TokensScreen
from tutor.ui.screens.lesson import LessonScreen, LessonViewer

SIZE = (80, 24)
MakeApp = Callable[..., RecordingApp]


async def test_tokens_and_a_step_of_generation(make_app: MakeApp, tiny: Path) -> None:
    app = make_app(model=str(tiny))
    async with app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="tokens", prompt="the cat")
        screen = app.screen
        assert isinstance(screen, TokensScreen) and screen.pieces
        before = len(screen.pieces)
        await press(pilot, "end", "space", "s", "a", "t")
        assert screen.pieces is not None and len(screen.pieces) > before
        assert "".join(p.text for p in screen.pieces if not p.special).endswith("sat")
        await press(pilot, "escape")

        await open_spec(pilot, kind="next-token", prompt="the cat")
        screen = app.screen
        assert isinstance(screen, NextTokenScreen) and screen.dist is not None
        assert screen.dist.logits.shape == (app.model_service.status.info.n_vocab,)  # type: ignore[union-attr]
        chosen = screen.dist.top[0].token.text
        await press(pilot, "enter")
        assert screen.query_one("#next-prompt", Input).value == "the cat" + chosen
        assert screen.dist is not None and screen.steps
        assert "entropy" in flat_text(app)


async def test_a_demo_opened_while_the_worker_starts(make_app: MakeApp, tiny: Path) -> None:
    app = make_app(model=str(tiny))
    async with app.run_test(size=SIZE) as pilot:
        client = app.model_service.client
        client._lock.acquire()  # the worker cannot start until the test lets it
        try:
            await press(pilot, "enter")
            await pilot.press("t")
            await pilot.pause()
            assert isinstance(app.screen, TokensScreen)
            assert "Loading the model" in flat_text(app)
        finally:
            client._lock.release()
        await settle(pilot)
        assert "Loading the model" not in flat_text(app)
        assert "tokens" in flat_text(app) and app.screen.pieces  # type: ignore[attr-defined]


def kill_when_asked(client: Any, pid: int) -> None:
    """SIGKILL the (stopped) worker once the client has sent its request."""
    while not client.busy:
        threading.Event().wait(0.001)
    os.kill(pid, signal.SIGKILL)


async def test_a_worker_killed_mid_call(make_app: MakeApp, tiny: Path) -> None:
    """The message shows, retry works, and the lesson still scrolls."""
    app = make_app(model=str(tiny))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "enter")
        lesson = app.screen
        assert isinstance(lesson, LessonScreen)
        lesson.query_one(LessonViewer).scroll_to(y=5, animate=False)
        await press(pilot, "t")
        await press(pilot, "escape")
        await open_spec(pilot, kind="next-token", prompt="the cat")
        screen = app.screen
        assert isinstance(screen, NextTokenScreen)
        kills = []

        def kill_then_ask(client: Any) -> Any:
            if not kills:  # the worker dies once, mid-call: frozen, asked, then killed
                pid = client.pid
                kills.append(pid)
                os.kill(pid, signal.SIGSTOP)
                threading.Thread(target=kill_when_asked, args=(client, pid)).start()
            return client.next_token("the cat sat")

        screen.run_model(kill_then_ask, lambda d: DistributionReady("the cat sat", d))
        screen.context_text = "the cat sat"
        await settle(pilot)
        shown = flat_text(app)
        assert "stopped unexpectedly" in shown and "ctrl+r: retry" in shown
        await press(pilot, "ctrl+r")
        assert "stopped unexpectedly" not in flat_text(app)
        assert screen.dist is not None and app.model_service.client.pid != kills[0]
        await press(pilot, "escape")
        assert app.screen is lesson
        viewer = lesson.query_one(LessonViewer)
        before = viewer.scroll_y
        await press(pilot, "end")
        assert viewer.scroll_y > before


async def test_tokens_show_byte_fallback_pieces(make_app: MakeApp, tiny: Path) -> None:
    """The tiny vocabulary has no 'é': it becomes raw byte tokens, and the cursor says so."""
    app = make_app(model=str(tiny))
    async with app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="tokens", prompt="é")
        screen = app.screen
        assert isinstance(screen, TokensScreen) and screen.pieces
        fallback = [i for i, p in enumerate(screen.pieces) if p.byte_fallback]
        assert len(fallback) == 2  # é is two UTF-8 bytes
        await press(pilot, "tab", *["right"] * fallback[0])
        shown = flat_text(app)
        assert "byte-fallback token" in shown and "bytes c3" in shown
