"""Several real processes writing one store at once, and writers killed with SIGKILL mid-write."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import repo_env
from tutor.core import progress_schema
from tutor.core.progress import ProgressStore

from . import progress_writer

WRITER = Path(progress_writer.__file__)
PACK = progress_writer.PACK

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGKILL"), reason="needs POSIX processes and SIGKILL"
)


def start_writer(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WRITER), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=repo_env(),
    )


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# -- four instances at once --------------------------------------------------------------------

WRITERS = 4
UPDATES = 100


def test_four_processes_writing_at_once_lose_no_update(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"  # not created yet: the writers also race to create it
    tags = [f"w{n}" for n in range(WRITERS)]
    procs = [start_writer("burst", str(db), tag, str(UPDATES)) for tag in tags]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    for proc in procs:  # release them together
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out
        assert out == "done\n"

    # Which update each writer made for each i is fixed by progress_writer.BURST_KINDS.
    kinds = progress_writer.BURST_KINDS
    expected: dict[str, set[str]] = {kind: set() for kind in kinds}
    expected_time: dict[str, float] = {}
    for tag in tags:
        for i in range(UPDATES):
            kind = kinds[i % len(kinds)]
            expected[kind].add(f"{tag}-{i}")
            if kind == "time-total":
                expected_time[f"{tag}-time"] = expected_time.get(f"{tag}-time", 0.0) + i + 1

    with ProgressStore.open(db) as store:
        assert store.report.notices == []
        progress = store.lesson_progress(PACK)
        answers = store.answers(PACK)
    time_rows = query(
        db,
        "SELECT lesson, SUM(seconds), COUNT(*) FROM lesson_events"
        " WHERE kind = 'time' GROUP BY lesson",
    )
    assert {lesson: total for lesson, total, _ in time_rows} == expected_time
    assert sum(int(str(count)) for _, _, count in time_rows) == len(expected["time-total"])
    opened = {
        str(r[0]) for r in query(db, "SELECT lesson FROM lesson_events WHERE kind = 'opened'")
    }
    assert opened == expected["opened"]
    assert all(progress[key].status == "in_progress" for key in expected["opened"])
    assert sorted(a.question_id for a in answers) == sorted(expected["answer"])
    positions = {str(k): v for k, v in query(db, "SELECT lesson, position FROM positions")}
    assert positions == {key: int(key.split("-")[1]) / 1000 for key in expected["position"]}
    assert query(db, "SELECT COUNT(*) FROM migrations") == [(len(progress_schema.MIGRATIONS),)]
    assert query(db, "PRAGMA integrity_check") == [("ok",)]


# -- writers killed at random moments ----------------------------------------------------------

ROUNDS = 25


def committed_keys(db: Path) -> set[str]:
    """Every ``kind key`` the loop writer could have printed, as found in the database."""
    found: set[str] = set()
    for sql, kind in (
        ("SELECT question_id FROM answers", "answer"),
        ("SELECT lesson FROM lesson_events WHERE kind = 'opened'", "opened"),
        ("SELECT lesson FROM lesson_events WHERE kind = 'time'", "time"),
        ("SELECT lesson FROM positions", "position"),
        ("SELECT question_id FROM review_cards", "card"),
        ("SELECT lesson FROM quiz_attempts", "attempt"),
    ):
        found |= {f"{kind} {row[0]}" for row in query(db, sql)}
    return found


def test_writer_killed_at_random_points_leaves_every_committed_record(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    printed: set[str] = set()
    hot_journals = 0
    for round_no in range(ROUNDS):
        proc = start_writer("loop", str(db), f"r{round_no}")
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.05, 0.4))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        # A line counts only once its newline was written: the write had returned by then.
        printed |= {line for line in out.splitlines(keepends=True) if line.endswith("\n")}
        hot_journals += db.with_name(db.name + "-journal").exists()

        with ProgressStore.open(db) as store:
            assert store.report.notices == [], f"round {round_no}, seed {seed}"
            assert store.schema()  # still usable
        assert query(db, "PRAGMA integrity_check") == [("ok",)], f"round {round_no}, seed {seed}"
        missing = {line.strip() for line in printed} - committed_keys(db)
        assert not missing, f"round {round_no}, seed {seed}: lost {sorted(missing)[:5]}"
        assert list(tmp_path.glob("*.corrupt-*")) == []
    assert len(printed) >= ROUNDS  # the writers really did write
    print(f"{len(printed)} records, {hot_journals} kills left a hot journal (seed {seed})")
