"""What the preference lab looks like at 80x24 on the deterministic fake client (answers vary
by seed). Each docstring says what the reviewer should see; update with ``--snapshot-update``
and look at the SVGs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from tests.fakes import FakeModelClient
from tests.lab.helpers import open_spec, press
from tests.ui.conftest import RecordingApp

SnapCompare = Callable[..., bool]
PROMPT = "Explain what a reward model is in two sentences."


@pytest.fixture
def varied(fake_client: FakeModelClient) -> FakeModelClient:
    fake_client.vary_by_seed = True
    return fake_client


async def vote_longer(pilot: Pilot[None], times: int) -> None:
    """Vote for the longer answer ``times`` times, going to the next pair after each."""
    screen = pilot.app.screen
    for _ in range(times):
        pair = screen.pair  # type: ignore[attr-defined]
        await press(pilot, "a" if pair.tokens_a >= pair.tokens_b else "b", "n")


def test_prefs_vote(
    snap_compare: SnapCompare, fake_app: RecordingApp, varied: FakeModelClient
) -> None:
    """Tabs with [1 vote] current; the prompt; answers A and B side by side under ─ A ─┬─ B ─;
    'Which is better? a: A b: B t: tie x: both bad (settings hidden)'; '0 votes'; the keys."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="rlhf", prompt=PROMPT)

    assert snap_compare(fake_app, run_before=run)


def test_prefs_voted(
    snap_compare: SnapCompare, fake_app: RecordingApp, varied: FakeModelClient
) -> None:
    """After 'b': 'You voted B better.' with each side's seed, temperature and length shown,
    'n: next pair (ready)', and '1 vote: … B 1' with held-out n/a."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="rlhf", prompt=PROMPT)
        await press(pilot, "b")

    assert snap_compare(fake_app, run_before=run)


def test_prefs_model(
    snap_compare: SnapCompare, fake_app: RecordingApp, varied: FakeModelClient
) -> None:
    """After 8 votes for the longer answer: the loss sparklines (Newton, GD) falling, held-out
    agreement bars beside 'longer answer' (100%) and a coin (50%), the feature weights (on the
    fake's vectors the embedding block carries them), 'Overfitting: 100% on the votes it was
    fitted on; held out, by votes:' and the table of votes against held-out agreement."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="rlhf", prompt=PROMPT)
        await vote_longer(pilot, 8)
        await press(pilot, "2")

    assert snap_compare(fake_app, run_before=run)


def test_prefs_best_of_n(
    snap_compare: SnapCompare, fake_app: RecordingApp, varied: FakeModelClient
) -> None:
    """Best-of-N after 8 votes for length: N = 8, the samples ranked by reward with log π and
    tokens (the winner in reverse video), then "Winner's length vs N (average over every pick
    of N of these 8)": N 1 2 4 8 over the winner's mean tokens, a sparkline, and one sentence on
    whether it grows (the fake's answers are all about as long, so it says it does not)."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="rlhf", prompt=PROMPT)
        await vote_longer(pilot, 8)
        await press(pilot, "3", "g")

    assert snap_compare(fake_app, run_before=run)


def test_prefs_dpo(
    snap_compare: SnapCompare, fake_app: RecordingApp, varied: FakeModelClient
) -> None:
    """The DPO view of the newest voted pair: prompt, chosen, rejected, each answer's log π as
    a bar with its tokens, the reward gap, the margin 0.000, loss 0.693 and which way DPO pushes."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="rlhf", prompt=PROMPT)
        await vote_longer(pilot, 2)
        await press(pilot, "4")

    assert snap_compare(fake_app, run_before=run)


def test_prefs_failure(
    snap_compare: SnapCompare, fake_app: RecordingApp, varied: FakeModelClient
) -> None:
    """A crashed worker: the runtime's message in the status line and 'r: retry' under it."""
    varied.fail_with = "The model worker stopped unexpectedly (killed by SIGKILL)."

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="rlhf", prompt=PROMPT)

    assert snap_compare(fake_app, run_before=run)
