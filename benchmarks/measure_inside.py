"""Measure what the default model's insides look like, with the scores the lab uses.

Prints (figures quoted in docs/inside.md and checked by tests/explain):

* attention by hand vs llama.cpp's ``kq_soft_max``: the largest difference over every layer
  and head of a 12-token prompt;
* the logit lens: KL between the last layer's lens and the model's own distribution;
* named heads: previous-token and first-token shares on a 44-token story, induction scores on
  a random 25-token sequence repeated twice (two seeds);
* embeddings: the share of the fixed triples (tests/explain/triples.py) each representation
  gets right.

Run::

    python benchmarks/measure_inside.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.explain.test_heads import STORY  # noqa: E402
from tests.explain.triples import PHRASES, WORDS  # noqa: E402
from tutor.explain import attention as A  # noqa: E402
from tutor.explain import embeddings as E  # noqa: E402
from tutor.explain import heads as Hd  # noqa: E402
from tutor.runtime.client import ModelClient  # noqa: E402

PROMPT_12 = "The cat sat on the mat and looked at the dog."


def _top(scores: np.ndarray, n: int = 8) -> str:
    order = np.argsort(-scores, axis=None)[:n]
    cells = [np.unravel_index(i, scores.shape) for i in order]
    return ", ".join(f"L{int(la)}.H{int(h)} {scores[la, h]:.2f}" for la, h in cells)


def by_hand(client: ModelClient) -> None:
    cap = client.qk(PROMPT_12)
    diffs = [
        A.max_abs_diff(A.attention_weights(cap.q[i], cap.k[i], f16=True), cap.weights[i])
        for i in range(cap.q.shape[0])
    ]
    plain = [
        A.max_abs_diff(A.attention_weights(cap.q[i], cap.k[i]), cap.weights[i])
        for i in range(cap.q.shape[0])
    ]
    print(f"by hand vs kq_soft_max, {len(cap.tokens)} tokens, every layer and head:")
    print(f"  with float16 q and k (as llama.cpp): max |diff| {max(diffs):.1e}")
    print(f"  in float64 throughout:               max |diff| {max(plain):.1e}")


def lens(client: ModelClient) -> None:
    grid = client.lens("The Eiffel Tower is in the city of")
    same = bool(np.array_equal(grid.top_ids[-1, :, 0], grid.model_top))
    print(
        f"logit lens: last layer vs model, max KL {grid.kl_last.max():.1e} nats, same top-1: {same}"
    )


def heads(client: ModelClient) -> None:
    w = client.attention(STORY).weights
    n_layers, n_heads = w.shape[:2]
    prev = np.array(
        [[Hd.previous_token_share(w[la, h]) for h in range(n_heads)] for la in range(n_layers)]
    )
    first = np.array(
        [[Hd.first_token_share(w[la, h]) for h in range(n_heads)] for la in range(n_layers)]
    )
    print(f"heads on a {w.shape[2]}-token story:")
    print(f"  previous-token share, top: {_top(prev)}")
    print(f"  first-token share ≥ {Hd.FIRST_MIN}: {int((first >= Hd.FIRST_MIN).sum())} heads, "
          f"layers {int(np.argwhere(first >= Hd.FIRST_MIN)[:, 0].min())}–{n_layers - 1}; "
          f"max in layers 0–2: {first[:3].max():.2f}")  # fmt: skip
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        ids = [int(t) for t in rng.integers(1000, 20000, size=25)]
        r = client.qk("", ids=ids + ids).weights
        ind = np.array(
            [
                [Hd.induction_score(r[la, h], 0, 25) for h in range(n_heads)]
                for la in range(n_layers)
            ]
        )
        print(f"  induction score (seed {seed}), top: {_top(ind, 6)}; median {np.median(ind):.3f}")


def embeddings(client: ModelClient) -> None:
    def accuracy(triples: tuple[tuple[str, str, str], ...], rep: str) -> float:
        items = sorted({x for t in triples for x in t})
        found = client.embeddings(items, representation=rep)
        index = {item: i for i, item in enumerate(found.items)}
        rows = [
            np.stack([found.vectors[index[x]] for x in col]) for col in zip(*triples, strict=True)
        ]
        return E.triple_accuracy(*rows)

    def pooled(triples: tuple[tuple[str, str, str], ...]) -> float:
        items = sorted({x for t in triples for x in t})
        vecs = client.embed(items)
        index = {item: i for i, item in enumerate(items)}
        rows = [np.stack([vecs[index[x]] for x in col]) for col in zip(*triples, strict=True)]
        return E.triple_accuracy(*rows)

    rep = client.embeddings(["refund policy", "opening hours"]).representation
    print(f"embeddings, {len(WORDS)} word triples and {len(PHRASES)} phrase triples right:")
    print(f"  input embeddings (token_embd):   words {accuracy(WORDS, 'token'):.0%}")
    print(
        f"  {rep}: words {accuracy(WORDS, 'phrase'):.0%}, phrases {accuracy(PHRASES, 'phrase'):.0%}"
    )
    words, phrases = pooled(WORDS), pooled(PHRASES)
    print(f"  mean-pooled final states (embed): words {words:.0%}, phrases {phrases:.0%}")
    cat = client.embed(["cat", "car"])
    print(f"  'cat'·'car' with mean-pooled final states: {E.cosine(cat[0], cat[1]):.2f}")


def main() -> None:
    with ModelClient() as client:
        info = client.start()
        shape = f"{info.n_layers} layers × {info.n_heads} heads"
        print(f"model: {info.name} ({info.quantization}), {shape}")
        by_hand(client)
        lens(client)
        heads(client)
        embeddings(client)


if __name__ == "__main__":
    main()
