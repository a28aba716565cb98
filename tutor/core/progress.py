"""The learner's progress, kept in SQLite and safe on a shared lab machine.

Design, in short:

* **Events, not counters.** Opening, finishing, time spent, quiz answers and attempts are
  append-only rows with a random UUID. Lesson status and time are *derived* from them, so two
  app instances never overwrite each other, and merging an export from another machine is just
  a union of rows (importing the same file twice changes nothing).
* **NFS-friendly SQLite.** Rollback journal (WAL needs shared memory, which breaks on NFS home
  directories), every write a short ``BEGIN IMMEDIATE`` transaction, and a busy timeout so a
  second instance waits instead of failing.
* **Nothing is lost or silently replaced.** A corrupt file is moved aside and reported; a
  database from a newer version is refused; a copy is made before any migration.

Progress is keyed by pack id + lesson slug (and question id), never by position in a list.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from tutor.core import paths

Status = Literal["new", "in_progress", "done"]
ALL_LESSONS = "*"
BUSY_TIMEOUT_MS = 10_000

# Named, append-only migrations: never edit one that has shipped, add a new one.
MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_initial",
        """
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE migrations (
            name       TEXT PRIMARY KEY,
            applied_at REAL NOT NULL
        );
        CREATE TABLE lesson_events (
            uuid    TEXT PRIMARY KEY,
            pack_id TEXT NOT NULL,
            lesson  TEXT NOT NULL,
            kind    TEXT NOT NULL CHECK (kind IN ('opened', 'completed', 'time', 'reset')),
            seconds REAL NOT NULL DEFAULT 0,
            at      REAL NOT NULL
        );
        CREATE INDEX lesson_events_by_lesson ON lesson_events (pack_id, lesson, kind);
        CREATE TABLE positions (
            pack_id  TEXT NOT NULL,
            lesson   TEXT NOT NULL,
            position REAL NOT NULL,
            at       REAL NOT NULL,
            PRIMARY KEY (pack_id, lesson)
        );
        CREATE TABLE answers (
            uuid        TEXT PRIMARY KEY,
            pack_id     TEXT NOT NULL,
            lesson      TEXT NOT NULL,
            question_id TEXT NOT NULL,
            score       REAL NOT NULL,
            correct     INTEGER NOT NULL,
            hinted      INTEGER NOT NULL,
            response    TEXT NOT NULL,
            seconds     REAL NOT NULL,
            at          REAL NOT NULL
        );
        CREATE INDEX answers_by_lesson ON answers (pack_id, lesson);
        CREATE TABLE quiz_attempts (
            uuid    TEXT PRIMARY KEY,
            pack_id TEXT NOT NULL,
            lesson  TEXT NOT NULL,
            score   REAL NOT NULL,
            total   INTEGER NOT NULL,
            seconds REAL NOT NULL,
            at      REAL NOT NULL
        );
        CREATE TABLE review_cards (
            pack_id     TEXT NOT NULL,
            lesson      TEXT NOT NULL,
            question_id TEXT NOT NULL,
            card        TEXT NOT NULL,
            due         REAL NOT NULL,
            updated_at  REAL NOT NULL,
            PRIMARY KEY (pack_id, lesson, question_id)
        );
        """,
    ),
    (
        "0002_lab",
        """
        CREATE TABLE predictions (
            uuid    TEXT PRIMARY KEY,
            pack_id TEXT NOT NULL,
            lesson  TEXT NOT NULL,
            demo    INTEGER NOT NULL,
            guess   TEXT NOT NULL,
            actual  TEXT NOT NULL,
            correct INTEGER NOT NULL,
            at      REAL NOT NULL
        );
        CREATE INDEX predictions_by_pack ON predictions (pack_id, lesson);
        CREATE TABLE preference_votes (
            uuid         TEXT PRIMARY KEY,
            prompt       TEXT NOT NULL,
            answer_a     TEXT NOT NULL,
            answer_b     TEXT NOT NULL,
            settings_a   TEXT NOT NULL,
            settings_b   TEXT NOT NULL,
            vote         TEXT NOT NULL CHECK (vote IN ('a', 'b', 'tie', 'both_bad')),
            model_sha256 TEXT NOT NULL,
            at           REAL NOT NULL
        );
        """,
    ),
)


# Columns of the append-only tables, in the order exports write them.
EVENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "lesson_events": ("uuid", "pack_id", "lesson", "kind", "seconds", "at"),
    "answers": (
        "uuid",
        "pack_id",
        "lesson",
        "question_id",
        "score",
        "correct",
        "hinted",
        "response",
        "seconds",
        "at",
    ),
    "quiz_attempts": ("uuid", "pack_id", "lesson", "score", "total", "seconds", "at"),
    "predictions": ("uuid", "pack_id", "lesson", "demo", "guess", "actual", "correct", "at"),
    "preference_votes": (
        "uuid",
        "prompt",
        "answer_a",
        "answer_b",
        "settings_a",
        "settings_b",
        "vote",
        "model_sha256",
        "at",
    ),
}
STATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "positions": ("pack_id", "lesson", "position", "at"),
    "review_cards": ("pack_id", "lesson", "question_id", "card", "due", "updated_at"),
}


class StoreError(Exception):
    """The progress store cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class LessonProgress:
    """What the learner has done in one lesson."""

    status: Status = "new"
    seconds: float = 0.0
    position: float = 0.0
    last_opened: float | None = None


