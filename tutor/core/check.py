"""``llm-tutor pack check``: every problem in a pack, manifest, lessons and quizzes alike."""

from __future__ import annotations

from pathlib import Path

from tutor.core.errors import PackError, Problem
from tutor.core.pack import load_pack
from tutor.core.quiz import check_quiz


def check_pack(root: Path) -> tuple[list[Problem], str]:
    """All problems found (sorted, as ``file:line: problem``) and a one-line summary when clean."""
    try:
        pack = load_pack(root)
    except PackError as exc:
        problems = list(exc.problems)
        quizzes = sorted((root / "quizzes").glob("*.toml")) if (root / "quizzes").is_dir() else []
        for path in quizzes:
            problems += check_quiz(path)[1]
        return sorted(set(problems), key=_order), ""
    problems = []
    questions = 0
    for lesson in pack.lessons:
        if lesson.quiz_path is None:
            problems.append(Problem(lesson.path, None, f"lesson '{lesson.slug}' has no quiz"))
            continue
        quiz, found = check_quiz(lesson.quiz_path)
        problems += found
        questions += len(quiz.questions) if quiz else 0
    summary = (
        f"{root}: ok — pack '{pack.id}' {pack.version}, {len(pack.lessons)} lessons, "
        f"{questions} quiz questions"
    )
    return sorted(problems, key=_order), summary


def _order(problem: Problem) -> tuple[str, int, str]:
    return (str(problem.file), problem.line or 0, problem.message)
