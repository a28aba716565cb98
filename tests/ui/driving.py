"""Driving the quiz screen from the keyboard, shared by the behaviour and snapshot tests.

Not a test module, so test modules never import each other.
"""

from __future__ import annotations

from textual.pilot import Pilot

from tests.ui.conftest import RecordingApp
from tutor.core.quiz import ClozeQuestion, NumericQuestion, OrderingQuestion, ShortQuestion
from tutor.ui.screens.quiz import QuizScreen
from tutor.ui.widgets.choices import ChoiceList


def quiz_screen(app: RecordingApp) -> QuizScreen:
    assert isinstance(app.screen, QuizScreen)
    return app.screen


async def put_in_order(pilot: Pilot[None], app: RecordingApp) -> None:
    """Sort an ordering question with the keyboard: [ moves the highlighted item up."""
    choices = app.screen.query_one("#answer", ChoiceList)
    for target in range(len(choices.order)):
        position = choices.order.index(target)
        while choices.cursor != position:
            await pilot.press("down" if choices.cursor < position else "up")
        for _ in range(position - target):
            await pilot.press("left_square_bracket")
    assert choices.order == sorted(choices.order)


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*[c if c != " " else "space" for c in text])


async def answer_right(pilot: Pilot[None], app: RecordingApp) -> None:
    """Answer the fixture quiz's current question correctly."""
    question = quiz_screen(app).session.current.question  # type: ignore[union-attr]
    keys = {
        "single": ["1"],
        "multiple": ["1", "2"],
        "truefalse": ["1"],
    }
    if question.type in keys:
        await pilot.press(*keys[question.type])
    elif isinstance(question, ShortQuestion):
        await type_text(pilot, "  SoftMax. ")
    elif isinstance(question, NumericQuestion):
        await type_text(pilot, "1e3")
    elif isinstance(question, OrderingQuestion):
        await put_in_order(pilot, app)
    elif isinstance(question, ClozeQuestion):
        await type_text(pilot, "Keys")
        await pilot.press("enter")
        await type_text(pilot, "values")
    await pilot.press("enter")
    await pilot.pause()


async def answer_anything(pilot: Pilot[None], screen: QuizScreen) -> None:
    """Give some answer of the right kind; grading correctness is tested elsewhere."""
    assert screen.session is not None and screen.session.current is not None
    question = screen.session.current.question
    if isinstance(question, ClozeQuestion):
        for _ in question.blanks:
            await pilot.press("x", "enter")
    elif isinstance(question, NumericQuestion):
        await pilot.press("4", "2", "enter")
    elif isinstance(question, ShortQuestion):
        await pilot.press("x", "enter")
    else:
        await pilot.press("1", "enter")
    await pilot.pause()
    assert screen.state == "feedback", question.id
    await pilot.press("enter")
    await pilot.pause()
