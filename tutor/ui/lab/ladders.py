"""The values the lab's setting keys step through (``t``/``T`` temperature, ``k``/``K`` top-k,
...), one ladder per setting, shared by the generation explorer and the prompt playground so
the same key gives the same next value in both.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tutor.runtime.types import GenerationSettings

TEMPERATURES = (0.0, 0.2, 0.5, 0.7, 0.8, 1.0, 1.2, 1.5, 2.0)
TOP_KS = (0, 1, 5, 10, 20, 40, 100)
TOP_PS = (0.5, 0.8, 0.9, 0.95, 1.0)
MIN_PS = (0.0, 0.02, 0.05, 0.1, 0.2)
MAX_TOKENS = (16, 32, 64, 128, 256)
LADDERS: dict[str, tuple[Any, ...]] = {
    "temperature": TEMPERATURES,
    "top_k": TOP_KS,
    "top_p": TOP_PS,
    "min_p": MIN_PS,
    "max_tokens": MAX_TOKENS,
}


def step_to(values: tuple[Any, ...], current: Any, direction: int) -> Any:
    """The next value of ``values`` above (1) or below (-1) ``current``, clamped."""
    if direction > 0:
        return next((v for v in values if v > current), values[-1])
    return next((v for v in reversed(values) if v < current), values[0])


def stepped(
    settings: GenerationSettings,
    name: str,
    direction: int,
    ladders: dict[str, tuple[Any, ...]],
) -> GenerationSettings:
    """``settings`` with one setting a step up (1) or down (-1): the seed by one, any other
    along its ladder of values (the generation explorer and the playground step alike)."""
    if name == "seed":
        value: Any = max(0, (settings.seed or 0) + direction)
    else:
        value = step_to(ladders[name], getattr(settings, name), direction)
    return replace(settings, **{name: value})
