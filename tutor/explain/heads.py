"""Simple scores that name what an attention head does.

Each score reads one head's attention matrix ``w`` (T, T) (row = query, column = key):
- entropy: the mean over query rows of -Σ w log2 w, in bits; 0 = each row looks at one token;
- first-token share: mean weight on key 0 ("attention sink", Xiao et al., "Efficient
  Streaming Language Models with Attention Sinks", 2023);
- previous-token share: mean weight on key t-1 (rows t ≥ 2, so it is not confused with key 0);
- induction score (Olsson et al., "In-context Learning and Induction Heads", Anthropic 2022;
  also Elhage et al., "A Mathematical Framework for Transformer Circuits", 2021): on a sequence
  of random tokens repeated twice, the mean weight a query in the second copy puts on the token
  that *followed* its previous occurrence (position t - period + 1).
"""

from __future__ import annotations

import numpy as np

# A head is named when its score passes these thresholds (chosen from the measured spread on
# SmolLM2-135M: see docs/inside.md).
PREVIOUS_MIN = 0.5
FIRST_MIN = 0.9
INDUCTION_MIN = 0.5


def row_entropy_bits(w: np.ndarray) -> float:
    """Mean entropy (bits) of the rows of ``w`` (T, T), skipping row 0 (it sees one key)."""
    rows = w[1:].astype(np.float64)  # (T-1, T)
    logs = np.log2(np.where(rows > 0, rows, 1.0))  # (T-1, T) log2 0 taken as 0
    return float(np.mean(-np.sum(rows * logs, axis=-1)))


def first_token_share(w: np.ndarray) -> float:
    """Mean weight rows t ≥ 1 put on key 0."""
    return float(np.mean(w[1:, 0]))


def previous_token_share(w: np.ndarray) -> float:
    """Mean weight rows t ≥ 2 put on key t - 1."""
    t = np.arange(2, w.shape[0])  # (T-2,)
    return float(np.mean(w[t, t - 1]))


def induction_score(w: np.ndarray, start: int, period: int) -> float:
    """Mean weight on key t - period + 1 for queries t in the second copy of a repeated sequence.

    The sequence occupies positions ``start`` .. ``start + 2*period - 1`` (anything before it,
    such as a BOS token, is ignored). The first query of the second copy is skipped: the token
    after its previous occurrence is its own first repeat.
    """
    t = np.arange(start + period + 1, start + 2 * period)  # (period-1,) second-copy queries
    return float(np.mean(w[t, t - period + 1]))


def head_scores(w: np.ndarray) -> dict[str, float]:
    """Entropy, first-token share and previous-token share of one head (T, T)."""
    return {
        "entropy": row_entropy_bits(w),
        "first": first_token_share(w),
        "previous": previous_token_share(w),
    }


def name_head(previous: float, first: float, induction: float | None = None) -> str:
    """A short name for a head's pattern, or "" when no score is clear."""
    if induction is not None and induction >= INDUCTION_MIN:
        return "induction"
    if previous >= PREVIOUS_MIN:
        return "previous-token"
    if first >= FIRST_MIN:
        return "first-token"
    return ""


SCORE_BLOCK = 1 << 18
"""Numbers scored at once (1 MB of float32 per temporary). A 256-token capture of every head of
SmolLM2 holds 8.9 million, and scoring it whole made float32 copies of it (145 MB more in the
app for an 18 MB capture; 5 MB a block at a time). The figures are the same, bit for bit, and
come faster (0.06 s instead of 0.13 s here: a block stays in the CPU's cache)."""


def packed_scores(packed: np.ndarray, n_tokens: int) -> dict[str, np.ndarray]:
    """First-token share, previous-token share and entropy (bits) of every head at once.

    ``packed`` is (..., T(T+1)/2): each head's lower triangle stored row after row, so row t
    starts at offset t(t+1)/2 and its key s sits at offset + s. Returns arrays of shape (...).
    NaN where the prompt is too short for a score (previous-token needs 3 tokens).
    """
    heads = packed.reshape(-1, packed.shape[-1])  # (N, T(T+1)/2), N = the product of (...)
    step = max(1, SCORE_BLOCK // max(1, heads.shape[1]))  # heads per block
    blocks = [_block_scores(heads[i : i + step], n_tokens) for i in range(0, len(heads), step)]
    return {
        name: np.concatenate([b[name] for b in blocks]).reshape(packed.shape[:-1])
        for name in ("first", "previous", "entropy")
    }


def _block_scores(packed: np.ndarray, n_tokens: int) -> dict[str, np.ndarray]:
    """:func:`packed_scores` of a block of heads (N, T(T+1)/2) -> arrays of shape (N,)."""
    t = np.arange(n_tokens)  # (T,)
    start = t * (t + 1) // 2  # (T,) where each row begins
    p = packed.astype(np.float32)  # (N, T(T+1)/2)
    nan = np.full(p.shape[:-1], np.nan)
    first = p[..., start[1:]].mean(axis=-1) if n_tokens > 1 else nan  # key 0 of rows 1..
    prev = p[..., start[2:] + t[2:] - 1].mean(axis=-1) if n_tokens > 2 else nan  # key t-1
    plogp = np.where(p > 0, -p * np.log2(np.where(p > 0, p, 1.0)), 0.0)  # (N, T(T+1)/2)
    per_row = np.add.reduceat(plogp, start, axis=-1)  # (N, T) entropy of each row
    entropy = per_row[..., 1:].mean(axis=-1) if n_tokens > 1 else nan
    return {"first": first, "previous": prev, "entropy": entropy}
