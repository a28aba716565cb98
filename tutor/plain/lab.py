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
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tutor.core.sanitize import clean_text
from tutor.drawing import bar, token_label
from tutor.explain.sampling import Stage, draw, entropy_bits, sampler_chain, softmax
from tutor.plain.model_command import BadInput, guard, model_options, open_client, text_argument
from tutor.runtime.errors import ModelRuntimeError

BAR_WIDTH = 20
LABEL_WIDTH = 14
MAX_TEMPERATURE = 10.0  # as a lesson's demo block allows (tutor.core.demo.DemoSpec)
MAX_PENALTY = 10.0
MAX_GENERATE = 1024
MAX_SEED = 2**32
DEFAULT_MAX_TOKENS = 64  # as the generation explorer
DEFAULT_DRAWS = 100  # as the sampler lab's "draw 100"
STEP_BAR_WIDTH = 12  # narrower than next's bars: the alternatives share the line
MIN_ALTERNATIVES_WIDTH = 20


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
    nxt.set_defaults(func=guard(cmd_next))

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
    gen.set_defaults(func=guard(cmd_generate))


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


# -- input and settings ------------------------------------------------------------------------


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


def _in_range(value: int | None, low: int, high: int, flag: str) -> None:
    if value is not None and not low <= value <= high:
        raise BadInput(f"{flag} must be between {low} and {high} (got {value})")


def _print_json(data: object) -> None:
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


def _label(text: str) -> str:
    """A token as one visible, fixed-width cell (spaces as '·', newlines as '⏎')."""
    shown = token_label(text)
    if len(shown) > LABEL_WIDTH:
        shown = shown[: LABEL_WIDTH - 1] + "…"
    return f"{shown:<{LABEL_WIDTH}}"


# -- tokens ------------------------------------------------------------------------------------


def cmd_tokens(args: argparse.Namespace) -> int:
    """Print the tokens of TEXT: spans, then one line per token with its id and bytes."""
    text = args.text  # read and checked by guard
    with open_client(args) as client:
        pieces = client.tokenize(text, add_special=True, parse_special=args.parse_special)
    if args.json:
        _print_json([piece_json(p) for p in pieces])
        return 0
    n_bytes = len(text.encode("utf-8"))
    print(f"{len(text)} characters, {n_bytes} bytes, {len(pieces)} tokens")
    print("│" + "│".join(token_label(p.text) for p in pieces) + "│")
    print(f"{'#':>4} {'id':>7}  {'token':<{LABEL_WIDTH}} bytes")
    for i, p in enumerate(pieces):
        kind = " (special)" if p.special else " (byte fallback)" if p.byte_fallback else ""
        print(f"{i:4d} {p.id:7d}  {_label(p.text)} {p.bytes.hex(' ')}{kind}")
    return 0


# -- next --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reshaped:
    """A next-token distribution after the sampler chain, ready to print."""

    stages: list[Stage]
    final: dict[int, float]  # id → probability after the whole chain (survivors only)
    removed_by: dict[int, str]  # id → the stage that removed it


def reshape(logits: np.ndarray, chain: Chain, history: Sequence[int]) -> Reshaped:
    """The chain over the whole vocabulary (tutor.explain.sampling: the worker's own code)."""
    stages = sampler_chain(
        logits,
        temperature=chain.temperature,
        top_k=chain.top_k,
        top_p=chain.top_p,
        min_p=chain.min_p,
        repeat_penalty=chain.repeat_penalty,
        history=history,
    )
    last = stages[-1]  # the distribution a token would be drawn from
    final = dict(zip(last.ids.tolist(), last.probs.tolist(), strict=True))
    removed_by = {int(i): stage.name for stage in stages for i in stage.removed}
    return Reshaped(stages, final, removed_by)