@dataclass(frozen=True)
class AnswerRow:
    lesson: str
    question_id: str
    score: float
    correct: bool
    hinted: bool
    response: str
    at: datetime


@dataclass(frozen=True)
class DueCard:
    lesson: str
    question_id: str
    card_json: str
    due: datetime


Vote = Literal["a", "b", "tie", "both_bad"]
VOTES: tuple[Vote, ...] = ("a", "b", "tie", "both_bad")


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


@dataclass
class OpenReport:
    """What the learner should be told after opening the store (e.g. a corrupt file moved)."""

    notices: list[str] = field(default_factory=list)


def _now() -> float:
    return time.time()


def _ts(value: datetime) -> float:
    return value.timestamp()


def _dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


class ProgressStore:
    """All reads and writes of learner progress. One instance per process is enough."""

    def __init__(self, conn: sqlite3.Connection, path: Path, report: OpenReport) -> None:
        self._conn = conn
        self.path = path
        self.report = report

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None) -> ProgressStore:
        """Open (creating, checking and migrating as needed) the store at ``path``."""
        path = path or paths.database_file()
        report = OpenReport()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data directory {path.parent}: {exc}") from exc
        if path.exists() and not _looks_healthy(path):
            aside = _move_aside(path)
            report.notices.append(
                f"The progress database {path} was damaged and has been moved to {aside}. "
                "A new one was started; nothing was deleted."
            )
        conn = _connect(path)
        store = cls(conn, path, report)
        try:
            store._migrate()
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction that takes the write lock up front (no deadlock upgrades)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _migrate(self) -> None:
        with self._write() as conn:
            applied = conn.execute("PRAGMA user_version").fetchone()[0]
            if applied > len(MIGRATIONS):
                raise StoreError(
                    f"{self.path} was written by a newer version of llm-tutor (schema "
                    f"{applied}, this version knows {len(MIGRATIONS)}). Upgrade llm-tutor, "
                    f"or set LLM_TUTOR_HOME to use a different data directory."
                )
            if applied == len(MIGRATIONS):
                return
            if applied > 0:
                self._backup(f"before-{MIGRATIONS[applied][0]}")
            for name, script in MIGRATIONS[applied:]:
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, _now())
                )
            conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('learner_id', ?)",
                (uuid.uuid4().hex,),
            )

    def _backup(self, label: str) -> Path:
        target = self.path.with_name(f"{self.path.name}.{label}.bak")
        # Read through a second connection: SQLite's backup refuses a source connection that
        # holds the write lock (Python would retry forever). Ours does hold it, so nobody else
        # can change the file while the copy is taken.
        source = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
        return target

    # -- identity ----------------------------------------------------------------------

    def learner_id(self) -> str:
        """A random id for this learner's data, used to shuffle quiz choices stably."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'learner_id'").fetchone()
        return str(row[0])

    def schema(self) -> list[tuple[str, str]]:
        """(name, sql) of every table and index, for the schema test and `doctor`."""
        rows = self._conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"
        )
        return [(str(name), str(sql)) for name, sql in rows]

    # -- lessons -----------------------------------------------------------------------

    def _event(self, pack_id: str, lesson: str, kind: str, seconds: float = 0.0) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO lesson_events (uuid, pack_id, lesson, kind, seconds, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (uuid.uuid4().hex, pack_id, lesson, kind, seconds, _now()),
            )

    def lesson_opened(self, pack_id: str, lesson: str) -> None:
        self._event(pack_id, lesson, "opened")

    def lesson_completed(self, pack_id: str, lesson: str) -> None:
        self._event(pack_id, lesson, "completed")

    def add_time(self, pack_id: str, lesson: str, seconds: float) -> None:
        """Add reading time; called when the learner leaves a lesson and periodically."""
        if seconds > 0:
            self._event(pack_id, lesson, "time", seconds)

    def save_position(self, pack_id: str, lesson: str, position: float) -> None:
        """Remember the scroll position (last write wins)."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO positions (pack_id, lesson, position, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (pack_id, lesson) DO UPDATE SET"
                " position = excluded.position, at = excluded.at WHERE excluded.at >= at",
                (pack_id, lesson, position, _now()),
            )

    def reset(self, pack_id: str, lesson: str | None = None) -> None:
        """Start a lesson (or, with no lesson, the whole pack) afresh; history is kept."""
        target = lesson or ALL_LESSONS
        with self._write() as conn:
            conn.execute(
                "INSERT INTO lesson_events (uuid, pack_id, lesson, kind, seconds, at)"
                " VALUES (?, ?, ?, 'reset', 0, ?)",
                (uuid.uuid4().hex, pack_id, target, _now()),
            )
            where, args = _lesson_filter(pack_id, lesson)
            conn.execute(f"DELETE FROM positions WHERE {where}", args)
            conn.execute(f"DELETE FROM review_cards WHERE {where}", args)

    def lesson_progress(self, pack_id: str) -> dict[str, LessonProgress]:
        """Status, time and position of every lesson the learner has touched in a pack."""
        rows = self._conn.execute(
            """
            WITH resets AS (
                SELECT lesson, MAX(at) AS at FROM lesson_events
                WHERE pack_id = :p AND kind = 'reset' GROUP BY lesson
            ),
            live AS (
                SELECT e.* FROM lesson_events e
                WHERE e.pack_id = :p AND e.kind != 'reset'
                  AND e.at > COALESCE((SELECT at FROM resets r WHERE r.lesson = e.lesson), 0)
                  AND e.at > COALESCE((SELECT at FROM resets r WHERE r.lesson = '*'), 0)
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
                "SELECT lesson, position FROM positions WHERE pack_id = ?", (pack_id,)
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
            "SELECT lesson FROM lesson_events WHERE pack_id = ? AND kind = 'opened'"
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
        with self._write() as conn:
            conn.execute(
                "INSERT INTO answers (uuid, pack_id, lesson, question_id, score, correct,"
                " hinted, response, seconds, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uuid.uuid4().hex,
                    pack_id,
                    lesson,
                    question_id,
                    score,
                    int(correct),
                    int(hinted),
                    response,
                    seconds,
                    _now(),
                ),
            )

    def record_quiz_attempt(
        self, pack_id: str, lesson: str, *, score: float, total: int, seconds: float
    ) -> None:
        """Append one finished quiz: ``score`` is the sum of question scores out of ``total``."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO quiz_attempts (uuid, pack_id, lesson, score, total, seconds, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (uuid.uuid4().hex, pack_id, lesson, score, total, seconds, _now()),
            )

    def best_quiz_scores(self, pack_id: str) -> dict[str, float]:
        """Best finished-quiz score per lesson, as a fraction 0..1, since the last reset."""
        rows = self._conn.execute(
            """
            SELECT q.lesson, MAX(q.score * 1.0 / q.total) FROM quiz_attempts q
            WHERE q.pack_id = :p AND q.total > 0
              AND q.at > COALESCE((SELECT MAX(at) FROM lesson_events e WHERE e.pack_id = :p
                    AND e.kind = 'reset' AND e.lesson IN (q.lesson, '*')), 0)
            GROUP BY q.lesson
            """,
            {"p": pack_id},
        )
        return {str(lesson): float(best) for lesson, best in rows}

    def answers(self, pack_id: str, lesson: str | None = None) -> list[AnswerRow]:
        where, args = _lesson_filter(pack_id, lesson)
        rows = self._conn.execute(
            "SELECT lesson, question_id, score, correct, hinted, response, at FROM answers"
            f" WHERE {where} ORDER BY at, rowid",
            args,
        )
        return [
            AnswerRow(le, q, float(s), bool(c), bool(h), r, _dt(at))
            for le, q, s, c, h, r, at in rows
        ]

    def get_card(self, pack_id: str, lesson: str, question_id: str) -> str | None:
        row = self._conn.execute(
            "SELECT card FROM review_cards WHERE pack_id = ? AND lesson = ? AND question_id = ?",
            (pack_id, lesson, question_id),
        ).fetchone()
        return None if row is None else str(row[0])

    def put_card(
        self, pack_id: str, lesson: str, question_id: str, card_json: str, due: datetime
    ) -> None:
        with self._write() as conn:
            _upsert_card(conn, (pack_id, lesson, question_id, card_json, _ts(due), _now()))

    def due_cards(self, pack_id: str, now: datetime) -> list[DueCard]:
        """Review cards due at ``now``, oldest first, across all lessons of the pack."""
        rows = self._conn.execute(
            "SELECT lesson, question_id, card, due FROM review_cards"
            " WHERE pack_id = ? AND due <= ? ORDER BY due, lesson, question_id",
            (pack_id, _ts(now)),
        )
        return [DueCard(le, q, c, _dt(d)) for le, q, c, d in rows]

    # -- the live lab ------------------------------------------------------------------

    def record_prediction(
        self, pack_id: str, lesson: str, demo: int, guess: str, actual: str, correct: bool
    ) -> None:
        """Append the learner's guess before a demo ran, and what the model did."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO predictions (uuid, pack_id, lesson, demo, guess, actual, correct, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (uuid.uuid4().hex, pack_id, lesson, demo, guess, actual, int(correct), _now()),
            )

    def prediction_score(self, pack_id: str) -> tuple[int, int]:
        """(right, total) of the learner's predictions in a pack since its last reset."""
        right, total = self._conn.execute(
            """
            SELECT COALESCE(SUM(p.correct != 0), 0), COUNT(*) FROM predictions p
            WHERE p.pack_id = :p
              AND p.at > COALESCE((SELECT MAX(at) FROM lesson_events e WHERE e.pack_id = :p
                    AND e.kind = 'reset' AND e.lesson IN (p.lesson, '*')), 0)
            """,
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
        row = (prompt, answer_a, answer_b, _settings_text(settings_a), _settings_text(settings_b))
        with self._write() as conn:
            conn.execute(
                "INSERT INTO preference_votes (uuid, prompt, answer_a, answer_b, settings_a,"
                " settings_b, vote, model_sha256, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (uuid.uuid4().hex, *row, vote, model_sha256, _now()),
            )

    def votes(self) -> list[VoteRow]:
        """Every preference vote, oldest first."""
        rows = self._conn.execute(
            "SELECT prompt, answer_a, answer_b, settings_a, settings_b, vote, model_sha256, at"
            " FROM preference_votes ORDER BY at, rowid"
        )
        return [
            VoteRow(p, a, b, json.loads(sa), json.loads(sb), v, sha, _dt(at))
            for p, a, b, sa, sb, v, sha, at in rows
        ]

    # -- export / import ---------------------------------------------------------------

    def export_data(self) -> dict[str, object]:
        """Everything, as plain JSON-able data (see ``tutor.core.transfer``)."""
        tables = {}
        for table, columns in (EVENT_COLUMNS | STATE_COLUMNS).items():
            cursor = self._conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid")
            tables[table] = [dict(zip(columns, row, strict=True)) for row in cursor]
        return {"learner_id": self.learner_id(), "tables": tables}

    def import_rows(self, tables: dict[str, list[dict[str, object]]]) -> int:
        """Merge rows from another store: union of events, latest wins for state. Returns added."""
        before = self._conn.total_changes
        with self._write() as conn:
            for table, columns in EVENT_COLUMNS.items():
                cols = ", ".join(columns)
                marks = ", ".join("?" for _ in columns)
                for row in tables.get(table, []):
                    conn.execute(
                        f"INSERT OR IGNORE INTO {table} ({cols}) VALUES ({marks})",
                        tuple(row[c] for c in columns),
                    )
            for row in tables.get("positions", []):
                conn.execute(
                    "INSERT INTO positions (pack_id, lesson, position, at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (pack_id, lesson) DO UPDATE SET position = excluded.position,"
                    " at = excluded.at WHERE excluded.at > at",
                    tuple(row[c] for c in STATE_COLUMNS["positions"]),
                )
            for row in tables.get("review_cards", []):
                values = tuple(row[c] for c in STATE_COLUMNS["review_cards"])
                _upsert_card(conn, values, newer_only=True)
        return self._conn.total_changes - before


def _upsert_card(
    conn: sqlite3.Connection, values: tuple[object, ...], *, newer_only: bool = False
) -> None:
    # Imports keep the local card on a tie, so importing the same file again changes nothing.
    op = ">" if newer_only else ">="
    conn.execute(
        "INSERT INTO review_cards (pack_id, lesson, question_id, card, due, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pack_id, lesson, question_id) DO UPDATE SET"
        " card = excluded.card, due = excluded.due, updated_at = excluded.updated_at"
        f" WHERE excluded.updated_at {op} updated_at",
        values,
    )


def _settings_text(settings: dict[str, Any]) -> str:
    """Sampler settings as the JSON text the table keeps (sorted keys: same settings, same text)."""
    return json.dumps(settings, sort_keys=True, allow_nan=False)


def _lesson_filter(pack_id: str, lesson: str | None) -> tuple[str, tuple[str, ...]]:
    if lesson is None:
        return "pack_id = ?", (pack_id,)
    return "pack_id = ? AND lesson = ?", (pack_id, lesson)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Rollback journal, not WAL: WAL's shared-memory index does not work on NFS.
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the progress database {path}: {exc}") from exc
    return conn


def _looks_healthy(path: Path) -> bool:
    """True when ``path`` is a readable SQLite database that passes a quick integrity check."""
    try:
        # Read-write on purpose: a hot journal left by a killed writer must be rolled back,
        # not mistaken for damage.
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            result = conn.execute("PRAGMA quick_check").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return "locked" in str(exc) or "busy" in str(exc)
    return result is not None and result[0] == "ok"


def _move_aside(path: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    shutil.move(path, aside)
    for suffix in ("-journal",):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            shutil.move(extra, aside.with_name(aside.name + suffix))
    return aside
