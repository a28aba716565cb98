"""``llm-tutor tokens``, ``next`` and ``generate``: the live lab, in the plain terminal.

Each prints a readable view by default (bars drawn with eighth blocks, so magnitudes read
without colour or with a screen reader) and, with ``--json``, exactly the shapes documented in
docs/plain.md (a public interface; tests/plain/test_lab_commands.py checks their key sets):

- ``tokens TEXT`` → ``[{"id", "text", "bytes", "special", "byte_fallback"}, ...]``;
- ``next PROMPT`` → ``{"prompt_tokens": [...], "candidates": [{"id", "text", "logit", "prob"},
  ...]}``, plus ``"draws"`` with ``--seed``;
- ``generate PROMPT`` → one JSON line per generated token ``{"index", "id", "text", "prob",
  "sampled_prob", "alternatives"}``, then one summary line with ``"done": true``.

The sampler settings reshape the distribution with :func:`tutor.explain.sampling.sampler_chain`,
the same functions the worker samples with, so ``next`` shows what ``generate`` draws from.
A ``PROMPT`` of ``-`` is read from standard input. Bad input (an option out of range, an empty
prompt) prints one line on stderr and exits with 2; model errors print one line and exit with 1.

This module holds the three parsers and ``tokens``; ``next`` and ``generate`` are in
``lab_next`` and ``lab_generate`` (imported when one runs: they load numpy), and what they share
in ``lab_common``.
"""

from __future__ import annotations

import argparse

from tutor.drawing import token_label
from tutor.plain.common import later
from tutor.plain.lab_common import (
    LABEL_WIDTH,
    LLAMA_DEFAULTS,
    OFF,
    label,
    piece_json,
    print_json,
)
from tutor.plain.model_command import guard, model_options, open_client, text_argument

DEFAULT_MAX_TOKENS = 64  # as the generation explorer
DEFAULT_DRAWS = 100  # as the sampler lab's "draw 100"


# -- the parsers -------------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``tokens``, ``next`` and ``generate`` to the app's argparse subparsers."""
    formatter = argparse.RawDescriptionHelpFormatter
    tokens = subparsers.add_parser(
        "tokens",
        help="split text into the model's tokens (ids, exact bytes, special tokens)",
        description="Show how the model splits TEXT into tokens.",
        epilog='example:\n  llm-tutor tokens "Hello world, unbelievable!"\n'
        "  echo 'from a file' | llm-tutor tokens - --json",
        formatter_class=formatter,
    )
    text_argument(tokens, "text", "the text to split", allow_blank=True)
    tokens.add_argument(
        "--parse-special",
        action="store_true",
        help="turn text such as <|im_start|> into its control token",
    )
    model_options(tokens)
    tokens.set_defaults(func=guard(cmd_tokens))

    nxt = subparsers.add_parser(
        "next",
        help="the model's next-token probabilities, optionally reshaped by the sampler chain",
        description="Show the most likely next tokens after PROMPT.\n\n"
        "Without sampler options the probabilities are the plain softmax. Sampler options\n"
        "reshape them in llama.cpp's order (penalty, top-k, top-p, min-p, temperature); the\n"
        "ones not given are off. --seed also draws tokens from the reshaped distribution.",
        epilog='example:\n  llm-tutor next "The capital of France is"\n'
        '  llm-tutor next "The cat sat on the" --temperature 1.5 --top-k 5 --json',
        formatter_class=formatter,
    )
    text_argument(nxt, "prompt", "the text so far")
    nxt.add_argument(
        "--top", metavar="N", type=int, default=10, help="how many candidates (default 10)"
    )
    _sampling_options(nxt, defaults_off=True)
    nxt.add_argument(
        "--seed", metavar="S", type=int, help="draw tokens from the distribution with this seed"
    )
    nxt.add_argument(
        "--draws",
        metavar="D",
        type=int,
        default=DEFAULT_DRAWS,
        help=f"how many tokens --seed draws (default {DEFAULT_DRAWS})",
    )
    model_options(nxt)
    nxt.set_defaults(func=guard(later("tutor.plain.lab_next", "cmd_next")))

    gen = subparsers.add_parser(
        "generate",
        help="generate text token by token, with each token's probability and alternatives",
        description="Continue PROMPT (or answer it as a chat with --chat), showing each\n"
        "token's probability and the model's alternatives.\n\n"
        "Sampler options not given take llama.cpp's defaults (temperature 0.8, top-k 40,\n"
        "top-p 0.95, min-p 0.05). The seed is printed, so a run can be repeated.",
        epilog='example:\n  llm-tutor generate "Once upon a time" --seed 1 --max-tokens 20\n'
        '  llm-tutor generate "What is a token?" --chat --system "Answer in one sentence." '
        "--temperature 0",
        formatter_class=formatter,
    )
    text_argument(gen, "prompt", "the text to continue")
    gen.add_argument(
        "--chat", action="store_true", help="send PROMPT as a user turn with the chat template"
    )
    gen.add_argument("--system", metavar="S", help="a system prompt (implies --chat)")
    _sampling_options(gen, defaults_off=False)
    gen.add_argument(
        "--seed", metavar="S", type=int, help="random seed (default: a fresh one, printed)"
    )
    gen.add_argument(
        "--max-tokens",
        metavar="N",
        type=int,
        default=DEFAULT_MAX_TOKENS,
        help=f"stop after this many tokens (default {DEFAULT_MAX_TOKENS})",
    )
    gen.add_argument(
        "--top", metavar="N", type=int, default=5, help="alternatives per token (default 5)"
    )
    model_options(gen)
    gen.set_defaults(func=guard(later("tutor.plain.lab_generate", "cmd_generate")))


