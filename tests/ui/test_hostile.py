"""Issue 8, notifications: pack text and typed answers are shown as data, never run as markup.

Each test drives the real app with Pilot from the keyboard. Before ``tutor.ui.safe`` each of
them crashed the app (MarkupError), ran an action, or rendered a terminal hyperlink.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Markdown
from textual.widgets._toast import Toast

from tests.ui.conftest import RecordingApp
from tests.ui.hostile import PackText, write_pack
from tutor.core import paths
from tutor.core.quiz import NumericQuestion
from tutor.runtime import ModelInfo
from tutor.ui.app import READ_ONLY_WARNING
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.links import ConfirmOpenScreen
from tutor.ui.screens.model import ModelScreen
from tutor.ui.screens.quiz import QuizScreen

SIZE = (80, 24)
MakeApp = Callable[..., RecordingApp]


def messages(app: RecordingApp) -> list[str]:
    return [notification.message for notification in app._notifications]


async def toasts(pilot: Pilot[None]) -> list[Toast]:
    """The toasts on screen, once the toast rack has mounted them (it does so a few frames on)."""
    for _ in range(50):
        found = list(pilot.app.screen.query(Toast))
        if found:
            return found
        await pilot.pause()
    return []


def as_terminal_output(content: Content) -> str:
    """What a colour terminal would receive for ``content`` (escape sequences included)."""
    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=80)
    console.print(content)
    return console.file.getvalue()  # type: ignore[attr-defined]


async def mark_done(pilot: Pilot[None]) -> None:
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press("d")
    await pilot.pause()


async def test_markup_in_a_lesson_title_does_not_end_the_app(
    make_app: MakeApp, tmp_path: Path
) -> None:
    """Title 'Lists [/] arrays', then d: a toast with the title as written (was a MarkupError)."""
    app = make_app(write_pack(tmp_path / "pack", PackText(lesson_title="Lists [/] arrays")))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await mark_done(pilot)
        assert isinstance(app.screen, LessonScreen)
        assert "Marked “Lists [/] arrays” as done." in messages(app)
        assert any("Lists [/] arrays" in str(toast.render()) for toast in await toasts(pilot))
    assert app.return_code in (None, 0)


async def test_markup_in_a_hint_does_not_end_the_app(make_app: MakeApp, tmp_path: Path) -> None:
    """Hint 'Use [/] carefully', then ctrl+g in the quiz: the hint shown literally."""
    app = make_app(write_pack(tmp_path / "pack", PackText(hint="Use [/] carefully")))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen)
        assert "Use [/] carefully" in messages(app)
        assert any("Use [/] carefully" in str(toast.render()) for toast in await toasts(pilot))


async def test_markup_typed_into_the_builtin_numeric_question(make_app: MakeApp) -> None:
    """Built-in course, lesson 1 quiz: answer until the numeric question, type [/], enter."""
    app = make_app(paths.builtin_course_dir())
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("q")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QuizScreen) and screen.session is not None
        while not isinstance(screen.session.current.question, NumericQuestion):  # type: ignore[union-attr]
            await pilot.press("1", "enter")  # any answer; then enter again for the next question
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
        answered = len(screen.session.results)
        await pilot.press("left_square_bracket", "slash", "right_square_bracket", "enter")
        await pilot.pause()
        assert app.screen is screen and screen.state == "asking"  # still asking, app alive
        assert any("[/]" in message for message in messages(app))
        assert len(screen.session.results) == answered  # nothing recorded for a non-number
    assert app.return_code in (None, 0)


async def test_a_click_action_in_a_title_runs_nothing(make_app: MakeApp, tmp_path: Path) -> None:
    """A title '[@click=app.screenshot(...)]Read me[/]': clicking its toast writes no file."""
    target = tmp_path / "outside"
    target.mkdir()
    title = f"[@click=app.screenshot('pwned.svg','{target}')]Read me[/]"
    app = make_app(write_pack(tmp_path / "pack", PackText(lesson_title=title)))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await mark_done(pilot)
        assert f"Marked “{title}” as done." in messages(app)
        (toast,) = await toasts(pilot)
        await pilot.click(toast, offset=(12, 1))  # on 'Read me' if it were read as markup
        await pilot.pause()
    assert list(target.iterdir()) == []


async def test_a_link_in_a_title_makes_no_hyperlink(make_app: MakeApp, tmp_path: Path) -> None:
    """A title '[link="file:///etc/passwd"]Read me[/link]': no OSC 8 reaches the terminal."""
    title = '[link="file:///etc/passwd"]Read me[/link]'
    app = make_app(write_pack(tmp_path / "pack", PackText(lesson_title=title)))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await mark_done(pilot)
        (toast,) = await toasts(pilot)
        shown = toast.render()
        assert isinstance(shown, Content)
        assert title in str(shown)
        output = as_terminal_output(shown)
        assert "\x1b]8;" not in output and "file:///etc/passwd" in output


async def test_a_link_in_a_quiz_explanation_asks_before_opening(
    make_app: MakeApp, tmp_path: Path
) -> None:
    """A link in an explanation: following it shows the confirmation, nothing opens by itself."""
    text = PackText(explanation="See [the file](file:///etc/passwd).")
    app = make_app(write_pack(tmp_path / "pack", text))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q", "1", "enter")
        await pilot.pause()
        explanation = app.screen.query_one("#explanation", Markdown)
        explanation.post_message(Markdown.LinkClicked(explanation, "file:///etc/passwd"))
        await pilot.pause()
        assert isinstance(app.screen, ConfirmOpenScreen)
        assert app.screen.url == "file:///etc/passwd"
        assert app.opened == []
        await pilot.press("n")
        await pilot.pause()
        assert app.opened == []


async def test_a_read_only_store_gives_one_warning(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the store reports read-only (its own flag), the app says so once and keeps going."""
    app = make_app()
    monkeypatch.setattr(app.store, "read_only", True, raising=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert messages(app).count(READ_ONLY_WARNING) == 1
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)


async def test_model_metadata_is_shown_literally(make_app: MakeApp, tmp_path: Path) -> None:
    """A GGUF's name and licence are the model author's text: shown as written, no hyperlink."""
    app = make_app(model=str(tmp_path / "absent.gguf"))  # fails fast; then we post the facts
    name = '[link="file:///etc/passwd"]Evil[/link] [/]'
    info = ModelInfo(
        path="x.gguf", name=name, architecture="llama[/]", n_params=1, quantization="Q8_0",
        n_layers=1, n_heads=1, n_kv_heads=1, n_embd=8, n_ctx_train=16, n_ctx=16, n_vocab=32,
        chat_template=None, license="[@click=app.quit]MIT[/]", sha256="0" * 64,
        size_bytes=1, bos_token=0, eos_token=1,
    )  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, ModelScreen)
        await app.workers.wait_for_complete()
        screen.post_message(ModelScreen.Loaded(info))
        await pilot.pause()
        drawn = [strip.text for strip in screen._compositor.render_strips()]
        assert any(name in line for line in drawn)
        assert any("[@click=app.quit]MIT[/]" in line for line in drawn)
        links = {
            segment.style.link
            for strip in screen._compositor.render_strips()
            for segment in strip
            if segment.style is not None and segment.style.link
        }
        assert links == set()
    assert app.return_code in (None, 0)
