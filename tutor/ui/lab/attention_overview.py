"""The attention explorer's overview (key ``o``): every head of the model as one cell, layers
down and heads across, grouped by the key/value head they share (grouped-query attention), with
a score the learner can read and a letter for each head whose pattern has a name.

The scores and names come from ``tutor.explain.heads`` (documented thresholds); this module only
draws them, so the explorer's screen stays a composer plus key handlers.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text

from tutor.drawing import shade, window
from tutor.explain import heads as Hd

SCORE_TITLES = {
    "previous": "% of weight on the previous token",
    "first": "% of weight on the first token",
    "entropy": "entropy in bits (0: one token)",
    "induction": "induction score (i: rerun)",
}


def head_name(scores: dict[str, np.ndarray], layer: int, head: int) -> str:
    """The named pattern of one head, or ""."""
    prev, first = float(scores["previous"][layer, head]), float(scores["first"][layer, head])
    ind = scores.get("induction")
    induction = float(ind[layer, head]) if ind is not None else None
    return Hd.name_head(np.nan_to_num(prev), np.nan_to_num(first), induction)


def overview_text(
    scores: dict[str, np.ndarray], score: str, layer: int, head: int, n_kv: int, rows: int
) -> Text:
    """Every head as one cell (layers down, heads across, grouped by key/value head)."""
    values = scores[score]
    n_layers, n_heads = values.shape
    group = max(1, n_heads // max(1, n_kv))
    out = Text(no_wrap=True, overflow="crop")
    out.append(f"{SCORE_TITLES[score]}; P/F/I named heads; s: next score\n", style="dim")
    header = "     " + "".join(
        "│" + "".join(f" h{h:<4d}" for h in range(g * group, (g + 1) * group)) for g in range(n_kv)
    )
    out.append(header + " (│ shared KV)\n", style="dim")
    top, bottom = window(n_layers, max(1, rows - 2), layer)
    for la in range(top, bottom):
        out.append(f"L{la:<3d} ", style="bold" if la == layer else "")
        for h in range(n_heads):
            if h % group == 0:
                out.append("│")
            v = float(values[la, h])
            tag = {"previous-token": "P", "first-token": "F", "induction": "I"}.get(
                head_name(scores, la, h), " "
            )
            cell = _cell(score, v) + tag
            here = la == layer and h == head
            out.append(f"[{cell}]" if here else f" {cell} ", style="reverse" if here else "")
        if la < bottom - 1:
            out.append("\n")
    return out


def _cell(score: str, v: float) -> str:
    """Three characters: a shade and two digits (percent, or bits × 10 for entropy)."""
    if np.isnan(v):
        return " --"
    if score == "entropy":
        return f"{min(v, 9.9):3.1f}"
    return f"{shade(v)}{min(99, round(v * 100)):2d}"
