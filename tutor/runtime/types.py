"""Typed results of the model runtime: plain dataclasses and numpy arrays, picklable.

These cross the pipe between the worker process and the app, so they hold only data:
no handles to llama.cpp objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from tutor.explain.sampling import softmax

FinishReason = Literal["eos", "length", "stop", "cancelled"]


@dataclass(frozen=True)
class ModelInfo:
    """What the loaded model is: shape, quantization, vocabulary, template, licence, hash."""

    path: str
    name: str
    architecture: str
    n_params: int
    quantization: str
    n_layers: int
    n_heads: int
    n_kv_heads: int
    n_embd: int
    n_ctx_train: int
    n_ctx: int
    n_vocab: int
    chat_template: str | None
    license: str | None
    sha256: str
    size_bytes: int
    bos_token: int
    eos_token: int


@dataclass(frozen=True)
class TokenPiece:
    """One token: its id, the exact bytes it stands for, and how to show it."""

    id: int
    bytes: bytes
    special: bool = False  # control token such as <|im_start|> or </s>
    byte_fallback: bool = False  # a raw byte token such as <0x0A>

    @property
    def text(self) -> str:
        """The piece as text; bytes that are not valid UTF-8 on their own show as U+FFFD."""
        return self.bytes.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Candidate:
    """One possible next token with its logit and probability (softmax at temperature 1)."""

    token: TokenPiece
    logit: float
    prob: float


@dataclass(frozen=True)
class NextTokenDistribution:
    """The model's full next-token distribution after reading a prompt."""

    prompt_tokens: list[TokenPiece]
    logits: np.ndarray  # (n_vocab,) float32, read with llama_get_logits_ith
    top: list[Candidate]  # the most likely tokens, best first

    def probs(self, temperature: float = 1.0) -> np.ndarray:
        """Softmax of the logits at ``temperature`` (> 0), as float64."""
        if temperature <= 0:
            raise ValueError("temperature must be > 0")
        return softmax(self.logits, temperature)


@dataclass(frozen=True)
class GeneratedToken:
    """One sampled token, streamed as soon as it is chosen."""

    index: int  # 0 for the first generated token
    token: TokenPiece
    prob: float  # the model's probability for it (softmax at temperature 1)
    sampled_prob: float  # its probability in the distribution actually sampled from
    text: str  # newly complete text (UTF-8 held back until a character is whole)
    alternatives: list[Candidate]  # the model's top-N at this step, best first


@dataclass(frozen=True)
class GenerationResult:
    """Summary of a finished generation."""

    text: str
    tokens: list[GeneratedToken]
    finish_reason: FinishReason
    prompt_tokens: int
    prompt_seconds: float  # time to evaluate the prompt (≈ time to first token)
    generation_seconds: float

    @property
    def tokens_per_second(self) -> float:
        """Generated tokens per second, prompt evaluation excluded."""
        if self.generation_seconds <= 0:
            return 0.0
        return len(self.tokens) / self.generation_seconds


@dataclass(frozen=True)
class AttentionMaps:
    """Attention probabilities captured from llama.cpp's forward pass.

    ``weights[layer, head, query, key]``: row ``query`` sums to 1 and is zero for key > query.
    """

    tokens: list[TokenPiece]
    weights: np.ndarray  # (n_layers, n_heads, T, T) float32

    @property
    def shape(self) -> tuple[int, ...]:
        """(layers, heads, tokens, tokens)."""
        return tuple(self.weights.shape)


@dataclass(frozen=True)
class GenerationSettings:
    """Sampling settings, applied in llama.cpp's order: penalty, top-k, top-p, min-p, temperature.

    ``temperature == 0`` means greedy. ``seed=None`` picks a fresh random seed.
    """

    temperature: float = 0.8
    top_k: int = 40  # 0 = off
    top_p: float = 0.95  # 1.0 = off
    min_p: float = 0.05  # 0.0 = off
    repeat_penalty: float = 1.0  # 1.0 = off
    repeat_last_n: int = 64
    seed: int | None = None
    max_tokens: int = 128
    stop: tuple[str, ...] = field(default_factory=tuple)
    top_n: int = 5  # alternatives reported per step

    def __post_init__(self) -> None:
        problems = _settings_problems(self)
        if problems:
            raise ValueError("; ".join(problems))


