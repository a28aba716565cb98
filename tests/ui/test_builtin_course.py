"""Every lesson and every quiz of the built-in course opens and runs in the real app."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.ui.conftest import RecordingApp
from tests.ui.driving import answer_anything
from tutor.core import paths
from tutor.core.pack import load_pack
from tutor.ui.screens.lesson import LessonScreen, LessonViewer
from tutor.ui.screens.outline import OutlineScreen
from tutor.ui.screens.quiz import QuizScreen

MakeApp = Callable[..., RecordingApp]


SLUGS = [lesson.slug for lesson in load_pack(paths.builtin_course_dir()).lessons]


def test_the_course_has_fourteen_lessons() -> None:
    assert len(SLUGS) == 14


@pytest.mark.parametrize("slug", SLUGS)
async def test_walk_lesson_and_quiz(make_app: MakeApp, slug: str) -> None:
    """Open the lesson from the outline, take its whole quiz, and see the result recorded."""
    app = make_app(paths.builtin_course_dir())
    async with app.run_test(size=(80, 24)) as pilot:
        app.navigate("lesson", slug=slug)
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.query_one(LessonViewer).document.source.strip()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OutlineScreen)
        app.navigate("quiz", slug=slug)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QuizScreen), slug
        assert screen.session is not None
        while screen.state != "summary":
            await answer_anything(pilot, screen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OutlineScreen)
        assert slug in app.store.best_quiz_scores(app.pack.id)
