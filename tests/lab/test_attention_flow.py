"""The inside instruments driven by the keyboard: on the fake client (navigation, toy checks,
predictions) and on a real worker with a tiny GGUF (a worker killed mid-capture)."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from textual.widgets import Input

from tests.lab.helpers import open_spec, press, settle
from tests.lab.inside_fake import InsideFakeClient
from tests.lab.screen_text import flat_text
from tests.ui.conftest import RecordingApp
from tutor.core.demo import DemoSpec
from tutor.ui.lab.attention import AttentionReady, AttentionScreen, prepare
from tutor.ui.lab.attention_by_hand import AttentionByHandScreen
from tutor.ui.lab.embeddings import EmbeddingsScreen
from tutor.ui.lab.lens import LensScreen
from tutor.ui.lab.sampler import SamplerScreen
from tutor.ui.model_service import ModelService

SIZE = (80, 24)
MakeApp = Callable[..., RecordingApp]
PROMPT = "The cat sat on the mat, and the dog sat on the rug."


@pytest.fixture
def inside_app(make_app: MakeApp) -> RecordingApp:
    app = make_app()
    client = InsideFakeClient()
    app.model_service = ModelService(lambda: client)
    return app


async def test_layer_and_head_keys(inside_app: RecordingApp) -> None:
    async with inside_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="attention", prompt=PROMPT)
        screen = inside_app.screen
        assert isinstance(screen, AttentionScreen) and screen.capture is not None
        calls = len(inside_app.model_service.client.calls)
        assert "layer 0/1" in flat_text(inside_app) and "head 0/3" in flat_text(inside_app)
        await press(pilot, "right_square_bracket")
        assert screen.layer_i == 1 and "layer 1/1" in flat_text(inside_app)
        await press(pilot, "right_square_bracket")
        assert screen.layer_i == 0  # wraps
        await press(pilot, "full_stop", "full_stop", "comma")
        assert screen.head_i == 1 and "head 1/3 (kv 0)" in flat_text(inside_app)
        await press(pilot, "right_curly_bracket", "right_curly_bracket")
        assert screen.head_i == 3 and "(kv 1)" in flat_text(inside_app)
        expected = screen.capture.view.matrix(0, 3)
        assert np.array_equal(screen.matrix(), expected)
        await press(pilot, "m")
        assert "mean of 4 heads" in flat_text(inside_app)
        np.testing.assert_allclose(screen.matrix(), screen.capture.view.layer_mean(0))
        await press(pilot, "o")
        assert "kv" not in flat_text(inside_app) or "│" in flat_text(inside_app)
        await press(pilot, "o", "up", "up")
        assert "query" in flat_text(inside_app)
        assert len(inside_app.model_service.client.calls) == calls  # no model call for any key


async def test_named_head_and_by_hand_from_the_explorer(inside_app: RecordingApp) -> None:
    async with inside_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="attention", prompt=PROMPT)
        screen = inside_app.screen
        assert isinstance(screen, AttentionScreen)
        await press(pilot, "n")  # the fake's layer 1 / KV head 0 is a first-token sink
        assert (screen.layer_i, screen.head_i) == (1, 0)
        assert "first-token head" in flat_text(inside_app)
        await press(pilot, "h")
        hand = inside_app.screen
        assert isinstance(hand, AttentionByHandScreen) and hand.capture is not None
        assert (hand.layer_i, hand.head_i) == (1, 0)
        await press(pilot, "space", "space", "space", "space")
        assert "largest difference from llama.cpp" in flat_text(inside_app)
        await press(pilot, "escape")
        assert inside_app.screen is screen


async def test_toy_checks_each_step(inside_app: RecordingApp) -> None:
    async with inside_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="attention", prompt=PROMPT)
        await press(pilot, "h", "t")
        hand = inside_app.screen
        assert isinstance(hand, AttentionByHandScreen) and hand.toy
        for wrong, right in (("1,2,3", "2,4,4"), ("1,2,2", "1,2,2"), ("1,2,2", "1,2,-inf")):
            step = hand.toy_step
            hand.check_toy(wrong)
            await settle(pilot)
            if wrong != right:
                assert hand.toy_step == step and "Not yet" in flat_text(inside_app)
            hand.check_toy(right)
            await settle(pilot)
            assert hand.toy_step == step + 1 or wrong == right
        hand.check_toy("0.27, 0.73, 0")
        await settle(pilot)
        assert hand.toy_step == 4 and "All four steps right" in flat_text(inside_app)


async def test_attention_prediction_names_the_query_tokens_strongest_key(
    inside_app: RecordingApp,
) -> None:
    """A predict-first attention demo asks which word the block's query attends to (the dialog
    once came up with no question), hides the map until the guess, then judges it against that
    row in the block's layer and head and leaves the keys working on the map; "by hand" from
    there asks nothing again."""
    spec = dict(kind="attention", prompt=PROMPT, predict=True, layer=1, head=2)
    async with inside_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, **spec, expect_attends=[" dog", " cat"])
        screen = inside_app.screen_stack[-2]
        assert isinstance(screen, AttentionScreen) and screen.capture is not None
        assert "which earlier word will “·dog” attend to most?" in flat_text(inside_app)
        assert "attends most to" not in flat_text(inside_app)  # hidden until the guess
        view = screen.capture.view
        q = [t.text for t in view.tokens].index(" dog")
        best = view.tokens[int(np.argmax(view.matrix(1, 2)[q, : q + 1]))].text
        await press(pilot, *best.strip(), "enter")
        assert screen.verdict is not None and screen.verdict.correct
        assert screen.verdict.actual == best
        shown = flat_text(inside_app)
        assert "Right!" in shown and f"query {q} “·dog” attends most to" in shown
        await press(pilot, "right_square_bracket")  # the map has the keys, not the prompt field
        assert screen.layer_i == 0 and "layer 0/1" in flat_text(inside_app)
        await press(pilot, "h")  # by hand from here: the guess was made, no second dialog
        assert isinstance(inside_app.screen, AttentionByHandScreen)
        assert "Predict first" not in flat_text(inside_app)


async def test_lens_cursor_and_prediction(inside_app: RecordingApp) -> None:
    async with inside_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="lens", prompt="The cat sat on the", predict=True)
        screen = inside_app.screen.app.screen_stack[-2]
        assert isinstance(screen, LensScreen) and screen.grid is not None
        assert "would say" not in flat_text(inside_app)  # hidden until the guess
        await press(pilot, "1", "enter")
        assert screen.verdict is not None
        assert screen.verdict.actual == str(screen.answer_layer())
        await press(pilot, "up", "left")
        assert (screen.layer_i, screen.pos) == (0, len(screen.grid.tokens) - 2)
        assert "would say" in flat_text(inside_app)


async def test_embeddings_add_remove_and_representation(inside_app: RecordingApp) -> None:
    async with inside_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="embeddings", prompt="cat, dog, car")
        screen = inside_app.screen
        assert isinstance(screen, EmbeddingsScreen) and screen.found is not None
        assert "input embedding table" in flat_text(inside_app)
        await press(pilot, "a", *"big truck", "enter")
        assert screen.items[-1] == "big truck" and screen.found is not None
        assert "hidden state" in flat_text(inside_app)  # a phrase: the phrase representation
        await press(pilot, "d")
        assert screen.items == ["cat", "dog", "car"]
        await press(pilot, "r")
        assert screen.representation == "phrase" and "hidden state" in flat_text(inside_app)
        assert "closest to" in flat_text(inside_app)


def kill_when_asked(client: Any, pid: int) -> None:
    """SIGKILL the (stopped) worker once the client has sent its request."""
    while not client.busy:
        threading.Event().wait(0.001)
    os.kill(pid, signal.SIGKILL)


async def test_a_worker_killed_mid_capture(make_app: MakeApp, tiny: Path) -> None:
    """The explorer shows the runtime's message and a retry key; the retry captures again."""
    app = make_app(model=str(tiny))
    async with app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="attention", prompt="the cat sat on the mat")
        screen = app.screen
        assert isinstance(screen, AttentionScreen) and screen.capture is not None
        kills: list[int] = []

        def kill_then_capture(client: Any) -> Any:
            if not kills:  # the worker dies once, mid-call: frozen, asked, then killed
                pid = client.pid
                kills.append(pid)
                os.kill(pid, signal.SIGSTOP)
                threading.Thread(target=kill_when_asked, args=(client, pid)).start()
            return prepare("the cat", client.attention_view("the cat"), 2)

        screen.asked = "the cat"
        screen.run_model(kill_then_capture, AttentionReady)
        await settle(pilot)
        shown = flat_text(app)
        assert "stopped unexpectedly" in shown and "ctrl+r: retry" in shown
        await press(pilot, "ctrl+r")
        assert "stopped unexpectedly" not in flat_text(app)
        assert screen.capture.prompt == "the cat"
        assert app.model_service.client.pid != kills[0]
        await press(pilot, "right_square_bracket")
        assert screen.layer_i == 1


