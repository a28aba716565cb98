"""What ``pack.toml`` and a lesson's front matter may say, checked with pydantic.

Kept apart from the loader (``tutor.core.pack``) so that loading a pack already checked, as
the app does at start-up (``tutor.core.pack_checked``), never imports pydantic: the first
frame does not pay for a schema library it has no use for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from tutor.core.errors import Problem
from tutor.core.plain_errors import plain_error
from tutor.core.untrusted import SLUG_RULE, is_slug, key_line

FORMAT_VERSION = 1


class _Strict(BaseModel):
    """Unknown keys are errors and TOML types are taken as written (``"1"`` is not ``1``)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Manifest(_Strict):
    """``pack.toml``, checked (docs/pack-format.md)."""

    format_version: int
    id: str
    title: str
    version: str
    authors: list[str]
    licence: str
    lessons: list[str]

    @field_validator("format_version")
    @classmethod
    def _supported(cls, value: int) -> int:
        if value != FORMAT_VERSION:
            raise ValueError(
                f"format_version {value} is not supported "
                f"(this llm-tutor reads format_version {FORMAT_VERSION})"
            )
        return value

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not is_slug(value):
            raise ValueError(f"id {value!r} must be {SLUG_RULE}")
        return value

    @field_validator("title", "version", "licence")
    @classmethod
    def _not_empty(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError(f"'{info.field_name}' must not be empty")
        return value

    @field_validator("authors")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        if not value or not all(name.strip() for name in value):
            raise ValueError("'authors' must be a non-empty list of names")
        return value

    @field_validator("lessons")
    @classmethod
    def _lesson_slugs(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("'lessons' must list at least one lesson slug")
        seen: set[str] = set()
        for slug in value:
            if not is_slug(slug):
                raise ValueError(f"lesson slug {slug!r} must be {SLUG_RULE}")
            if slug in seen:
                raise ValueError(f"lesson slug {slug!r} is listed twice")
            seen.add(slug)
        return value


class FrontMatter(_Strict):
    """A lesson's front matter (between the ``+++`` lines), checked."""

    title: str
    summary: str
    minutes: int
    objectives: list[str]

    @field_validator("title", "summary")
    @classmethod
    def _not_empty(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError(f"'{info.field_name}' must not be empty")
        return value

    @field_validator("minutes")
    @classmethod
    def _minutes(cls, value: int) -> int:
        if not 1 <= value <= 180:
            raise ValueError("'minutes' must be between 1 and 180")
        return value

    @field_validator("objectives")
    @classmethod
    def _objectives(cls, value: list[str]) -> list[str]:
        if not value or not all(text.strip() for text in value):
            raise ValueError("'objectives' must be a non-empty list of non-empty strings")
        return value


SCHEMAS: dict[str, type[_Strict]] = {"manifest": Manifest, "front matter": FrontMatter}


def check(
    schema: Literal["manifest", "front matter"],
    data: dict[str, Any],
    path: Path,
    text: str,
    problems: list[Problem],
) -> tuple[bool, bool]:
    """Whether ``data`` passes ``schema`` (else each problem is added at its key's line), and
    whether every problem was about meaning (keys and types were right).

    The model is only a check: strict types mean a valid ``data`` already holds exactly the
    values the model would, so the loader goes on reading ``data`` itself.
    """
    try:
        SCHEMAS[schema].model_validate(data)
        return True, True
    except ValidationError as exc:
        for error in exc.errors():
            key = error["loc"][0] if error["loc"] else None
            line = (
                key_line(text, key) if isinstance(key, str) and error["type"] != "missing" else None
            )
            if error["type"] == "value_error":
                message = str(error["msg"]).removeprefix("Value error, ")
            else:
                message = plain_error(error)
            problems.append(Problem(path, line, message))
        return False, all(error["type"] == "value_error" for error in exc.errors())
