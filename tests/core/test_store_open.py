"""Opening the progress store: exact schema, migrations, refusal of newer files, damage handling."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import repo_env
from tutor.core import paths, progress_schema
from tutor.core.progress import ProgressStore, StoreError

# The schema exactly as migrations 0001_initial and 0002_lab write it. Changing the schema means
# adding a migration *and* updating this list on purpose; an accidental change fails here.
EXPECTED_SCHEMA = [
    ("answers_by_lesson", "CREATE INDEX answers_by_lesson ON answers (pack_id, lesson)"),
    (
        "lesson_events_by_lesson",
        "CREATE INDEX lesson_events_by_lesson ON lesson_events (pack_id, lesson, kind)",
    ),
    ("predictions_by_pack", "CREATE INDEX predictions_by_pack ON predictions (pack_id, lesson)"),
    (
        "answers",
        "CREATE TABLE answers (\n"
        "            uuid        TEXT PRIMARY KEY,\n"
        "            pack_id     TEXT NOT NULL,\n"
        "            lesson      TEXT NOT NULL,\n"
        "            question_id TEXT NOT NULL,\n"
        "            score       REAL NOT NULL,\n"
        "            correct     INTEGER NOT NULL,\n"
        "            hinted      INTEGER NOT NULL,\n"
        "            response    TEXT NOT NULL,\n"
        "            seconds     REAL NOT NULL,\n"
        "            at          REAL NOT NULL\n"
        "        )",
    ),
    (
        "lesson_events",
        "CREATE TABLE lesson_events (\n"
        "            uuid    TEXT PRIMARY KEY,\n"
        "            pack_id TEXT NOT NULL,\n"
        "            lesson  TEXT NOT NULL,\n"
        "            kind    TEXT NOT NULL CHECK ("
        "kind IN ('opened', 'completed', 'time', 'reset')),\n"
        "            seconds REAL NOT NULL DEFAULT 0,\n"
        "            at      REAL NOT NULL\n"
        "        )",
    ),
    (
        "meta",
        "CREATE TABLE meta (\n"
        "            key   TEXT PRIMARY KEY,\n"
        "            value TEXT NOT NULL\n"
        "        )",
    ),
    (
        "migrations",
        "CREATE TABLE migrations (\n"
        "            name       TEXT PRIMARY KEY,\n"
        "            applied_at REAL NOT NULL\n"
        "        )",
    ),
    (
        "positions",
        "CREATE TABLE positions (\n"
        "            pack_id  TEXT NOT NULL,\n"
        "            lesson   TEXT NOT NULL,\n"
        "            position REAL NOT NULL,\n"
        "            at       REAL NOT NULL,\n"
        "            PRIMARY KEY (pack_id, lesson)\n"
        "        )",
    ),
    (
        "predictions",
        "CREATE TABLE predictions (\n"
        "            uuid    TEXT PRIMARY KEY,\n"
        "            pack_id TEXT NOT NULL,\n"
        "            lesson  TEXT NOT NULL,\n"
        "            demo    INTEGER NOT NULL,\n"
        "            guess   TEXT NOT NULL,\n"
        "            actual  TEXT NOT NULL,\n"
        "            correct INTEGER NOT NULL,\n"
        "            at      REAL NOT NULL\n"
        "        )",
    ),
    (
        "preference_votes",
        "CREATE TABLE preference_votes (\n"
        "            uuid         TEXT PRIMARY KEY,\n"
        "            prompt       TEXT NOT NULL,\n"
        "            answer_a     TEXT NOT NULL,\n"
        "            answer_b     TEXT NOT NULL,\n"
        "            settings_a   TEXT NOT NULL,\n"
        "            settings_b   TEXT NOT NULL,\n"
        "            vote         TEXT NOT NULL CHECK (vote IN ('a', 'b', 'tie', 'both_bad')),\n"
        "            model_sha256 TEXT NOT NULL,\n"
        "            at           REAL NOT NULL\n"
        "        )",
    ),
    (
        "quiz_attempts",
        "CREATE TABLE quiz_attempts (\n"
        "            uuid    TEXT PRIMARY KEY,\n"
        "            pack_id TEXT NOT NULL,\n"
        "            lesson  TEXT NOT NULL,\n"
        "            score   REAL NOT NULL,\n"
        "            total   INTEGER NOT NULL,\n"
        "            seconds REAL NOT NULL,\n"
        "            at      REAL NOT NULL\n"
        "        )",
    ),
    (
        "review_cards",
        "CREATE TABLE review_cards (\n"
        "            pack_id     TEXT NOT NULL,\n"
        "            lesson      TEXT NOT NULL,\n"
        "            question_id TEXT NOT NULL,\n"
        "            card        TEXT NOT NULL,\n"
        "            due         REAL NOT NULL,\n"
        "            updated_at  REAL NOT NULL,\n"
        "            PRIMARY KEY (pack_id, lesson, question_id)\n"
        "        )",
    ),
]
EXPECTED_MIGRATIONS = ["0001_initial", "0002_lab"]


def pragma(db: Path, name: str) -> object:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def fill(db: Path, answers: int = 20) -> None:
    """A real store with enough data to span many pages (each write is one fsync'd commit)."""
    with ProgressStore.open(db) as store:
        for i in range(answers):
            store.record_answer(
                "p",
                "l",
                f"q{i}",
                score=1.0,
                correct=True,
                hinted=False,
                response="x" * 5000,
                seconds=1.0,
            )


# -- schema and migrations ---------------------------------------------------------------------


def test_fresh_store_has_exactly_the_expected_schema(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    with ProgressStore.open(db) as store:
        assert store.schema() == EXPECTED_SCHEMA
    assert pragma(db, "user_version") == len(EXPECTED_MIGRATIONS) == len(progress_schema.MIGRATIONS)
    assert [r[0] for r in rows(db, "SELECT name FROM migrations ORDER BY rowid")] == (
        EXPECTED_MIGRATIONS
    )
    assert [m[0] for m in progress_schema.MIGRATIONS] == EXPECTED_MIGRATIONS


def test_store_uses_a_rollback_journal_not_wal(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    with ProgressStore.open(db) as store:
        store.lesson_opened("p", "l")
        assert pragma(db, "journal_mode") == "delete"
    assert not db.with_name(db.name + "-wal").exists()
    assert not db.with_name(db.name + "-shm").exists()


def test_default_location_follows_llm_tutor_home(private_home: Path) -> None:
    with ProgressStore.open() as store:
        assert store.path == private_home / "progress.sqlite3" == paths.database_file()
    assert (private_home / "progress.sqlite3").is_file()


def test_learner_id_is_stable_across_reopen(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    with ProgressStore.open(db) as store:
        first = store.learner_id()
    with ProgressStore.open(db) as store:
        assert store.learner_id() == first
        assert store.report.notices == []
    assert len(first) == 32
    with ProgressStore.open(tmp_path / "other.sqlite3") as other:
        assert other.learner_id() != first


def test_reopening_a_current_store_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    with ProgressStore.open(db):
        pass
    before = rows(db, "SELECT name, applied_at FROM migrations")
    with ProgressStore.open(db):
        pass
    assert rows(db, "SELECT name, applied_at FROM migrations") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.sqlite3"]  # no backup


def test_database_from_a_newer_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    fill(db, answers=3)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = db.read_bytes()

    with pytest.raises(StoreError) as caught:
        ProgressStore.open(db)

    message = str(caught.value)
    assert str(db) in message
    assert "newer" in message
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.sqlite3"]


MIGRATE_WITH_EXTRA = r"""
import json, sys
from pathlib import Path
from tutor.core import progress, progress_schema

extra = ("0003_test_extra", "CREATE TABLE extra (x INTEGER); CREATE INDEX extra_x ON extra (x)")
# a future version with one more migration
progress_schema.MIGRATIONS = (*progress_schema.MIGRATIONS, extra)
with progress.ProgressStore.open(Path(sys.argv[1])) as store:
    print(json.dumps({
        "learner": store.learner_id(),
        "answers": len(store.answers("p")),
        "names": [name for name, _ in store.schema()],
        "notices": store.report.notices,
    }))
"""


def test_migrating_an_older_schema_makes_a_backup_first(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    fill(db, answers=5)
    with ProgressStore.open(db) as store:
        learner = store.learner_id()

    # In a child process with a timeout: a migration that hangs must fail, not stall the suite.
    env = repo_env()
    result = subprocess.run(
        [sys.executable, "-c", MIGRATE_WITH_EXTRA, str(db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    opened = json.loads(result.stdout)

    assert opened["learner"] == learner
    assert opened["answers"] == 5
    assert opened["notices"] == []
    assert {"extra", "extra_x"} <= set(opened["names"])
    assert pragma(db, "user_version") == 3
    assert [r[0] for r in rows(db, "SELECT name FROM migrations ORDER BY rowid")] == [
        "0001_initial",
        "0002_lab",
        "0003_test_extra",
    ]
    backup = tmp_path / "progress.sqlite3.before-0003_test_extra.bak"
    assert backup.is_file()
    assert pragma(backup, "user_version") == 2
    assert rows(backup, "SELECT count(*) FROM answers") == [(5,)]
    assert rows(backup, "SELECT name FROM sqlite_master WHERE name = 'extra'") == []
    assert rows(backup, "PRAGMA integrity_check") == [("ok",)]
    # and this version, which knows one migration fewer, now refuses the migrated file
    with pytest.raises(StoreError, match="newer"):
        ProgressStore.open(db)


def test_a_store_of_the_first_version_gains_the_lab_tables(tmp_path: Path) -> None:
    """A database written before 0002_lab (schema 1) is backed up, migrated, and keeps its data."""
    db = tmp_path / "progress.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    for statement in progress_schema.statements(progress_schema.MIGRATIONS[0][1]):
        conn.execute(statement)
    conn.execute("INSERT INTO migrations VALUES ('0001_initial', 1.0)")
    conn.execute("INSERT INTO meta VALUES ('learner_id', 'abc')")
    conn.execute(
        "INSERT INTO lesson_events VALUES (lower(hex(randomblob(16))), 'p', 'l', 'opened', 0, 5)"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.close()

    with ProgressStore.open(db) as store:
        assert store.learner_id() == "abc"
        assert store.lesson_progress("p")["l"].status == "in_progress"
        store.record_prediction("p", "l", 0, " mat", " mat", True)
        assert store.prediction_score("p") == (1, 1)
    assert pragma(db, "user_version") == 2
    assert (tmp_path / "progress.sqlite3.before-0002_lab.bak").is_file()


# -- damaged files -----------------------------------------------------------------------------


def _truncated_db(tmp_path: Path) -> bytes:
    source = tmp_path / "source" / "full.sqlite3"
    source.parent.mkdir()
    fill(source)
    data = source.read_bytes()
    return data[: len(data) // 2]


CORRUPT_CONTENTS = {
    "random-bytes": lambda tmp: os.urandom(4096 * 3),
    "text-file": lambda tmp: b"These are my lecture notes, not a database.\n" * 50,
    "truncated-db": _truncated_db,
    "header-only": lambda tmp: b"SQLite format 3\x00" + os.urandom(84),
}


@pytest.mark.parametrize("kind", sorted(CORRUPT_CONTENTS))
def test_corrupt_file_is_moved_aside_reported_and_replaced(tmp_path: Path, kind: str) -> None:
    db = tmp_path / "progress.sqlite3"
    damaged = CORRUPT_CONTENTS[kind](tmp_path)
    db.write_bytes(damaged)

    with ProgressStore.open(db) as store:
        notices = list(store.report.notices)
        store.lesson_completed("p", "l")
        assert store.lesson_progress("p")["l"].status == "done"

    moved = sorted(tmp_path.glob("progress.sqlite3.corrupt-*"))
    assert len(moved) == 1
    assert moved[0].read_bytes() == damaged  # nothing was lost
    assert len(notices) == 1
    assert str(db) in notices[0] and str(moved[0]) in notices[0]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_a_second_corrupt_file_does_not_overwrite_the_first(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    contents = [b"first garbage " * 100, b"second garbage " * 100]
    for content in contents:
        db.write_bytes(content)
        ProgressStore.open(db).close()
    moved = sorted(tmp_path.glob("progress.sqlite3.corrupt-*"))
    assert sorted(p.read_bytes() for p in moved) == sorted(contents)


def test_empty_file_is_a_new_store_not_corruption(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    db.write_bytes(b"")
    with ProgressStore.open(db) as store:
        assert store.report.notices == []
        assert store.schema() == EXPECTED_SCHEMA


KILLED_WRITER = r"""
import os, signal, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size = 5")  # tiny cache: changed pages spill into the file itself
conn.execute("BEGIN IMMEDIATE")
conn.execute("DELETE FROM answers")
for i in range(300):
    conn.execute(
        "INSERT INTO answers VALUES (?, 'p', 'l', ?, 1, 1, 0, ?, 1, 0)",
        (f"doomed{i}", f"doomed{i}", "y" * 2000),
    )
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_hot_journal_from_a_killed_writer_is_rolled_back_not_called_corrupt(
    tmp_path: Path,
) -> None:
    db = tmp_path / "progress.sqlite3"
    fill(db, answers=20)
    committed = db.read_bytes()

    result = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(db)], check=False)

    assert result.returncode == -signal.SIGKILL
    journal = db.with_name(db.name + "-journal")
    assert journal.is_file() and journal.stat().st_size > 0  # a hot journal was left behind
    assert db.read_bytes() != committed  # and the uncommitted pages reached the file
    with ProgressStore.open(db) as store:
        assert store.report.notices == []
        answers = store.answers("p")
    assert sorted(a.question_id for a in answers) == sorted(f"q{i}" for i in range(20))
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert not journal.exists()
    assert list(tmp_path.glob("*.corrupt-*")) == []
