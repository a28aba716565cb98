"""What both quiz front ends (the app's quiz screen and the plain ``quiz``/``review``) say.

One source for the words, so the two never drift apart: each question type's short label and
how to answer it in a plain terminal, the verdict after an answer, and how cloze blanks are
numbered so they can be referred to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tutor.core.grading import Grade
from tutor.core.quiz_models import BLANK_RE


@dataclass(frozen=True)
class TypeText:
    """The words for one question type: a short label, and how to answer in plain text."""

    label: str
    how: str


TYPE_TEXT: dict[str, TypeText] = {
    "single": TypeText("choose one", "Type the number of your answer."),
    "multiple": TypeText(
        "select all that apply",
        "Select all that apply: type their numbers separated by spaces, like 1 3.",
    ),
    "truefalse": TypeText("true or false", "Type t for true or f for false."),
    "short": TypeText("type a short answer", "Type your answer."),
    "numeric": TypeText("type a number", "Type a number."),
    "ordering": TypeText(
        "put in order", "Type the numbers in the right order, separated by spaces, like 3 1 2."
    ),
    "cloze": TypeText("fill the blanks", "Type the word for each blank in turn."),
}

KIND = {name: text.label for name, text in TYPE_TEXT.items()}  # the screen's status line
HOW = {name: text.how for name, text in TYPE_TEXT.items()}  # the plain front end's instruction

Tone = Literal["right", "partly", "wrong"]


@dataclass(frozen=True)
class Verdict:
    """Right, partly right or not, in words (``mark`` is the symbol the screen shows first)."""

    tone: Tone
    mark: str
    words: str
    hint_note: str  # "" unless a hint was used


def verdict(result: Grade) -> Verdict:
    """The verdict on a graded answer."""
    note = "with a hint: it will come back for review" if result.hinted else ""
    if result.score == 1.0:
        return Verdict("right", "✓", "Right", note)
    if result.score > 0:
        return Verdict("partly", "◐", f"Partly right ({result.score:.0%})", note)
    return Verdict("wrong", "✗", "Not quite", note)


def number_blanks(text: str, template: str = "[blank {n}]") -> str:
    """Cloze text with each blank (``___``) replaced by ``template`` numbered from 1."""
    counter = iter(range(1, len(BLANK_RE.findall(text)) + 1))
    return BLANK_RE.sub(lambda _match: template.format(n=next(counter)), text)


_ASCII_NUMBER = re.compile(r"[0-9]{1,3}")


def choice_numbers(text: str, count: int) -> list[int] | None:
    """The numbers typed for a choice question ("1 3", "2,1"), each 1..``count``; None if not.

    Only ASCII digits, at most three per number: ``²``, ``١`` or a 5000-digit line are simply
    not numbers here (``str.isdigit`` accepts them, and ``int`` then fails or takes forever).
    """
    words = re.split(r"[\s,;]+", text.strip(" ,;\t"))
    if not all(_ASCII_NUMBER.fullmatch(word) for word in words):
        return None
    numbers = [int(word) for word in words]
    return numbers if all(1 <= number <= count for number in numbers) else None
