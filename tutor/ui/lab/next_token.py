"""Next token: the model's whole next-token distribution for a prompt, and generation by hand.

The top candidates are drawn as eighth-block bars with their text, probability, logit and rank;
the entropy (in bits) says how spread the distribution is, and the share of probability the
shown rows hold says how much is left in the tail. Any text can be looked up for its rank and
probability. ``enter`` appends the highlighted token and asks for the next distribution,
``backspace`` steps back (earlier distributions are kept, so stepping back costs nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Static

from tutor.runtime.types import NextTokenDistribution, TokenPiece
from tutor.ui.lab.base import InstrumentScreen, Verdict
from tutor.ui.widgets.bars import BarRow, ProbabilityBars
from tutor.ui.widgets.token_strip import visible

SHOWN = 12  # rows of bars that fit at 80x24 with the prompt, summary and look-up lines
TOP_N = 20


def entropy_bits(probs: np.ndarray) -> float:
    """Shannon entropy in bits: -sum p log2 p over the tokens with p > 0."""
    p = probs[probs > 0]
    return float(-(p * np.log2(p)).sum())


def rank_of(logits: np.ndarray, token_id: int) -> int:
    """1 for the most likely token: one more than the number of tokens with a larger logit."""
    return 1 + int((logits > logits[token_id]).sum())


def bar_rows(dist: NextTokenDistribution, shown: int) -> list[BarRow]:
    """One bar per candidate: probability as bar and percent, then logit and rank."""
    return [
        BarRow(c.token.text, c.prob, f"{c.prob:6.1%}  logit {c.logit:6.2f}  #{rank}")
        for rank, c in enumerate(dist.top[:shown], start=1)
    ]


def summary_line(dist: NextTokenDistribution, shown: int) -> Text:
    """Entropy, the share of probability the shown rows hold, and the prompt's length."""
    probs = dist.probs()
    share = sum(c.prob for c in dist.top[:shown])
    line = Text(f"entropy {entropy_bits(probs):.2f} bits", style="bold")
    line.append(f" · these {min(shown, len(dist.top))} hold {share:.1%} of the probability")
    line.append(f" · prompt: {len(dist.prompt_tokens)} tokens", style="dim")
    return line


@dataclass(frozen=True)
class Lookup:
    """A typed text's first token, with its rank and probability in the distribution."""

    text: str
    token: TokenPiece
    rank: int
    prob: float


def lookup_line(found: list[Lookup]) -> Text:
    """The look-up results, one line per variant tried: text, rank, probability, id."""
    line = Text()
    for i, item in enumerate(found):
        if i:
            line.append("\n")
        line.append(f"“{visible(item.token.text)}”", style="bold")
        line.append(f"  rank {item.rank:,}  p {item.prob:.2g}  (id {item.token.id})")
    return line


class DistributionReady(Message):
    """The next-token distribution after ``prompt``."""

    def __init__(self, prompt: str, dist: NextTokenDistribution) -> None:
        super().__init__()
        self.prompt = prompt
        self.dist = dist


class LookupReady(Message):
    """The first tokens of the variants of a looked-up text."""

    def __init__(self, text: str, pieces: list[tuple[str, TokenPiece]]) -> None:
        super().__init__()
        self.text = text
        self.pieces = pieces


def variants(text: str) -> list[str]:
    """The text as typed and, if it has none, with a leading space (most words carry one)."""
    return [text] if text.startswith(" ") else [text, " " + text]


class CandidateBars(ProbabilityBars, can_focus=True):
    """The candidates' bars, focusable: the highlighted one is what ``enter`` appends."""


