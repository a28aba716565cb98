"""The plain-text quiz and review runners, driven through StringIO with a real SQLite store."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import LESSON
from tutor.core.pack import Pack, load_pack
from tutor.core.progress import ProgressStore
from tutor.core.quiz import load_quiz
from tutor.core.session import presented_order
from tutor.plain.asking import run_quiz, run_review

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
QUIZ = (Path(__file__).parent / "data" / "valid.toml").read_text(encoding="utf-8")


@pytest.fixture
def pack(tmp_path: Path) -> Pack:
    root = tmp_path / "pack"
    (root / "lessons").mkdir(parents=True)
    (root / "quizzes").mkdir()
    (root / "pack.toml").write_text(
        'format_version = 1\nid = "test-pack"\ntitle = "Test"\nversion = "1.0.0"\n'
        'authors = ["A"]\nlicence = "CC0-1.0"\nlessons = ["intro", "other"]\n'
    )
    (root / "lessons" / "01-intro.md").write_text(LESSON)
    (root / "lessons" / "02-other.md").write_text(LESSON)
    (root / "quizzes" / "01-intro.toml").write_text(QUIZ)
    return load_pack(root)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ProgressStore]:
    opened = ProgressStore.open(tmp_path / "progress.sqlite3")
    yield opened
    opened.close()


def shown(pack: Pack, store: ProgressStore, question_id: str, index: int) -> int:
    """The number the learner sees for choice/item `index` (1-based), given the shuffle."""
    quiz = load_quiz(pack.lesson("intro").quiz_path)  # type: ignore[arg-type]
    order = presented_order(quiz.question(question_id), store.learner_id(), 0, shuffle=quiz.shuffle)
    return order.index(index) + 1


def right_answers(pack: Pack, store: ProgressStore) -> list[str]:
    """Typed lines that answer every question of data/valid.toml right."""
    s = lambda q, i: str(shown(pack, store, q, i))  # noqa: E731
    return [
        s("s", 0),
        f"{s('m', 0)} {s('m', 1)}",
        "t",
        "XXX.",
        "1,000",
        " ".join(s("o", i) for i in range(3)),
        "x",
        "y",
    ]


def run(pack: Pack, store: ProgressStore, lines: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    status = run_quiz(pack, "intro", store, io.StringIO("\n".join(lines) + "\n"), out, now=NOW)
    return status, out.getvalue()


def test_whole_quiz_right(pack: Pack, store: ProgressStore) -> None:
    status, text = run(pack, store, right_answers(pack, store))
    assert status == 0
    assert text.count("Right.") == 7
    assert "Score: 7 out of 7 (100%)" in text
    rows = store.answers("test-pack", "intro")
    assert [r.question_id for r in rows] == ["s", "m", "tf", "sh", "n", "o", "c"]
    assert all(r.correct and r.score == 1.0 and not r.hinted for r in rows)
    assert json.loads(rows[4].response) == "1,000"
    assert json.loads(rows[6].response) == ["x", "y"]
    assert store.best_quiz_scores("test-pack") == {"intro": 1.0}
    assert store.due_cards("test-pack", NOW) == []  # right answers are not due at once
    assert len(store.due_cards("test-pack", NOW + timedelta(minutes=11))) == 7


def test_wrong_partial_and_hinted_answers(pack: Pack, store: ProgressStore) -> None:
    lines = right_answers(pack, store)
    lines[1] = str(shown(pack, store, "m", 0))  # one of two right choices: 50%
    lines[2] = "f"  # wrong
    lines[4:5] = ["lots", "999"]  # not a number: asked again, then wrong
    status, text = run(pack, store, lines)
    assert status == 0
    assert "Partly right (50%)." in text
    assert "Not quite." in text
    assert "'lots' is not a number" in text
    assert "The answer: 1000 tokens (± 0.5)" in text
    assert "Score: 4.5 out of 7 (64%)" in text
    rows = {r.question_id: r for r in store.answers("test-pack", "intro")}
    assert len(rows) == 7  # the unreadable number was not recorded
    assert (rows["m"].score, rows["m"].correct) == (0.5, False)
    assert not rows["tf"].correct and not rows["n"].correct
    due_soon = {c.question_id for c in store.due_cards("test-pack", NOW + timedelta(minutes=2))}
    assert due_soon == {"m", "tf", "n"}  # wrong answers come back first


def test_hint_marks_answer_hinted(pack: Pack, store: ProgressStore) -> None:
    (pack.root / "quizzes" / "01-intro.toml").write_text(
        QUIZ.replace('id = "s"\n', 'id = "s"\nhint = "It is a."\n', 1)
    )
    lines = right_answers(pack, store)
    _, text = run(pack, store, ["h", *lines])
    assert "Hint: It is a." in text
    assert "Right (with a hint: it will come back for review)." in text
    first = store.answers("test-pack", "intro")[0]
    assert first.hinted and not first.correct and first.score == 1.0


def test_no_hint_available(pack: Pack, store: ProgressStore) -> None:
    _, text = run(pack, store, ["h", "q"])
    assert "There is no hint for this question." in text


def test_quit_and_eof_end_cleanly(pack: Pack, store: ProgressStore) -> None:
    lines = right_answers(pack, store)
    status, text = run(pack, store, [lines[0], "q"])
    assert status == 0
    assert "Stopped." in text and "1 of 7 answered" in text
    assert len(store.answers("test-pack", "intro")) == 1
    assert store.best_quiz_scores("test-pack") == {}  # an unfinished quiz is not an attempt
    status, text = run(pack, store, [])
    assert status == 0 and "Score: 0 out of 7" in text


def test_invalid_choice_input_asks_again(pack: Pack, store: ProgressStore) -> None:
    lines = right_answers(pack, store)
    _, text = run(pack, store, ["9", "1 2", "abc", *lines])
    assert "Use numbers from 1 to 2." in text
    assert "Choose just one number." in text
    assert "Score: 7 out of 7" in text


@pytest.mark.parametrize("typed", ["9" * 5000, "²", "١", "1²", "+1", "0x1", "1e0", "1.0"])
def test_odd_numbers_at_a_choice_question_are_refused_politely(
    pack: Pack, store: ProgressStore, typed: str
) -> None:
    """A 5000-digit line or a superscript two once ended in ValueError (issue 8)."""
    _, text = run(pack, store, [typed, *right_answers(pack, store)])
    assert "Use numbers from 1 to 2." in text
    assert "Score: 7 out of 7" in text


def test_odd_numbers_in_a_review_are_refused_politely(pack: Pack, store: ProgressStore) -> None:
    lines = right_answers(pack, store)
    lines[0] = str(3 - shown(pack, store, "s", 0))  # the single-choice question wrong
    run(pack, store, lines)
    out = io.StringIO()
    later = NOW + timedelta(minutes=2)
    typed = f"{'7' * 5000}\n²\n1\n"
    assert run_review(pack, store, io.StringIO(typed), out, now=later) == 0
    assert out.getvalue().count("Use numbers from 1 to 2.") == 2
    assert "Reviewed 1: " in out.getvalue()  # the third line was a real answer


def test_output_is_plain_text(pack: Pack, store: ProgressStore) -> None:
    (pack.root / "quizzes" / "01-intro.toml").write_text(
        QUIZ.replace('prompt = "p"', 'prompt = "p\\u001b[31m red"', 1)
    )
    _, text = run(pack, store, right_answers(pack, store))
    assert "\x1b" not in text
    assert "1. " in text and "[blank 1]" in text


def test_unknown_lesson_and_missing_quiz(pack: Pack, store: ProgressStore) -> None:
    out = io.StringIO()
    assert run_quiz(pack, "nope", store, io.StringIO(), out) == 2
    assert "There is no lesson 'nope'" in out.getvalue()
    out = io.StringIO()
    assert run_quiz(pack, "other", store, io.StringIO(), out) == 2
    assert "has no quiz" in out.getvalue()


def test_broken_quiz_is_reported(pack: Pack, store: ProgressStore) -> None:
    (pack.root / "quizzes" / "01-intro.toml").write_text("questions = [")
    out = io.StringIO()
    assert run_quiz(pack, "intro", store, io.StringIO(), out) == 2
    assert "01-intro.toml:1: invalid TOML" in out.getvalue()


def test_review_draws_due_cards_and_reschedules(pack: Pack, store: ProgressStore) -> None:
    lines = right_answers(pack, store)
    lines[2] = "f"  # truefalse wrong
    run(pack, store, lines)
    out = io.StringIO()
    later = NOW + timedelta(minutes=2)
    assert run_review(pack, store, io.StringIO("t\n"), out, now=later) == 0
    text = out.getvalue()
    assert "1 questions to review" in text and "Review 1 of 1" in text
    assert "Reviewed 1: 1 right." in text
    assert store.due_cards("test-pack", later) == []
    assert [r.question_id for r in store.answers("test-pack")][-1] == "tf"


def test_review_with_nothing_due(pack: Pack, store: ProgressStore) -> None:
    out = io.StringIO()
    assert run_review(pack, store, io.StringIO(), out, now=NOW) == 0
    assert "Nothing to review right now." in out.getvalue()


def test_review_skips_questions_that_no_longer_exist(pack: Pack, store: ProgressStore) -> None:
    store.put_card("test-pack", "intro", "gone", "{}", NOW)
    store.put_card("test-pack", "removed-lesson", "s", "{}", NOW)
    out = io.StringIO()
    assert run_review(pack, store, io.StringIO(), out, now=NOW) == 0
    # Cards whose question is gone are not offered: there is nothing left to review.
    assert "Nothing to review right now." in out.getvalue()
    assert store.answers("test-pack") == []
