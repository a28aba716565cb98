"""Comparing embeddings: cosine similarity, removing the common mean, and a 2-D PCA map.

Sources:
- Mikolov et al., "Efficient Estimation of Word Representations in Vector Space" (2013), and
  the cosine similarity used with word vectors since.
- Mu and Viswanath, "All-but-the-Top: Simple and Effective Postprocessing for Word
  Representations" (ICLR 2018): subtracting the common mean vector makes cosine similarity
  informative again.
- Ethayarajh, "How Contextual are Contextualized Word Representations?" (EMNLP 2019): hidden
  states of language models are anisotropic, so any two texts look similar (cosine near 1)
  until the common direction is removed.
- Pearson (1901) / any linear algebra text: PCA as the top right-singular vectors of the
  centred data matrix.
"""

from __future__ import annotations

import numpy as np


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Each row of ``x`` (N, d) scaled to length 1 (zero rows stay zero)."""
    norms = np.linalg.norm(x, axis=-1, keepdims=True)  # (N, 1)
    return x / np.where(norms == 0, 1.0, norms)  # (N, d)


def cosine_matrix(x: np.ndarray) -> np.ndarray:
    """(N, N) cosine similarities of the rows of ``x``: 1 same direction, 0 unrelated."""
    u = unit_rows(x.astype(np.float64))  # (N, d)
    return u @ u.T  # (N, N)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors (d,)."""
    return float(cosine_matrix(np.stack([a, b]))[0, 1])


def remove_mean(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``x`` (N, d) minus a reference mean (d,): the direction every text shares is dropped."""
    return x - mean[None, :]  # (N, d)


def nearest(similarity: np.ndarray, index: int, k: int = 3) -> list[int]:
    """The ``k`` other rows most similar to row ``index`` of a similarity matrix, best first."""
    row = similarity[index].copy()  # (N,)
    row[index] = -np.inf  # an item is not its own neighbour
    order = np.argsort(-row)  # (N,) best first
    return [int(i) for i in order[:k] if np.isfinite(row[i])]


def pca_2d(x: np.ndarray) -> np.ndarray:
    """Project the rows of ``x`` (N, d) onto their two main directions of variation: (N, 2)."""
    centred = x.astype(np.float64) - x.mean(axis=0, keepdims=True)  # (N, d)
    if x.shape[0] < 2:
        return np.zeros((x.shape[0], 2))
    _u, _s, vt = np.linalg.svd(centred, full_matrices=False)  # vt (min(N, d), d)
    axes = vt[:2]  # (≤2, d) the two directions with the most variance
    out = np.zeros((x.shape[0], 2))  # (N, 2)
    out[:, : axes.shape[0]] = centred @ axes.T  # (N, ≤2)
    return out


def triple_accuracy(anchor: np.ndarray, related: np.ndarray, unrelated: np.ndarray) -> float:
    """Share of triples (rows) where cos(anchor, related) > cos(anchor, unrelated)."""
    a, r, u = unit_rows(anchor), unit_rows(related), unit_rows(unrelated)  # (N, d) each
    near = np.sum(a * r, axis=-1)  # (N,) cos(anchor, related)
    far = np.sum(a * u, axis=-1)  # (N,) cos(anchor, unrelated)
    return float(np.mean(near > far))
