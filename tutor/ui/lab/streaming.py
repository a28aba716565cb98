"""Streaming a generation into a screen without slowing the model down.

A thread worker iterates the runtime's ``Generation`` and posts ``TokensSampled`` messages,
batched: tokens gathered for at most ``BATCH_SECONDS`` go in one message, so the UI redraws
about 30 times a second however fast the model is, and the model never waits on a redraw.
The end of the run (finished, cancelled or failed, with the runtime's message) is one
``GenerationFinished``. ``request`` numbers let a screen drop messages of a replaced run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from tutor.runtime.types import GeneratedToken, GenerationResult, GenerationSettings
    from tutor.ui.model_service import ModelService

BATCH_SECONDS = 0.03


class TokensSampled(Message):
    """Tokens the model has just sampled for run ``request`` (one batch, in order)."""

    def __init__(self, request: int, tokens: list[GeneratedToken]) -> None:
        super().__init__()
        self.request = request
        self.tokens = tokens


class GenerationFinished(Message):
    """Run ``request`` ended: ``result`` when it finished or was cancelled, else ``error``."""

    def __init__(
        self, request: int, result: GenerationResult | None, error: str = "", seconds: float = 0.0
    ) -> None:
        super().__init__()
        self.request = request
        self.result = result
        self.error = error
        self.seconds = seconds  # wall time from the request to the last token

    @property
    def failed(self) -> bool:
        return self.result is None


def stream(
    service: ModelService,
    prompt: Any,
    settings: GenerationSettings,
    request: int,
    post: Callable[[Message], object],
    cancelled: Callable[[], bool],
) -> None:
    """Run one generation on the calling (worker) thread, posting batches through ``post``.

    ``cancelled()`` is checked between tokens: a replaced run stops and posts nothing more.
    A runtime error (a crashed worker, a prompt too long) ends in ``GenerationFinished`` with
    the runtime's own message."""
    from tutor.runtime.errors import ModelRuntimeError

    batch: list[GeneratedToken] = []
    started = last = time.perf_counter()
    try:
        with service.generation(prompt, settings) as gen:
            for token in gen:
                if cancelled():
                    gen.cancel()
                    return
                batch.append(token)
                now = time.perf_counter()
                if now - last >= BATCH_SECONDS:
                    post(TokensSampled(request, batch))
                    batch, last = [], now
            result = gen.result
    except ModelRuntimeError as err:
        if batch and not cancelled():
            post(TokensSampled(request, batch))
        if not cancelled():
            post(GenerationFinished(request, None, str(err)))
        return
    if cancelled():
        return
    if batch:
        post(TokensSampled(request, batch))
    post(GenerationFinished(request, result, seconds=time.perf_counter() - started))


def settings_line(settings: GenerationSettings) -> str:
    """Seed and sampler settings in one short line (for the screen and the branch list)."""
    s = settings
    temp = "greedy" if s.temperature == 0 else f"temp {s.temperature:g}"
    return (
        f"seed {s.seed} · {temp} · top-k {s.top_k} · top-p {s.top_p:g} · "
        f"min-p {s.min_p:g} · max {s.max_tokens}"
    )


def short_settings(settings: GenerationSettings) -> str:
    """The settings in a few characters, for a list of runs: ``seed 1 t0.8 k40 p0.95 m0.05``."""
    s = settings
    return f"seed {s.seed} t{s.temperature:g} k{s.top_k} p{s.top_p:g} m{s.min_p:g}"