def _sampling_options(parser: argparse.ArgumentParser, *, defaults_off: bool) -> None:
    """The sampler chain's five settings, with llama.cpp's meaning (None: not given)."""
    chain = OFF if defaults_off else LLAMA_DEFAULTS

    def unset(value: float, off: float) -> str:
        return "if not given: off" if value == off else f"if not given: {value:g}"

    options = (
        ("--temperature", "T", float, "0 = greedy, below 1 sharpens, above 1 flattens",
         chain.temperature, -1.0),
        ("--top-k", "K", int, "keep the K most likely tokens; 0 = off", chain.top_k, 0),
        ("--top-p", "P", float, "keep the best tokens until they hold P of the probability; "
         "1 = off", chain.top_p, 1.0),
        ("--min-p", "M", float, "drop tokens less likely than M × the best one; 0 = off",
         chain.min_p, 0.0),
        ("--repeat-penalty", "R", float, "make the last 64 tokens (prompt included) less "
         "likely; 1 = off", chain.repeat_penalty, 1.0),
    )  # fmt: skip
    for flag, metavar, kind, what, value, off in options:
        parser.add_argument(flag, metavar=metavar, type=kind, help=f"{what} ({unset(value, off)})")


# -- tokens ------------------------------------------------------------------------------------


def cmd_tokens(args: argparse.Namespace) -> int:
    """Print the tokens of TEXT: spans, then one line per token with its id and bytes."""
    text = args.text  # read and checked by guard
    with open_client(args) as client:
        pieces = client.tokenize(text, add_special=True, parse_special=args.parse_special)
    if args.json:
        print_json([piece_json(p) for p in pieces])
        return 0
    n_bytes = len(text.encode("utf-8"))
    print(f"{len(text)} characters, {n_bytes} bytes, {len(pieces)} tokens")
    print("│" + "│".join(token_label(p.text) for p in pieces) + "│")
    print(f"{'#':>4} {'id':>7}  {'token':<{LABEL_WIDTH}} bytes")
    for i, p in enumerate(pieces):
        kind = " (special)" if p.special else " (byte fallback)" if p.byte_fallback else ""
        print(f"{i:4d} {p.id:7d}  {label(p.text)} {p.bytes.hex(' ')}{kind}")
    return 0
