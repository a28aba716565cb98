"""Opening the progress database: recognise it, repair or migrate it, or fall back to reading.

What happens, in order:

1. A file that is not a sound SQLite database is moved aside (nothing is deleted) and a new
   one is started; the learner is told where the old one went.
2. A sound SQLite file that is not ours (another program's, recognised by ``PRAGMA
   application_id`` and a marker row, see ``progress_schema``) is refused with a message and
   never written into. So is one from a newer llm-tutor.
3. Ours, older: a backup copy is made, then the migrations run in one transaction.
4. When the folder or the file cannot be written (read-only home, full disk), the store opens
   *read-only* with one clear notice: the learner can still read lessons and take quizzes, and
   nothing already saved is touched. An older schema is migrated in memory only.

SQLite is used NFS-friendly: a rollback journal (WAL needs shared memory, which breaks on NFS
home directories), short ``BEGIN IMMEDIATE`` transactions and a busy timeout.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from tutor.core import progress_schema as schema
from tutor.core.progress_schema import APPLICATION_ID, MARKER_KEY, MARKER_VALUE, statements

BUSY_TIMEOUT_MS = 10_000
Identity = Literal["fresh", "ours", "foreign"]


class StoreError(Exception):
    """The progress store cannot be used; the message says why and what to do."""


@dataclass
class OpenReport:
    """What the learner should be told after opening the store (e.g. a corrupt file moved)."""

    notices: list[str] = field(default_factory=list)


@dataclass
class Opened:
    """An open connection, and whether it may be written."""

    conn: sqlite3.Connection
    read_only: bool
    report: OpenReport


def open_database(path: Path, *, read_only: bool = False) -> Opened:
    """Open (creating, checking and migrating as needed) the database at ``path``.

    Raises :class:`StoreError` for a file that is not ours or is from a newer version.
    """
    report = OpenReport()
    if read_only:
        return _open_read_only(path, report)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and not _looks_healthy(path):
            _set_aside(path, report)
        conn = _connect(path)
    except (OSError, sqlite3.Error) as exc:
        return _fall_back(path, report, exc)
    try:
        _migrate(conn, path)
    except StoreError:
        conn.close()
        raise
    except sqlite3.Error as exc:  # a read-only file or folder, a full disk
        conn.close()
        return _fall_back(path, report, exc)
    return Opened(conn, False, report)


def _fall_back(path: Path, report: OpenReport, error: Exception) -> Opened:
    """Open read-only after a failed write, with the one notice that says so and why."""
    reason = getattr(error, "strerror", None) or str(error)
    report.notices.append(
        f"Progress cannot be saved to {path} ({reason}). "
        "Lessons and quizzes still work, but nothing new is recorded; "
        "what was saved before is untouched."
    )
    return _open_read_only(path, report)


def _open_read_only(path: Path, report: OpenReport) -> Opened:
    """The file opened for reading only; or, if it is missing or older, a copy in memory."""
    memory = sqlite3.connect(":memory:", isolation_level=None)
    if path.is_file():
        try:
            source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                _check_identity(source, path)
                source.backup(memory)
            finally:
                source.close()
        except sqlite3.Error as exc:
            memory.close()
            raise StoreError(f"cannot read the progress database {path}: {exc}") from exc
    _migrate(memory, path, backup=False)
    return Opened(memory, True, report)


# -- recognising our database -------------------------------------------------------------


def identify(conn: sqlite3.Connection) -> Identity:
    """Whether ``conn`` is a new empty database, one of ours, or another program's."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    if not names and version == 0 and app_id in (0, APPLICATION_ID):
        return "fresh"
    if app_id == APPLICATION_ID and "meta" in names:
        marker = conn.execute("SELECT value FROM meta WHERE key = ?", (MARKER_KEY,)).fetchone()
        return "ours" if marker == (MARKER_VALUE,) else "foreign"
    if app_id == 0 and version >= 1 and {"meta", "migrations"} <= names:
        # Written before the application id existed: ours if it holds our first migration.
        first = conn.execute("SELECT 1 FROM migrations WHERE name = ?", (schema.MIGRATIONS[0][0],))
        return "ours" if first.fetchone() else "foreign"
    return "foreign"


def _check_identity(conn: sqlite3.Connection, path: Path) -> int:
    """The schema version of our database at ``path``; StoreError for anything else."""
    if identify(conn) == "foreign":
        raise StoreError(
            f"{path} is not an llm-tutor progress database (it belongs to another program, or "
            "was changed by one). It was left exactly as it is. Move it elsewhere, or set "
            "LLM_TUTOR_HOME to use a different data directory."
        )
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > len(schema.MIGRATIONS):
        raise StoreError(
            f"{path} was written by a newer version of llm-tutor (schema "
            f"{version}, this version knows {len(schema.MIGRATIONS)}). Upgrade llm-tutor, "
            f"or set LLM_TUTOR_HOME to use a different data directory."
        )
    return version


# -- migrating ----------------------------------------------------------------------------------


def _migrate(conn: sqlite3.Connection, path: Path, *, backup: bool = True) -> None:
    """Bring our database up to date in one write transaction; writes nothing when it is."""
    if _up_to_date(conn, path):
        return  # no write lock taken: a read-only file opens too
    conn.execute("BEGIN IMMEDIATE")
    try:
        applied = _check_identity(conn, path)  # again: another process may have migrated it
        if 0 < applied < len(schema.MIGRATIONS) and backup:
            _backup(path, f"before-{schema.MIGRATIONS[applied][0]}")
        for name, script in schema.MIGRATIONS[applied:]:
            for statement in statements(script):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, time.time())
            )
        _mark(conn)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _up_to_date(conn: sqlite3.Connection, path: Path) -> bool:
    """True when the database is ours, marked, and at this version's schema."""
    if _check_identity(conn, path) != len(schema.MIGRATIONS):
        return False
    return conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def _mark(conn: sqlite3.Connection) -> None:
    """Stamp the database as ours and give the learner an id (kept if already there)."""
    conn.execute(f"PRAGMA user_version = {len(schema.MIGRATIONS)}")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (MARKER_KEY, MARKER_VALUE)
    )
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('learner_id', ?)", (uuid.uuid4().hex,)
    )


def _backup(path: Path, label: str) -> Path:
    """A copy of the database taken before a migration changes it."""
    target = path.with_name(f"{path.name}.{label}.bak")
    # Read through a second connection: SQLite's backup refuses a source connection that holds
    # the write lock (Python would retry forever). Ours does hold it, so nobody else can change
    # the file while the copy is taken.
    source = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()
    return target


# -- connecting and repair -----------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with the pragmas we rely on."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Rollback journal, not WAL: WAL's shared-memory index does not work on NFS.
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error:
        conn.close()
        raise
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
        return any(word in str(exc) for word in ("locked", "busy", "readonly", "unable to open"))
    return result is not None and result[0] == "ok"


def _set_aside(path: Path, report: OpenReport) -> None:
    """Move a damaged file out of the way and say where it went."""
    aside = _move_aside(path)
    report.notices.append(
        f"The progress database {path} was damaged and has been moved to {aside}. "
        "A new one was started; nothing was deleted."
    )


def _move_aside(path: Path) -> Path:
    """Rename ``path`` (and its journal) to a free ``.corrupt-STAMP`` name next to it."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    count = 1
    while aside.exists():
        count += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{count}")
    shutil.move(path, aside)
    journal = path.with_name(path.name + "-journal")
    if journal.exists():
        shutil.move(journal, aside.with_name(aside.name + "-journal"))
    return aside
