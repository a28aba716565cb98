"""The logit lens: what each layer would predict if the model stopped there.

Sources:
- nostalgebraist, "interpreting GPT: the logit lens" (LessWrong, 2020): apply the model's final
  norm and unembedding to the residual stream after every layer.
- Belrose et al., "Eliciting Latent Predictions from Transformers with the Tuned Lens" (2023),
  which also reports where the plain lens is unreliable (early layers).
- llama.cpp ``src/models/llama.cpp``: the model ends with ``result_norm = RMSNorm(l_out[-1]) *
  output_norm.weight`` and ``result_output = output.weight · result_norm``; with no
  ``output.weight`` in the file, ``token_embd.weight`` is reused (tied embeddings).
- Zhang and Sennrich, "Root Mean Square Layer Normalization" (2019): RMSNorm.

The last layer's lens is therefore the model's own logits; earlier layers reuse the same
final norm on their own vectors.
"""

from __future__ import annotations

import numpy as np


def rms_norm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    """RMSNorm of each row of ``x`` (N, d): divide by the root mean square, scale by ``weight``."""
    ms = np.mean(x * x, axis=-1, keepdims=True)  # (N, 1) mean of squares per row
    return x / np.sqrt(ms + eps) * weight  # (N, d)


def round_q8_blocks(x: np.ndarray, block: int = 32) -> np.ndarray:
    """``x`` (N, d) rounded as ggml rounds a matmul's activations for quantized weights (Q8_0).

    Each block of 32 numbers shares one scale, amax / 127 (stored as float16), and every number
    becomes an integer from -127 to 127 times that scale (``quantize_row_q8_0`` in ggml).
    """
    n, d = x.shape  # (N, d), d a multiple of 32
    blocks = x.reshape(n, d // block, block).astype(np.float32)  # (N, d/32, 32)
    amax = np.abs(blocks).max(axis=-1, keepdims=True)  # (N, d/32, 1)
    scale = (amax / 127.0).astype(np.float16).astype(np.float32)  # (N, d/32, 1) fp16 scale
    inv = np.where(amax > 0, 127.0 / np.where(amax > 0, amax, 1.0), 0.0)  # (N, d/32, 1)
    codes = np.round(blocks * inv)  # (N, d/32, 32) integers in [-127, 127]
    return (codes * scale).reshape(n, d)  # (N, d)


def lens_logits(
    hidden: np.ndarray,
    norm_weight: np.ndarray,
    output: np.ndarray,
    eps: float,
    *,
    q8_block: int | None = None,
) -> np.ndarray:
    """Logits (N, V) from residual-stream vectors (N, d) via the final norm and unembedding.

    ``q8_block`` rounds the normed vectors in blocks of that size, as llama.cpp does before
    multiplying them by a quantized output matrix, so the last layer reproduces its logits.
    """
    normed = rms_norm(hidden.astype(np.float32), norm_weight, eps)  # (N, d)
    if q8_block:
        normed = round_q8_blocks(normed, q8_block)  # (N, d)
    return normed @ output.T  # (N, d) @ (d, V) -> (N, V) one score per vocabulary token


def log_softmax_rows(logits: np.ndarray) -> np.ndarray:
    """log softmax over the last axis, in float64 (stable: the max is subtracted first)."""
    z = logits.astype(np.float64)  # (N, V)
    z = z - z.max(axis=-1, keepdims=True)  # (N, V) largest is 0
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))  # (N, V)


def kl_divergence(p_logits: np.ndarray, q_logits: np.ndarray) -> np.ndarray:
    """KL(p ‖ q) in nats per row: how far distribution q is from p (0 when equal)."""
    log_p = log_softmax_rows(p_logits)  # (N, V)
    log_q = log_softmax_rows(q_logits)  # (N, V)
    return np.sum(np.exp(log_p) * (log_p - log_q), axis=-1)  # (N,)


def top_k(logits: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` most likely ids per row, best first, and their probabilities: (N, k) each."""
    part = np.argpartition(-logits, kth=min(k, logits.shape[-1] - 1), axis=-1)[:, :k]  # (N, k)
    part_logits = np.take_along_axis(logits, part, axis=-1)  # (N, k)
    order = np.argsort(-part_logits, axis=-1)  # (N, k) best first
    ids = np.take_along_axis(part, order, axis=-1)  # (N, k)
    best = np.take_along_axis(part_logits, order, axis=-1).astype(np.float64)  # (N, k)
    peak = best[:, :1]  # (N, 1) the largest logit of each row
    total = np.exp(logits.astype(np.float64) - peak).sum(axis=-1, keepdims=True)  # (N, 1) Σ e^z
    return ids, np.exp(best - peak) / total  # (N, k) ids, (N, k) softmax probabilities


def first_layer_on_top(top_ids: np.ndarray, token: int) -> int | None:
    """The first layer whose top-1 (``top_ids`` is (L, k) for one position) is ``token``."""
    hits = np.nonzero(top_ids[:, 0] == token)[0]  # layers where token is the best guess
    return int(hits[0]) if hits.size else None