class NextTokenScreen(InstrumentScreen):
    """The next-token instrument."""

    KIND = "next-token"
    BINDINGS = [
        *InstrumentScreen.BINDINGS,
        Binding("up,k", "move(-1)", "↑", show=False),
        Binding("down,j", "move(1)", "Choose", id="next.move", key_display="↑↓"),
        Binding("enter", "append", "Append", id="next.append"),
        Binding("backspace", "back_step", "Step back", id="next.backstep"),
        Binding("e", "edit", "Edit prompt", id="next.edit"),
        Binding("slash", "lookup", "Look up", id="next.lookup"),
    ]
    DEFAULT_CSS = """
    NextTokenScreen #next-summary { height: 1; margin: 1 0 0 0; }
    NextTokenScreen #next-lookup-result { height: auto; max-height: 2; }
    NextTokenScreen #next-verdict { height: auto; }
    NextTokenScreen #next-bars { height: 12; margin: 1 0 0 0; }
    """
    PREDICT_QUESTION = "What will the model's most likely next token be?"
    PREDICT_HINT = "a word or piece of a word"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.dist: NextTokenDistribution | None = None
        self.context_text = self.spec.prompt
        self.steps: list[tuple[str, NextTokenDistribution]] = []  # earlier contexts, for back
        self.lookup: list[Lookup] = []

    def compose_body(self) -> ComposeResult:
        prompt = Input(self.spec.prompt, placeholder="a prompt; enter: run", id="next-prompt")
        yield self.field("Prompt", prompt)
        yield CandidateBars(id="next-bars")
        yield Static(id="next-summary")
        yield Static(id="next-verdict")
        lookup = Input(placeholder="press / then type a token; enter: its rank", id="next-lookup")
        yield self.field("Look up", lookup)
        yield Static(id="next-lookup-result")

    def start(self) -> None:
        self.query_one("#next-bars").focus()
        self.fetch(self.context_text)

    def fetch(self, prompt: str) -> None:
        """Ask for the distribution after ``prompt`` (replacing any running request)."""
        self.context_text = prompt
        self.run_model(
            lambda client: client.next_token(prompt, top_n=TOP_N),
            lambda dist: DistributionReady(prompt, dist),
        )

    def on_distribution_ready(self, message: DistributionReady) -> None:
        self.model_answered()
        if message.prompt != self.context_text:
            return
        self.dist = message.dist
        self.query_one(ProbabilityBars).highlight = 0
        self.try_judge()
        self.refresh_view()

    def refresh_view(self) -> None:
        bars = self.query_one(ProbabilityBars)
        summary = self.query_one("#next-summary", Static)
        if self.dist is None:
            bars.rows = ()
            summary.update(Text("Asking the model…", style="dim"))
        elif not self.revealed:
            bars.rows = ()
            summary.update(self.verdict_text())
        else:
            bars.rows = tuple(bar_rows(self.dist, SHOWN))
            summary.update(summary_line(self.dist, SHOWN))
        self.query_one("#next-verdict", Static).update(self.verdict_text() if self.revealed else "")
        self.query_one("#next-lookup-result", Static).update(lookup_line(self.lookup))

    # -- generation by hand ------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        bars = self.query_one(ProbabilityBars)
        if bars.rows:
            current = bars.highlight or 0
            bars.highlight = max(0, min(len(bars.rows) - 1, current + step))

    def action_append(self) -> None:
        if self.dist is None or not self.revealed:
            return
        chosen = self.dist.top[self.query_one(ProbabilityBars).highlight or 0]
        self.steps.append((self.context_text, self.dist))
        new = self.context_text + chosen.token.text
        self.query_one("#next-prompt", Input).value = new
        self.dist = None
        self.refresh_view()
        self.fetch(new)

    def action_back_step(self) -> None:
        if not self.steps:
            self.notify("This is the starting prompt.")
            return
        self.context_text, self.dist = self.steps.pop()
        self.service.cancel()
        self._last_call = None
        self.query_one("#next-prompt", Input).value = self.context_text
        self.query_one(ProbabilityBars).highlight = 0
        self.refresh_view()

    def action_edit(self) -> None:
        self.query_one("#next-prompt", Input).focus()

    def action_lookup(self) -> None:
        self.query_one("#next-lookup", Input).focus()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#next-bars").focus()
            return
        super().action_back()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "next-prompt":
            self.steps.clear()
            self.dist = None
            self.refresh_view()
            self.fetch(event.value)
            self.query_one("#next-bars").focus()
        elif event.value:
            self.look_up(event.value)

    def look_up(self, text: str) -> None:
        """Tokenize the text (as typed and with a leading space) and show each first token."""

        def first_pieces(client: object) -> list[tuple[str, TokenPiece]]:
            found = []
            for variant in variants(text):
                pieces = client.tokenize(variant, add_special=False)  # type: ignore[attr-defined]
                if pieces:
                    found.append((variant, pieces[0]))
            return found

        self.run_model(first_pieces, lambda pieces: LookupReady(text, pieces))

    def on_lookup_ready(self, message: LookupReady) -> None:
        self.model_answered()
        if self.dist is None:
            return
        logits, probs = self.dist.logits, self.dist.probs()
        self.lookup = [
            Lookup(v, p, rank_of(logits, p.id), float(probs[p.id])) for v, p in message.pieces
        ]
        self.refresh_view()

    # -- predict, then reveal ------------------------------------------------------------------

    def can_judge(self) -> bool:
        return self.dist is not None

    def judge(self, guess: str) -> Verdict:
        """Right when the guess is the top token's text (ignoring spaces and case)."""
        assert self.dist is not None
        top = self.dist.top[0].token.text
        wanted = guess.strip().casefold()
        ranks = [
            i for i, c in enumerate(self.dist.top, 1) if c.token.text.strip().casefold() == wanted
        ]
        correct = bool(ranks) and ranks[0] == 1
        text = Text("Right! " if correct else "Not quite. ", style="bold")
        text.append(f"The top token is “{visible(top)}” ({self.dist.top[0].prob:.1%}). ")
        if ranks and not correct:
            text.append(f"Yours is #{ranks[0]}.")
        elif not ranks:
            text.append(f"Yours is not in the top {len(self.dist.top)}; its rank is below.")
            self.query_one("#next-lookup", Input).value = guess.strip()
            self.look_up(guess.strip())
        return Verdict(top, correct, text)
