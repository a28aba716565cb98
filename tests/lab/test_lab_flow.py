"""The lab's flow on the fake client: loading never blocks, generation by hand steps forward
and back, demo cards open their instrument and esc comes back to the same place."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Input

from tests.fakes import FakeModelClient
from tests.lab.helpers import open_spec, press, settle
from tests.lab.inside_fake import InsideFakeClient
from tests.lab.screen_text import flat_text, screen_text
from tests.ui.conftest import UI_PACK, RecordingApp
from tutor.core.demo import DemoSpec
from tutor.ui.lab.generation import GenerationScreen
from tutor.ui.lab.next_token import NextTokenScreen
from tutor.ui.lab.playground import PlaygroundScreen
from tutor.ui.lab.registry import INSTRUMENTS, open_instrument, route_name
from tutor.ui.lab.tokens import TokensScreen
from tutor.ui.model_service import ModelService
from tutor.ui.screens.lesson import LessonScreen, LessonViewer
from tutor.ui.widgets.demo_card import DemoCard

SIZE = (80, 24)
MakeApp = Callable[..., RecordingApp]


async def test_a_demo_opened_while_the_model_loads_says_so_and_the_app_keeps_working(
    make_app: MakeApp,
) -> None:
    gate = threading.Event()  # the fake's start() waits on it: a model still loading
    app = make_app()
    app.model_service = ModelService(lambda: FakeModelClient(gate))
    async with app.run_test(size=SIZE) as pilot:
        from tutor.core.demo import DemoSpec
        from tutor.ui.lab.registry import open_instrument

        await app.push_screen(open_instrument(DemoSpec(kind="next-token", prompt="The cat")))
        await pilot.pause()
        assert "Loading the model" in screen_text(app)
        await pilot.press("escape")  # the rest of the app answers while the model loads
        await pilot.pause()
        assert not isinstance(app.screen, NextTokenScreen)
        await app.push_screen(open_instrument(DemoSpec(kind="next-token", prompt="The cat")))
        gate.set()
        await settle(pilot)
        shown = screen_text(app)
        assert "Loading the model" not in shown
        assert "entropy" in shown and "#1" in shown


async def test_generation_by_hand_appends_and_steps_back(fake_app: RecordingApp) -> None:
    async with fake_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="next-token", prompt="The cat sat on the")
        screen = fake_app.screen
        assert isinstance(screen, NextTokenScreen) and screen.dist is not None
        first = screen.dist.top[1].token.text
        await press(pilot, "down", "enter")
        prompt = screen.query_one("#next-prompt", Input)
        assert prompt.value == "The cat sat on the" + first
        assert screen.dist is not None
        assert [p.text for p in screen.dist.prompt_tokens][-1] == first
        await press(pilot, "enter")
        assert len(screen.steps) == 2
        await press(pilot, "backspace", "backspace")
        assert prompt.value == "The cat sat on the" and not screen.steps


async def test_a_slow_first_answer_says_the_model_is_asked(
    fake_app: RecordingApp, fake_client: FakeModelClient
) -> None:
    """With the model loaded but busy, the bars' place says "Asking the model…" (it was blank)."""
    fake_client.hold = threading.Event()
    async with fake_app.run_test(size=SIZE) as pilot:
        await fake_app.push_screen(open_instrument(DemoSpec(kind="next-token", prompt="The cat")))
        await pilot.pause()
        assert "Asking the model" in screen_text(fake_app)
        fake_client.hold.set()
        await settle(pilot)
        assert "Asking the model" not in screen_text(fake_app)
        assert "entropy" in screen_text(fake_app)


async def test_stepping_back_while_the_model_answers_drops_the_call_quietly(
    fake_app: RecordingApp, fake_client: FakeModelClient
) -> None:
    """Backspace while the appended step is still being asked cancels that call: the earlier
    distribution comes back and no "could not answer" line appears (a tmux walk showed one)."""
    async with fake_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="next-token", prompt="The cat sat on the")
        screen = fake_app.screen
        assert isinstance(screen, NextTokenScreen)
        fake_client.hold = threading.Event()  # the next answer is slow
        await pilot.press("enter")
        await pilot.pause()
        assert screen.dist is None and "Asking the model" in screen_text(fake_app)
        await press(pilot, "backspace")
        shown = screen_text(fake_app)
        assert screen.dist is not None and "entropy" in shown
        assert "could not answer" not in shown and "retry" not in shown


async def test_editing_the_prompt_asks_again(fake_app: RecordingApp) -> None:
    async with fake_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="next-token", prompt="The cat")
        screen = fake_app.screen
        assert isinstance(screen, NextTokenScreen)
        await press(pilot, "e", "end", "space", "s", "a", "t", "enter")
        assert screen.dist is not None
        assert "".join(p.text for p in screen.dist.prompt_tokens) == "The cat sat"
        assert screen.focused is screen.query_one("#next-bars")


