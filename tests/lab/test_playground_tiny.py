"""The prompt playground end to end on a real llama.cpp worker with a tiny generated GGUF: a
turn streams, a second turn continues the chat, A/B on the same seed gives the same text, and a
worker killed mid-answer shows the runtime's message with ctrl+r: retry, which works."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from tests.lab.helpers import open_spec, press, settle
from tests.lab.screen_text import flat_text
from tests.ui.conftest import RecordingApp
from tutor.ui.lab.playground import PlaygroundScreen

SIZE = (80, 24)
MakeApp = Callable[..., RecordingApp]


async def _playground(pilot: Pilot[None], **spec: object) -> PlaygroundScreen:
    await open_spec(pilot, kind="prompting", **spec)
    screen = pilot.app.screen
    assert isinstance(screen, PlaygroundScreen)
    return screen


async def test_a_turn_streams_and_the_next_turn_continues(make_app: MakeApp, tiny: Path) -> None:
    app = make_app(model=str(tiny))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _playground(pilot, prompt="the cat", system="be brief", max_tokens=8)
        first = screen.current
        assert first is not None and first.finish in ("length", "eos") and first.answer
        assert first.prompt[0] == {"role": "system", "content": "be brief"}  # type: ignore[index]
        assert "assistant:" in flat_text(app)
        await press(pilot, "ctrl+n", *"and?", "ctrl+s")
        second = screen.current
        assert second is not None and second.finish in ("length", "eos")
        assert second.prompt[1:] == [  # the whole chat is sent again, the first answer in it
            {"role": "user", "content": "the cat"},
            {"role": "assistant", "content": first.answer},
            {"role": "user", "content": "and?"},
        ]
        shown = flat_text(app)
        assert "user: the cat" in shown and "and?" in shown


async def test_ab_on_the_same_seed_gives_the_same_text(make_app: MakeApp, tiny: Path) -> None:
    app = make_app(model=str(tiny))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _playground(pilot, prompt="the cat", temperature=1.0, seed=3, max_tokens=8)
        a = screen.current
        assert a is not None and a.answer
        await press(pilot, "ctrl+b", "ctrl+s")  # pin A, run the same prompt again: B
        b = screen.current
        assert screen.pinned is a and b is not a and b is not None
        assert b.answer == a.answer and "A/B on the same seed" in flat_text(app)
        await press(pilot, "escape", "S", "ctrl+s")  # another seed: B is a different sample
        assert screen.current is not None and screen.current.settings.seed == 4


async def test_a_worker_killed_mid_answer_then_retry(make_app: MakeApp, tiny: Path) -> None:
    app = make_app(model=str(tiny))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _playground(pilot, prompt="the cat", max_tokens=64)
        before = screen.current
        client = screen.service.client
        pid = client.pid
        assert pid is not None and before is not None
        os.kill(pid, signal.SIGSTOP)  # frozen: the request is sent, then the worker dies
        sent = client._next_id
        await pilot.press("ctrl+s")
        while client._next_id == sent:
            await pilot.pause(0.02)
        # A stopped process dies of SIGKILL too; no SIGCONT after it (the client may reap first).
        os.kill(pid, signal.SIGKILL)
        await settle(pilot)
        assert screen.current is not None and screen.current.finish == "failed"
        shown = flat_text(app)
        assert "stopped unexpectedly" in shown and "ctrl+r: retry" in shown
        await press(pilot, "ctrl+r")
        after = screen.current
        assert after is not None and after.finish in ("length", "eos")
        assert after.answer == before.answer  # greedy: the same answer as before the crash
        assert screen.service.client.pid != pid and "stopped unexpectedly" not in flat_text(app)
