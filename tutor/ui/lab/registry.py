"""Demo kind → instrument screen: a new instrument is one file plus one line in ``INSTRUMENTS``.

Each entry names its screen as ``"module:Class"`` (imported when first opened, so this module
imports no screen and there are no import cycles). Every kind becomes a navigation route
``"lab.<kind>"`` (``lab_routes``): ``navigate("lab.tokens", spec=..., context=...)`` builds
``Class(spec, context)`` from the lesson's ``DemoSpec``, or from a free-play spec when none is
given. Built instruments are listed in the command palette and the help screen; a kind whose
screen is ``None`` opens a clear "not in this version" card instead.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the demo specs (pydantic) load when an instrument opens, not at start-up
    from textual.screen import Screen

    from tutor.core.demo import Demo, DemoSpec
    from tutor.ui.navigation import Route


@dataclass(frozen=True)
class DemoContext:
    """Where a demo was opened from, so a prediction can be recorded against it."""

    pack_id: str
    lesson: str
    demo: int  # the block's index within the lesson


@dataclass(frozen=True)
class Instrument:
    """One instrument: its demo kind, its title, one line on what it shows, and its screen."""

    kind: str
    title: str
    summary: str
    screen: str | None  # "module:Class", or None when not in this version

    @property
    def built(self) -> bool:
        return self.screen is not None


INSTRUMENTS: dict[str, Instrument] = {
    i.kind: i
    for i in (
        Instrument(
            "tokens",
            "Tokens",
            "How text is cut into tokens: ids, bytes, counts",
            "tutor.ui.lab.tokens:TokensScreen",
        ),
        Instrument(
            "next-token",
            "Next token",
            "The most likely next tokens and their probabilities",
            "tutor.ui.lab.next_token:NextTokenScreen",
        ),
        Instrument(
            "sampling",
            "Sampler lab",
            "The sampler chain, stage by stage, and 100 draws",
            "tutor.ui.lab.sampler:SamplerScreen",
        ),
        Instrument(
            "generation",
            "Generation explorer",
            "A continuation token by token, with alternatives",
            "tutor.ui.lab.generation:GenerationScreen",
        ),
        Instrument(
            "prompting",
            "Prompt playground",
            "Chat: system prompt, chat template, A/B",
            "tutor.ui.lab.playground:PlaygroundScreen",
        ),
        Instrument(
            "attention",
            "Attention",
            "Which earlier tokens each token attends to",
            "tutor.ui.lab.attention:AttentionScreen",
        ),
        Instrument(
            "embeddings",
            "Embeddings",
            "How close words are in the model's space",
            "tutor.ui.lab.embeddings:EmbeddingsScreen",
        ),
        Instrument(
            "lens",
            "Logit lens",
            "What each layer would predict next",
            "tutor.ui.lab.lens:LensScreen",
        ),
        Instrument(
            "rlhf",
            "Preferences",
            "Vote between answers and fit a reward model",
            "tutor.ui.lab.preferences:PreferencesScreen",
        ),
    )
}


def instrument(kind: str) -> Instrument:
    """The instrument for ``kind`` (an unknown kind gets a "not in this version" entry)."""
    return INSTRUMENTS.get(kind) or Instrument(kind, kind, "", None)


def instruments() -> list[Instrument]:
    """Every instrument, the built ones first, for the Lab picker and the command palette."""
    return sorted(INSTRUMENTS.values(), key=lambda i: not i.built)


NOT_BUILT = "tutor.ui.lab.base:NotBuiltScreen"


def route_name(kind: str) -> str:
    """The navigation route of the instrument for ``kind``."""
    return f"lab.{kind}"


def lab_routes() -> list[Route]:
    """One navigation route per demo kind; built ones in the palette and the help screen."""
    from tutor.ui.navigation import Route

    return [
        Route(
            route_name(i.kind),
            f"Lab: {i.title}",
            i.screen or NOT_BUILT,
            command=i.summary if i.built else "",
            in_help=i.built,
        )
        for i in INSTRUMENTS.values()
    ]


def open_instrument(spec: DemoSpec, context: DemoContext | None = None) -> Screen[None]:
    """The screen for ``spec``: its instrument, or the "not in this version" card."""
    target = instrument(spec.kind).screen or NOT_BUILT
    module, _, name = target.partition(":")
    screen_class = getattr(importlib.import_module(module), name)
    screen: Screen[None] = screen_class(spec, context)
    return screen


def free_play(kind: str) -> DemoSpec:
    """A spec for opening ``kind`` without a lesson (the Lab picker, the command palette)."""
    from tutor.core.demo import DemoSpec

    return DemoSpec.model_validate({"kind": kind, "prompt": FREE_PLAY_PROMPTS.get(kind, "")})


FREE_PLAY_PROMPTS = {
    "tokens": "Tokenizers split text into pieces: unbelievable, isn't it? 2026 🙂",
    "next-token": "The cat sat on the",
    "sampling": "Once upon a time, there was a",
    "generation": "Once upon a time,",
    "prompting": "What is a large language model? Answer in one sentence.",
    "attention": "The cat sat on the mat because it was tired.",
    "embeddings": "cat, dog, kitten, car, happy, sad",
    "lens": "The Eiffel Tower is in the city of",
}


def demo_spec(demo: Demo) -> DemoSpec:
    """The spec of a lesson's demo block."""
    return demo.spec
