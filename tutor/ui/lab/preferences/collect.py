"""Collecting votes: the settings of each pair of answers, and what the worker runs to write it.

Two answers to one prompt with seeds in a row (and, with ``h``, two temperatures in an order
the seed decides), so the learner cannot tell which setting made which answer until the vote.
Functions here run in the screen's thread workers: they talk to the model, never to widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tutor.core import reward_lab
from tutor.core.demo import DemoSpec
from tutor.runtime.types import GenerationSettings

DEFAULT_PROMPT = "Explain what a reward model is in two sentences."
TEMPERATURE = 0.8
HOT_PAIR = (0.4, 1.2)  # the two temperatures when the learner asks for different ones
MAX_TOKENS = 128
"""Room for the lesson's two-sentence answers to finish (the default model's run 45–110 tokens
there). A cap they hit cuts the longer answer mid-sentence, so votes for length also teach
"unfinished is better" and every capped answer looks equally long to the reward model."""

Tell = Callable[[str], object]


def temperature(spec: DemoSpec) -> float:
    """The demo's temperature, or the lab's."""
    return spec.temperature if spec.temperature is not None else TEMPERATURE


def max_tokens(spec: DemoSpec) -> int:
    """The demo's cap on each answer's length, or the lab's."""
    return spec.max_tokens or MAX_TOKENS


def pair_settings(spec: DemoSpec, seed: int, hot: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Settings for A and B: seeds ``seed`` and ``seed + 1``; with ``hot``, the two temperatures
    of HOT_PAIR in an order the seed decides."""
    temps = (temperature(spec),) * 2
    if hot:
        temps = HOT_PAIR if seed % 4 < 2 else (HOT_PAIR[1], HOT_PAIR[0])
    base = {k: v for k, v in spec.sampling_settings().items() if k != "seed"}
    cap = max_tokens(spec)
    a = {**base, "seed": seed, "temperature": temps[0], "max_tokens": cap}
    b = {**base, "seed": seed + 1, "temperature": temps[1], "max_tokens": cap}
    return a, b


def chat(system: str, prompt: str) -> list[dict[str, str]]:
    """The chat turn the model answers (with a system prompt, if there is one)."""
    head = [{"role": "system", "content": system}] if system else []
    return [*head, {"role": "user", "content": prompt}]


def generate_text(
    client: Any,
    messages: list[dict[str, str]],
    settings: dict[str, Any],
    tell: Tell | None = None,
) -> tuple[str, int]:
    """One whole answer and its length in tokens (``tell`` hears how far it has got)."""
    allowed = GenerationSettings.__dataclass_fields__
    chosen = GenerationSettings(**{k: v for k, v in settings.items() if k in allowed})
    with client.generate(messages, chosen) as gen:
        for i, _token in enumerate(gen, start=1):
            if tell is not None and i % 4 == 0:
                tell(f"{i} tokens")
    result = gen.result
    return (str(result.text), len(result.tokens)) if result is not None else ("", 0)


def write_pair(
    client: Any,
    prompt: str,
    messages: list[dict[str, str]],
    settings: tuple[dict[str, Any], dict[str, Any]],
    tell: Tell,
) -> reward_lab.Pair:
    """Answers A and B to ``prompt``, one after the other (``tell`` hears 'A: 12 tokens')."""
    settings_a, settings_b = settings
    text_a, n_a = generate_text(client, messages, settings_a, lambda k: tell(f"A: {k}"))
    text_b, n_b = generate_text(client, messages, settings_b, lambda k: tell(f"B: {k}"))
    return reward_lab.Pair(prompt, text_a, text_b, settings_a, settings_b, n_a, n_b)
