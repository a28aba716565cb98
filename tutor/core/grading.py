"""Grading a learner's response to one quiz question.

Pure functions, no I/O: :func:`grade` takes a validated question and a response and returns a
:class:`Grade`. Responses per question type (choice and item numbers are indices into the
lists *as written in the quiz file*, not as shown after shuffling):

=============  ==========================  =============================================
type           response                    scored
=============  ==========================  =============================================
single         ``int``                     1 if it is the correct choice, else 0
multiple       ``set[int]``/``frozenset``  (right picks - wrong picks) / correct choices, >= 0
truefalse      ``bool``                    1 or 0
short          ``str``                     1 if it matches an accepted answer or the pattern
numeric        ``str`` (as typed)          1 if within the tolerance; "not a number" if unreadable
ordering       ``list[int]``               share of positions holding the right item
cloze          ``list[str]`` (per blank)   share of blanks right
=============  ==========================  =============================================

A grade is *correct* only when the score is 1.0 and no hint was used; that is what review
scheduling sees. Partial credit follows docs/pack-format.md ("Partly right answers").
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from tutor.core import answer_pattern
from tutor.core.quiz import (
    ClozeQuestion,
    MultipleQuestion,
    NumericQuestion,
    OrderingQuestion,
    Question,
    ShortQuestion,
    SingleQuestion,
    TrueFalseQuestion,
)

Response = int | bool | str | Collection[int] | Sequence[str]
# Relative allowance for binary rounding, so 0.1 + 0.2 counts as 0.3 with tolerance 0.
ROUNDING = 1e-9


@dataclass(frozen=True)
class Grade:
    """The result of grading one response.

    `parts` says which parts were right: per choice picked-correctly for choice questions, per
    position for ordering, per blank for cloze, one entry otherwise. `feedback` holds the
    authors' per-choice feedback for the choices picked. `problem` is set (and the score 0)
    when the response could not be read, e.g. "not a number": ask again rather than record it.
    """

    score: float
    correct: bool
    hinted: bool
    explanation: str
    expected: str
    parts: tuple[bool, ...] = ()
    feedback: tuple[str, ...] = ()
    problem: str | None = None


def grade(question: Question, response: Response, *, hinted: bool = False) -> Grade:
    """Score `response` to `question`; never raises for a response of the right kind."""
    score, parts, feedback, problem = _score(question, response)
    return Grade(
        score=score,
        correct=score == 1.0 and not hinted and problem is None,
        hinted=hinted,
        explanation=question.explanation,
        expected=expected_answer(question),
        parts=parts,
        feedback=feedback,
        problem=problem,
    )


_Scored = tuple[float, tuple[bool, ...], tuple[str, ...], str | None]


def _score(question: Question, response: Response) -> _Scored:
    """Dispatch on question type to the scoring rule."""
    if isinstance(question, SingleQuestion):
        return _score_single(question, response)
    if isinstance(question, MultipleQuestion):
        return _score_multiple(question, response)
    if isinstance(question, TrueFalseQuestion):
        right = isinstance(response, bool) and response == question.answer
        return float(right), (right,), (), None
    if isinstance(question, ShortQuestion):
        return _score_short(question, response)
    if isinstance(question, NumericQuestion):
        return _score_numeric(question, response)
    if isinstance(question, OrderingQuestion):
        return _score_ordering(question, response)
    return _score_cloze(question, response)


def _score_single(question: SingleQuestion, response: Response) -> _Scored:
    """One choice picked: right if it is the correct one."""
    picked = response if isinstance(response, int) and not isinstance(response, bool) else -1
    right = 0 <= picked < len(question.choices) and question.choices[picked].correct
    return float(right), (right,), _feedback(question, {picked}), None


def _score_multiple(question: MultipleQuestion, response: Response) -> _Scored:
    """(right picks - wrong picks) / number of correct choices, never below 0.

    Picking everything therefore scores 0 unless most choices are correct, and missing one of
    two correct choices without a wrong pick scores 0.5.
    """
    n = len(question.choices)
    raw = response if isinstance(response, Collection) and not isinstance(response, str) else ()
    picked = {i for i in raw if isinstance(i, int) and 0 <= i < n}
    correct = {i for i, choice in enumerate(question.choices) if choice.correct}
    score = max(0.0, (len(picked & correct) - len(picked - correct)) / len(correct))
    parts = tuple((i in picked) == (i in correct) for i in range(n))
    return score, parts, _feedback(question, picked), None


def _feedback(
    question: SingleQuestion | MultipleQuestion, picked: Collection[int]
) -> tuple[str, ...]:
    """The authors' feedback for the picked choices, in file order."""
    return tuple(
        choice.feedback
        for i, choice in enumerate(question.choices)
        if i in picked and choice.feedback is not None
    )


