"""The learner-facing maths: softmax, entropy and each sampler stage on small worked examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.explain.sampling import (
    entropy_bits,
    log_softmax,
    logsumexp,
    min_p_stage,
    penalty_stage,
    sampler_chain,
    softmax,
    temperature_stage,
    top_k_stage,
    top_p_stage,
)

# Token 4 is best, then 0, 1, 2, 5, 3 (logits 3, 2, 1, 0.5, 0, -1).
LOGITS = np.array([2.0, 1.0, 0.5, -1.0, 3.0, 0.0], dtype=np.float32)


def test_softmax_sums_to_one_and_keeps_order() -> None:
    p = softmax(LOGITS)
    assert p.dtype == np.float64 and math.isclose(p.sum(), 1.0)
    assert np.argsort(-p).tolist() == [4, 0, 1, 2, 5, 3]
    assert math.isclose(p[4] / p[0], math.e, rel_tol=1e-6)  # logits 1 apart: ratio e


def test_temperature_sharpens_and_flattens() -> None:
    cold, hot = softmax(LOGITS, 0.5), softmax(LOGITS, 2.0)
    assert cold[4] > softmax(LOGITS)[4] > hot[4]
    assert entropy_bits(cold) < entropy_bits(hot)
    assert list(softmax(LOGITS, 0.0)) == [0, 0, 0, 0, 1, 0]
    with pytest.raises(ValueError):
        softmax(LOGITS, -1.0)


def test_softmax_survives_huge_logits() -> None:
    p = softmax(np.array([1000.0, 999.0]))
    assert np.isfinite(p).all() and math.isclose(p[0], 1 / (1 + math.exp(-1)))


def test_log_softmax_and_logsumexp() -> None:
    assert np.allclose(np.exp(log_softmax(LOGITS)), softmax(LOGITS))
    assert math.isclose(logsumexp(np.log(np.array([1.0, 2.0, 3.0]))), math.log(6.0))
    # where softmax underflows to 0, log_softmax still gives the exact answer
    assert math.isclose(log_softmax(np.array([0.0, -2000.0]))[1], -2000.0)


def test_entropy_in_bits() -> None:
    assert entropy_bits(np.array([1.0, 0.0])) == 0.0
    assert math.isclose(entropy_bits(np.full(8, 1 / 8)), 3.0)


def test_penalty_stage_lowers_seen_tokens_and_removes_nothing() -> None:
    stage = penalty_stage(LOGITS, history=[4, 3], penalty=2.0)
    logit = dict(zip(stage.ids.tolist(), stage.logits.tolist(), strict=True))
    assert logit[4] == 1.5 and logit[3] == -2.0 and logit[0] == 2.0  # 3/2, -1*2, untouched
    assert stage.ids[0] == 0 and stage.removed.size == 0 and stage.ids.size == 6


def test_penalty_counts_only_the_last_n_tokens() -> None:
    stage = penalty_stage(LOGITS, history=[4, 0, 1], penalty=2.0, last_n=2)
    logit = dict(zip(stage.ids.tolist(), stage.logits.tolist(), strict=True))
    assert logit[4] == 3.0 and logit[0] == 1.0 and logit[1] == 0.5


def test_top_k_keeps_the_best_k_renormalised() -> None:
    stage = top_k_stage(penalty_stage(LOGITS), 2)
    assert stage.ids.tolist() == [4, 0] and stage.removed.tolist() == [1, 2, 5, 3]
    assert np.allclose(stage.probs, softmax(np.array([3.0, 2.0])))


def test_top_k_on_raw_logits_matches_top_k_on_a_stage() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=500).astype(np.float32)
    a, b = top_k_stage(logits, 17), top_k_stage(penalty_stage(logits), 17)
    assert np.array_equal(a.ids, b.ids) and np.allclose(a.probs, b.probs)
    assert sorted(a.removed.tolist()) == sorted(b.removed.tolist())


def test_top_p_keeps_smallest_prefix_reaching_p() -> None:
    start = penalty_stage(LOGITS)
    p_best = float(start.probs[0])
    assert top_p_stage(start, p_best).ids.tolist() == [4]  # the best alone reaches p
    assert top_p_stage(start, p_best + 1e-3).ids.tolist() == [4, 0]
    assert top_p_stage(start, 1.0).ids.size == 6


def test_min_p_drops_tokens_below_a_fraction_of_the_best() -> None:
    # p(0)/p(4) = e^-1 ≈ 0.37 passes 0.3; p(1)/p(4) = e^-2 ≈ 0.14 does not
    assert min_p_stage(penalty_stage(LOGITS), 0.3).ids.tolist() == [4, 0]


def test_temperature_stage_zero_keeps_only_the_best() -> None:
    stage = temperature_stage(penalty_stage(LOGITS), 0.0)
    assert stage.ids.tolist() == [4] and stage.probs.tolist() == [1.0]


def test_chain_has_five_stages_in_llama_cpp_order() -> None:
    stages = sampler_chain(LOGITS, temperature=1.0, top_k=3, top_p=1.0, min_p=0.0)
    assert [s.name for s in stages] == ["penalty", "top-k", "top-p", "min-p", "temperature"]
    assert [s.ids.size for s in stages] == [6, 3, 3, 3, 3]


@settings(max_examples=80, deadline=None)
@given(
    logits=st.lists(st.floats(-20, 20, width=32), min_size=1, max_size=60),
    temperature=st.floats(0.0, 3.0),
    top_k=st.integers(0, 70),
    top_p=st.floats(0.01, 1.0),
    min_p=st.floats(0.0, 1.0),
    penalty=st.floats(0.5, 2.0),
)
def test_chain_invariants(
    logits: list[float], temperature: float, top_k: int, top_p: float, min_p: float, penalty: float
) -> None:
    """Each stage keeps a non-empty best-first subset of the previous one; the kept and removed
    ids partition the previous survivors; probabilities sum to 1."""
    arr = np.array(logits, dtype=np.float32)
    history = list(range(0, len(logits), 3))
    stages = sampler_chain(
        arr,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        min_p=min_p,
        repeat_penalty=penalty,
        history=history,
    )
    previous = set(range(len(logits)))
    for stage in stages:
        kept, removed = set(stage.ids.tolist()), set(stage.removed.tolist())
        assert kept and kept | removed == previous and not kept & removed
        assert math.isclose(stage.probs.sum(), 1.0, rel_tol=1e-9)
        assert np.all(np.diff(stage.probs) <= 1e-12)  # best first
        previous = kept
