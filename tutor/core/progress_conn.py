"""The connection a progress store works through: sane-row views, and writes that never raise.

:class:`StoreConnection` is what :class:`tutor.core.progress.ProgressStore` is built on. It
gives readers a temporary view ``ok_TABLE`` per table that holds only the rows whose values are
ones the column may hold (the checks come from ``progress_schema``), and runs every write in one
short transaction that, when the disk cannot be written, turns the store read-only and says so
once instead of raising: the learner keeps working, and what was saved stays as it was.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from tutor.core.progress_open import OpenReport
from tutor.core.progress_schema import TABLES

Command = tuple[str, Sequence[object] | dict[str, object]]


class StoreConnection:
    """One SQLite connection, its sane-row views, and failure-proof write transactions."""

    def __init__(
        self, conn: sqlite3.Connection, path: Path, report: OpenReport, *, read_only: bool = False
    ) -> None:
        self._conn = conn
        self.path = path
        self.report = report
        self.read_only = read_only  # True: writes are no-ops (reported once, see warnings)
        self.failed_writes = 0  # writes that did not happen (the CLI exits non-zero after one)
        self.warnings: list[str] = []  # things that went wrong after opening, each said once
        self.on_warning: Callable[[str], None] | None = None  # e.g. the app's notify
        self._views()

    def _views(self) -> None:
        """A temporary view ``ok_TABLE`` per table holding only its sane rows; readers use those.

        Temporary views live outside the file, so this works on a read-only database too.
        Damaged rows are counted once, for one notice; they stay in the file as they are.
        """
        damaged: list[str] = []
        for name, table in TABLES.items():
            where = table.valid()
            self._conn.execute(
                f"CREATE TEMP VIEW ok_{name} AS SELECT rowid AS seq, * FROM {name} WHERE {where}"
            )
            bad = self._conn.execute(
                f"SELECT COUNT(*) FROM {name} WHERE NOT COALESCE(({where}), 0)"
            ).fetchone()[0]
            if bad:
                damaged.append(f"{bad} in {name}")
        if damaged:
            self.report.notices.append(
                f"The progress database {self.path} holds damaged records ({', '.join(damaged)})."
                " They are ignored and left as they are."
            )

    # -- writing -------------------------------------------------------------------------

    def _write(self, commands: Iterable[Command]) -> bool:
        """Run ``commands`` in one short write transaction; False when nothing was written.

        ``BEGIN IMMEDIATE`` takes the write lock up front (no deadlocking lock upgrades). A
        failure to write (read-only file, full disk) does not raise: the store becomes
        read-only and says so once, and what is already saved stays as it was.
        """
        if self.read_only:
            self.failed_writes += 1
            return False
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            for sql, args in commands:
                self._conn.execute(sql, args)
            self._conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._rollback()
            self._lost(exc)
            return False
        except BaseException:
            self._rollback()
            raise
        return True

    def _rollback(self) -> None:
        """Undo the open transaction, unless SQLite already ended it (it does on a full disk)."""
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # the journal restores it on the next open
                self._conn.execute("ROLLBACK")

    def _lost(self, error: sqlite3.Error) -> None:
        """Report a write that did not happen; stop writing unless it was a passing lock."""
        self.failed_writes += 1
        if "locked" in str(error) or "busy" in str(error):
            self._warn(
                f"Progress could not be saved just now ({error}); another llm-tutor is busy."
            )
            return
        self.read_only = True
        self._warn(
            f"Progress can no longer be saved to {self.path} ({error}). Lessons and quizzes still"
            " work, but nothing new is recorded; what was saved before is untouched."
        )

    def _warn(self, message: str) -> None:
        """Say ``message`` once: keep it, and pass it to ``on_warning``."""
        if message in self.warnings:
            return
        self.warnings.append(message)
        if self.on_warning is not None:
            self.on_warning(message)
