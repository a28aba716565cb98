"""Quiz files: reading and checking one, with every problem in plain English.

A quiz is one TOML file per lesson (``quizzes/NN-slug.toml``, format in
``docs/pack-format.md``, section "Quizzes"). Quiz files are untrusted content written by
instructors, so :func:`load_quiz` never lets anything but :class:`PackError` escape, and every
problem it reports names the file, the line when it can be found, the question and what is
wrong in plain English (``quizzes/01-intro.toml:12: question 'x': unknown key 'answr'``).

Validation runs in two passes per question: pydantic checks keys and types against the models
(``tutor.core.quiz_models``, re-exported here), then :func:`_semantic_problems` checks what a
schema cannot say (exactly one correct choice, distinct items, blanks matching answers, a regex
that compiles and cannot hang the grading). Each question is validated on its own so that one
broken question does not hide the others.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tutor.core import answer_pattern
from tutor.core.errors import PackError, Problem
from tutor.core.plain_errors import plain_error
from tutor.core.quiz_models import (
    _QUESTION_ADAPTER,
    BLANK_RE,
    MAX_CHOICES,
    QUESTION_TYPES,
    ChoiceQuestion,
    ClozeQuestion,
    MultipleQuestion,
    NumericQuestion,
    OrderingQuestion,
    Question,
    Quiz,
    ShortQuestion,
    SingleQuestion,
    TrueFalseQuestion,
    _QuizHeader,
)
from tutor.core.untrusted import TomlProblem, UntrustedFileError, key_line, parse_toml, read_text

__all__ = [
    "BLANK_RE",
    "MAX_CHOICES",
    "QUESTION_TYPES",
    "ClozeQuestion",
    "MultipleQuestion",
    "NumericQuestion",
    "OrderingQuestion",
    "Question",
    "Quiz",
    "ShortQuestion",
    "SingleQuestion",
    "TrueFalseQuestion",
    "check_quiz",
    "load_quiz",
]

# --- file and line helpers ------------------------------------------------------------------

_QUESTION_HEADER_RE = re.compile(r"^\s*\[\[\s*(?:questions|\"questions\")\s*\]\]")


@dataclass(frozen=True)
class _Lines:
    """Finds the line of a question or key in a quiz file's text, for error messages.

    TOML does not keep positions, so this scans the text. It understands the usual layout
    (one ``[[questions]]`` table per question, one inline choice table per line) and falls
    back to a less precise line, or none, for anything else.
    """

    text: str
    lines: tuple[str, ...]
    headers: tuple[int, ...]  # 0-based line index of each [[questions]] header

    @classmethod
    def of(cls, text: str) -> _Lines:
        """Index a file's text."""
        lines = tuple(text.splitlines())
        headers = tuple(i for i, line in enumerate(lines) if _QUESTION_HEADER_RE.match(line))
        return cls(text, lines, headers)

    def _block(self, index: int | None) -> range:
        """The line range of question `index` (None: the part before the first question)."""
        if index is None:
            return range(0, self.headers[0] if self.headers else len(self.lines))
        if index >= len(self.headers):
            return range(0)
        end = self.headers[index + 1] if index + 1 < len(self.headers) else len(self.lines)
        return range(self.headers[index], end)

    def key(self, index: int | None, key: str) -> int | None:
        """1-based line of `key = ...` in question `index` (or at top level)."""
        block = self._block(index)
        return key_line(self.text, key, block.start, block.stop)

    def question(self, index: int) -> int | None:
        """1-based line naming question `index`: its `id` line, else its header."""
        found = self.key(index, "id")
        if found is None and index < len(self.headers):
            return self.headers[index] + 1
        return found

    def nth_brace(self, index: int, key: str, nth: int) -> int | None:
        """1-based line of the `nth` inline table after `key` (a choice in `choices = [...]`)."""
        start = self.key(index, key)
        if start is None:
            return None
        seen = -1
        for i in range(start - 1, self._block(index).stop):
            seen += self.lines[i].count("{")
            if seen >= nth:
                return i + 1
        return start

    def at(self, index: int | None, loc: Sequence[str | int]) -> int | None:
        """Best line for an error at pydantic location `loc` inside question `index`."""
        if loc and isinstance(loc[0], str):
            if index is not None and loc[0] == "choices" and len(loc) > 1:
                line = self.nth_brace(index, "choices", int(loc[1]))
                if line is not None:
                    return line
            line = self.key(index, loc[0])
            if line is not None:
                return line
        return self.question(index) if index is not None else None


# --- semantic checks ---------------------------------------------------------------------------


def _semantic_problems(question: Question) -> Iterator[tuple[str | None, str]]:
    """What the schema cannot check, as (key or None, message) pairs."""
    if isinstance(question, SingleQuestion | MultipleQuestion):
        yield from _choice_problems(question)
    elif isinstance(question, ShortQuestion) and question.pattern is not None:
        yield from _pattern_problems(question.pattern)
    elif isinstance(question, NumericQuestion):
        yield from _numeric_problems(question)
    elif isinstance(question, OrderingQuestion):
        yield from _duplicates("items", "item", question.items)
    elif isinstance(question, ClozeQuestion):
        found = len(BLANK_RE.findall(question.text))
        if found != len(question.blanks):
            plural = "s" * (found != 1)
            message = f"'text' has {found} blank{plural} (___) but 'blanks' lists answers for"
            yield "blanks", f"{message} {len(question.blanks)}"


