"""Load a lesson pack (the built-in course or an instructor's) without trusting its files.

A pack is a folder with ``pack.toml``, ``lessons/NN-slug.md`` and ``quizzes/NN-slug.toml``
(see docs/pack-format.md). Loading collects every problem it can find and raises one
``PackError`` listing them as ``file:line: problem``; nothing in a pack is ever executed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.core.demo_block import DemoBlock, demo_blocks
from tutor.core.errors import PackError, Problem
from tutor.core.sanitize import clean_text
from tutor.core.untrusted import (
    SLUG_BODY,
    TomlProblem,
    UntrustedFileError,
    key_line,
    parse_toml,
    read_text,
)

if TYPE_CHECKING:
    from tutor.core.demo import Demo
    from tutor.core.pack_checked import CheckedPacks

LESSON_FILE = re.compile(rf"^(\d{{2}})-({SLUG_BODY})\.md$")
# The modules whose rules a pack is checked against: a change to any of them checks every
# pack again, even one that passed before (see ``load_pack``'s ``checked``).
RULE_MODULES = ("pack.py", "pack_schema.py", "demo.py", "demo_block.py", "untrusted.py")


def _lessons_usable(data: dict[str, Any]) -> bool:
    """True when the manifest's lesson list can be followed although other values are wrong."""
    listed = data.get("lessons")
    return isinstance(listed, list) and all(isinstance(slug, str) for slug in listed)


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
    demo_blocks: tuple[DemoBlock, ...] = ()

    @cached_property
    def demos(self) -> tuple[Demo, ...]:
        """The lesson's demo blocks as checked specs, made when first asked for: the outline
        never needs them, so the app starts without importing pydantic for them."""
        from tutor.core.demo import checked_demos

        return checked_demos(self.path, self.demo_blocks)


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


def load_pack(root: Path, *, checked: CheckedPacks | None = None) -> Pack:
    """Read and check a whole pack; raise ``PackError`` with every problem found.

    With ``checked`` (the app at start-up), a pack whose files, and the rules, are exactly as
    they were when it last passed is read without running the schema checks again (its demo
    blocks are checked when first used); any other pack is checked in full and, when it
    passes, remembered. Without it (``pack check``, authoring, tests) every check runs.
    """
    files = _Files(root)  # each file read once, for the digest and the pack alike
    if checked is not None and checked.passed(files.digest()):
        return _read_pack(root, files, check=False)
    pack = _read_pack(root, files, check=True)
    if checked is not None:
        checked.add(files.digest())
    return pack


def _read_pack(root: Path, files: _Files, *, check: bool) -> Pack:
    """The pack, checked against the schemas when ``check`` (else only read and laid out)."""
    problems: list[Problem] = []
    manifest_path = root / "pack.toml"
    text = files.text(manifest_path, problems)
    if text is None:
        raise PackError(problems)
    try:
        data = parse_toml(text)
    except TomlProblem as exc:
        raise PackError([Problem(manifest_path, exc.line, exc.message)]) from exc
    if check:
        from tutor.core.pack_schema import check as check_schema

        valid, meaning_only = check_schema("manifest", data, manifest_path, text, problems)
        # Only what the keys mean is wrong (a bad id, say): check the lessons too, so the
        # author sees every problem at once.
        if not valid and not (meaning_only and _lessons_usable(data)):
            raise PackError(problems)
    lessons = _load_lessons(root, files, data["lessons"], manifest_path, text, check, problems)
    if problems:
        raise PackError(problems)
    return Pack(
        root=root,
        id=data["id"],
        title=clean_text(data["title"]),
        version=clean_text(data["version"]),
        authors=tuple(clean_text(author) for author in data["authors"]),
        licence=clean_text(data["licence"]),
        lessons=tuple(lessons),
    )


# -- lessons --------------------------------------------------------------------------


