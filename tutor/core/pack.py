"""Load a lesson pack (the built-in course or an instructor's) without trusting its files.

A pack is a folder with ``pack.toml``, ``lessons/NN-slug.md`` and ``quizzes/NN-slug.toml``
(see docs/pack-format.md). Loading collects every problem it can find and raises one
``PackError`` listing them as ``file:line: problem``; nothing in a pack is ever executed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor.core.demo import Demo, parse_demos
from tutor.core.errors import PackError, Problem
from tutor.core.sanitize import clean_text
from tutor.core.untrusted import (
    SLUG,
    TomlProblem,
    UntrustedFileError,
    key_line,
    parse_toml,
    read_text,
)

FORMAT_VERSION = 1
LESSON_FILE = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")

_MANIFEST_KEYS = {
    "format_version": int,
    "id": str,
    "title": str,
    "version": str,
    "authors": list,
    "licence": str,
    "lessons": list,
}
_FRONT_MATTER_KEYS = {"title": str, "summary": str, "minutes": int, "objectives": list}


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
    manifest = _read_toml(manifest_path, root, problems)
    if manifest is None:
        raise PackError(problems)
    text = _read_text(manifest_path, root, problems) or ""
    _check_keys(manifest, _MANIFEST_KEYS, manifest_path, text, problems, required=True)
    if problems:
        raise PackError(problems)
    _check_manifest(manifest, manifest_path, text, problems)
    lessons = _load_lessons(root, manifest, manifest_path, text, problems)
    if problems:
        raise PackError(problems)
    return Pack(
        root=root,
        id=manifest["id"],
        title=clean_text(manifest["title"]),
        version=clean_text(manifest["version"]),
        authors=tuple(clean_text(a) for a in manifest["authors"]),
        licence=clean_text(manifest["licence"]),
        lessons=tuple(lessons),
    )


# -- manifest -------------------------------------------------------------------------


def _check_manifest(data: dict[str, Any], path: Path, text: str, problems: list[Problem]) -> None:
    def add(key: str, message: str) -> None:
        problems.append(Problem(path, key_line(text, key), message))

    if data["format_version"] != FORMAT_VERSION:
        add(
            "format_version",
            f"format_version {data['format_version']} is not supported "
            f"(this llm-tutor reads format_version {FORMAT_VERSION})",
        )
    if not SLUG.match(data["id"]):
        add("id", f"id {data['id']!r} must be lowercase letters, digits and '-'")
    for key in ("title", "version", "licence"):
        if not data[key].strip():
            add(key, f"'{key}' must not be empty")
    if not data["authors"] or not all(isinstance(a, str) and a.strip() for a in data["authors"]):
        add("authors", "'authors' must be a non-empty list of names")
    lessons = data["lessons"]
    if not lessons:
        add("lessons", "'lessons' must list at least one lesson slug")
    seen: set[str] = set()
    for slug in lessons:
        if not isinstance(slug, str) or not SLUG.match(slug):
            add("lessons", f"lesson slug {slug!r} must be lowercase letters, digits and '-'")
        elif slug in seen:
            add("lessons", f"lesson slug {slug!r} is listed twice")
        else:
            seen.add(slug)


# -- lessons --------------------------------------------------------------------------


def _load_lessons(
    root: Path, manifest: dict[str, Any], manifest_path: Path, text: str, problems: list[Problem]
) -> list[Lesson]:
    files = _lesson_files(root, problems)
    listed = [s for s in manifest["lessons"] if isinstance(s, str)]
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
    front = text[: text.find("\n+++", 3)]
    _check_keys(meta, _FRONT_MATTER_KEYS, path, front, problems, required=True)
    if len(problems) > before:
        return None
    _check_front_matter(meta, path, front, problems)
    if not body.strip():
        problems.append(Problem(path, body_line, "the lesson has no text after the front matter"))
    demos = parse_demos(path, body, body_line, problems)
    if len(problems) > before:
        return None
    quiz = root / "quizzes" / f"{path.stem}.toml"
    return Lesson(
        slug=slug,
        path=path,
        title=clean_text(meta["title"]),
        summary=clean_text(meta["summary"]),
        minutes=meta["minutes"],
        objectives=tuple(clean_text(o) for o in meta["objectives"]),
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


def _check_front_matter(
    meta: dict[str, Any], path: Path, text: str, problems: list[Problem]
) -> None:
    for key in ("title", "summary"):
        if not meta[key].strip():
            problems.append(Problem(path, key_line(text, key), f"'{key}' must not be empty"))
    if not 1 <= meta["minutes"] <= 180:
        problems.append(
            Problem(path, key_line(text, "minutes"), "'minutes' must be between 1 and 180")
        )
    objectives = meta["objectives"]
    if not objectives or not all(isinstance(o, str) and o.strip() for o in objectives):
        problems.append(
            Problem(
                path,
                key_line(text, "objectives"),
                "'objectives' must be a non-empty list of non-empty strings",
            )
        )


# -- shared helpers -------------------------------------------------------------------


def _read_text(path: Path, root: Path, problems: list[Problem]) -> str | None:
    """The file's text, or None after recording why it cannot be read (see ``untrusted``)."""
    try:
        return read_text(path, root=root)
    except UntrustedFileError as exc:
        problems.append(Problem(path, None, str(exc)))
        return None


def _read_toml(path: Path, root: Path, problems: list[Problem]) -> dict[str, Any] | None:
    text = _read_text(path, root, problems)
    if text is None:
        return None
    try:
        return parse_toml(text)
    except TomlProblem as exc:
        problems.append(Problem(path, exc.line, exc.message))
        return None


def _check_keys(
    data: dict[str, Any],
    allowed: dict[str, type],
    path: Path,
    text: str,
    problems: list[Problem],
    *,
    required: bool,
) -> None:
    for key in data:
        if key not in allowed:
            problems.append(Problem(path, key_line(text, key), f"unknown key '{key}'"))
    for key, kind in allowed.items():
        if key not in data:
            if required:
                problems.append(Problem(path, None, f"missing key '{key}'"))
        elif not isinstance(data[key], kind) or isinstance(data[key], bool):
            problems.append(
                Problem(path, key_line(text, key), f"'{key}' must be a {_type_name(kind)}")
            )


def _type_name(kind: type) -> str:
    return {str: "string", int: "whole number", list: "list"}.get(kind, kind.__name__)
