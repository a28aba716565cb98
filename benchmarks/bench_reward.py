"""Benchmark the Bradley–Terry reward model: fitting time on the lab's feature size (target:
500 pairs in ≤ 1 s), k-fold held-out agreement time, and the gap to choix on item-level data.

Features are random stand-ins with the default model's shape (576-dim embedding + 3 named
features), because the fit's cost depends only on the shape. Prints medians over --rounds::

    python benchmarks/bench_reward.py [--pairs 500] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tutor.explain import reward  # noqa: E402

EMBED_DIM = 576  # SmolLM2-135M's n_embd
NAMED = 3


def synthetic(pairs: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Comparisons d = φ_A − φ_B with votes drawn from a hidden w (10% ties)."""
    rng = np.random.default_rng(seed)
    d = rng.normal(size=(pairs, EMBED_DIM + NAMED)) / np.sqrt(EMBED_DIM)
    w_true = rng.normal(size=EMBED_DIM + NAMED) * 3
    y = (rng.random(pairs) < reward.sigmoid(d @ w_true)).astype(float)
    y[rng.random(pairs) < 0.1] = 0.5
    return d, y


def timed(fn: object, rounds: int) -> float:
    """Median seconds of ``fn()`` over ``rounds`` calls."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def choix_gap() -> float | None:
    """Largest |ours − choix| over 8 items' strengths, or None without choix installed."""
    try:
        import choix
    except ImportError:
        return None
    rng = np.random.default_rng(11)
    strength = rng.normal(size=8)
    pairs = []
    for _ in range(300):
        i, j = rng.choice(8, size=2, replace=False)
        win = rng.random() < reward.sigmoid(strength[i] - strength[j])
        pairs.append((i, j) if win else (j, i))
    theirs = choix.opt_pairwise(8, pairs, alpha=0.5, tol=1e-12)
    eye = np.eye(8)
    d = np.array([eye[a] - eye[b] for a, b in pairs])
    ours = reward.fit(d, np.ones(len(pairs)), l2=1.0 / len(pairs)).weights
    return float(np.max(np.abs(ours - theirs)))


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    d, y = synthetic(args.pairs)
    result = reward.fit(d, y)
    fit_s = timed(lambda: reward.fit(d, y), args.rounds)
    groups = np.arange(args.pairs)
    kfold_s = timed(lambda: reward.heldout_agreement(d, y, groups, k=5), max(1, args.rounds // 2))
    small_d, small_y = synthetic(30, seed=1)
    small_s = timed(lambda: reward.heldout_agreement(small_d, small_y, np.arange(30)), args.rounds)
    print(f"features: {d.shape[1]} ({EMBED_DIM} embedding + {NAMED} named)")
    print(
        f"fit {args.pairs} pairs (Newton, {result.steps} steps): {fit_s * 1000:.0f} ms "
        f"(target <= 1000 ms)"
    )
    print(f"5-fold held-out agreement on {args.pairs} pairs: {kfold_s * 1000:.0f} ms")
    print(f"5-fold held-out agreement on 30 pairs (a lab session): {small_s * 1000:.1f} ms")
    gap = choix_gap()
    print("max |ours - choix| on item-level data: " + ("n/a" if gap is None else f"{gap:.2e}"))


if __name__ == "__main__":
    main()
