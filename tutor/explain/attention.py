"""Causal self-attention by hand, for one layer of a llama-style model (SmolLM2).

Written to be read beside the engine's numbers. Sources:
- Vaswani et al., "Attention Is All You Need" (2017), eq. 1: softmax(Q Kᵀ / √d_k) V.
- karpathy/nanoGPT ``model.py`` ``CausalSelfAttention.forward``: the same steps, one line each.
- Su et al., "RoFormer" (2021): rotary position embeddings (RoPE). llama.cpp's
  ``LLAMA_ROPE_TYPE_NORM`` rotates consecutive pairs (x[2i], x[2i+1]) by the angle
  pos · base^(-2i/d_head) (``ggml-cpu/ops.cpp``, ``ggml_rope_cache_init``); the GGUF
  converter already permuted the Q/K weight rows, so this interleaved form is right for GGUF.
- Ainslie et al., "GQA" (2023): grouped-query attention. Query head h reads key/value head
  h // (n_head / n_head_kv) (ggml's broadcast in ``ggml_compute_forward_mul_mat``).

llama.cpp keeps keys in a float16 KV cache and rounds the query to float16 for the Q·K product,
so :func:`attention_weights` can round the same way (``f16=True``) to match it closely.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def rope(x: np.ndarray, positions: np.ndarray, base: float = 10000.0) -> np.ndarray:
    """Rotate each consecutive pair of ``x`` (T, H, d) by its position's angle (RoPE, NORM)."""
    d = x.shape[-1]  # d_head, even
    i = np.arange(d // 2)  # (d/2,) pair index
    freqs = base ** (-2.0 * i / d)  # (d/2,) one frequency per pair, slower for later pairs
    angles = positions[:, None] * freqs[None, :]  # (T, d/2)
    cos = np.cos(angles)[:, None, :]  # (T, 1, d/2) broadcast over heads
    sin = np.sin(angles)[:, None, :]  # (T, 1, d/2)
    even, odd = x[..., 0::2], x[..., 1::2]  # (T, H, d/2) each: the two halves of every pair
    out = np.empty_like(x)  # (T, H, d)
    out[..., 0::2] = even * cos - odd * sin  # (T, H, d/2) 2-D rotation, first coordinate
    out[..., 1::2] = even * sin + odd * cos  # (T, H, d/2) second coordinate
    return out


def kv_head_of(head: int, n_head: int, n_head_kv: int) -> int:
    """The key/value head that query head ``head`` shares (grouped-query attention)."""
    group = n_head // n_head_kv  # query heads per KV head (SmolLM2: 9 // 3 = 3)
    return head // group


def causal_mask(n_tokens: int) -> np.ndarray:
    """(T, T) booleans, True where query t may look at key s, i.e. s <= t."""
    return np.tril(np.ones((n_tokens, n_tokens), dtype=bool))


def softmax_rows(scores: np.ndarray) -> np.ndarray:
    """Softmax over the last axis; -inf entries get weight exactly 0."""
    shifted = scores - scores.max(axis=-1, keepdims=True)  # (..., T) largest becomes 0: no overflow
    e = np.exp(shifted)  # (..., T) exp(-inf) = 0
    return e / e.sum(axis=-1, keepdims=True)  # (..., T) each row sums to 1


def round_f16(x: np.ndarray) -> np.ndarray:
    """``x`` rounded to float16 and back, as llama.cpp's KV cache stores keys."""
    return x.astype(np.float16).astype(np.float64)


def attention_weights(
    q: np.ndarray, k: np.ndarray, *, scale: float | None = None, f16: bool = False
) -> np.ndarray:
    """Attention probabilities (H, T, T) from queries (T, H, d) and keys (T, H_kv, d).

    ``q`` and ``k`` are taken after RoPE (as llama.cpp's ``Qcur``/``Kcur`` graph tensors are).
    """
    n_tokens, n_head, d_head = q.shape  # T, H, d
    n_head_kv = k.shape[1]  # H_kv
    scale = 1.0 / np.sqrt(d_head) if scale is None else scale  # 1/√d keeps scores near unit size
    q64, k64 = (round_f16(q), round_f16(k)) if f16 else (q.astype(np.float64), k.astype(np.float64))
    group = n_head // n_head_kv  # query heads per KV head
    k_per_head = np.repeat(k64, group, axis=1)  # (T, H, d) head h gets KV head h // group
    qh = q64.transpose(1, 0, 2)  # (H, T, d)
    kh = k_per_head.transpose(1, 0, 2)  # (H, T, d)
    scores = qh @ kh.transpose(0, 2, 1)  # (H, T, T) every query · every key
    scores = scores * scale  # (H, T, T) scaled dot products
    mask = causal_mask(n_tokens)  # (T, T) no peeking at later tokens
    scores = np.where(mask[None, :, :], scores, -np.inf)  # (H, T, T) future keys get -inf
    return softmax_rows(scores)  # (H, T, T) each row sums to 1


@dataclass(frozen=True)
class QueryWalk:
    """Every step of one query's attention, as the by-hand screen shows it."""

    query: int  # position t of the query token
    q: np.ndarray  # (d,) the query vector after RoPE
    keys: np.ndarray  # (T, d) every key vector (of this head's KV head) after RoPE
    dots: np.ndarray  # (T,) q · k_s
    scaled: np.ndarray  # (T,) dots / √d
    masked: np.ndarray  # (T,) scaled, with -inf for s > t
    weights: np.ndarray  # (T,) softmax of masked


def walk_query(
    q: np.ndarray, k: np.ndarray, head: int, query: int, *, f16: bool = False
) -> QueryWalk:
    """One query row of :func:`attention_weights`, keeping each intermediate step."""
    n_tokens, n_head, d_head = q.shape  # T, H, d
    kv = kv_head_of(head, n_head, k.shape[1])  # which key head this query head reads
    rnd = round_f16 if f16 else (lambda a: a.astype(np.float64))
    q_vec = rnd(q[query, head])  # (d,) this token's query
    keys = rnd(k[:, kv])  # (T, d) every token's key for this KV head
    dots = keys @ q_vec  # (T,) how well each key matches the query
    scaled = dots / np.sqrt(d_head)  # (T,) divided by √d
    allowed = np.arange(n_tokens) <= query  # (T,) the causal mask for this row
    masked = np.where(allowed, scaled, -np.inf)  # (T,) later tokens are hidden
    weights = softmax_rows(masked)  # (T,) probabilities over the visible keys
    return QueryWalk(query, q_vec, keys, dots, scaled, masked, weights)


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """The largest |a - b| over all entries: how far our numbers are from llama.cpp's."""
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


# A 3-token toy the learner computes with pencil and paper (d = 4, so √d = 2). The query is
# "cat" (position 1), so the causal mask hides "sat".
TOY_TOKENS = ("The", "cat", "sat")
TOY_QUERY = 1
TOY_Q = np.array([1.0, 0.0, 2.0, 1.0])  # (d,) the query of "cat"
TOY_K = np.array(
    [
        [1.0, 1.0, 0.0, 1.0],  # key of "The"
        [0.0, 2.0, 1.0, 2.0],  # key of "cat"
        [2.0, 0.0, 1.0, 0.0],  # key of "sat"
    ]
)  # (T, d)
TOY_STEPS = ("dot products q·k", "divide by √d", "causal mask", "softmax")


def toy_steps() -> list[np.ndarray]:
    """The toy's four answers: dot products, scaled scores, masked scores, weights."""
    dots = TOY_K @ TOY_Q  # (T,) = [2, 4, 4]
    scaled = dots / np.sqrt(TOY_Q.shape[0])  # (T,) = [1, 2, 2]
    allowed = np.arange(TOY_K.shape[0]) <= TOY_QUERY  # (T,) "sat" comes after "cat"
    masked = np.where(allowed, scaled, -np.inf)  # (T,) = [1, 2, -inf]
    return [dots, scaled, masked, softmax_rows(masked)]  # weights = [0.269, 0.731, 0]


def check_numbers(typed: list[float], expected: np.ndarray, tol: float = 0.01) -> bool:
    """True if the learner's numbers match the expected ones to ``tol`` (-inf must be -inf)."""
    if len(typed) != expected.shape[0]:
        return False
    got = np.asarray(typed, dtype=np.float64)  # (T,)
    same_inf = np.isinf(got) == np.isinf(expected)  # (T,) -inf typed exactly where masked
    finite = ~np.isinf(expected)  # (T,)
    close = np.abs(got[finite] - expected[finite]) <= tol  # (T_visible,)
    return bool(np.all(same_inf) and np.all(close))
