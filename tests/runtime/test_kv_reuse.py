"""Faster chat turns: a generation whose prompt extends what the KV cache holds evaluates only
the new tokens, and gives exactly the text a fresh evaluation gives.

Each check runs the same chat twice: on a worker with reuse (the default) and on one started
with ``LLM_TUTOR_KV_REUSE=0`` (every prompt evaluated from scratch, as before). The replies
must be the same, token for token, on the tiny GGUF and on the default model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tutor.runtime.catalog import load_catalog, packaged_path
from tutor.runtime.client import ModelClient
from tutor.runtime.engine import KV_REUSE_ENV, Engine, common_prefix
from tutor.runtime.llamalog import LlamaLog
from tutor.runtime.protocol import WorkerConfig
from tutor.runtime.types import GenerationResult, GenerationSettings

GREEDY = GenerationSettings(temperature=0.0, max_tokens=12, seed=0)


def reply(client: ModelClient, prompt: object) -> GenerationResult:
    """One greedy generation, run to the end."""
    with client.generate(prompt, GREEDY) as gen:  # type: ignore[arg-type]
        for _token in gen:
            pass
    assert gen.result is not None
    return gen.result


def chat(client: ModelClient, turns: list[str]) -> list[GenerationResult]:
    """A chat of several turns; each turn re-sends the whole conversation, as the playground
    does, then a prompt that diverges mid-way (the first turn's question changed)."""
    messages: list[dict[str, str]] = [{"role": "system", "content": "You are brief."}]
    results = []
    for question in turns:
        messages.append({"role": "user", "content": question})
        result = reply(client, messages)
        results.append(result)
        messages.append({"role": "assistant", "content": result.text})
    changed = [dict(m) for m in messages[:-1]]
    changed[1]["content"] = turns[0] + " Please."
    results.append(reply(client, changed))
    results.append(reply(client, changed))  # the same prompt again: the cache holds it all
    results.append(reply(client, "a plain prompt, no template"))
    return results


def start(
    model: Path | None, reuse: bool, monkeypatch: pytest.MonkeyPatch, **kw: int
) -> ModelClient:
    """A worker with reuse on or off (the flag is read from the worker's environment)."""
    monkeypatch.setenv(KV_REUSE_ENV, "1" if reuse else "0")
    client = ModelClient(model, **kw)
    client.start()
    return client


def both(
    model: Path | None, monkeypatch: pytest.MonkeyPatch, turns: list[str], **kw: int
) -> Iterator[tuple[GenerationResult, GenerationResult]]:
    """The same chat with reuse and without, reply by reply."""
    with start(model, True, monkeypatch, **kw) as fast:
        with_reuse = chat(fast, turns)
    with start(model, False, monkeypatch, **kw) as slow:
        without = chat(slow, turns)
    return zip(with_reuse, without, strict=True)


def test_common_prefix() -> None:
    assert common_prefix([1, 2, 3], [1, 2, 4, 5]) == 2
    assert common_prefix([], [1]) == 0 and common_prefix([1, 2], [1, 2, 3]) == 2


TURNS = ["the cat", "and?", "why?"]


def recorded_evaluations(engine: Engine) -> list[tuple[int, int]]:
    """(start, number of tokens) of each prompt evaluation ``engine`` makes from now on."""
    evaluations: list[tuple[int, int]] = []
    decode = engine._decode_gen

    def spy(tokens: Sequence[int], start: int) -> None:
        evaluations.append((start, len(tokens)))
        decode(tokens, start)

    engine._decode_gen = spy  # type: ignore[method-assign]
    return evaluations


def test_a_next_turn_evaluates_only_its_new_tokens(tiny_model: Path, tmp_path: Path) -> None:
    """In the engine itself (in this process): what each generation's prompt evaluation starts
    from. A next turn starts after the cached conversation; a prompt that diverges mid-way
    starts where it diverges; after a next-token view (fresh evaluation) it starts at 0."""
    config = WorkerConfig(model_path=tiny_model, log_path=tmp_path / "log", n_ctx=512)
    engine = Engine(config, lambda: False, LlamaLog(logging.getLogger("test")))
    starts = recorded_evaluations(engine)
    emit: Any = lambda _token: None  # noqa: E731
    try:
        first = [{"role": "user", "content": "the cat"}]
        answer = engine.generate(first, GREEDY, emit)
        second = [*first, {"role": "assistant", "content": answer.text}]
        second.append({"role": "user", "content": "and?"})
        engine.generate(second, GREEDY, emit)
        ids_1, ids_2 = engine.prompt_ids(first), engine.prompt_ids(second)
        shared = common_prefix(ids_1, ids_2)  # the answer itself is evaluated again
        assert starts[0] == (0, len(ids_1)) and answer.tokens
        assert starts[1] == (shared, len(ids_2) - shared) and shared >= len(ids_1) - 2
        diverged = [{"role": "user", "content": "the dog"}]
        engine.generate(diverged, GREEDY, emit)
        assert starts[2][0] == common_prefix(ids_2, engine.prompt_ids(diverged)) > 0
        engine.next_token("the cat")  # a view that needs a fresh evaluation clears the cache
        assert engine.gen_cached == []
        engine.generate(diverged, GREEDY, emit)
        assert starts[3][0] == 0
    finally:
        engine.close()


def test_reuse_gives_the_same_replies_on_the_tiny_model(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pairs = list(both(tiny_model, monkeypatch, TURNS, n_ctx=512, n_threads=1))
    for fast, slow in pairs:
        assert [t.token.id for t in fast.tokens] == [t.token.id for t in slow.tokens]
        assert fast.text == slow.text and fast.prompt_tokens == slow.prompt_tokens
    assert any(fast.tokens for fast, _ in pairs)


DEFAULT_INSTALLED = packaged_path(load_catalog().default_model) is not None


@pytest.mark.default_model
@pytest.mark.skipif(not DEFAULT_INSTALLED, reason="the default model is not installed")
def test_reuse_gives_the_same_replies_on_the_default_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    turns = ["What is a cat?", "And a dog?"]
    pairs = list(both(None, monkeypatch, turns, n_ctx=1024))
    for fast, slow in pairs:
        assert fast.text == slow.text
    assert all(fast.text for fast, _ in pairs)


@pytest.mark.default_model
@pytest.mark.skipif(not DEFAULT_INSTALLED, reason="the default model is not installed")
def test_a_settled_answer_is_not_evaluated_again(tmp_path: Path) -> None:
    """``settle`` (the worker calls it while no request waits) batches a chat answer after its
    prompt: the next turn then starts after the answer, and answers as it does from a cleared
    cache. On the default model: its answers are words, which tokenize back to the same ids
    (the tiny model's random tokens do not, so nothing after its prompt could be reused)."""
    model = packaged_path(load_catalog().default_model)
    assert model is not None
    config = WorkerConfig(model_path=model, log_path=tmp_path / "log", n_ctx=512)
    engine = Engine(config, lambda: False, LlamaLog(logging.getLogger("test")))
    evaluations = recorded_evaluations(engine)
    emit: Any = lambda _token: None  # noqa: E731
    try:
        first = [{"role": "user", "content": "the cat"}]
        answer = engine.generate(first, GREEDY, emit)
        engine.settle(idle=True)  # batched: the cache now holds the prompt and the answer
        ids_1 = engine.prompt_ids(first)
        assert engine.gen_cached == ids_1 + [t.token.id for t in answer.tokens]
        second = [*first, {"role": "assistant", "content": answer.text}]
        second.append({"role": "user", "content": "and?"})
        shared = common_prefix(engine.gen_cached, engine.prompt_ids(second))
        settled = engine.generate(second, GREEDY, emit)
        assert evaluations[-1][0] == shared > len(ids_1)  # the answer was not evaluated again
        engine.settle(idle=False)  # a request waits: nothing is evaluated
        assert len(evaluations) == 3
        engine.next_token("the cat")  # the same second turn from a cleared cache
        assert engine.generate(second, GREEDY, emit).text == settled.text
        assert evaluations[-1][0] == 0
    finally:
        engine.close()
