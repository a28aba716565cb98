"""The preference lab end to end on a real llama.cpp worker with a tiny generated GGUF: a vote
is recorded with everything it needs, the reward model is refitted after each vote, best-of-N
ranks N answers; and a process killed while voting loses no vote already recorded."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from tests.lab.helpers import open_spec, press
from tests.lab.screen_text import flat_text
from tests.ui.conftest import RecordingApp
from tutor.core.progress import ProgressStore
from tutor.ui.lab.preferences import PreferencesScreen

SIZE = (80, 24)
MakeApp = Callable[..., RecordingApp]
PROMPT = "the cat"


async def test_vote_retrain_and_best_of_n(make_app: MakeApp, tiny: Path) -> None:
    app = make_app(model=str(tiny))
    async with app.run_test(size=SIZE) as pilot:
        await open_spec(pilot, kind="rlhf", prompt=PROMPT, max_tokens=6)
        screen = app.screen
        assert isinstance(screen, PreferencesScreen) and screen.pair is not None
        first = screen.pair
        assert first.settings_a["seed"] != first.settings_b["seed"]
        assert "seed" not in flat_text(app)  # hidden until the vote

        await press(pilot, "a")
        votes = app.store.votes()
        assert len(votes) == 1
        v = votes[0]
        assert (v.prompt, v.answer_a, v.answer_b, v.vote) == (
            PROMPT, first.answer_a, first.answer_b, "a",
        )  # fmt: skip
        assert v.settings_a == first.settings_a and v.settings_b == first.settings_b
        info = app.model_service.status.info
        assert info is not None and v.model_sha256 == info.sha256 and len(v.model_sha256) == 64
        assert f"seed {first.settings_a['seed']}" in flat_text(app)  # revealed after it
        assert screen.model is not None and screen.model.pairs == 1

        await press(pilot, "n", "b")
        assert len(app.store.votes()) == 2
        assert screen.model.pairs == 2 and screen.trained_on == 2  # refitted on the new vote
        await press(pilot, "n", "t")
        assert screen.model.pairs == 3 and [n for n, _ in screen.history] == [1, 2, 3]

        await press(pilot, "3", *["minus"] * 6, "g")  # N stops at 4
        assert screen.ranked is not None and len(screen.ranked) == 4
        rewards = [c.reward for c in screen.ranked]
        assert rewards == sorted(rewards, reverse=True)
        assert sorted(c.seed for c in screen.ranked) == [1, 2, 3, 4]
        assert all(math.isnan(c.logprob) or c.logprob < 0 for c in screen.ranked)
        assert "Winner's length vs N (average over every pick of N of these 4)" in flat_text(app)

        await press(pilot, "4")
        newest = app.store.votes()[1]  # the newest decisive vote: B better
        assert screen.dpo is not None and screen.dpo.of == 2 and screen.dpo.index == 1
        assert (screen.dpo.chosen, screen.dpo.rejected) == (newest.answer_b, newest.answer_a)
        assert screen.dpo.view.logp_chosen < 0 and "loss = −log σ(margin)" in flat_text(app)


VOTER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tutor.core import reward_lab
    from tutor.core.progress import ProgressStore

    store = ProgressStore.open(Path(sys.argv[1]))
    for i in range(100_000):
        pair = reward_lab.Pair(f"prompt {i}", f"answer A {i}", f"answer B {i}",
                               {"seed": 2 * i}, {"seed": 2 * i + 1}, 3, 4)
        reward_lab.record(store, pair, "ab"[i % 2], "f" * 64)
        print(i + 1, flush=True)
    """
)


def test_a_kill_while_voting_loses_no_recorded_vote(tmp_path: Path) -> None:
    """A voter (the screen's own code path) SIGKILLed mid-stream: every vote it reported is
    there, whole, when the store is opened again."""
    database = tmp_path / "progress.sqlite"
    ProgressStore.open(database).close()
    voter = subprocess.Popen(
        [sys.executable, "-c", VOTER, str(database)], stdout=subprocess.PIPE, text=True
    )
    assert voter.stdout is not None
    reported = 0
    while reported < 25:
        reported = int(voter.stdout.readline())
    os.kill(voter.pid, signal.SIGKILL)
    voter.wait()
    with ProgressStore.open(database) as store:
        votes = store.votes()
    assert len(votes) >= reported
    for i, v in enumerate(votes):
        assert (v.prompt, v.answer_a, v.answer_b) == (
            f"prompt {i}",
            f"answer A {i}",
            f"answer B {i}",
        )
        assert v.settings_b == {"seed": 2 * i + 1} and v.vote == "ab"[i % 2]
