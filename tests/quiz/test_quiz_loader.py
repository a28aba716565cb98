"""Loading quiz files: a good file loads; each kind of mistake is reported with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.core.errors import PackError, Problem
from tutor.core.quiz import ClozeQuestion, SingleQuestion, check_quiz, load_quiz
from tutor.core.session import presented_order, shuffled_order

GOOD = """\
title = "Check"
shuffle = false

[[questions]]
id = "pick-one"
type = "single"
prompt = "Which?"
explanation = "The first."
hint = "Not the second."
tags = ["basics"]
choices = [
  { text = "first", correct = true },
  { text = "second", feedback = "No." },
]

[[questions]]
id = "fill"
type = "cloze"
prompt = "Fill in."
explanation = "Keys and values."
text = "Queries meet ___ and mix ____."
blanks = [["keys", "key"], ["values"]]
"""

# One question per type, all valid; used as the base for the malformed cases below.
ALL_TYPES = """\
[[questions]]
id = "s"
type = "single"
prompt = "p"
explanation = "e"
choices = [
  { text = "a", correct = true },
  { text = "b" },
]

[[questions]]
id = "m"
type = "multiple"
prompt = "p"
explanation = "e"
choices = [
  { text = "a", correct = true },
  { text = "b", correct = true },
  { text = "c" },
]

[[questions]]
id = "tf"
type = "truefalse"
prompt = "p"
explanation = "e"
answer = true

[[questions]]
id = "sh"
type = "short"
prompt = "p"
explanation = "e"
answers = ["x"]
pattern = "x+"

[[questions]]
id = "n"
type = "numeric"
prompt = "p"
explanation = "e"
answer = 1000
tolerance = 0.5
unit = "tokens"

[[questions]]
id = "o"
type = "ordering"
prompt = "p"
explanation = "e"
items = ["a", "b", "c"]

[[questions]]
id = "c"
type = "cloze"
prompt = "p"
explanation = "e"
text = "a ___ b ___"
blanks = [["x"], ["y"]]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "quizzes" / "01-intro.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(PackError) as caught:
        load_quiz(path)
    return caught.value.problems


def test_good_quiz_loads(tmp_path: Path) -> None:
    quiz = load_quiz(write(tmp_path, GOOD))
    assert quiz.title == "Check"
    assert quiz.shuffle is False
    first, second = quiz.questions
    assert isinstance(first, SingleQuestion)
    assert first.choices[1].feedback == "No."
    assert first.tags == ["basics"]
    assert isinstance(second, ClozeQuestion)
    assert second.blanks == [["keys", "key"], ["values"]]
    assert quiz.question("fill") is second


def test_every_type_loads(tmp_path: Path) -> None:
    quiz = load_quiz(write(tmp_path, ALL_TYPES))
    assert [q.type for q in quiz.questions] == [
        "single", "multiple", "truefalse", "short", "numeric", "ordering", "cloze",
    ]  # fmt: skip
    assert quiz.shuffle is True  # the default
    numeric = quiz.question("n")
    assert numeric.answer == 1000.0 and isinstance(numeric.answer, float)  # type: ignore[union-attr]


def replace(old: str, new: str, base: str = ALL_TYPES) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


