"""The class report from progress export files: validated, merged per learner, summarised."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tutor.core import paths
from tutor.core.errors import PackError
from tutor.core.pack import load_pack
from tutor.core.progress import ProgressStore
from tutor.core.report import build_report, write_csv
from tutor.core.transfer import export_progress

PACK = load_pack(paths.builtin_course_dir())
LESSON = PACK.lessons[0].slug


def _learner(tmp_path: Path, name: str, answers: list[tuple[str, float, str]]) -> Path:
    store = ProgressStore.open(tmp_path / f"{name}.sqlite3")
    store.lesson_opened(PACK.id, LESSON)
    for question, score, response in answers:
        store.record_answer(
            PACK.id,
            LESSON,
            question,
            score=score,
            correct=score == 1.0,
            hinted=False,
            response=response,
            seconds=3.0,
        )
    total = sum(s for _, s, _ in answers)
    store.record_quiz_attempt(PACK.id, LESSON, score=total, total=len(answers), seconds=30.0)
    store.lesson_completed(PACK.id, LESSON)
    target = tmp_path / f"{name}.json"
    export_progress(store, target, learner=name)
    store.close()
    return target


def test_rows_per_learner_and_lesson_and_the_confusing_question(tmp_path: Path) -> None:
    ada = _learner(tmp_path, "Ada", [("q1", 1.0, "softmax"), ("q2", 0.0, "argmax")])
    bob = _learner(tmp_path, "Bob", [("q1", 0.0, "relu"), ("q2", 0.0, "argmax")])
    report = build_report(PACK, [ada, bob, ada], now=datetime.now(UTC))
    assert report.learners == ["Ada", "Bob"]
    first = [r for r in report.lessons if r.lesson == LESSON]
    assert [(r.learner, r.done, r.attempts, r.best_score) for r in first] == [
        ("Ada", True, 1, 0.5),
        ("Bob", True, 1, 0.0),
    ]
    by_id = {q.question_id: q for q in report.questions}
    assert by_id["q2"].right_share == 0.0 and by_id["q2"].common_wrong == "argmax"
    assert by_id["q2"].common_wrong_count == 2 and by_id["q1"].right_share == 0.5


def test_csv_cells_cannot_run_as_formulas(tmp_path: Path) -> None:
    evil = _learner(tmp_path, "=HYPERLINK(1)", [("q1", 0.0, "=cmd|' /C calc'!A0")])
    learners, questions = write_csv(build_report(PACK, [evil]), tmp_path / "out.csv")
    assert "'=HYPERLINK" in learners.read_text() and "'=cmd" in questions.read_text()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"format": "llm-tutor-progress"}', "no learner_id"),
        ("[" * 100_000, "not valid JSON"),
    ],
)
def test_a_bad_file_is_named(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    with pytest.raises(PackError, match=f"bad.json: .*{message}"):
        build_report(PACK, [bad])


def test_a_tampered_row_is_refused_like_an_import(tmp_path: Path) -> None:
    path = _learner(tmp_path, "Eve", [("q1", 1.0, "x")])
    data = json.loads(path.read_text())
    data["tables"]["answers"][0]["score"] = 7
    path.write_text(json.dumps(data))
    with pytest.raises(PackError, match=r"Eve\.json"):
        build_report(PACK, [path])


def test_wrong_answers_read_as_the_learner_saw_them(tmp_path: Path) -> None:
    """A stored pick is a choice index: the report names the choice's text instead."""
    from tutor.core.authoring import new_pack
    from tutor.core.grading import encode_response
    from tutor.core.quiz import load_quiz
    from tutor.core.report import readable_answer

    pack = load_pack(new_pack(tmp_path / "pack", "Report pack"))
    assert pack.lessons[0].quiz_path is not None
    quiz = load_quiz(pack.lessons[0].quiz_path)
    single, multiple, truefalse = quiz.questions[:3]
    assert readable_answer(single, encode_response(2)) == "A grammar tree"
    assert readable_answer(multiple, encode_response({0, 2})) == (
        "Temperature; The size of the vocabulary"
    )
    assert readable_answer(truefalse, encode_response(False)) == "false"
    assert readable_answer(single, encode_response(9)) == "9"  # out of range: as stored
    assert readable_answer(None, "not json") == "not json"
