"""What each lab screen looks like at 80x24, on the deterministic fake client. Each docstring
says what the reviewer should see. Update with ``--snapshot-update`` and look at the SVGs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from tests.fakes import FakeModelClient
from tests.lab.helpers import open_spec, press, settle
from tests.ui.conftest import RecordingApp

SnapCompare = Callable[..., bool]
MakeApp = Callable[..., RecordingApp]


def test_tokens(snap_compare: SnapCompare, fake_app: RecordingApp) -> None:
    """The text in its field, counts (characters, bytes, tokens), the strip with │ boundaries
    and visible spaces (·), the cursor [on the third token], its id, bytes in hex, kind."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="tokens", prompt="The cat sat on the mat!\tUnbelievable")
        await press(pilot, "tab", "right", "right")

    assert snap_compare(fake_app, run_before=run)


def test_next_token(snap_compare: SnapCompare, fake_app: RecordingApp) -> None:
    """The prompt, 12 candidates as eighth-block bars with %, logit and rank, the second one
    marked ›, the entropy line with the share shown, the look-up result for “mat”."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="next-token", prompt="The cat sat on the")
        await press(pilot, "down", "slash", "m", "a", "t", "enter", "escape")

    assert snap_compare(fake_app, run_before=run)


def test_predict_dialog(snap_compare: SnapCompare, fake_app: RecordingApp) -> None:
    """A 'Predict first' dialog over the next-token screen, whose bars stay hidden."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="next-token", prompt="The cat sat on the", predict=True)

    assert snap_compare(fake_app, run_before=run)


def test_predict_verdict(snap_compare: SnapCompare, fake_app: RecordingApp) -> None:
    """After guessing 'mat': the bars revealed and 'Not quite. The top token is …' below."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="next-token", prompt="The cat sat on the", predict=True)
        await press(pilot, "m", "a", "t", "enter")

    assert snap_compare(fake_app, run_before=run)


def test_failure_line(
    snap_compare: SnapCompare, fake_app: RecordingApp, fake_client: FakeModelClient
) -> None:
    """The runtime's own message in the status line, with 'ctrl+r: retry' under it."""
    fake_client.fail_with = "The model worker stopped unexpectedly (killed by SIGKILL)."

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="tokens", prompt="The cat")

    assert snap_compare(fake_app, run_before=run)


def test_lab_picker(snap_compare: SnapCompare, fake_app: RecordingApp) -> None:
    """The Lab (outline key x): every instrument with what it shows; unbuilt ones say so;
    '› Tokens' highlighted."""
    assert snap_compare(fake_app, press=["x"])


def test_lab_picker_no_color(
    snap_compare: SnapCompare, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Lab under NO_COLOR, one step down: all in black and white, and the highlighted
    row told by its mark alone: '› Next token', no mark on the other rows."""
    monkeypatch.setenv("NO_COLOR", "1")  # read when the app is built
    assert snap_compare(make_app(), press=["x", "down"])


def test_not_built(snap_compare: SnapCompare, fake_app: RecordingApp) -> None:
    """The 'Prompt playground: not in this version' card with its prompt and the way back."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="prompting", prompt="Which answer is better?")

    assert snap_compare(fake_app, run_before=run)


def test_lesson_demo_card_focused(snap_compare: SnapCompare, fake_app: RecordingApp) -> None:
    """The lesson scrolled to its demo card, focused (heavy border), 'enter: try it'."""

    async def run(pilot: Pilot[None]) -> None:
        await press(pilot, "enter", "tab")
        await settle(pilot)

    assert snap_compare(fake_app, run_before=run)


def test_sampler(snap_compare: SnapCompare, fake_app: RecordingApp) -> None:
    """Settings (top-k selected, ›, reverse), the chain table (5 stages: kept, removed,
    entropy, top p), the top 8 tokens: bars with before → after, or ✗ and the stage."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="sampling", prompt="The cat sat on the")
        await press(pilot, "k", "left", "left", "left", "left")

    assert snap_compare(fake_app, run_before=run)


def test_sampler_draws(snap_compare: SnapCompare, fake_app: RecordingApp) -> None:
    """After d: the histogram of 100 draws with seed 1, ┃ at each expected count."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="sampling", prompt="The cat sat on the")
        await press(pilot, "d")

    assert snap_compare(fake_app, run_before=run)
