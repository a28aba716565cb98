"""Named head patterns on the default model, measured with the scores of tutor.explain.heads."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.explain import heads as Hd
from tutor.runtime.client import ModelClient

STORY = (
    "Once upon a time there was a little girl who lived in a village near the forest. "
    "Whenever she went out, the little girl wore a red riding cloak, so everyone in the "
    "village called her Little Red Riding Hood."
)


def _repeated(client: ModelClient, seed: int, period: int = 25) -> np.ndarray:
    """Attention on a random token sequence repeated twice (ids 1000..19999)."""
    rng = np.random.default_rng(seed)
    ids = [int(t) for t in rng.integers(1000, 20000, size=period)]
    capture = client.qk("", ids=ids + ids)
    assert [t.id for t in capture.tokens] == ids + ids
    return capture.weights


@pytest.fixture(scope="module")
def story(smol: ModelClient) -> np.ndarray:
    return smol.attention(STORY).weights


@pytest.mark.default_model
def test_previous_token_heads(story: np.ndarray) -> None:
    scores = {(la, h): Hd.previous_token_share(story[la, h]) for la in range(30) for h in range(9)}
    named = {k for k, v in scores.items() if v >= Hd.PREVIOUS_MIN}
    assert {(1, 2), (16, 0), (11, 1), (2, 1)} <= named  # measured 0.71, 0.75, 0.61, 0.58
    assert len(named) <= 6


@pytest.mark.default_model
def test_first_token_heads_are_in_the_later_layers(story: np.ndarray) -> None:
    first = np.array([[Hd.first_token_share(story[la, h]) for h in range(9)] for la in range(30)])
    sinks = np.argwhere(first >= Hd.FIRST_MIN)
    assert len(sinks) >= 20
    assert sinks[:, 0].min() >= 12  # none in the first 12 layers
    assert first[:3].max() < 0.5


@pytest.mark.default_model
def test_induction_heads_on_repeated_random_tokens(smol: ModelClient) -> None:
    for seed in (0, 1):
        w = _repeated(smol, seed)
        ind = np.array(
            [[Hd.induction_score(w[la, h], 0, 25) for h in range(9)] for la in range(30)]
        )
        named = {(int(la), int(h)) for la, h in np.argwhere(ind >= Hd.INDUCTION_MIN)}
        assert {(18, 6), (17, 4), (17, 5)} <= named, (seed, sorted(named))
        assert float(np.median(ind)) < 0.05


def test_scores_on_hand_made_patterns() -> None:
    t = 6
    prev = np.eye(t, k=-1)
    prev[0, 0] = 1.0
    assert Hd.previous_token_share(prev) == 1.0
    assert Hd.row_entropy_bits(prev) == 0.0
    sink = np.zeros((t, t))
    sink[:, 0] = 1.0
    assert Hd.first_token_share(sink) == 1.0
    uniform = np.tril(np.ones((t, t)))
    uniform /= uniform.sum(axis=1, keepdims=True)
    assert Hd.row_entropy_bits(uniform) == pytest.approx(np.mean(np.log2(np.arange(2, t + 1))))
    period = 3  # tokens a b c a b c: query 4 (b) attends to 2 (c, after the first b)
    ind = np.zeros((6, 6))
    ind[4, 2] = ind[5, 3] = 1.0
    assert Hd.induction_score(ind, 0, period) == 1.0
    assert Hd.name_head(0.1, 0.95) == "first-token"
    assert Hd.name_head(0.7, 0.1) == "previous-token"
    assert Hd.name_head(0.1, 0.1, 0.9) == "induction"
