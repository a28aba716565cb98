"""A deterministic fake model client for snapshot and UI tests (never for behaviour that the
real runtime can show: those tests use the tiny GGUF).

The fake has a small word vocabulary plus 256 byte-fallback tokens; it tokenizes by longest
match, and its logits are a fixed function of the prompt's token ids (a seeded generator), so
the same prompt always gives the same distribution. ``gate`` lets a test hold ``start`` (a
model that is still loading); ``hold`` holds ``next_token`` (and each generated token) until it
is set or the call is cancelled (``next_token`` then raises ``CancelledError``, as the runtime
does); ``fail_with`` makes every
call raise a runtime error.

For the preference lab: ``embed`` (a fixed bag-of-tokens vector per text), ``logprob`` (the
fake distribution's log-probability of each answer token) and, with ``vary_by_seed``,
generations that differ by seed (a seeded pick among the top tokens, ending at a full stop
after a seed-dependent number of sentences), so answers A and B differ in snapshots.
``second_fake_client()`` is a second fake model with a larger vocabulary (whole words where the
first splits them, like Gemma's 262k against SmolLM2's 49k), for the side-by-side views.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from tutor.runtime.errors import CancelledError, ModelRuntimeError
from tutor.runtime.types import (
    AnswerLogprob,
    Candidate,
    EmbeddingSet,
    GeneratedToken,
    GenerationResult,
    GenerationSettings,
    ModelInfo,
    NextTokenDistribution,
    TokenPiece,
)

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
WORDS = [
    " the", " cat", " sat", " on", " mat", " floor", " dog", " ate", " food", " bed", " sofa",
    " roof", " chair", " and", " a", " was", " is", " of", ".", ",", "!", " The", "The", "cat",
    " Large", " language", " models", " read", " tokens", " not", " words", " Un", "bel",
    "iev", "able", " rug", " fish", " old", " box", "\n",
]  # fmt: skip
VOCAB = SPECIALS + [f"<0x{b:02X}>" for b in range(256)] + WORDS
SECOND_WORDS = [
    *WORDS, " Unbelievable", "Unbelievable", " unbelievable", " mat!", " cat sat", " lamp",
    " garden", " table", " window", " Paris", " France", " capital",
]  # fmt: skip
SECOND_VOCAB = SPECIALS + [f"<0x{b:02X}>" for b in range(256)] + SECOND_WORDS
N_SPECIAL, N_BYTES = len(SPECIALS), 256
FIRST_WORD = N_SPECIAL + N_BYTES


def piece(token_id: int, vocab: Sequence[str] = VOCAB) -> TokenPiece:
    """The fake vocabulary's piece for ``token_id``."""
    if token_id < N_SPECIAL:
        return TokenPiece(token_id, vocab[token_id].encode(), special=True)
    if token_id < FIRST_WORD:
        return TokenPiece(token_id, bytes([token_id - N_SPECIAL]), byte_fallback=True)
    return TokenPiece(token_id, vocab[token_id].encode())


def fake_info(vocab: Sequence[str] = VOCAB, name: str = "fake-model") -> ModelInfo:
    """A fixed ModelInfo for the fake model."""
    return ModelInfo(
        path=f"/fake/{name}.gguf", name=name, architecture="fake", n_params=1000,
        quantization="F32", n_layers=2, n_heads=4, n_kv_heads=2, n_embd=64, n_ctx_train=256,
        n_ctx=256, n_vocab=len(vocab), chat_template=None, license="MIT", sha256="0" * 64,
        size_bytes=1000, bos_token=0, eos_token=0,
    )  # fmt: skip


