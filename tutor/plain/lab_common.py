"""What the plain lab commands (``tokens``, ``next``, ``generate``) share: the sampler
settings as given on the command line, checking them, and the output cells.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, replace
from typing import Any

from tutor.drawing import token_label
from tutor.plain.model_command import BadInput

BAR_WIDTH = 20
LABEL_WIDTH = 14
MAX_TEMPERATURE = 10.0  # as a lesson's demo block allows (tutor.core.demo.DemoSpec)
MAX_PENALTY = 10.0
MAX_SEED = 2**32


@dataclass(frozen=True)
class Chain:
    """The five sampler settings a command runs with (llama.cpp's meaning)."""

    temperature: float
    top_k: int
    top_p: float
    min_p: float
    repeat_penalty: float

    def describe(self) -> str:
        """The settings as one readable line, the ones that are off left out."""
        t = self.temperature
        parts = [
            "temperature 0 (greedy)" if t == 0 else f"temperature {t:g}" if t != 1 else "",
            f"top-k {self.top_k}" if self.top_k > 0 else "",
            f"top-p {self.top_p:g}" if self.top_p < 1 else "",
            f"min-p {self.min_p:g}" if self.min_p > 0 else "",
            f"repeat penalty {self.repeat_penalty:g}" if self.repeat_penalty != 1 else "",
        ]
        return ", ".join(p for p in parts if p) or "none (the plain softmax)"

    def as_dict(self) -> dict[str, float | int]:
        """The settings for JSON, by their GenerationSettings names."""
        return {
            "temperature": self.temperature,
            "top_k": self.top_k,
            "top_p": self.top_p,
            "min_p": self.min_p,
            "repeat_penalty": self.repeat_penalty,
        }


OFF = Chain(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.0)
LLAMA_DEFAULTS = Chain(temperature=0.8, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0)


def chain_from(args: argparse.Namespace, base: Chain) -> Chain:
    """The settings given on the command line over ``base``, each checked (flag names in the
    messages, so the learner knows which one to fix)."""
    given = {
        "temperature": args.temperature,
        "top_k": args.top_k,
        "top_p": args.top_p,
        "min_p": args.min_p,
        "repeat_penalty": args.repeat_penalty,
    }
    chain = replace(base, **{k: v for k, v in given.items() if v is not None})
    _check(0 <= chain.temperature <= MAX_TEMPERATURE, "--temperature", "between 0 and 10", given)
    _check(chain.top_k >= 0, "--top-k", "0 (off) or more", given)
    _check(0 < chain.top_p <= 1, "--top-p", "above 0 and at most 1", given)
    _check(0 <= chain.min_p <= 1, "--min-p", "between 0 and 1", given)
    _check(
        0 < chain.repeat_penalty <= MAX_PENALTY, "--repeat-penalty", "above 0, at most 10", given
    )
    return chain


def _check(ok: bool, flag: str, rule: str, given: dict[str, Any]) -> None:
    if not ok:
        value = given[flag.removeprefix("--").replace("-", "_")]
        raise BadInput(f"{flag} must be {rule} (got {value:g})")


def in_range(value: int | None, low: int, high: int, flag: str) -> None:
    if value is not None and not low <= value <= high:
        raise BadInput(f"{flag} must be between {low} and {high} (got {value})")


def print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False), flush=True)


def piece_json(piece: Any) -> dict[str, Any]:
    """One token as JSON: id, text, exact bytes in hex, and its kind."""
    return {
        "id": int(piece.id),
        "text": piece.text,
        "bytes": piece.bytes.hex(),
        "special": bool(piece.special),
        "byte_fallback": bool(piece.byte_fallback),
    }


def label(text: str) -> str:
    """A token as one visible, fixed-width cell (spaces as '·', newlines as '⏎')."""
    shown = token_label(text)
    if len(shown) > LABEL_WIDTH:
        shown = shown[: LABEL_WIDTH - 1] + "…"
    return f"{shown:<{LABEL_WIDTH}}"
