"""What the next-token instrument draws, apart from its screen: the candidates as bars with
their probability, logit and rank; the summary line (entropy, the share the shown rows hold);
the two half-width columns of a two-model comparison on one shared scale; and the look-up of
a typed text's rank. Plain functions of a ``NextTokenDistribution``, testable without a screen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.text import Text

from tutor.explain.sampling import entropy_bits
from tutor.runtime.types import NextTokenDistribution, TokenPiece
from tutor.ui.widgets.bars import BarRow
from tutor.ui.widgets.token_strip import visible


def rank_of(logits: np.ndarray, token_id: int) -> int:
    """1 for the most likely token: one more than the number of tokens with a larger logit."""
    return 1 + int((logits > logits[token_id]).sum())


def bar_rows(dist: NextTokenDistribution, shown: int) -> list[BarRow]:
    """One bar per candidate: probability as bar and percent, then logit and rank."""
    return [
        BarRow(c.token.text, c.prob, f"{c.prob:6.1%}  logit {c.logit:6.2f}  #{rank}")
        for rank, c in enumerate(dist.top[:shown], start=1)
    ]


def summary_line(dist: NextTokenDistribution, shown: int) -> Text:
    """Entropy, the share of probability the shown rows hold, and the prompt's length."""
    probs = dist.probs()
    share = sum(c.prob for c in dist.top[:shown])
    line = Text(f"entropy {entropy_bits(probs):.2f} bits", style="bold")
    line.append(f" · these {min(shown, len(dist.top))} hold {share:.1%} of the probability")
    line.append(f" · prompt: {len(dist.prompt_tokens)} tokens", style="dim")
    return line


def compare_rows(
    dist: NextTokenDistribution, shown: int, marked: str | None, full: float
) -> list[BarRow]:
    """The half-width bars: probability only, a full bar being ``full`` (the largest on either
    side, so the two columns share one scale); ``›`` marks the token the other side chose."""
    return [
        BarRow(
            c.token.text,
            c.prob / full if full > 0 else 0.0,
            f"{c.prob:6.1%}",
            "›" if c.token.text == marked else " ",
        )
        for c in dist.top[:shown]
    ]


def shared_full(*dists: NextTokenDistribution | None) -> float:
    """The largest shown probability of the distributions there are: a full bar on both sides."""
    return max((d.top[0].prob for d in dists if d is not None and d.top), default=1.0)


def column_foot(dist: NextTokenDistribution, shown: int) -> Text:
    """Under each model's column: its entropy and the share its shown rows hold."""
    share = sum(c.prob for c in dist.top[:shown])
    line = Text(f"entropy {entropy_bits(dist.probs()):.2f} bits", style="bold")
    line.append(f" · top {min(shown, len(dist.top))}: {share:.0%}")
    return line


def short_name(label: str) -> str:
    """The first word of a model's label (``SmolLM2``, ``Gemma``), for the summary line."""
    return label.split(" ", 1)[0]


@dataclass(frozen=True)
class Lookup:
    """A typed text's first token, with its rank and probability in the distribution."""

    text: str
    token: TokenPiece
    rank: int
    prob: float


def lookup_line(found: list[Lookup]) -> Text:
    """The look-up results, one line per variant tried: text, rank, probability, id."""
    line = Text()
    for i, item in enumerate(found):
        if i:
            line.append("\n")
        line.append(f"“{visible(item.token.text)}”", style="bold")
        line.append(f"  rank {item.rank:,}  p {item.prob:.2g}  (id {item.token.id})")
    return line


def variants(text: str) -> list[str]:
    """The text as typed and, if it has none, with a leading space (most words carry one)."""
    return [text] if text.startswith(" ") else [text, " " + text]
