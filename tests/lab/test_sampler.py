"""The sampler lab: settings re-shape the distribution without a model call, the chain is drawn
stage by stage, and 100 seeded draws are reproducible."""

from __future__ import annotations

import numpy as np

from tests.fakes import FakeModelClient, distribution, tokenize_ids
from tests.lab.helpers import open_spec, press
from tests.lab.screen_text import flat_text
from tests.ui.conftest import RecordingApp
from tutor.ui.lab.sampler import (
    DRAWS,
    KNOBS,
    SamplerScreen,
    Settings,
    draw,
    fate_rows,
    histogram_rows,
    reshape,
    step,
)

SIZE = (80, 24)
PROMPT = "The cat sat on the"


def stages(settings: Settings) -> list:  # type: ignore[type-arg]
    dist = distribution(tokenize_ids(PROMPT), 20)
    return reshape(dist.logits, settings, [p.id for p in dist.prompt_tokens])


def test_knobs_step_through_their_values_and_snap() -> None:
    top_k = KNOBS[1]
    assert step(top_k, 40, 1) == 50 and step(top_k, 40, -1) == 20
    assert step(top_k, 0, -1) == 0  # stays at the end
    assert step(top_k, 33, 1) == 40  # a lesson's own value is on the list too


def test_the_chain_runs_in_llama_cpp_order_and_removes_what_it_says() -> None:
    chain = stages(Settings(top_k=5, top_p=1.0, min_p=0.0))
    assert [s.name for s in chain] == ["penalty", "top-k", "top-p", "min-p", "temperature"]
    assert len(chain[1].ids) == 5 and len(chain[1].removed) == len(chain[0].ids) - 5
    rows = fate_rows(chain, {}, 8)
    assert [r.mark for r in rows] == [" "] * 5 + ["✗"] * 3
    assert all("top-k" in r.detail for r in rows[5:])
    assert abs(sum(r.value for r in rows[:5]) - 1.0) < 1e-9  # renormalised survivors


def test_draws_are_reproducible_and_counted() -> None:
    chain = stages(Settings(top_k=10))
    first, again = draw(chain, 7), draw(chain, 7)
    assert first == again and sum(first.values()) == DRAWS
    assert set(first) <= set(chain[-1].ids.tolist())
    rows = histogram_rows(chain, first, {}, 8)
    assert sum(r.expected for r in rows) <= DRAWS + 1e-6
    assert np.isclose(sum(r.expected for r in histogram_rows(chain, first, {}, 100)), DRAWS)


async def test_a_settings_change_reshapes_without_a_model_call(
    fake_app: RecordingApp, fake_client: FakeModelClient
) -> None:
    async with fake_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="sampling", prompt=PROMPT)
        screen = fake_app.screen
        assert isinstance(screen, SamplerScreen) and screen.stages is not None
        calls = len(fake_client.calls)
        await press(pilot, "k", "left", "left", "left", "left")  # top-k 40 → 20 → 10 → 5 → 3
        assert screen.settings.top_k == 3
        assert len(screen.stages[1].ids) == 3
        assert len(fake_client.calls) == calls  # no model call for a new shape
        await press(pilot, "t", "o")  # temperature off is not a thing: stays
        await press(pilot, "p", "o")  # top-p off
        assert screen.settings.top_p == 1.0
        assert "top-p off" in flat_text(fake_app)


async def test_draw_100_shows_the_histogram_and_a_new_seed_redraws(
    fake_app: RecordingApp,
) -> None:
    async with fake_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="sampling", prompt=PROMPT)
        screen = fake_app.screen
        assert isinstance(screen, SamplerScreen)
        await press(pilot, "d")
        assert screen.drawn is not None and sum(screen.drawn.values()) == DRAWS
        assert "expected" in flat_text(fake_app)
        before = dict(screen.drawn)
        await press(pilot, "s")
        assert screen.settings.seed == 2 and screen.drawn is not None
        assert sum(screen.drawn.values()) == DRAWS
        await press(pilot, "s", "s")
        assert screen.drawn != before or screen.settings.top_k == 1  # seeds differ


async def test_a_lesson_setting_starts_the_lab_there(fake_app: RecordingApp) -> None:
    async with fake_app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="sampling", prompt=PROMPT, temperature=1.5, top_k=5)
        screen = fake_app.screen
        assert isinstance(screen, SamplerScreen)
        assert screen.settings.temperature == 1.5 and screen.settings.top_k == 5
        assert "temperature 1.50" in flat_text(fake_app)
