"""Grading every question type, edge cases included (unicode, spacing, numbers, partial credit)."""

from __future__ import annotations

from typing import Any

import pytest

from tutor.core.grading import Response, encode_response, grade, normalise, parse_number
from tutor.core.quiz import _QUESTION_ADAPTER, Question

BASE = {"id": "q", "prompt": "p", "explanation": "Because."}


def make(**raw: Any) -> Question:
    """A validated question from keys (the common ones filled in)."""
    return _QUESTION_ADAPTER.validate_python({**BASE, **raw})


SINGLE = make(
    type="single",
    choices=[
        {"text": "a", "correct": True},
        {"text": "b", "feedback": "Not b."},
        {"text": "c"},
    ],
)
MULTIPLE = make(
    type="multiple",
    choices=[
        {"text": "a", "correct": True},
        {"text": "b", "correct": True},
        {"text": "c", "feedback": "c is wrong."},
        {"text": "d"},
    ],
)
TRUEFALSE = make(type="truefalse", answer=False)
SHORT = make(type="short", answers=["Attention heads", "héads"], pattern=r"multi-?head(ed)?")
NUMERIC = make(type="numeric", answer=1000.0, tolerance=0.0, unit="tokens")
TOLERANT = make(type="numeric", answer=10.0, tolerance=0.5)
NEGATIVE = make(type="numeric", answer=-5.0)
ORDERING = make(type="ordering", items=["one", "two", "three", "four"])
CLOZE = make(
    type="cloze", text="Queries meet ___ and mix ___.", blanks=[["keys", "key"], ["values"]]
)


@pytest.mark.parametrize(
    ("question", "response", "score"),
    [
        (SINGLE, 0, 1.0),
        (SINGLE, 1, 0.0),
        (SINGLE, 7, 0.0),  # out of range: wrong, not an error
        (SINGLE, True, 0.0),  # a bool is not a choice number
        (TRUEFALSE, False, 1.0),
        (TRUEFALSE, True, 0.0),
        (TRUEFALSE, "false", 0.0),  # wrong kind of response: wrong, not an error
    ],
)
def test_single_and_truefalse(question: Question, response: Response, score: float) -> None:
    assert grade(question, response).score == score


@pytest.mark.parametrize(
    ("picked", "score"),
    [
        ({0, 1}, 1.0),
        ({0}, 0.5),  # one of two right, nothing wrong
        ({0, 2}, 0.0),  # one right, one wrong: (1 - 1) / 2
        ({0, 1, 2}, 0.5),  # all right plus one wrong: (2 - 1) / 2
        ({0, 1, 2, 3}, 0.0),  # picking everything earns nothing
        ({2, 3}, 0.0),  # floored at 0, never negative
        (set(), 0.0),
        (frozenset({1, 0, 99}), 1.0),  # out-of-range picks are ignored
    ],
)
def test_multiple_partial_credit(picked: set[int], score: float) -> None:
    result = grade(MULTIPLE, picked)
    assert result.score == score
    assert result.correct is (score == 1.0)


def test_choice_feedback_is_for_picked_choices() -> None:
    assert grade(SINGLE, 1).feedback == ("Not b.",)
    assert grade(MULTIPLE, {0, 2}).feedback == ("c is wrong.",)
    assert grade(MULTIPLE, {0, 1}).feedback == ()
    assert grade(MULTIPLE, {0, 2}).parts == (True, False, False, True)


@pytest.mark.parametrize(
    ("given", "right"),
    [
        ("Attention heads", True),
        ("attention heads", True),
        ("  ATTENTION    heads  ", True),  # case and extra spaces
        ("attention\theads.", True),  # tab, trailing full stop
        ("attention heads?!…", True),  # several trailing punctuation marks
        ("ＡＴＴＥＮＴＩＯＮ heads", True),  # fullwidth letters (NFKC)
        ("ATTENTİON heads", False),  # dotted capital I is a different letter
        ("he\u0301ads", True),  # e + combining acute == é after NFKC
        ("HÉADS", True),
        ("multihead", True),  # pattern
        ("Multi-Headed.", True),  # pattern, case-insensitive, punctuation stripped
        ("multihead attention", False),  # the pattern must match the whole answer
        ("attention", False),
        ("", False),
        ("...", False),  # punctuation only is no answer
        ("'attention heads'", False),  # leading punctuation is kept
    ],
)
def test_short_answer_matching(given: str, right: bool) -> None:
    assert grade(SHORT, given).correct is right


