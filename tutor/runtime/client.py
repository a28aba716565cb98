"""The app's handle on the model: a typed client for the worker process.

Usage (from a background thread; every call blocks until the worker answers)::

    client = ModelClient()                 # the learner's chosen model, else the default
    info = client.start()                  # spawns the worker and loads the model
    dist = client.next_token("The capital of France is")
    with client.generate("Once upon a time", GenerationSettings(seed=1)) as gen:
        for tok in gen:                    # GeneratedToken, streamed as sampled
            ...
        result = gen.result
    client.cancel()                        # from any thread: stops the running call within 100 ms

One call runs at a time. A generation holds the worker only while it waits for its next tokens,
so any new call (from any thread) first cancels a running generation and waits only for the
worker to confirm, between two tokens: a forgotten or stale generation never blocks the next
call, and the cancelled one ends cleanly (finish reason 'cancelled') for whoever iterates it.
Other calls wait for each other. If the worker dies, the running call raises
WorkerCrashedError with the reason; the next call starts a fresh worker. The process plumbing
is :mod:`tutor.runtime.process`; the operations are declared in :mod:`tutor.runtime.ops`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

import numpy as np

from tutor.core.paths import log_file
from tutor.runtime import ops
from tutor.runtime.api import PromptArg
from tutor.runtime.errors import ModelRuntimeError, WorkerCrashedError
from tutor.runtime.generation import Generation, Stream
from tutor.runtime.gguf_file import check_gguf, check_memory
from tutor.runtime.ops import Op, WirePrompt
from tutor.runtime.packed import PackedAssembly
from tutor.runtime.process import WorkerProcess, unwrap
from tutor.runtime.protocol import DEFAULTS, RuntimeOptions, WorkerConfig, default_threads
from tutor.runtime.types import (
    AnswerLogprob,
    AttentionMaps,
    EmbeddingSet,
    GenerationResult,
    GenerationSettings,
    LensGrid,
    ModelInfo,
    NextTokenDistribution,
    PackedAttention,
    QKCapture,
    TokenPiece,
)

A = TypeVar("A")
R = TypeVar("R")

__all__ = ["Generation", "ModelClient", "PromptArg", "default_threads"]


class ModelClient:
    """Runs one GGUF model in a worker process and exposes its operations as typed calls."""

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        n_ctx: int = DEFAULTS.n_ctx,
        n_threads: int | None = None,
        n_batch: int = DEFAULTS.n_batch,
        n_ubatch: int = DEFAULTS.n_ubatch,
        attention_max_tokens: int = DEFAULTS.attention_max_tokens,
        attention_ubatch: int = DEFAULTS.attention_ubatch,
        embed_max_tokens: int = DEFAULTS.embed_max_tokens,
        precheck: bool = True,
        log_level: str = DEFAULTS.log_level,
    ) -> None:
        """``model``: a catalog id, a path to a .gguf, or None for the learner's chosen model.
        ``n_threads`` None: the cores this process may use, at most 4."""
        self._model_spec = None if model is None else os.fspath(model)
        self._options = RuntimeOptions(
            n_ctx=n_ctx,
            n_threads=n_threads or default_threads(),
            n_batch=n_batch,
            n_ubatch=n_ubatch,
            attention_max_tokens=attention_max_tokens,
            attention_ubatch=attention_ubatch,
            embed_max_tokens=embed_max_tokens,
            log_level=log_level,
        )
        self._precheck = precheck
        self._lock = threading.Lock()  # held while talking to the worker (see _claimed)
        self._stream: Stream | None = None  # the generation the worker is running, if any
        self._worker: WorkerProcess | None = None
        self._next_id = 0  # request ids grow across workers, so a stale id never matches
        self._info: ModelInfo | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while a worker process is alive."""
        return self._worker is not None and self._worker.alive

    @property
    def pid(self) -> int | None:
        """The worker's process id, if one is running."""
        return self._worker.pid if self._worker is not None else None

    @property
    def model_info(self) -> ModelInfo | None:
        """The loaded model's info, or None before a successful start."""
        return self._info

    @property
    def requests_sent(self) -> int:
        """How many requests this client has sent (tests wait on it to time a worker kill)."""
        return self._next_id

    @property
    def busy(self) -> bool:
        """True while the worker is answering a request."""
        worker = self._worker
        return worker is not None and worker.running_id != 0

    def start(self) -> ModelInfo:
        """Start the worker (if needed) and load the model; returns its info."""
        with self._claimed():
            return self._loaded()

    def restart(self) -> ModelInfo:
        """Stop the worker, whatever its state, and start a fresh one."""
        with self._claimed():
            self._stop()
            return self._loaded()

    def close(self) -> None:
        """Stop the worker; a later call starts it again."""
        self.cancel()
        with self._claimed():
            self._stop()

    def __enter__(self) -> ModelClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def cancel(self) -> None:
        """Cancel the running call (safe from any thread). It ends within about 100 ms:
        generation stops between tokens, prompt evaluation through llama.cpp's abort callback."""
        worker = self._worker
        if worker is not None:
            worker.cancel()

    # -- operations --------------------------------------------------------------------------

    def info(self) -> ModelInfo:
        """Architecture, size, quantization, shapes, template, licence and sha256 of the model."""
        return self._call(ops.INFO, ops.NoArgs())

    def tokenize(
        self, text: str, *, add_special: bool = True, parse_special: bool = False
    ) -> list[TokenPiece]:
        """The tokens of ``text`` with exact bytes; ``add_special`` adds BOS if the model wants it,
        ``parse_special`` turns text like ``<|im_start|>`` into its control token."""
        return self._call(ops.TOKENIZE, ops.TokenizeArgs(text, add_special, parse_special))

    def pieces(self, ids: Sequence[int]) -> list[TokenPiece]:
        """The pieces of arbitrary token ids."""
        return self._call(ops.PIECES, ops.PiecesArgs([int(i) for i in ids]))

    def render_chat(
        self, messages: Sequence[Mapping[str, str]], *, add_generation_prompt: bool = True
    ) -> str:
        """The prompt text the model's chat template makes of ``messages``."""
        args = ops.RenderChatArgs(_messages(messages), add_generation_prompt)
        return self._call(ops.RENDER_CHAT, args)

    def next_token(self, prompt: PromptArg, *, top_n: int = 20) -> NextTokenDistribution:
        """The full next-token distribution (logits over the whole vocabulary) after ``prompt``."""
        return self._call(ops.NEXT_TOKEN, ops.NextTokenArgs(_prompt(prompt), top_n))

    def attention(self, prompt: PromptArg) -> AttentionMaps:
        """Attention probabilities (layers, heads, T, T), captured in the prompt's forward pass."""
        return self._call(ops.ATTENTION, ops.PromptArgs(_prompt(prompt)))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One mean-pooled embedding per text: (len(texts), n_embd) float32."""
        return self._call(ops.EMBED, ops.TextsArgs(list(texts)))

    def attention_view(self, prompt: PromptArg) -> PackedAttention:
        """Every layer's and head's attention, packed as float16 lower triangles (a quarter of
        the memory of ``attention``), for the attention explorer. The worker streams it a layer
        at a time into one array here (:mod:`tutor.runtime.packed`)."""
        assembly = PackedAssembly(self._options.attention_max_tokens)
        args = ops.PromptArgs(_prompt(prompt))
        return assembly.result(self._call(ops.ATTENTION_VIEW, args, assembly.add))

    def qk(self, prompt: PromptArg, *, ids: Sequence[int] | None = None) -> QKCapture:
        """Queries and keys after RoPE plus the attention softmax, for every layer.

        ``ids`` evaluates exactly these token ids instead of the prompt's.
        """
        return self._call(
            ops.QK, ops.QKArgs(_prompt(prompt), [int(i) for i in ids] if ids else None)
        )

    def lens(self, prompt: PromptArg, *, top_n: int = 5) -> LensGrid:
        """The logit lens: every layer's top ``top_n`` next tokens at every position."""
        return self._call(ops.LENS, ops.LensArgs(_prompt(prompt), top_n))

    def embeddings(self, texts: Sequence[str], *, representation: str = "auto") -> EmbeddingSet:
        """Vectors to compare (input embeddings for single words, else centred hidden states)."""
        return self._call(ops.EMBEDDINGS, ops.EmbeddingsArgs(list(texts), representation))

    def logprob(self, prompt: PromptArg, answer: str) -> AnswerLogprob:
        """log π(answer | prompt) per token of ``answer`` (``.total`` sums them): how likely the
        model finds that answer right after the prompt, scored in one forward pass."""
        return self._call(ops.LOGPROB, ops.LogprobArgs(_prompt(prompt), answer))

    def generate(
        self, prompt: PromptArg, settings: GenerationSettings | None = None, **overrides: Any
    ) -> Generation:
        """Start generating; iterate the returned Generation for tokens, then read ``.result``.

        ``prompt`` is plain text or chat messages (rendered with the model's template).
        ``overrides`` are GenerationSettings fields, e.g. ``generate(p, seed=3, max_tokens=20)``.
        """
        settings = settings or GenerationSettings()
        if overrides:
            settings = GenerationSettings(**{**settings.__dict__, **overrides})
        args = ops.GenerateArgs(_prompt(prompt), settings)
        with self._claimed():
            worker = self._ensure_started()
            stream = self._stream = Stream(self._send(worker, ops.GENERATE, args))
        return Generation(stream, self._pump, self._cancel_request)

    # -- plumbing ----------------------------------------------------------------------------

    def _call(
        self, op: Op[A, R], args: A, on_items: Callable[[list[Any]], None] | None = None
    ) -> R:
        with self._claimed():
            worker = self._ensure_started()
            result: R = worker.result_of(self._send(worker, op, args), on_items)
            return result

    @contextlib.contextmanager
    def _claimed(self) -> Iterator[None]:
        """Hold the line to the worker, after ending the generation still running on it.

        The generation is cancelled before the lock is taken: if its own thread holds the lock
        waiting for tokens, the worker's confirmation (within a token) frees it; if nobody
        iterates it any more, the replies are drained here."""
        stream = self._stream
        if stream is not None:
            self._cancel_request(stream.request_id)
        with self._lock:
            while self._stream is not None:
                self._take_reply(self._stream)
            yield

    def _pump(self, stream: Stream) -> None:
        """Receive the next reply of ``stream`` (a Generation's thread calls this)."""
        with self._lock:
            if not stream.done:
                self._take_reply(stream)

    def _take_reply(self, stream: Stream) -> None:
        """One reply for the running generation into its stream (the lock is held)."""
        worker = self._worker
        try:
            if worker is None:
                raise WorkerCrashedError("the model worker was stopped during a generation")
            reply = worker.recv()
        except WorkerCrashedError as err:
            self._end(stream, error=err)
            return
        if reply.id != stream.request_id:
            return  # a reply to an earlier request: nobody waits for it
        if reply.kind == "items":
            stream.pending.extend(reply.payload)
            return
        try:
            self._end(stream, result=unwrap(reply))
        except ModelRuntimeError as err:  # e.g. cancelled while evaluating the prompt
            self._end(stream, error=err)

    def _end(
        self,
        stream: Stream,
        result: GenerationResult | None = None,
        error: ModelRuntimeError | None = None,
    ) -> None:
        stream.result, stream.error, stream.done = result, error, True
        if self._stream is stream:
            self._stream = None

    def _cancel_request(self, request_id: int) -> None:
        """Cancel one request (and earlier ones), never a later one; from any thread."""
        worker = self._worker
        if worker is not None:
            worker.cancel(request_id)

    def _send(self, worker: WorkerProcess, op: Op[A, Any], args: A) -> int:
        self._next_id += 1
        worker.send(self._next_id, op.name, args)
        return self._next_id

    def _ensure_started(self) -> WorkerProcess:
        """The running worker with the model loaded (starting one if needed)."""
        if self._worker is not None and self._worker.alive and self._info is not None:
            return self._worker
        self._stop()
        worker = self._worker = WorkerProcess(self._config())
        try:
            self._info = worker.result_of(self._send(worker, ops.LOAD, ops.NoArgs()))
        except ModelRuntimeError:
            self._stop()
            raise
        return worker

    def _loaded(self) -> ModelInfo:
        """The loaded model's info, starting the worker if needed (the lock is held)."""
        self._ensure_started()
        assert self._info is not None  # set by a successful start
        return self._info

    def _config(self) -> WorkerConfig:
        from tutor.runtime.catalog import resolve_model

        resolved = resolve_model(self._model_spec)
        if self._precheck:
            check_gguf(resolved.path)
            check_memory(resolved.path, self._options.n_ctx)
        return WorkerConfig(
            model_path=resolved.path,
            log_path=log_file(),
            sha256=resolved.sha256,
            **dataclasses.asdict(self._options),
        )

    def _stop(self) -> None:
        """End the worker process (if any) and forget it and its model."""
        worker, self._worker = self._worker, None
        self._info = None
        if worker is not None:
            worker.stop()


def _prompt(prompt: PromptArg) -> WirePrompt:
    """The prompt as it crosses the pipe: text, chat messages, or token ids (used exactly)."""
    if isinstance(prompt, str):
        return prompt
    items: list[Any] = list(prompt)
    if items and all(isinstance(t, int) for t in items):
        return [int(t) for t in items]
    return _messages(items)


def _messages(messages: Sequence[Mapping[str, str]]) -> list[Mapping[str, str]]:
    return [dict(m) for m in messages]