async def test_tokens_retokenize_as_the_text_changes(fake_app: RecordingApp) -> None:
    async with fake_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="tokens", prompt="The cat")
        screen = fake_app.screen
        assert isinstance(screen, TokensScreen) and screen.pieces is not None
        assert [p.text for p in screen.pieces] == ["The", " cat"]
        await press(pilot, "end", "space", "s", "a", "t")
        assert [p.text for p in screen.pieces] == ["The", " cat", " sat"]
        assert "3 tokens" in screen_text(fake_app)


async def test_a_failed_call_shows_the_message_and_retry_works(
    fake_app: RecordingApp, fake_client: FakeModelClient
) -> None:
    fake_client.fail_with = "The model could not be loaded: broken.gguf is not a GGUF file."
    async with fake_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="tokens", prompt="The cat")
        assert "broken.gguf is not a GGUF file" in flat_text(fake_app)
        assert "ctrl+r: retry" in flat_text(fake_app)
        fake_client.fail_with = None
        await press(pilot, "ctrl+r")
        shown = screen_text(fake_app)
        assert "broken.gguf" not in shown and "2 tokens" in shown


async def test_t_opens_the_demo_and_esc_returns_to_the_same_place(
    fake_app: RecordingApp,
) -> None:
    async with fake_app.run_test(size=SIZE) as pilot:
        await press(pilot, "enter")
        lesson = fake_app.screen
        assert isinstance(lesson, LessonScreen)
        viewer = lesson.query_one(LessonViewer)
        viewer.scroll_to(y=5, animate=False)
        await pilot.pause()
        await press(pilot, "t")
        assert isinstance(fake_app.screen, TokensScreen)
        assert fake_app.screen.query_one("#tokens-text", Input).value == "The cat sat."
        await press(pilot, "escape")
        assert fake_app.screen is lesson and viewer.scroll_y == 5
        focused = fake_app.focused  # the card it was opened from, so tab goes on from there
        assert isinstance(focused, DemoCard) and focused.info.index == 0, focused


async def test_tab_focuses_the_card_and_enter_opens_it(fake_app: RecordingApp) -> None:
    async with fake_app.run_test(size=SIZE) as pilot:
        await press(pilot, "enter", "tab")
        assert type(fake_app.focused).__name__ == "DemoCard"
        await press(pilot, "enter")
        assert isinstance(fake_app.screen, TokensScreen)


async def test_t_without_a_demo_below_says_so(fake_app: RecordingApp) -> None:
    async with fake_app.run_test(size=SIZE) as pilot:
        await press(pilot, "enter")
        viewer = fake_app.screen.query_one(LessonViewer)
        viewer.scroll_end(animate=False)
        await pilot.pause()
        await press(pilot, "t")
        assert isinstance(fake_app.screen, LessonScreen)
        assert any("No live demo below" in str(n.message) for n in fake_app._notifications)


async def test_the_palette_and_the_lab_list_every_instrument(fake_app: RecordingApp) -> None:
    async with fake_app.run_test(size=SIZE) as pilot:
        titles = [c.title for c in fake_app.get_system_commands(fake_app.screen)]
        for entry in INSTRUMENTS.values():  # the built ones; the others on the Lab list
            assert (f"Lab: {entry.title}" in titles) == entry.built
        await press(pilot, "x")
        shown = screen_text(fake_app)
        assert all(entry.title in shown for entry in INSTRUMENTS.values())
        await press(pilot, "down", "enter")
        assert isinstance(fake_app.screen, NextTokenScreen)
        await press(pilot, "escape", "escape")
        assert type(fake_app.screen).__name__ == "OutlineScreen"


async def test_every_instrument_opens_from_its_palette_command(make_app: MakeApp) -> None:
    """The palette opens a route with no demo spec: each screen builds its free-play spec from
    its own KIND (attention, embeddings and the lens once had none and crashed the app)."""
    app = make_app()
    app.model_service = ModelService(InsideFakeClient)
    async with app.run_test(size=SIZE) as pilot:
        for entry in INSTRUMENTS.values():
            app.navigate(route_name(entry.kind))
            await settle(pilot)
            screen = app.screen
            assert getattr(screen, "spec", None) is not None, screen_text(app)
            assert screen.spec.kind == entry.kind  # type: ignore[attr-defined]
            await press(pilot, "escape")


async def test_a_guess_is_judged_after_it_is_given(fake_app: RecordingApp) -> None:
    async with fake_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="tokens", prompt="The cat sat", predict=True)
        assert type(fake_app.screen).__name__ == "PredictScreen"
        assert "3 tokens" not in flat_text(fake_app)  # the answer stays hidden
        await press(pilot, "3", "enter")
        screen = fake_app.screen
        assert isinstance(screen, TokensScreen)
        assert screen.verdict is not None and screen.verdict.correct
        assert "You guessed 3; the tokenizer made 3" in flat_text(fake_app)


