"""``llm-tutor --pack DIR --watch`` in the real app at 80x24, on a real pack in a temp folder:
a saved lesson is redrawn where the learner was, a broken quiz is shown as a problem with its
``file:line`` while the app keeps running, and fixing it clears the problem."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import RecordingApp
from tests.ui.watching import lengthen, rewrite, wait_until
from tutor.app import create_app
from tutor.core import paths
from tutor.core.authoring import new_pack
from tutor.ui.screens.lesson import LessonScreen, LessonViewer
from tutor.ui.screens.pack_problems import PackProblemsScreen


def problems_text(app: RecordingApp) -> str:
    """What the problems panel lists ("" while it is not open or not drawn yet)."""
    screen = app.screen
    if not isinstance(screen, PackProblemsScreen) or not screen.query("#problems-list"):
        return ""
    return str(screen.query_one("#problems-list").render())


async def test_saved_lesson_reloads_in_place_and_problems_come_and_go(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    new_pack(pack, "Watched pack")
    lesson_file = pack / "lessons" / "01-getting-started.md"
    quiz_file = pack / "quizzes" / "01-getting-started.toml"
    lengthen(lesson_file)
    app = create_app(pack, paths.database_file(), RecordingApp, watch=True)
    async with app.run_test(size=(80, 24)) as pilot:
        app.navigate("lesson", slug="getting-started")
        await wait_until(pilot, lambda: bool(app.screen.query(LessonViewer)), "the lesson opens")
        lesson = app.screen
        assert isinstance(lesson, LessonScreen)
        viewer = lesson.query_one(LessonViewer)
        await wait_until(pilot, lambda: viewer.max_scroll_y > 20, "the lesson is long")
        viewer.scroll_to(y=20, animate=False)
        await wait_until(pilot, lambda: viewer.scroll_y == 20, "scrolled down")

        rewrite(lesson_file, "## Try it", "## A new part\n\nNew words thirty-nine.\n\n## Try it")
        await wait_until(pilot, lambda: "thirty-nine" in lesson.markdown, "the lesson reloads")
        await pilot.pause()
        assert app.screen is lesson and viewer.scroll_y == 20  # the learner's place is kept
        assert "thirty-nine" in app.pack.lesson("getting-started").body

        rewrite(quiz_file, 'type = "single"', 'type = "singel"')
        line = quiz_file.read_text().splitlines().index('type = "singel"') + 1
        where = f"quizzes/01-getting-started.toml:{line}: "
        await wait_until(pilot, lambda: where in problems_text(app), "the problem is shown")
        assert app.is_running and lesson in app.screen_stack  # the lesson is still there

        rewrite(quiz_file, 'type = "singel"', 'type = "single"')
        await wait_until(pilot, lambda: app.screen is lesson, "fixing it closes the panel")
        assert viewer.scroll_y == 20
