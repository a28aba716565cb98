"""The learner's sampler chain (tutor.explain.sampling) against llama.cpp's own samplers.

llama.cpp's ``llama_sampler_init_penalties / top_k / top_p / min_p / temp`` are applied with
``llama_sampler_apply`` (llama-cpp-python's low-level API; no model needed) to the same logits;
the kept tokens must be the same and their probabilities equal within 1e-6.
"""

from __future__ import annotations

import ctypes
import itertools

import llama_cpp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.explain.sampling import (
    entropy_bits,
    log_softmax,
    min_p_stage,
    penalty_stage,
    sampler_chain,
    softmax,
    top_k_stage,
    top_p_stage,
)

TOKEN = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])
GRID = list(
    itertools.product(
        (0.0, 0.5, 1.0, 1.7),  # temperature (0: greedy)
        (0, 1, 7, 40),  # top-k
        (0.5, 0.9, 1.0),  # top-p
        (0.0, 0.05, 0.2),  # min-p
        (1.0, 1.3),  # repeat penalty
    )
)


def llama_chain(
    logits: np.ndarray, history: list[int], t: float, k: int, p: float, m: float, r: float
) -> dict[int, float]:
    """Run llama.cpp's samplers on ``logits``; the survivors' id → probability."""
    data = np.zeros(len(logits), dtype=TOKEN)
    data["id"] = np.arange(len(logits))
    data["logit"] = logits
    array = llama_cpp.llama_token_data_array(
        ctypes.cast(data.ctypes.data, llama_cpp.llama_token_data_p), len(data), -1, False
    )
    # Older bindings declare an extra leading n_vocab argument: pass last_n twice, harmless.
    samplers = [
        llama_cpp.llama_sampler_init_penalties(64, 64, r, 0.0, 0.0),
        llama_cpp.llama_sampler_init_top_k(k),
        llama_cpp.llama_sampler_init_top_p(p, 1),
        llama_cpp.llama_sampler_init_min_p(m, 1),
        llama_cpp.llama_sampler_init_temp(t),
    ]
    for token in history:
        llama_cpp.llama_sampler_accept(samplers[0], token)
    for sampler in samplers:
        llama_cpp.llama_sampler_apply(sampler, ctypes.byref(array))
        llama_cpp.llama_sampler_free(sampler)
    kept = np.frombuffer(
        (llama_cpp.llama_token_data * array.size).from_address(data.ctypes.data), dtype=TOKEN
    ).copy()
    kept = kept[np.isfinite(kept["logit"])]  # temperature 0 marks the losers with -inf
    probs = softmax(kept["logit"].astype(np.float64))
    return dict(zip(kept["id"].tolist(), probs.tolist(), strict=True))


def logit_vectors() -> list[np.ndarray]:
    """50 vectors: peaked and flat, small and large vocabularies, a few near-ties."""
    rng = np.random.default_rng(2024)
    vectors = []
    for i in range(50):
        n = int(rng.choice([50, 300, 2000, 49152]))
        scale = [0.5, 2.0, 5.0, 10.0][i % 4]
        vectors.append((rng.normal(0, scale, n) + rng.normal(0, 3)).astype(np.float32))
    return vectors


@pytest.mark.parametrize("index", range(50))
def test_chain_matches_llama_cpp(index: int) -> None:
    logits = logit_vectors()[index]
    rng = np.random.default_rng(index)
    history = rng.integers(0, len(logits), 20).tolist()
    for g in rng.choice(len(GRID), 12, replace=False):
        t, k, p, m, r = GRID[g]
        ours = sampler_chain(
            logits, temperature=t, top_k=k, top_p=p, min_p=m, repeat_penalty=r, history=history
        )[-1]
        theirs = llama_chain(logits, history, t, k, p, m, r)
        assert sorted(ours.ids.tolist()) == sorted(theirs), (t, k, p, m, r)
        for token, prob in zip(ours.ids.tolist(), ours.probs.tolist(), strict=True):
            assert abs(prob - theirs[token]) < 1e-6, (t, k, p, m, r)


def test_each_stage_reports_what_it_removed() -> None:
    logits = np.array([3.0, 1.0, 2.0, 0.0, -1.0], dtype=np.float32)
    first = penalty_stage(logits, [], 1.0)
    assert first.ids.tolist() == [0, 2, 1, 3, 4] and not len(first.removed)
    top2 = top_k_stage(first, 2)
    assert top2.ids.tolist() == [0, 2] and top2.removed.tolist() == [1, 3, 4]
    assert np.isclose(top2.probs.sum(), 1.0)
    nucleus = top_p_stage(first, 0.6)  # p(0) ≈ 0.64 crosses 0.6 alone
    assert nucleus.ids.tolist() == [0]
    floor = min_p_stage(first, 0.3)  # keeps p >= 0.3 * p(0): logits 3 and 2 (e^-1 ≈ 0.37)
    assert floor.ids.tolist() == [0, 2] and floor.removed.tolist() == [1, 3, 4]


def test_penalty_lowers_seen_tokens_either_sign() -> None:
    logits = np.array([2.0, -2.0, 1.0], dtype=np.float32)
    stage = penalty_stage(logits, [0, 1, 1], 2.0)
    by_id = dict(zip(stage.ids.tolist(), stage.logits.tolist(), strict=True))
    assert by_id == {0: 1.0, 1: -4.0, 2: 1.0}
    assert logits.tolist() == [2.0, -2.0, 1.0]  # the caller's array is untouched


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-30, 30), min_size=1, max_size=60), st.floats(0.05, 5))
def test_softmax_entropy_and_log_softmax_agree(values: list[float], t: float) -> None:
    z = np.array(values)
    p = softmax(z, t)
    assert np.isclose(p.sum(), 1.0) and (p >= 0).all()
    assert np.allclose(np.exp(log_softmax(z)), softmax(z))
    assert -1e-9 <= entropy_bits(p) <= np.log2(len(values)) + 1e-9