def _load_lessons(
    root: Path,
    files: _Files,
    listed: list[str],
    manifest_path: Path,
    text: str,
    check: bool,
    problems: list[Problem],
) -> list[Lesson]:
    found_files = _lesson_files(root, problems)
    for slug in sorted(set(found_files) - set(listed)):
        problems.append(
            Problem(found_files[slug][0], None, f"lesson '{slug}' is not listed in pack.toml")
        )
    lessons: list[Lesson] = []
    for slug in dict.fromkeys(listed):
        found = found_files.get(slug)
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
        lesson = _load_lesson(slug, found[0], root, files, check, problems)
        if lesson is not None:
            lessons.append(lesson)
    _check_quiz_files(root, found_files, problems)
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


def _load_lesson(
    slug: str, path: Path, root: Path, files: _Files, check: bool, problems: list[Problem]
) -> Lesson | None:
    text = files.text(path, problems)
    if text is None:
        return None
    text = text.replace("\r\n", "\n")  # a lesson saved on Windows reads the same
    before = len(problems)
    meta, body, body_line = _split_front_matter(path, text, problems)
    if meta is None:
        return None
    blocks = demo_blocks(body, body_line)
    if check and not _lesson_passes(path, text, meta, body, body_line, blocks, problems):
        return None
    if len(problems) > before:
        return None
    quiz = root / "quizzes" / f"{path.stem}.toml"
    return Lesson(
        slug=slug,
        path=path,
        title=clean_text(meta["title"]),
        summary=clean_text(meta["summary"]),
        minutes=meta["minutes"],
        objectives=tuple(clean_text(objective) for objective in meta["objectives"]),
        body=clean_text(body),
        quiz_path=quiz if quiz.is_file() else None,
        demo_blocks=blocks,
    )


def _lesson_passes(
    path: Path,
    text: str,
    meta: dict[str, Any],
    body: str,
    body_line: int,
    blocks: tuple[DemoBlock, ...],
    problems: list[Problem],
) -> bool:
    """The schema checks of one lesson: front matter, some text, and every demo block."""
    from tutor.core.demo import parse_demos
    from tutor.core.pack_schema import check as check_schema

    front_matter = text[: text.find("\n+++", 3)]
    valid, _meaning_only = check_schema("front matter", meta, path, front_matter, problems)
    if not valid:
        return False
    before = len(problems)
    if not body.strip():
        problems.append(Problem(path, body_line, "the lesson has no text after the front matter"))
    parse_demos(path, blocks, problems)
    return len(problems) == before


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


# -- reading, and what a check depended on ----------------------------------------------


class _Files:
    """The pack's files as read once (see ``untrusted``), and a digest of everything its
    schema checks depend on: the rules, the manifest and every lesson file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._texts: dict[Path, str] = {}

    def text(self, path: Path, problems: list[Problem]) -> str | None:
        """The file's text, or None after recording why it cannot be read."""
        if path not in self._texts:
            try:
                self._texts[path] = read_text(path, root=self.root)
            except UntrustedFileError as exc:
                problems.append(Problem(path, None, str(exc)))
                return None
        return self._texts[path]

    def digest(self) -> str | None:
        """The digest, or None when a file cannot be read (such a pack is never remembered)."""
        problems: list[Problem] = []
        rules = _rules_digest()
        lessons = _lesson_files(self.root, problems)
        if rules is None or problems:
            return None
        digest = hashlib.sha256(rules)
        for path in [self.root / "pack.toml", *sorted(p for ps in lessons.values() for p in ps)]:
            text = self.text(path, problems)
            digest.update(f"\0{path.name}\0{text}".encode())
        return None if problems else digest.hexdigest()


@cache
def _rules_digest() -> bytes | None:
    """A digest of the source of the modules that hold the rules (``RULE_MODULES``); None
    when it cannot be read (an install without sources): then every load checks in full."""
    here = Path(__file__).parent
    try:
        sources = b"".join((here / name).read_bytes() for name in RULE_MODULES)
    except OSError:
        return None
    return hashlib.sha256(sources).digest()
