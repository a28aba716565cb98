"""Every operation the worker answers, declared once: its name, its argument type, its reply type.

The client sends ``Request(id, op.name, op.args(...))``; the worker looks its handler up by
``op.name`` (each handler is registered with :func:`tutor.runtime.worker.handles`, which mypy
checks against the op's argument and reply types); the reply type parameter types the client's
result. Adding an operation: one ``Op`` line here, one handler in the worker, one typed method
on the client.

Argument types are small frozen dataclasses, pickled to the worker (the app trusts what it
sends; replies from the worker are unpickled with an allow-list, see :mod:`protocol`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:  # types (and numpy) are only needed by the type checker here
    import numpy as np

    from tutor.runtime.types import (
        AnswerLogprob,
        AttentionMaps,
        EmbeddingSet,
        GenerationResult,
        GenerationSettings,
        LensGrid,
        ModelInfo,
        NextTokenDistribution,
        QKCapture,
        TokenPiece,
    )

WirePrompt = str | list[Mapping[str, str]] | list[int]
"""A prompt as it crosses the socket: text, chat messages, or token ids (used exactly)."""

A = TypeVar("A")
R = TypeVar("R")


@dataclass(frozen=True)
class Op(Generic[A, R]):
    """One worker operation: ``name`` on the wire, ``args`` the argument type; ``R`` the reply.

    ``streams``: the worker sends ``items`` replies (generated tokens, packed attention rows)
    before the result."""

    name: str
    args: type[A]
    streams: bool = False


# -- argument types ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoArgs:
    """For operations without arguments."""


@dataclass(frozen=True)
class TokenizeArgs:
    text: str
    add_special: bool = True
    parse_special: bool = False


@dataclass(frozen=True)
class PiecesArgs:
    ids: list[int]


@dataclass(frozen=True)
class RenderChatArgs:
    messages: list[Mapping[str, str]]
    add_generation_prompt: bool = True


@dataclass(frozen=True)
class PromptArgs:
    prompt: WirePrompt


@dataclass(frozen=True)
class NextTokenArgs:
    prompt: WirePrompt
    top_n: int = 20


@dataclass(frozen=True)
class GenerateArgs:
    prompt: WirePrompt
    settings: GenerationSettings


@dataclass(frozen=True)
class TextsArgs:
    texts: list[str]


@dataclass(frozen=True)
class QKArgs:
    prompt: WirePrompt
    ids: list[int] | None = None


@dataclass(frozen=True)
class LensArgs:
    prompt: WirePrompt
    top_n: int = 5


@dataclass(frozen=True)
class EmbeddingsArgs:
    texts: list[str]
    representation: str = "auto"


@dataclass(frozen=True)
class LogprobArgs:
    prompt: WirePrompt
    answer: str


# -- the operations ------------------------------------------------------------------------------

LOAD: Op[NoArgs, ModelInfo] = Op("load", NoArgs)
SHUTDOWN: Op[NoArgs, None] = Op("shutdown", NoArgs)
INFO: Op[NoArgs, ModelInfo] = Op("info", NoArgs)
TOKENIZE: Op[TokenizeArgs, list[TokenPiece]] = Op("tokenize", TokenizeArgs)
PIECES: Op[PiecesArgs, list[TokenPiece]] = Op("pieces", PiecesArgs)
RENDER_CHAT: Op[RenderChatArgs, str] = Op("render_chat", RenderChatArgs)
NEXT_TOKEN: Op[NextTokenArgs, NextTokenDistribution] = Op("next_token", NextTokenArgs)
GENERATE: Op[GenerateArgs, GenerationResult] = Op("generate", GenerateArgs, streams=True)
ATTENTION: Op[PromptArgs, AttentionMaps] = Op("attention", PromptArgs)
EMBED: Op[TextsArgs, np.ndarray] = Op("embed", TextsArgs)
LOGPROB: Op[LogprobArgs, AnswerLogprob] = Op("logprob", LogprobArgs)
ATTENTION_VIEW: Op[PromptArgs, list[TokenPiece]] = Op("attention_view", PromptArgs, streams=True)
QK: Op[QKArgs, QKCapture] = Op("qk", QKArgs)
LENS: Op[LensArgs, LensGrid] = Op("lens", LensArgs)
EMBEDDINGS: Op[EmbeddingsArgs, EmbeddingSet] = Op("embeddings", EmbeddingsArgs)

ALL: tuple[Op[Any, Any], ...] = (
    LOAD,
    SHUTDOWN,
    INFO,
    TOKENIZE,
    PIECES,
    RENDER_CHAT,
    NEXT_TOKEN,
    GENERATE,
    ATTENTION,
    EMBED,
    LOGPROB,
    ATTENTION_VIEW,
    QK,
    LENS,
    EMBEDDINGS,
)
BY_NAME: dict[str, Op[Any, Any]] = {op.name: op for op in ALL}
