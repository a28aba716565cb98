"""Behaviour of the real app, driven with Pilot at 80x24 from the keyboard alone."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import OptionList, Static, Tree

from tests.ui.conftest import RecordingApp
from tutor.core import paths
from tutor.ui import navigation
from tutor.ui.base import TutorScreen
from tutor.ui.navigation import Route
from tutor.ui.screens.error import ErrorScreen
from tutor.ui.screens.help import HelpScreen
from tutor.ui.screens.lesson import LessonScreen, LessonViewer
from tutor.ui.screens.links import ConfirmOpenScreen, LinksScreen
from tutor.ui.screens.outline import OutlineScreen
from tutor.ui.screens.too_small import TooSmallScreen
from tutor.ui.widgets.demo_card import DemoCard, card_text

SIZE = (80, 24)
MakeApp = Callable[..., RecordingApp]


async def until(pilot: Pilot[None], condition: Callable[[], bool], frames: int = 100) -> bool:
    """Let the app process messages until ``condition`` holds (no wall-clock wait)."""
    for _ in range(frames):
        if condition():
            return True
        await pilot.pause()
    return condition()


def screen_lines(app: RecordingApp) -> list[str]:
    """The text the screen shows, one string per terminal line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def outline_rows(app: RecordingApp) -> list[str]:
    options = app.screen.query_one("#lessons", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_outline_lesson_next_done_back(make_app: MakeApp) -> None:
    """The core loop: open a lesson, go to the next, mark it done, see it on the outline."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, OutlineScreen)
        assert all(" new " in row for row in outline_rows(app))
        await pilot.press("enter")
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.slug == "first-steps"
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.slug == "second-steps"
        await pilot.press("d", "escape")
        await pilot.pause()
        assert isinstance(app.screen, OutlineScreen)
        rows = outline_rows(app)
        assert "in progress" in rows[0]
        assert "✓" in rows[1] and "done" in rows[1]
        assert " new " in rows[2]
        progress = app.store.lesson_progress("ui-test-pack")
        assert progress["second-steps"].status == "done"
        assert progress["first-steps"].status == "in_progress"


async def test_previous_and_bounds(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "p")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.slug == "first-steps"  # no lesson before the first
        await pilot.press("n", "n", "n")
        await pilot.pause()
        assert app.screen.lesson.slug == "third-steps"  # type: ignore[attr-defined]
        await pilot.press("p")
        await pilot.pause()
        assert app.screen.lesson.slug == "second-steps"  # type: ignore[attr-defined]


async def test_scroll_position_is_remembered(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        viewer = app.screen.query_one(LessonViewer)
        assert viewer.max_scroll_y > 10
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        before = viewer.scroll_y
        assert before > 0
        await pilot.press("escape", "enter")
        await pilot.pause()
        viewer = app.screen.query_one(LessonViewer)
        assert await until(pilot, lambda: abs(viewer.scroll_y - before) <= 1)


async def test_continue_opens_last_lesson(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        await pilot.press("escape", "up", "up", "c")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.slug == "third-steps"


async def test_links_open_only_after_confirmation(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "l")
        await pilot.pause()
        assert isinstance(app.screen, LinksScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmOpenScreen)
        assert app.screen.url == "https://arxiv.org/abs/1706.03762"
        assert app.opened == []
        await pilot.press("n")
        await pilot.pause()
        assert app.opened == []
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.opened == ["https://arxiv.org/abs/1706.03762"]


async def test_hostile_text_is_shown_literally(make_app: MakeApp) -> None:
    """Escape sequences are neutralised and [markup] is not interpreted."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        document = app.screen.query_one(LessonViewer).document
        assert "\x1b" not in document.source
        assert "␛[31mred␛[0m" in document.source
        shown = "\n".join(str(block._content) for block in document.query("MarkdownParagraph"))
        assert "[bold]markup[/bold]" in shown
        assert "␛[31mred" in shown


async def test_demo_hook_is_a_live_demo_card(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        cards = list(app.screen.query_one(LessonViewer).query(DemoCard))
        assert [card.info.title for card in cards] == ["Tokens"]
        assert "The cat sat." in card_text(cards[0].info).plain


def help_text(app: RecordingApp) -> str:
    """The key tables exactly as the open help screen shows them."""
    assert isinstance(app.screen, HelpScreen)
    table = app.screen.query_one("#help-keys", Static).content
    console = Console(width=76, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text()


async def test_help_lists_every_key(make_app: MakeApp) -> None:
    """The help screen shows each screen's own keys, including keys of widgets it declares."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        shown = help_text(app)
        for title in ("Everywhere", "Outline", "Lesson", "Links", "Quiz", "Model"):
            assert title in shown
        lines = shown.splitlines()
        for key, description in [
            ("f1 / ?", "Help"),
            ("ctrl+g", "Hint"),  # QuizScreen.BINDINGS
            ("[", "Move up"),  # ChoiceList, declared by the quiz screen
            ("1 / 2 / 3 / 4 / 5 / 6 / 7 / 8 / 9", "Pick by number"),
            ("r", "Restart model"),  # ModelScreen.BINDINGS
            ("y", "Open"),  # ConfirmOpenScreen.BINDINGS
        ]:
            assert any(
                line.strip().startswith(key) and line.strip().endswith(description)
                for line in lines
            ), (key, description)
        await pilot.press("escape")
        assert isinstance(app.screen, OutlineScreen)


class ProbeScreen(TutorScreen[None]):
    """A screen that exists only in this test, to check the registry drives help and navigation."""

    BINDINGS = [Binding("z", "probe", "Probe the probe")]


async def test_a_new_route_appears_in_help(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Registering a screen is enough for its keys to be listed: nothing is written by hand.

    The app has no test-only way in: the test adds one ``Route`` to ``ROUTES`` for its
    duration, exactly as a new screen would, naming its class by this module's own name."""
    extra = Route("probe", "Probe screen", f"{__name__}:{ProbeScreen.__name__}")
    monkeypatch.setattr(navigation, "ROUTES", (*navigation.ROUTES, extra))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        shown = help_text(app)
        assert "Probe screen" in shown and "Probe the probe" in shown
        await pilot.press("escape")
        app.navigate("probe")
        await pilot.pause()
        assert isinstance(app.screen, ProbeScreen)


async def test_too_small_terminal(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert isinstance(app.screen, OutlineScreen)


async def test_theme_toggle_is_saved(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
    saved = json.loads(paths.settings_file().read_text())
    assert saved["theme"] == "textual-light"
    again = make_app()
    async with again.run_test(size=SIZE):
        assert again.theme == "textual-light"


async def test_no_color_outline_is_readable_from_characters(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With NO_COLOR (Textual drops every colour) the status must be carried by characters:
    ✓ / ◐ / · and a word on each row, the count on top and the percentage beside the bar, and
    › before the highlighted row."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    app.store.lesson_opened("ui-test-pack", "first-steps")
    app.store.lesson_completed("ui-test-pack", "first-steps")
    app.store.lesson_opened("ui-test-pack", "second-steps")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lines = [line.replace("›", " ", 1) for line in screen_lines(app)]
        assert [line.split()[:3] for line in screen_lines(app) if "›" in line] == [["›", "◐", "02"]]
    row = {line.split()[1]: line for line in lines if line.split()[1:2] in (["01"], ["02"], ["03"])}
    assert row["01"].split()[0] == "✓" and "done" in row["01"]
    assert row["02"].split()[0] == "◐" and "in progress" in row["02"]
    assert row["03"].split()[0] == "·" and " new " in row["03"]
    assert any("33%" in line for line in lines)
    assert any("1 of 3 lessons done" in line for line in lines)


async def test_outline_counts_the_learners_predictions(make_app: MakeApp) -> None:
    """The summary line says how many demo predictions were right, read from the store."""
    app = make_app()
    app.store.record_prediction("ui-test-pack", "first-steps", 0, "cat", "cat", True)
    app.store.record_prediction("ui-test-pack", "first-steps", 0, "dog", "cat", False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("predictions: 1 of 2 right" in line for line in screen_lines(app))


async def test_corrupt_database_is_reported(make_app: MakeApp, private_home: Path) -> None:
    private_home.mkdir(parents=True, exist_ok=True)
    paths.database_file().write_bytes(b"this is not a database" * 100)
    from tutor.app import create_app

    app = create_app(Path(__file__).parent / "pack")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("damaged" in n.message for n in app._notifications)
    assert list(private_home.glob("progress.sqlite3.corrupt-*"))


async def test_contents_lists_the_lesson_headings_and_toggles(make_app: MakeApp) -> None:
    """c shows the table of contents with this lesson's headings; c again hides it."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "c")
        await pilot.pause()
        viewer = app.screen.query_one(LessonViewer)
        assert viewer.show_table_of_contents
        tree = viewer.table_of_contents.query_one(Tree)
        labels: list[str] = []
        stack = [tree.root]
        while stack:
            node = stack.pop()
            labels.append(str(node.label))
            stack.extend(node.children)
        assert any("A link" in label for label in labels)
        assert any("A demo" in label for label in labels)
        assert tree.has_focus
        await pilot.press("c")
        await pilot.pause()
        assert not viewer.show_table_of_contents
        assert viewer.document.has_focus, app.focused  # arrows and page keys scroll again


async def fail_in_background() -> None:
    """A background task that fails, with markup in its message."""
    raise RuntimeError("the disk said [/] no")


async def test_a_failed_background_task_shows_a_dialog(make_app: MakeApp) -> None:
    """Any failed worker becomes one readable dialog (message shown literally); escape closes it
    and the app goes on where it was."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        lesson = app.screen
        lesson.run_worker(fail_in_background(), name="probe", exit_on_error=False)
        assert await until(pilot, lambda: isinstance(app.screen, ErrorScreen))
        message = app.screen.query_one("#error-message", Static).content
        assert str(message) == "the disk said [/] no"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is lesson


async def test_palette_commands_come_from_the_registry(make_app: MakeApp) -> None:
    """Each route with a command text is in the command palette, and running it opens it."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        wanted = [route.title for route in navigation.ROUTES if route.command]
        assert {"Review", "Model", "Help"} <= set(wanted)
        assert all(title in commands for title in wanted)
        commands["Help"].callback()
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