def _score_numeric(question: NumericQuestion, response: Response) -> _Scored:
    """Right when |given - answer| <= tolerance (plus a rounding allowance)."""
    value, problem = parse_number(str(response), unit=question.unit)
    if value is None:
        return 0.0, (False,), (), problem
    allowance = question.tolerance + ROUNDING * max(1.0, abs(question.answer))
    right = abs(value - question.answer) <= allowance
    return float(right), (right,), (), None


def _score_ordering(question: OrderingQuestion, response: Response) -> _Scored:
    """The share of positions holding the item that belongs there."""
    order = (
        list(response) if isinstance(response, Sequence) and not isinstance(response, str) else []
    )
    n = len(question.items)
    parts = tuple(k < len(order) and order[k] == k for k in range(n))
    return sum(parts) / n, parts, (), None


def _score_cloze(question: ClozeQuestion, response: Response) -> _Scored:
    """The share of blanks whose answer is accepted, each matched like a short answer."""
    given = (
        list(response) if isinstance(response, Sequence) and not isinstance(response, str) else []
    )
    parts = tuple(
        k < len(given) and isinstance(given[k], str) and _accepted(given[k], accepted)
        for k, accepted in enumerate(question.blanks)
    )
    return sum(parts) / len(parts), parts, (), None


# --- text matching -----------------------------------------------------------------------------

_SPACE_RE = re.compile(r"\s+")


def _tidy(text: str) -> str:
    """NFKC, collapsed whitespace, trailing punctuation removed; case kept."""
    text = _SPACE_RE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    end = len(text)
    while end and (unicodedata.category(text[end - 1]).startswith("P") or text[end - 1] == " "):
        end -= 1
    return text[:end]


def normalise(text: str) -> str:
    """The form short and cloze answers are compared in: NFKC, casefolded, tidy whitespace,
    no trailing punctuation. "  Attention   Heads! " and "attention heads" are equal."""
    return _tidy(text).casefold()


def _accepted(given: str, accepted: Sequence[str]) -> bool:
    """Whether a typed answer equals one of the accepted answers after normalising both,
    or is an accepted answer followed by its own acronym in brackets ("long short-term
    memory (LSTM)"): a learner who adds the abbreviation has not answered differently."""
    mine = normalise(given)
    if not mine:
        return False
    if any(mine == normalise(answer) for answer in accepted):
        return True
    split = _ACRONYM_TAIL.fullmatch(mine)
    if split is None:
        return False
    words, acronym = normalise(split.group("words")), split.group("acronym")
    return is_acronym(acronym, words) and any(words == normalise(a) for a in accepted)


