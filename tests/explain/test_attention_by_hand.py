"""Attention computed by hand (tutor.explain.attention) against llama.cpp's own softmax."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.explain import attention as A
from tutor.runtime.client import ModelClient

PROMPT_12 = "The cat sat on the mat and looked at the dog."


def _max_diff_all(client: ModelClient, prompt: str) -> tuple[float, int]:
    cap = client.qk(prompt)
    worst = 0.0
    for layer in range(cap.q.shape[0]):
        mine = A.attention_weights(cap.q[layer], cap.k[layer], f16=True)  # (H, T, T)
        worst = max(worst, A.max_abs_diff(mine, cap.weights[layer]))
    return worst, len(cap.tokens)


def test_by_hand_matches_llama_cpp_on_tiny_models(tiny: ModelClient) -> None:
    worst, n_tokens = _max_diff_all(tiny, "the cat sat on the mat, the hat")
    assert n_tokens >= 12  # several ubatches of 8
    assert worst < 1e-3


@pytest.mark.default_model
def test_by_hand_matches_llama_cpp_on_default_model(smol: ModelClient) -> None:
    tokens = smol.tokenize(PROMPT_12)
    assert len(tokens) == 12
    worst, _ = _max_diff_all(smol, PROMPT_12)
    assert worst < 1e-3  # measured 4.9e-7 with the float16 rounding of q and k


@pytest.mark.default_model
def test_walk_query_is_one_row_of_the_matrix(smol: ModelClient) -> None:
    cap = smol.qk(PROMPT_12)
    walk = A.walk_query(cap.q[5], cap.k[5], head=4, query=7, f16=True)
    assert walk.keys.shape == (12, cap.q.shape[-1])
    assert np.all(np.isinf(walk.masked[8:])) and np.all(walk.weights[8:] == 0)
    np.testing.assert_allclose(walk.scaled, walk.dots / np.sqrt(cap.q.shape[-1]))
    assert A.max_abs_diff(walk.weights, cap.weights[5, 4, 7]) < 1e-3


def test_rope_is_a_rotation_by_position() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 2, 8))  # (T, H, d)
    out = A.rope(x, np.arange(5), base=10000.0)
    np.testing.assert_allclose(out[0], x[0])  # position 0: no rotation
    np.testing.assert_allclose(np.linalg.norm(out, axis=-1), np.linalg.norm(x, axis=-1))
    # relative position: q·k depends only on the distance between positions
    q, k = rng.normal(size=(1, 1, 8)), rng.normal(size=(1, 1, 8))
    d1 = A.rope(q, np.array([3]))[0, 0] @ A.rope(k, np.array([1]))[0, 0]
    d2 = A.rope(q, np.array([7]))[0, 0] @ A.rope(k, np.array([5]))[0, 0]
    assert d1 == pytest.approx(d2)


def test_grouped_query_heads_share_keys() -> None:
    assert [A.kv_head_of(h, 9, 3) for h in range(9)] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    rng = np.random.default_rng(2)
    q = rng.normal(size=(4, 4, 8))
    k = rng.normal(size=(4, 2, 8))
    w = A.attention_weights(q, k)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0)
    assert np.all(np.triu(w[0], 1) == 0)  # the causal mask
    # head 1 uses KV head 0: recompute it alone
    alone = A.attention_weights(q[:, 1:2], k[:, 0:1])
    np.testing.assert_allclose(w[1], alone[0])


def test_toy_answers_and_checks() -> None:
    dots, scaled, masked, weights = A.toy_steps()
    assert dots.tolist() == [2.0, 4.0, 4.0]
    assert scaled.tolist() == [1.0, 2.0, 2.0]
    assert A.check_numbers([1, 2, float("-inf")], masked)
    assert not A.check_numbers([1, 2, 2], masked)  # forgot the mask
    assert A.check_numbers([0.27, 0.73, 0], weights)
    assert not A.check_numbers([0.5, 0.5, 0], weights)
    assert not A.check_numbers([0.27, 0.73], weights)
