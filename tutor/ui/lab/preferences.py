"""The preference lab: vote between two answers, watch a reward model learn, then use it.

Lesson 7's loop, end to end on the learner's own votes:

1. **Vote**: the model answers the prompt twice (different seeds, optionally different
   temperatures), shown as A and B with their settings hidden until the vote, as Chatbot
   Arena does. ``a`` / ``b`` / ``t`` / ``x``: A better, B better, tie, both bad. Each vote is
   one append-only row in the progress store, written on the key press, before anything else.
2. **Reward model**: refitted after every vote (Bradley–Terry, :mod:`tutor.explain.reward`):
   the loss falling, held-out agreement beside "longer answer" and a coin, which features
   carry the weight, and held-out agreement against the number of votes (overfitting).
3. **Best-of-N**: N samples for a new prompt ranked by reward, with the model's own log π,
   and the winner's length as N grows (reward hacking when the votes favoured length).
4. **DPO**: for a voted pair, log π of each answer and the DPO loss: which way DPO would push.

Model calls run in thread workers (``run_model``) that only post messages; the store is read
and written on the UI thread only. Every call first refits the reward model if votes were cast
since the last fit, so a call that replaces a refit still does it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from tutor.core import reward_lab
from tutor.explain.reward import dpo_view
from tutor.runtime.types import GenerationSettings
from tutor.ui.base import TutorModal
from tutor.ui.lab.base import CallFailed, InstrumentScreen
from tutor.ui.lab.preferences_views import (
    DpoPair,
    best_of_n_view,
    dpo_text,
    model_view,
    vote_view,
)

DEFAULT_PROMPT = "Explain what a reward model is in two sentences."
BEST_OF_N_PROMPT = "Explain what a language model is in two sentences."
TEMPERATURE = 0.8
HOT_PAIR = (0.4, 1.2)  # the two temperatures when the learner asks for different ones
MAX_TOKENS = 64
BETA = 0.1
VIEWS = ("vote", "model", "best", "dpo")
VIEW_NAMES = ("1 vote", "2 reward model", "3 best-of-N", "4 DPO")
KEYS = {
    "vote": "a/b/t/x vote · n next pair · e prompt · h temperatures",
    "model": "refitted after every vote",
    "best": "g sample and rank · +/- N · e prompt",
    "dpo": "[ ] another pair · g score again",
}


class PairReady(Message):
    """Two answers to the prompt, with the settings that made them."""

    def __init__(self, pair: reward_lab.Pair) -> None:
        super().__init__()
        self.pair = pair


class RewardTrained(Message):
    """The reward model refitted on the first ``votes`` votes (posted mid-call)."""

    def __init__(self, model: reward_lab.TrainedReward, votes: int) -> None:
        super().__init__()
        self.model = model
        self.votes = votes


class Progress(Message):
    """How far a long call has got ("sampling 3 of 8…")."""

    def __init__(self, view: str, text: str, call: int) -> None:
        super().__init__()
        self.view = view
        self.text = text
        self.call = call  # which call it comes from (a replaced call's progress is dropped)


class SamplesRanked(Message):
    """N samples with rewards and log-probabilities, ranked."""

    def __init__(self, prompt: str, ranked: list[reward_lab.Candidate]) -> None:
        super().__init__()
        self.prompt = prompt
        self.ranked = ranked


class DpoReady(Message):
    """The DPO view of one voted pair."""

    def __init__(self, pair: DpoPair) -> None:
        super().__init__()
        self.pair = pair


class PromptDialog(TutorModal[str | None]):
    """Type a prompt; enter keeps it, esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prefs.prompt.cancel")]

    def __init__(self, title: str, value: str) -> None:
        super().__init__()
        self.heading = title
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.heading, style="bold"))
            yield Input(self.value, placeholder="a prompt for the model", id="prefs-prompt")
            yield Static(Text("enter: use this prompt · esc: cancel", style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


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
        self.prompt = self.spec.prompt or DEFAULT_PROMPT
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
            return model_view(self.model, self.history, len(self.store_votes()))
        if self.view == "best":
            has = self.model is not None or bool(self.store_votes())
            return best_of_n_view(self.best_prompt, self.n, self.ranked, waiting, has)
        return dpo_text(self.dpo, BETA, waiting)

    def pair_line(self) -> str:
        """What the vote view says about the pair being written (or not)."""
        writing = self.progress.get("vote", "")
        if self.pair is None:
            if self.running == "pair" or writing:
                return f"Asking the model for two answers… {writing}"
            return "No answers yet (r: retry · n: ask again)."
        if self.vote is None:
            return ""
        if self.upcoming is not None:
            return "n: next pair (ready)"
        return (
            f"n: next pair ({writing or 'writing'}…)" if self.running == "pair" else "n: next pair"
        )

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

    def pair_settings(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Two seeds in a row; with ``h``, two temperatures in an order the seed decides."""
        temp = self.spec.temperature if self.spec.temperature is not None else TEMPERATURE
        temps = (temp, temp)
        if self.hot:
            temps = HOT_PAIR if self.seed % 4 < 2 else (HOT_PAIR[1], HOT_PAIR[0])
        base = {k: v for k, v in self.spec.sampling_settings().items() if k != "seed"}
        max_tokens = self.spec.max_tokens or MAX_TOKENS
        a = {**base, "seed": self.seed, "temperature": temps[0], "max_tokens": max_tokens}
        b = {**base, "seed": self.seed + 1, "temperature": temps[1], "max_tokens": max_tokens}
        self.seed += 2
        return a, b

    def messages(self, prompt: str) -> list[dict[str, str]]:
        """The chat turn the model answers (with the demo's system prompt, if it has one)."""
        system = [{"role": "system", "content": self.spec.system}] if self.spec.system else []
        return [*system, {"role": "user", "content": prompt}]

    def new_pair(self, *, ahead: bool = False) -> None:
        """Ask for two answers; ``ahead``: keep the voted pair on screen until ``n``."""
        settings_a, settings_b = self.pair_settings()
        prompt, messages = self.prompt, self.messages(self.prompt)
        if not ahead:
            self.pair, self.vote = None, None

        tell = self.tell("vote")

        def op(client: Any, _model: Any) -> reward_lab.Pair:
            text_a, n_a = generate_text(client, messages, settings_a, lambda k: tell(f"A: {k}"))
            text_b, n_b = generate_text(client, messages, settings_b, lambda k: tell(f"B: {k}"))
            return reward_lab.Pair(prompt, text_a, text_b, settings_a, settings_b, n_a, n_b)

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
        words = "different temperatures (0.4 and 1.2)" if self.hot else "the same temperature"
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
        n, prompt, messages = self.n, self.best_prompt, self.messages(self.best_prompt)
        temp = self.spec.temperature if self.spec.temperature is not None else TEMPERATURE
        base = {"temperature": temp, "max_tokens": self.spec.max_tokens or MAX_TOKENS}

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
        return [v for v in self.store_votes() if v.vote in ("a", "b")]

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
        v = votes[index]
        chosen, rejected = (v.answer_a, v.answer_b) if v.vote == "a" else (v.answer_b, v.answer_a)
        system = str((v.settings_a or {}).get("system", "")) or self.spec.system
        messages = [{"role": "system", "content": system}] if system else []
        messages.append({"role": "user", "content": v.prompt})
        total = len(votes)

        def op(client: Any, model: Any) -> DpoPair:
            c, r = client.logprob(messages, chosen), client.logprob(messages, rejected)
            gap = None
            if model is not None:
                rc, rr = reward_lab.score(model, self.feature_cache(client), [chosen, rejected])
                gap = rc - rr
            view = dpo_view(c.total, r.total, beta=BETA)
            tokens = (len(c.tokens), len(r.tokens))
            return DpoPair(index, total, v.prompt, chosen, rejected, *tokens, view, gap)

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


# -- what the worker threads run (no widgets here) ---------------------------------------------


def generate_text(
    client: Any,
    messages: list[dict[str, str]],
    settings: dict[str, Any],
    tell: Callable[[str], object] | None = None,
) -> tuple[str, int]:
    """One whole answer and its length in tokens (``tell`` hears how far it has got)."""
    allowed = GenerationSettings.__dataclass_fields__
    chosen = GenerationSettings(**{k: v for k, v in settings.items() if k in allowed})
    with client.generate(messages, chosen) as gen:
        for i, _token in enumerate(gen, start=1):
            if tell is not None and i % 4 == 0:
                tell(f"{i} tokens")
    result = gen.result
    return (str(result.text), len(result.tokens)) if result is not None else ("", 0)


def answer_logprob(client: Any, messages: list[dict[str, str]], text: str) -> float:
    """log π(text | prompt), or NaN for an empty answer (nothing to score)."""
    if not text.strip():
        return math.nan
    return float(client.logprob(messages, text).total)


def sample_and_rank(
    client: Any,
    model: reward_lab.TrainedReward,
    cache: reward_lab.FeatureCache,
    messages: list[dict[str, str]],
    n: int,
    base: dict[str, Any],
    tell: Callable[[str], object],
) -> list[reward_lab.Candidate]:
    """Best-of-N: N answers with seeds 1..N, each scored by the reward model and by the
    model's own log-probability, best reward first."""
    texts: list[str] = []
    for seed in range(1, n + 1):

        def step(k: str, seed: int = seed) -> None:
            tell(f"sampling answer {seed} of {n}… {k}")

        step("")
        texts.append(generate_text(client, messages, {**base, "seed": seed}, step)[0])
    tell(f"scoring {n} answers (reward and log π)…")
    rewards = reward_lab.score(model, cache, texts)
    _, tokens = cache.lookup(texts)
    logps = [answer_logprob(client, messages, t) for t in texts]
    rows = zip(texts, rewards, logps, tokens, strict=True)
    cands = [reward_lab.Candidate(t, s, r, lp, k) for s, (t, r, lp, k) in enumerate(rows, 1)]
    return reward_lab.ranked(cands)