class FakeModelClient:
    """Implements the calls the lab uses, deterministically and instantly."""

    def __init__(
        self,
        gate: threading.Event | None = None,
        *,
        vocab: Sequence[str] = VOCAB,
        name: str = "fake-model",
    ) -> None:
        self.gate = gate
        self.vocab = vocab
        self.name = name
        self.fail_with: str | None = None
        self.hold: threading.Event | None = None  # next_token and tokens wait on it (slow)
        self.vary_by_seed = False
        self.calls: list[str] = []
        self._info: ModelInfo | None = None
        self._cancelled = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._info is not None

    @property
    def pid(self) -> int | None:
        return None

    @property
    def model_info(self) -> ModelInfo | None:
        return self._info

    def start(self) -> ModelInfo:
        if self.gate is not None:
            self.gate.wait()
        if self.fail_with:
            raise ModelRuntimeError(self.fail_with)
        self._info = fake_info(self.vocab, self.name)
        return self._info

    def restart(self) -> ModelInfo:
        self._info = None
        return self.start()

    def close(self) -> None:
        self._info = None

    def cancel(self) -> None:
        self._cancelled.set()

    def _begin(self, op: str) -> None:
        self.calls.append(op)
        if self._info is None:
            self.start()
        if self.fail_with:
            raise ModelRuntimeError(self.fail_with)
        self._cancelled.clear()

    # -- operations --------------------------------------------------------------------------

    def info(self) -> ModelInfo:
        self._begin("info")
        return fake_info(self.vocab, self.name)

    def tokenize(
        self, text: str, *, add_special: bool = True, parse_special: bool = False
    ) -> list[TokenPiece]:
        self._begin("tokenize")
        ids = tokenize_ids(text, parse_special=parse_special, vocab=self.vocab)
        return [piece(i, self.vocab) for i in ids]

    def pieces(self, ids: Sequence[int]) -> list[TokenPiece]:
        self._begin("pieces")
        return [piece(int(i), self.vocab) for i in ids]

    def render_chat(
        self, messages: Sequence[Mapping[str, str]], *, add_generation_prompt: bool = True
    ) -> str:
        self._begin("render_chat")
        turns = [f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages]
        return "".join(turns) + ("<|im_start|>assistant\n" if add_generation_prompt else "")

    def next_token(self, prompt: Any, *, top_n: int = 20) -> NextTokenDistribution:
        self._begin("next_token")
        while self.hold is not None and not self.hold.wait(0.01):
            if self._cancelled.is_set():
                raise CancelledError("cancelled")
        text = prompt if isinstance(prompt, str) else self.render_chat(prompt)
        ids = tokenize_ids(text, vocab=self.vocab)
        return distribution(ids, top_n, self.vocab)

    def generate(
        self, prompt: Any, settings: GenerationSettings | None = None, **overrides: Any
    ) -> FakeGeneration:
        self._begin("generate")
        settings = settings or GenerationSettings()
        if overrides:
            settings = GenerationSettings(**{**settings.__dict__, **overrides})
        if not isinstance(prompt, str) and prompt and all(isinstance(t, int) for t in prompt):
            return FakeGeneration(self, list(prompt), settings)  # token ids, used as given
        text = prompt if isinstance(prompt, str) else self.render_chat(prompt)
        return FakeGeneration(self, tokenize_ids(text, vocab=self.vocab), settings)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self._begin("embed")
        return embeddings_of(texts)

    def embeddings(self, texts: Sequence[str], *, representation: str = "auto") -> EmbeddingSet:
        """The same vectors as ``embed``, labelled as the fake's phrase representation."""
        self._begin("embeddings")
        return EmbeddingSet(list(texts), "mean of per-token vectors (fake)", embeddings_of(texts))

    def logprob(self, prompt: Any, answer: str) -> AnswerLogprob:
        self._begin("logprob")
        text = prompt if isinstance(prompt, str) else self.render_chat(prompt)
        ids, answer_ids = tokenize_ids(text), tokenize_ids(answer)
        logps = []
        for token in answer_ids:
            z = logits_for(ids).astype(np.float64)
            logps.append(float(z[token] - z.max() - np.log(np.exp(z - z.max()).sum())))
            ids.append(token)
        return AnswerLogprob([piece(i) for i in answer_ids], np.array(logps))


EMBED_DIM = 64


def embeddings_of(texts: Sequence[str]) -> np.ndarray:
    """The fake's vectors for ``texts``: (N, 64)."""
    return np.stack([embedding(tokenize_ids(t)) for t in texts])


def embedding(ids: Sequence[int]) -> np.ndarray:
    """A fixed vector per token id (seeded by the id), averaged over the text: (64,)."""
    if not ids:
        return np.zeros(EMBED_DIM, dtype=np.float32)
    rows = [np.random.default_rng(i).normal(0.0, 1.0, EMBED_DIM) for i in ids]
    return np.mean(rows, axis=0).astype(np.float32)