async def test_induction_test_fills_the_overview(inside_app: RecordingApp) -> None:
    async with inside_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="attention", prompt=PROMPT)
        screen = inside_app.screen
        assert isinstance(screen, AttentionScreen)
        await press(pilot, "i")
        assert screen.overview and screen.score == "induction"
        assert screen.induction is not None and screen.induction.shape == (2, 4)
        assert "induction score" in flat_text(inside_app)
        assert inside_app.model_service.client.calls[-1] == "qk"
        await press(pilot, "e", *"the dog", "enter")  # a new prompt keeps the head scores
        assert screen.capture is not None and "induction" in screen.capture.scores


@pytest.mark.parametrize(
    ("screen_class", "field", "asked"),
    [
        (AttentionScreen, "#att-prompt", "asked"),
        (LensScreen, "#lens-prompt", "asked"),
        (AttentionByHandScreen, "#hand-prompt", "asked"),
        (SamplerScreen, "#sampler-prompt", "prompt"),
    ],
)
async def test_a_prompt_with_a_newline_shows_it_as_a_mark_and_runs_with_it(
    inside_app: RecordingApp, screen_class: Any, field: str, asked: str
) -> None:
    """A one-line prompt field shows a newline as ⏎ (a raw one breaks the line) and the prompt
    it runs, once submitted, has the real newline again."""
    spec = DemoSpec(kind=screen_class.KIND or "attention", prompt="Q: a cat\nA:")
    async with inside_app.run_test(size=SIZE) as pilot:
        await inside_app.push_screen(screen_class(spec))
        await settle(pilot)
        prompt = inside_app.screen.query_one(field, Input)
        assert prompt.value == "Q: a cat⏎A:"
        prompt.focus()
        await press(pilot, "end", "enter")
        assert getattr(inside_app.screen, asked) == "Q: a cat\nA:"
