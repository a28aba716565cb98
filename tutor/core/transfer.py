"""Carry progress between machines: a JSON export, merged back by ``import``.

The file is untrusted on the way in (it may have been edited, truncated or written to attack
the app), so it is checked completely before anything touches the database, and a bad file is
refused whole with ``file: problem``:

* read like every untrusted file (a regular file, at most :data:`MAX_IMPORT_BYTES`);
* its nesting measured *before* parsing, so 200,000 ``[`` give a message, not a RecursionError;
  ``NaN``/``Infinity`` and numbers too long to be a number are refused;
* every row validated against the same column declaration the store is built from
  (``progress_schema.TABLES``): finite numbers in range, timestamps between 1970 and 3000,
  slugs for pack, lesson and question names, JSON text where JSON is kept, bounded lengths.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
)

from tutor.core.errors import PackError, Problem
from tutor.core.progress import ProgressStore
from tutor.core.progress_schema import (
    ALL_LESSONS,
    MAX_NAME,
    MAX_TEXT,
    MAX_TIME,
    TABLES,
    Column,
)
from tutor.core.untrusted import SLUG_PATTERN, UntrustedFileError, is_slug, read_text

FORMAT = "llm-tutor-progress"
VERSION = 1
MAX_IMPORT_BYTES = 200_000_000  # years of answers; a bigger file is not one of ours
MAX_DEPTH = 8  # our files nest 4 deep: object > tables > list > row
MAX_ROWS = 1_000_000
MAX_PROBLEMS = 20


MAX_LEARNER = 60


def export_progress(store: ProgressStore, target: Path, learner: str | None = None) -> None:
    """Write everything to ``target`` atomically (a half-written file never replaces a good one).

    ``learner`` labels the file with the learner's name, for an instructor's class report.
    """
    data = {"format": FORMAT, "version": VERSION, **store.export_data()}
    if learner:
        data["learner"] = learner[:MAX_LEARNER]
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1, allow_nan=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def import_progress(store: ProgressStore, source: Path) -> int:
    """Merge ``source`` into the store; returns the number of rows added or updated.

    Raises :class:`PackError` (``file: problem``) for a file that is not a sound export.
    """
    raw = _parse(source)
    try:
        parsed: Any = _export_model().model_validate(raw)
    except ValidationError as exc:
        problems = [
            Problem(source, None, f"{_location(err['loc'])}: {_reason(err)}")
            for err in exc.errors()[:MAX_PROBLEMS]
        ]
        raise PackError(problems) from exc
    tables = {name: [row.model_dump() for row in rows] for name, rows in parsed.tables}
    return store.import_rows(tables)


# -- reading the file ---------------------------------------------------------------------------


def _parse(source: Path) -> Any:
    """The file's JSON, or PackError saying why it is not readable JSON of sane shape."""

    def refuse(message: str, line: int | None = None) -> PackError:
        return PackError([Problem(source, line, message)])

    try:
        text = read_text(source, limit=MAX_IMPORT_BYTES)
    except UntrustedFileError as exc:
        raise refuse(str(exc)) from exc
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise refuse(f"nested too deeply ({depth} levels; an export has 4)")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise refuse(f"not valid JSON: {exc.msg}", exc.lineno) from exc
    except ValueError as exc:  # NaN/Infinity, or an integer with thousands of digits
        raise refuse(f"not valid JSON: {exc}") from exc


def _no_constant(name: str) -> float:
    """JSON has no NaN or Infinity; Python's parser accepts them unless told not to."""
    raise ValueError(f"{name} is not a number JSON allows")


def nesting_depth(text: str) -> int:
    """How deeply ``[`` and ``{`` nest in JSON text, outside strings (a linear scan, no parse)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


# -- the shape of a sound export, derived from the column declarations -----------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


def _json_text() -> Any:
    """Text holding the JSON of an object that nests at most a few levels."""

    def check(text: str) -> str:
        if nesting_depth(text) > MAX_DEPTH:
            raise ValueError("nests too deeply")
        try:
            value = json.loads(text, parse_constant=_no_constant)
        except ValueError as exc:
            raise ValueError("must be JSON text") from exc
        if not isinstance(value, dict):
            raise ValueError("must be the JSON text of an object")
        return text

    return Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(check)]


def _lesson_name(text: str) -> str:
    """A lesson slug, or ``*`` (a reset of every lesson)."""
    if text != ALL_LESSONS and not is_slug(text):
        raise ValueError("must be a slug: lowercase letters, digits and '-'")
    return text


Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=MAX_NAME)]


def _field(column: Column) -> Any:
    """The pydantic type of one declared column."""
    kind = column.kind
    if kind == "uuid":
        return Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    if kind == "slug":
        return Slug
    if kind == "lesson":
        return Annotated[str, Field(max_length=MAX_NAME), AfterValidator(_lesson_name)]
    if kind == "text":
        return Annotated[str, Field(max_length=MAX_TEXT)]
    if kind == "json":
        return _json_text()
    if kind == "enum":
        return Literal[column.choices]
    if kind == "flag":
        return Annotated[int, Field(ge=0, le=1)]
    if kind == "count":
        return Annotated[int, Field(ge=int(column.low), le=int(column.high))]
    high = MAX_TIME if kind == "time" else column.high
    return Annotated[float, Field(ge=column.low, le=high)]


@cache
def _export_model() -> type[BaseModel]:
    """The model of a whole export file: one row model per declared table."""
    rows: dict[str, Any] = {}
    for name, table in TABLES.items():
        fields: dict[str, Any] = {column.name: (_field(column), ...) for column in table.columns}
        row = create_model(f"{name}_row", __base__=_Strict, **fields)
        rows[name] = (Annotated[list[row], Field(max_length=MAX_ROWS)], [])  # type: ignore[valid-type]
    tables = create_model("tables", __base__=_Strict, **rows)
    top: dict[str, Any] = {
        "format": (Literal[FORMAT], ...),
        "version": (Annotated[int, Field(ge=1, le=VERSION)], ...),
        "learner_id": (Annotated[str, Field(max_length=MAX_NAME)], ...),
        "learner": (Annotated[str | None, Field(max_length=MAX_LEARNER)], None),
        "tables": (tables, ...),
    }
    return create_model("export", __base__=_Strict, **top)


def _location(loc: tuple[str | int, ...]) -> str:
    """Where in the file: "answers row 3 'score'", "'version'", or "the file"."""
    if len(loc) >= 3 and loc[0] == "tables" and isinstance(loc[2], int):
        rest = " ".join(f"'{part}'" for part in loc[3:])
        return f"{loc[1]} row {loc[2] + 1} {rest}".strip()
    return " ".join(f"'{part}'" for part in loc) or "the file"


def _reason(error: Any) -> str:
    """Pydantic's message, with the offending value only when it is short (no floods)."""
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        shown = repr(value)
        if len(shown) <= 40:
            return f"{message} (found {shown})"
    return message