def cmd_next(args: argparse.Namespace) -> int:
    """Print the most likely next tokens, their logits and (reshaped) probabilities."""
    prompt = args.prompt  # read and checked by guard
    _in_range(args.top, 1, 1000, "--top")
    _in_range(args.seed, 0, MAX_SEED - 1, "--seed")
    _in_range(args.draws, 1, 100_000, "--draws")
    chain = chain_from(args, OFF)
    with open_client(args) as client:
        dist = client.next_token(prompt, top_n=1)
        history = [p.id for p in dist.prompt_tokens]
        shaped = reshape(dist.logits, chain, history)
        # Best first by the penalised logits: the chain only ever keeps a prefix of this order,
        # so the survivors come first, best first, then the tokens it removed.
        ids = shaped.stages[0].ids[: args.top].tolist()
        drawn = _draws(shaped.stages[-1], args.seed, args.draws) if args.seed is not None else {}
        names = {p.id: p for p in client.pieces(sorted(set(ids) | set(drawn)))}
    candidates = [
        {
            "id": i,
            "text": names[i].text,
            "logit": round(float(dist.logits[i]), 4),
            "prob": round(shaped.final.get(i, 0.0), 6),
        }
        for i in ids
    ]
    if args.json:
        data: dict[str, Any] = {
            "prompt_tokens": [piece_json(p) for p in dist.prompt_tokens],
            "candidates": candidates,
        }
        if args.seed is not None:
            data["draws"] = [{"id": i, "text": names[i].text, "count": n} for i, n in drawn.items()]
        _print_json(data)
        return 0
    _print_next(dist, chain, shaped, candidates)
    if args.seed is not None:
        _print_draws(drawn, names, args.seed, args.draws, shaped.final)
    return 0


def _draws(final: Stage, seed: int, n: int) -> dict[int, int]:
    """``n`` tokens drawn from the chain's last stage with ``seed``: id → count, most first."""
    rng = np.random.default_rng(seed)
    counts: dict[int, int] = {}
    for _ in range(n):
        token = draw(final, rng)  # the chain's own last step, as the sampler lab draws
        counts[token] = counts.get(token, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _print_next(
    dist: Any, chain: Chain, shaped: Reshaped, candidates: list[dict[str, Any]]
) -> None:
    reshaped = chain != OFF
    model_probs = softmax(dist.logits)  # (n_vocab,) the model's own view, temperature 1
    print(f"after {len(dist.prompt_tokens)} prompt tokens; sampler settings: {chain.describe()}")
    head = "after the chain (model)" if reshaped else "probability"
    print(f"{'rank':>4} {'token':<{LABEL_WIDTH}} {head:<{BAR_WIDTH + 8}} logit")
    for rank, c in enumerate(candidates, start=1):
        model = float(model_probs[c["id"]])
        if c["id"] in shaped.final:
            cells = f"{bar(c['prob'], BAR_WIDTH)} {c['prob']:6.1%}"
            extra = f" ({model:.1%})" if reshaped else ""
        else:
            cells = f"{'✗ ' + shaped.removed_by.get(c['id'], ''):<{BAR_WIDTH}} {0:6.1%}"
            extra = f" ({model:.1%})"
        print(f"{rank:4d} {_label(c['text'])} {cells} {c['logit']:8.2f}{extra}")
    shown = sum(c["prob"] for c in candidates)
    last = shaped.stages[-1]
    kept = f"{len(last.ids)} of {len(dist.logits)} tokens left; " if reshaped else ""
    print(
        f"{kept}entropy {entropy_bits(last.probs) + 0.0:.2f} bits; "
        f"the {len(candidates)} shown hold {shown:.1%} of the probability"
    )


def _print_draws(
    drawn: dict[int, int], names: dict[int, Any], seed: int, n: int, final: dict[int, float]
) -> None:
    print(f"{n} draws with seed {seed} (drawn, then expected):")
    top = max(drawn.values())
    for i, count in list(drawn.items())[:10]:
        expected = final.get(i, 0.0) * n
        print(
            f"     {_label(names[i].text)} {bar(count / top, BAR_WIDTH)} {count:5d} {expected:7.1f}"
        )
    if len(drawn) > 10:
        print(f"     ... and {len(drawn) - 10} other tokens")


# -- generate ----------------------------------------------------------------------------------


def cmd_generate(args: argparse.Namespace) -> int:
    """Generate token by token: the text as it comes, then each token's probability."""
    from tutor.runtime.types import GenerationSettings

    prompt = args.prompt  # read and checked by guard
    _in_range(args.seed, 0, MAX_SEED - 1, "--seed")
    _in_range(args.max_tokens, 1, MAX_GENERATE, "--max-tokens")
    _in_range(args.top, 0, 100, "--top")
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
        _print_json(summary)
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
        _print_json(token_json(token))
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
        f"{'step':>4} {_label('token')} {'model p':<{STEP_BAR_WIDTH + 7}} {'drawn p':>8}  "
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
            f"{t.index:4d} {_label(t.token.text)} {bar(t.prob, STEP_BAR_WIDTH)} {t.prob:6.1%} "
            f"{t.sampled_prob:8.1%}  {alts}".rstrip()
        )
