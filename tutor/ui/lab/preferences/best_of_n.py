"""Best-of-N: what the worker runs to sample N answers and rank them by the reward model.

The simplest way to use a reward model (no training of the language model): sample N answers,
keep the one it scores best. Each answer also gets the model's own log-probability, so the
learner sees the reward model's favourite next to how likely the model itself found it.
Runs in the screen's thread worker: model calls only, no widgets.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from tutor.core import reward_lab
from tutor.ui.lab.preferences.collect import generate_text

BEST_OF_N_PROMPT = "Explain what a language model is in two sentences."


def answer_logprob(client: Any, messages: list[dict[str, str]], text: str) -> float:
    """log π(text | prompt), or NaN for an empty answer (nothing to score)."""
    if not text.strip():
        return math.nan
    return float(client.logprob(messages, text).total)


def sample_and_rank(
    client: Any,
    model: reward_lab.TrainedReward,
    cache: reward_lab.FeatureCache,
    messages: list[dict[str, str]],
    n: int,
    base: dict[str, Any],
    tell: Callable[[str], object],
) -> list[reward_lab.Candidate]:
    """Best-of-N: N answers with seeds 1..N, each scored by the reward model and by the
    model's own log-probability, best reward first."""
    texts: list[str] = []
    for seed in range(1, n + 1):

        def step(k: str, seed: int = seed) -> None:
            tell(f"sampling answer {seed} of {n}… {k}")

        step("")
        texts.append(generate_text(client, messages, {**base, "seed": seed}, step)[0])
    tell(f"scoring {n} answers (reward and log π)…")
    rewards = reward_lab.score(model, cache, texts)
    _, tokens = cache.lookup(texts)
    logps = [answer_logprob(client, messages, t) for t in texts]
    rows = zip(texts, rewards, logps, tokens, strict=True)
    cands = [reward_lab.Candidate(t, s, r, lp, k) for s, (t, r, lp, k) in enumerate(rows, 1)]
    return reward_lab.ranked(cands)