def tokenize_ids(
    text: str, *, parse_special: bool = False, vocab: Sequence[str] = VOCAB
) -> list[int]:
    """Longest match over the word vocabulary, byte fallback for anything else."""
    words = sorted(range(FIRST_WORD, len(vocab)), key=lambda i: -len(vocab[i]))
    if parse_special:
        words = list(range(N_SPECIAL)) + words
    ids: list[int] = []
    rest = text
    while rest:
        match = next((i for i in words if rest.startswith(vocab[i])), None)
        if match is not None:
            ids.append(match)
            rest = rest[len(vocab[match]) :]
        else:
            ids.extend(N_SPECIAL + b for b in rest[0].encode())
            rest = rest[1:]
    return ids


def logits_for(ids: Sequence[int], vocab: Sequence[str] = VOCAB) -> np.ndarray:
    """Fixed logits for a context: word tokens get a seeded spread, bytes and specials less."""
    seed = zlib.crc32(np.asarray(ids, dtype=np.int64).tobytes())
    rng = np.random.default_rng(seed)
    logits = rng.normal(-6.0, 1.0, len(vocab)).astype(np.float32)
    logits[FIRST_WORD:] = rng.normal(2.0, 2.5, len(vocab) - FIRST_WORD).astype(np.float32)
    return logits


def distribution(
    ids: Sequence[int], top_n: int, vocab: Sequence[str] = VOCAB
) -> NextTokenDistribution:
    """The fake's next-token distribution after ``ids``."""
    logits = logits_for(ids, vocab)
    z = logits.astype(np.float64) - float(logits.max())
    probs = np.exp(z) / np.exp(z).sum()
    order = np.argsort(-logits, kind="stable")[:top_n]
    top = [Candidate(piece(int(i), vocab), float(logits[i]), float(probs[i])) for i in order]
    return NextTokenDistribution([piece(i, vocab) for i in ids], logits, top)


def second_fake_client() -> FakeModelClient:
    """The second fake model: more whole words (one token for " Unbelievable"), other logits."""
    return FakeModelClient(vocab=SECOND_VOCAB, name="fake-second")


class FakeGeneration(Iterator[GeneratedToken]):
    """Greedy continuation of the fake model (seed and sampling settings are ignored)."""

    def __init__(self, client: FakeModelClient, ids: list[int], s: GenerationSettings) -> None:
        self._client = client
        self._ids = list(ids)
        self._settings = s
        self._made: list[GeneratedToken] = []
        self.result: GenerationResult | None = None

    def __iter__(self) -> FakeGeneration:
        return self

    def __next__(self) -> GeneratedToken:
        if self.result is not None:
            raise StopIteration
        while self._client.hold is not None and not self._client.hold.wait(0.01):
            if self._client._cancelled.is_set():
                break
        if self._client._cancelled.is_set() or len(self._made) >= self._settings.max_tokens:
            self._finish("cancelled" if self._client._cancelled.is_set() else "length")
            raise StopIteration
        dist = distribution(self._ids, self._settings.top_n, self._client.vocab)
        best = self._pick(dist)
        if best is None:
            self._finish("eos")
            raise StopIteration
        best = dist.top[0]
        token = GeneratedToken(
            len(self._made), best.token, best.prob, 1.0, best.token.text, dist.top
        )
        self._made.append(token)
        self._ids.append(best.token.id)
        return token

    def _pick(self, dist: NextTokenDistribution) -> Candidate | None:
        """The top token; with ``vary_by_seed``, a seeded pick among the top three, and None
        (end of answer) after a full stop once the seed's number of sentences is written."""
        if not self._client.vary_by_seed or self._settings.seed is None:
            return dist.top[0]
        seed = self._settings.seed
        made = [t.text for t in self._made]
        if made and made[-1] == "." and made.count(".") >= 1 + seed % 3:
            return None
        rng = np.random.default_rng([seed, len(self._made)])
        return dist.top[int(rng.integers(0, min(3, len(dist.top))))]

    def _finish(self, reason: Any) -> None:
        text = "".join(t.text for t in self._made)
        self.result = GenerationResult(text, list(self._made), reason, len(self._ids), 0.0, 0.0)

    def cancel(self) -> None:
        self._client.cancel()

    def close(self) -> None:
        if self.result is None:
            self._finish("cancelled")

    def __enter__(self) -> FakeGeneration:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
