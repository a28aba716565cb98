"""Two models side by side in the lab (ctrl+o on Tokens and Next token, ctrl+g in the
playground): how it looks on two fake models, that every view reaches the second model the
same one way (the app's ``ModelService.second()``: one client, however many views), the one
line shown when no second model is installed, and the real thing with SmolLM2 against Gemma 3
270M (skipped, saying why, where Gemma is not installed)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from tests.fakes import FakeModelClient, second_fake_client
from tests.helpers import second_model_path
from tests.lab.helpers import open_spec, press
from tests.lab.screen_text import flat_text
from tests.ui.conftest import RecordingApp
from tutor.runtime.client import ModelClient
from tutor.ui.lab.next_token import NextTokenScreen
from tutor.ui.lab.playground import PlaygroundScreen
from tutor.ui.lab.tokens import TokensScreen
from tutor.ui.model_service import SECOND_MISSING, ModelService

SIZE = (80, 24)
GEMMA = second_model_path()  # at import time: the suite points LLM_TUTOR_HOME elsewhere later
MakeApp = Callable[..., RecordingApp]
SnapCompare = Callable[..., bool]


@pytest.fixture
def second_fake() -> FakeModelClient:
    return second_fake_client()


@pytest.fixture
def two_fakes(
    make_app: MakeApp, fake_client: FakeModelClient, second_fake: FakeModelClient
) -> RecordingApp:
    """The real app on two fake models: the second has whole words where the first splits."""
    app = make_app()
    app.model_service = ModelService(lambda: fake_client, lambda: second_fake)
    return app


def test_tokens_side_by_side(snap_compare: SnapCompare, two_fakes: RecordingApp) -> None:
    """Under the counts: 'fake-model · 299-token vocabulary · 11 tokens' over the usual strip
    (·Un│bel│iev│able), then 'fake-second · 311-token vocabulary · 6 tokens' over its strip
    (·cat·sat, ·mat! and ·Unbelievable whole), then the cursor token's id and bytes."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="tokens", prompt="The cat sat on the mat! Unbelievable")
        await press(pilot, "ctrl+o")

    assert snap_compare(two_fakes, run_before=run, terminal_size=SIZE)


def test_next_token_side_by_side(snap_compare: SnapCompare, two_fakes: RecordingApp) -> None:
    """Two columns under their model names: ten bars each on one scale, with percentages;
    the sixth left row (“·ate”) highlighted, and marked › on the right, where it is ninth; an
    entropy line under each; below, the prompt's token count for each model (5 and 4) and
    what a full bar is (69.8%)."""

    async def run(pilot: Pilot[None]) -> None:
        await open_spec(pilot, kind="next-token", prompt="The cat sat on the")
        await press(pilot, "ctrl+o", *["down"] * 5)

    assert snap_compare(two_fakes, run_before=run, terminal_size=SIZE)


async def test_every_side_by_side_view_shares_the_apps_one_second_client(
    make_app: MakeApp, fake_client: FakeModelClient
) -> None:
    """Tokens, next token and the playground's base model all ask ``ModelService.second()``:
    the factory runs once, and each view's call lands on that one client."""
    made: list[FakeModelClient] = []

    def second_factory() -> FakeModelClient:
        made.append(second_fake_client())
        return made[-1]

    app = make_app()
    app.model_service = ModelService(lambda: fake_client, second_factory)
    async with app.run_test(size=SIZE) as pilot:
        for spec, key in (
            ({"kind": "tokens", "prompt": "The cat"}, "ctrl+o"),
            ({"kind": "next-token", "prompt": "The cat sat on the"}, "ctrl+o"),
            ({"kind": "prompting", "prompt": "The cat sat on the mat"}, "ctrl+g"),
            ({"kind": "tokens", "prompt": "The dog"}, "ctrl+o"),  # a view opened again
        ):
            await open_spec(pilot, **spec)
            await press(pilot, key)
            assert "fake-second" in flat_text(app), spec  # its answer or strip is shown
            await press(pilot, "escape")
        second = app.model_service.second()
        assert second is not None and second.client is made[0]
    assert len(made) == 1  # one client for the second model, whatever asked for it
    assert {"tokenize", "next_token", "generate"} <= set(made[0].calls)
    assert not hasattr(app, "second_model_service")  # no second way to it