def _settings_problems(s: GenerationSettings) -> list[str]:
    """Human-readable reasons why these settings are invalid (empty if valid)."""
    checks = [
        (s.temperature >= 0, "temperature must be >= 0"),
        (s.top_k >= 0, "top_k must be >= 0"),
        (0 < s.top_p <= 1, "top_p must be in (0, 1]"),
        (0 <= s.min_p <= 1, "min_p must be in [0, 1]"),
        (s.repeat_penalty > 0, "repeat_penalty must be > 0"),
        (s.repeat_last_n >= 0, "repeat_last_n must be >= 0"),
        (s.max_tokens >= 1, "max_tokens must be >= 1"),
        (0 <= s.top_n <= 100, "top_n must be between 0 and 100"),
    ]
    return [message for ok, message in checks if not ok]


ChatMessages = list[Mapping[str, str]]
"""Chat messages as ``[{"role": "user", "content": "..."}]``."""


@dataclass(frozen=True)
class QKCapture:
    """Queries and keys after RoPE, and the attention softmax, captured from llama.cpp.

    ``q[layer, token, head, :]``, ``k[layer, token, kv_head, :]``; ``weights`` as in
    :class:`AttentionMaps`. Query head h reads KV head h // (n_heads / n_kv_heads).
    """

    tokens: list[TokenPiece]
    q: np.ndarray  # (n_layers, T, n_heads, d_head) float32
    k: np.ndarray  # (n_layers, T, n_kv_heads, d_head) float32
    weights: np.ndarray  # (n_layers, n_heads, T, T) float32


@dataclass(frozen=True)
class LensGrid:
    """The logit lens: each layer's top tokens at each position.

    ``top_ids[layer, position, rank]`` with ``top_probs`` alike; ``pieces`` maps every id shown
    to its piece. ``model_top`` is the model's own top-1 per position, and ``kl_last`` the KL
    divergence (nats) between the model's distribution and the last layer's lens (near 0).
    """

    tokens: list[TokenPiece]
    top_ids: np.ndarray  # (n_layers, T, k) int
    top_probs: np.ndarray  # (n_layers, T, k) float32
    pieces: dict[int, TokenPiece]
    model_top: np.ndarray  # (T,) int
    kl_last: np.ndarray  # (T,) float
    tied: bool  # True if the output matrix is the input embedding table

    def text(self, token: int) -> str:
        """The text of a token shown in the grid."""
        return self.pieces[token].text


@dataclass(frozen=True)
class EmbeddingSet:
    """One vector per item, and which representation they are (shown on screen)."""

    items: list[str]
    representation: str
    vectors: np.ndarray  # (N, d) float32


@dataclass(frozen=True)
class PackedAttention:
    """Attention probabilities in a quarter of the memory of :class:`AttentionMaps`.

    A causal row t has only keys 0..t, so each (T, T) matrix is stored as its lower triangle,
    row after row (T(T+1)/2 numbers), in float16 (about 3 significant digits, plenty for a
    picture; the by-hand view uses the float32 ``QKCapture``). 256 tokens on SmolLM2: 18 MB
    instead of 71 MB, held by the app only: the worker streams it a layer at a time
    (:class:`PackedRows`, :mod:`tutor.runtime.packed`).
    """

    tokens: list[TokenPiece]
    packed: np.ndarray  # (n_layers, n_heads, T*(T+1)/2) float16

    @property
    def n_layers(self) -> int:
        return int(self.packed.shape[0])

    @property
    def n_heads(self) -> int:
        return int(self.packed.shape[1])

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    def matrix(self, layer: int, head: int) -> np.ndarray:
        """The (T, T) float32 matrix of one head (zeros above the diagonal)."""
        n = self.n_tokens
        out = np.zeros((n, n), dtype=np.float32)
        rows, cols = np.tril_indices(n)
        out[rows, cols] = self.packed[layer, head]
        return out

    def layer_mean(self, layer: int) -> np.ndarray:
        """The (T, T) mean over the heads of one layer."""
        n = self.n_tokens
        out = np.zeros((n, n), dtype=np.float32)
        rows, cols = np.tril_indices(n)
        out[rows, cols] = self.packed[layer].astype(np.float32).mean(axis=0)
        return out


@dataclass(frozen=True)
class PackedRows:
    """Rows ``start``..``stop`` of one layer of a :class:`PackedAttention`, every head, sent as
    soon as llama.cpp has computed them; ``n_layers`` and ``n_tokens`` size the whole capture."""

    layer: int
    start: int
    stop: int
    n_layers: int
    n_tokens: int
    values: np.ndarray  # (n_heads, stop(stop+1)/2 - start(start+1)/2) float16


@dataclass(frozen=True)
class AnswerLogprob:
    """log π(answer | prompt) token by token, from one teacher-forced forward pass."""

    tokens: list[TokenPiece]  # the answer's tokens
    logprobs: np.ndarray  # (len(tokens),) float64, natural log

    @property
    def total(self) -> float:
        """log π of the whole answer: the sum over its tokens."""
        return float(self.logprobs.sum())
