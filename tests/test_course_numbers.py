"""Editorial checks: every numeric quiz answer recomputed, nothing copied from the reference.

The formulas (tests/course_numbers.py) are written from each question's prompt, so a wrong
stored answer or tolerance fails here. The copying check needs the source document, which is
not part of the repository (benchmarks/editorial_check.py says where it looks); it is skipped
when the document is absent.
"""

from __future__ import annotations

import pytest

from benchmarks.editorial_check import (
    GRAM,
    ROOT,
    check_numbers,
    course_texts,
    find_reference,
    ngrams,
    overlap,
    reference_text,
    words,
)
from tests.course_numbers import FORMULAS


def test_every_numeric_answer_has_a_formula_and_matches_it() -> None:
    checks = check_numbers(ROOT)
    assert len(checks) >= 40
    assert {(c.quiz, c.question) for c in checks} == set(FORMULAS)
    wrong = [(c.quiz, c.question, c.stored, c.recomputed) for c in checks if not c.ok]
    assert wrong == []


def test_a_wrong_answer_is_caught() -> None:
    """The check itself can fail: a stored answer off by more than its tolerance."""
    check = check_numbers(ROOT)[0]
    moved = type(check)(
        check.quiz, check.question, check.stored + 2 * check.tolerance + 1, 0, check.recomputed
    )
    assert not moved.ok


def test_overlap_finds_a_copied_sentence() -> None:
    reference = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu"
    ref_words = words(reference)
    found = overlap(
        "x", "we write: " + reference + ". then more", ref_words, ngrams(ref_words, GRAM)
    )
    assert found.longest == 12
    assert found.runs == [reference]


def test_no_lesson_or_quiz_shares_a_long_run_with_the_reference() -> None:
    source = find_reference(None)
    if source is None:
        pytest.skip("the reference document is not on this machine")
    ref_words = words(reference_text(source))
    ref_grams = ngrams(ref_words, GRAM)
    found = [overlap(name, text, ref_words, ref_grams) for name, text in course_texts(ROOT)]
    assert len(found) == 28
    assert max(item.longest for item in found) < 10
    assert sum(item.shared_grams for item in found) == 0
