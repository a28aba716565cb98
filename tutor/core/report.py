"""The class report: what each learner did in each lesson, and which questions confused them.

A learner hands in their ``llm-tutor progress export`` file (labelled with ``--learner NAME``).
Each file is validated and merged exactly as ``progress import`` does, into a private store per
learner, so the report computes status, time and scores with the same queries the app uses; the
same file given twice (or two exports of one learner) counts once, since events are keyed by id.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tutor.core.errors import PackError, Problem
from tutor.core.pack import Pack
from tutor.core.progress import ProgressStore
from tutor.core.quiz import (
    MultipleQuestion,
    OrderingQuestion,
    Question,
    SingleQuestion,
    TrueFalseQuestion,
    load_quiz,
)
from tutor.core.sanitize import clean_text
from tutor.core.transfer import import_progress

MAX_EXPORT_BYTES = 50_000_000


@dataclass(frozen=True)
class LessonRow:
    """One learner × lesson."""

    learner: str
    lesson: str
    done: bool
    minutes: float
    best_score: float | None  # 0..1
    attempts: int
    due_reviews: int
    predictions_right: int
    predictions: int


@dataclass(frozen=True)
class QuestionRow:
    """One question across the class."""

    lesson: str
    question_id: str
    learners: int  # learners who answered it
    right_share: float  # share of those whose latest answer was fully right
    common_wrong: str  # the wrong answer given most often ("" when none)
    common_wrong_count: int


@dataclass(frozen=True)
class ClassReport:
    learners: list[str]
    lessons: list[LessonRow]
    questions: list[QuestionRow]


def build_report(pack: Pack, files: list[Path], now: datetime | None = None) -> ClassReport:
    """Read every export in ``files`` (validated; any bad file stops the report) for ``pack``."""
    now = now or datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="llm-tutor-report-") as scratch:
        stores = _learner_stores(files, Path(scratch))
        try:
            rows = [
                row
                for name, store in stores.items()
                for row in _lesson_rows(pack, name, store, now)
            ]
            questions = _question_rows(pack, stores)
        finally:
            for store in stores.values():
                store.close()
    return ClassReport(sorted(stores), rows, questions)


def _learner_stores(files: list[Path], scratch: Path) -> dict[str, ProgressStore]:
    """One merged store per learner (by label, else by learner id)."""
    stores: dict[str, ProgressStore] = {}
    ids: dict[str, str] = {}
    try:
        for path in files:
            learner_id, label = _identity(path)
            name = ids.setdefault(learner_id, _unique(label or f"learner-{learner_id[:8]}", stores))
            if name not in stores:
                stores[name] = ProgressStore.open(scratch / f"{len(stores)}.sqlite3")
            import_progress(stores[name], path)  # validates the whole file first
    except BaseException:
        for store in stores.values():
            store.close()
        raise
    return stores


def _identity(path: Path) -> tuple[str, str | None]:
    """The learner id and label a progress export carries (checked again by the import)."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_EXPORT_BYTES + 1)
    except OSError as exc:
        raise PackError([Problem(path, None, f"cannot read: {exc.strerror}")]) from exc
    if len(data) > MAX_EXPORT_BYTES:
        raise PackError([Problem(path, None, f"larger than {MAX_EXPORT_BYTES:,} bytes")])
    try:
        raw: Any = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise PackError([Problem(path, None, "not a progress export (not valid JSON)")]) from exc
    learner_id = raw.get("learner_id") if isinstance(raw, dict) else None
    if not isinstance(learner_id, str) or not learner_id:
        raise PackError([Problem(path, None, "not a progress export (no learner_id)")])
    label = raw.get("learner")
    return learner_id, clean_text(label)[:60] if isinstance(label, str) and label.strip() else None


def _unique(name: str, taken: dict[str, ProgressStore]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name} ({n})", n + 1
    return candidate


