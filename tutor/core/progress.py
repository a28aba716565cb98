"""The learner's progress, kept in SQLite and safe on a shared lab machine: writes and reads.

Design, in short:

* **Events, not counters.** Opening, finishing, time spent, quiz answers and attempts are
  append-only rows with a random UUID. Lesson status and time are *derived* from them, so two
  app instances never overwrite each other, and merging an export from another machine is just
  a union of rows (importing the same file twice changes nothing).
* **Nothing is lost or silently replaced.** Opening (``progress_open``) moves a corrupt file
  aside, refuses another program's file and a newer version's, and backs up before migrating.
* **Never the reason the app stops.** A store that cannot be written (read-only home, full
  disk) turns every write into a no-op that is reported once (:attr:`ProgressStore.read_only`,
  :attr:`ProgressStore.warnings`); readers see only rows whose values are sane (the checks come
  from the one column declaration in ``progress_schema``), so a damaged row is skipped, not fatal.

Progress is keyed by pack id + lesson slug (and question id), never by position in a list.
This module is over 400 lines on purpose: every query the store answers (export and import
included) is here, so all of its SQL reads in one place and a change to a table is one file
to check (opening, the connection and the schema live beside it).
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tutor.core import paths
from tutor.core.progress_conn import Command, StoreConnection
from tutor.core.progress_open import StoreError, open_database
from tutor.core.progress_schema import ALL_LESSONS, EVENT_TABLES, TABLES, insert_sql

if TYPE_CHECKING:
    from tutor.core.pack import Pack

__all__ = ["LessonProgress", "ProgressStore", "StoreError", "VoteRow", "lesson_to_continue"]

Status = Literal["new", "in_progress", "done"]
Vote = Literal["a", "b", "tie", "both_bad"]
VOTES: tuple[Vote, ...] = ("a", "b", "tie", "both_bad")


@dataclass(frozen=True)
class LessonProgress:
    """What the learner has done in one lesson."""

    status: Status = "new"
    seconds: float = 0.0
    position: float = 0.0
    last_opened: float | None = None


@dataclass(frozen=True)
class AnswerRow:
    """One answered question, as recorded."""

    lesson: str
    question_id: str
    score: float
    correct: bool
    hinted: bool
    response: str
    at: datetime


@dataclass(frozen=True)
class DueCard:
    """A review card that is due: which question, its FSRS state, and since when."""

    lesson: str
    question_id: str
    card_json: str
    due: datetime


@dataclass(frozen=True)
class VoteRow:
    """One preference vote between two answers to the same prompt (the lab's RLHF data)."""

    prompt: str
    answer_a: str
    answer_b: str
    settings_a: dict[str, Any]
    settings_b: dict[str, Any]
    vote: Vote
    model_sha256: str
    at: datetime


def _now() -> float:
    return time.time()


def _ts(value: datetime) -> float:
    return value.timestamp()


def _dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


class ProgressStore(StoreConnection):
    """All reads and writes of learner progress. One instance per process is enough."""

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None, *, read_only: bool = False) -> ProgressStore:
        """Open the store at ``path`` (default: the data directory's), see ``progress_open``.

        ``read_only`` opens it for reading only (``llm-tutor progress`` needs no more); a store
        that cannot be written opens read-only by itself, with a notice in ``report``.
        """
        path = path or paths.database_file()
        opened = open_database(path, read_only=read_only)
        try:
            return cls(opened.conn, path, opened.report, read_only=opened.read_only)
        except sqlite3.Error as exc:
            opened.conn.close()
            raise StoreError(f"cannot read the progress database {path}: {exc}") from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- identity ----------------------------------------------------------------------

    def learner_id(self) -> str:
        """A random id for this learner's data, used to shuffle quiz choices stably."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'learner_id'").fetchone()
        return str(row[0]) if row else "0" * 32

    def schema(self) -> list[tuple[str, str]]:
        """(name, sql) of every table and index, for the schema test and `doctor`."""
        rows = self._conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"
        )
        return [(str(name), str(sql)) for name, sql in rows]

    # -- lessons -----------------------------------------------------------------------

    def _event(self, pack_id: str, lesson: str, kind: str, seconds: float = 0.0) -> None:
        row = (uuid.uuid4().hex, pack_id, lesson, kind, seconds, _now())
        self._write([(insert_sql("lesson_events"), row)])

    def lesson_opened(self, pack_id: str, lesson: str) -> None:
        self._event(pack_id, lesson, "opened")

    def lesson_completed(self, pack_id: str, lesson: str) -> None:
        self._event(pack_id, lesson, "completed")

    def add_time(self, pack_id: str, lesson: str, seconds: float) -> None:
        """Add reading time; called when the learner leaves a lesson and periodically."""
        if seconds > 0:
            self._event(pack_id, lesson, "time", seconds)

    def save_position(self, pack_id: str, lesson: str, position: float) -> None:
        """Remember the scroll position, a fraction 0..1 of the lesson (last write wins)."""
        upsert = (
            insert_sql("positions") + " ON CONFLICT (pack_id, lesson) DO UPDATE SET"
            " position = excluded.position, at = excluded.at WHERE excluded.at >= at"
        )
        fraction = min(max(position, 0.0), 1.0) if math.isfinite(position) else 0.0
        self._write([(upsert, (pack_id, lesson, fraction, _now()))])

    def reset(self, pack_id: str, lesson: str | None = None) -> None:
        """Start a lesson (or, with no lesson, the whole pack) afresh; history is kept."""
        target = lesson or ALL_LESSONS
        where, args = _lesson_filter(pack_id, lesson)
        event = (uuid.uuid4().hex, pack_id, target, "reset", 0.0, _now())
        self._write(
            [
                (insert_sql("lesson_events"), event),
                (f"DELETE FROM positions WHERE {where}", args),
                (f"DELETE FROM review_cards WHERE {where}", args),
            ]
        )

    def lesson_progress(self, pack_id: str) -> dict[str, LessonProgress]:
        """Status, time and position of every lesson the learner has touched in a pack."""
        rows = self._conn.execute(
            f"""
            WITH resets AS (
                SELECT lesson, MAX(at) AS at FROM ok_lesson_events
                WHERE pack_id = :p AND kind = 'reset' GROUP BY lesson
            ),
            live AS (
                SELECT e.* FROM ok_lesson_events e
                WHERE e.pack_id = :p AND e.kind != 'reset'
                  AND e.at > COALESCE((SELECT at FROM resets r WHERE r.lesson = e.lesson), 0)
                  AND e.at > COALESCE((SELECT at FROM resets r WHERE r.lesson = '{ALL_LESSONS}'), 0)
            )
            SELECT lesson,
                   MAX(kind = 'completed') AS done,
                   MAX(kind = 'opened') AS opened,
                   SUM(seconds) AS seconds,
                   MAX(CASE WHEN kind = 'opened' THEN at END) AS last_opened
            FROM live GROUP BY lesson
            """,
            {"p": pack_id},
        ).fetchall()
        positions = dict(
            self._conn.execute(
                "SELECT lesson, position FROM ok_positions WHERE pack_id = ?", (pack_id,)
            ).fetchall()
        )
        result: dict[str, LessonProgress] = {}
        for lesson, done, opened, seconds, last_opened in rows:
            status: Status = "done" if done else "in_progress" if opened else "new"
            result[lesson] = LessonProgress(
                status, float(seconds or 0), float(positions.get(lesson, 0.0)), last_opened
            )
        return result

    def last_lesson(self, pack_id: str) -> str | None:
        """The lesson opened most recently (for "continue where I left off")."""
        row = self._conn.execute(
            "SELECT lesson FROM ok_lesson_events WHERE pack_id = ? AND kind = 'opened'"
            " ORDER BY at DESC LIMIT 1",
            (pack_id,),
        ).fetchone()
        return None if row is None else str(row[0])

    # -- quizzes and review ------------------------------------------------------------

    def record_answer(
        self,
        pack_id: str,
        lesson: str,
        question_id: str,
        *,
        score: float,
        correct: bool,
        hinted: bool,
        response: str,
        seconds: float,
    ) -> None:
        """Append one answered question (never updated afterwards)."""
        row = (uuid.uuid4().hex, pack_id, lesson, question_id, score, int(correct), int(hinted))
        self._write([(insert_sql("answers"), (*row, response, seconds, _now()))])

    def record_quiz_attempt(
        self, pack_id: str, lesson: str, *, score: float, total: int, seconds: float
    ) -> None:
        """Append one finished quiz: ``score`` is the sum of question scores out of ``total``."""
        row = (uuid.uuid4().hex, pack_id, lesson, score, total, seconds, _now())
        self._write([(insert_sql("quiz_attempts"), row)])

    def best_quiz_scores(self, pack_id: str) -> dict[str, float]:
        """Best finished-quiz score per lesson, as a fraction 0..1, since the last reset."""
        rows = self._conn.execute(
            f"""
            SELECT q.lesson, MAX(q.score * 1.0 / q.total) FROM ok_quiz_attempts q
            WHERE q.pack_id = :p AND q.total > 0 AND {_since_reset("q")}
            GROUP BY q.lesson
            """,
            {"p": pack_id},
        )
        return {str(lesson): min(float(best), 1.0) for lesson, best in rows}

    def answers(self, pack_id: str, lesson: str | None = None) -> list[AnswerRow]:
        """Every answer in a pack (or one lesson of it), oldest first."""
        where, args = _lesson_filter(pack_id, lesson)
        rows = self._conn.execute(
            "SELECT lesson, question_id, score, correct, hinted, response, at FROM ok_answers"
            f" WHERE {where} ORDER BY at, seq",
            args,
        )
        return [
            AnswerRow(lesson, question, float(score), bool(correct), bool(hinted), text, _dt(at))
            for lesson, question, score, correct, hinted, text, at in rows
        ]

    def get_card(self, pack_id: str, lesson: str, question_id: str) -> str | None:
        """The FSRS card of a question, as JSON; None before its first answer."""
        row = self._conn.execute(
            "SELECT card FROM ok_review_cards WHERE pack_id = ? AND lesson = ? AND question_id = ?",
            (pack_id, lesson, question_id),
        ).fetchone()
        return None if row is None else str(row[0])

    def put_card(
        self, pack_id: str, lesson: str, question_id: str, card_json: str, due: datetime
    ) -> None:
        """Store a question's rescheduled card (the newest write wins)."""
        self._write([_upsert_card((pack_id, lesson, question_id, card_json, _ts(due), _now()))])

    def due_cards(self, pack_id: str, now: datetime) -> list[DueCard]:
        """Review cards due at ``now``, oldest first, across all lessons of the pack."""
        rows = self._conn.execute(
            "SELECT lesson, question_id, card, due FROM ok_review_cards"
            " WHERE pack_id = ? AND due <= ? ORDER BY due, lesson, question_id",
            (pack_id, _ts(now)),
        )
        return [DueCard(lesson, question, card, _dt(due)) for lesson, question, card, due in rows]

    # -- the live lab ------------------------------------------------------------------

    def record_prediction(
        self, pack_id: str, lesson: str, demo: int, guess: str, actual: str, correct: bool
    ) -> None:
        """Append the learner's guess before demo number ``demo`` ran, and what the model did."""
        row = (uuid.uuid4().hex, pack_id, lesson, demo, guess, actual, int(correct), _now())
        self._write([(insert_sql("predictions"), row)])

    def prediction_score(self, pack_id: str) -> tuple[int, int]:
        """(right, total) of the learner's predictions in a pack since its last reset."""
        right, total = self._conn.execute(
            f"SELECT COALESCE(SUM(p.correct != 0), 0), COUNT(*) FROM ok_predictions p"
            f" WHERE p.pack_id = :p AND {_since_reset('p')}",
            {"p": pack_id},
        ).fetchone()
        return int(right), int(total)

    def record_vote(
        self,
        prompt: str,
        answer_a: str,
        answer_b: str,
        settings_a: dict[str, Any],
        settings_b: dict[str, Any],
        vote: Vote,
        model_sha256: str,
    ) -> None:
        """Append one preference vote (``vote`` is 'a', 'b', 'tie' or 'both_bad')."""
        if vote not in VOTES:
            raise ValueError(f"vote must be one of {', '.join(VOTES)}, not {vote!r}")
        settings = (_settings_text(settings_a), _settings_text(settings_b))
        row = (uuid.uuid4().hex, prompt, answer_a, answer_b, *settings, vote, model_sha256, _now())
        self._write([(insert_sql("preference_votes"), row)])

    def record_votes(self, votes: Iterable[Mapping[str, Any]]) -> bool:
        """Append many votes (an import) in one transaction: all of them, or none.

        Each vote is a mapping with record_vote's arguments as keys. False if not written.
        """
        commands: list[Command] = []
        for v in votes:
            if v["vote"] not in VOTES:
                raise ValueError(f"vote must be one of {', '.join(VOTES)}, not {v['vote']!r}")
            settings = (_settings_text(v["settings_a"]), _settings_text(v["settings_b"]))
            row = (uuid.uuid4().hex, v["prompt"], v["answer_a"], v["answer_b"], *settings)
            sql = insert_sql("preference_votes")
            commands.append((sql, (*row, v["vote"], v["model_sha256"], _now())))
        return self._write(commands)

    def votes(self) -> list[VoteRow]:
        """Every preference vote, oldest first."""
        rows = self._conn.execute(
            "SELECT prompt, answer_a, answer_b, settings_a, settings_b, vote, model_sha256, at"
            " FROM ok_preference_votes ORDER BY at, seq"
        )
        return [
            VoteRow(
                prompt=prompt,
                answer_a=answer_a,
                answer_b=answer_b,
                settings_a=json.loads(settings_a),
                settings_b=json.loads(settings_b),
                vote=vote,
                model_sha256=model_sha256,
                at=_dt(at),
            )
            for prompt, answer_a, answer_b, settings_a, settings_b, vote, model_sha256, at in rows
        ]

    # -- export / import ---------------------------------------------------------------

    def export_data(self) -> dict[str, object]:
        """Every sane row, as plain JSON-able data (see ``tutor.core.transfer``)."""
        tables = {}
        for name, table in TABLES.items():
            columns = table.names
            cursor = self._conn.execute(f"SELECT {', '.join(columns)} FROM ok_{name} ORDER BY seq")
            tables[name] = [dict(zip(columns, row, strict=True)) for row in cursor]
        return {"learner_id": self.learner_id(), "tables": tables}

    def import_rows(self, tables: dict[str, list[dict[str, object]]]) -> int:
        """Merge validated rows from another store: union of events, latest wins for state.

        Returns how many rows were added or updated (0 when nothing could be written).
        """
        before = self._conn.total_changes
        commands: list[Command] = []
        for name in EVENT_TABLES:
            insert = insert_sql(name).replace("INSERT", "INSERT OR IGNORE", 1)
            commands += [(insert, _values(name, row)) for row in tables.get(name, [])]
        position = (
            insert_sql("positions") + " ON CONFLICT (pack_id, lesson) DO UPDATE SET"
            " position = excluded.position, at = excluded.at WHERE excluded.at > at"
        )
        commands += [(position, _values("positions", row)) for row in tables.get("positions", [])]
        cards = tables.get("review_cards", [])
        commands += [_upsert_card(_values("review_cards", row), newer_only=True) for row in cards]
        if not self._write(commands):
            return 0
        return self._conn.total_changes - before


