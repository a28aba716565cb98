"""The preference lab's screen: its four views, its keys, and which model call runs when.

One screen, since the four jobs share one state: the votes in the store, the reward model
fitted on them and the answers on screen (a vote refits the model that best-of-N and DPO use).
What each job runs on the model lives beside it (``collect``, ``best_of_n``, ``dpo``) and what
each view draws in ``views``.

Model calls run in thread workers (``run_model``) that only post messages; the store is read
and written on the UI thread only. Every call first refits the reward model if votes were cast
since the last fit, so a call that replaces a refit still does it. The module is just over
400 lines for the same reason it is one screen: the keys of the four views act on that
one state, and the views' drawing and model work already live in their own modules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from tutor.core import reward_lab
from tutor.ui.lab.base import CallFailed, InstrumentScreen
from tutor.ui.lab.preferences import collect, dpo
from tutor.ui.lab.preferences.best_of_n import BEST_OF_N_PROMPT, sample_and_rank
from tutor.ui.lab.preferences.dialog import PromptDialog
from tutor.ui.lab.preferences.messages import (
    DpoReady,
    PairReady,
    Progress,
    RewardTrained,
    SamplesRanked,
)
from tutor.ui.lab.preferences.views import (
    DpoPair,
    best_of_n_view,
    dpo_text,
    model_view,
    pair_status,
    vote_view,
)

VIEWS = ("vote", "model", "best", "dpo")
VIEW_NAMES = ("1 vote", "2 reward model", "3 best-of-N", "4 DPO")
KEYS = {
    "vote": "a/b/t/x vote · n next pair · e prompt · h temperatures",
    "model": "refitted after every vote",
    "best": "g sample and rank · +/- N · e prompt",
    "dpo": "[ ] another pair · g score again",
}


class PreferencesScreen(InstrumentScreen):
    """The preference lab (demo kind ``rlhf``)."""

    KIND = "rlhf"
    RETRY_KEY = "r"
    BINDINGS: ClassVar[list[Any]] = [
        *InstrumentScreen.BINDINGS,
        Binding("r", "retry", "Retry", show=False),
        Binding("1", "view('vote')", "Vote", id="prefs.vote"),
        Binding("2", "view('model')", "Reward model", id="prefs.model"),
        Binding("3", "view('best')", "Best-of-N", id="prefs.best"),
        Binding("4", "view('dpo')", "DPO", id="prefs.dpo"),
        Binding("a", "vote('a')", "A", show=False),
        Binding("b", "vote('b')", "B", show=False),
        Binding("t", "vote('tie')", "Tie", show=False),
        Binding("x", "vote('both_bad')", "Both bad", show=False),
        Binding("n", "next_pair", "Next pair", show=False),
        Binding("g", "go", "Go", show=False),
        Binding("e", "edit", "Prompt", show=False),
        Binding("h", "hot", "Temperatures", show=False),
        Binding("plus,equals_sign", "n(1)", "N+", show=False),
        Binding("minus", "n(-1)", "N−", show=False),
        Binding("left_square_bracket", "pair(-1)", "Previous", show=False),
        Binding("right_square_bracket", "pair(1)", "Next", show=False),
    ]
    DEFAULT_CSS = """
    PreferencesScreen #prefs-tabs { height: 1; }
    PreferencesScreen #prefs-view { height: 1fr; }
    PreferencesScreen #prefs-keys { height: 1; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.view = "vote"
        self.prompt = self.spec.prompt or collect.DEFAULT_PROMPT
        self.best_prompt = BEST_OF_N_PROMPT
        self.seed = self.spec.seed if self.spec.seed is not None else 1
        self.hot = False
        self.n = 8
        self.pair: reward_lab.Pair | None = None  # on screen
        self.vote: str | None = None  # the learner's vote on it, once cast
        self.upcoming: reward_lab.Pair | None = None  # the next pair, written ahead
        self.running: str | None = None  # what the running call is for
        self.call = 0  # counts calls, so a replaced call's progress is dropped
        self.model: reward_lab.TrainedReward | None = None
        self.trained_on = 0  # how many votes the current model was fitted on
        self.history: list[tuple[int, float]] = []  # (votes, held-out) after each refit
        self.ranked: list[reward_lab.Candidate] | None = None
        self.progress: dict[str, str] = {}
        self.dpo: DpoPair | None = None
        self.dpo_index = -1  # which decisive vote (-1: the newest)
        self.cache: reward_lab.FeatureCache | None = None

    # -- layout --------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Static(id="prefs-tabs")
        yield Static(id="prefs-view")
        yield Static(id="prefs-keys")

    def start(self) -> None:
        if self.spec.seed is None:  # new seeds, never a pair already voted on this prompt
            self.seed = 1 + 2 * sum(v.prompt == self.prompt for v in self.store_votes())
        self.refresh_view()
        self.new_pair()  # refits the reward model first when there are votes already

    def refresh_view(self) -> None:
        """Redraw the tab line, the current view and its keys."""
        tabs = Text(no_wrap=True)
        for view, name in zip(VIEWS, VIEW_NAMES, strict=True):
            current = view == self.view
            tabs.append(f"[{name}]" if current else f" {name} ", "reverse bold" if current else "")
            tabs.append(" ")
        self.query_one("#prefs-tabs", Static).update(tabs)
        self.query_one("#prefs-view", Static).update(self.view_text())
        keys = f"{KEYS[self.view]} · 1–4 views · esc back"
        self.query_one("#prefs-keys", Static).update(Text(keys, style="dim", no_wrap=True))

    def view_text(self) -> Text:
        waiting = self.progress.get(self.view, "")
        if self.view == "vote":
            counts = Counter(v.vote for v in self.store_votes())
            return vote_view(self.pair, self.vote, dict(counts), self.model, self.pair_line())
        if self.view == "model":
            return model_view(self.model, self.history, self.refitting())
        if self.view == "best":
            has = self.model is not None or bool(self.store_votes())
            return best_of_n_view(self.best_prompt, self.n, self.ranked, waiting, has)
        return dpo_text(self.dpo, dpo.BETA, waiting)

    def pair_line(self) -> str:
        """What the vote view says about the pair being written (or not)."""
        shown, voted, ready = self.pair is not None, self.vote is not None, bool(self.upcoming)
        busy = self.running == "pair"
        writing, refit = self.progress.get("vote", ""), self.refitting()
        return pair_status(shown, voted, ready, busy, writing, refit)

    def refitting(self) -> int:
        """How many votes the running call is refitting the reward model on first (0: none)."""
        votes = len(self.store_votes())
        return votes if self.running is not None and votes != self.trained_on else 0

    def action_view(self, view: str) -> None:
        self.view = view
        if view == "dpo" and self.dpo is None and self.running != "dpo":
            self.score_dpo()
        self.refresh_view()

    # -- the store (UI thread only) ------------------------------------------------------------

    def store_votes(self) -> list[Any]:
        votes = getattr(self.services.store, "votes", None)
        return list(votes()) if votes is not None else []

    def model_sha(self) -> str:
        info = self.service.status.info
        return info.sha256 if info is not None else ""

    # -- model calls ---------------------------------------------------------------------------

    def run_lab(
        self, purpose: str, op: Callable[[Any, Any], Any], done: Callable[[Any], Message]
    ) -> None:
        """Run ``op(client, reward_model)`` in a worker, refitting the reward model first if
        votes were cast since the last fit (posting ``RewardTrained`` as soon as it is done).
        The votes are read here, on the UI thread."""
        votes = self.store_votes()
        items = reward_lab.comparisons(votes) if len(votes) != self.trained_on else []
        current = self.model
        if self.running not in (None, purpose):
            self.progress.pop(self.running, None)  # that call is replaced: its progress goes
        self.running = purpose
        self.call += 1

        def full(client: Any) -> Any:
            model = current
            if items:
                model = reward_lab.train(items, self.feature_cache(client))
                self.post_message(RewardTrained(model, len(items)))
            return op(client, model)

        self.run_model(full, done)

    def feature_cache(self, client: Any) -> reward_lab.FeatureCache:
        """One cache of answer features per screen (embeddings are computed once per answer)."""
        if self.cache is None:
            self.cache = reward_lab.FeatureCache(client)
        self.cache.model = client
        return self.cache

    def on_reward_trained(self, message: RewardTrained) -> None:
        if message.votes < self.trained_on:
            return  # a replaced call finishing late
        self.model, self.trained_on = message.model, message.votes
        if not self.history or self.history[-1][0] != message.votes:
            self.history.append((message.votes, message.model.heldout))
        self.dpo = None if self.view != "dpo" else self.dpo
        self.refresh_view()

    def tell(self, view: str) -> Callable[[str], None]:
        """A progress reporter for the next call (used from its worker thread)."""
        call = self.call + 1  # run_lab numbers the call it starts next

        def report(text: str) -> None:
            self.post_message(Progress(view, text, call))

        return report

    def on_progress(self, message: Progress) -> None:
        if message.call != self.call:
            return
        self.progress[message.view] = message.text
        self.refresh_view()

    def on_call_failed(self, message: CallFailed) -> None:
        super().on_call_failed(message)
        self.running = None
        self.progress.clear()
        self.refresh_view()

    def action_retry(self) -> None:
        self.progress.clear()
        if self._last_call is not None:
            self.running = "retry"
        super().action_retry()

    # -- 1. vote -------------------------------------------------------------------------------

    def new_pair(self, *, ahead: bool = False) -> None:
        """Ask for two answers; ``ahead``: keep the voted pair on screen until ``n``."""
        settings = collect.pair_settings(self.spec, self.seed, self.hot)
        self.seed += 2
        prompt, messages = self.prompt, collect.chat(self.spec.system, self.prompt)
        if not ahead:
            self.pair, self.vote = None, None
        tell = self.tell("vote")

        def op(client: Any, _model: Any) -> reward_lab.Pair:
            return collect.write_pair(client, prompt, messages, settings, tell)

        self.run_lab("pair", op, PairReady)
        self.refresh_view()

    def on_pair_ready(self, message: PairReady) -> None:
        self.model_answered()
        self.running = None
        if message.pair.prompt != self.prompt:
            return
        self.progress.pop("vote", None)
        if self.pair is None or self.vote is None:
            self.pair, self.vote = message.pair, None
        else:
            self.upcoming = message.pair
        self.refresh_view()

    def action_vote(self, vote: str) -> None:
        """Record the vote at once (append-only), reveal the settings, refit and write ahead."""
        if self.view != "vote" or self.pair is None or self.vote is not None:
            return
        reward_lab.record(self.services.store, self.pair, vote, self.model_sha())
        self.vote = vote
        self.upcoming = None
        self.new_pair(ahead=True)  # refits on every vote first, then writes the next pair

    def action_next_pair(self) -> None:
        if self.view != "vote":
            return
        if self.upcoming is not None:
            self.pair, self.vote, self.upcoming = self.upcoming, None, None
            self.refresh_view()
        elif self.running != "pair":
            self.new_pair()
        else:
            self.pair, self.vote = None, None  # the pair being written shows when it comes
            self.refresh_view()

    def action_hot(self) -> None:
        if self.view != "vote":
            return
        self.hot = not self.hot
        low, high = collect.HOT_PAIR
        words = (
            f"different temperatures ({low:g} and {high:g})" if self.hot else "the same temperature"
        )
        self.notify(f"Next pairs: {words}, hidden until you vote.", markup=False)

    # -- 3. best-of-N --------------------------------------------------------------------------

    def action_n(self, step: int) -> None:
        if self.view == "best":
            self.n = max(4, min(16, self.n + step))
            self.refresh_view()

    def best_of_n(self) -> None:
        if not self.store_votes():
            self.notify("Vote on a pair first: best-of-N needs a reward model.", markup=False)
            return
        n, prompt = self.n, self.best_prompt
        messages = collect.chat(self.spec.system, prompt)
        base = {
            "temperature": collect.temperature(self.spec),
            "max_tokens": collect.max_tokens(self.spec),
        }
        tell = self.tell("best")

        def op(client: Any, model: Any) -> list[reward_lab.Candidate]:
            cache = self.feature_cache(client)
            return sample_and_rank(client, model, cache, messages, n, base, tell)

        self.ranked = None
        self.progress["best"] = f"sampling {n} answers…"
        self.run_lab("best", op, lambda ranked: SamplesRanked(prompt, ranked))
        self.refresh_view()

    def on_samples_ranked(self, message: SamplesRanked) -> None:
        self.model_answered()
        self.running = None
        self.progress.pop("best", None)
        if message.prompt == self.best_prompt:
            self.ranked = message.ranked
        self.refresh_view()

    # -- 4. DPO --------------------------------------------------------------------------------

    def decisive_votes(self) -> list[Any]:
        return dpo.decisive(self.store_votes())

    def action_pair(self, step: int) -> None:
        if self.view != "dpo":
            return
        votes = self.decisive_votes()
        if votes:
            current = self.dpo_index % len(votes)
            self.dpo_index = max(0, min(len(votes) - 1, current + step))
            self.score_dpo()

    def score_dpo(self) -> None:
        """log π of both answers of the chosen voted pair, then the DPO quantities."""
        votes = self.decisive_votes()
        if not votes:
            self.dpo = None
            self.refresh_view()
            return
        index = self.dpo_index % len(votes)
        vote, where = votes[index], (index, len(votes))
        messages = dpo.vote_messages(vote, self.spec.system)

        def op(client: Any, model: Any) -> DpoPair:
            cache = self.feature_cache(client)
            return dpo.score_pair(client, model, cache, vote, where, messages)

        self.dpo = None
        self.progress["dpo"] = "Scoring both answers with the model…"
        self.run_lab("dpo", op, DpoReady)
        self.refresh_view()

    def on_dpo_ready(self, message: DpoReady) -> None:
        self.model_answered()
        self.running = None
        self.progress.pop("dpo", None)
        self.dpo = message.pair
        self.refresh_view()

    # -- keys that depend on the view ----------------------------------------------------------

    def action_go(self) -> None:
        if self.view == "best":
            self.best_of_n()
        elif self.view == "dpo":
            self.score_dpo()

    def action_edit(self) -> None:
        if self.view == "vote":
            self.app.push_screen(PromptDialog("Prompt for A and B", self.prompt), self._set_prompt)
        elif self.view == "best":
            dialog = PromptDialog("A new prompt for best-of-N", self.best_prompt)
            self.app.push_screen(dialog, self._set_best)

    def _set_prompt(self, prompt: str | None) -> None:
        if prompt and prompt != self.prompt:
            self.prompt = prompt
            self.upcoming = None
            self.new_pair()

    def _set_best(self, prompt: str | None) -> None:
        if prompt:
            self.best_prompt = prompt
            self.ranked = None
            self.refresh_view()
