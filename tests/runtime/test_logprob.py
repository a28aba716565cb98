"""log π(answer | prompt) from one forward pass equals what generation saw token by token."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from tutor.runtime.catalog import load_catalog, packaged_path
from tutor.runtime.client import ModelClient
from tutor.runtime.errors import ModelRuntimeError


def check_against_generation(client: ModelClient, prompt: Any, seed: int) -> None:
    """Sample an answer, then score its text: each token's log-probability must be the log of
    the probability generation reported for it (softmax at temperature 1)."""
    with client.generate(prompt, temperature=0.8, seed=seed, max_tokens=16) as gen:
        list(gen)
    result = gen.result
    assert result is not None and result.tokens
    scored = client.logprob(prompt, result.text)
    assert [t.id for t in scored.tokens] == [t.token.id for t in result.tokens]
    expected = [math.log(t.prob) for t in result.tokens]
    assert scored.logprobs.tolist() == pytest.approx(expected, abs=1e-4)
    assert scored.total == pytest.approx(sum(expected), abs=1e-3)


def test_logprob_on_the_tiny_model(tiny_client: ModelClient) -> None:
    # The tiny random model writes bytes that are not always text; this prompt's continuation
    # round-trips exactly (a SentencePiece vocabulary: the answer is cut from prompt + answer).
    check_against_generation(tiny_client, "Once upon a time", seed=3)


def test_empty_answer_is_a_clear_error(tiny_client: ModelClient) -> None:
    with pytest.raises(ModelRuntimeError, match="nothing to score"):
        tiny_client.logprob("Hello", "")


@pytest.fixture(scope="module")
def smol() -> Iterator[ModelClient]:
    if packaged_path(load_catalog().default_model) is None:
        pytest.skip("the default model is not installed")
    # One token per ubatch: the scoring pass then runs the same kernels as generation does
    # token by token. With batched evaluation (the default) quantized matrix products round
    # differently, and per-token log-probabilities differ by up to ~0.1 nats on Q4_1.
    with ModelClient(n_ctx=512, n_ubatch=1) as client:
        client.start()
        yield client


@pytest.mark.default_model
@pytest.mark.parametrize("seed", [1, 2])
def test_logprob_of_a_chat_answer_on_the_default_model(smol: ModelClient, seed: int) -> None:
    check_against_generation(smol, [{"role": "user", "content": "Name a fruit."}], seed)