def lesson_to_continue(store: ProgressStore, pack: Pack) -> str:
    """Where "continue" goes: the lesson last opened, else the first one not done yet.

    A last lesson the pack no longer has is ignored; when every lesson is done, the first.
    """
    slug = store.last_lesson(pack.id)
    slugs = [lesson.slug for lesson in pack.lessons]
    if slug in slugs:
        return slug
    progress = store.lesson_progress(pack.id)
    pending = [s for s in slugs if s not in progress or progress[s].status != "done"]
    return pending[0] if pending else slugs[0]


def _values(table: str, row: dict[str, object]) -> tuple[object, ...]:
    """A row's values in the table's declared column order."""
    return tuple(row[name] for name in TABLES[table].names)


def _upsert_card(values: tuple[object, ...], *, newer_only: bool = False) -> Command:
    """Insert a card, or replace the stored one when this one was updated later."""
    # Imports keep the local card on a tie, so importing the same file again changes nothing.
    op = ">" if newer_only else ">="
    sql = (
        insert_sql("review_cards") + " ON CONFLICT (pack_id, lesson, question_id) DO UPDATE SET"
        " card = excluded.card, due = excluded.due, updated_at = excluded.updated_at"
        f" WHERE excluded.updated_at {op} updated_at"
    )
    return sql, values


def _since_reset(alias: str) -> str:
    """SQL: row ``alias`` is newer than the last reset of its lesson (or of the whole pack)."""
    return (
        f"{alias}.at > COALESCE((SELECT MAX(at) FROM ok_lesson_events e"
        f" WHERE e.pack_id = {alias}.pack_id AND e.kind = 'reset'"
        f" AND e.lesson IN ({alias}.lesson, '{ALL_LESSONS}')), 0)"
    )


def _settings_text(settings: dict[str, Any]) -> str:
    """Sampler settings as the JSON text the table keeps (sorted keys: same settings, same text)."""
    return json.dumps(settings, sort_keys=True, allow_nan=False)


def _lesson_filter(pack_id: str, lesson: str | None) -> tuple[str, tuple[str, ...]]:
    """SQL selecting a pack's rows, or one lesson's."""
    if lesson is None:
        return "pack_id = ?", (pack_id,)
    return "pack_id = ? AND lesson = ?", (pack_id, lesson)