# (file text, expected line, expected message): each message is what an instructor reads.
CASES = {
    "unknown key": (
        replace("answer = true", "answr = true"),
        27,
        "question 'tf': unknown key 'answr'",
    ),
    "missing key": (
        replace('id = "tf"\ntype = "truefalse"\nprompt = "p"\n', 'id = "tf"\ntype = "truefalse"\n'),
        23,
        "question 'tf': missing key 'prompt'",
    ),
    "wrong type": (
        replace("answer = true", 'answer = "true"'),
        27,
        "question 'tf': 'answer' must be true or false",
    ),
    "unknown question type": (
        replace('type = "truefalse"', 'type = "yesno"'),
        24,
        "question 'tf': unknown type 'yesno' (expected one of: single, multiple, truefalse",
    ),
    "missing type": (
        replace('type = "truefalse"\n', ""),
        23,
        "question 'tf': missing key 'type'",
    ),
    "duplicate id": (
        replace('id = "m"', 'id = "s"'),
        12,
        "question 's': id used more than once (first used on line 2)",
    ),
    "id not a slug": (
        replace('id = "m"', 'id = "Multi Choice"'),
        12,
        "question 'Multi Choice': 'id' must be a slug",
    ),
    "no correct choice": (
        replace(
            '{ text = "a", correct = true },\n  { text = "b" },',
            '{ text = "a" },\n  { text = "b" },',
        ),
        6,
        "question 's': single-choice question needs exactly one correct choice (found 0)",
    ),
    "two correct in single": (
        replace('{ text = "b" },', '{ text = "b", correct = true },'),
        6,
        "question 's': single-choice question needs exactly one correct choice (found 2)",
    ),
    "no correct in multiple": (
        replace(
            '"a", correct = true },\n  { text = "b", correct = true },', '"a" },\n  { text = "b" },'
        ),
        16,
        "question 'm': multiple-choice question needs at least one correct choice (found 0)",
    ),
    "unknown key in a choice": (
        replace('{ text = "b" },', '{ text = "b", feedbak = "no" },'),
        8,
        "question 's': choice 2: unknown key 'feedbak'",
    ),
    "one choice only": (
        replace(
            '  { text = "a", correct = true },\n  { text = "b" },\n',
            '  { text = "a", correct = true },\n',
        ),
        6,
        "question 's': 'choices' needs 2 to 8 entries (found 1)",
    ),
    "duplicate choices": (
        replace('{ text = "b" },', '{ text = "a " },').replace('"a "', '"a"', 1),
        6,
        "question 's': choice 'a' appears more than once",
    ),
    "duplicate ordering items": (
        replace('items = ["a", "b", "c"]', 'items = ["a", "b", "a"]'),
        51,
        "question 'o': item 'a' appears more than once (items must be distinct)",
    ),
    "negative tolerance": (
        replace("tolerance = 0.5", "tolerance = -0.5"),
        43,
        "question 'n': 'tolerance' must not be negative (found -0.5)",
    ),
    "nan answer": (
        replace("answer = 1000", "answer = nan"),
        42,
        "question 'n': 'answer' must be a finite number",
    ),
    "blank count mismatch": (
        replace('blanks = [["x"], ["y"]]', 'blanks = [["x"]]'),
        59,
        "question 'c': 'text' has 2 blanks (___) but 'blanks' lists answers for 1",
    ),
    "empty blank answer list": (
        replace('blanks = [["x"], ["y"]]', 'blanks = [["x"], []]'),
        59,
        "question 'c': blank 2 needs at least 1 entry (found 0)",
    ),
    "empty text": (
        replace('prompt = "p"', 'prompt = "   "'),
        4,
        "question 's': 'prompt' must not be empty",
    ),
    "empty choice text": (
        replace('{ text = "b" },', '{ text = "" },'),
        8,
        "question 's': choice 2 'text' must not be empty",
    ),
    "empty accepted answer": (
        replace('answers = ["x"]', 'answers = ["x", ""]'),
        34,
        "question 'sh': answer 2 must not be empty",
    ),
    "bad regex": (
        replace('pattern = "x+"', 'pattern = "(x"'),
        35,
        "question 'sh': 'pattern' is not a valid regular expression: missing ) at position 2",
    ),
    "regex that backtracks without end": (
        replace('pattern = "x+"', 'pattern = "(x|xx)+$"'),
        35,
        "question 'sh': 'pattern' takes too long on a long answer ('x' × 499 then '!')",
    ),
    "question not a table": (
        "questions = [1]\n",
        1,
        "question 1 must be a table",
    ),
    "no questions": (
        'title = "t"\nquestions = []\n',
        2,
        "'questions' needs at least 1 entry (found 0)",
    ),
    "unknown top-level key": (
        'titel = "t"\n' + ALL_TYPES,
        1,
        "unknown key 'titel'",
    ),
    "toml syntax error": (
        replace("answer = true", "answer = "),
        27,
        "invalid TOML: Invalid value (column 10)",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_malformed_quiz_is_reported(tmp_path: Path, case: str) -> None:
    text, line, message = CASES[case]
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p for p in problems if message in p.message], problems
    found = next(p for p in problems if message in p.message)
    assert found.file == path
    assert found.line == line
    assert str(found).startswith(f"{path}:{line}: ")


def test_all_problems_of_a_file_at_once(tmp_path: Path) -> None:
    text = replace("answer = true", "answr = true")
    text = replace("tolerance = 0.5", "tolerance = -1", text)
    text = replace('items = ["a", "b", "c"]', 'items = ["a", "a", "c"]', text)
    problems = problems_of(write(tmp_path, text))
    assert [(p.line, p.message) for p in problems] == [
        (23, "question 'tf': missing key 'answer'"),
        (27, "question 'tf': unknown key 'answr'"),
        (43, "question 'n': 'tolerance' must not be negative (found -1)"),
        (51, "question 'o': item 'a' appears more than once (items must be distinct)"),
    ]


def test_unreadable_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert problems_of(missing)[0].message == "file not found"
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b'title = "\xff"\n')
    assert "not UTF-8" in problems_of(binary)[0].message


def test_check_quiz_does_not_raise(tmp_path: Path) -> None:
    quiz, problems = check_quiz(write(tmp_path, "questions = 3\n"))
    assert quiz is None
    assert [p.message for p in problems] == ["'questions' must be a list [...]"]


def test_shuffle_is_stable_and_a_permutation() -> None:
    first = shuffled_order(6, "learner-1", "q")
    assert sorted(first) == list(range(6))
    assert shuffled_order(6, "learner-1", "q") == first  # a redraw does not reshuffle
    others = {tuple(shuffled_order(6, f"learner-{i}", "q")) for i in range(20)}
    assert len(others) > 5  # different learners see different orders
    retries = {tuple(shuffled_order(6, "learner-1", "q", attempt)) for attempt in range(20)}
    assert len(retries) > 5  # a retake may reshuffle


def test_presented_order(tmp_path: Path) -> None:
    quiz = load_quiz(write(tmp_path, ALL_TYPES))
    single, ordering, numeric = quiz.question("s"), quiz.question("o"), quiz.question("n")
    assert presented_order(single, "x", shuffle=False) == [0, 1]
    assert presented_order(numeric, "x") == []
    for learner in map(str, range(50)):  # ordering items are never shown in the right order
        order = presented_order(ordering, learner)
        assert sorted(order) == [0, 1, 2] and order != [0, 1, 2]
