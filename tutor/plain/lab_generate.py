"""``llm-tutor generate``: text token by token, each token's probability and alternatives.

Streams the text as it comes (or one JSON line per token, shape in docs/plain.md), then a
table of every step. Sampler settings not given take llama.cpp's defaults; the seed is
printed so a run can be repeated.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
from collections.abc import Sequence
from typing import Any

from tutor.core.sanitize import clean_text
from tutor.drawing import bar, token_label
from tutor.plain.lab_common import (
    LABEL_WIDTH,
    LLAMA_DEFAULTS,
    MAX_SEED,
    chain_from,
    in_range,
    label,
    print_json,
)
from tutor.plain.model_command import open_client
from tutor.runtime.errors import ModelRuntimeError

MAX_GENERATE = 1024
STEP_BAR_WIDTH = 12  # narrower than next's bars: the alternatives share the line
MIN_ALTERNATIVES_WIDTH = 20


def cmd_generate(args: argparse.Namespace) -> int:
    """Generate token by token: the text as it comes, then each token's probability."""
    from tutor.runtime.types import GenerationSettings

    prompt = args.prompt  # read and checked by guard
    in_range(args.seed, 0, MAX_SEED - 1, "--seed")
    in_range(args.max_tokens, 1, MAX_GENERATE, "--max-tokens")
    in_range(args.top, 0, 100, "--top")
    chain = chain_from(args, LLAMA_DEFAULTS)
    seed = args.seed if args.seed is not None else secrets.randbelow(MAX_SEED)
    settings = GenerationSettings(
        temperature=chain.temperature,
        top_k=chain.top_k,
        top_p=chain.top_p,
        min_p=chain.min_p,
        repeat_penalty=chain.repeat_penalty,
        seed=seed,
        max_tokens=args.max_tokens,
        top_n=args.top,
    )
    chat = args.chat or bool(args.system)
    model_input: Any = prompt
    if chat:
        model_input = ([{"role": "system", "content": args.system}] if args.system else []) + [
            {"role": "user", "content": prompt}
        ]
    with open_client(args) as client, client.generate(model_input, settings) as generation:
        for token in generation:
            _print_token(token, args.json)
        result = generation.result
    if result is None:  # the worker ended the stream without a result: nothing to sum up
        raise ModelRuntimeError("the generation ended without a result")
    summary = {
        "done": True,
        "text": result.text,
        "finish_reason": result.finish_reason,
        "generated_tokens": len(result.tokens),
        "prompt_tokens": result.prompt_tokens,
        "seed": seed,
        "settings": {**chain.as_dict(), "max_tokens": args.max_tokens},
        "chat": chat,
        "tokens_per_second": round(result.tokens_per_second, 1),
    }
    if args.json:
        print_json(summary)
        return 0
    _print_steps(result.tokens)
    print(
        f"{len(result.tokens)} tokens (finish: {result.finish_reason}), "
        f"{result.tokens_per_second:.0f} tokens/s"
    )
    print(f"settings: {chain.describe()}")
    if chain.temperature == 0:
        print("temperature 0 (greedy): the same text every time")
    else:
        print(f"seed {seed}: add --seed {seed} to get the same text again")
    return 0


def token_json(token: Any) -> dict[str, Any]:
    """One generated token as JSON (``text`` is the newly complete text: concatenated over the
    lines it is the generated text; the token's own piece is in ``llm-tutor tokens``)."""
    return {
        "index": token.index,
        "id": int(token.token.id),
        "text": token.text,
        "prob": round(float(token.prob), 6),
        "sampled_prob": round(float(token.sampled_prob), 6),
        "alternatives": [
            {"id": int(c.token.id), "text": c.token.text, "prob": round(float(c.prob), 6)}
            for c in token.alternatives
        ],
    }


def _print_token(token: Any, as_json: bool) -> None:
    """Stream one token: its JSON line, or its text as it comes (control characters made
    visible, so model output can never drive the terminal)."""
    if as_json:
        print_json(token_json(token))
        return
    sys.stdout.write(clean_text(token.text))
    sys.stdout.flush()


def _fitting(items: Sequence[str], width: int) -> str:
    """As many whole items as fit in ``width`` characters, comma-separated."""
    shown = ""
    for item in items:
        longer = f"{shown}, {item}" if shown else item
        if len(longer) > width:
            break
        shown = longer
    return shown


def _print_steps(tokens: Sequence[Any]) -> None:
    """After the text: each step's token, the model's probability as a bar, the probability it
    was drawn with, and as many of the best alternatives as fit the terminal's width."""
    fixed = 4 + 1 + LABEL_WIDTH + 1 + STEP_BAR_WIDTH + 8 + 9 + 2  # the columns before them
    room = max(MIN_ALTERNATIVES_WIDTH, shutil.get_terminal_size().columns - 1 - fixed)
    print("\n")
    print(
        f"{'step':>4} {label('token')} {'model p':<{STEP_BAR_WIDTH + 7}} {'drawn p':>8}  "
        "alternatives"
    )
    for t in tokens:
        alts = _fitting(
            [
                f"{token_label(c.token.text)} {c.prob:.0%}"
                for c in t.alternatives
                if c.token.id != t.token.id
            ],
            room,
        )
        print(
            f"{t.index:4d} {label(t.token.text)} {bar(t.prob, STEP_BAR_WIDTH)} {t.prob:6.1%} "
            f"{t.sampled_prob:8.1%}  {alts}".rstrip()
        )
