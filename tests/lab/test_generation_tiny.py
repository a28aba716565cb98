"""The generation explorer end to end on a real llama.cpp worker with a tiny generated GGUF:
stream, move the cursor, branch, go back, the same seed giving the same text, stop, and a
worker killed mid-generation (the message with r: retry, then retry works)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from tests.lab.helpers import open_spec, press, settle
from tests.lab.screen_text import flat_text
from tests.ui.conftest import RecordingApp
from tutor.runtime.client import ModelClient
from tutor.ui.lab.generation import GenerationScreen, prompt_token_ids

SIZE = (80, 24)
MakeApp = Callable[..., RecordingApp]


def test_a_token_id_prompt_continues_exactly_where_the_text_left_off(tiny: Path) -> None:
    with ModelClient(tiny) as client:
        client.start()
        ids = prompt_token_ids(client, "the cat sat")
        with client.generate("the cat sat", temperature=0, max_tokens=8) as gen:
            whole = [t.token.id for t in gen]
            assert gen.result is not None and gen.result.prompt_tokens == len(ids)
        with client.generate(ids + whole[:3], temperature=0, max_tokens=5) as gen:
            rest = [t.token.id for t in gen]
    assert rest == whole[3 : 3 + len(rest)] and rest


async def _generation(pilot: Pilot[None], **spec: object) -> GenerationScreen:
    await open_spec(pilot, kind="generation", **spec)
    screen = pilot.app.screen
    assert isinstance(screen, GenerationScreen)
    return screen


async def test_stream_branch_go_back_and_the_same_seed_again(make_app: MakeApp, tiny: Path) -> None:
    app = make_app(model=str(tiny))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _generation(pilot, prompt="the cat", max_tokens=10, seed=4)
        tree = screen.branch_tree
        first = tree.branches[0]
        assert first.finish in ("length", "eos") and first.steps
        assert "Token" in flat_text(app) and "Branches (1" in flat_text(app)
        at = max(0, len(first.steps) - 3)
        await press(pilot, *["left"] * (len(first.steps) - 1 - at), "down", "enter")
        assert len(tree) == 2
        child = tree.branches[1]
        chosen = first.steps[at].alternatives[1]
        assert child.parent == 1 and child.fork_at == at
        assert child.token_ids()[: at + 1] == [*first.token_ids()[:at], chosen.id]
        assert child.steps[at].forced and child.finish in ("length", "eos")
        before = first.text
        await press(pilot, "left_square_bracket")
        assert tree.shown is first and first.text == before
        await press(pilot, "g")  # the same prompt, seed and settings: the same text
        assert len(tree) == 3 and tree.branches[2].text == first.text
        await press(pilot, "S", "g")  # another seed
        assert tree.branches[3].settings != first.settings


async def _frozen_request(pilot: Pilot[None], screen: GenerationScreen, pid: int) -> None:
    """Freeze the worker, ask for a generation, and wait until the request is on its way."""
    client = screen.service.client
    os.kill(pid, signal.SIGSTOP)
    sent = client.requests_sent
    await pilot.press("g")
    while client.requests_sent == sent:
        await pilot.pause(0.02)


async def test_stop_and_a_worker_killed_mid_generation(make_app: MakeApp, tiny: Path) -> None:
    app = make_app(model=str(tiny))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _generation(pilot, prompt="the cat", max_tokens=256, seed=2)
        tree = screen.branch_tree
        pid = screen.service.client.pid
        assert pid is not None
        await _frozen_request(pilot, screen, pid)
        await pilot.press("c")  # stop, while the worker has not even started
        os.kill(pid, signal.SIGCONT)
        await settle(pilot)
        assert tree.branches[1].finish == "cancelled"

        await _frozen_request(pilot, screen, pid)
        # A stopped process dies of SIGKILL too; no SIGCONT after it (the client may reap first).
        os.kill(pid, signal.SIGKILL)
        await settle(pilot)
        assert tree.branches[2].finish == "failed"
        assert "r: retry" in flat_text(app) and "stopped unexpectedly" in flat_text(app)
        await press(pilot, "r")
        assert tree.branches[2].finish in ("length", "eos") and tree.branches[2].steps
        assert screen.service.client.pid != pid
        assert tree.branches[2].text == tree.branches[0].text  # seed 2 again: the same text
        await press(pilot, "escape")
        assert not isinstance(app.screen, GenerationScreen)
