"""What the app and the worker process say to each other over their pipe.

The app sends a :class:`Request`; the worker answers with zero or more ``item`` replies (streamed
tokens) and then exactly one ``ok`` or ``error`` reply with the same id. Cancellation does not go
through the pipe: the app writes the id of the request to cancel into a shared integer that the
worker's abort callback and generation loop read (see :mod:`tutor.runtime.worker`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ReplyKind = Literal["ok", "item", "error"]


@dataclass(frozen=True)
class WorkerConfig:
    """How the worker should load and run a model."""

    model_path: Path
    log_path: Path
    n_ctx: int = 2048
    n_threads: int = 2
    n_batch: int = 512
    n_ubatch: int = 512
    attention_max_tokens: int = 256
    attention_ubatch: int = 64
    embed_max_tokens: int = 512
    sha256: str | None = None  # known hash (e.g. from a wheel RECORD); else computed
    log_level: str = "INFO"


@dataclass(frozen=True)
class Request:
    """One operation for the worker."""

    id: int
    op: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """One message from the worker: a streamed item, the result, or an error."""

    id: int
    kind: ReplyKind
    payload: Any = None


@dataclass(frozen=True)
class ErrorPayload:
    """An error raised in the worker: the runtime error class name and its message."""

    error: str
    message: str
