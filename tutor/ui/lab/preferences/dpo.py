"""The DPO view of a voted pair: which answer was chosen, and what the worker computes for it.

DPO (Rafailov et al. 2023) trains the model straight on the votes; here nothing is trained, the
lab only shows the quantities one DPO step would use: log π of each answer under the model
(summed over its tokens, by the runtime) and the DPO loss with π_ref = the model as it is now.
"""

from __future__ import annotations

from typing import Any

from tutor.core import reward_lab
from tutor.explain.reward import dpo_view
from tutor.ui.lab.preferences.collect import chat
from tutor.ui.lab.preferences.views import DpoPair

BETA = 0.1


def decisive(votes: list[Any]) -> list[Any]:
    """The votes that chose a side (A or B better): the only ones DPO can learn from."""
    return [v for v in votes if v.vote in ("a", "b")]


def sides(vote: Any) -> tuple[str, str]:
    """(chosen, rejected) answers of a decisive vote."""
    return (vote.answer_a, vote.answer_b) if vote.vote == "a" else (vote.answer_b, vote.answer_a)


def vote_messages(vote: Any, default_system: str) -> list[dict[str, str]]:
    """The chat turn the voted answers replied to (with the system prompt they were made with)."""
    system = str((vote.settings_a or {}).get("system", "")) or default_system
    return chat(system, vote.prompt)


def score_pair(
    client: Any,
    model: reward_lab.TrainedReward | None,
    cache: reward_lab.FeatureCache,
    vote: Any,
    where: tuple[int, int],
    messages: list[dict[str, str]],
) -> DpoPair:
    """log π of both answers of ``vote`` (the ``where[0]``-th of ``where[1]`` decisive votes),
    the DPO quantities, and the reward model's gap between them if one is fitted."""
    chosen, rejected = sides(vote)
    c, r = client.logprob(messages, chosen), client.logprob(messages, rejected)
    gap = None
    if model is not None:
        rc, rr = reward_lab.score(model, cache, [chosen, rejected])
        gap = rc - rr
    view = dpo_view(c.total, r.total, beta=BETA)
    tokens = (len(c.tokens), len(r.tokens))
    return DpoPair(*where, vote.prompt, chosen, rejected, *tokens, view, gap)
