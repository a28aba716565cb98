"""Driving the real app from tests: what several UI test modules need."""

from __future__ import annotations

from textual.pilot import Pilot

from tutor.core.quiz import ClozeQuestion, NumericQuestion, ShortQuestion
from tutor.ui.screens.quiz import QuizScreen


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
