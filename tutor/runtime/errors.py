"""Errors the model runtime raises, each with a message a learner can act on.

Errors raised inside the worker process travel back over the pipe as (class name, message)
and are raised again in the app process as the same class, so the UI handles one hierarchy.
"""

from __future__ import annotations


class ModelRuntimeError(Exception):
    """Base class: something went wrong running a model. ``str(err)`` is the user message."""


class ModelLoadError(ModelRuntimeError):
    """The model file could not be loaded (missing, not a GGUF, truncated, unsupported...)."""


class NotEnoughMemoryError(ModelLoadError):
    """Loading the model would need more memory than the machine has free."""


class WorkerCrashedError(ModelRuntimeError):
    """The worker process died (for example native code crashed on a hostile GGUF)."""


class CancelledError(ModelRuntimeError):
    """The operation was cancelled by the caller."""


class ChatTemplateError(ModelRuntimeError):
    """The model's chat template is missing or failed to render."""


class PromptTooLongError(ModelRuntimeError):
    """The prompt does not fit in the context (or the attention view's limit)."""


class ModelNotFoundError(ModelRuntimeError):
    """No model matches the requested id or path, or the default model is not installed."""


class DownloadError(ModelRuntimeError):
    """A model download failed."""


class ChecksumMismatchError(DownloadError):
    """A downloaded file's sha256 differs from the catalog's; the file was removed."""


class OfflineError(DownloadError):
    """The network is unavailable (or HF_HUB_OFFLINE is set) and the file is not cached."""


def error_class(name: str) -> type[ModelRuntimeError]:
    """The runtime error class called ``name``, or the base class if unknown."""
    found = globals().get(name)
    if isinstance(found, type) and issubclass(found, ModelRuntimeError):
        return found
    return ModelRuntimeError
