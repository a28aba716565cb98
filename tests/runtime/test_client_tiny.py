"""The client and worker on a tiny generated model: every operation, end to end."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from tutor.runtime.client import ModelClient
from tutor.runtime.errors import ModelRuntimeError, PromptTooLongError
from tutor.runtime.types import GenerationSettings

from .tiny_gguf import N_HEAD, N_HEAD_KV, N_LAYER, vocabulary

CHAT = [{"role": "user", "content": "the cat sat"}]


def test_info_describes_the_model(tiny_client: ModelClient, tiny_model: Path) -> None:
    info = tiny_client.info()
    assert (info.architecture, info.quantization, info.license) == ("llama", "Q8_0", "Apache-2.0")
    assert (info.n_layers, info.n_heads, info.n_kv_heads, info.n_embd) == (
        N_LAYER,
        N_HEAD,
        N_HEAD_KV,
        64,
    )
    assert info.n_vocab == len(vocabulary()[0]) and info.n_ctx_train == 256
    assert info.chat_template and "<|im_start|>" in info.chat_template
    assert info.n_params > 0 and info.size_bytes == tiny_model.stat().st_size
    import hashlib

    assert info.sha256 == hashlib.sha256(tiny_model.read_bytes()).hexdigest()


def test_tokenize_gives_exact_bytes_and_marks(tiny_client: ModelClient) -> None:
    text = "the cat sat\né"
    tokens = tiny_client.tokenize(text)
    assert tokens[0].id == 1 and tokens[0].special  # BOS
    assert b"".join(t.bytes for t in tokens[1:]) == b" " + text.encode()  # SPM adds a space prefix
    words = [t.text for t in tokens[1:4]]
    assert words == [" the", " cat", " sat"]
    byte_tokens = [t for t in tokens if t.byte_fallback]
    assert [t.bytes for t in byte_tokens] == [
        b"\n",
        b"\xc3",
        b"\xa9",
    ]  # newline and é, byte by byte
    assert not any(t.special for t in tokens[1:])


def test_tokenize_special_only_when_asked(tiny_client: ModelClient) -> None:
    plain = tiny_client.tokenize("<|im_start|>", add_special=False)
    parsed = tiny_client.tokenize("<|im_start|>", add_special=False, parse_special=True)
    assert len(parsed) == 1 and parsed[0].special and parsed[0].bytes == b"<|im_start|>"
    assert len(plain) > 1 and not any(t.special for t in plain)


def test_pieces_and_bad_ids(tiny_client: ModelClient) -> None:
    assert tiny_client.pieces([2])[0].special
    with pytest.raises(ModelRuntimeError, match="outside the vocabulary"):
        tiny_client.pieces([10_000])


def test_next_token_full_distribution(tiny_client: ModelClient) -> None:
    dist = tiny_client.next_token("the cat", top_n=5)
    assert dist.logits.shape == (tiny_client.info().n_vocab,)
    assert dist.logits.dtype == np.float32 and np.isfinite(dist.logits).all()
    probs = dist.probs()
    assert np.isclose(probs.sum(), 1.0)
    assert [c.token.id for c in dist.top] == list(np.argsort(-dist.logits)[:5])
    assert np.isclose(dist.top[0].prob, probs.max())
    again = tiny_client.next_token("the cat", top_n=5)
    np.testing.assert_allclose(again.logits, dist.logits, rtol=0, atol=1e-6)  # evaluated afresh


def test_generate_streams_tokens_with_alternatives(tiny_client: ModelClient) -> None:
    with tiny_client.generate("the cat", GenerationSettings(seed=3, max_tokens=12, top_n=4)) as gen:
        tokens = list(gen)
    result = gen.result
    assert result is not None and result.finish_reason in {"length", "eos"}
    assert result.tokens == tokens and 0 < len(tokens) <= 12
    assert result.text == "".join(t.text for t in tokens)
    for t in tokens:
        assert 0 < t.prob <= 1 and 0 < t.sampled_prob <= 1
        assert len(t.alternatives) == 4
        assert t.alternatives[0].prob >= t.alternatives[-1].prob


def _text(client: ModelClient, prompt: object, **kw: object) -> str:
    with client.generate(prompt, **kw) as gen:  # type: ignore[arg-type]
        for _ in gen:
            pass
    assert gen.result is not None
    return gen.result.text


def test_same_seed_same_text(tiny_client: ModelClient) -> None:
    a = _text(tiny_client, "the cat", seed=42, max_tokens=20, temperature=1.0)
    b = _text(tiny_client, "the cat", seed=42, max_tokens=20, temperature=1.0)
    c = _text(tiny_client, "the cat", seed=43, max_tokens=20, temperature=1.0)
    assert a == b
    assert a != c


def test_greedy_follows_argmax_of_next_token(tiny_client: ModelClient) -> None:
    dist = tiny_client.next_token("the cat")
    with tiny_client.generate("the cat", temperature=0, max_tokens=1) as gen:
        first = next(gen)
    assert first.token.id == int(np.argmax(dist.logits))
    assert np.isclose(first.prob, dist.probs()[first.token.id], atol=1e-5)


def test_chat_messages_use_the_template(tiny_client: ModelClient) -> None:
    rendered = tiny_client.render_chat(CHAT)
    assert rendered.endswith("<|im_start|>assistant\n")
    dist = tiny_client.next_token(CHAT)
    # BOS (this vocabulary asks for it), then the template's control tokens as single tokens
    first, second = dist.prompt_tokens[:2]
    assert first.id == tiny_client.info().bos_token
    assert second.bytes == b"<|im_start|>" and second.special
    assert _text(tiny_client, CHAT, seed=1, max_tokens=5) == _text(
        tiny_client, CHAT, seed=1, max_tokens=5
    )


def test_stop_strings_cut_the_text(tiny_client: ModelClient) -> None:
    full = _text(tiny_client, "the cat", temperature=0, max_tokens=30)
    stop = full[3:5]
    if not stop.strip("\ufffd"):
        pytest.skip("greedy output has no usable stop string")
    with tiny_client.generate("the cat", temperature=0, max_tokens=30, stop=(stop,)) as gen:
        for _ in gen:
            pass
    assert gen.result is not None and gen.result.finish_reason == "stop"
    assert gen.result.text == full[: full.find(stop)]


def test_attention_rows_are_causal_distributions(tiny_client: ModelClient) -> None:
    maps = tiny_client.attention("the cat sat on the mat")
    n = len(maps.tokens)
    assert maps.shape == (N_LAYER, N_HEAD, n, n)
    np.testing.assert_allclose(maps.weights.sum(axis=-1), 1.0, atol=1e-4)
    future = np.triu(np.ones((n, n), dtype=bool), k=1)
    assert np.all(maps.weights[..., future] == 0.0)
    assert np.all(maps.weights >= 0)
    assert np.all(maps.weights[:, :, 0, 0] == pytest.approx(1.0))


def test_attention_repeated_prompt_is_evaluated_again(tiny_client: ModelClient) -> None:
    first = tiny_client.attention("the cat sat")
    second = tiny_client.attention("the cat sat")
    np.testing.assert_allclose(first.weights, second.weights, atol=1e-6)


def test_attention_long_prompt_joins_ubatches(tiny_client: ModelClient) -> None:
    text = "xyz! " * 9  # byte-fallback tokens: 46 tokens, three 16-token ubatches
    maps = tiny_client.attention(text)
    n = len(maps.tokens)
    assert n > 2 * 16 and maps.shape == (N_LAYER, N_HEAD, n, n)
    np.testing.assert_allclose(maps.weights.sum(axis=-1), 1.0, atol=1e-4)
    assert np.all(np.triu(maps.weights, k=1) == 0.0)
    # The same prompt in one ubatch gives the same matrix.
    with ModelClient(
        tiny_client.info().path,
        n_ctx=256,
        attention_max_tokens=64,
        attention_ubatch=64,
        n_threads=1,
    ) as one:
        whole = one.attention(text)
    np.testing.assert_allclose(whole.weights, maps.weights, atol=2e-3)


def test_attention_limit_is_clear(tiny_client: ModelClient) -> None:
    with pytest.raises(PromptTooLongError, match="up to 64 tokens"):
        tiny_client.attention("the cat " * 60)


def test_embeddings_mean_pooled_per_text(tiny_client: ModelClient) -> None:
    vecs = tiny_client.embed(["the cat", "sat", "the cat"])
    assert vecs.shape == (3, 64) and vecs.dtype == np.float32
    np.testing.assert_allclose(vecs[0], vecs[2], atol=1e-5)
    assert not np.allclose(vecs[0], vecs[1])
    # the generation context is untouched by embedding
    assert tiny_client.next_token("the cat").logits.shape == (tiny_client.info().n_vocab,)


def test_generation_consumed_from_a_background_thread(tiny_client: ModelClient) -> None:
    seen: list[str] = []

    def consume() -> None:
        with tiny_client.generate("the cat", seed=5, max_tokens=8) as gen:
            seen.extend(t.token.text for t in gen)

    thread = threading.Thread(target=consume)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive() and 0 < len(seen) <= 8


def test_cancel_ends_the_generation_early(tiny_client: ModelClient) -> None:
    """The speed of a cancel is a benchmark figure (benchmarks/bench_cancel.py), not a test."""
    settings = GenerationSettings(
        seed=0, max_tokens=200, temperature=1.0, top_k=0, top_p=1.0, min_p=0.0
    )
    with tiny_client.generate("the cat", settings) as gen:
        first = next(gen)
        gen.cancel()
        rest = list(gen)
    assert gen.result is not None and gen.result.finish_reason == "cancelled"
    assert gen.result.tokens == [first, *rest] and len(rest) < 199
    assert tiny_client.next_token("the").logits.size > 0  # the client is free again


def test_abandoned_generation_frees_the_client(tiny_client: ModelClient) -> None:
    gen = tiny_client.generate("the cat", max_tokens=100)
    next(gen)
    gen.close()
    assert tiny_client.tokenize("the")[1].text == " the"


@pytest.mark.parametrize(
    ("quant", "name"),
    [("f32", "all F32"), ("f16", "F16"), ("q8_0", "Q8_0"), ("q4_0", "Q4_0"), ("q4_1", "Q4_1")],
)
def test_every_quantization_type_runs(tiny_dir: Path, quant: str, name: str) -> None:
    with ModelClient(tiny_dir / f"tiny-{quant}.gguf", n_ctx=128, n_threads=1) as client:
        assert client.start().quantization == name
        maps = client.attention("the cat sat")
        np.testing.assert_allclose(maps.weights.sum(axis=-1), 1.0, atol=1e-4)
        with client.generate("the cat", seed=0, max_tokens=4) as gen:
            assert len(list(gen)) >= 1 or (gen.result and gen.result.finish_reason == "eos")


def _worker_environ(client: ModelClient) -> dict[str, str]:
    raw = Path(f"/proc/{client.pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc (Linux)")
def test_worker_spins_briefly_unless_the_learner_says_otherwise(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """llama.cpp's OpenMP threads get a short spin (a loaded machine stays usable); a
    learner's own OMP_WAIT_POLICY is passed on untouched, with no spin count added."""
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    for policy, expected in ((None, "10000"), ("PASSIVE", None)):
        if policy is not None:
            monkeypatch.setenv("OMP_WAIT_POLICY", policy)
        client = ModelClient(tiny_model, n_ctx=64, n_threads=1)
        client.start()
        try:
            env = _worker_environ(client)
        finally:
            client.close()
        assert env.get("GOMP_SPINCOUNT") == expected
        assert env.get("OMP_WAIT_POLICY") == policy