# An answer ending in one bracketed word, as normalise() leaves it (casefolded, and the closing
# bracket gone with the trailing punctuation): "grouped-query attention (gqa".
_ACRONYM_TAIL = re.compile(r"(?P<words>.*\S)\s*\((?P<acronym>[^\W_]{2,12})\)?")
# Short words an acronym usually skips: RLHF is "reinforcement learning from human feedback".
_SKIPPABLE = frozenset({"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "the", "to"})
_WORD_SPLIT = re.compile(r"[\s\-\u2010-\u2015/]+")


def is_acronym(acronym: str, phrase: str) -> bool:
    """Whether ``acronym`` spells the initials of ``phrase``'s words (split at spaces and
    hyphens), short words such as "of" or "from" being optional and a plural "s" allowed:
    GQA for "grouped-query attention", MoE for "mixture of experts", LLMs for "large language
    models"."""
    letters = acronym.casefold()
    words = [w for w in _WORD_SPLIT.split(phrase.casefold()) if w]
    if _spells(letters, words):
        return True
    return letters.endswith("s") and _spells(letters[:-1], words)


def _spells(letters: str, words: list[str]) -> bool:
    """True when the letters are the words' initials in order, skippable words optional."""
    if not words:
        return not letters
    first, rest = words[0], words[1:]
    if letters and letters[0] == first[0] and _spells(letters[1:], rest):
        return True
    return first in _SKIPPABLE and _spells(letters, rest)


def _score_short(question: ShortQuestion, response: Response) -> _Scored:
    """An accepted answer, or the pattern matching the whole (tidied) answer, ignoring case; a
    pattern that runs out of time counts as no match, and the feedback says so."""
    if not isinstance(response, str):
        return 0.0, (False,), (), None
    try:
        right = short_matches(question, response)
    except answer_pattern.PatternTooSlow as slow:
        return 0.0, (False,), (str(slow),), None
    return float(right), (right,), (), None


def short_matches(question: ShortQuestion, given: str) -> bool:
    """An accepted answer, or the pattern matching the whole (tidied) answer, ignoring case.

    Raises :class:`tutor.core.answer_pattern.PatternTooSlow` when the pattern runs out of time.
    """
    if _accepted(given, question.answers):
        return True
    if question.pattern is None:
        return False
    tidy = _tidy(given)
    return bool(tidy) and answer_pattern.matches(question.pattern, tidy)


# --- numbers -----------------------------------------------------------------------------------

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?")
# Thousands groups: "1,000", "1 000 000.5"; a single separator kind per number.
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?P<sep>[, ])\d{3}((?P=sep)\d{3})*(\.\d*)?(e[+-]?\d+)?")
_MINUS_SIGNS = "\u2212\u2012\u2013\ufe63\uff0d"


def _unit_spellings(unit: str | None) -> list[str]:
    """How a learner may type the unit after the number ("%" and "percent" are the same)."""
    if not unit or not unit.strip():
        return []
    spelled = unit.strip().casefold()
    if spelled in {"%", "percent"}:
        return ["percent", "%"]
    return [spelled]


def parse_number(text: str, *, unit: str | None = None) -> tuple[float | None, str | None]:
    """Read a typed number: "1e3", "1,000", "1 000", "−5" (Unicode minus), "1000 tokens".

    Returns (value, None), or (None, reason) for anything else, nan and inf included: a
    learner's typo is a message to show, not an exception.
    """
    cleaned = _SPACE_RE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()
    for sign in _MINUS_SIGNS:
        cleaned = cleaned.replace(sign, "-")
    for suffix in _unit_spellings(unit):
        if cleaned.endswith(suffix):
            cleaned = cleaned[: -len(suffix)].strip()
            break
    if _GROUPED_NUMBER.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "").replace(" ", "")
    if not _PLAIN_NUMBER.fullmatch(cleaned):
        shown = text.strip()[:40]
        hint = " (use a point for decimals: 1.5)" if re.fullmatch(r"-?\d+,\d+", cleaned) else ""
        return None, f"{shown!r} is not a number{hint}" if shown else "not a number: type a number"
    value = float(cleaned)
    if not math.isfinite(value):
        return None, f"{text.strip()[:40]!r} is too large to be a useful number"
    return value, None


# --- showing and recording ------------------------------------------------------------------


def expected_answer(question: Question) -> str:
    """The right answer as plain text, to show after a wrong answer."""
    if isinstance(question, SingleQuestion | MultipleQuestion):
        return "; ".join(choice.text for choice in question.choices if choice.correct)
    if isinstance(question, TrueFalseQuestion):
        return "true" if question.answer else "false"
    if isinstance(question, ShortQuestion):
        return question.answers[0]
    if isinstance(question, NumericQuestion):
        return _numeric_answer(question)
    if isinstance(question, OrderingQuestion):
        return " → ".join(question.items)
    return "; ".join(blank[0] for blank in question.blanks)


def _numeric_answer(question: NumericQuestion) -> str:
    """E.g. "1000 tokens (± 5)"."""
    text = f"{question.answer:g}"
    if question.unit:
        text += f" {question.unit}"
    if question.tolerance:
        text += f" (± {question.tolerance:g})"
    return text


def encode_response(response: Response) -> str:
    """A response as JSON for the progress store; sets are sorted so equal picks compare equal."""
    if isinstance(response, bool | int | str):
        return json.dumps(response, ensure_ascii=False)
    if isinstance(response, set | frozenset):
        return json.dumps(sorted(response), ensure_ascii=False)
    return json.dumps(list(response), ensure_ascii=False)
