"""Lesson status, time, position, resets, quiz scores and review cards, derived from events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import LESSON
from tutor.core.pack import load_pack
from tutor.core.progress import LessonProgress, ProgressStore, lesson_to_continue

P = "test-pack"
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ProgressStore]:
    opened = ProgressStore.open(tmp_path / "progress.sqlite3")
    yield opened
    opened.close()


def state(store: ProgressStore, lesson: str, pack: str = P) -> LessonProgress:
    """What the outline would show for ``lesson`` (untouched lessons are new)."""
    return store.lesson_progress(pack).get(lesson, LessonProgress())


def answer(store: ProgressStore, lesson: str, question: str, score: float = 1.0) -> None:
    store.record_answer(
        P,
        lesson,
        question,
        score=score,
        correct=score == 1.0,
        hinted=False,
        response="r",
        seconds=2.0,
    )


def test_untouched_lesson_is_new(store: ProgressStore) -> None:
    assert store.lesson_progress(P) == {}
    assert state(store, "intro") == LessonProgress("new", 0.0, 0.0, None)


def test_opened_lesson_is_in_progress_and_completed_is_done(store: ProgressStore) -> None:
    store.lesson_opened(P, "intro")
    assert state(store, "intro").status == "in_progress"
    assert state(store, "intro").last_opened is not None
    store.lesson_completed(P, "intro")
    assert state(store, "intro").status == "done"
    store.lesson_opened(P, "intro")  # reading it again does not undo "done"
    assert state(store, "intro").status == "done"
    assert state(store, "other").status == "new"


def test_progress_is_keyed_by_pack_and_slug(store: ProgressStore) -> None:
    store.lesson_completed(P, "intro")
    assert state(store, "intro", pack="another-pack").status == "new"
    assert store.lesson_progress("another-pack") == {}


def test_time_adds_up_and_ignores_non_positive_amounts(store: ProgressStore) -> None:
    store.add_time(P, "intro", 30.0)
    store.add_time(P, "intro", 12.5)
    store.add_time(P, "intro", 0.0)
    store.add_time(P, "intro", -100.0)
    store.add_time(P, "other", 5.0)
    assert state(store, "intro").seconds == 42.5
    assert state(store, "other").seconds == 5.0


def test_position_last_write_wins(store: ProgressStore) -> None:
    store.save_position(P, "intro", 0.1)
    store.save_position(P, "intro", 0.555)
    store.save_position(P, "intro", 0.3)
    store.lesson_opened(P, "intro")
    assert state(store, "intro").position == 0.3


def test_reset_one_lesson_restarts_it_and_keeps_answer_history(store: ProgressStore) -> None:
    for lesson in ("intro", "other"):
        store.lesson_opened(P, lesson)
        store.add_time(P, lesson, 60.0)
        store.save_position(P, lesson, 0.7)
        store.lesson_completed(P, lesson)
        answer(store, lesson, "q1")

    store.reset(P, "intro")

    assert state(store, "intro") == LessonProgress("new", 0.0, 0.0, None)
    assert state(store, "other") == LessonProgress(
        "done", 60.0, 0.7, state(store, "other").last_opened
    )
    assert [(a.lesson, a.question_id) for a in store.answers(P)] == [
        ("intro", "q1"),
        ("other", "q1"),
    ]
    store.lesson_opened(P, "intro")  # starting again after the reset counts
    assert state(store, "intro").status == "in_progress"


def test_reset_all_restarts_every_lesson_of_the_pack_only(store: ProgressStore) -> None:
    for lesson in ("intro", "other"):
        store.lesson_completed(P, lesson)
        answer(store, lesson, "q1")
    store.lesson_completed("another-pack", "intro")

    store.reset(P)

    assert state(store, "intro").status == "new"
    assert state(store, "other").status == "new"
    assert state(store, "intro", pack="another-pack").status == "done"
    assert len(store.answers(P)) == 2
    store.lesson_completed(P, "other")
    assert state(store, "other").status == "done"


def test_best_quiz_scores_ignore_attempts_before_a_reset(store: ProgressStore) -> None:
    store.record_quiz_attempt(P, "intro", score=4, total=5, seconds=60)
    store.record_quiz_attempt(P, "intro", score=2, total=5, seconds=60)
    store.record_quiz_attempt(P, "other", score=1, total=2, seconds=60)
    store.record_quiz_attempt(P, "empty", score=0, total=0, seconds=1)  # no questions: ignored
    assert store.best_quiz_scores(P) == {"intro": 0.8, "other": 0.5}

    store.reset(P, "intro")
    assert store.best_quiz_scores(P) == {"other": 0.5}
    store.record_quiz_attempt(P, "intro", score=1, total=5, seconds=60)
    assert store.best_quiz_scores(P) == {"intro": 0.2, "other": 0.5}

    store.reset(P)
    assert store.best_quiz_scores(P) == {}


def test_last_lesson_is_the_most_recently_opened(store: ProgressStore) -> None:
    assert store.last_lesson(P) is None
    store.lesson_opened(P, "intro")
    store.lesson_opened(P, "other")
    store.lesson_completed(P, "intro")  # finishing is not opening
    assert store.last_lesson(P) == "other"
    store.lesson_opened(P, "intro")
    assert store.last_lesson(P) == "intro"
    assert store.last_lesson("another-pack") is None


def test_due_cards_oldest_first_then_by_lesson_and_question(store: ProgressStore) -> None:
    store.put_card(P, "b", "q2", '{"n": 1}', NOW - timedelta(days=1))
    store.put_card(P, "b", "q1", '{"n": 2}', NOW - timedelta(days=3))
    store.put_card(P, "a", "q9", '{"n": 3}', NOW - timedelta(days=1))
    store.put_card(P, "a", "q1", '{"n": 4}', NOW)  # due exactly now counts
    store.put_card(P, "a", "later", '{"n": 5}', NOW + timedelta(seconds=1))
    store.put_card("another-pack", "a", "q1", '{"n": 6}', NOW - timedelta(days=9))

    due = store.due_cards(P, NOW)

    assert [(c.lesson, c.question_id) for c in due] == [
        ("b", "q1"),
        ("a", "q9"),
        ("b", "q2"),
        ("a", "q1"),
    ]
    assert due[0].card_json == '{"n": 2}'
    assert due[0].due == NOW - timedelta(days=3)


def test_put_card_replaces_the_card(store: ProgressStore) -> None:
    store.put_card(P, "a", "q1", '{"n": 1}', NOW)
    store.put_card(P, "a", "q1", '{"n": 2}', NOW + timedelta(days=2))
    assert store.get_card(P, "a", "q1") == '{"n": 2}'
    assert store.get_card(P, "a", "missing") is None
    assert store.due_cards(P, NOW) == []


def test_reset_forgets_positions_and_review_cards_of_that_lesson(store: ProgressStore) -> None:
    for lesson in ("a", "b"):
        store.lesson_opened(P, lesson)
        store.save_position(P, lesson, 0.9)
        store.put_card(P, lesson, "q1", "{}", NOW)
    store.reset(P, "a")
    store.lesson_opened(P, "a")
    assert state(store, "a").position == 0.0
    assert state(store, "b").position == 0.9
    assert store.get_card(P, "a", "q1") is None
    assert store.get_card(P, "b", "q1") == "{}"


def test_answers_are_kept_in_order_with_their_details(store: ProgressStore) -> None:
    answer(store, "intro", "q1", score=0.5)
    answer(store, "intro", "q2")
    answer(store, "other", "q1")
    rows = store.answers(P, "intro")
    assert [(r.question_id, r.score, r.correct, r.hinted, r.response) for r in rows] == [
        ("q1", 0.5, False, False, "r"),
        ("q2", 1.0, True, False, "r"),
    ]
    assert rows[0].at <= rows[1].at
    assert rows[0].at.tzinfo is not None


def test_continue_goes_to_the_last_lesson_else_the_first_not_done(tmp_path: Path) -> None:
    root = tmp_path / "pack"
    (root / "lessons").mkdir(parents=True)
    manifest = 'format_version = 1\nid = "p"\ntitle = "P"\nversion = "1"\nauthors = ["A"]\n'
    (root / "pack.toml").write_text(manifest + 'licence = "CC0"\nlessons = ["one", "two"]\n')
    for number, slug in enumerate(("one", "two"), 1):
        (root / "lessons" / f"0{number}-{slug}.md").write_text(LESSON)
    pack = load_pack(root)
    first, second = "one", "two"
    with ProgressStore.open(tmp_path / "progress.sqlite3") as store:
        assert lesson_to_continue(store, pack) == first  # nothing done yet
        store.lesson_completed(pack.id, first)
        assert lesson_to_continue(store, pack) == second  # the first not done
        store.lesson_completed(pack.id, second)
        assert lesson_to_continue(store, pack) == first  # all done: start over
        store.lesson_opened(pack.id, second)
        assert lesson_to_continue(store, pack) == second  # the last opened
        store.lesson_opened(pack.id, "gone-from-the-pack")
        assert lesson_to_continue(store, pack) == first
