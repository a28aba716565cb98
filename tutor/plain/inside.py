"""``llm-tutor attention``, ``embed`` and ``lens``: inside the model, in the plain terminal.

Each prints a readable view by default and exactly the JSON shapes of issue 11 with ``--json``:

- ``attention PROMPT [--layer L] [--head H] [--by-hand] [--json]`` →
  ``{"tokens": [...], "weights": [layers][heads][T][T]}``; a given ``--layer`` / ``--head``
  drops that axis (and adds ``"layer"`` / ``"head"``). ``--by-hand`` recomputes one query row
  (``--query``, default the last token) step by step and reports ``"max_abs_diff"`` against
  llama.cpp over every layer and head of the prompt.
- ``embed TEXT... [--json]`` → ``{"items": [...], "representation": "...", "similarity": [[...]]}``.
- ``lens PROMPT [--all] [--json]`` → ``{"tokens": [...], "layers": [{"layer": i, "top": [{"id",
  "text", "prob"}, ...]}, ...]}`` for the last position; with ``--all`` each layer has
  ``"positions": [{"position": p, "top": [...]}, ...]`` instead of ``"top"``.

A ``PROMPT`` of ``-`` is read from standard input. Bad input (an empty prompt, layer or head
out of range, a prompt over the capture limit) prints one line and exits with 2; model errors
print one line and exit with 1.

The parsers are here and the commands in :mod:`tutor.plain.inside_commands`, imported when one
runs, so opening the app does not load numpy.
"""

from __future__ import annotations

import argparse

from tutor.plain.common import later
from tutor.plain.model_command import guard, model_options, text_argument

COMMANDS = "tutor.plain.inside_commands"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``attention``, ``embed`` and ``lens`` to the app's argparse subparsers."""
    att = subparsers.add_parser(
        "attention", help="show the model's attention weights for a prompt (per layer and head)"
    )
    text_argument(att, "prompt", "the text to run through the model")
    att.add_argument("--layer", type=int, help="one layer (0-based)")
    att.add_argument("--head", type=int, help="one head (0-based)")
    att.add_argument(
        "--by-hand", action="store_true", help="recompute one query's attention step by step"
    )
    att.add_argument("--query", type=int, help="query position for --by-hand (default: last)")
    model_options(att)
    att.set_defaults(func=guard(later(COMMANDS, "cmd_attention")))
    emb = subparsers.add_parser("embed", help="compare words or phrases by embedding similarity")
    emb.add_argument("texts", nargs="+", metavar="TEXT", help="two or more words or phrases")
    emb.add_argument(
        "--representation",
        choices=("auto", "token", "phrase"),
        default="auto",
        help="token: input embeddings (single words); phrase: centred middle-layer states",
    )
    model_options(emb)
    emb.set_defaults(func=guard(later(COMMANDS, "cmd_embed")))
    lens = subparsers.add_parser(
        "lens", help="the logit lens: each layer's top next-token guesses for a prompt"
    )
    text_argument(lens, "prompt", "the text to run through the model")
    lens.add_argument("--all", action="store_true", help="every position, not only the last")
    lens.add_argument("--top", type=int, default=5, help="guesses per layer (default 5)")
    model_options(lens)
    lens.set_defaults(func=guard(later(COMMANDS, "cmd_lens")))
