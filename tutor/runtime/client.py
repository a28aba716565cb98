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

One call runs at a time (others wait). If the worker dies, the running call raises
WorkerCrashedError with the reason; the next call starts a fresh worker.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import mmap
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from tutor.core.paths import log_file
from tutor.runtime.errors import (
    ModelRuntimeError,
    WorkerCrashedError,
    error_class,
)
from tutor.runtime.gguf_file import check_gguf, check_memory
from tutor.runtime.protocol import ErrorPayload, Reply, Request, WorkerConfig, load_reply
from tutor.runtime.types import (
    AttentionMaps,
    EmbeddingSet,
    GeneratedToken,
    GenerationResult,
    GenerationSettings,
    LensGrid,
    ModelInfo,
    NextTokenDistribution,
    QKCapture,
    TokenPiece,
)

PromptArg = str | Sequence[Mapping[str, str]]
POLL_SECONDS = 0.05


def default_threads() -> int:
    """Threads for llama.cpp: the cores this process may use, at most 4."""
    try:
        return max(1, min(4, len(os.sched_getaffinity(0))))
    except AttributeError:  # not on Linux
        return max(1, min(4, os.cpu_count() or 1))


class ModelClient:
    """Runs one GGUF model in a worker process and exposes its operations as typed calls."""

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        n_ctx: int = 2048,
        n_threads: int | None = None,
        n_batch: int = 512,
        n_ubatch: int = 512,
        attention_max_tokens: int = 256,
        attention_ubatch: int = 64,
        embed_max_tokens: int = 512,
        precheck: bool = True,
        log_level: str = "INFO",
    ) -> None:
        """``model``: a catalog id, a path to a .gguf, or None for the learner's chosen model."""
        self._model_spec = None if model is None else os.fspath(model)
        self._options: dict[str, Any] = {
            "n_ctx": n_ctx,
            "n_threads": n_threads or default_threads(),
            "n_batch": n_batch,
            "n_ubatch": n_ubatch,
            "attention_max_tokens": attention_max_tokens,
            "attention_ubatch": attention_ubatch,
            "embed_max_tokens": embed_max_tokens,
            "log_level": log_level,
        }
        self._precheck = precheck
        self._lock = threading.Lock()  # one call at a time; plain Lock: released by any thread
        self._process: Any = None
        self._conn: Any = None
        self._cancel: Any = None
        self._next_id = 0
        self._running_id = 0
        self._running_op = ""
        self._info: ModelInfo | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while a worker process is alive."""
        return self._process is not None and self._process.is_alive()

    @property
    def pid(self) -> int | None:
        """The worker's process id, if one is running."""
        return self._process.pid if self._process is not None else None

    @property
    def model_info(self) -> ModelInfo | None:
        """The loaded model's info, or None before a successful start."""
        return self._info

    def start(self) -> ModelInfo:
        """Start the worker (if needed) and load the model; returns its info."""
        with self._lock:
            return self._ensure_started()

    def restart(self) -> ModelInfo:
        """Stop the worker, whatever its state, and start a fresh one."""
        with self._lock:
            self._stop()
            return self._ensure_started()

    def close(self) -> None:
        """Stop the worker; a later call starts it again."""
        self.cancel()
        with self._lock:
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
        if self._cancel is not None and self._running_id:
            self._cancel.value = self._running_id

    # -- operations --------------------------------------------------------------------------

    def info(self) -> ModelInfo:
        """Architecture, size, quantization, shapes, template, licence and sha256 of the model."""
        return self._call("info")

    def tokenize(
        self, text: str, *, add_special: bool = True, parse_special: bool = False
    ) -> list[TokenPiece]:
        """The tokens of ``text`` with exact bytes; ``add_special`` adds BOS if the model wants it,
        ``parse_special`` turns text like ``<|im_start|>`` into its control token."""
        return self._call(
            "tokenize", text=text, add_special=add_special, parse_special=parse_special
        )

    def pieces(self, ids: Sequence[int]) -> list[TokenPiece]:
        """The pieces of arbitrary token ids."""
        return self._call("pieces", ids=[int(i) for i in ids])

    def render_chat(
        self, messages: Sequence[Mapping[str, str]], *, add_generation_prompt: bool = True
    ) -> str:
        """The prompt text the model's chat template makes of ``messages``."""
        return self._call(
            "render_chat", messages=_messages(messages), add_generation_prompt=add_generation_prompt
        )

    def next_token(self, prompt: PromptArg, *, top_n: int = 20) -> NextTokenDistribution:
        """The full next-token distribution (logits over the whole vocabulary) after ``prompt``."""
        return self._call("next_token", prompt=_prompt(prompt), top_n=top_n)

    def attention(self, prompt: PromptArg) -> AttentionMaps:
        """Attention probabilities (layers, heads, T, T), captured in the prompt's forward pass."""
        return self._call("attention", prompt=_prompt(prompt))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One mean-pooled embedding per text: (len(texts), n_embd) float32."""
        return self._call("embed", texts=list(texts))

    def qk(self, prompt: PromptArg, *, ids: Sequence[int] | None = None) -> QKCapture:
        """Queries and keys after RoPE plus the attention softmax, for every layer.

        ``ids`` evaluates exactly these token ids instead of the prompt's.
        """
        return self._call("qk", prompt=_prompt(prompt), ids=list(ids) if ids else None)

    def lens(self, prompt: PromptArg, *, top_n: int = 5) -> LensGrid:
        """The logit lens: every layer's top ``top_n`` next tokens at every position."""
        return self._call("lens", prompt=_prompt(prompt), top_n=top_n)

    def embeddings(self, texts: Sequence[str], *, representation: str = "auto") -> EmbeddingSet:
        """Vectors to compare (input embeddings for single words, else centred hidden states)."""
        return self._call("embeddings", texts=list(texts), representation=representation)

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
        self._lock.acquire()
        try:
            self._ensure_started()
            request_id = self._send("generate", {"prompt": _prompt(prompt), "settings": settings})
        except BaseException:
            self._lock.release()
            raise
        return Generation(self, request_id)

    # -- plumbing ----------------------------------------------------------------------------

    def _call(self, op: str, **args: Any) -> Any:
        with self._lock:
            self._ensure_started()
            return self._result_of(self._send(op, args))

    def _result_of(self, request_id: int) -> Any:
        """Wait for the final reply to ``request_id`` (ignoring streamed items)."""
        while True:
            reply = self._recv()
            if reply.id != request_id or reply.kind == "items":
                continue
            return self._unwrap(reply)

    def _unwrap(self, reply: Reply) -> Any:
        self._running_id = 0
        if reply.kind == "error":
            payload: ErrorPayload = reply.payload
            raise error_class(payload.error)(payload.message)
        return reply.payload

    def _ensure_started(self) -> ModelInfo:
        if self.running and self._info is not None:
            return self._info
        self._stop()
        config = self._config()
        self._spawn(config)
        try:
            self._info = self._result_of(self._send("load", {}))
        except ModelRuntimeError:
            self._stop()
            raise
        return self._info

    def _config(self) -> WorkerConfig:
        from tutor.runtime.catalog import resolve_model

        resolved = resolve_model(self._model_spec)
        if self._precheck:
            check_gguf(resolved.path)
            check_memory(resolved.path, self._options["n_ctx"])
        return WorkerConfig(
            model_path=resolved.path, log_path=log_file(), sha256=resolved.sha256, **self._options
        )

    def _spawn(self, config: WorkerConfig) -> None:
        """Start ``python -m tutor.runtime.worker`` with a socket for requests and a shared
        8-byte page for cancellation. A fresh interpreter (not multiprocessing's spawn) never
        re-runs the app's ``__main__``; its stdout and stderr go to the log file."""
        try:
            config.log_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ModelRuntimeError(
                f"cannot create the data directory {config.log_path.parent}: {exc.strerror}"
            ) from exc
        self._log_offset = _file_size(config.log_path)
        ours, theirs = socket.socketpair()
        cancel_fd = _shared_page_fd()
        self._cancel_page = mmap.mmap(cancel_fd, 8)
        self._cancel = ctypes.c_int64.from_buffer(self._cancel_page)
        with config.log_path.open("ab") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tutor.runtime.worker",
                    str(theirs.fileno()),
                    str(cancel_fd),
                ],
                pass_fds=(theirs.fileno(), cancel_fd),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=_worker_env(),
                start_new_session=True,  # the terminal's Ctrl+C goes to the app, which decides
            )
        theirs.close()
        os.close(cancel_fd)
        self._process = _Process(process)
        self._conn = Connection(ours.detach())
        self._config_used = config
        self._conn.send(config)

    def _send(self, op: str, args: dict[str, Any]) -> int:
        self._next_id += 1
        self._running_id, self._running_op = self._next_id, op
        try:
            self._conn.send(Request(self._next_id, op, args))
        except (OSError, ValueError) as err:
            raise self._crashed() from err
        return self._next_id

    def _recv(self) -> Reply:
        """The next reply; WorkerCrashedError if the worker has died."""
        conn, process = self._conn, self._process
        while True:
            try:
                if conn.poll(POLL_SECONDS):
                    return load_reply(conn.recv_bytes())
            except (EOFError, OSError, pickle.UnpicklingError):
                raise self._crashed() from None
            if not process.is_alive() and not conn.poll(0):
                raise self._crashed()

    def _crashed(self) -> WorkerCrashedError:
        """Tidy up after the worker died and describe what happened."""
        process, op = self._process, self._running_op
        exitcode = None
        if process is not None:
            process.join(timeout=2)
            exitcode = process.exitcode
        self._stop()
        name = (
            Path(self._config_used.model_path).name
            if hasattr(self, "_config_used")
            else "the model"
        )
        doing = "loading" if op == "load" else f"running '{op}' on"
        detail = _last_log_problem(log_file(), getattr(self, "_log_offset", 0))
        message = (
            f"The model worker stopped unexpectedly ({_describe_exit(exitcode)}) "
            f"while {doing} {name}. "
            "The app is fine; start the model again to continue."
            + (f" Last logged problem: {detail}" if detail else f" Details may be in {log_file()}.")
        )
        return WorkerCrashedError(message)

    def _stop(self) -> None:
        """End the worker process (politely, then firmly) and forget it."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        self._info = None
        self._running_id = 0
        if conn is not None:
            with contextlib.suppress(OSError, ValueError):
                conn.send(Request(0, "shutdown"))
        if process is not None:
            process.join(timeout=3)
            if process.is_alive():
                process.kill()
                process.join(timeout=3)
        if conn is not None:
            conn.close()


class Generation(Iterator[GeneratedToken]):
    """A running generation: iterate for tokens; ``result`` is set when it ends.

    Use it as a context manager (or call ``close()``) so an abandoned generation is cancelled
    and the client is free for the next call.
    """

    def __init__(self, client: ModelClient, request_id: int) -> None:
        self._client = client
        self._id = request_id
        self._finished = False
        self._pending: collections.deque[GeneratedToken] = collections.deque()
        self.result: GenerationResult | None = None

    def __iter__(self) -> Generation:
        return self

    def __next__(self) -> GeneratedToken:
        while not self._pending:
            if self._finished:
                raise StopIteration
            self._receive()
        return self._pending.popleft()

    def _receive(self) -> None:
        """Wait for the next batch of tokens, or the end of the generation."""
        try:
            reply = self._client._recv()
            while reply.id != self._id:
                reply = self._client._recv()
            if reply.kind == "items":
                self._pending.extend(reply.payload)
                return
            self.result = self._client._unwrap(reply)
        except BaseException:
            self._finish()
            raise
        self._finish()

    def cancel(self) -> None:
        """Stop generating after the current token (the result says 'cancelled')."""
        self._client.cancel()

    def close(self) -> None:
        """Cancel if still running and wait for the worker to confirm."""
        if self._finished:
            return
        self.cancel()
        try:
            for _ in self:
                pass
        except ModelRuntimeError:
            pass

    def __enter__(self) -> Generation:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # Garbage-collected unfinished: cancel it so the client is not left locked.
        with contextlib.suppress(Exception):
            self.close()

    def _finish(self) -> None:
        if not self._finished:
            self._finished = True
            self._client._lock.release()


class _Process:
    """The few process operations the client needs, over a Popen."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self.popen = popen

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def exitcode(self) -> int | None:
        """None while running; negative signal number if killed by a signal."""
        return self.popen.poll()

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def join(self, timeout: float) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout)

    def kill(self) -> None:
        self.popen.kill()


def _shared_page_fd() -> int:
    """A file descriptor for 8 zeroed bytes of memory both processes can map."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("llm-tutor-cancel")
    else:  # macOS
        with tempfile.TemporaryFile() as f:
            fd = os.dup(f.fileno())
    os.ftruncate(fd, 8)
    return fd


def _worker_env() -> dict[str, str]:
    """The app's environment, plus the directory holding ``tutor`` on PYTHONPATH."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


def _prompt(prompt: PromptArg) -> str | list[dict[str, str]]:
    return prompt if isinstance(prompt, str) else _messages(prompt)


def _messages(messages: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    return [dict(m) for m in messages]


def _describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "no exit status"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _last_log_problem(path: Path, since: int) -> str | None:
    """The last error-looking line the log gained since offset ``since`` (this worker's run)."""
    try:
        with path.open("rb") as f:
            f.seek(max(since, path.stat().st_size - 16384))
            tail = f.read().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return None
    keys = ("error", "assert", "fatal", "abort", "segmentation")
    hits = [line.strip() for line in tail if any(k in line.lower() for k in keys)]
    return hits[-1][:300] if hits else None
