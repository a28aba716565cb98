"""The progress store in a hostile environment (issue 8): another program's database, a
read-only or full disk, damaged rows already in the file. Each case once crashed the app or
wrote into a file that was not ours; now it gets a clear message and nothing saved changes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import repo_env
from tutor.core import progress_schema
from tutor.core.progress import ProgressStore, StoreError

P = "test-pack"


def foreign(path: Path, *statements: str) -> bytes:
    """A sound SQLite file written by 'another program'; returns its bytes."""
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize(
    "statements",
    [
        ("CREATE TABLE answers (x INTEGER)",),  # was: "table answers already exists"
        ("CREATE TABLE meta (k TEXT)", "PRAGMA user_version = -1"),  # was: "meta already exists"
        ("CREATE TABLE photos (id INTEGER)",),  # was: our tables silently added
        ("PRAGMA application_id = 42", "CREATE TABLE t (x)"),
        ("PRAGMA user_version = 1", "CREATE TABLE meta (key TEXT, value TEXT)"),
    ],
    ids=["clashing-table", "negative-version", "no-clash", "other-app-id", "meta-only"],
)
def test_another_programs_database_is_refused_and_never_written(
    tmp_path: Path, statements: tuple[str, ...]
) -> None:
    db = tmp_path / "progress.sqlite3"
    before = foreign(db, *statements)
    with pytest.raises(StoreError) as caught:
        ProgressStore.open(db)
    assert "is not an llm-tutor progress database" in str(caught.value)
    assert str(db) in str(caught.value)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.sqlite3"]


def test_our_database_is_stamped_with_the_application_id(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    ProgressStore.open(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == progress_schema.APPLICATION_ID
    assert conn.execute("SELECT value FROM meta WHERE key = 'app'").fetchone() == (
        progress_schema.MARKER_VALUE,
    )
    conn.close()


def test_the_declared_columns_are_exactly_what_the_migrations_build(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    ProgressStore.open(db).close()
    conn = sqlite3.connect(db)
    for name, table in progress_schema.TABLES.items():
        built = tuple(row[1] for row in conn.execute(f"PRAGMA table_info({name})"))
        assert built == table.names, name
    conn.close()


# -- read-only ------------------------------------------------------------------------------


def filled(db: Path) -> None:
    with ProgressStore.open(db) as store:
        store.lesson_opened(P, "intro")
        store.record_answer(
            P, "intro", "q1", score=1.0, correct=True, hinted=False, response='"a"', seconds=1.0
        )


def test_a_read_only_store_reads_and_turns_writes_into_no_ops(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    filled(db)
    before = db.read_bytes()
    with ProgressStore.open(db, read_only=True) as store:
        assert store.read_only
        assert store.lesson_progress(P)["intro"].status == "in_progress"
        store.lesson_completed(P, "intro")
        store.record_answer(
            P, "intro", "q2", score=0.0, correct=False, hinted=False, response='"b"', seconds=1
        )
        assert store.failed_writes == 2
        assert [a.question_id for a in store.answers(P)] == ["q1"]
    assert db.read_bytes() == before


def test_a_read_only_store_of_an_older_schema_is_migrated_in_memory_only(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    filled(db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TABLE predictions")
    conn.execute("DROP TABLE preference_votes")
    conn.execute("DELETE FROM migrations WHERE name = '0002_lab'")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    before = db.read_bytes()
    with ProgressStore.open(db, read_only=True) as store:
        assert store.prediction_score(P) == (0, 0)
        assert len(store.answers(P)) == 1
    assert db.read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a read-only folder")
def test_a_read_only_folder_opens_read_only_with_one_notice(tmp_path: Path) -> None:
    db = tmp_path / "home" / "progress.sqlite3"
    db.parent.mkdir()
    filled(db)
    db.parent.chmod(0o555)
    try:
        with ProgressStore.open(db) as store:
            assert store.read_only
            [notice] = store.report.notices
            assert "Progress cannot be saved" in notice
            store.lesson_completed(P, "intro")
    finally:
        db.parent.chmod(0o755)


FULL_DISK = r"""
import json, resource, sys
from pathlib import Path
from tutor.core.progress import ProgressStore

limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # like `ulimit -f`: the disk is full
with ProgressStore.open(Path(sys.argv[1])) as store:
    for i in range(50):
        store.record_answer("test-pack", "intro", f"q{i}", score=1.0, correct=True,
                            hinted=False, response='"' + "x" * 5000 + '"', seconds=1.0)
    print(json.dumps({"read_only": store.read_only, "warnings": store.warnings,
                      "failed": store.failed_writes, "answers": len(store.answers("test-pack"))}))
"""


def test_a_full_disk_stops_writing_with_one_warning_and_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    filled(db)
    size = db.stat().st_size
    result = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(db), str(size + 8192)],
        capture_output=True,
        text=True,
        env=repo_env(),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr  # was: "cannot rollback - no transaction"
    report = json.loads(result.stdout)
    assert report["read_only"] is True
    [warning] = report["warnings"]
    assert "Progress can no longer be saved" in warning
    assert report["failed"] > 1  # every later write was a no-op, reported once
    with ProgressStore.open(db) as store:
        assert store.report.notices == []
        answers = [a.question_id for a in store.answers(P)]
    assert answers[0] == "q1" and len(answers) == report["answers"]
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_a_full_disk_on_the_very_first_start_still_opens(tmp_path: Path) -> None:
    script = FULL_DISK.replace("range(50)", "range(1)")
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "progress.sqlite3"), "4096"],
        capture_output=True,
        text=True,
        env=repo_env(),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["read_only"] is True


# -- damaged rows already in the file ------------------------------------------------------------


def test_damaged_rows_are_skipped_with_one_notice_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    filled(db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(
        "INSERT INTO review_cards VALUES (?, 'intro', 'q1', '{}', -1e300, 1.0)", (P,)
    )  # was: OverflowError on every start
    conn.execute("INSERT INTO positions VALUES (?, 'intro', 1e308, 1.0)", (P,))
    conn.execute(
        "INSERT INTO lesson_events VALUES (?, ?, 'intro', 'time', ?, 2.0)", ("a" * 32, P, 1e999)
    )  # seconds = inf: "Time spent: inf min"
    conn.execute(
        "INSERT INTO lesson_events VALUES (?, ?, ?, 'opened', 0, 9e9)",
        ("b" * 32, P, "x\x1b]52;c;aGk=\x07"),
    )  # a name that would drive the terminal
    conn.close()
    before = db.read_bytes()
    with ProgressStore.open(db) as store:
        [notice] = store.report.notices
        assert "damaged records (2 in lesson_events, 1 in positions, 1 in review_cards)" in notice
        assert store.due_cards(P, datetime.now(UTC)) == []
        progress = store.lesson_progress(P)["intro"]
        assert (progress.seconds, progress.position) == (0.0, 0.0)
        assert store.last_lesson(P) == "intro"
        assert "\x1b" not in json.dumps(store.export_data())
    assert db.read_bytes() == before


async def test_the_app_keeps_working_on_a_read_only_store(tmp_path: Path) -> None:
    """Was: answering a question, or opening a lesson, crashed the app on a read-only store."""
    from tutor.core import paths
    from tutor.core.pack import load_pack
    from tutor.core.settings import Settings
    from tutor.ui.app import TutorApp

    db = tmp_path / "progress.sqlite3"
    filled(db)
    before = db.read_bytes()
    store = ProgressStore.open(db, read_only=True)
    app = TutorApp(load_pack(paths.builtin_course_dir()), store, Settings(), [])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")  # open the first lesson (records "opened")
        await pilot.pause()
        await pilot.press("d")  # mark it done
        await pilot.press("q")  # its quiz
        await pilot.pause()
        await pilot.press("1", "enter")  # answer the first question
        await pilot.pause()
        assert app.is_running
        assert type(app.screen).__name__ == "QuizScreen"
    assert store.failed_writes >= 3
    store.close()
    assert db.read_bytes() == before
