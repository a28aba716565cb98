"""On the default model's features, a reward model learns a consistent preference and carries
it to prompts it has never seen (held-out by prompt), far above both baselines."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.core import reward_lab
from tutor.runtime.client import ModelClient

pytestmark = pytest.mark.default_model

TOPICS = [
    "the sea", "mountains", "cats", "dogs", "rain", "winter", "summer", "coffee", "tea",
    "music", "books", "trains", "bicycles", "cities", "forests", "rivers", "the moon", "stars",
    "bread", "apples", "gardens", "snow", "football", "chess", "painting", "cooking",
    "the library", "the museum", "the beach", "my job",
]  # fmt: skip
WARM = [
    "{t} is wonderful and I love it.",
    "I really enjoy {t}; it makes me happy.",
    "{t} is lovely, bright and full of joy.",
]
COLD = [
    "{t} is awful and I hate it.",
    "I really dislike {t}; it makes me miserable.",
    "{t} is dreary, grim and full of gloom.",
]
TAILS = ["", " Every single day.", " That is what I think.", " I have felt so since I was small."]


def answers(kind: list[str], topic: str, rng: np.random.Generator) -> list[str]:
    """Two answers of one kind about ``topic``, each a random wording with a random tail."""
    return [rng.choice(kind).format(t=topic).capitalize() + rng.choice(TAILS) for _ in range(2)]


def synthetic_votes(n: int, seed: int = 0) -> list[reward_lab.Comparison]:
    """``n`` pairs on 30 topics where the warm answer always wins, sides and lengths random.

    Each topic has two warm and two cold answers to pair (120 texts to embed in all, however
    many pairs: each embedding is a forward pass of the model)."""
    rng = np.random.default_rng(seed)
    pool = {t: (answers(WARM, t, rng), answers(COLD, t, rng)) for t in TOPICS}
    out = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        warm, cold = (str(rng.choice(side)) for side in pool[topic])
        prompt = f"What do you think of {topic}?"
        if rng.random() < 0.5:
            out.append(reward_lab.Comparison(prompt, warm, cold, 1.0))
        else:
            out.append(reward_lab.Comparison(prompt, cold, warm, 0.0))
    return out


def test_heldout_agreement_on_unseen_prompts_is_at_least_90_percent(smol: ModelClient) -> None:
    votes = synthetic_votes(120)
    trained = reward_lab.train(votes, reward_lab.FeatureCache(smol), with_curve=False)
    assert trained.held_out_by == "prompt"  # every test fold's prompts are unseen in training
    assert trained.heldout >= 0.9
    assert trained.heldout > trained.longer + 0.2  # not a length effect
    # A new prompt, new wording: the warm answer still scores higher.
    scores = reward_lab.score(
        trained,
        reward_lab.FeatureCache(smol),
        ["Hiking is delightful and I adore it.", "Hiking is horrible and I loathe it."],
    )
    assert scores[0] > scores[1]


def with_tails(topic: str, k: int, variant: int) -> str:
    """One warm sentence about ``topic`` and ``k`` more: longer answers say nothing better."""
    return " ".join([WARM[variant % len(WARM)].format(t=topic).capitalize(), *TAILS[1 : k + 1]])


def test_votes_for_length_make_best_of_n_pick_ever_longer_answers(smol: ModelClient) -> None:
    """Reward hacking on the default model's features: votes that always chose the longer
    answer teach a positive weight on length, and best-of-N's winner then grows with N, from
    the mean sample (N = 1) to one of the longest (N = all)."""
    rng = np.random.default_rng(0)
    votes = []
    for i in range(40):
        topic = TOPICS[i % len(TOPICS)]
        ka, kb = rng.choice(4, size=2, replace=False)
        a, b = with_tails(topic, ka, i), with_tails(topic, kb, i + 1)
        votes.append(reward_lab.Comparison(f"What about {topic}?", a, b, float(ka > kb)))
    cache = reward_lab.FeatureCache(smol)
    trained = reward_lab.train(votes, cache, with_curve=False)
    length = next(i for i in trained.importances if i.name == "length")
    assert length.sign == 1.0
    answers = [with_tails("hiking", k, v) for k in range(4) for v in range(2)]
    _, tokens = cache.lookup(answers)
    rewards = reward_lab.score(trained, cache, answers)
    rows = enumerate(zip(answers, rewards, tokens, strict=True), 1)
    cands = [reward_lab.Candidate(t, s, r, -1.0, n) for s, (t, r, n) in rows]
    wins = [tokens_n for _, tokens_n in reward_lab.winner_lengths(cands, [1, 2, 4, 8])]
    assert wins == sorted(wins) and wins[0] < wins[-1]
    assert wins[0] == pytest.approx(np.mean(tokens))
    # N = all picks one of the two longest answers (each length comes in two wordings, and the
    # embedding still tells the wordings apart).
    assert wins[-1] in sorted(tokens)[-2:]
