"""Issue 8, done when: random markup, escapes and unicode in every untrusted text of a pack and
in typed answers, driven through outline → lesson → quiz with Pilot: no crash, nothing run.

"Nothing interpreted" is checked twice: on what the screen actually draws (the
compositor's strips: no terminal hyperlink, no click action carrying our text, no control
character, and every toast plain text), and on what Textual and Rich were asked to read as
markup: no markup string they parse holds a pack text or a typed answer (a bold "[b]" would
draw without crashing or linking). One explicit example puts "[b]...[/b]" in every field at
once, so each field is checked on every run, whatever hypothesis draws.
"""

from __future__ import annotations

import asyncio
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

import rich.console
import rich.markup
import textual.markup
from hypothesis import HealthCheck, example, given, settings
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


@contextmanager
def markup_parsed() -> Iterator[list[str]]:
    """Every string Textual (``Content.from_markup``) and Rich (``Text.from_markup``, console
    markup) read as markup while the block runs; the real parsers still do the work."""
    seen: list[str] = []

    def recording(parse: Callable[..., object]) -> Callable[..., object]:
        def run(markup: str, *args: object, **kwargs: object) -> object:
            seen.append(markup)
            return parse(markup, *args, **kwargs)

        return run

    places = [
        (textual.markup, "to_content"),
        (rich.markup, "render"),
        (rich.console, "render_markup"),
    ]
    originals = [getattr(module, name) for module, name in places]
    for (module, name), original in zip(places, originals, strict=True):
        setattr(module, name, recording(original))
    try:
        yield seen
    finally:
        for (module, name), original in zip(places, originals, strict=True):
            setattr(module, name, original)


def read_as_markup(parsed: list[str], text: PackText, typed: Typed) -> list[tuple[str, str]]:
    """(untrusted text, markup string) for each untrusted text that reached a markup parser.
    Only texts with a '[' and 6 characters or more are looked for: without '[' markup shows
    text as it is, and a shorter one could be part of the app's own markup by chance."""
    untrusted = [clean_text(getattr(text, f.name)) for f in fields(text)]
    untrusted += [getattr(typed, f.name) for f in fields(typed)]
    wanted = {u for u in untrusted if "[" in u and len(u) >= 6}
    return [(u, markup) for markup in parsed for u in wanted if u in markup]


def check_screen(app: RecordingApp) -> None:
    """What is drawn carries no hyperlink, no click action and no control character (an
    escape sequence's ESC, say) from the pack or the learner."""
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            assert not any(unicodedata.category(c) == "Cc" for c in segment.text), segment.text
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
@example(
    text=PackText(**{f.name: f"x[b]{f.name}[/b]" for f in fields(PackText)}),
    typed=Typed(number="[b]number[/b]", word="[b]word[/b]", blank="[b]blank[/b]"),
)
def test_hostile_text_anywhere_never_crashes_or_runs(
    private_home: Path, text: PackText, typed: Typed
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        pack = write_pack(root / "pack", text)
        run = drive(pack, root / "progress.sqlite3", text, typed)
        with markup_parsed() as parsed:
            asyncio.run(asyncio.wait_for(run, timeout=120))  # a hang is a failure, not a wait
    assert read_as_markup(parsed, text, typed) == []
