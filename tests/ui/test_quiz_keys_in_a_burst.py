"""Keys that arrive together (a fast typist, a paste, a slow machine) act in the order typed.

Pilot's ``press`` waits for the app to go idle after every key, which hides ordering bugs; these
tests post the keys into the app's queue in one go, as a terminal read of several bytes does.
Once, a digit then enter showed "Pick an answer first": enter is a priority binding, handled
by the app before the focused list had seen the digit.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from tests.ui.conftest import RecordingApp
from tests.ui.driving import quiz_screen
from tutor.ui.widgets.choices import ChoiceList

SIZE = (80, 24)
MakeApp = Callable[..., RecordingApp]
CHARACTERS = {"enter": "\r", "space": " ", "down": None, "up": None}


def burst(app: RecordingApp, *keys: str) -> None:
    """Queue every key at once, with no pause for the app between them."""
    for key in keys:
        event = events.Key(key, CHARACTERS.get(key, key))
        event.set_sender(app)
        app.post_message(event)


def messages(app: RecordingApp) -> list[str]:
    return [n.message for n in app._notifications]


async def reach(pilot: Pilot[None], app: RecordingApp, question_id: str) -> None:
    """Answer (one key at a time) until the question with ``question_id`` is on screen."""
    screen = quiz_screen(app)
    while screen.session.current.question.id != question_id:  # type: ignore[union-attr]
        await pilot.press("1", "enter", "enter")  # pick, submit, next


async def test_a_digit_then_enter_submits_the_digit(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("q")
        await pilot.pause()
        burst(app, "1", "enter")
        await pilot.pause()
        screen = quiz_screen(app)
        assert messages(app) == [] and screen.state == "feedback"
        assert screen.session is not None and screen.session.results[-1].grade.correct
        burst(app, "enter", "1", "2", "enter")  # next question, then pick two and submit
        await pilot.pause()
        assert messages(app) == [] and screen.state == "feedback"
        assert screen.session.results[-1].grade.correct, screen.session.results[-1]


async def test_moving_then_space_then_enter_picks_the_line_moved_to(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("q")
        await pilot.pause()
        choices = app.screen.query_one("#answer", ChoiceList)
        burst(app, "down", "down", "up", "space", "enter")
        await pilot.pause()
        screen = quiz_screen(app)
        assert messages(app) == [] and screen.state == "feedback"
        assert choices.picked == {choices.order[1]}


async def test_typed_answer_then_enter_submits_what_was_typed(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("q")
        await pilot.pause()
        await reach(pilot, app, "short")
        burst(app, *"softmax", "enter")
        await pilot.pause()
        screen = quiz_screen(app)
        assert screen.state == "feedback", messages(app)
        assert screen.session is not None and screen.session.results[-1].grade.correct


async def test_cloze_blanks_typed_in_one_go_land_in_their_blanks(make_app: MakeApp) -> None:
    """Enter on a blank moves on to the next empty one at once, so the characters typed after
    it go there, not into the blank just left."""
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("q")
        await pilot.pause()
        await reach(pilot, app, "ordering")
        await pilot.press("enter", "enter")  # submit the order as shown, then the next question
        burst(app, *"keys", "enter", *"values", "enter")
        await pilot.pause()
        screen = quiz_screen(app)
        blanks = [blank.value for blank in app.screen.query(".blank").results(Input)]
        assert blanks == ["keys", "values"] and screen.state == "feedback", messages(app)
        assert screen.session is not None and screen.session.results[-1].grade.correct


async def test_enter_on_the_last_blank_goes_back_to_an_empty_one(make_app: MakeApp) -> None:
    """Typed one key at a time: enter on the last blank with the first still empty goes back
    to it instead of submitting."""
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("q")
        await pilot.pause()
        await reach(pilot, app, "ordering")
        await pilot.press("enter", "enter", "tab", *"values", "enter")
        screen = quiz_screen(app)
        first, _ = app.screen.query(".blank").results(Input)
        assert screen.state == "asking" and first.has_focus
        await pilot.press(*"keys", "enter")
        assert screen.state == "feedback"
        assert screen.session is not None and screen.session.results[-1].grade.correct
