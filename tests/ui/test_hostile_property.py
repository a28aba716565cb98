"""Issue 8, done when: random markup, escapes and unicode in every untrusted text of a pack and
in typed answers, driven through outline → lesson → quiz with Pilot: no crash, nothing run.

"Nothing interpreted" is checked on what the screen actually draws (the compositor's strips):
no terminal hyperlink and no click action carrying our text, and every toast plain text.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import fields
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.widgets import Input

from tests.ui.conftest import RecordingApp
from tests.ui.hostile import NASTY, PackText, write_pack
from tutor.app import create_app
from tutor.core.sanitize import clean_text
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.outline import OutlineScreen
from tutor.ui.screens.quiz import QuizScreen

SIZE = (80, 24)

# Any text a pack may hold: nasty fragments and random unicode, never blank (the loaders
# rightly refuse blank titles and answers).
pack_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=6)), max_size=3).map(
    lambda parts: "x" + "".join(parts)
)
# What a learner can type: printable characters (an ESC *key* would just leave the screen).
typed_char = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
typed = st.lists(
    st.one_of(
        st.sampled_from([n for n in NASTY if n.isprintable()]), st.text(typed_char, max_size=4)
    ),
    min_size=1,
    max_size=3,
).map("".join)


def pack_texts() -> st.SearchStrategy[PackText]:
    return st.builds(PackText, **{f.name: pack_text for f in fields(PackText)})


def check_screen(app: RecordingApp) -> None:
    """What is drawn carries no hyperlink and no click action from the pack or the learner."""
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            if style is None:
                continue
            assert not style.link, (segment.text, style.link)
            action = str(style.meta.get("@click", ""))
            assert "screenshot" not in action and "passwd" not in action, action
    assert all(not notification.markup for notification in app._notifications)


async def type_into(pilot: object, text: str) -> None:
    await pilot.press(*text)  # type: ignore[attr-defined]


async def drive(pack: Path, database: Path, text: PackText, first: str, second: str) -> None:
    app = create_app(pack, database, RecordingApp)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        assert isinstance(app.screen, OutlineScreen)
        check_screen(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("d")
        await pilot.pause()
        assert clean_text(f"Marked “{text.lesson_title}” as done.") in [
            n.message for n in app._notifications
        ]
        check_screen(app)
        await pilot.press("q")
        await pilot.pause()
        quiz = app.screen
        assert isinstance(quiz, QuizScreen)
        await pilot.press("ctrl+g", "2", "enter")  # the hint, then the wrong choice: feedback
        await pilot.pause()
        assert clean_text(text.hint) in [n.message for n in app._notifications]
        check_screen(app)
        await pilot.press("enter")  # the numeric question: type anything
        await pilot.pause()
        await type_into(pilot, first)
        await pilot.press("enter")
        await pilot.pause()
        check_screen(app)
        if quiz.state == "asking":  # not a number: say so, keep asking; now answer it
            quiz.query_one("#answer", Input).value = "3"
            await pilot.press("enter")
            await pilot.pause()
        await pilot.press("enter")  # the short question
        await pilot.pause()
        await type_into(pilot, second)
        await pilot.press("enter")
        await pilot.pause()
        check_screen(app)
        await pilot.press("enter")
        await pilot.pause()
        assert quiz.state == "summary"
        check_screen(app)
        await pilot.press("escape")  # back to the lesson
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OutlineScreen)
        check_screen(app)
    assert app.return_code in (None, 0)


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=pack_texts(), first=typed, second=typed)
def test_hostile_text_anywhere_never_crashes_or_runs(
    private_home: Path, text: PackText, first: str, second: str
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        pack = write_pack(root / "pack", text)
        run = drive(pack, root / "progress.sqlite3", text, first, second)
        asyncio.run(asyncio.wait_for(run, timeout=120))  # a hang is a failure, not a wait
