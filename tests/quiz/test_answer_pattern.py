"""A pack author's short-answer ``pattern`` can never hang the app: ``pack check`` refuses one
that backtracks without end (with file and line), and grading gives up on a slow match with a
clear note. The hostile cases run in a fresh process with a generous time limit, so a hang
(as with Python's ``re``) fails the test instead of stopping the run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import repo_env
from tutor.core.answer_pattern import MAX_MATCH_LENGTH, compile_problem, probes

UI_PACK = Path(__file__).parent.parent / "ui" / "pack"
# Exponential for a backtracking engine on a long run of "a" that then fails to match.
HOSTILE = "(a|aa)+$"
LIMIT = 60  # seconds: a hang, not a slow machine


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=repo_env(),
        check=False,
        timeout=LIMIT,
    )


def test_pack_check_refuses_a_hostile_pattern_with_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "pack"
    shutil.copytree(UI_PACK, root)
    quiz = root / "quizzes" / "01-first-steps.toml"
    text = quiz.read_text(encoding="utf-8")
    text = text.replace(
        'answers = ["softmax"]\n', f'answers = ["softmax"]\npattern = "{HOSTILE}"\n'
    )
    quiz.write_text(text, encoding="utf-8")
    line = text.splitlines().index(f'pattern = "{HOSTILE}"') + 1
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "pack", "check", str(root)],
        capture_output=True,
        text=True,
        env=repo_env(),
        check=False,
        timeout=LIMIT,
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{quiz}:{line}: question 'short': 'pattern' takes too long on a long answer "
        "('a' × 499 then '!'): it can backtrack without end, as a repeat over choices that "
        "overlap does, e.g. (a|aa)+; write it so each part of an answer can match only one way"
    ]


def test_grading_gives_up_on_a_slow_match_and_says_why() -> None:
    """The pattern skipped ``pack check`` (a question built directly): the match runs out of
    time, the answer counts as not matching the pattern, and the feedback says so."""
    code = f"""
import json
from tutor.core.grading import grade
from tutor.core.quiz import _QUESTION_ADAPTER
question = _QUESTION_ADAPTER.validate_python(dict(
    id="q", type="short", prompt="p", explanation="e", answers=["x"], pattern={HOSTILE!r}))
slow = grade(question, "a" * 200 + "!a")
listed = grade(question, "X")
print(json.dumps([slow.score, list(slow.feedback), listed.score, list(listed.feedback)]))
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    slow_score, slow_feedback, listed_score, listed_feedback = json.loads(result.stdout)
    assert slow_score == 0.0 and listed_score == 1.0 and listed_feedback == []
    assert slow_feedback == [
        "this question's pattern took too long to check the answer, so only its listed "
        "answers were compared (the pack's author can find it with `llm-tutor pack check`)"
    ]


def test_the_reviewers_example_grades_at_once() -> None:
    """``(a+)+$`` on "aaaa…a!" (the review's example; 28 a's take Python's re half a minute,
    each one more doubles it) is graded at once: a final "!" is trimmed as punctuation, so it
    matches; one inside the answer does not."""
    code = """
import json
from tutor.core.grading import grade
from tutor.core.quiz import _QUESTION_ADAPTER
question = _QUESTION_ADAPTER.validate_python(dict(
    id="q", type="short", prompt="p", explanation="e", answers=["x"], pattern="(a+)+$"))
print(json.dumps([grade(question, "a" * 40 + "!").score, grade(question, "a" * 40 + "!a").score]))
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [1.0, 0.0]


@pytest.mark.parametrize(
    "pattern",
    [
        "x+",
        r"multi-?head(ed)?",
        r"(the )?(assistant|model)s?(['’]s?)?( role)?( (tokens?|repl(y|ies)|responses?))?",
        r"\d+(\.\d+)? ?(ms|s)",
        r"(a+)+$",  # nested, but regex does not backtrack on it: nothing to refuse
    ],
)
def test_ordinary_patterns_pass_the_check(pattern: str) -> None:
    assert compile_problem(pattern) is None


def test_probes_are_long_failing_runs_of_the_patterns_own_characters() -> None:
    found = probes("Ab|c1")
    assert [p[0] for p in found[:4]] == ["a", "b", "c", "1"]
    assert all(len(p) == MAX_MATCH_LENGTH and p.endswith("!") for p in found)
    assert len({p[0] for p in found}) == len(found)
