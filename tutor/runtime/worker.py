"""The worker process: hosts llama.cpp, answers requests from the app over a socket.

Everything native lives here, so a crash on a hostile GGUF, a failed allocation or a
``GGML_ASSERT`` ends this process only; the app reports it and can start another. The worker's
fds 1 and 2 point at the log file, so nothing it prints can reach the app's terminal.
"""

from __future__ import annotations

import ctypes
import faulthandler
import logging
import mmap
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, TypeVar

from tutor.runtime import ops
from tutor.runtime.errors import ModelRuntimeError
from tutor.runtime.ops import Op
from tutor.runtime.protocol import STREAM_INTERVAL, ErrorPayload, Reply, Request, WorkerConfig

if TYPE_CHECKING:  # the engine (and llama_cpp) load with the first request, after logging is set
    import numpy as np

    from tutor.runtime.engine import Engine
    from tutor.runtime.types import (
        AnswerLogprob,
        AttentionMaps,
        EmbeddingSet,
        GenerationResult,
        LensGrid,
        ModelInfo,
        NextTokenDistribution,
        QKCapture,
        TokenPiece,
    )

A = TypeVar("A")
R = TypeVar("R")

log = logging.getLogger("tutor.runtime.worker")


class CancelFlag:
    """Reads the shared 'cancel every request up to this id' integer."""

    def __init__(self, shared: Any) -> None:
        self.shared = shared
        self.current = 0

    def __call__(self) -> bool:
        return bool(self.shared.value >= self.current)


def main(argv: list[str] | None = None) -> None:
    """Entry point: ``python -m tutor.runtime.worker CONN_FD CANCEL_FD``; the first message on
    the connection is the WorkerConfig."""
    args = sys.argv[1:] if argv is None else argv
    conn = Connection(int(args[0]))
    page = mmap.mmap(int(args[1]), 8)
    shared_cancel = ctypes.c_int64.from_buffer(page)
    config: WorkerConfig = conn.recv()
    worker_main(conn, shared_cancel, config)


def worker_main(conn: Connection, shared_cancel: Any, config: WorkerConfig) -> None:
    """Set up logging, then serve requests until told to stop."""
    from tutor.runtime import llamalog

    llamalog.redirect_native_output(config.log_path)  # already so when started by the client
    faulthandler.enable(file=sys.stderr)  # a segfault leaves a Python traceback in the log
    _setup_python_logging(config)
    import llama_cpp

    llama_cpp.llama_backend_init()
    sink, _keep_alive = llamalog.install(
        config.log_path, getattr(logging, config.log_level, logging.INFO)
    )
    Server(conn, CancelFlag(shared_cancel), config, sink).serve()


def _setup_python_logging(config: WorkerConfig) -> None:
    handler = logging.FileHandler(config.log_path, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s")
    )
    root = logging.getLogger("tutor")
    root.addHandler(handler)
    root.setLevel(logging.INFO)


class _Stream:
    """Collects streamed items and sends them in batches, at most every STREAM_INTERVAL."""

    def __init__(self, conn: Connection, request_id: int) -> None:
        self.conn = conn
        self.request_id = request_id
        self.pending: list[Any] = []
        self.last_sent: float | None = None

    def add(self, item: Any) -> None:
        self.pending.append(item)
        now = time.monotonic()
        if self.last_sent is None or now - self.last_sent >= STREAM_INTERVAL:
            self.flush()
            self.last_sent = now

    def flush(self) -> None:
        if self.pending:
            self.conn.send(Reply(self.request_id, "items", self.pending))
            self.pending = []


