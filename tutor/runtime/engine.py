"""The llama.cpp engine that lives inside the worker process (never imported by the app).

It uses llama-cpp-python's low-level bindings (pinned to 0.3.36: the ctypes structures change
between releases) rather than the ``Llama`` class, for four reasons: the eval callback for
attention must be in the context parameters; logits are read with ``llama_get_logits_ith``
(``Llama.scores`` is stale without ``logits_all``); the KV cache is handled explicitly (cleared
before the views that need a fresh evaluation, reused by a chat's next turn); and
``Llama(verbose=False)`` redirects fds 1 and 2.

Faster chat turns: the generation slot remembers which token ids its KV cache holds. A new
generation whose prompt starts with the same ids (the next turn of a chat re-sends the whole
conversation) keeps that common prefix and evaluates only the tokens after it; anything else
clears the cache as before. Only prompt tokens count as cached, not the answer's: a token
decoded alone gets keys and values a little different (last bits) from the same token
decoded in a batch, enough to flip a near-tie in a later greedy choice. So once a chat's
answer is sent, and while no request waits (the learner reads, types the next question), the
worker evaluates the answer again in one batch (``settle``); the next turn then evaluates only
its new question, and gives bit for bit the text a fresh evaluation gives (checked by
tests/runtime/test_kv_reuse.py). ``LLM_TUTOR_KV_REUSE=0`` in
the worker's environment turns the reuse off (the chat benchmark compares both).

Three contexts share the model weights: one for tokens and generation (created at load), one
with the attention callback, and one for mean-pooled embeddings (both created on first use).

Why one module of this length: it is the only code that calls llama.cpp's ctypes API (pinned,
``_check_bindings_version``), and every call shares the contexts, their KV caches and the
batch they decode with. Kept together, the pin and the layouts it depends on are checked in
one file; the sampling maths, attention capture and chat rendering are already apart.
"""

from __future__ import annotations

import codecs
import ctypes
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import llama_cpp
import numpy as np

from tutor.explain.sampling import softmax
from tutor.runtime import sampling
from tutor.runtime.attention import AttentionCapture, load_ggml_base
from tutor.runtime.chat import render_chat
from tutor.runtime.errors import (
    CancelledError,
    ModelLoadError,
    ModelRuntimeError,
    PromptTooLongError,
)
from tutor.runtime.gguf_file import file_sha256
from tutor.runtime.inside import InsideViews
from tutor.runtime.llamalog import LlamaLog
from tutor.runtime.protocol import WorkerConfig
from tutor.runtime.types import (
    AttentionMaps,
    Candidate,
    ChatMessages,
    FinishReason,
    GeneratedToken,
    GenerationResult,
    GenerationSettings,
    ModelInfo,
    NextTokenDistribution,
    TokenPiece,
)

_LOG_PREFIX = re.compile(r"^(?:\w+: )+")
LLAMA_CPP_PYTHON_VERSION = "0.3.36"  # pinned in pyproject.toml too
ABORTABLE_MIN_TOKENS = 8
_NO_ABORT = llama_cpp.ggml_abort_callback()  # a NULL function pointer
FLASH_ATTN_DISABLED = 0  # LLAMA_FLASH_ATTN_TYPE_DISABLED; AUTO turns it on and hides attention
DECODE_ABORTED = 2  # llama_decode's return value when the abort callback fired
Prompt = str | ChatMessages | list[int]  # a list of ints: token ids, used exactly as given
KV_REUSE_ENV = "LLM_TUTOR_KV_REUSE"  # "0": every generation evaluates its whole prompt


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading token ids ``a`` and ``b`` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@dataclass
class _Slot:
    """One llama.cpp context with its reusable batch."""

    ctx: Any
    batch: Any
    n_ctx: int
    n_batch: int


