"""Load a lesson pack (the built-in course or an instructor's) without trusting its files.

A pack is a folder with ``pack.toml``, ``lessons/NN-slug.md`` and ``quizzes/NN-slug.toml``
(see docs/pack-format.md). Loading collects every problem it can find and raises one
``PackError`` listing them as ``file:line: problem``; nothing in a pack is ever executed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from tutor.core.demo import Demo, parse_demos
from tutor.core.errors import PackError, Problem
from tutor.core.plain_errors import plain_error
from tutor.core.sanitize import clean_text
from tutor.core.untrusted import (
    SLUG_BODY,
    SLUG_RULE,
    TomlProblem,
    UntrustedFileError,
    is_slug,
    key_line,
    parse_toml,
    read_text,
)

FORMAT_VERSION = 1
LESSON_FILE = re.compile(rf"^(\d{{2}})-({SLUG_BODY})\.md$")


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


_Model = TypeVar("_Model", bound=_Strict)


def _lessons_usable(data: dict[str, Any]) -> bool:
    """True when the manifest's lesson list can be followed although other values are wrong."""
    listed = data.get("lessons")
    return isinstance(listed, list) and all(isinstance(slug, str) for slug in listed)


def _validated(
    model: type[_Model], data: dict[str, Any], path: Path, text: str, problems: list[Problem]
) -> tuple[_Model | None, bool]:
    """``data`` checked against ``model``: the model, or None after adding each problem at its
    key's line; and whether every problem was about meaning (keys and types were right)."""
    try:
        return model.model_validate(data), True
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
        return None, all(error["type"] == "value_error" for error in exc.errors())


@dataclass(frozen=True)
class Lesson:
    slug: str
    path: Path
    title: str
    summary: str
    minutes: int
    objectives: tuple[str, ...]
    body: str
    quiz_path: Path | None
    demos: tuple[Demo, ...] = ()


@dataclass(frozen=True)
class Pack:
    root: Path
    id: str
    title: str
    version: str
    authors: tuple[str, ...]
    licence: str
    lessons: tuple[Lesson, ...]

    def lesson(self, slug: str) -> Lesson:
        """The lesson with this slug; ``KeyError`` when there is none."""
        for lesson in self.lessons:
            if lesson.slug == slug:
                return lesson
        raise KeyError(slug)

    def neighbour(self, slug: str, step: int) -> Lesson | None:
        """The lesson ``step`` places after (negative: before) ``slug``, if any."""
        slugs = [lesson.slug for lesson in self.lessons]
        index = slugs.index(slug) + step
        return self.lessons[index] if 0 <= index < len(slugs) else None


def load_pack(root: Path) -> Pack:
    """Read and check a whole pack; raise ``PackError`` with every problem found."""
    problems: list[Problem] = []
    manifest_path = root / "pack.toml"
    text = _read_text(manifest_path, root, problems)
    if text is None:
        raise PackError(problems)
    try:
        data = parse_toml(text)
    except TomlProblem as exc:
        raise PackError([Problem(manifest_path, exc.line, exc.message)]) from exc
    manifest, meaning_only = _validated(Manifest, data, manifest_path, text, problems)
    if manifest is None and meaning_only and _lessons_usable(data):
        # Only what the keys mean is wrong (a bad id, say): check the lessons too, so the
        # author sees every problem at once.
        manifest = Manifest.model_construct(**data)
    if manifest is None:
        raise PackError(problems)
    lessons = _load_lessons(root, manifest, manifest_path, text, problems)
    if problems:
        raise PackError(problems)
    return Pack(
        root=root,
        id=manifest.id,
        title=clean_text(manifest.title),
        version=clean_text(manifest.version),
        authors=tuple(clean_text(author) for author in manifest.authors),
        licence=clean_text(manifest.licence),
        lessons=tuple(lessons),
    )


# -- lessons --------------------------------------------------------------------------


