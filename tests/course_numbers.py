"""An independent formula for every numeric quiz answer of the built-in course.

Each formula is written from the question's prompt (the numbers it gives and the method the
lesson teaches), never copied from the stored answer, so a wrong answer or a wrong tolerance in
a quiz file shows up as a mismatch. Used by tests/test_course_numbers.py and by
benchmarks/editorial_check.py. Keys are (quiz file stem, question id).
"""

from __future__ import annotations

import math
from collections.abc import Callable


def softmax_first(*logits: float, temperature: float = 1.0) -> float:
    """The softmax probability of the first logit."""
    scaled = [x / temperature for x in logits]
    return math.exp(scaled[0]) / sum(math.exp(x) for x in scaled)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def bigram_cat_given_the() -> float:
    """P(cat | the) by counting bigrams in the question's three sentences."""
    corpus = ["the cat sat on the mat", "the cat ate the fish", "the dog sat on the rug"]
    pairs = [
        (a, b) for line in corpus for a, b in zip(line.split(), line.split()[1:], strict=False)
    ]
    after_the = [b for a, b in pairs if a == "the"]
    return after_the.count("cat") / len(after_the)


def bpe_symbols_after_merge() -> float:
    """Symbols left after merging "a"+"t" in cat ×4, cats ×2, at ×3, hat ×5, that ×1."""
    counts = {"cat": 4, "cats": 2, "at": 3, "hat": 5, "that": 1}
    return sum((len(word) - word.count("at")) * n for word, n in counts.items())


def majority_of_three(p: float) -> float:
    """P(at least 2 of 3 independent samples right)."""
    return p**3 + 3 * p**2 * (1 - p)


FORMULAS: dict[tuple[str, str], Callable[[], float]] = {
    ("01-what-is-an-llm", "softmax-mat"): lambda: softmax_first(3.0, 2.0, 1.0),
    ("01-what-is-an-llm", "roof-loss"): lambda: -math.log(0.090),
    ("01-what-is-an-llm", "sequence-prob"): lambda: 0.665 * 0.8,
    ("01-what-is-an-llm", "q4-memory"): lambda: 135e6 * 5 / 8 / 1e6,
    ("02-history", "bigram-cat"): bigram_cat_given_the,
    ("02-history", "laplace-dog"): lambda: (0 + 1) / (1 + 9),
    ("03-transformer-and-attention", "softmax-weight"): lambda: softmax_first(
        4 / math.sqrt(4), 0 / math.sqrt(4), 2 / math.sqrt(4)
    ),
    ("03-transformer-and-attention", "scale-factor"): lambda: math.sqrt(576 / 9),
    ("04-making-an-assistant", "over-refusal-rate"): lambda: 100 * 60 / 400,
    ("04-making-an-assistant", "weighted-cost"): lambda: 30 * 10 + 12,
    ("05-pretraining-and-finetuning", "perplexity-by-hand"): lambda: math.exp(
        -sum(math.log(p) for p in (0.25, 0.5, 0.125)) / 3
    ),
    ("05-pretraining-and-finetuning", "mean-loss"): lambda: (
        -sum(math.log(p) for p in (0.25, 0.5, 0.125)) / 3
    ),
    ("05-pretraining-and-finetuning", "lora-count"): lambda: 8 * (4096 + 4096),
    ("05-pretraining-and-finetuning", "lora-rank16"): lambda: 16 * (576 + 576),
    ("05-pretraining-and-finetuning", "lora-value-projection"): lambda: 8 * (576 + 3 * 64),
    ("06-tokens-and-embeddings", "symbols-after-merge"): bpe_symbols_after_merge,
    ("06-tokens-and-embeddings", "cosine-cat-kitten"): lambda: (
        (1 * 2 + 2 * 1 + 2 * 2) / (math.sqrt(1 + 4 + 4) * math.sqrt(4 + 1 + 4))
    ),
    ("07-rlhf", "bt-probability"): lambda: sigmoid(2.0 - 0.5),
    ("07-rlhf", "bt-loss-wrong"): lambda: -math.log(sigmoid(0.5 - 2.0)),
    ("07-rlhf", "dpo-loss"): lambda: -math.log(sigmoid(0.1 * (2 - (-3)))),
    ("07-rlhf", "pairs-from-ranking"): lambda: math.comb(4, 2),
    ("08-emergent-abilities", "compute-optimal-n"): lambda: math.sqrt(1.2e22 / (6 * 20)) / 1e9,
    ("08-emergent-abilities", "chinchilla-tokens"): lambda: 70e9 * 20 / 1e12,
    ("08-emergent-abilities", "exact-match-calc"): lambda: 0.8**10,
    ("09-gpt-bert-t5", "mlm-targets"): lambda: 0.15 * 512,
    ("09-gpt-bert-t5", "target-ratio"): lambda: (512 - 1) / (0.15 * 512),
    ("09-gpt-bert-t5", "t5-input-length"): lambda: 512 - 77 + 26,
    ("10-applications", "cosine-b"): lambda: 0.6 * 0.0 + 0.8 * 0.6 + 0.0 * 0.8,
    ("10-applications", "daily-cost"): lambda: 10_000 * (1800 * 1 + 250 * 4) / 1e6,
    ("11-limitations-and-ethics", "guess-ev"): lambda: 0.3 * 1 + 0.7 * -1,
    ("11-limitations-and-ethics", "break-even"): lambda: 3 / (1 + 3),
    ("11-limitations-and-ethics", "gpu-hours"): lambda: 8.4e22 / 1.25e14 / 3600,
    ("12-prompting-and-sampling", "temp-half-by-hand"): lambda: softmax_first(
        2.0, 1.0, 0.0, temperature=0.5
    ),
    ("12-prompting-and-sampling", "rep-penalty-logit"): lambda: 2.0 / 1.3,
    ("13-open-models", "q41-bits"): lambda: (32 * 4 + 16 + 16) / 32,
    ("13-open-models", "smollm-memory"): lambda: 134.5e6 * 5 / 8 / 1e6,
    ("13-open-models", "dequantize-code"): lambda: 0.05 * 8 + (-0.30),
    ("14-whats-next", "kv-bytes-per-token"): lambda: 30 * 2 * 3 * 64 * 2,
    ("14-whats-next", "majority-of-three"): lambda: majority_of_three(0.6),
    ("14-whats-next", "agent-twenty-steps"): lambda: 0.95**20,
}
