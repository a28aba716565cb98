"""``llm-tutor next``: the model's next-token probabilities, reshaped by the sampler chain.

The chain is :func:`tutor.explain.sampling.sampler_chain`, the functions the worker samples
with, so what ``next`` shows is what ``generate`` draws from. The JSON shape is in docs/plain.md.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tutor.drawing import bar
from tutor.explain.sampling import Stage, draw, entropy_bits, sampler_chain, softmax
from tutor.plain.lab_common import (
    BAR_WIDTH,
    LABEL_WIDTH,
    MAX_SEED,
    OFF,
    Chain,
    chain_from,
    in_range,
    label,
    piece_json,
    print_json,
)
from tutor.plain.model_command import open_client


@dataclass(frozen=True)
class Reshaped:
    """A next-token distribution after the sampler chain, ready to print."""

    stages: list[Stage]
    final: dict[int, float]  # id → probability after the whole chain (survivors only)
    removed_by: dict[int, str]  # id → the stage that removed it


def reshape(logits: np.ndarray, chain: Chain, history: Sequence[int]) -> Reshaped:
    """The chain over the whole vocabulary (tutor.explain.sampling: the worker's own code)."""
    stages = sampler_chain(
        logits,
        temperature=chain.temperature,
        top_k=chain.top_k,
        top_p=chain.top_p,
        min_p=chain.min_p,
        repeat_penalty=chain.repeat_penalty,
        history=history,
    )
    last = stages[-1]  # the distribution a token would be drawn from
    final = dict(zip(last.ids.tolist(), last.probs.tolist(), strict=True))
    removed_by = {int(i): stage.name for stage in stages for i in stage.removed}
    return Reshaped(stages, final, removed_by)


def cmd_next(args: argparse.Namespace) -> int:
    """Print the most likely next tokens, their logits and (reshaped) probabilities."""
    prompt = args.prompt  # read and checked by guard
    in_range(args.top, 1, 1000, "--top")
    in_range(args.seed, 0, MAX_SEED - 1, "--seed")
    in_range(args.draws, 1, 100_000, "--draws")
    chain = chain_from(args, OFF)
    with open_client(args) as client:
        dist = client.next_token(prompt, top_n=1)
        history = [p.id for p in dist.prompt_tokens]
        shaped = reshape(dist.logits, chain, history)
        # Best first by the penalised logits: the chain only ever keeps a prefix of this order,
        # so the survivors come first, best first, then the tokens it removed.
        ids = shaped.stages[0].ids[: args.top].tolist()
        drawn = _draws(shaped.stages[-1], args.seed, args.draws) if args.seed is not None else {}
        names = {p.id: p for p in client.pieces(sorted(set(ids) | set(drawn)))}
    candidates = [
        {
            "id": i,
            "text": names[i].text,
            "logit": round(float(dist.logits[i]), 4),
            "prob": round(shaped.final.get(i, 0.0), 6),
        }
        for i in ids
    ]
    if args.json:
        data: dict[str, Any] = {
            "prompt_tokens": [piece_json(p) for p in dist.prompt_tokens],
            "candidates": candidates,
        }
        if args.seed is not None:
            data["draws"] = [{"id": i, "text": names[i].text, "count": n} for i, n in drawn.items()]
        print_json(data)
        return 0
    _print_next(dist, chain, shaped, candidates)
    if args.seed is not None:
        _print_draws(drawn, names, args.seed, args.draws, shaped.final)
    return 0


def _draws(final: Stage, seed: int, n: int) -> dict[int, int]:
    """``n`` tokens drawn from the chain's last stage with ``seed``: id → count, most first."""
    rng = np.random.default_rng(seed)
    counts: dict[int, int] = {}
    for _ in range(n):
        token = draw(final, rng)  # the chain's own last step, as the sampler lab draws
        counts[token] = counts.get(token, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _print_next(
    dist: Any, chain: Chain, shaped: Reshaped, candidates: list[dict[str, Any]]
) -> None:
    reshaped = chain != OFF
    model_probs = softmax(dist.logits)  # (n_vocab,) the model's own view, temperature 1
    print(f"after {len(dist.prompt_tokens)} prompt tokens; sampler settings: {chain.describe()}")
    head = "after the chain (model)" if reshaped else "probability"
    print(f"{'rank':>4} {'token':<{LABEL_WIDTH}} {head:<{BAR_WIDTH + 8}} logit")
    for rank, c in enumerate(candidates, start=1):
        model = float(model_probs[c["id"]])
        if c["id"] in shaped.final:
            cells = f"{bar(c['prob'], BAR_WIDTH)} {c['prob']:6.1%}"
            extra = f" ({model:.1%})" if reshaped else ""
        else:
            cells = f"{'✗ ' + shaped.removed_by.get(c['id'], ''):<{BAR_WIDTH}} {0:6.1%}"
            extra = f" ({model:.1%})"
        print(f"{rank:4d} {label(c['text'])} {cells} {c['logit']:8.2f}{extra}")
    shown = sum(c["prob"] for c in candidates)
    last = shaped.stages[-1]
    kept = f"{len(last.ids)} of {len(dist.logits)} tokens left; " if reshaped else ""
    print(
        f"{kept}entropy {entropy_bits(last.probs) + 0.0:.2f} bits; "
        f"the {len(candidates)} shown hold {shown:.1%} of the probability"
    )


def _print_draws(
    drawn: dict[int, int], names: dict[int, Any], seed: int, n: int, final: dict[int, float]
) -> None:
    print(f"{n} draws with seed {seed} (drawn, then expected):")
    top = max(drawn.values())
    for i, count in list(drawn.items())[:10]:
        expected = final.get(i, 0.0) * n
        print(
            f"     {label(names[i].text)} {bar(count / top, BAR_WIDTH)} {count:5d} {expected:7.1f}"
        )
    if len(drawn) > 10:
        print(f"     ... and {len(drawn) - 10} other tokens")
