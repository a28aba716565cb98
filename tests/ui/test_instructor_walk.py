"""The instructor's whole path, end to end: write a pack, check it, share it, a learner takes it
in the real app on another data directory, hands in their progress, and the report shows them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.ui.conftest import RecordingApp
from tests.ui.driving import answer_anything
from tests.ui.watching import rewrite, wait_until
from tutor.app import create_app
from tutor.cli import main
from tutor.core import paths
from tutor.core.pack_library import find_installed
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.quiz import QuizScreen

LESSON = "lessons/01-getting-started.md"
QUIZ = "quizzes/01-getting-started.toml"
FIRST_PROMPT = "What does a language model predict at each step?"


async def edit_under_watch(pack: Path) -> None:
    """``llm-tutor --pack DIR --watch``: the instructor saves the lesson and the quiz while
    each is open in the app, and sees the change in place."""
    app = create_app(pack, paths.database_file(), RecordingApp, watch=True)
    async with app.run_test(size=(80, 24)) as pilot:
        app.navigate("lesson", slug="getting-started")
        await wait_until(pilot, lambda: isinstance(app.screen, LessonScreen), "the lesson")
        lesson = app.screen
        rewrite(pack / LESSON, "# Getting started", "# Getting started today")
        await wait_until(pilot, lambda: "today" in lesson.markdown, "the lesson reloads")
        app.navigate("quiz", slug="getting-started")
        await wait_until(pilot, lambda: isinstance(app.screen, QuizScreen), "the quiz")
        quiz = app.screen
        assert isinstance(quiz, QuizScreen)
        await wait_until(pilot, lambda: quiz.session is not None, "the first question")
        rewrite(pack / QUIZ, FIRST_PROMPT, "What does a model predict, one step at a time?")
        await wait_until(
            pilot,
            lambda: "one step at a time" in quiz.session.current.question.prompt,  # type: ignore[union-attr]
            "the question reloads",
        )
        # The screen redraws from a posted message: wait for what the learner sees, too.
        await wait_until(
            pilot,
            lambda: "one step at a time" in str(quiz.query_one("#prompt").source),  # type: ignore[attr-defined]
            "the question is redrawn",
        )
        assert app.screen is quiz


async def test_new_check_build_install_take_export_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    instructor, learner = tmp_path / "instructor-home", tmp_path / "learner-home"
    monkeypatch.setenv("LLM_TUTOR_HOME", str(instructor))
    pack = tmp_path / "pack"
    assert main(["pack", "new", str(pack), "--title", "Class pack"]) == 0
    await edit_under_watch(pack)
    lesson = pack / LESSON
    assert main(["pack", "check", str(pack)]) == 0
    assert main(["pack", "build", str(pack), "-o", str(tmp_path)]) == 0
    (archive,) = tmp_path.glob("class-pack-*.zip")
    assert main(["pack", "build", str(pack), "-o", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / archive.name).read_bytes() == archive.read_bytes()  # reproducible

    monkeypatch.setenv("LLM_TUTOR_HOME", str(learner))  # the learner's machine
    assert main(["pack", "install", str(archive)]) == 0
    pack_id = archive.name.removesuffix("-0.1.0.zip")
    installed = find_installed(pack_id)
    assert installed is not None and "today" in (installed / lesson.relative_to(pack)).read_text()

    app = create_app(installed, None, RecordingApp)
    async with app.run_test(size=(80, 24)) as pilot:
        app.navigate("quiz", slug="getting-started")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QuizScreen)
        while screen.state != "summary":
            await answer_anything(pilot, screen)
    handed_in = tmp_path / "ada.json"
    assert main(["progress", "export", str(handed_in), "--learner", "Ada"]) == 0

    monkeypatch.setenv("LLM_TUTOR_HOME", str(instructor))
    capsys.readouterr()
    out_csv = tmp_path / "class.csv"
    argv = ["report", str(handed_in), str(handed_in), "--pack", str(pack), "--csv", str(out_csv)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "1 learners: Ada" in printed  # the same file twice counts once
    rows = list(csv.DictReader(out_csv.open()))
    assert [(r["learner"], r["lesson"], r["attempts"]) for r in rows] == [
        ("Ada", "getting-started", "1")
    ]
    questions = list(csv.DictReader(out_csv.with_name("class-questions.csv").open()))
    assert len(questions) == 7 and all(q["learners"] == "1" for q in questions)
