"""The glue from votes to a reward model, on a deterministic stand-in for the model's vectors."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from tutor.core import reward_lab


class HashEmbedder:
    """Bag-of-words vectors (a word's hash picks its dimension): deterministic, no model."""

    def __init__(self, dim: int = 32) -> None:
        self.dim = dim
        self.embedded: list[str] = []

    def embeddings(self, texts: Sequence[str], *, representation: str = "auto") -> Any:
        assert representation == reward_lab.REPRESENTATION
        self.embedded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, sum(word.encode()) % self.dim] += 1.0
        return SimpleNamespace(vectors=out + 0.01)

    def tokenize(
        self, text: str, *, add_special: bool = True, parse_special: bool = False
    ) -> list[Any]:
        return text.split()


@dataclass(frozen=True)
class Vote:
    prompt: str
    answer_a: str
    answer_b: str
    vote: str


def test_votes_become_labels_and_both_bad_counts_as_a_tie() -> None:
    votes = [Vote("p", "x", "y", v) for v in ("a", "b", "tie", "both_bad")]
    assert [c.label for c in reward_lab.comparisons(votes)] == [1.0, 0.0, 0.5, 0.5]


def test_cache_embeds_each_text_once() -> None:
    model = HashEmbedder()
    cache = reward_lab.FeatureCache(model)
    cache.lookup(["a b", "c"])
    emb, tokens = cache.lookup(["c", "a b", "d"])
    assert model.embedded == ["a b", "c", "d"]
    assert emb.shape == (3, 32) and tokens == [1, 2, 1]


def test_train_measures_against_baselines_and_scores_new_answers() -> None:
    rng = np.random.default_rng(0)
    items = []
    for i in range(40):
        good, bad = "thanks kindly friend", "no go away"
        if rng.random() < 0.5:
            items.append(reward_lab.Comparison(f"p{i}", good, bad, 1.0))
        else:
            items.append(reward_lab.Comparison(f"p{i}", bad, good, 0.0))
    cache = reward_lab.FeatureCache(HashEmbedder())
    model = reward_lab.train(items, cache)
    assert model.held_out_by == "prompt"
    assert model.heldout == 1.0 and model.baselines["coin"] == 0.5
    assert model.losses[-1] < model.losses[0]
    assert model.curve[0][0] == 4 and model.curve[-1][0] == 40
    good, bad = reward_lab.score(model, cache, ["thanks friend", "go away"])
    assert good > bad


def test_votes_with_no_pattern_are_fitted_but_not_predicted() -> None:
    """Overfitting: coin-flip votes on answers of random words are fitted almost perfectly
    (32 dimensions for 12 votes), yet held out the model does no better than a coin."""
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(200)]

    def answer() -> str:
        return " ".join(rng.choice(words, size=3))

    items = [
        reward_lab.Comparison(f"p{i}", answer(), answer(), float(rng.integers(0, 2)))
        for i in range(12)
    ]
    model = reward_lab.train(items, reward_lab.FeatureCache(HashEmbedder()))
    assert model.fitted >= 0.9 and model.heldout <= 0.6


def test_one_prompt_holds_out_votes_not_prompts() -> None:
    items = [reward_lab.Comparison("same", "yes please", "no", 1.0) for _ in range(6)]
    model = reward_lab.train(items, reward_lab.FeatureCache(HashEmbedder()))
    assert model.held_out_by == "vote"


def test_no_votes_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no votes yet"):
        reward_lab.train([], reward_lab.FeatureCache(HashEmbedder()))


def test_best_of_n_and_winner_length() -> None:
    cands = [
        reward_lab.Candidate(f"answer {i}", i, reward=float(r), logprob=-1.0, tokens=t)
        for i, (r, t) in enumerate([(0.1, 5), (0.5, 9), (0.2, 3), (0.9, 20)])
    ]
    assert [c.seed for c in reward_lab.ranked(cands)] == [3, 1, 2, 0]
    assert reward_lab.doubling_sizes(4) == [1, 2, 4]
    assert reward_lab.doubling_sizes(6) == [1, 2, 4, 6]
    wins = dict(reward_lab.winner_lengths(cands, [1, 2, 4]))
    assert wins[1] == pytest.approx(np.mean([5, 9, 3, 20]))  # no choice: the mean sample
    assert wins[4] == 20  # the winner of all four
    assert wins[2] == pytest.approx(brute_force_winner_length(cands, 2))


def brute_force_winner_length(cands: Sequence[reward_lab.Candidate], n: int) -> float:
    """The best-of-n winner's length averaged over every pick of n candidates, by listing them."""
    picks = list(itertools.combinations(cands, n))
    return sum(max(pick, key=lambda c: c.reward).tokens for pick in picks) / len(picks)


@pytest.mark.parametrize("seed", range(5))
def test_winner_length_matches_every_pick_listed(seed: int) -> None:
    """The closed form (binomial weights on the ranked samples) equals listing every pick."""
    rng = np.random.default_rng(seed)
    rows = zip(rng.normal(size=9), rng.integers(5, 90, size=9), strict=True)
    cands = [
        reward_lab.Candidate(f"a{i}", i, float(r), -1.0, int(t)) for i, (r, t) in enumerate(rows)
    ]
    for n, length in reward_lab.winner_lengths(cands, [1, 2, 3, 5, 9]):
        assert length == pytest.approx(brute_force_winner_length(cands, n))


def test_gradient_descent_loss_falls_to_newtons() -> None:
    items = [reward_lab.Comparison(f"p{i}", "thanks kindly friend", "no go away", 1.0)
             for i in range(8)]  # fmt: skip
    model = reward_lab.train(items, reward_lab.FeatureCache(HashEmbedder()))
    gd = model.gd_losses
    assert len(gd) == reward_lab.GD_STEPS + 1 and gd[0] == pytest.approx(np.log(2))
    assert all(later <= earlier for earlier, later in itertools.pairwise(gd))
    assert gd[-1] < gd[0] and model.losses[-1] <= gd[-1] + 1e-9  # Newton's minimum is lower


class Store:
    """Records what record_vote is given (the real store is in the kill test)."""

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []

    def record_vote(self, *args: Any) -> None:
        self.rows.append(args)


def test_record_passes_the_pair_and_refuses_an_unknown_vote() -> None:
    pair = reward_lab.Pair("p", "one", "two", {"seed": 1}, {"seed": 2}, 1, 1)
    store = Store()
    reward_lab.record(store, pair, "both_bad", "f" * 64)
    assert store.rows == [("p", "one", "two", {"seed": 1}, {"seed": 2}, "both_bad", "f" * 64)]
    with pytest.raises(ValueError, match="vote must be one of"):
        reward_lab.record(store, pair, "c", "")
    assert len(store.rows) == 1
