"""The words both quiz front ends share: per-type labels, verdicts, blank numbers, choices."""

from __future__ import annotations

import pytest

from tutor.core.grading import Grade
from tutor.core.quiz_models import QUESTION_TYPES
from tutor.core.quiz_text import HOW, KIND, TYPE_TEXT, choice_numbers, number_blanks, verdict


def test_every_question_type_has_its_words() -> None:
    assert set(TYPE_TEXT) == set(QUESTION_TYPES) == set(KIND) == set(HOW)


def grade(score: float, hinted: bool = False) -> Grade:
    return Grade(
        score=score,
        correct=score == 1.0 and not hinted,
        hinted=hinted,
        feedback=(),
        expected="x",
        explanation="e",
    )


@pytest.mark.parametrize(
    ("score", "hinted", "words", "tone", "note"),
    [
        (1.0, False, "Right", "right", ""),
        (1.0, True, "Right", "right", "with a hint: it will come back for review"),
        (0.5, False, "Partly right (50%)", "partly", ""),
        (0.0, False, "Not quite", "wrong", ""),
    ],
)
def test_verdict(score: float, hinted: bool, words: str, tone: str, note: str) -> None:
    said = verdict(grade(score, hinted))
    assert (said.words, said.tone, said.hint_note) == (words, tone, note)


def test_blanks_are_numbered_in_order() -> None:
    assert number_blanks("a ___ b _____ c") == "a [blank 1] b [blank 2] c"
    assert number_blanks("a ___ b ___", "__({n})__") == "a __(1)__ b __(2)__"


@pytest.mark.parametrize(
    ("typed", "numbers"),
    [("1", [1]), ("3 1 2", [3, 1, 2]), ("2,1", [2, 1]), (" 1 ; 3 ", [1, 3]), ("4", None)],
)
def test_choice_numbers(typed: str, numbers: list[int] | None) -> None:
    assert choice_numbers(typed, 3) == numbers


@pytest.mark.parametrize("typed", ["²", "١", "9" * 5000, "1.0", "-1", "0", "", "one"])
def test_what_is_not_a_choice_number(typed: str) -> None:
    assert choice_numbers(typed, 3) is None
