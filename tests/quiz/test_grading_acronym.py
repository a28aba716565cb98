"""A short or cloze answer may end with the accepted answer's acronym in brackets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.core.grading import grade, is_acronym
from tutor.core.quiz import _QUESTION_ADAPTER, Question, check_quiz

BASE = {"id": "q", "prompt": "p", "explanation": "Because."}


def short(*answers: str) -> Question:
    """A validated short-answer question accepting ``answers``."""
    return _QUESTION_ADAPTER.validate_python({**BASE, "type": "short", "answers": list(answers)})


@pytest.mark.parametrize(
    ("accepted", "given"),
    [
        ("grouped-query attention", "grouped-query attention (GQA)"),
        ("grouped-query attention", "Grouped-Query Attention (gqa)."),
        ("long short-term memory", "long short-term memory (LSTM)"),
        ("mixture of experts", "mixture of experts (MoE)"),
        (
            "reinforcement learning from human feedback",
            "Reinforcement learning from human feedback (RLHF)",
        ),
        ("large language models", "large language models (LLMs)"),
        ("direct preference optimization", "direct preference optimization  (DPO) "),
        ("retrieval-augmented generation", "retrieval-augmented generation(RAG)"),
    ],
)
def test_trailing_acronym_of_an_accepted_answer_is_accepted(accepted: str, given: str) -> None:
    assert grade(short(accepted), given).correct


@pytest.mark.parametrize(
    ("accepted", "given"),
    [
        ("grouped-query attention", "grouped-query attention (MQA)"),  # the wrong acronym
        ("grouped-query attention", "multi-query attention (MQA)"),  # right acronym, wrong words
        ("grouped-query attention", "(GQA)"),  # nothing before the brackets
        ("grouped-query attention", "grouped-query attention (because heads share keys)"),
        ("long short-term memory", "long memory (LM)"),  # an acronym of the wrong words
        ("attention", "attention (A)"),  # one letter is not an acronym
    ],
)
def test_other_brackets_are_still_wrong(accepted: str, given: str) -> None:
    assert not grade(short(accepted), given).correct


def test_cloze_blanks_accept_the_acronym_too() -> None:
    question = _QUESTION_ADAPTER.validate_python(
        {
            **BASE,
            "type": "cloze",
            "text": "Heads share keys in ___.",
            "blanks": [["grouped-query attention"]],
        }
    )
    assert grade(question, ["grouped-query attention (GQA)"]).score == 1.0


@pytest.mark.parametrize(
    ("acronym", "phrase", "expected"),
    [
        ("gqa", "grouped-query attention", True),
        ("rlhf", "reinforcement learning from human feedback", True),
        ("rlfhf", "reinforcement learning from human feedback", True),  # the short word kept
        ("moe", "mixture of experts", True),
        ("me", "mixture of experts", True),
        ("llms", "large language models", True),
        ("gq", "grouped-query attention", False),  # a word left out
        ("gqaa", "grouped-query attention", False),
        ("sgd", "stochastic gradient", False),
    ],
)
def test_is_acronym(acronym: str, phrase: str, expected: bool) -> None:
    assert is_acronym(acronym, phrase) is expected


QUIZZES = Path(__file__).resolve().parents[2] / "quizzes"


def shipped(stem: str, question_id: str) -> Question:
    """One question of the built-in course's quiz ``stem``."""
    quiz, problems = check_quiz(QUIZZES / f"{stem}.toml")
    assert quiz is not None and not problems
    return next(q for q in quiz.questions if q.id == question_id)


@pytest.mark.parametrize(
    ("stem", "question_id", "given"),
    [
        ("03-transformer-and-attention", "gqa-name", "grouped-query attention (GQA)"),
        ("02-history", "lstm-name", "long short-term memory (LSTM)"),
        ("08-emergent-abilities", "mirage-metric", "exact-match accuracy"),
        ("09-gpt-bert-t5", "t5-objective-name", "denoising"),
        ("09-gpt-bert-t5", "t5-objective-name", "masked span prediction"),
        ("04-making-an-assistant", "loss-mask", "assistant's"),
        ("04-making-an-assistant", "loss-mask", "the assistant's reply"),
        ("04-making-an-assistant", "loss-mask", "assistant responses"),
        ("04-making-an-assistant", "loss-mask", "assistant turns"),
        ("04-making-an-assistant", "loss-mask", "the model's replies"),
    ],
)
def test_shipped_short_answers_accept_what_a_correct_learner_types(
    stem: str, question_id: str, given: str
) -> None:
    assert grade(shipped(stem, question_id), given).correct


@pytest.mark.parametrize(
    ("stem", "question_id", "blanks"),
    [
        ("01-what-is-an-llm", "base-vs-assistant", ["base", "fine-tuning", "alignment"]),
        ("07-rlhf", "bt-cloze", ["sigma", "margin"]),
        ("07-rlhf", "bt-cloze", ["logistic (sigmoid)", "difference"]),
    ],
)
def test_shipped_cloze_blanks_accept_the_lessons_own_words(
    stem: str, question_id: str, blanks: list[str]
) -> None:
    assert grade(shipped(stem, question_id), blanks).score == 1.0


def test_loss_mask_still_rejects_the_user() -> None:
    question = shipped("04-making-an-assistant", "loss-mask")
    assert not grade(question, "the user's tokens").correct
    assert not grade(question, "system").correct