class Server:
    """The request loop: one request at a time, replies on the same pipe."""

    def __init__(
        self, conn: Connection, cancel: CancelFlag, config: WorkerConfig, sink: Any
    ) -> None:
        self.conn = conn
        self.cancel = cancel
        self.config = config
        self.sink = sink
        self.engine: Any = None

    def serve(self) -> None:
        """Answer requests until the app says 'shutdown' or closes the pipe."""
        while True:
            try:
                request: Request = self.conn.recv()
            except (EOFError, OSError):
                break
            if request.op == ops.SHUTDOWN.name:
                break
            self.cancel.current = request.id
            self._answer(request)
            if self.engine is not None:  # a chat answer's tokens batched for its next turn
                self.engine.settle(idle=not self.conn.poll())
        if self.engine is not None:
            self.engine.close()

    def _answer(self, request: Request) -> None:
        stream = _Stream(self.conn, request.id)
        try:
            result = self._dispatch(request, stream.add)
            reply = Reply(request.id, "ok", result)
        except ModelRuntimeError as err:
            reply = Reply(request.id, "error", ErrorPayload(type(err).__name__, str(err)))
        except Exception as err:  # a bug, not bad input: keep serving, log the traceback
            log.exception("request %s failed", request.op)
            reply = Reply(
                request.id, "error", ErrorPayload("ModelRuntimeError", f"internal error: {err!r}")
            )
        stream.flush()
        self.conn.send(reply)

    def _dispatch(self, request: Request, emit: Emit) -> Any:
        op = ops.BY_NAME.get(request.op)
        if op is None or (op is not ops.LOAD and op.name not in HANDLERS):
            raise ModelRuntimeError(f"unknown operation {request.op!r}")
        if not isinstance(request.args, op.args):
            raise ModelRuntimeError(f"bad arguments for {op.name!r}: {type(request.args).__name__}")
        if op is ops.LOAD:  # the server's own job: it makes the engine
            return self._load()
        if self.engine is None:
            raise ModelRuntimeError("no model is loaded")
        return HANDLERS[op.name](self.engine, request.args, emit)

    def _load(self) -> Any:
        from tutor.runtime.engine import Engine

        if self.engine is not None:
            self.engine.close()
            self.engine = None
        self.engine = Engine(self.config, self.cancel, self.sink)
        return self.engine.info()


# -- the handlers: one per operation in tutor.runtime.ops (but load and shutdown, the server's) --

Emit = Callable[[Any], None]
Handler = Callable[["Engine", A, Emit], R]
HANDLERS: dict[str, Handler[Any, Any]] = {}


def handles(op: Op[A, R]) -> Callable[[Handler[A, R]], Handler[A, R]]:
    """Register the function answering ``op`` (mypy checks its argument and reply types)."""

    def register(handler: Handler[A, R]) -> Handler[A, R]:
        HANDLERS[op.name] = handler
        return handler

    return register


@handles(ops.INFO)
def _info(engine: Engine, args: ops.NoArgs, emit: Emit) -> ModelInfo:
    return engine.info()


@handles(ops.TOKENIZE)
def _tokenize(engine: Engine, args: ops.TokenizeArgs, emit: Emit) -> list[TokenPiece]:
    return engine.tokenize(
        args.text, add_special=args.add_special, parse_special=args.parse_special
    )


@handles(ops.PIECES)
def _pieces(engine: Engine, args: ops.PiecesArgs, emit: Emit) -> list[TokenPiece]:
    return [engine.piece(int(t)) for t in args.ids]


@handles(ops.RENDER_CHAT)
def _render_chat(engine: Engine, args: ops.RenderChatArgs, emit: Emit) -> str:
    return engine.render_chat(args.messages, add_generation_prompt=args.add_generation_prompt)


@handles(ops.NEXT_TOKEN)
def _next_token(engine: Engine, args: ops.NextTokenArgs, emit: Emit) -> NextTokenDistribution:
    return engine.next_token(args.prompt, args.top_n)


@handles(ops.GENERATE)
def _generate(engine: Engine, args: ops.GenerateArgs, emit: Emit) -> GenerationResult:
    return engine.generate(args.prompt, args.settings, emit)


@handles(ops.ATTENTION)
def _attention(engine: Engine, args: ops.PromptArgs, emit: Emit) -> AttentionMaps:
    return engine.attention(args.prompt)


@handles(ops.EMBED)
def _embed(engine: Engine, args: ops.TextsArgs, emit: Emit) -> np.ndarray:
    return engine.embed(args.texts)


@handles(ops.LOGPROB)
def _logprob(engine: Engine, args: ops.LogprobArgs, emit: Emit) -> AnswerLogprob:
    """log π(answer | prompt), token by token (see tutor.runtime.scoring)."""
    from tutor.runtime.scoring import answer_logprob

    return answer_logprob(engine, args.prompt, args.answer)


@handles(ops.ATTENTION_VIEW)
def _attention_view(engine: Engine, args: ops.PromptArgs, emit: Emit) -> list[TokenPiece]:
    """The packed rows stream as items while llama.cpp computes them; the reply is the tokens."""
    return engine.inside().attention(args.prompt, emit)


@handles(ops.QK)
def _qk(engine: Engine, args: ops.QKArgs, emit: Emit) -> QKCapture:
    return engine.inside().qk(args.prompt, args.ids)


@handles(ops.LENS)
def _lens(engine: Engine, args: ops.LensArgs, emit: Emit) -> LensGrid:
    return engine.inside().lens(args.prompt, args.top_n)


@handles(ops.EMBEDDINGS)
def _embeddings(engine: Engine, args: ops.EmbeddingsArgs, emit: Emit) -> EmbeddingSet:
    return engine.inside().embeddings(args.texts, args.representation)


if __name__ == "__main__":
    main()