class Engine:
    """A loaded model and its contexts; every method runs on the worker's main thread."""

    def __init__(self, config: WorkerConfig, is_cancelled: Callable[[], bool], log: LlamaLog):
        self.config = config
        self.is_cancelled = is_cancelled
        self.log = log
        _check_bindings_version()
        self._pieces: dict[int, TokenPiece] = {}
        # ctypes callbacks must outlive the contexts that hold their pointers.
        self._abort_cb = llama_cpp.ggml_abort_callback(lambda _data: bool(self.is_cancelled()))
        self._progress_cb = llama_cpp.llama_progress_callback(
            lambda _progress, _data: not self.is_cancelled()
        )
        self.model = self._load_model()
        self.vocab = llama_cpp.llama_model_get_vocab(self.model)
        self.n_vocab = int(llama_cpp.llama_vocab_n_tokens(self.vocab))
        self.gen = self._new_slot(config.n_ctx, config.n_batch, config.n_ubatch)
        # The ids whose keys and values sit in ``gen``'s cache at positions 0.., or None when
        # unknown (a decode was cut short); only generation keeps this up to date.
        self.gen_cached: list[int] | None = []
        self.reuse_prefix = os.environ.get(KV_REUSE_ENV, "1") != "0"
        self._answer_ids: list[int] = []  # a chat answer's ids, for ``settle`` to batch again
        self._attn: tuple[_Slot, AttentionCapture] | None = None
        self._embed: _Slot | None = None
        self._inside: InsideViews | None = None
        self._info: ModelInfo | None = None

    # -- loading ---------------------------------------------------------------------------

    def _load_model(self) -> Any:
        params = llama_cpp.llama_model_default_params()
        params.progress_callback = self._progress_cb
        model = llama_cpp.llama_model_load_from_file(str(self.config.model_path).encode(), params)
        if not model:
            if self.is_cancelled():
                raise CancelledError("loading the model was cancelled")
            raise ModelLoadError(
                self._explain(f"llama.cpp could not load {self.config.model_path.name}")
            )
        return model

    def _explain(self, what: str) -> str:
        """``what``, followed by the specific errors llama.cpp just logged (e.g. 'unknown model
        architecture'), without function-name prefixes and generic 'failed to load' lines."""
        reasons: list[str] = []
        for line in self.log.take_problems():
            reason = _LOG_PREFIX.sub("", line).strip()
            if reason.startswith("error loading model:"):
                reason = _LOG_PREFIX.sub("", reason.removeprefix("error loading model:").strip())
            if reason and not reason.startswith("failed to load model") and reason not in reasons:
                reasons.append(reason)
        return f"{what}: {'; '.join(reasons[-2:])}" if reasons else what

    def _new_slot(
        self, n_ctx: int, n_batch: int, n_ubatch: int, *, embeddings: bool = False, cb: Any = None
    ) -> _Slot:
        p = llama_cpp.llama_context_default_params()
        p.n_ctx, p.n_batch, p.n_ubatch = n_ctx, n_batch, min(n_ubatch, n_batch)
        p.n_threads = p.n_threads_batch = self.config.n_threads
        p.flash_attn_type = FLASH_ATTN_DISABLED
        if embeddings:
            p.embeddings = True
            p.pooling_type = llama_cpp.LLAMA_POOLING_TYPE_MEAN
        if cb is not None:
            p.cb_eval = cb
        ctx = llama_cpp.llama_init_from_model(self.model, p)
        if not ctx:
            raise ModelLoadError(
                self._explain("llama.cpp could not create a context for this model")
            )
        batch = llama_cpp.llama_batch_init(n_batch, 0, 1)
        return _Slot(ctx=ctx, batch=batch, n_ctx=int(llama_cpp.llama_n_ctx(ctx)), n_batch=n_batch)

    def close(self) -> None:
        """Free the contexts and the model."""
        if self._inside is not None:
            self._inside.close()
        slots = [self.gen, self._embed] + ([self._attn[0]] if self._attn else [])
        for slot in slots:
            if slot is not None:
                llama_cpp.llama_batch_free(slot.batch)
                llama_cpp.llama_free(slot.ctx)
        llama_cpp.llama_model_free(self.model)

    # -- metadata --------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        """A GGUF metadata value as a string, or None if absent."""
        size = 256
        while True:
            buf = ctypes.create_string_buffer(size)
            n = llama_cpp.llama_model_meta_val_str(self.model, key.encode(), buf, size)
            if n < 0:
                return None
            if n < size:
                return buf.value.decode("utf-8", errors="replace")
            size = n + 1

    def info(self) -> ModelInfo:
        """Everything the tutor shows about the model; the file hash is computed once."""
        if self._info is None:
            self._info = self._build_info()
        return self._info

    def _build_info(self) -> ModelInfo:
        m, path = self.model, self.config.model_path
        template = llama_cpp.llama_model_chat_template(m, None)
        return ModelInfo(
            path=str(path),
            name=self.meta("general.name") or path.stem,
            architecture=self.meta("general.architecture") or "unknown",
            n_params=int(llama_cpp.llama_model_n_params(m)),
            quantization=self._quantization(),
            n_layers=int(llama_cpp.llama_model_n_layer(m)),
            n_heads=int(llama_cpp.llama_model_n_head(m)),
            n_kv_heads=int(llama_cpp.llama_model_n_head_kv(m)),
            n_embd=int(llama_cpp.llama_model_n_embd(m)),
            n_ctx_train=int(llama_cpp.llama_model_n_ctx_train(m)),
            n_ctx=self.gen.n_ctx,
            n_vocab=self.n_vocab,
            chat_template=template.decode("utf-8", errors="replace") if template else None,
            license=self.meta("general.license"),
            sha256=self.config.sha256 or file_sha256(path),
            size_bytes=path.stat().st_size,
            bos_token=int(llama_cpp.llama_vocab_bos(self.vocab)),
            eos_token=int(llama_cpp.llama_vocab_eos(self.vocab)),
        )

    def _quantization(self) -> str:
        """The file type as llama.cpp names it (Q4_1, F16, "Q4_K - Medium"...).

        ``llama_model_desc`` is "<arch> <size> <file type>"; reading it avoids importing the
        ``gguf`` package in the worker (a quarter of a second at every start).
        """
        buf = ctypes.create_string_buffer(256)
        llama_cpp.llama_model_desc(self.model, buf, 256)
        parts = buf.value.decode("utf-8", errors="replace").split(" ", 2)
        return parts[2] if len(parts) == 3 else "unknown"

    # -- tokens ----------------------------------------------------------------------------

    def tokenize_ids(self, text: str, *, add_special: bool, parse_special: bool) -> list[int]:
        """Token ids for ``text``."""
        data = text.encode("utf-8")
        n_max = len(data) + 16
        while True:
            buf = (llama_cpp.llama_token * n_max)()
            n = llama_cpp.llama_tokenize(
                self.vocab, data, len(data), buf, n_max, add_special, parse_special
            )
            if n >= 0:
                return list(buf[:n])
            n_max = -n

    def piece(self, token: int) -> TokenPiece:
        """The exact bytes of ``token`` (``llama_token_to_piece``, sliced by its return value)."""
        cached = self._pieces.get(token)
        if cached is not None:
            return cached
        if not 0 <= token < self.n_vocab:
            raise ModelRuntimeError(
                f"token id {token} is outside the vocabulary (0..{self.n_vocab - 1})"
            )
        size = 32
        while True:
            buf = ctypes.create_string_buffer(size)
            n = llama_cpp.llama_token_to_piece(self.vocab, token, buf, size, 0, True)
            if n >= 0:
                break
            size = -n
        attr = int(llama_cpp.llama_vocab_get_attr(self.vocab, token))
        special = bool(
            attr & (llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_UNKNOWN)
        )
        result = TokenPiece(
            id=token,
            bytes=buf.raw[:n],
            special=special,
            byte_fallback=bool(attr & llama_cpp.LLAMA_TOKEN_ATTR_BYTE),
        )
        self._pieces[token] = result
        return result

    def tokenize(
        self, text: str, *, add_special: bool = True, parse_special: bool = False
    ) -> list[TokenPiece]:
        """Tokens of ``text`` with their pieces."""
        ids = self.tokenize_ids(text, add_special=add_special, parse_special=parse_special)
        return [self.piece(t) for t in ids]

    def render_chat(self, messages: ChatMessages, *, add_generation_prompt: bool = True) -> str:
        """The chat prompt text, rendered from the model's own template."""
        info = self.info()
        return render_chat(
            info.chat_template,
            messages,
            bos_token=self.piece(info.bos_token).text if info.bos_token >= 0 else "",
            eos_token=self.piece(info.eos_token).text if info.eos_token >= 0 else "",
            add_generation_prompt=add_generation_prompt,
        )

    def prompt_ids(self, prompt: Prompt) -> list[int]:
        """Token ids for a plain prompt (BOS added if the model wants it), chat messages, or
        token ids given as they are (the generation explorer continues a branch this way)."""
        if isinstance(prompt, list) and all(isinstance(t, int) for t in prompt):
            ids = [t for t in prompt if isinstance(t, int)]
            bad = [t for t in ids if not 0 <= t < self.n_vocab]
            if bad:
                raise ModelRuntimeError(f"token id {bad[0]} is outside the vocabulary")
        elif isinstance(prompt, str):
            ids = self.tokenize_ids(prompt, add_special=True, parse_special=False)
        else:
            text = self.render_chat(prompt)  # type: ignore[arg-type]
            bos = self.info().bos_token
            has_bos = (
                bos >= 0 and text.startswith(self.piece(bos).text) and self.piece(bos).text != ""
            )
            ids = self.tokenize_ids(text, add_special=not has_bos, parse_special=True)
        if not ids:
            raise ModelRuntimeError("the prompt is empty")
        return ids

    # -- evaluation ------------------------------------------------------------------------

    def _clear(self, slot: _Slot) -> None:
        """Forget everything in the context's KV cache, so nothing is reused from before."""
        llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(slot.ctx), True)
        if slot is self.gen:
            self.gen_cached = []  # whoever decodes next (scoring, next-token) is not tracked

    def settle(self, idle: bool) -> None:
        """Between requests (``idle``: none is waiting), after a chat answer: evaluate its
        tokens again, in one batch after the cached prompt, so the next turn reuses them too and
        evaluates only its new question. A batch gives the keys and values a fresh evaluation of
        the whole conversation gives, which the answer's own token-by-token decoding does not
        (see the module docstring). Anything in the way (no room, a cancel) clears the cache."""
        answer, self._answer_ids = self._answer_ids, []
        cached = self.gen_cached
        if not idle or not answer or not self.reuse_prefix or not cached:
            return
        mem = llama_cpp.llama_get_memory(self.gen.ctx)
        try:
            if not llama_cpp.llama_memory_seq_rm(mem, 0, len(cached), -1):
                raise ModelRuntimeError("the cache cannot drop the answer's cells")
            self._decode_gen(answer, len(cached))
        except ModelRuntimeError:
            self._clear(self.gen)

    def _reuse_gen(self, ids: Sequence[int]) -> int:
        """Prepare ``gen`` for a generation from ``ids``; returns how many leading ids are
        already in its cache and need no evaluation (0 when the cache was cleared).

        The kept prefix is the longest one ``ids`` shares with the cached ids, minus at least
        its last token: the logits that start the answer come from evaluating something. Cells
        after the prefix (an earlier answer, a prompt that diverges mid-way) are removed. A
        cache that cannot drop them (or has already dropped old cells, as a sliding-window
        cache does) is cleared instead, as is every cache when reuse is off."""
        cached = self.gen_cached
        keep = common_prefix(cached, ids) if cached and self.reuse_prefix else 0
        keep = min(keep, len(ids) - 1)
        mem = llama_cpp.llama_get_memory(self.gen.ctx)
        whole = keep > 0 and int(llama_cpp.llama_memory_seq_pos_min(mem, 0)) == 0
        if whole and llama_cpp.llama_memory_seq_rm(mem, 0, keep, -1):  # positions keep.. go
            self.gen_cached = list(ids[:keep])
            return keep
        self._clear(self.gen)
        return 0

    def _decode_gen(self, tokens: Sequence[int], start: int) -> None:
        """Evaluate ``tokens`` at positions start.. in ``gen`` and remember them as cached
        (``start`` must be the number of ids cached so far)."""
        cached, self.gen_cached = self.gen_cached, None  # unknown until the decode succeeds
        self._decode(self.gen, tokens, start)
        if cached is not None and len(cached) == start:
            cached.extend(tokens)
            self.gen_cached = cached

    def _decode(
        self, slot: _Slot, tokens: Sequence[int], start: int, *, all_outputs: bool = False
    ) -> None:
        """Evaluate ``tokens`` at positions start.., in batches; logits kept for the last one."""
        if start + len(tokens) > slot.n_ctx:
            raise PromptTooLongError(
                f"{start + len(tokens)} tokens do not fit in the context of {slot.n_ctx} tokens"
            )
        # The abort callback is a Python function that ggml calls for every graph node: worth it
        # for a long prompt (cancellable mid-way), too costly per generated token (checked between).
        abortable = len(tokens) > ABORTABLE_MIN_TOKENS
        if abortable:
            llama_cpp.llama_set_abort_callback(slot.ctx, self._abort_cb, None)
        try:
            self._decode_chunks(slot, tokens, start, all_outputs)
        finally:
            if abortable:
                llama_cpp.llama_set_abort_callback(slot.ctx, _NO_ABORT, None)

    def _decode_chunks(
        self, slot: _Slot, tokens: Sequence[int], start: int, all_outputs: bool
    ) -> None:
        for off in range(0, len(tokens), slot.n_batch):
            chunk = tokens[off : off + slot.n_batch]
            is_last_chunk = off + len(chunk) == len(tokens)
            self._fill_batch(slot.batch, chunk, start + off, all_outputs, is_last_chunk)
            rc = llama_cpp.llama_decode(slot.ctx, slot.batch)
            if rc == DECODE_ABORTED or self.is_cancelled():
                raise CancelledError("cancelled")
            if rc != 0:
                raise ModelRuntimeError(self._explain(f"llama_decode failed with code {rc}"))

    @staticmethod
    def _fill_batch(
        batch: Any, chunk: Sequence[int], start: int, all_outputs: bool, last: bool
    ) -> None:
        for i, tok in enumerate(chunk):
            batch.token[i] = tok
            batch.pos[i] = start + i
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = 0
            batch.logits[i] = all_outputs or (last and i == len(chunk) - 1)
        batch.n_tokens = len(chunk)

    def _last_logits(self, slot: _Slot) -> np.ndarray:
        """A view of the last output row's logits (overwritten by the next decode)."""
        ptr = llama_cpp.llama_get_logits_ith(slot.ctx, -1)
        return np.ctypeslib.as_array(ptr, shape=(self.n_vocab,))

    def candidates(self, ids: np.ndarray, logits: np.ndarray, probs: np.ndarray) -> list[Candidate]:
        """Candidates for the given token ids, logits and probabilities."""
        return [
            Candidate(self.piece(int(t)), float(lg), float(p))
            for t, lg, p in zip(ids, logits, probs, strict=True)
        ]

    def next_token(self, prompt: Prompt, top_n: int = 20) -> NextTokenDistribution:
        """Evaluate the prompt from scratch and return the whole next-token distribution."""
        ids = self.prompt_ids(prompt)
        self._clear(self.gen)
        self._decode(self.gen, ids, 0)
        logits = self._last_logits(self.gen).copy()
        top = sampling.top_n(logits, top_n)
        probs = softmax(logits)
        return NextTokenDistribution(
            prompt_tokens=[self.piece(t) for t in ids],
            logits=logits,
            top=self.candidates(top, logits[top], probs[top]),
        )

    def generate(
        self, prompt: Prompt, settings: GenerationSettings, emit: Callable[[GeneratedToken], None]
    ) -> GenerationResult:
        """Sample up to ``max_tokens`` tokens, calling ``emit`` for each as soon as it is chosen."""
        ids = self.prompt_ids(prompt)
        if len(ids) >= self.gen.n_ctx:
            raise PromptTooLongError(
                f"the prompt has {len(ids)} tokens; the context holds {self.gen.n_ctx}"
            )
        t0 = time.perf_counter()
        self._answer_ids = []
        kept = self._reuse_gen(ids)  # a chat's next turn: only the new tokens are evaluated
        run = _GenerationRun(self, settings, ids)
        finish: FinishReason = "cancelled"
        try:
            self._decode_gen(ids[kept:], kept)
        except CancelledError:
            t1 = time.perf_counter()
        else:
            t1 = time.perf_counter()
            finish = run.loop(min(settings.max_tokens, self.gen.n_ctx - len(ids)), emit)
        chat = not isinstance(prompt, str) and bool(prompt) and isinstance(prompt[0], Mapping)
        if chat and finish != "cancelled":  # its next turn will start with this answer
            self._answer_ids = [t.token.id for t in run.tokens]
        return GenerationResult(
            text=run.text,
            tokens=run.tokens,
            finish_reason=finish,
            prompt_tokens=len(ids),
            prompt_seconds=t1 - t0,
            generation_seconds=time.perf_counter() - t1,
        )

    # -- attention and embeddings ------------------------------------------------------------

    def _attention_slot(self) -> tuple[_Slot, AttentionCapture]:
        if self._attn is None:
            info = self.info()
            capture = AttentionCapture(load_ggml_base(), info.n_layers, info.n_heads)
            n = max(self.config.attention_max_tokens, 16)
            slot = self._new_slot(max(n, 256), n, self.config.attention_ubatch, cb=capture.callback)
            self._attn = (slot, capture)
        return self._attn

    def attention(self, prompt: Prompt) -> AttentionMaps:
        """Per-layer, per-head attention probabilities, captured in the prompt's forward pass."""
        ids = self.prompt_ids(prompt)
        limit = self.config.attention_max_tokens
        if len(ids) > limit:
            raise PromptTooLongError(
                f"the attention view handles up to {limit} tokens; this prompt has {len(ids)}"
            )
        slot, capture = self._attention_slot()
        self._clear(slot)  # a repeated prompt must be evaluated again, or no rows are produced
        capture.reset(len(ids))
        capture.armed = True
        try:
            self._decode(slot, ids, 0)
        finally:
            capture.armed = False
        if not capture.complete():
            raise ModelRuntimeError(
                "llama.cpp produced no attention tensors for this model (is flash attention on?)"
            )
        return AttentionMaps(tokens=[self.piece(t) for t in ids], weights=capture.weights)

    def inside(self) -> InsideViews:
        """The Q/K capture, logit lens and embeddings views (their context made on first use)."""
        if self._inside is None:
            self._inside = InsideViews(self)
        return self._inside

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One mean-pooled embedding per text, computed in a context of its own."""
        if self._embed is None:
            n = self.config.embed_max_tokens
            self._embed = self._new_slot(n, n, n, embeddings=True)
        slot = self._embed
        n_embd = int(llama_cpp.llama_model_n_embd(self.model))
        out = np.zeros((len(texts), n_embd), dtype=np.float32)
        for i, text in enumerate(texts):
            ids = self.tokenize_ids(text, add_special=True, parse_special=False)
            if not ids:
                raise ModelRuntimeError(f"text {i} is empty; there is nothing to embed")
            self._clear(slot)
            self._decode(slot, ids, 0, all_outputs=True)
            ptr = llama_cpp.llama_get_embeddings_seq(slot.ctx, 0)
            if not ptr:
                raise ModelRuntimeError("llama.cpp returned no pooled embedding")
            out[i] = np.ctypeslib.as_array(ptr, shape=(n_embd,))
        return out


def _check_bindings_version() -> None:
    """Refuse other llama-cpp-python releases: the ctypes layouts used here differ between them."""
    installed = getattr(llama_cpp, "__version__", "unknown")
    if installed != LLAMA_CPP_PYTHON_VERSION:
        raise ModelLoadError(
            f"llm-tutor needs llama-cpp-python {LLAMA_CPP_PYTHON_VERSION}, but {installed} is "
            f"installed; run: pip install llama-cpp-python=={LLAMA_CPP_PYTHON_VERSION}"
        )


class _GenerationRun:
    """The state of one generation: history, decoded text, emitted tokens."""

    def __init__(self, engine: Engine, settings: GenerationSettings, prompt_ids: list[int]):
        self.engine = engine
        self.settings = settings
        self.history = list(prompt_ids)
        self.rng = np.random.default_rng(settings.seed)
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.text = ""
        self.tokens: list[GeneratedToken] = []

    def loop(self, max_new: int, emit: Callable[[GeneratedToken], None]) -> FinishReason:
        """Sample, emit and evaluate tokens until EOS, a stop string, the limit or cancellation."""
        eng = self.engine
        for i in range(max_new):
            if eng.is_cancelled():
                return "cancelled"
            step = sampling.sample(eng._last_logits(eng.gen), self.settings, self.history, self.rng)
            if llama_cpp.llama_vocab_is_eog(eng.vocab, step.token):
                return "eos"
            token = self._record(i, step)
            emit(token)
            if self._hit_stop():
                return "stop"
            if i + 1 < max_new:
                try:
                    # not remembered as cached: see "Faster chat turns" in the module docstring
                    eng._decode(eng.gen, [step.token], len(self.history) - 1)
                except CancelledError:
                    return "cancelled"
        return "length"

    def _record(self, index: int, step: sampling.SampleStep) -> GeneratedToken:
        piece = self.engine.piece(step.token)
        chunk = self.decoder.decode(piece.bytes)
        self.text += chunk
        self.history.append(step.token)
        token = GeneratedToken(
            index=index,
            token=piece,
            prob=step.prob,
            sampled_prob=step.sampled_prob,
            text=chunk,
            alternatives=self.engine.candidates(step.top_ids, step.top_logits, step.top_probs),
        )
        self.tokens.append(token)
        return token

    def _hit_stop(self) -> bool:
        """True if the text now contains a stop string; the text is cut just before it."""
        cuts = [self.text.find(s) for s in self.settings.stop if s and s in self.text]
        if not cuts:
            return False
        self.text = self.text[: min(cuts)]
        return True
