"""The logit lens: its last layer is the model's own next-token distribution."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.explain import lens as L
from tutor.runtime.client import ModelClient
from tutor.runtime.errors import PromptTooLongError

PARIS = "The Eiffel Tower is in the city of"


def test_last_layer_lens_is_the_models_distribution_on_tiny_models(tiny: ModelClient) -> None:
    grid = tiny.lens("the cat sat on the mat")
    dist = tiny.next_token("the cat sat on the mat", top_n=5)
    assert grid.top_ids.shape[:2] == (2, len(grid.tokens))
    assert grid.top_ids[-1, -1, 0] == dist.top[0].token.id == grid.model_top[-1]
    assert float(np.max(grid.kl_last)) < 1e-3
    np.testing.assert_allclose(grid.top_probs[-1, -1, 0], dist.top[0].prob, atol=2e-3)


@pytest.mark.default_model
def test_last_layer_lens_is_the_models_distribution(smol: ModelClient) -> None:
    grid = smol.lens(PARIS)
    dist = smol.next_token(PARIS, top_n=5)
    assert grid.tied  # SmolLM2 has no output.weight: token_embd is reused
    assert grid.top_ids.shape == (30, len(grid.tokens), 5)
    assert np.array_equal(grid.top_ids[-1, :, 0], grid.model_top)  # every position
    assert float(np.max(grid.kl_last)) < 1e-3  # measured ~1e-11 with the Q8 rounding
    assert grid.text(int(grid.top_ids[-1, -1, 0])) == dist.top[0].token.text == " Paris"
    first = L.first_layer_on_top(grid.top_ids[:, -1], dist.top[0].token.id)
    assert first is not None and first > 10  # early layers do not know it yet


@pytest.mark.default_model
def test_lens_refuses_long_prompts(smol: ModelClient) -> None:
    with pytest.raises(PromptTooLongError, match="up to 64 tokens"):
        smol.lens("word " * 80)


def test_rms_norm_and_kl() -> None:
    x = np.array([[3.0, 4.0]])
    out = L.rms_norm(x, np.ones(2), eps=0.0)
    np.testing.assert_allclose(np.mean(out**2), 1.0)
    logits = np.array([[1.0, 2.0, 3.0]])
    assert L.kl_divergence(logits, logits)[0] == pytest.approx(0.0)
    assert L.kl_divergence(logits, logits + 5.0)[0] == pytest.approx(0.0)  # shift invariant
    assert L.kl_divergence(logits, logits[:, ::-1])[0] > 0.5
    ids, probs = L.top_k(logits, 2)
    assert ids.tolist() == [[2, 1]]
    np.testing.assert_allclose(probs.sum(), np.exp([3, 2]).sum() / np.exp([1, 2, 3]).sum())


def test_q8_rounding_is_close_and_blockwise() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 64)).astype(np.float32)
    y = L.round_q8_blocks(x)
    assert np.max(np.abs(x - y)) <= np.abs(x).max() / 127
    assert not np.array_equal(x, y)