async def test_an_empty_enter_asks_for_a_guess_and_only_esc_skips(fake_app: RecordingApp) -> None:
    """enter with nothing typed keeps the dialog open and says so in it; the dialog's footer
    shows its own keys (enter: guess, esc: skip), not the instrument's beneath it."""
    async with fake_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="tokens", prompt="The cat sat", predict=True)
        footer = screen_text(fake_app).splitlines()[-1]
        assert "Guess" in footer and "Skip" in footer, footer
        await press(pilot, "enter")
        assert type(fake_app.screen).__name__ == "PredictScreen"
        assert "Type a guess first, or esc to skip" in flat_text(fake_app)
        await press(pilot, "escape")
        screen = fake_app.screen
        assert isinstance(screen, TokensScreen)
        assert screen.skipped_guess and screen.guess is None


TWO_DEMOS = """+++
title = "Second steps"
summary = "Lesson number 2."
minutes = 10
objectives = ["Reach lesson 2"]
+++

# Second steps

Two demos, close together.

```demo
kind = "next-token"
prompt = "The cat sat on the"
```

```demo
kind = "prompting"
prompt = "Which answer is better?"
```
"""


async def test_t_with_two_demos_on_screen_asks_which(make_app: MakeApp, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(UI_PACK, pack)
    (pack / "lessons" / "02-second-steps.md").write_text(TWO_DEMOS)
    app = make_app(pack)
    app.model_service = ModelService(FakeModelClient)
    async with app.run_test(size=SIZE) as pilot:
        app.navigate("lesson", slug="second-steps")
        await settle(pilot)
        lesson = app.screen
        await press(pilot, "t")
        assert type(app.screen).__name__ == "DemoPicker"
        assert "Next token" in flat_text(app) and "Prompt playground" in flat_text(app)
        await press(pilot, "down", "enter")
        assert type(app.screen).__name__ in {"PlaygroundScreen", "PredictDialog"}
        for _ in range(3):
            if app.screen is lesson:
                break
            await press(pilot, "escape")  # the guess (when asked), then the playground
        assert app.screen is lesson
        focused = app.focused  # the second card, the one picked, not the document
        assert isinstance(focused, DemoCard) and focused.info.index == 1, focused


async def test_the_template_view_mid_answer_stops_it_visibly(
    fake_app: RecordingApp, fake_client: FakeModelClient
) -> None:
    """ctrl+o while an answer streams reads the template on the one worker, which ends the
    answer: it says "(cancelled)" and can be pinned, instead of waiting forever for a finish."""
    fake_client.hold = threading.Event()  # the answer is slow
    async with fake_app.run_test(size=SIZE) as pilot:
        await fake_app.push_screen(open_instrument(DemoSpec(kind="prompting", prompt="The cat")))
        await pilot.pause()
        screen = fake_app.screen
        assert isinstance(screen, PlaygroundScreen) and screen.current is not None
        await pilot.press("ctrl+o")
        fake_client.hold.set()
        await settle(pilot)
        assert "The exact tokens the model reads" in screen_text(fake_app)
        await press(pilot, "ctrl+o")
        assert screen.current is not None and screen.current.finish == "cancelled"
        assert "(cancelled)" in screen_text(fake_app)
        await press(pilot, "ctrl+b")
        assert screen.pinned is screen.current and "A/B on the same seed" in screen_text(fake_app)


async def test_a_few_shot_prompt_shows_its_newlines_as_a_symbol(fake_app: RecordingApp) -> None:
    """The generation explorer's one-line prompt field shows a prompt's newlines as ⏎ (a raw
    newline in it broke the screen's layout) and gives them back as newlines when run again."""
    prompt = "cat => chat\ndog =>"
    async with fake_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="generation", prompt=prompt)
        screen = fake_app.screen
        assert isinstance(screen, GenerationScreen)
        field = screen.query_one("#gen-prompt", Input)
        assert field.value == "cat => chat⏎dog =>"
        await press(pilot, "e", "enter")
        assert screen.prompt_text == prompt


async def test_next_token_prompt_field_keeps_newlines_as_a_symbol(fake_app: RecordingApp) -> None:
    """Next token's prompt field, like the explorer's: ⏎ on screen, a newline to the model."""
    async with fake_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="next-token", prompt="The cat\nsat")
        screen = fake_app.screen
        assert isinstance(screen, NextTokenScreen)
        assert screen.query_one("#next-prompt", Input).value == "The cat⏎sat"
        await press(pilot, "e", "enter")
        assert screen.context_text == "The cat\nsat"
