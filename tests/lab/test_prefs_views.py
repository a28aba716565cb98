"""The preference lab's views as pure functions: what the learner reads, from plain data."""

from __future__ import annotations

import numpy as np

from tutor.core.reward_lab import Candidate, TrainedReward
from tutor.ui.lab.preferences.views import (
    hacking_lines,
    model_view,
    pair_status,
    tally_line,
    wrapped,
)


def fitted(pairs: int) -> TrainedReward:
    return TrainedReward(
        weights=np.zeros(4),
        centre=np.zeros(1),
        losses=(0.693,),
        pairs=pairs,
        decisive=pairs,
        heldout=0.75,
        longer=1.0,
        held_out_by="vote",
    )


def test_the_tally_counts_one_vote_and_waits_for_the_refit() -> None:
    assert tally_line({"a": 1}, None) == "1 vote: A 1 · B 0 · tie 0 · both bad 0"
    # The model on screen was fitted before the newest vote: its numbers are not shown as now.
    assert tally_line({"a": 1, "b": 1}, fitted(1)).endswith("│ refitting the reward model…")
    assert tally_line({"a": 1, "b": 1}, fitted(2)).endswith("│ held-out 75%, longer 100%")


def candidates(lengths: list[int], rewards: list[float]) -> list[Candidate]:
    rows = zip(lengths, rewards, strict=True)
    return [Candidate(f"answer {i}", i, r, -1.0, t) for i, (t, r) in enumerate(rows, 1)]


def test_winner_length_climbs_when_the_reward_pays_for_length() -> None:
    lengths = [30, 44, 25, 59, 36, 28, 57, 33]
    text = hacking_lines(candidates(lengths, [t / 10 for t in lengths])).plain
    lines = text.splitlines()
    assert lines[0] == "Winner's length vs N (average over every pick of N of these 8)"
    assert lines[1].split() == ["N", "1", "2", "4", "8"]
    tokens = [float(t) for t in lines[2].split()[1:5]]
    assert tokens[0] == round(sum(lengths) / len(lengths)) and tokens[-1] == 59
    assert tokens == sorted(tokens)
    assert lines[3].strip().startswith("Bigger N, longer winner")


def test_winner_length_stays_flat_when_the_reward_ignores_length() -> None:
    lengths = [40, 40, 41, 40, 39, 40, 40, 41]
    text = hacking_lines(candidates(lengths, [float(-i) for i in range(8)])).plain
    assert "length earns this reward model little" in text


def test_a_cut_answer_says_how_many_lines_are_hidden() -> None:
    lines = wrapped(" ".join(["word"] * 40), 20, 3)
    assert lines[:2] == ["word word word word", "word word word word"]
    assert lines[2] == "… 8 more lines"  # 10 lines of 4 words, 2 shown


def test_votes_already_cast_are_being_fitted_not_missing() -> None:
    """Reopening the lab with votes in the store: the first call refits on them before it writes
    a pair, and both views say so instead of 'no reward model yet'."""
    assert model_view(None, [], refitting=11).plain == "Fitting the reward model on your 11 votes…"
    assert model_view(None, []).plain.startswith("No reward model yet")
    first = pair_status(False, False, False, True, "", refitting=11)
    assert first == "Fitting the reward model on your 11 votes, then asking for two answers…"
    writing = pair_status(False, False, False, True, "A: 12 tokens", refitting=11)
    assert writing == "Asking the model for two answers… A: 12 tokens"
    assert pair_status(True, True, False, True, "", refitting=12) == (
        "n: next pair (refitting, then writing…)"
    )


def test_the_pair_line_after_a_vote() -> None:
    assert pair_status(True, False, False, True, "", 0) == ""  # the vote keys are shown instead
    assert pair_status(True, True, True, False, "", 0) == "n: next pair (ready)"
    assert pair_status(True, True, False, True, "B: 8 tokens", 0) == "n: next pair (B: 8 tokens…)"
    assert pair_status(True, True, False, False, "", 0) == "n: next pair"
    assert pair_status(False, False, False, False, "", 0).startswith("No answers yet")
