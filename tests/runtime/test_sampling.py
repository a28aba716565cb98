"""The worker's per-token sampler: greedy, filters, seeds and the reported model view.

That the stages match llama.cpp's own samplers is checked in tests/explain/test_reference_llama.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.explain.sampling import penalize, softmax
from tutor.runtime.sampling import final_stage, sample, top_n
from tutor.runtime.types import GenerationSettings

LOGITS = np.array([2.0, 1.0, 0.5, -1.0, 3.0, 0.0], dtype=np.float32)


def test_greedy_picks_argmax_and_reports_model_prob() -> None:
    step = sample(LOGITS, GenerationSettings(temperature=0), [], np.random.default_rng(0))
    assert step.token == 4
    assert np.isclose(step.prob, softmax(LOGITS)[4])
    assert step.sampled_prob == 1.0


def test_top_k_one_is_greedy_whatever_the_seed() -> None:
    s = GenerationSettings(temperature=1.5, top_k=1, top_p=1.0, min_p=0.0)
    assert {sample(LOGITS, s, [], np.random.default_rng(seed)).token for seed in range(20)} == {4}


def test_top_p_keeps_smallest_prefix_reaching_p() -> None:
    probs = softmax(LOGITS)
    order = np.argsort(-probs)
    s = GenerationSettings(temperature=1.0, top_k=0, top_p=float(probs[order[0]] + 1e-3), min_p=0.0)
    tokens = {sample(LOGITS, s, [], np.random.default_rng(seed)).token for seed in range(50)}
    assert tokens <= {int(order[0]), int(order[1])}


def test_min_p_drops_unlikely_tokens() -> None:
    s = GenerationSettings(temperature=1.0, top_k=0, top_p=1.0, min_p=0.3)
    tokens = {sample(LOGITS, s, [], np.random.default_rng(seed)).token for seed in range(100)}
    assert tokens == {0, 4}  # p(0)/p(4) = e^-1 ≈ 0.37 passes; p(1)/p(4) = e^-2 ≈ 0.14 does not


def test_repeat_penalty_lowers_seen_tokens() -> None:
    out = penalize(LOGITS, [4, 3], 2.0)
    assert out[4] == LOGITS[4] / 2 and out[3] == LOGITS[3] * 2 and out[0] == LOGITS[0]


def test_same_seed_same_choices() -> None:
    s = GenerationSettings(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0)
    a = [sample(LOGITS, s, [], np.random.default_rng(7)).token for _ in range(5)]
    b = [sample(LOGITS, s, [], np.random.default_rng(7)).token for _ in range(5)]
    assert a == b


def test_top_n_sorted_best_first() -> None:
    assert list(top_n(LOGITS, 3)) == [4, 0, 1]


@settings(max_examples=60, deadline=None)
@given(
    logits=st.lists(st.floats(-20, 20), min_size=2, max_size=50),
    temperature=st.floats(0.05, 3.0),
    top_k=st.integers(0, 60),
    top_p=st.floats(0.05, 1.0),
    min_p=st.floats(0.0, 0.9),
    seed=st.integers(0, 2**32 - 1),
)
def test_sampled_token_is_valid_and_probs_consistent(
    logits: list[float], temperature: float, top_k: int, top_p: float, min_p: float, seed: int
) -> None:
    arr = np.array(logits, dtype=np.float32)
    s = GenerationSettings(temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p, top_n=3)
    step = sample(arr, s, [], np.random.default_rng(seed))
    assert 0 <= step.token < len(arr)
    assert 0 < step.sampled_prob <= 1 + 1e-9
    assert step.top_probs[0] >= step.top_probs[-1]
    if top_k:
        # the chosen token is among the top_k logits (ties allowed)
        assert arr[step.token] >= np.sort(arr)[-min(top_k, len(arr))]


@pytest.mark.parametrize("n", [1, 2, 5, 8, 9, 20])
def test_top_n_matches_a_full_sort(n: int) -> None:
    """Both top-n paths (repeated argmax for small n, argpartition above) agree with sorting."""
    rng = np.random.default_rng(n)
    logits = np.round(rng.normal(size=4096) * 3, 1).astype(np.float32)  # rounding makes ties
    expected = np.argsort(-logits, kind="stable")[:n]
    got = top_n(logits, n)
    assert np.array_equal(logits[got], logits[expected])  # same values, best first
    assert len(set(got.tolist())) == n


def test_worker_fast_path_equals_the_lab_chain() -> None:
    """final_stage (top-k on raw logits) keeps what sampler_chain's last stage keeps."""
    from tutor.explain.sampling import sampler_chain

    rng = np.random.default_rng(3)
    logits = (rng.normal(size=3000) * 3).astype(np.float32)
    history = [5, 9, 9, 1200]
    for k, p, m, t, r in [
        (40, 0.95, 0.05, 0.8, 1.0),
        (0, 0.9, 0.0, 1.3, 1.2),
        (5, 1.0, 0.2, 0.5, 1.5),
    ]:
        s = GenerationSettings(temperature=t, top_k=k, top_p=p, min_p=m, repeat_penalty=r)
        fast = final_stage(logits, s, history)
        lab = sampler_chain(
            logits, temperature=t, top_k=k, top_p=p, min_p=m, repeat_penalty=r, history=history
        )[-1]
        assert np.array_equal(fast.ids, lab.ids)
        assert np.allclose(fast.probs, lab.probs, atol=1e-12)
