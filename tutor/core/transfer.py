"""Carry progress between machines: a JSON export, merged back by ``import``.

The file is untrusted on the way in (it may have been edited or truncated), so every row is
validated before anything touches the database, and a bad file changes nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tutor.core.errors import PackError, Problem
from tutor.core.progress import ProgressStore

FORMAT = "llm-tutor-progress"
VERSION = 1


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _LessonEvent(_Row):
    uuid: str = Field(pattern=r"^[0-9a-f]{32}$")
    pack_id: str
    lesson: str
    kind: str = Field(pattern=r"^(opened|completed|time|reset)$")
    seconds: float = Field(ge=0)
    at: float


class _Answer(_Row):
    uuid: str = Field(pattern=r"^[0-9a-f]{32}$")
    pack_id: str
    lesson: str
    question_id: str
    score: float = Field(ge=0, le=1)
    correct: int = Field(ge=0, le=1)
    hinted: int = Field(ge=0, le=1)
    response: str
    seconds: float = Field(ge=0)
    at: float


class _Attempt(_Row):
    uuid: str = Field(pattern=r"^[0-9a-f]{32}$")
    pack_id: str
    lesson: str
    score: float = Field(ge=0)
    total: int = Field(ge=0)
    seconds: float = Field(ge=0)
    at: float


class _Position(_Row):
    pack_id: str
    lesson: str
    position: float
    at: float


class _Card(_Row):
    pack_id: str
    lesson: str
    question_id: str
    card: str
    due: float
    updated_at: float


class _Tables(_Row):
    lesson_events: list[_LessonEvent] = []
    answers: list[_Answer] = []
    quiz_attempts: list[_Attempt] = []
    positions: list[_Position] = []
    review_cards: list[_Card] = []


class _Export(_Row):
    format: str = Field(pattern=f"^{FORMAT}$")
    version: int = Field(ge=1, le=VERSION)
    learner_id: str
    learner: str | None = Field(default=None, max_length=60)  # a label for class reports
    tables: _Tables


def export_progress(store: ProgressStore, target: Path, learner: str | None = None) -> None:
    """Write everything to ``target`` atomically (a half-written file never replaces a good one).

    ``learner`` labels the file with the learner's name, for an instructor's class report.
    """
    data = {"format": FORMAT, "version": VERSION, **store.export_data()}
    if learner:
        data["learner"] = learner[:60]
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def import_progress(store: ProgressStore, source: Path) -> int:
    """Merge ``source`` into the store; returns the number of rows added or updated."""
    try:
        raw: Any = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PackError([Problem(source, None, f"cannot read: {exc.strerror}")]) from exc
    except json.JSONDecodeError as exc:
        raise PackError([Problem(source, exc.lineno, f"not valid JSON: {exc.msg}")]) from exc
    except UnicodeDecodeError as exc:
        raise PackError([Problem(source, None, "not a UTF-8 text file")]) from exc
    try:
        parsed = _Export.model_validate(raw)
    except ValidationError as exc:
        problems = [
            Problem(source, None, f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}")
            for err in exc.errors()[:20]
        ]
        raise PackError(problems) from exc
    tables = {name: [row.model_dump() for row in rows] for name, rows in parsed.tables}
    return store.import_rows(tables)
