"""The model runtime: a GGUF model run by llama.cpp in a worker process, behind a typed client.

Headless core: nothing here imports Textual, and nothing in the app process imports llama_cpp
(only the worker does). Start with :class:`ModelClient`.

The client and the result types load numpy, so they are imported on first use
(:func:`__getattr__`, PEP 562): importing ``tutor.runtime.errors`` or the catalog, as the
command tree ``llm-tutor`` builds before opening the app does, then loads nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from tutor.runtime.client import Generation, ModelClient
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

# The names loaded on first use, and the module each comes from.
_LAZY = {
    "Generation": "tutor.runtime.client",
    "ModelClient": "tutor.runtime.client",
    "AttentionMaps": "tutor.runtime.types",
    "Candidate": "tutor.runtime.types",
    "GeneratedToken": "tutor.runtime.types",
    "GenerationResult": "tutor.runtime.types",
    "GenerationSettings": "tutor.runtime.types",
    "ModelInfo": "tutor.runtime.types",
    "NextTokenDistribution": "tutor.runtime.types",
    "TokenPiece": "tutor.runtime.types",
}


def __getattr__(name: str) -> Any:
    """A public name of the client or the result types, imported when first asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


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
