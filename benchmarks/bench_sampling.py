"""Benchmark the sampler maths on the default model's real next-token logits.

Prints two figures:

* re-shaping the full 49,152-token distribution after a settings change (the sampler lab
  calls ``sampler_chain`` on cached logits; no model call): median ms, target <= 5 ms;
* the worker's per-token sampling cost with the default settings (top-k 40, top-p 0.95,
  min-p 0.05, temperature 0.8), in µs, beside a decode step of about 9 ms.

Run::

    python benchmarks/bench_sampling.py [--rounds 300]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROMPT = "Once upon a time, in a small village at the edge of a great forest, there lived"

# Settings a learner might step through in the sampler lab: (temperature, top_k, top_p, min_p,
# repeat_penalty). Includes the expensive cases: top-k off (a full sort) and a penalty.
SETTINGS = [
    (0.8, 40, 0.95, 0.05, 1.0),
    (1.0, 0, 1.0, 0.0, 1.0),
    (1.5, 0, 0.9, 0.0, 1.0),
    (0.7, 0, 1.0, 0.1, 1.3),
    (0.0, 10, 0.5, 0.0, 1.1),
    (1.2, 100, 0.99, 0.02, 1.0),
]


def real_logits() -> tuple[np.ndarray, list[int]]:
    """The default model's logits after PROMPT, and the prompt's token ids (the history)."""
    from tutor.runtime import ModelClient

    with ModelClient() as client:
        dist = client.next_token(PROMPT)
    return dist.logits, [t.id for t in dist.prompt_tokens]


def time_reshape(logits: np.ndarray, history: list[int], rounds: int) -> list[float]:
    """Milliseconds per sampler_chain call, cycling through SETTINGS."""
    from tutor.explain.sampling import sampler_chain

    times = []
    for (t, k, p, m, r), _ in zip(itertools.cycle(SETTINGS), range(rounds), strict=False):
        start = time.perf_counter()
        sampler_chain(
            logits, temperature=t, top_k=k, top_p=p, min_p=m, repeat_penalty=r, history=history
        )
        times.append((time.perf_counter() - start) * 1e3)
    return times


def time_per_token(logits: np.ndarray, history: list[int], rounds: int) -> list[float]:
    """Microseconds per worker sample() call with the default settings."""
    from tutor.runtime.sampling import sample
    from tutor.runtime.types import GenerationSettings

    settings = GenerationSettings(seed=0)
    rng = np.random.default_rng(0)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        sample(logits, settings, history, rng)
        times.append((time.perf_counter() - start) * 1e6)
    return times


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300, help="timed calls per figure")
    args = parser.parse_args()
    logits, history = real_logits()
    reshape = time_reshape(logits, history, args.rounds)
    per_token = time_per_token(logits, history, args.rounds)
    print(f"default model, vocabulary {logits.shape[0]}, {args.rounds} calls each")
    print(
        f"re-shape after a settings change   median {statistics.median(reshape):6.2f} ms"
        f"  (p90 {np.percentile(reshape, 90):.2f})   target <= 5 ms"
    )
    print(
        f"worker sampling per token (defaults) median {statistics.median(per_token):5.0f} µs"
        f"  (p90 {np.percentile(per_token, 90):.0f})"
    )


if __name__ == "__main__":
    main()
