"""The features φ(answer) a reward model weighs: the answer's embedding plus a few you can read.

A reward model is only as understandable as what it looks at. Ours sees two kinds of feature:

1. the answer's embedding from the language model (the embeddings lab's phrase representation:
   a middle layer's hidden states averaged over the answer's tokens, see docs/inside.md and
   :mod:`tutor.explain.embeddings`), with the mean of all answers removed and scaled to length 1,
   so it says *what the answer is about and how it is phrased*, not how long it is;
2. transparent features with names: the answer's length in tokens, how repetitive it is, and
   whether it ends a sentence. If the learner's votes favour long answers, the weight on
   ``length`` shows it, and best-of-N will exploit it (reward hacking, Gao et al. 2023).

Everything here is numpy given the vectors and texts; the caller gets embeddings and token
counts from the model. Sources: Ouyang et al. 2022 (reward models on language-model
representations); Mu and Viswanath 2018 (removing the common mean before comparing embeddings);
Gao, Schulman and Hilton, "Scaling Laws for Reward Model Overoptimization" (2023).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from tutor.explain.embeddings import remove_mean, unit_rows

TRANSPARENT = ("length", "repetition", "finished")
"""The named features, in the order they follow the embedding in φ."""

LENGTH_SCALE = 64.0
"""Tokens per unit of the ``length`` feature: a 128-token answer has length 2.0."""

_WORD = re.compile(r"\w+", re.UNICODE)


def repetition(text: str) -> float:
    """Share of words that repeat an earlier word (0 all different, → 1 one word over and over)."""
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return 0.0
    return 1.0 - len(set(words)) / len(words)


def finished(text: str) -> float:
    """1.0 if the answer ends a sentence (., !, ? or a closing quote after one), else 0.0."""
    return 1.0 if re.search(r"[.!?][\"')\]]*\s*$", text) else 0.0


def transparent_features(text: str, n_tokens: int) -> np.ndarray:
    """(3,) ``length`` (tokens / 64), ``repetition`` and ``finished`` for one answer."""
    return np.array([n_tokens / LENGTH_SCALE, repetition(text), finished(text)])


def embedding_part(embeddings: np.ndarray, centre: np.ndarray | None) -> np.ndarray:
    """(N, d) embeddings minus the common mean ``centre`` (if given), each scaled to length 1."""
    e = np.asarray(embeddings, dtype=np.float64)  # (N, d)
    if centre is not None:
        e = remove_mean(e, np.asarray(centre, dtype=np.float64))  # drop what all answers share
    return unit_rows(e)  # (N, d) direction only: length is its own feature


def feature_matrix(
    embeddings: np.ndarray,
    texts: Sequence[str],
    n_tokens: Sequence[int],
    *,
    centre: np.ndarray | None = None,
) -> np.ndarray:
    """φ for N answers: (N, d + 3), the normalised embedding then the named features."""
    emb = embedding_part(embeddings, centre)  # (N, d)
    named = np.array(
        [transparent_features(t, n) for t, n in zip(texts, n_tokens, strict=True)]
    ).reshape(len(texts), len(TRANSPARENT))  # (N, 3)
    return np.concatenate([emb, named], axis=1)  # (N, d + 3)


def feature_groups(dim: int) -> list[tuple[str, slice]]:
    """Named slices of φ for a d-dimensional embedding: the embedding block, then each feature."""
    groups = [(f"embedding ({dim} dims)", slice(0, dim))]
    groups += [(name, slice(dim + i, dim + i + 1)) for i, name in enumerate(TRANSPARENT)]
    return groups
