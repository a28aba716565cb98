"""What the inside-the-model instruments look like at 80x24, on the deterministic fake client.
Each docstring says what the reviewer should see. Update with ``--snapshot-update``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from tests.lab.helpers import open_spec, press
from tests.lab.inside_fake import InsideFakeClient
from tests.ui.conftest import RecordingApp
from tutor.ui.model_service import ModelService

SnapCompare = Callable[..., bool]
PROMPT = "The cat sat on the mat, and the dog sat on the rug."


@pytest.fixture
def inside_app(make_app: Callable[..., RecordingApp]) -> RecordingApp:
    app = make_app()
    client = InsideFakeClient()
    app.model_service = ModelService(lambda: client)
    return app


def test_attention_heatmap(snap_compare: SnapCompare, inside_app: RecordingApp) -> None:
    """Layer 1, head 2 on screen; rows labelled with tokens (·cat), cells ░▒▓█ two columns
    wide, the upper-right triangle empty; the cursor row (▶) as five bars with exact weights."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="attention", prompt=PROMPT)
        await press(pilot, "right_square_bracket", "full_stop", "full_stop", "up", "up")

    assert snap_compare(inside_app, run_before=run)


def test_attention_overview(snap_compare: SnapCompare, inside_app: RecordingApp) -> None:
    """Every head as a cell (L0, L1 down; h0..h3 across, │ between the two KV groups), the
    current head in [brackets], first-token shares as a shade and two digits."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="attention", prompt=PROMPT)
        await press(pilot, "o", "s")

    assert snap_compare(inside_app, run_before=run)


def test_attention_by_hand(snap_compare: SnapCompare, inside_app: RecordingApp) -> None:
    """One query's keys with q·k, ÷√d, mask (-inf below the query), softmax and llama.cpp's
    column, and the largest difference line."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="attention", prompt=PROMPT)
        await press(pilot, "h", "space", "space", "space", "space")

    assert snap_compare(inside_app, run_before=run)


def test_attention_toy(snap_compare: SnapCompare, inside_app: RecordingApp) -> None:
    """The toy: q, three keys, the dot products filled in after a right answer (✓), and the
    prompt for the next step."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="attention", prompt=PROMPT)
        await press(pilot, "h", "t", "2", "comma", "4", "comma", "4", "enter")

    assert snap_compare(inside_app, run_before=run)


def test_lens_grid(snap_compare: SnapCompare, inside_app: RecordingApp) -> None:
    """Layers × positions with each cell's top token after a shade; the cursor cell in
    brackets; its top 5 as bars; the answer's first layer on top in the info line."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="lens", prompt="The cat sat on the")
        await press(pilot, "up", "left")

    assert snap_compare(inside_app, run_before=run)


def test_embeddings_map(snap_compare: SnapCompare, inside_app: RecordingApp) -> None:
    """The representation named at the top; the similarity table (· on the diagonal); the
    braille PCA map with labels, the selected item as ◉; its nearest neighbours below."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="embeddings", prompt="cat, dog, kitten, car, happy, sad")
        await press(pilot, "down")

    assert snap_compare(inside_app, run_before=run)


def test_embeddings_predict_verdict(snap_compare: SnapCompare, inside_app: RecordingApp) -> None:
    """After guessing 'dog' for 'which is closest to cat': the table revealed and the verdict."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="embeddings", prompt="cat, dog, car", predict=True)
        await press(pilot, "d", "o", "g", "enter")

    assert snap_compare(inside_app, run_before=run)
