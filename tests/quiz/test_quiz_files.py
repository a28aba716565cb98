"""Every quiz shipped in the built-in course loads cleanly (lesson writers add files over time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.core.quiz import check_quiz

QUIZZES = sorted((Path(__file__).resolve().parents[2] / "quizzes").glob("*.toml"))


@pytest.mark.parametrize("path", QUIZZES or [None], ids=[p.name for p in QUIZZES] or ["none"])
def test_shipped_quiz_loads(path: Path | None) -> None:
    if path is None:
        pytest.skip("no quizzes yet")
    quiz, problems = check_quiz(path)
    assert not problems, "\n".join(str(p) for p in problems)
    assert quiz is not None and quiz.questions