def _choice_problems(question: ChoiceQuestion) -> Iterator[tuple[str | None, str]]:
    """Single: exactly one correct choice; multiple: at least one; no repeated choices."""
    correct = sum(choice.correct for choice in question.choices)
    if question.type == "single" and correct != 1:
        message = "single-choice question needs exactly one correct choice"
        yield "choices", f"{message} (found {correct})"
    if question.type == "multiple" and correct == 0:
        yield "choices", "multiple-choice question needs at least one correct choice (found 0)"
    yield from _duplicates("choices", "choice", [choice.text for choice in question.choices])


def _duplicates(key: str, noun: str, texts: Sequence[str]) -> Iterator[tuple[str | None, str]]:
    """Report texts that appear more than once in a list that must be distinct."""
    seen: set[str] = set()
    for text in texts:
        if text in seen:
            yield key, f"{noun} {text!r} appears more than once ({key} must be distinct)"
        seen.add(text)


def _pattern_problems(pattern: str) -> Iterator[tuple[str | None, str]]:
    """The optional regular expression of a short-answer question must compile, and must not
    backtrack without end on a long answer (see ``tutor.core.answer_pattern``)."""
    problem = answer_pattern.compile_problem(pattern)
    if problem is not None:
        yield "pattern", problem


def _numeric_problems(question: NumericQuestion) -> Iterator[tuple[str | None, str]]:
    """Numbers must be finite, and a tolerance cannot be negative."""
    if not math.isfinite(question.answer):
        yield "answer", "'answer' must be a finite number (not nan or inf)"
    if not math.isfinite(question.tolerance):
        yield "tolerance", "'tolerance' must be a finite number (not nan or inf)"
    elif question.tolerance < 0:
        yield "tolerance", f"'tolerance' must not be negative (found {question.tolerance:g})"


# --- the loader --------------------------------------------------------------------------------


def load_quiz(path: Path) -> Quiz:
    """Read and validate one quiz file; raises PackError listing every problem found."""
    quiz, problems = check_quiz(path)
    if quiz is None:
        raise PackError(problems)
    return quiz


def check_quiz(path: Path) -> tuple[Quiz | None, list[Problem]]:
    """Validate a quiz file without raising: the quiz (None if broken) and all its problems.

    The file is read like every untrusted file (``tutor.core.untrusted``): a real file inside
    its pack folder (the quiz folder's parent), at most ``MAX_FILE_BYTES``.
    """
    try:
        text = read_text(path, root=path.parent.parent)
        data = parse_toml(text)
    except UntrustedFileError as error:
        return None, [Problem(path, None, str(error))]
    except TomlProblem as error:
        return None, [Problem(path, error.line, error.message)]
    return _validate(path, _Lines.of(text), data)


def _validate(path: Path, lines: _Lines, data: dict[str, Any]) -> tuple[Quiz | None, list[Problem]]:
    """Check the top level, then every question on its own, then ids across questions."""
    problems: list[Problem] = []
    header: _QuizHeader | None = None
    try:
        header = _QuizHeader.model_validate(data)
    except ValidationError as error:
        problems += [Problem(path, lines.at(None, e["loc"]), _plain(e)) for e in error.errors()]
    raws = data.get("questions")
    raws = raws if isinstance(raws, list) else []
    questions: list[Question] = []
    for index, raw in enumerate(raws):
        if not isinstance(raw, dict):
            continue  # already reported by the header: "question N must be a table"
        question, found = _validate_question(path, lines, index, raw)
        problems += found
        if question is not None:
            questions.append(question)
    problems += _duplicate_ids(path, lines, raws)
    if problems or header is None:
        return None, problems
    return Quiz(title=header.title, shuffle=header.shuffle, questions=questions), []


def _plain(error: Any) -> str:
    """A pydantic error in words; an unknown question type lists the types there are."""
    return plain_error(error, union_types=QUESTION_TYPES)


def _name(index: int, raw: dict[str, Any]) -> str:
    """How messages name a question: by id when it has a usable one, else by position."""
    ident = raw.get("id")
    if isinstance(ident, str) and ident.strip():
        return f"question {ident!r}"
    return f"question {index + 1}"


def _validate_question(
    path: Path, lines: _Lines, index: int, raw: dict[str, Any]
) -> tuple[Question | None, list[Problem]]:
    """Schema then semantic checks for one question."""
    name = _name(index, raw)
    try:
        question = _QUESTION_ADAPTER.validate_python(raw)
    except ValidationError as error:
        problems = []
        for e in error.errors():
            loc = tuple(e["loc"])
            if loc and loc[0] == raw.get("type"):
                loc = loc[1:]  # drop the discriminator's tag pydantic puts first
            plain = _plain({**e, "loc": loc})
            if e["type"] == "union_tag_invalid":
                loc = ("type",)  # point at the line with the unknown type
            problems.append(Problem(path, lines.at(index, loc), f"{name}: {plain}"))
        return None, problems
    problems = [
        Problem(path, lines.at(index, (key,)) if key else lines.question(index), f"{name}: {msg}")
        for key, msg in _semantic_problems(question)
    ]
    return (None if problems else question), problems


def _duplicate_ids(path: Path, lines: _Lines, raws: list[Any]) -> list[Problem]:
    """Question ids must be unique in a quiz: progress and review cards are keyed by them."""
    first: dict[str, int] = {}
    problems = []
    for index, raw in enumerate(raws):
        ident = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(ident, str):
            continue
        if ident in first:
            where = lines.question(first[ident])
            also = f" (first used on line {where})" if where else ""
            message = f"question {ident!r}: id used more than once{also}"
            problems.append(Problem(path, lines.question(index), message))
        else:
            first[ident] = index
    return problems
