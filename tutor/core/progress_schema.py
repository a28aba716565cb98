"""The progress database's schema: its migrations, and every table's columns declared once.

The migrations are history: named, append-only SQL scripts, never edited after they ship (a
test checks that what they build is exactly :data:`TABLES`). :data:`TABLES` is the one
declaration of each table's columns and of the values each column may hold; from it come the
SQL column lists the store reads and writes, the rows an export writes, the checks an import
makes (``tutor.core.transfer``) and the checks that let readers skip a damaged row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

# ``PRAGMA application_id`` of every database this app writes ("LLMT"), and a row in ``meta``:
# together they tell our file from any other SQLite file, which is never written into.
APPLICATION_ID = 0x4C4C4D54
MARKER_KEY, MARKER_VALUE = "app", "llm-tutor progress"
ALL_LESSONS = "*"  # the lesson of a reset event that resets every lesson of a pack

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

# -- the values a column may hold ------------------------------------------------------------

# Timestamps (seconds since 1970) from 1970 to the year 3000: FSRS may schedule a card a
# century ahead, and anything outside this range cannot be shown as a date anyway.
MAX_TIME = 32_503_680_000.0
MAX_SECONDS = 1e9  # about 30 years of reading time in one event: more is damage
MAX_TEXT = 100_000  # characters in one text value (an answer, a prompt, a card)
MAX_NAME = 200  # characters in a slug (pack, lesson, question)

Kind = Literal["uuid", "slug", "lesson", "text", "json", "number", "count", "flag", "time", "enum"]


@dataclass(frozen=True)
class Column:
    """One column: its name, what kind of value it holds, and the range allowed.

    Kinds: ``uuid`` (32 hex digits), ``slug`` (a pack, lesson or question id), ``lesson`` (a slug
    or ``*``), ``text``, ``json`` (the JSON text of an object),
    ``number`` (finite, ``low``..``high``), ``count`` (a whole number, ``low``..``high``),
    ``flag`` (0 or 1), ``time`` (a timestamp, 0..``MAX_TIME``), ``enum`` (one of ``choices``).
    Imports check each kind with pydantic (``tutor.core.transfer``); readers with SQL.
    """

    name: str
    kind: Kind
    low: float = 0.0
    high: float = math.inf
    choices: tuple[str, ...] = ()

    def sql_check(self) -> str:
        """An SQL condition true when this column of a row holds a value it may hold.

        Readers add it to their queries, so a damaged row already in the database (written by
        an old import, or by hand) is skipped instead of breaking the app's start.
        """
        ref = self.name
        if self.kind in ("number", "time", "count", "flag"):
            types = "'integer'" if self.kind in ("count", "flag") else "'integer', 'real'"
            high = {"time": MAX_TIME, "flag": 1}.get(self.kind, self.high)
            return f"(typeof({ref}) IN ({types}) AND {ref} BETWEEN {self.low!r} AND {high!r})"
        if self.kind == "enum":
            return f"{ref} IN ({', '.join(repr(choice) for choice in self.choices)})"
        text = f"typeof({ref}) = 'text'"
        if self.kind == "uuid":
            return f"({text} AND length({ref}) = 32 AND {ref} NOT GLOB '*[^0-9a-f]*')"
        if self.kind in ("slug", "lesson"):
            slug = (
                f"({text} AND length({ref}) BETWEEN 1 AND {MAX_NAME}"
                f" AND {ref} NOT GLOB '*[^a-z0-9-]*')"
            )
            return f"({ref} = '{ALL_LESSONS}' OR {slug})" if self.kind == "lesson" else slug
        if self.kind == "json":
            valid = f"CASE WHEN json_valid({ref}) THEN json_type({ref}) = 'object' ELSE 0 END"
            return f"({text} AND length({ref}) <= {MAX_TEXT} AND {valid})"
        return f"({text} AND length({ref}) <= {MAX_TEXT})"


@dataclass(frozen=True)
class Table:
    """A table's columns in order; ``events`` tables are append-only and merged by uuid."""

    name: str
    columns: tuple[Column, ...]
    events: bool

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in the order exports write them."""
        return tuple(column.name for column in self.columns)

    def valid(self) -> str:
        """An SQL condition true for a row whose every value is one its column may hold."""
        return " AND ".join(column.sql_check() for column in self.columns)


UUID = Column("uuid", "uuid")
PACK = Column("pack_id", "slug")
AT = Column("at", "time")
SECONDS = Column("seconds", "number", high=MAX_SECONDS)

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        Table(
            "lesson_events",
            (
                UUID,
                PACK,
                Column("lesson", "lesson"),
                Column("kind", "enum", choices=("opened", "completed", "time", "reset")),
                SECONDS,
                AT,
            ),
            events=True,
        ),
        Table(
            "answers",
            (
                UUID,
                PACK,
                Column("lesson", "slug"),
                Column("question_id", "slug"),
                Column("score", "number", high=1.0),
                Column("correct", "flag"),
                Column("hinted", "flag"),
                Column("response", "text"),
                SECONDS,
                AT,
            ),
            events=True,
        ),
        Table(
            "quiz_attempts",
            (
                UUID,
                PACK,
                Column("lesson", "slug"),
                Column("score", "number", high=10_000),
                Column("total", "count", high=10_000),
                SECONDS,
                AT,
            ),
            events=True,
        ),
        Table(
            "predictions",
            (
                UUID,
                PACK,
                Column("lesson", "slug"),
                Column("demo", "count", high=10_000),
                Column("guess", "text"),
                Column("actual", "text"),
                Column("correct", "flag"),
                AT,
            ),
            events=True,
        ),
        Table(
            "preference_votes",
            (
                UUID,
                Column("prompt", "text"),
                Column("answer_a", "text"),
                Column("answer_b", "text"),
                Column("settings_a", "json"),
                Column("settings_b", "json"),
                Column("vote", "enum", choices=("a", "b", "tie", "both_bad")),
                Column("model_sha256", "text"),
                AT,
            ),
            events=True,
        ),
        Table(
            "positions",
            (PACK, Column("lesson", "slug"), Column("position", "number", high=1.0), AT),
            events=False,
        ),
        Table(
            "review_cards",
            (
                PACK,
                Column("lesson", "slug"),
                Column("question_id", "slug"),
                Column("card", "json"),
                Column("due", "time"),
                Column("updated_at", "time"),
            ),
            events=False,
        ),
    )
}
EVENT_TABLES = tuple(name for name, table in TABLES.items() if table.events)
STATE_TABLES = tuple(name for name, table in TABLES.items() if not table.events)


def insert_sql(table: str) -> str:
    """``INSERT INTO table (columns...) VALUES (?, ...)`` for every column of ``table``."""
    names = TABLES[table].names
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"


def statements(script: str) -> list[str]:
    """A migration script as single statements (sqlite3 executes one at a time)."""
    return [s.strip() for s in script.split(";") if s.strip()]
