"""From the learner's votes to a fitted reward model, and from a reward model to scores.

The glue between the progress store's votes, the language model (for embeddings and token
counts) and the maths in :mod:`tutor.explain.reward`. Headless: the model is anything with
``embeddings`` and ``tokenize`` (the runtime's ModelClient, or the tests' fake).

Votes become labels P(A better): 'a' → 1, 'b' → 0, and 'tie' and 'both_bad' → ½: a "both bad"
says nothing about which of the two is better, so it counts as a tie, as Chatbot Arena's
ratings count it (FastChat ``serve/monitor/elo_analysis.py``).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from tutor.explain import reward
from tutor.explain.features import feature_groups, feature_matrix

LABELS = {"a": 1.0, "b": 0.0, "tie": 0.5, "both_bad": 0.5}
REPRESENTATION = "phrase"
"""Answers are embedded as the embeddings lab shows phrases (a middle layer's hidden states,
mean over tokens, minus a reference mean: docs/inside.md), so the reward model reads the same
representation the learner has seen compared there (on the default model, 120 synthetic votes
for warm over cold answers: held-out agreement on unseen prompts 1.00)."""
MIN_PROMPTS_FOR_GROUPS = 5
"""With fewer distinct prompts than this, held-out folds are made of votes, not prompts."""


class Vectors(Protocol):
    """An embedding set: one row per text (the runtime's ``EmbeddingSet``)."""

    @property
    def vectors(self) -> np.ndarray: ...


class Embedder(Protocol):
    """What the reward lab needs from a language model."""

    def embeddings(self, texts: Sequence[str], *, representation: str = "auto") -> Vectors:
        """One vector per text, in the representation named (see docs/inside.md)."""
        ...

    def tokenize(
        self, text: str, *, add_special: bool = True, parse_special: bool = False
    ) -> list[Any]:
        """The text's tokens."""
        ...


@dataclass(frozen=True)
class Comparison:
    """One vote as training data: which answer was better, as P(A better)."""

    prompt: str
    answer_a: str
    answer_b: str
    label: float


def comparisons(votes: Iterable[Any]) -> list[Comparison]:
    """The store's votes (or imported pairs) as comparisons, oldest first."""
    return [Comparison(v.prompt, v.answer_a, v.answer_b, LABELS[v.vote]) for v in votes]


class FeatureCache:
    """Embeddings and token counts per answer text, computed once (retraining after every vote
    must not re-embed every answer)."""

    def __init__(self, model: Embedder) -> None:
        self.model = model
        self._embedding: dict[str, np.ndarray] = {}
        self._tokens: dict[str, int] = {}
        self._lock = threading.Lock()  # a replaced worker thread may still be finishing

    def lookup(self, texts: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """(N, d) embeddings and N token counts for ``texts``, asking the model for new ones."""
        with self._lock:
            new = list(dict.fromkeys(t for t in texts if t not in self._embedding))
            if new:
                found = self.model.embeddings(
                    [t if t.strip() else " " for t in new], representation=REPRESENTATION
                )
                vectors = found.vectors  # (M, d)
                for text, vec in zip(new, vectors, strict=True):
                    self._embedding[text] = np.asarray(vec, dtype=np.float64)
                    self._tokens[text] = len(self.model.tokenize(text, add_special=False))
            emb = np.stack([self._embedding[t] for t in texts])  # (N, d)
            return emb, [self._tokens[t] for t in texts]


@dataclass(frozen=True)
class TrainedReward:
    """A reward model fitted to the votes, with everything the lab shows about it."""

    weights: np.ndarray  # (d + 3,)
    centre: np.ndarray  # (d,) mean answer embedding, removed before normalising
    losses: tuple[float, ...]  # training loss by Newton step
    pairs: int  # votes used
    decisive: int  # of which not ties
    heldout: float  # k-fold held-out agreement (NaN with too few votes)
    longer: float  # "always prefer the longer answer", on the same votes
    held_out_by: str  # "prompt" or "vote"
    importances: list[reward.Importance] = field(default_factory=list)
    curve: list[tuple[int, float]] = field(default_factory=list)  # held-out vs number of votes
    gd_losses: tuple[float, ...] = ()  # the same loss under plain gradient descent, step by step
    fitted: float = float("nan")  # agreement on the very votes it was fitted on (vs held out)

    @property
    def baselines(self) -> dict[str, float]:
        """The two baselines the held-out agreement is compared with."""
        return {"longer": self.longer, "coin": reward.COIN_BASELINE}


def curve_sizes(n: int, points: int = 10, start: int = 4) -> list[int]:
    """About ``points`` vote counts from ``start`` to ``n`` for the overfitting curve."""
    if n < start:
        return []
    grid = np.linspace(start, n, num=min(points, n - start + 1))  # evenly spaced vote counts
    return sorted({int(np.rint(x)) for x in grid})


def train(
    items: Sequence[Comparison],
    cache: FeatureCache,
    *,
    l2: float = reward.DEFAULT_L2,
    with_curve: bool = True,
) -> TrainedReward:
    """Fit the reward model on ``items`` and measure it (held-out agreement, baselines)."""
    if not items:
        raise ValueError("no votes yet: vote on a pair of answers first")
    n = len(items)
    emb, tokens = cache.lookup([c.answer_a for c in items] + [c.answer_b for c in items])
    centre = emb.mean(axis=0)  # (d,) what every answer's embedding shares
    texts = [c.answer_a for c in items] + [c.answer_b for c in items]
    phi = feature_matrix(emb, texts, tokens, centre=centre)  # (2n, d + 3)
    diffs = phi[:n] - phi[n:]  # (n, d + 3) φ_A − φ_B
    labels = np.array([c.label for c in items])  # (n,)
    prompts = [c.prompt for c in items]
    by_prompt = len(set(prompts)) >= MIN_PROMPTS_FOR_GROUPS
    groups: list[object] = list(prompts) if by_prompt else list(range(n))
    result = reward.fit(diffs, labels, l2=l2)
    return TrainedReward(
        weights=result.weights,
        centre=centre,
        losses=result.losses,
        pairs=n,
        decisive=int(np.sum(labels != 0.5)),
        heldout=reward.heldout_agreement(diffs, labels, groups, l2=l2) if n >= 2 else float("nan"),
        longer=reward.longer_baseline(np.array(tokens[:n]), np.array(tokens[n:]), labels),
        held_out_by="prompt" if by_prompt else "vote",
        importances=reward.importances(result.weights, diffs, feature_groups(emb.shape[1])),
        curve=reward.learning_curve(diffs, labels, groups, curve_sizes(n), l2=l2)
        if with_curve
        else [],
        gd_losses=gd_losses(diffs, labels, l2) if with_curve else (),
        fitted=reward.agreement(result.weights, diffs, labels),
    )


GD_STEPS = 40
GD_RATE = 2.0


def gd_losses(diffs: np.ndarray, labels: np.ndarray, l2: float) -> tuple[float, ...]:
    """The loss after each of GD_STEPS plain gradient-descent steps from w = 0: the slow,
    visible descent that Newton's method takes in a handful of jumps (shown as a sparkline)."""
    return reward.fit(diffs, labels, l2=l2, method="gd", max_steps=GD_STEPS, lr=GD_RATE).losses


def score(model: TrainedReward, cache: FeatureCache, answers: Sequence[str]) -> list[float]:
    """The reward r = w·φ of each answer, in order."""
    emb, tokens = cache.lookup(list(answers))
    phi = feature_matrix(emb, list(answers), tokens, centre=model.centre)  # (N, d + 3)
    return [float(r) for r in reward.rewards(model.weights, phi)]


# -- collecting votes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """Two answers to one prompt, shown as A and B, with the settings that made them (hidden
    from the learner until the vote, as Chatbot Arena hides the model names)."""

    prompt: str
    answer_a: str
    answer_b: str
    settings_a: dict[str, Any]
    settings_b: dict[str, Any]
    tokens_a: int = 0
    tokens_b: int = 0


class VoteSink(Protocol):
    """Where votes go: the progress store (append-only ``preference_votes``)."""

    def record_vote(
        self,
        prompt: str,
        answer_a: str,
        answer_b: str,
        settings_a: dict[str, Any],
        settings_b: dict[str, Any],
        vote: Any,
        model_sha256: str,
    ) -> None: ...


def record(store: VoteSink, pair: Pair, vote: str, model_sha256: str) -> None:
    """Append the learner's vote on ``pair``: one committed row, before anything else happens
    (the lab and the kill test both go through here)."""
    if vote not in LABELS:
        raise ValueError(f"vote must be one of {', '.join(LABELS)}, not {vote!r}")
    store.record_vote(
        pair.prompt,
        pair.answer_a,
        pair.answer_b,
        dict(pair.settings_a),
        dict(pair.settings_b),
        vote,
        model_sha256,
    )


# -- using the reward model: best-of-N and its failure mode ---------------------------------


@dataclass(frozen=True)
class Candidate:
    """One of N sampled answers, with its reward, the model's own log-probability and length."""

    text: str
    seed: int
    reward: float
    logprob: float  # log π(answer | prompt), summed over its tokens (NaN if not computed)
    tokens: int


def ranked(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Best-of-N: the candidates by reward, best first (ties keep their sampling order)."""
    return sorted(candidates, key=lambda c: -c.reward)


def winner_lengths(
    candidates: Sequence[Candidate], sizes: Sequence[int]
) -> list[tuple[int, float]]:
    """For each n in ``sizes``, the expected length in tokens of the best-of-n winner when n of
    these N samples are picked at random: the average over every way to pick them, so one
    lucky first sample cannot bend the curve. At n = 1 there is no choice (the mean sample);
    at n = N it is the winner of all N. If the reward model learned "longer is better" this
    climbs with n: best-of-N chases the reward model's blind spot, not the learner's taste
    (reward hacking; Gao, Schulman and Hilton 2023 measure best-of-n from N samples this way).
    """
    best_first = ranked(candidates)
    total = len(best_first)
    out = []
    for n in sizes:
        if 1 <= n <= total:
            # The i-th best (i = 1, 2, ...) wins a pick of n exactly when it is picked and none
            # of the i − 1 better ones is: C(total − i, n − 1) of the C(total, n) picks.
            picks = math.comb(total, n)
            wins = [math.comb(total - i, n - 1) / picks for i in range(1, total + 1)]
            out.append((n, sum(w * c.tokens for w, c in zip(wins, best_first, strict=True))))
    return out


def doubling_sizes(n: int) -> list[int]:
    """1, 2, 4, ... up to n (and n itself): the N of best-of-N to compare."""
    sizes, k = [], 1
    while k < n:
        sizes.append(k)
        k *= 2
    return [*sizes, n] if n >= 1 else []
