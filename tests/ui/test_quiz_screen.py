"""Taking quizzes and reviews in the real app with the keyboard alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.ui.conftest import RecordingApp
from tests.ui.driving import answer_right, quiz_screen, type_text
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.outline import OutlineScreen
from tutor.ui.screens.quiz import QuizScreen

SIZE = (80, 24)
PACK = "ui-test-pack"
MakeApp = Callable[..., RecordingApp]


async def test_whole_quiz_by_keyboard_records_everything(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        for number in range(7):
            assert quiz_screen(app).state == "asking", number
            await answer_right(pilot, app)
            screen = quiz_screen(app)
            assert screen.state == "feedback"
            assert screen.session is not None
            assert screen.session.results[-1].grade.correct, screen.session.results[-1]
            await pilot.press("enter")
            await pilot.pause()
        assert quiz_screen(app).state == "summary"
        answers = app.store.answers(PACK, "first-steps")
        assert [a.question_id for a in answers] == [
            "single",
            "multiple",
            "truefalse",
            "short",
            "numeric",
            "ordering",
            "cloze",
        ]
        assert all(a.correct and a.score == 1.0 and not a.hinted for a in answers)
        assert app.store.best_quiz_scores(PACK) == {"first-steps": 1.0}
        now = datetime.now(UTC)
        assert app.store.due_cards(PACK, now) == []  # right answers are not due yet
        assert len(app.store.due_cards(PACK, datetime(2100, 1, 1, tzinfo=UTC))) == 7
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OutlineScreen)
        row = str(app.screen.query_one("#lessons").get_option_at_index(0).prompt)  # type: ignore[attr-defined]
        assert "quiz 100%" in row


async def test_wrong_and_hinted_answers_come_back_for_review(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("ctrl+g")  # hint on the first question
        await pilot.press("1", "enter", "enter")  # right, but hinted
        await pilot.pause()
        await pilot.press("1", "3", "enter", "enter")  # multiple: one right, one wrong -> 0
        await pilot.pause()
        await pilot.press("2", "enter", "enter")  # truefalse: False is wrong
        await pilot.pause()
        await type_text(pilot, "sigmoid")
        await pilot.press("enter", "enter")
        await pilot.pause()
        await type_text(pilot, "lots")  # not a number: asked again, nothing recorded
        await pilot.press("enter")
        await pilot.pause()
        assert quiz_screen(app).state == "asking"
        assert len(app.store.answers(PACK)) == 4
        answers = app.store.answers(PACK)
        assert answers[0].hinted and answers[0].score == 1.0 and not answers[0].correct
        assert [a.correct for a in answers[1:]] == [False, False, False]
        later = datetime.now(UTC).replace(microsecond=0)
        soon = app.store.due_cards(PACK, later.replace(year=later.year + 1))
        assert len(soon) == 4
        await pilot.press("escape")
        await pilot.pause()
        # Leaving mid-quiz records no attempt, but the answers stay.
        assert app.store.best_quiz_scores(PACK) == {}


async def test_review_draws_due_cards(make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        # Answer lesson two's only question wrongly, then review it.
        await pilot.press("down", "q")
        await pilot.pause()
        await pilot.press("2", "enter", "enter")
        await pilot.pause()
        assert quiz_screen(app).state == "summary"
        await pilot.press("escape")
        await pilot.pause()
        due = app.store.due_cards(PACK, datetime(2100, 1, 1, tzinfo=UTC))
        assert [(c.lesson, c.question_id) for c in due] == [("second-steps", "only")]
        # A wrong answer is due within minutes.
        assert (due[0].due - datetime.now(UTC)).total_seconds() < 15 * 60
        later = datetime.now(UTC) + timedelta(hours=1)
        monkeypatch.setattr("tutor.core.session._now", lambda: later)  # the review session
        monkeypatch.setattr("tutor.ui.screens.outline._now", lambda: later)  # the outline
        app.screen.refresh_outline()  # type: ignore[attr-defined]
        assert "1 due" in str(app.screen.query_one("#summary").render())
        await pilot.press("r")
        await pilot.pause()
        screen = quiz_screen(app)
        assert screen.lesson is None and screen.session is not None
        assert screen.session.current is not None
        assert screen.session.current.lesson == "second-steps"
        await pilot.press("1", "enter", "enter")
        await pilot.pause()
        assert screen.state == "summary"
        assert len(app.store.answers(PACK, "second-steps")) == 2
        # Now answered right, it is no longer due an hour from now.
        assert app.store.due_cards(PACK, datetime.now(UTC) + timedelta(hours=1)) == []
        # A review is not a quiz attempt: the best score is still the first attempt's 0%.
        assert app.store.best_quiz_scores(PACK) == {"second-steps": 0.0}


async def test_retake_starts_again(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "q")
        await pilot.pause()
        await pilot.press("1", "enter", "enter")
        await pilot.pause()
        assert quiz_screen(app).state == "summary"
        await pilot.press("r")
        await pilot.pause()
        screen = quiz_screen(app)
        assert screen.state == "asking"
        assert screen.session is not None and screen.session.results == []
        assert len(app.store.answers(PACK, "second-steps")) == 1


async def test_quiz_from_lesson_screen(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
