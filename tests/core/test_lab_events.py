"""The live lab's progress events: predictions and preference votes, kept and carried over."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.core.progress import ProgressStore
from tutor.core.transfer import export_progress, import_progress

P = "test-pack"


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    with ProgressStore.open(tmp_path / "progress.sqlite3") as opened:
        yield opened


def test_prediction_score_counts_right_and_total(store: ProgressStore) -> None:
    assert store.prediction_score(P) == (0, 0)
    store.record_prediction(P, "intro", 0, " mat", " mat", True)
    store.record_prediction(P, "intro", 1, " dog", " floor", False)
    store.record_prediction(P, "other", 0, "3", "3", True)
    store.record_prediction("another-pack", "intro", 0, "x", "x", True)
    assert store.prediction_score(P) == (2, 3)


def test_a_reset_starts_the_prediction_score_afresh(store: ProgressStore) -> None:
    store.record_prediction(P, "intro", 0, " mat", " mat", True)
    store.record_prediction(P, "other", 0, "a", "b", False)
    store.reset(P, "intro")
    assert store.prediction_score(P) == (0, 1)
    store.reset(P)
    assert store.prediction_score(P) == (0, 0)


def test_votes_keep_both_answers_and_their_settings(store: ProgressStore) -> None:
    store.record_vote("Say hi", "Hi!", "Go away.", {"temperature": 0.7}, {"top_k": 5}, "a", "ab12")
    store.record_vote("Say hi", "Hello", "Hey", {}, {}, "both_bad", "ab12")
    first, second = store.votes()
    assert (first.prompt, first.answer_a, first.answer_b, first.vote) == (
        "Say hi",
        "Hi!",
        "Go away.",
        "a",
    )
    assert first.settings_a == {"temperature": 0.7} and first.settings_b == {"top_k": 5}
    assert (second.vote, second.model_sha256) == ("both_bad", "ab12")
    assert first.at <= second.at


def test_an_unknown_vote_is_refused_and_nothing_is_written(store: ProgressStore) -> None:
    with pytest.raises(ValueError, match="vote must be one of"):
        store.record_vote("p", "a", "b", {}, {}, "maybe", "sha")  # type: ignore[arg-type]
    assert store.votes() == []


def test_export_and_import_carry_predictions_and_votes(tmp_path: Path) -> None:
    with ProgressStore.open(tmp_path / "laptop.sqlite3") as laptop:
        laptop.record_prediction(P, "intro", 2, " mat", " mat", True)
        laptop.record_vote("Q", "A", "B", {"seed": 1}, {"seed": 2}, "tie", "sha")
        export_progress(laptop, tmp_path / "laptop.json")
    with ProgressStore.open(tmp_path / "lab.sqlite3") as lab:
        assert import_progress(lab, tmp_path / "laptop.json") == 2
        assert import_progress(lab, tmp_path / "laptop.json") == 0  # importing twice: no change
        assert lab.prediction_score(P) == (1, 1)
        [vote] = lab.votes()
        assert (vote.settings_a, vote.settings_b, vote.vote) == ({"seed": 1}, {"seed": 2}, "tie")