def _load_lessons(
    root: Path, manifest: Manifest, manifest_path: Path, text: str, problems: list[Problem]
) -> list[Lesson]:
    files = _lesson_files(root, problems)
    listed = manifest.lessons
    for slug in sorted(set(files) - set(listed)):
        problems.append(
            Problem(files[slug][0], None, f"lesson '{slug}' is not listed in pack.toml")
        )
    lessons: list[Lesson] = []
    for slug in dict.fromkeys(listed):
        found = files.get(slug)
        if not found:
            problems.append(
                Problem(
                    manifest_path,
                    key_line(text, "lessons"),
                    f"lesson '{slug}' has no file lessons/NN-{slug}.md",
                )
            )
            continue
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            problems.append(Problem(found[1], None, f"duplicate lesson slug '{slug}' ({names})"))
            continue
        lesson = _load_lesson(slug, found[0], root, problems)
        if lesson is not None:
            lessons.append(lesson)
    _check_quiz_files(root, files, problems)
    return lessons


def _lesson_files(root: Path, problems: list[Problem]) -> dict[str, list[Path]]:
    folder = root / "lessons"
    if not folder.is_dir():
        problems.append(Problem(folder, None, "the pack has no lessons/ folder"))
        return {}
    files: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        match = LESSON_FILE.match(path.name)
        if match is None:
            if path.suffix == ".md":
                problems.append(Problem(path, None, "lesson file names must look like NN-slug.md"))
            continue
        files.setdefault(match.group(2), []).append(path)
    return files


def _check_quiz_files(root: Path, files: dict[str, list[Path]], problems: list[Problem]) -> None:
    folder = root / "quizzes"
    if not folder.is_dir():
        return
    stems = {p.stem for paths in files.values() for p in paths}
    for path in sorted(folder.glob("*.toml")):
        if path.stem not in stems:
            problems.append(Problem(path, None, f"quiz has no lesson lessons/{path.stem}.md"))


def _load_lesson(slug: str, path: Path, root: Path, problems: list[Problem]) -> Lesson | None:
    text = _read_text(path, root, problems)
    if text is None:
        return None
    text = text.replace("\r\n", "\n")  # a lesson saved on Windows reads the same
    before = len(problems)
    meta, body, body_line = _split_front_matter(path, text, problems)
    if meta is None:
        return None
    front, _meaning_only = _validated(
        FrontMatter, meta, path, text[: text.find("\n+++", 3)], problems
    )
    if front is None:
        return None
    if not body.strip():
        problems.append(Problem(path, body_line, "the lesson has no text after the front matter"))
    demos = parse_demos(path, body, body_line, problems)
    if len(problems) > before:
        return None
    quiz = root / "quizzes" / f"{path.stem}.toml"
    return Lesson(
        slug=slug,
        path=path,
        title=clean_text(front.title),
        summary=clean_text(front.summary),
        minutes=front.minutes,
        objectives=tuple(clean_text(objective) for objective in front.objectives),
        body=clean_text(body),
        quiz_path=quiz if quiz.is_file() else None,
        demos=tuple(demos),
    )


def _split_front_matter(
    path: Path, text: str, problems: list[Problem]
) -> tuple[dict[str, Any] | None, str, int]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "+++":
        problems.append(
            Problem(path, 1, "a lesson must start with front matter between '+++' lines")
        )
        return None, "", 1
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
    except StopIteration:
        problems.append(Problem(path, 1, "front matter is not closed by a '+++' line"))
        return None, "", 1
    try:
        meta = parse_toml("\n".join(lines[1:end]))
    except TomlProblem as exc:
        problems.append(Problem(path, exc.line + 1, f"bad front matter: {exc.message}"))
        return None, "", 1
    return meta, "\n".join(lines[end + 1 :]), end + 2


# -- shared helpers -------------------------------------------------------------------


def _read_text(path: Path, root: Path, problems: list[Problem]) -> str | None:
    """The file's text, or None after recording why it cannot be read (see ``untrusted``)."""
    try:
        return read_text(path, root=root)
    except UntrustedFileError as exc:
        problems.append(Problem(path, None, str(exc)))
        return None
