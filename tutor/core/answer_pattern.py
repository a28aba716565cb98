"""A short-answer question's ``pattern``: a regular expression written by a pack's author,
run on a learner's answer, so neither may be able to hang the app.

A backtracking engine can take exponential time on some patterns (``(a|aa)+$`` against a
long run of ``a`` that then fails). Two guards, one per side:

- every match runs under the ``regex`` package's ``timeout`` (Python's ``re`` has none), on at
  most :data:`MAX_MATCH_LENGTH` characters of the answer; a match that runs out of time counts
  as no match, and the grade says why;
- ``llm-tutor pack check`` (and loading a pack) tries each pattern on a few long answers that
  fail at the end, the input that makes backtracking blow up, and refuses one that runs out
  of time there, so the author hears about it before a learner does.

``regex`` keeps ``re``'s syntax (its default VERSION0 mode), so patterns that worked before
work the same; the check and the grading use the same engine.
"""

from __future__ import annotations

import functools
import time

import regex

# Longest (tidied) answer tried against a pattern.
MAX_MATCH_LENGTH = 500
# Longest one match may run. regex checks its clock every so often, so a match can overrun
# this a little (about 2.5x measured on a loaded 2-core machine): still well under a second.
MATCH_SECONDS = 0.2
# The probes at check time: a pattern that blows up does so by orders of magnitude, so a short
# limit finds it, and a quiz full of hostile patterns still loads (and is refused) quickly.
PROBE_SECONDS = 0.05
PROBE_BUDGET = 0.2  # all of one pattern's probes together
FLAGS = regex.IGNORECASE
# Characters the probes repeat besides the pattern's own letters and digits.
PROBE_CHARACTERS = "a0 -."
MAX_PROBES = 16


class PatternTooSlow(Exception):
    """The pattern ran out of time on an answer (the message says how to find it)."""


@functools.lru_cache(maxsize=1024)
def compile_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used, or None when it compiles and is quick on the probes
    (cached: a quiz is checked each time it opens, and the probes take a few milliseconds)."""
    try:
        compiled = regex.compile(pattern, FLAGS)
    except (regex.error, OverflowError, RecursionError, ValueError) as error:
        return f"'pattern' is not a valid regular expression: {error}"
    deadline = time.monotonic() + PROBE_BUDGET
    for probe in probes(pattern):
        try:
            limit = min(PROBE_SECONDS, deadline - time.monotonic())
            if limit <= 0:
                raise TimeoutError
            compiled.fullmatch(probe, timeout=limit)
        except TimeoutError:
            shown = f"{probe[0]!r} × {len(probe) - 1} then '!'"
            return (
                f"'pattern' takes too long on a long answer ({shown}): it can backtrack "
                "without end, as a repeat over choices that overlap does, e.g. (a|aa)+; "
                "write it so each part of an answer can match only one way"
            )
    return None


def probes(pattern: str) -> list[str]:
    """Answers that make a backtracking pattern blow up: a long run of one character (one the
    pattern names, or a common one) followed by a character that does not match."""
    wanted = [c for c in pattern.casefold() if c.isalnum()] + list(PROBE_CHARACTERS)
    characters = list(dict.fromkeys(wanted))[:MAX_PROBES]
    return [c * (MAX_MATCH_LENGTH - 1) + "!" for c in characters]


def matches(pattern: str, answer: str) -> bool:
    """Whether ``pattern`` matches the whole ``answer`` (cut to MAX_MATCH_LENGTH), ignoring
    case; raises :class:`PatternTooSlow` when it runs out of time."""
    try:
        found = regex.fullmatch(pattern, answer[:MAX_MATCH_LENGTH], FLAGS, timeout=MATCH_SECONDS)
    except TimeoutError as error:
        raise PatternTooSlow(
            "this question's pattern took too long to check the answer, so only its listed "
            "answers were compared (the pack's author can find it with `llm-tutor pack check`)"
        ) from error
    return found is not None
