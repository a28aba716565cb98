"""A separate process that writes progress, for the concurrency and crash-safety tests.

Not a test module: the tests run it with ``sys.executable`` so that every writer is a real
process with its own SQLite connection, exactly like two app instances on a lab machine.

    python progress_writer.py burst DB TAG COUNT   # wait for a line on stdin, write COUNT updates
    python progress_writer.py loop DB TAG          # write until killed, printing each record
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from tutor.core.progress import ProgressStore

PACK = "test-pack"
BURST_KINDS = ("time-total", "opened", "answer", "position")
LOOP_KINDS = ("answer", "opened", "time", "position", "card", "attempt")


def burst(db: Path, tag: str, count: int) -> None:
    """Wait until the parent says go, then open the store and write ``count`` updates."""
    print("ready", flush=True)
    sys.stdin.readline()
    with ProgressStore.open(db) as store:
        for i in range(count):
            write(store, BURST_KINDS[i % len(BURST_KINDS)], tag, i)
    print("done", flush=True)


def loop(db: Path, tag: str) -> None:
    """Write records forever; print ``kind key`` only after the write has returned."""
    with ProgressStore.open(db) as store:
        print("ready", flush=True)
        i = 0
        while True:
            kind = LOOP_KINDS[i % len(LOOP_KINDS)]
            key = write(store, kind, tag, i)
            sys.stdout.write(f"{kind} {key}\n")
            sys.stdout.flush()
            i += 1


def write(store: ProgressStore, kind: str, tag: str, i: int) -> str:
    """One update of ``kind``; returns the unique key it was written under."""
    key = f"{tag}-{i}"
    if kind == "time-total":
        # All of one writer's time goes to one lesson, so the test can check the exact sum.
        store.add_time(PACK, f"{tag}-time", float(i + 1))
        return f"{tag}-time"
    if kind == "time":
        store.add_time(PACK, key, float(i + 1))
    elif kind == "opened":
        store.lesson_opened(PACK, key)
    elif kind == "answer":
        store.record_answer(
            PACK, "shared", key, score=1.0, correct=True, hinted=False, response="42", seconds=1.5
        )
    elif kind == "position":
        store.save_position(PACK, key, i / 1000)
    elif kind == "card":
        store.put_card(PACK, "shared", key, '{"card": 1}', datetime.now(UTC))
    elif kind == "attempt":
        store.record_quiz_attempt(PACK, key, score=1.0, total=2, seconds=3.0)
    return key


if __name__ == "__main__":
    mode, db_arg, tag_arg, *rest = sys.argv[1:]
    if mode == "burst":
        burst(Path(db_arg), tag_arg, int(rest[0]))
    else:
        loop(Path(db_arg), tag_arg)
