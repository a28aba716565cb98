"""A new call never waits for a stale generation: it cancels the running one, which ends cleanly
for whoever still iterates it (tiny GGUF; ordering checked with events, never with a clock)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tutor.runtime.client import ModelClient
from tutor.runtime.types import GenerationSettings

# Greedy on the tiny model never meets its end-of-text token: without a cancel this runs to
# max_tokens (seconds), so a 'cancelled' result shows that the next call did not wait for it.
LONG = GenerationSettings(temperature=0, max_tokens=2000)
WAIT = 60  # seconds: a bound for a hung test, not a measurement


@pytest.fixture
def client(tiny_model: Path) -> Iterator[ModelClient]:
    with ModelClient(tiny_model, n_ctx=2048, n_threads=1) as client:
        client.start()
        yield client


def test_a_call_from_another_thread_preempts_a_generation(client: ModelClient) -> None:
    events: list[str] = []
    first_token, answered = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def consume() -> None:
        with client.generate("the cat", LONG) as gen:
            outcome["first"] = next(gen)
            first_token.set()
            answered.wait(WAIT)  # the consumer sits inside its generation, not reading it
            events.append("consumer reads on")
            outcome["rest"] = list(gen)
        outcome["result"] = gen.result

    def ask() -> None:
        outcome["dist"] = client.next_token("the")
        events.append("next_token returned")
        answered.set()

    consumer = threading.Thread(target=consume)
    consumer.start()
    assert first_token.wait(WAIT)
    asker = threading.Thread(target=ask)
    asker.start()
    asker.join(WAIT)
    consumer.join(WAIT)
    assert not asker.is_alive() and not consumer.is_alive()
    assert events == ["next_token returned", "consumer reads on"]
    assert outcome["dist"].logits.size == client.info().n_vocab
    result = outcome["result"]  # the preempted generation ended cleanly, with what it made
    assert result is not None and result.finish_reason == "cancelled"
    assert result.tokens == [outcome["first"], *outcome["rest"]]
    assert len(result.tokens) < LONG.max_tokens


def test_a_forgotten_generation_does_not_block_the_next_call(client: ModelClient) -> None:
    forgotten = client.generate("the cat", LONG)
    next(forgotten)  # started, then never read again nor closed
    assert [t.text for t in client.tokenize("the cat", add_special=False)] == [" the", " cat"]
    assert forgotten.finished
    list(forgotten)  # reading it later ends at once: the worker already confirmed the cancel
    assert forgotten.result is not None and forgotten.result.finish_reason == "cancelled"


def test_a_stale_generation_cannot_cancel_the_new_one(client: ModelClient) -> None:
    stale = client.generate("the cat", LONG)
    next(stale)
    with client.generate("the dog", temperature=0, max_tokens=20) as fresh:
        stale.cancel()  # late: it must not reach the generation that replaced it
        stale.close()
        tokens = list(fresh)
    assert fresh.result is not None and fresh.result.finish_reason == "length"
    assert len(tokens) == 20
    assert stale.result is not None and stale.result.finish_reason == "cancelled"


def test_cancelling_the_running_call_leaves_a_usable_client(client: ModelClient) -> None:
    with client.generate("the cat", LONG) as gen:
        next(gen)
        client.cancel()  # the client-wide cancel, as the UI's model service uses it
        rest = list(gen)
    assert gen.result is not None and gen.result.finish_reason == "cancelled"
    assert len(rest) < LONG.max_tokens - 1
    with client.generate("the cat", temperature=0, max_tokens=5) as again:
        assert len(list(again)) == 5