async def test_without_a_second_model_one_line_says_how_to_install_it(
    make_app: MakeApp, fake_client: FakeModelClient
) -> None:
    app = make_app()
    # The app's own lookup, in the suite's empty data directory: nothing is installed.
    app.model_service = ModelService(lambda: fake_client, app._new_second_client)
    async with app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="tokens", prompt="The cat")
        await press(pilot, "ctrl+o")
        assert SECOND_MISSING in flat_text(app)
        assert "tokens" in flat_text(app)  # the first model's view is still all there
        await press(pilot, "ctrl+o")
        assert SECOND_MISSING not in flat_text(app)
        await press(pilot, "escape")

        await open_spec(pilot, kind="next-token", prompt="The cat")
        await press(pilot, "ctrl+o")
        assert SECOND_MISSING in flat_text(app)
        assert isinstance(app.screen, NextTokenScreen) and app.screen.dist is not None
        await press(pilot, "escape")

        await open_spec(pilot, kind="prompting", prompt="The cat sat on the mat")
        await press(pilot, "ctrl+g")
        assert SECOND_MISSING in [n.message for n in app._notifications]  # the chat stays
        assert isinstance(app.screen, PlaygroundScreen) and not app.screen.comparing
        assert app.screen.current is not None and app.screen.current.answer
    assert fake_client.calls  # the first model answered throughout


async def test_a_failing_second_model_says_so_and_the_first_carries_on(
    two_fakes: RecordingApp, second_fake: FakeModelClient
) -> None:
    second_fake.fail_with = "The model worker stopped unexpectedly (killed by SIGKILL)."
    async with two_fakes.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="tokens", prompt="The cat")
        await press(pilot, "ctrl+o")
        shown = flat_text(two_fakes)
        assert "The second model could not answer: The model worker stopped" in shown
        assert "ctrl+o twice: try again" in shown
        screen = two_fakes.screen
        assert isinstance(screen, TokensScreen) and screen.pieces  # the first model answered
        second_fake.fail_with = None
        await press(pilot, "ctrl+o", "ctrl+o")
        assert "could not answer" not in flat_text(two_fakes)
        assert screen.second_pieces is not None and "fake-second" in flat_text(two_fakes)


@pytest.mark.skipif(
    GEMMA is None,
    reason="Gemma 3 270M is not installed here: run `make models` to compare two real models",
)
async def test_smollm2_beside_gemma(make_app: MakeApp) -> None:
    """The default model against the installed Gemma 3 270M, through the real app: tokens,
    next token and the playground's base model, all on one second worker."""
    assert GEMMA is not None
    made: list[ModelClient] = []

    def second_factory() -> ModelClient:
        made.append(ModelClient(GEMMA, n_ctx=512))
        return made[-1]

    app = make_app()  # the default model, SmolLM2 135M Instruct
    app.model_service = ModelService(app._new_client, second_factory)
    async with app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="tokens", prompt=" unbelievable")
        await press(pilot, "ctrl+o")
        screen = app.screen
        assert isinstance(screen, TokensScreen) and screen.pieces and screen.second_pieces
        assert [p.text for p in screen.second_pieces if not p.special] == [" unbelievable"]
        assert len(screen.pieces) >= 2  # SmolLM2's 49k vocabulary cuts the word
        shown = flat_text(app)
        assert "49,152-token vocabulary" in shown and "262,144-token vocabulary" in shown
        await press(pilot, "escape")

        await open_spec(pilot, kind="next-token", prompt="The capital of France is")
        await press(pilot, "ctrl+o")
        screen = app.screen
        assert isinstance(screen, NextTokenScreen) and screen.dist and screen.second_dist
        assert screen.dist.logits.shape == (49_152,)
        assert screen.second_dist.logits.shape == (262_144,)
        for dist in (screen.dist, screen.second_dist):
            assert " Paris" in [c.token.text for c in dist.top[:5]]
        await press(pilot, "enter")  # append the left model's top token: both answer again
        prompt = screen.context_text
        assert prompt.startswith("The capital of France is") and len(prompt) > 24
        assert screen.second_dist is not None
        said = "".join(p.text for p in screen.second_dist.prompt_tokens if not p.special)
        assert said == prompt
        assert "gemma 3 270m" in flat_text(app).lower()  # its column heading
        second_pid = made[0].pid
        await press(pilot, "escape")

        await open_spec(pilot, kind="prompting", prompt="The capital of France is", max_tokens=8)
        await press(pilot, "ctrl+g")
        screen = app.screen
        assert isinstance(screen, PlaygroundScreen) and screen.comparing
        assert screen.current is not None and screen.current.answer  # SmolLM2, chat template
        assert screen.base is not None and screen.base.answer  # Gemma, plain text
        assert screen.base.prompt == "The capital of France is"
        assert "gemma 3 270m (base)" in flat_text(app).lower()  # no chat template: base
        assert len(made) == 1 and made[0].pid == second_pid  # the same worker throughout


async def test_the_compare_heading_names_the_two_models_as_they_are(
    make_app: MakeApp, fake_client: FakeModelClient
) -> None:
    """The learner's own model may be the base one (Gemma) and the second the instruct one:
    the heading names both instead of saying "Instruct and base model"."""
    base_first = FakeModelClient(name="own-base")
    app = make_app()
    app.model_service = ModelService(lambda: base_first, lambda: fake_client)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_spec(pilot, kind="prompting", prompt="The cat sat on the mat")
        await press(pilot, "ctrl+g")
        text = flat_text(app)
        assert "Instruct and base model" not in text
        assert "own-base and fake-model" in text, text
