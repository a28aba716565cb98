"""The "inside the model" operations of the worker: Q/K capture, the logit lens, embeddings.

They share one llama.cpp context whose eval callback is a :class:`GraphCapture`, and the
lazily dequantized weights of :class:`GGUFWeights`. Everything here runs in the worker.

Embedding representations (measured on SmolLM2-135M-Instruct, see docs/inside.md):
- words that are one token with a space in front: their rows of the input embedding table
  ``token_embd`` (30 of 30 word triples right);
- anything else: after a newline token (the attention sink), the mean over the text's own
  tokens of the residual stream after the middle layer, minus the mean vector of a fixed
  reference set of texts (``REFERENCE_TEXTS``), so the direction every text shares does not
  dominate the cosine (30 of 30 phrase triples right; today's mean-pooled final states: 25).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from tutor.explain import lens as lens_math
from tutor.runtime.attention import load_ggml_base
from tutor.runtime.capture import GraphCapture
from tutor.runtime.errors import ModelRuntimeError, PromptTooLongError
from tutor.runtime.types import EmbeddingSet, LensGrid, PackedRows, QKCapture, TokenPiece
from tutor.runtime.weights import GGUFWeights

if TYPE_CHECKING:
    from tutor.runtime.engine import Engine, Prompt, _Slot

TOKEN_REPRESENTATION = "input embedding table (token_embd), each word with a space in front"
PHRASE_LAYER_FRACTION = 0.5  # the middle layer: SmolLM2's 30 layers -> layer 15
LENS_MAX_TOKENS = 64
LENS_LAYERS_PER_STEP = 8
REFERENCE_TEXTS = (
    "the weather today",
    "a cup of coffee",
    "she opened the door",
    "numbers and letters",
    "an old wooden table",
    "the train was late",
    "how to write a letter",
    "music in the park",
    "a blue shirt",
    "the meeting starts at nine",
    "fresh bread",
    "he forgot his keys",
    "a small village",
    "the price of fuel",
    "reading a book",
    "cold water",
    "the end of the road",
    "a phone call",
    "learning to swim",
    "the river bank",
)


class InsideViews:
    """The capture context and cached weights, created on first use."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        info = engine.info()
        self.n_layers, self.n_heads, self.n_kv = info.n_layers, info.n_heads, info.n_kv_heads
        self.weights = GGUFWeights(engine.config.model_path)
        self.capture = GraphCapture(load_ggml_base(), info.n_layers)
        n = max(engine.config.attention_max_tokens, 16)
        # Larger ubatches than the attention view's 64: the scheduler stops the graph at every
        # captured node, so fewer, larger ubatches are faster (256 tokens: a third less time).
        ubatch = min(n, 4 * engine.config.attention_ubatch)
        self.slot: _Slot = engine._new_slot(max(n, 256), n, ubatch, cb=self.capture.callback)
        self._reference_mean: np.ndarray | None = None

    @property
    def phrase_layer(self) -> int:
        """The layer whose residual stream represents phrases."""
        return int(self.n_layers * PHRASE_LAYER_FRACTION)

    def close(self) -> None:
        """Free the capture context."""
        import llama_cpp

        llama_cpp.llama_batch_free(self.slot.batch)
        llama_cpp.llama_free(self.slot.ctx)

    # -- capture ---------------------------------------------------------------------------

    def run(self, ids: list[int], kinds: Sequence[str], *, all_outputs: bool = False) -> None:
        """Evaluate ``ids`` from an empty cache, capturing ``kinds`` of every layer."""
        self._check_length(ids)
        self.engine._clear(self.slot)
        self.capture.arm(kinds, len(ids))
        try:
            self.engine._decode(self.slot, ids, 0, all_outputs=all_outputs)
        finally:
            self.capture.disarm()
        for kind in kinds:
            if self.capture.layers_captured(kind) != self.n_layers:
                raise ModelRuntimeError(
                    f"llama.cpp produced no {kind} tensors for every layer of this model"
                )

    def attention(self, prompt: Prompt, send: Callable[[PackedRows], None]) -> list[TokenPiece]:
        """Every layer's and head's attention, packed (float16 lower triangles) and handed to
        ``send`` a layer's ubatch at a time, during the forward pass; returns the tokens."""
        ids = self.engine.prompt_ids(prompt)
        self._check_length(ids)
        self.engine._clear(self.slot)
        self.capture.arm_packed(len(ids), send)
        try:
            self.engine._decode(self.slot, ids, 0)
        finally:
            self.capture.disarm()
        complete = self.capture.packed_complete()
        self.capture.clear()
        if not complete:
            raise ModelRuntimeError(
                "llama.cpp produced no attention tensors for this model (is flash attention on?)"
            )
        return [self.engine.piece(t) for t in ids]

    def _check_length(self, ids: list[int]) -> None:
        limit = self.engine.config.attention_max_tokens
        if len(ids) > limit:
            raise PromptTooLongError(
                f"the capture handles up to {limit} tokens; this prompt has {len(ids)}"
            )

    def qk(self, prompt: Prompt, token_ids: Sequence[int] | None = None) -> QKCapture:
        """Queries and keys after RoPE, and llama.cpp's attention softmax, for every layer.

        ``token_ids`` (instead of the prompt) feeds exact ids, e.g. a repeated sequence of
        random tokens for the induction-head test, which text would not tokenize back to.
        """
        ids = self._ids(prompt, token_ids)
        self.run(ids, ("Qcur", "Kcur", "kq_soft_max"))
        rows = self.capture.rows
        layers = range(self.n_layers)
        result = QKCapture(
            tokens=[self.engine.piece(t) for t in ids],
            q=np.stack([rows("Qcur", i) for i in layers]),  # (L, T, H, d)
            k=np.stack([rows("Kcur", i) for i in layers]),  # (L, T, H_kv, d)
            weights=np.stack([rows("kq_soft_max", i) for i in layers]),  # (L, H, T, T)
        )
        self.capture.clear()
        return result

    def _ids(self, prompt: Prompt, token_ids: Sequence[int] | None) -> list[int]:
        if not token_ids:
            return self.engine.prompt_ids(prompt)
        for t in token_ids:
            self.engine.piece(int(t))  # raises for an id outside the vocabulary
        return [int(t) for t in token_ids]

    # -- logit lens ------------------------------------------------------------------------

    def _eps(self) -> float:
        arch = self.engine.meta("general.architecture") or "llama"
        value = self.engine.meta(f"{arch}.attention.layer_norm_rms_epsilon")
        return float(value) if value else 1e-5

    def lens(self, prompt: Prompt, top_n: int = 5) -> LensGrid:
        """The top ``top_n`` tokens of every layer's lens at every position."""
        ids = self.engine.prompt_ids(prompt)
        if len(ids) > LENS_MAX_TOKENS:
            raise PromptTooLongError(
                f"the logit lens handles up to {LENS_MAX_TOKENS} tokens; this prompt has {len(ids)}"
            )
        self.run(ids, ("l_out",), all_outputs=True)
        model_logits = self._all_logits(len(ids))  # (T, V)
        output, tied = self.weights.output_matrix()
        norm = self.weights.get("output_norm.weight")
        block = self.weights.activation_block(self.weights.output_name())
        eps, n_tokens = self._eps(), len(ids)
        top_ids = np.zeros((self.n_layers, n_tokens, top_n), dtype=np.int64)
        top_probs = np.zeros((self.n_layers, n_tokens, top_n), dtype=np.float32)
        hidden = np.stack([self.capture.rows("l_out", i) for i in range(self.n_layers)])
        for start in range(0, self.n_layers, LENS_LAYERS_PER_STEP):  # bounded (rows, V) floats
            stop = min(start + LENS_LAYERS_PER_STEP, self.n_layers)
            rows = hidden[start:stop].reshape(-1, hidden.shape[-1])  # (layers*T, d)
            logits = lens_math.lens_logits(rows, norm, output, eps, q8_block=block)  # (., V)
            ids_, probs_ = lens_math.top_k(logits, top_n)
            top_ids[start:stop] = ids_.reshape(stop - start, n_tokens, top_n)
            top_probs[start:stop] = probs_.reshape(stop - start, n_tokens, top_n)
        logits = logits[-n_tokens:]  # (T, V) the last layer's lens
        self.capture.clear()
        kl_last = lens_math.kl_divergence(model_logits, logits)  # (T,) last layer vs the model
        model_top = np.argmax(model_logits, axis=-1)  # (T,)
        shown = set(np.unique(top_ids).tolist()) | set(model_top.tolist())
        return LensGrid(
            tokens=[self.engine.piece(t) for t in ids],
            top_ids=top_ids,
            top_probs=top_probs,
            pieces={int(t): self.engine.piece(int(t)) for t in shown},
            model_top=model_top,
            kl_last=kl_last,
            tied=tied,
        )

    def _all_logits(self, n_tokens: int) -> np.ndarray:
        import llama_cpp

        ptr = llama_cpp.llama_get_logits(self.slot.ctx)
        return np.ctypeslib.as_array(ptr, shape=(n_tokens, self.engine.n_vocab)).copy()

    # -- embeddings ------------------------------------------------------------------------

    def word_ids(self, texts: Sequence[str]) -> list[int] | None:
        """The token id of each text written with a leading space, if every one is one token."""
        ids = []
        for text in texts:
            found = self.engine.tokenize_ids(
                " " + text.strip(), add_special=False, parse_special=False
            )
            if len(found) != 1:
                return None
            ids.append(found[0])
        return ids

    def phrase_vector(self, text: str) -> np.ndarray:
        """Mean over the text's own tokens of the residual stream after PHRASE_LAYER: (d,).

        A newline token goes first and is left out of the mean: the first position of any
        input is the attention sink, whose vector is about 100 times longer than the others
        (20,000 against 190 at layer 15 of SmolLM2) and would swamp the average.
        """
        prefix = self.engine.tokenize_ids("\n", add_special=False, parse_special=False)
        ids = self.engine.tokenize_ids(text.strip(), add_special=False, parse_special=False)
        if not ids:
            raise ModelRuntimeError("an empty text has no embedding")
        self.run(prefix + ids, ("l_out",), all_outputs=self.phrase_layer == self.n_layers - 1)
        vector = self.capture.rows("l_out", self.phrase_layer)[len(prefix) :].mean(axis=0)
        self.capture.clear()
        return vector

    def reference_mean(self) -> np.ndarray:
        """The mean phrase vector over REFERENCE_TEXTS (computed once)."""
        if self._reference_mean is None:
            self._reference_mean = np.mean([self.phrase_vector(t) for t in REFERENCE_TEXTS], axis=0)
        return self._reference_mean

    def embeddings(self, texts: Sequence[str], representation: str = "auto") -> EmbeddingSet:
        """One vector per text: ``"token"`` (input embeddings; single-token words only),
        ``"phrase"`` (centred middle-layer states) or ``"auto"`` (token when possible)."""
        if not texts or any(not t.strip() for t in texts):
            raise ModelRuntimeError("every item needs some text to embed")
        if representation not in ("auto", "token", "phrase"):
            raise ModelRuntimeError(f"unknown representation {representation!r}")
        ids = self.word_ids(texts) if representation != "phrase" else None
        if ids is not None:
            table = self.weights.get("token_embd.weight")  # (V, d)
            return EmbeddingSet(list(texts), TOKEN_REPRESENTATION, table[ids].copy())
        if representation == "token":
            raise ModelRuntimeError(
                "the input-embedding view needs every item to be a single token (with a space "
                "in front); use the phrase representation for longer items"
            )
        mean = self.reference_mean()
        vectors = np.stack([self.phrase_vector(t) - mean for t in texts])
        return EmbeddingSet(list(texts), self.phrase_label(), vectors.astype(np.float32))

    def phrase_label(self) -> str:
        """How phrases are represented, as the screen labels it."""
        return (
            f"hidden state after layer {self.phrase_layer} of {self.n_layers}, mean over tokens, "
            f"minus a {len(REFERENCE_TEXTS)}-text reference mean"
        )
