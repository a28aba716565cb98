"""Issue 8, done when: random markup, escapes and unicode in every untrusted text of a pack and
in typed answers, driven through outline → lesson → quiz with Pilot: no crash, nothing run.

"Nothing interpreted" is checked on what the screen actually draws (the compositor's strips):
no terminal hyperlink and no click action carrying our text, and every toast plain text.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.pilot import Pilot
from textual.widgets import Input

from tests.ui.conftest import RecordingApp
from tests.ui.driving import type_text
from tests.ui.hostile import NASTY, PackText, write_pack
from tutor.app import create_app
from tutor.core.sanitize import clean_text
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.links import LinksScreen
from tutor.ui.screens.outline import OutlineScreen
from tutor.ui.screens.quiz import QuizScreen
from tutor.ui.widgets.demo_card import DemoCard

SIZE = (80, 24)

# Any text a pack may hold: nasty fragments and random unicode, never blank (the loaders
# rightly refuse blank titles and answers).
pack_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=6)), max_size=3).map(
    lambda parts: "x" + "".join(parts)
)
# What a learner can type: printable characters (an ESC *key* would just leave the screen).
typed_char = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
typed_text = st.lists(
    st.one_of(
        st.sampled_from([n for n in NASTY if n.isprintable()]), st.text(typed_char, max_size=4)
    ),
    min_size=1,
    max_size=3,
).map("".join)


@dataclass(frozen=True)
class Typed:
    """What the learner types: at the numeric, the short-answer and the cloze question."""

    number: str
    word: str
    blank: str


def pack_texts() -> st.SearchStrategy[PackText]:
    """Every field hostile; a cloze sentence gets no extra blank (the loader would refuse it)."""
    strategies = {f.name: pack_text for f in fields(PackText)}
    strategies["cloze"] = pack_text.filter(lambda text: "___" not in text)
    return st.builds(PackText, **strategies)


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


async def submit(pilot: Pilot[None], keys: tuple[str, ...] = ()) -> None:
    """Press ``keys`` then enter, and let the screen catch up."""
    await pilot.press(*keys, "enter")
    await pilot.pause()


async def typed_answer(pilot: Pilot[None], quiz: QuizScreen, text: str, fallback: str) -> None:
    """Type ``text`` as the answer; if the screen refuses it (not a number, blank), say so
    and keep asking, then answer ``fallback``."""
    await type_text(pilot, text)
    await submit(pilot)
    check_screen(quiz.app)  # type: ignore[arg-type]
    if quiz.state == "asking":
        quiz.query(Input).first(Input).value = fallback
        await submit(pilot)
    assert quiz.state == "feedback"
    check_screen(quiz.app)  # type: ignore[arg-type]
    await submit(pilot)  # next question


async def read_lesson(pilot: Pilot[None], app: RecordingApp, text: PackText) -> None:
    """The lesson, its contents (the heading), its links list and its demo card; then done."""
    assert isinstance(app.screen, LessonScreen)
    check_screen(app)
    await pilot.press("c")  # the table of contents: the pack's heading
    await pilot.pause()
    check_screen(app)
    await pilot.press("c", "l")  # the links list: the pack's link text
    await pilot.pause()
    if isinstance(app.screen, LinksScreen):  # a "]" in the text leaves no link: a toast says so
        check_screen(app)
        await pilot.press("escape")
        await pilot.pause()
    assert isinstance(app.screen, LessonScreen)
    cards = list(app.screen.query(DemoCard))
    assert [card.info.prompt for card in cards] == [clean_text(text.demo_prompt)]
    await pilot.press("d")
    await pilot.pause()
    assert clean_text(f"Marked “{text.lesson_title}” as done.") in [
        n.message for n in app._notifications
    ]
    check_screen(app)


async def take_quiz(pilot: Pilot[None], app: RecordingApp, text: PackText, typed: Typed) -> None:
    """One question of each type, in the file's order; typed answers where the type takes them."""
    await pilot.press("q")
    await pilot.pause()
    quiz = app.screen
    assert isinstance(quiz, QuizScreen)
    await submit(pilot, ("ctrl+g", "2"))  # single: the hint, then the wrong choice: feedback
    assert clean_text(text.hint) in [n.message for n in app._notifications]
    check_screen(app)
    await submit(pilot)
    await typed_answer(pilot, quiz, typed.number, "3")  # numeric
    await typed_answer(pilot, quiz, typed.word, "x")  # short
    for keys in (("1",), ("1",), ()):  # multiple, true/false, ordering as shown
        await submit(pilot, keys)
        assert quiz.state == "feedback"
        check_screen(app)
        await submit(pilot)
    await typed_answer(pilot, quiz, typed.blank, "x")  # cloze
    assert quiz.state == "summary"
    check_screen(app)


async def drive(pack: Path, database: Path, text: PackText, typed: Typed) -> None:
    app = create_app(pack, database, RecordingApp)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        assert isinstance(app.screen, OutlineScreen)
        check_screen(app)
        await pilot.press("enter")
        await pilot.pause()
        await read_lesson(pilot, app, text)
        await take_quiz(pilot, app, text, typed)
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
@given(
    text=pack_texts(), typed=st.builds(Typed, number=typed_text, word=typed_text, blank=typed_text)
)
def test_hostile_text_anywhere_never_crashes_or_runs(
    private_home: Path, text: PackText, typed: Typed
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        pack = write_pack(root / "pack", text)
        run = drive(pack, root / "progress.sqlite3", text, typed)
        asyncio.run(asyncio.wait_for(run, timeout=120))  # a hang is a failure, not a wait
