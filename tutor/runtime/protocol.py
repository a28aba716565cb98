"""What the app and the worker process say to each other over their socket.

The app sends a :class:`Request`; the worker answers with zero or more ``items`` replies
(streamed tokens, batched: see STREAM_INTERVAL) and then exactly one ``ok`` or ``error`` reply
with the same id. Cancellation does not go through the socket: the app writes the id of the
request to cancel into a shared 8-byte page that the worker's abort callback and generation
loop read (see :mod:`tutor.runtime.client` and :mod:`tutor.runtime.worker`).
"""

from __future__ import annotations

import io
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ReplyKind = Literal["ok", "items", "error"]
STREAM_INTERVAL = 0.05
"""Seconds between streamed batches. Waking the app for every token costs the decode threads
CPU time on a 2-core machine; 20 updates a second still animates smoothly. The first token of
a stream is always sent at once."""


def _cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_threads() -> int:
    """Threads for llama.cpp: the cores this process may use, at most 4."""
    return max(1, min(4, _cores()))


def threads_beside_ui() -> int:
    """Threads for llama.cpp when a full-screen UI paints beside it: one core fewer than
    ``default_threads`` allows (at least one, at most 4). llama.cpp's threads wait for each
    other at every step, so a UI thread taking one of their cores slows them all: on 2 cores
    the generation explorer streamed at 0.50-0.53x the runtime's own speed with 2 threads and
    at 0.69-0.92x with 1 (``benchmarks/bench_lab.py``)."""
    return max(1, min(4, _cores() - 1))


@dataclass(frozen=True, kw_only=True)
class RuntimeOptions:
    """How to run a model, with the defaults written once (``ModelClient`` takes each one as a
    keyword argument defaulting to the value here)."""

    n_ctx: int = 2048
    n_threads: int = field(default_factory=default_threads)
    n_batch: int = 512
    n_ubatch: int = 512
    attention_max_tokens: int = 256
    attention_ubatch: int = 64
    embed_max_tokens: int = 512
    log_level: str = "INFO"


DEFAULTS = RuntimeOptions()


@dataclass(frozen=True, kw_only=True)
class WorkerConfig(RuntimeOptions):
    """How the worker should load and run a model: which file, where to log, and the options."""

    model_path: Path
    log_path: Path
    sha256: str | None = None  # known hash (e.g. from a wheel RECORD); else computed


@dataclass(frozen=True)
class Request:
    """One operation for the worker: ``op`` is an :class:`tutor.runtime.ops.Op` name and
    ``args`` an instance of that op's argument type."""

    id: int
    op: str
    args: Any = None


@dataclass(frozen=True)
class Reply:
    """One message from the worker: streamed items (a list), the result, or an error."""

    id: int
    kind: ReplyKind
    payload: Any = None


@dataclass(frozen=True)
class ErrorPayload:
    """An error raised in the worker: the runtime error class name and its message."""

    error: str
    message: str


_NUMPY_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
}


class _ReplyUnpickler(pickle.Unpickler):
    """Unpickles only runtime result types and numpy arrays: whatever happens inside the worker
    (say, a hostile GGUF exploiting native code), its replies cannot run code in the app."""

    def find_class(self, module: str, name: str) -> Any:
        if (
            module in ("tutor.runtime.types", "tutor.runtime.protocol")
            or (module, name) in _NUMPY_GLOBALS
        ):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"the model worker sent an unexpected object: {module}.{name}")


def load_reply(data: bytes) -> Reply:
    """A Reply from its pickled bytes, allowing only the types a reply may contain."""
    reply = _ReplyUnpickler(io.BytesIO(data)).load()
    if not isinstance(reply, Reply):
        raise pickle.UnpicklingError("the model worker sent something that is not a reply")
    return reply
