"""The lessons' claims about a second prompt, one the learner is asked to type after the demo.

``pack check --live`` runs each demo block's own prompt. Some paragraphs then say what the
model does with another prompt ("Then try 'the dog ate the' ... it repeats ' dog' with about
80%"). Each such claim is checked here with the same evaluators, as a block of its own, on the
default model; the lesson's sentence is quoted, so rewording it without this test fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.live_pack import failed_lines, write_pack
from tutor.core import paths
from tutor.runtime.client import ModelClient

SENTIMENT_ZERO_SHOT = (
    "Classify the sentiment as positive or negative.\\n"
    "Review: The battery died in a day.\\nSentiment:"
)
APPLES = "Question: Tom has 3 boxes with 4 apples in each. How many apples does he have? Answer:"

# (lesson file, the sentence as the lesson says it, the demo block that checks it)
CLAIMS = [
    (
        "01-what-is-an-llm.md",
        'spreads its bets thinly over " cat", " moon", " couch" and dozens more, none above a '
        "tenth",
        'kind = "next-token"\nprompt = "The cat sat on the"\nexpect_top = [" cat", " moon", '
        '" couch"]\nexpect_top_n = 5\n'
        'expect_prob_below = { " cat" = 0.1, " moon" = 0.1, " couch" = 0.1 }',
    ),
    (
        "02-history.md",
        'it repeats " dog" with about 80% of the mass',
        'kind = "next-token"\nprompt = "the dog ate the"\nexpect_top = [" dog"]\n'
        'expect_top_n = 1\nexpect_prob_above = { " dog" = 0.75 }\n'
        'expect_prob_below = { " dog" = 0.85 }',
    ),
    (
        "12-prompting-and-sampling.md",
        '(SmolLM2 says "Positive".)',
        f'kind = "generation"\nprompt = "{SENTIMENT_ZERO_SHOT}"\ntemperature = 0\n'
        'expect_text = " Positive"',
    ),
    (
        "13-open-models.md",
        'the favourite is a lone " K" with about a fifth, followed by " the" and " B"',
        'kind = "next-token"\nprompt = "The capital of Burkina Faso is"\n'
        'expect_top = [" K", " the", " B"]\nexpect_top_n = 3\n'
        'expect_prob_above = { " K" = 0.15 }\nexpect_prob_below = { " K" = 0.25 }',
    ),
    # Lesson 14: seeds 0 and 3 say 12 and seed 1 miscounts, here (1 thread, a 512-token
    # context) as with `llm-tutor generate`'s defaults. Seeds 2 and 4 give different words under
    # the two settings (lesson 12: such settings can flip a close choice), so the lesson leaves
    # them to the learner instead of stating what they say.
    (
        "14-whats-next.md",
        "Seeds 0 and 3 clearly say 12",
        f'kind = "prompting"\nprompt = "{APPLES}"\ntemperature = 0.8\nseed = 0\n'
        'expect_text = "There are 3 x 4 = 12 apples"',
    ),
    (
        "14-whats-next.md",
        'seed 1 miscounts the boxes ("Tom has 2 boxes")',
        f'kind = "prompting"\nprompt = "{APPLES}"\ntemperature = 0.8\nseed = 1\n'
        'expect_text = "Tom has 2 boxes"',
    ),
    (
        "14-whats-next.md",
        "Seeds 0 and 3 clearly say 12",
        f'kind = "prompting"\nprompt = "{APPLES}"\ntemperature = 0.8\nseed = 3\n'
        'expect_text = "Tom has 3 boxes with 4 apples each, which means he has a total of '
        '3 x 4 = 12 apples."',
    ),
]


def lesson_text(name: str) -> str:
    """A lesson's text with every run of whitespace made one space (lines wrap anywhere)."""
    text = (paths.builtin_course_dir() / "lessons" / name).read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize(("lesson", "sentence"), sorted({(c[0], c[1]) for c in CLAIMS}))
def test_the_lesson_still_says_it(lesson: str, sentence: str) -> None:
    assert sentence in lesson_text(lesson)


@pytest.mark.default_model
def test_each_second_prompt_claim_holds(smol: ModelClient, tmp_path: Path) -> None:
    root = write_pack(tmp_path / "pack", [block for _lesson, _sentence, block in CLAIMS])
    failures = failed_lines(root, smol)
    assert not failures, "\n".join(failures.values())
