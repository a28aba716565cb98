"""What the prompt playground looks like at 80x24, on the deterministic fake client. Each
docstring says what the reviewer should see. Update with ``--snapshot-update``."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from tests.fakes import second_fake_client
from tests.lab.helpers import open_spec, press
from tests.ui.conftest import RecordingApp
from tutor.ui.model_service import ModelService

SnapCompare = Callable[..., bool]
PIRATE = {
    "kind": "prompting",
    "prompt": "The cat sat on the mat",
    "system": "You are a pirate.",
}


def test_playground_chat(snap_compare: SnapCompare, fake_app: RecordingApp) -> None:
    """System and user fields, the two settings/keys lines, a first turn kept in the chat
    (user, assistant), the second turn's answer streamed, the keys in the footer."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, **PIRATE)
        await press(pilot, "ctrl+n", *"the dog", "ctrl+s")

    assert snap_compare(fake_app, run_before=run)


def test_playground_template(snap_compare: SnapCompare, fake_app: RecordingApp) -> None:
    """ctrl+o: 'The exact tokens the model reads', the count of special tokens, and the strip
    with <|im_start|> system … <|im_end|> visible between │ boundaries."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, **PIRATE)
        await press(pilot, "ctrl+o")

    assert snap_compare(fake_app, run_before=run)


def test_playground_ab(snap_compare: SnapCompare, fake_app: RecordingApp) -> None:
    """ctrl+b pinned A, the prompt edited, ctrl+s ran B: two panes side by side, each with its
    settings, the prompt line only it has (− / +) and its answer."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, **PIRATE)
        await press(pilot, "ctrl+b", "end", *" and the dog", "ctrl+s")

    assert snap_compare(fake_app, run_before=run)


def test_playground_base_model(snap_compare: SnapCompare, fake_app: RecordingApp) -> None:
    """ctrl+g with a second model: 'fake-model and fake-second (base), same prompt', the fake
    model's answer (read with its chat template) left, the base pane right: 'fake-second (base)' (it
    has no chat template), 'reads the prompt as plain text: no template', its answer."""
    first = fake_app.model_service.client
    fake_app.model_service = ModelService(lambda: first, second_fake_client)

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, **PIRATE)
        await press(pilot, "ctrl+g")

    assert snap_compare(fake_app, run_before=run)


def test_playground_predict_verdict(snap_compare: SnapCompare, fake_app: RecordingApp) -> None:
    """predict = true: after the guess 'the cat', the answer and 'Not quite./Right! Your
    guess … The answer starts …' under it."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, **PIRATE, predict=True)
        await press(pilot, *"the cat", "enter")

    assert snap_compare(fake_app, run_before=run)
