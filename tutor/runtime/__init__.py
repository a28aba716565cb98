"""The model runtime: a GGUF model run by llama.cpp in a worker process, behind a typed client.

Headless core: nothing here imports Textual, and nothing in the app process imports llama_cpp
(only the worker does). Start with :class:`ModelClient`.
"""

from __future__ import annotations

from tutor.runtime.client import Generation, ModelClient
from tutor.runtime.errors import (
    CancelledError,
    ChatTemplateError,
    ChecksumMismatchError,
    DownloadError,
    ModelLoadError,
    ModelNotFoundError,
    ModelRuntimeError,
    NotEnoughMemoryError,
    OfflineError,
    PromptTooLongError,
    WorkerCrashedError,
)
from tutor.runtime.types import (
    AttentionMaps,
    Candidate,
    GeneratedToken,
    GenerationResult,
    GenerationSettings,
    ModelInfo,
    NextTokenDistribution,
    TokenPiece,
)

__all__ = [
    "AttentionMaps",
    "CancelledError",
    "Candidate",
    "ChatTemplateError",
    "ChecksumMismatchError",
    "DownloadError",
    "GeneratedToken",
    "Generation",
    "GenerationResult",
    "GenerationSettings",
    "ModelClient",
    "ModelInfo",
    "ModelLoadError",
    "ModelNotFoundError",
    "ModelRuntimeError",
    "NextTokenDistribution",
    "NotEnoughMemoryError",
    "OfflineError",
    "PromptTooLongError",
    "TokenPiece",
    "WorkerCrashedError",
]
