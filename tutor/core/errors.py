"""Errors raised while reading untrusted content (packs, quizzes, progress files).

Every problem names the file, the line when it is known, and what is wrong, so an
instructor can jump straight to it: ``lessons/02-history.md:3: unknown key 'titel'``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tutor.core.sanitize import clean_text


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in one file."""

    file: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        # Messages quote the author's text (keys, ids): never let it drive the terminal.
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        return clean_text(f"{where}: {self.message}")


class PackError(Exception):
    """A pack (or one file of it) could not be loaded; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (str(p.file), p.line or 0, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))