def _lesson_rows(pack: Pack, learner: str, store: ProgressStore, now: datetime) -> list[LessonRow]:
    progress = store.lesson_progress(pack.id)
    best = store.best_quiz_scores(pack.id)
    tables = store.export_data()["tables"]
    assert isinstance(tables, dict)
    attempts = Counter(r["lesson"] for r in tables["quiz_attempts"] if r["pack_id"] == pack.id)
    due = Counter(card.lesson for card in store.due_cards(pack.id, now))
    guesses = [r for r in tables.get("predictions", []) if r["pack_id"] == pack.id]
    rows = []
    for lesson in pack.lessons:
        state = progress.get(lesson.slug)
        mine = [g for g in guesses if g["lesson"] == lesson.slug]
        rows.append(
            LessonRow(
                learner=learner,
                lesson=lesson.slug,
                done=state is not None and state.status == "done",
                minutes=round((state.seconds if state else 0.0) / 60, 1),
                best_score=best.get(lesson.slug),
                attempts=attempts[lesson.slug],
                due_reviews=due[lesson.slug],
                predictions_right=sum(1 for g in mine if g["correct"]),
                predictions=len(mine),
            )
        )
    return rows


def _questions(pack: Pack) -> dict[tuple[str, str], Question]:
    """Every question of the pack by (lesson, id); a quiz that does not load is left out."""
    found: dict[tuple[str, str], Question] = {}
    for lesson in pack.lessons:
        try:
            quiz = load_quiz(lesson.quiz_path) if lesson.quiz_path else None
        except PackError:
            continue
        for question in quiz.questions if quiz else []:
            found[(lesson.slug, question.id)] = question
    return found


def readable_answer(question: Question | None, response: str) -> str:
    """A stored response (JSON: choice indices, text, a number) as the learner saw it: the
    chosen choices' text, items in the order given, blanks joined; raw when it cannot be read."""
    try:
        value = json.loads(response)
    except ValueError:
        return response
    if isinstance(question, SingleQuestion | MultipleQuestion):
        picks = value if isinstance(value, list) else [value]
        if all(isinstance(i, int) and 0 <= i < len(question.choices) for i in picks):
            return "; ".join(question.choices[i].text for i in picks)
    if (
        isinstance(question, OrderingQuestion)
        and isinstance(value, list)
        and all(isinstance(i, int) and 0 <= i < len(question.items) for i in value)
    ):
        return " → ".join(question.items[i] for i in value)
    if isinstance(question, TrueFalseQuestion) and isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " / ".join(str(v) for v in value)
    return str(value)


def _question_rows(pack: Pack, stores: dict[str, ProgressStore]) -> list[QuestionRow]:
    latest: dict[tuple[str, str], dict[str, bool]] = defaultdict(dict)
    wrong: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    questions = _questions(pack)
    for name, store in stores.items():
        for answer in store.answers(pack.id):  # oldest first: the last one per learner wins
            key = (answer.lesson, answer.question_id)
            latest[key][name] = answer.score >= 1.0
            if answer.score < 1.0 and answer.response.strip():
                shown = readable_answer(questions.get(key), answer.response.strip())
                wrong[key][clean_text(shown)[:80]] += 1
    order = {lesson.slug: i for i, lesson in enumerate(pack.lessons)}
    rows = []
    for (lesson, qid), by_learner in sorted(
        latest.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])
    ):
        common = wrong[(lesson, qid)].most_common(1)
        rows.append(
            QuestionRow(
                lesson=lesson,
                question_id=qid,
                learners=len(by_learner),
                right_share=sum(by_learner.values()) / len(by_learner),
                common_wrong=common[0][0] if common else "",
                common_wrong_count=common[0][1] if common else 0,
            )
        )
    return rows


def write_csv(report: ClassReport, target: Path) -> tuple[Path, Path]:
    """The learner × lesson rows to ``target`` and the question summary beside it."""
    questions = target.with_name(f"{target.stem}-questions{target.suffix or '.csv'}")
    with target.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(
            [
                "learner",
                "lesson",
                "done",
                "minutes",
                "best_score",
                "attempts",
                "due_reviews",
                "predictions_right",
                "predictions",
            ]
        )
        for r in report.lessons:
            best = "" if r.best_score is None else f"{r.best_score:.2f}"
            out.writerow(
                [
                    _cell(r.learner),
                    r.lesson,
                    int(r.done),
                    r.minutes,
                    best,
                    r.attempts,
                    r.due_reviews,
                    r.predictions_right,
                    r.predictions,
                ]
            )
    with questions.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(
            ["lesson", "question", "learners", "right_share", "most_chosen_wrong", "times"]
        )
        for q in report.questions:
            out.writerow(
                [
                    q.lesson,
                    q.question_id,
                    q.learners,
                    f"{q.right_share:.2f}",
                    _cell(q.common_wrong),
                    q.common_wrong_count,
                ]
            )
    return target, questions


def _cell(text: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
