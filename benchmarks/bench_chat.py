"""Benchmark faster chat turns: the time to first token of a chat's fifth turn against its
first, on the default model, with the KV-cache prefix reuse on and off.

A chat re-sends the whole conversation each turn (the playground does). Without reuse the
worker evaluates all of it again, so each turn's first token comes later than the one before;
with reuse the worker evaluates a chat's answer again in one batch while the learner reads it
and types (``Engine.settle``), so the next turn evaluates only its new question. Each turn here
waits ``--think`` seconds (a learner reading) before the next. Target: turn 5 / turn 1 <= 1.2
with reuse.

Two workers run side by side, one started with ``LLM_TUTOR_KV_REUSE=0``, in alternating rounds
(background load on a shared machine hits both alike). Each round is a fresh chat (a next-token
call clears the cache first) of five greedy turns; both workers give the same answers, which
the script checks. Time to first token is measured in this process: from ``generate`` to the
first token out of the pipe. Prints the median per turn, the prompt sizes and the ratios::

    python benchmarks/bench_chat.py [--rounds 3] [--tokens 48] [--think 1.0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYSTEM = "You are a helpful assistant. Answer clearly."
TURNS = [
    "What is a large language model?",
    "How does it choose the next word?",
    "What does temperature change?",
    "Why can it make mistakes?",
    "Give me one tip for writing a good prompt.",
]


def start_client(reuse: bool) -> Any:
    """A worker with the default model; the reuse flag is read from its environment."""
    from tutor.runtime.client import ModelClient
    from tutor.runtime.engine import KV_REUSE_ENV

    os.environ[KV_REUSE_ENV] = "1" if reuse else "0"
    client = ModelClient(n_ctx=2048)
    client.start()
    os.environ.pop(KV_REUSE_ENV, None)
    return client


def one_chat(client: Any, tokens: int, think: float) -> tuple[list[float], list[int], list[str]]:
    """A fresh five-turn chat: time to first token, prompt tokens and answer of each turn."""
    from tutor.runtime.types import GenerationSettings

    settings = GenerationSettings(temperature=0.0, max_tokens=tokens, seed=0)
    client.next_token("Hello")  # a fresh evaluation: the chat starts with a cleared cache
    messages = [{"role": "system", "content": SYSTEM}]
    ttft, sizes, answers = [], [], []
    for question in TURNS:
        messages.append({"role": "user", "content": question})
        t0 = time.perf_counter()
        first: float | None = None
        with client.generate(messages, settings) as gen:
            for _token in gen:
                if first is None:
                    first = time.perf_counter() - t0
        result = gen.result
        ttft.append(first if first is not None else time.perf_counter() - t0)
        sizes.append(result.prompt_tokens)
        answers.append(result.text)
        messages.append({"role": "assistant", "content": result.text})
        time.sleep(think)  # the learner reads the answer and types the next question
    return ttft, sizes, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="chats per worker (default 3)")
    parser.add_argument("--tokens", type=int, default=48, help="tokens per answer (default 48)")
    parser.add_argument("--think", type=float, default=1.0, help="seconds between turns (1.0)")
    args = parser.parse_args()
    clients = {"reuse on": start_client(True), "reuse off": start_client(False)}
    times: dict[str, list[list[float]]] = {name: [] for name in clients}
    sizes: list[int] = []
    try:
        for _ in range(args.rounds):
            answers: dict[str, list[str]] = {}
            for name, client in clients.items():
                ttft, sizes, answers[name] = one_chat(client, args.tokens, args.think)
                times[name].append(ttft)
            same = answers["reuse on"] == answers["reuse off"]
            print(f"round: answers identical with and without reuse: {same}")
    finally:
        for client in clients.values():
            client.close()
    print(f"\nprompt tokens per turn: {sizes}")
    print("median time to first token (ms):")
    for name, rounds in times.items():
        medians = [statistics.median(turn) * 1000 for turn in zip(*rounds, strict=True)]
        cells = "  ".join(f"t{i + 1} {ms:6.1f}" for i, ms in enumerate(medians))
        print(f"  {name:9}  {cells}   turn 5 / turn 1 = {medians[4] / medians[0]:.2f}x")
    print("target: turn 5 / turn 1 <= 1.2x with reuse on")


if __name__ == "__main__":
    main()