@pytest.mark.parametrize(
    ("typed", "right"),
    [
        ("1000", True),
        ("1e3", True),
        ("1E3", True),
        ("1,000", True),
        ("1 000", True),
        ("1\u00a0000", True),  # no-break space as thousands separator
        ("1\u202f000.0", True),  # narrow no-break space
        ("+1000", True),
        ("1000 tokens", True),  # the question's unit may be typed
        ("1000.0000000001", True),  # binary rounding allowance
        ("１０００", True),  # fullwidth digits
        ("999", False),
        ("1001", False),
        ("10,00", False),  # misplaced thousands separator: not a number
    ],
)
def test_numeric_forms(typed: str, right: bool) -> None:
    result = grade(NUMERIC, typed)
    assert result.correct is right
    if typed == "10,00":
        assert result.problem is not None


@pytest.mark.parametrize(
    ("typed", "right"),
    [("9.5", True), ("10.5", True), ("10.50001", False), ("9.49", False), ("10", True)],
)
def test_numeric_tolerance_edges(typed: str, right: bool) -> None:
    assert grade(TOLERANT, typed).correct is right


@pytest.mark.parametrize("typed", ["−5", "-5", "\u2212 5".replace(" ", ""), "-5.0", "-5e0"])
def test_numeric_unicode_minus(typed: str) -> None:
    assert grade(NEGATIVE, typed).correct


@pytest.mark.parametrize(
    "typed", ["nan", "NaN", "inf", "-infinity", "1e999", "abc", "", "1..2", "0x10", "1,5"]
)
def test_numeric_rejects_garbage_without_raising(typed: str) -> None:
    result = grade(NUMERIC, typed)
    assert result.score == 0.0
    assert not result.correct
    assert result.problem
    assert "number" in result.problem


def test_parse_number_suggests_decimal_point() -> None:
    value, problem = parse_number("1,5")
    assert value is None
    assert problem is not None and "point" in problem


@pytest.mark.parametrize(
    ("order", "score"),
    [
        ([0, 1, 2, 3], 1.0),
        ([1, 0, 2, 3], 0.5),  # two in place
        ([3, 0, 1, 2], 0.0),  # everything shifted by one: nothing in place
        ([0, 1, 3, 2], 0.5),
        ([0, 2, 1, 3], 0.5),
        ([0], 0.25),  # short responses are graded position by position
        ([], 0.0),
    ],
)
def test_ordering_share_in_place(order: list[int], score: float) -> None:
    result = grade(ORDERING, order)
    assert result.score == score
    assert result.correct is (score == 1.0)


@pytest.mark.parametrize(
    ("blanks", "score"),
    [
        (["keys", "values"], 1.0),
        (["Key.", "  VALUES "], 1.0),  # any accepted answer, normalised
        (["keys", "queries"], 0.5),
        (["queries", "values"], 0.5),
        (["", ""], 0.0),
        (["keys"], 0.5),  # a missing blank is wrong
    ],
)
def test_cloze_share_of_blanks(blanks: list[str], score: float) -> None:
    assert grade(CLOZE, blanks).score == score


def test_hint_means_not_correct_but_full_score() -> None:
    result = grade(SINGLE, 0, hinted=True)
    assert result.score == 1.0
    assert not result.correct
    assert result.hinted


def test_grade_carries_explanation_and_expected() -> None:
    assert grade(SINGLE, 1).explanation == "Because."
    assert grade(SINGLE, 1).expected == "a"
    assert grade(MULTIPLE, set()).expected == "a; b"
    assert grade(NUMERIC, "1").expected == "1000 tokens"
    assert grade(TOLERANT, "1").expected == "10 (± 0.5)"
    assert grade(ORDERING, []).expected == "one → two → three → four"
    assert grade(CLOZE, []).expected == "keys; values"
    assert grade(TRUEFALSE, True).expected == "false"


def test_normalise() -> None:
    assert normalise("  Hello,   World!! ") == "hello, world"
    assert normalise("Straße") == normalise("STRASSE")  # casefold, not lower


@pytest.mark.parametrize(
    ("response", "encoded"),
    [
        (2, "2"),
        (True, "true"),
        ("héllo", '"héllo"'),
        ({3, 1}, "[1, 3]"),
        (frozenset({2}), "[2]"),
        ([2, 0, 1], "[2, 0, 1]"),
        (["keys", "values"], '["keys", "values"]'),
    ],
)
def test_encode_response(response: Response, encoded: str) -> None:
    assert encode_response(response) == encoded
