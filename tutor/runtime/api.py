"""The model client as the app sees it: typed protocols the real client and the tests' fakes
both satisfy, so the UI depends on what it calls rather than on the worker process.

- :class:`ModelClientProtocol`: the lifecycle (start, restart, cancel, close) and the
  operations every lab instrument uses (info, tokenize, pieces, render_chat, next_token,
  generate); the fake in ``tests/fakes.py`` implements it.
- :class:`InsideClientProtocol`: plus the "inside the model" views (attention_view, qk, lens,
  embeddings) of part 2's instruments; ``tests/lab/inside_fake.py`` implements it.
- :class:`GenerationProtocol`: what ``generate`` returns.

``tutor.runtime.client.ModelClient`` satisfies both (mypy checks the assignments in
``tests/runtime/test_api.py``). Importing this module loads neither numpy nor the runtime.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from types import TracebackType

    from tutor.runtime.types import (
        EmbeddingSet,
        GeneratedToken,
        GenerationResult,
        GenerationSettings,
        LensGrid,
        ModelInfo,
        NextTokenDistribution,
        PackedAttention,
        QKCapture,
        TokenPiece,
    )

PromptArg = str | Sequence[Mapping[str, str]] | Sequence[int]
"""A prompt: text, chat messages (rendered with the model's template) or token ids (exact)."""


@runtime_checkable
class GenerationProtocol(Protocol):
    """A running generation: iterate it for tokens, then read ``result``."""

    @property
    def result(self) -> GenerationResult | None:
        """How it ended: None while it runs (or if it failed)."""
        ...

    def __iter__(self) -> Iterator[GeneratedToken]: ...

    def __next__(self) -> GeneratedToken: ...

    def cancel(self) -> None:
        """Stop after the current token; the result then says 'cancelled'."""
        ...

    def close(self) -> None:
        """Cancel if still running and wait for the end."""
        ...

    def __enter__(self) -> GenerationProtocol: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@runtime_checkable
class ModelClientProtocol(Protocol):
    """The calls the UI makes on the model client (from thread workers: each one blocks)."""

    @property
    def running(self) -> bool:
        """True while a worker (or the fake) has a model loaded or loading."""
        ...

    @property
    def pid(self) -> int | None: ...

    @property
    def model_info(self) -> ModelInfo | None:
        """The loaded model's info, None before a successful start."""
        ...

    def start(self) -> ModelInfo: ...

    def restart(self) -> ModelInfo: ...

    def cancel(self) -> None:
        """Cancel the running call; safe from any thread."""
        ...

    def close(self) -> None: ...

    def info(self) -> ModelInfo: ...

    def tokenize(
        self, text: str, *, add_special: bool = True, parse_special: bool = False
    ) -> list[TokenPiece]: ...

    def pieces(self, ids: Sequence[int]) -> list[TokenPiece]: ...

    def render_chat(
        self, messages: Sequence[Mapping[str, str]], *, add_generation_prompt: bool = True
    ) -> str: ...

    def next_token(self, prompt: PromptArg, *, top_n: int = 20) -> NextTokenDistribution: ...

    def generate(
        self, prompt: PromptArg, settings: GenerationSettings | None = None, **overrides: Any
    ) -> GenerationProtocol:
        """Start generating; a new call of any kind cancels a generation still running."""
        ...


@runtime_checkable
class InsideClientProtocol(ModelClientProtocol, Protocol):
    """Plus the views inside the model, for the attention, lens and embeddings instruments."""

    def attention_view(self, prompt: PromptArg) -> PackedAttention: ...

    def qk(self, prompt: PromptArg, *, ids: Sequence[int] | None = None) -> QKCapture: ...

    def lens(self, prompt: PromptArg, *, top_n: int = 5) -> LensGrid: ...

    def embeddings(self, texts: Sequence[str], *, representation: str = "auto") -> EmbeddingSet: ...
