"""Next token: the model's whole next-token distribution for a prompt, and generation by hand.

The top candidates are drawn as eighth-block bars with their text, probability, logit and rank;
the entropy (in bits) says how spread the distribution is, and the share of probability the
shown rows hold says how much is left in the tail. Any text can be looked up for its rank and
probability. ``enter`` appends the highlighted token and asks for the next distribution,
``backspace`` steps back (earlier distributions are kept, so stepping back costs nothing).

``ctrl+o`` sets a second model's candidates for the same prompt beside the first's (SmolLM2
135M Instruct against Gemma 3 270M base: different vocabularies, different training, so
different guesses and a different spread); ``enter`` still appends the left model's choice
and both answer for the new prompt. Without a second model it says how to install it.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from tutor.runtime.types import NextTokenDistribution, TokenPiece
from tutor.ui.lab.base import InstrumentScreen, SecondFailed, Verdict, from_field, to_field
from tutor.ui.lab.next_token_views import (
    Lookup,
    bar_rows,
    column_foot,
    compare_rows,
    lookup_line,
    rank_of,
    shared_full,
    short_name,
    summary_line,
    variants,
)
from tutor.ui.model_service import COMPARE_KEY, SECOND_MISSING, model_label
from tutor.ui.widgets.bars import ProbabilityBars, render_bars
from tutor.ui.widgets.token_strip import visible

SHOWN = 12  # rows of bars that fit at 80x24 with the prompt, summary and look-up lines
TOP_N = 20
COMPARED = 10  # rows per model side by side (a heading and an entropy line each, too)
HALF_LABEL, HALF_BAR = 12, 14  # a column of 39 cells: mark, label, bar, percent


class DistributionReady(Message):
    """The next-token distribution after ``prompt``."""

    def __init__(self, prompt: str, dist: NextTokenDistribution) -> None:
        super().__init__()
        self.prompt = prompt
        self.dist = dist


class SecondDistributionReady(Message):
    """The second model's next-token distribution after ``prompt``."""

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
        Binding("backspace", "back_step", "Undo", id="next.backstep"),
        Binding("e", "edit", "Prompt", id="next.edit"),
        Binding("slash", "lookup", "Look up", id="next.lookup"),
        Binding(COMPARE_KEY, "compare", "Compare", id="next.compare"),
    ]
    DEFAULT_CSS = """
    NextTokenScreen #next-summary { height: 1; margin: 1 0 0 0; }
    NextTokenScreen #next-lookup-result { height: auto; max-height: 2; }
    NextTokenScreen #next-verdict { height: auto; }
    NextTokenScreen #next-columns { height: auto; margin: 1 0 0 0; }
    NextTokenScreen #next-left { height: auto; width: 1fr; }
    NextTokenScreen #next-bars { height: 12; }
    NextTokenScreen #next-first-head, NextTokenScreen #next-first-foot { display: none; }
    NextTokenScreen #next-second { display: none; width: 1fr; height: 12; }
    NextTokenScreen.-compare #next-first-head { display: block; height: 1; }
    NextTokenScreen.-compare #next-first-foot { display: block; height: 1; }
    NextTokenScreen.-compare #next-bars { height: 10; }
    NextTokenScreen.-compare #next-second { display: block; }
    NextTokenScreen.-compare #next-summary { height: 2; }
    """
    PREDICT_QUESTION = "What will the model's most likely next token be?"
    PREDICT_HINT = "a word or piece of a word"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.dist: NextTokenDistribution | None = None
        self.context_text = self.spec.prompt
        self.steps: list[tuple[str, NextTokenDistribution]] = []  # earlier contexts, for back
        self.lookup: list[Lookup] = []
        self.comparing = False  # the second model's candidates beside the first's
        self.second_dist: NextTokenDistribution | None = None
        self.second_trouble: str | None = None  # why the second model has no answer

    def compose_body(self) -> ComposeResult:
        shown = to_field(self.spec.prompt)
        prompt = Input(shown, placeholder="a prompt (⏎ is a newline); enter: run", id="next-prompt")
        yield self.field("Prompt", prompt)
        with Horizontal(id="next-columns"):
            with Vertical(id="next-left"):
                yield Static(id="next-first-head")
                yield CandidateBars(id="next-bars")
                yield Static(id="next-first-foot")
            yield Static(id="next-second")
        yield Static(id="next-summary")
        yield Static(id="next-verdict")
        lookup = Input(placeholder="press / then type a token; enter: its rank", id="next-lookup")
        yield self.field("Look up", lookup)
        yield Static(id="next-lookup-result")

    def start(self) -> None:
        self.query_one("#next-bars").focus()
        self.refresh_view()  # "Asking the model…" until the first answer (a busy CPU is slow)
        self.fetch(self.context_text)

    def fetch(self, prompt: str) -> None:
        """Ask for the distribution after ``prompt`` (replacing any running request)."""
        self.context_text = prompt
        self.run_model(
            lambda client: client.next_token(prompt, top_n=TOP_N),
            lambda dist: DistributionReady(prompt, dist),
        )
        if self.comparing:
            self.fetch_second(prompt)

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
        missing = self.comparing and self.second_trouble == SECOND_MISSING
        side_by_side = self.comparing and self.revealed and not missing
        self.set_class(side_by_side, "-compare")
        bars.label_width, bars.bar_width = (HALF_LABEL, HALF_BAR) if side_by_side else (14, 24)
        if self.dist is not None and side_by_side:
            full = shared_full(self.dist, self.second_dist)
            bars.rows = tuple(compare_rows(self.dist, COMPARED, None, full))
            bars.highlight = min(bars.highlight or 0, COMPARED - 1)
            bars.refresh()
            self.refresh_compare(summary)
        elif self.dist is None:
            bars.rows = ()
            summary.update(Text("Asking the model…", style="dim"))
        elif not self.revealed:
            bars.rows = ()
            summary.update(self.verdict_text())
        else:
            bars.rows = tuple(bar_rows(self.dist, SHOWN))
            summary.update(summary_line(self.dist, SHOWN))
        verdict = self.verdict_text() if self.revealed else Text("")
        if missing:  # no second model: one line under the usual view says how to get one
            verdict = Text("\n").join([t for t in (verdict, Text(SECOND_MISSING)) if t.plain])
        self.query_one("#next-verdict", Static).update(verdict)
        self.query_one("#next-lookup-result", Static).update(lookup_line(self.lookup))

    # -- the second model, side by side ---------------------------------------------------------

    def action_compare(self) -> None:
        """Show (or hide) the second model's candidates for the same prompt."""
        self.comparing = not self.comparing
        if self.comparing:
            self.fetch_second(self.context_text)
        self.refresh_view()

    def fetch_second(self, prompt: str) -> None:
        self.second_dist, self.second_trouble = None, None
        if not self.run_second(
            lambda client: client.next_token(prompt, top_n=TOP_N),
            lambda dist: SecondDistributionReady(prompt, dist),
        ):
            self.second_trouble = SECOND_MISSING

    def on_second_distribution_ready(self, message: SecondDistributionReady) -> None:
        if message.prompt == self.context_text:
            self.second_dist = message.dist
            self.refresh_view()

    def on_second_failed(self, message: SecondFailed) -> None:
        self.second_trouble = (
            f"The second model could not answer: {message.reason} ({COMPARE_KEY} twice: try again)"
        )
        self.refresh_view()

    def refresh_compare(self, summary: Static) -> None:
        """Both columns: a heading, the bars (the right one marks the left's choice), entropy."""
        assert self.dist is not None
        first_label = model_label(self.service.status.info)
        second = self.service.second()
        second_label = model_label(second.status.info if second is not None else None)
        self.query_one("#next-first-head", Static).update(Text(first_label, style="bold"))
        self.query_one("#next-first-foot", Static).update(column_foot(self.dist, COMPARED))
        right = self.query_one("#next-second", Static)
        full = shared_full(self.dist, self.second_dist)
        line = Text(
            f"prompt: {len(self.dist.prompt_tokens)} tokens for {short_name(first_label)}",
            no_wrap=True,
            overflow="ellipsis",
        )
        if self.second_trouble is not None:
            right.update(Text(self.second_trouble))
        elif self.second_dist is None:
            right.update(Text("Second model: asking…", style="dim"))
        else:
            highlight = self.dist.top[self.query_one(ProbabilityBars).highlight or 0]
            rows = compare_rows(self.second_dist, COMPARED, highlight.token.text, full)
            body = Text(second_label, style="bold", no_wrap=True, overflow="ellipsis")
            body.append("\n")
            body.append_text(render_bars(rows, label_width=HALF_LABEL, bar_width=HALF_BAR))
            body.append("\n")
            body.append_text(column_foot(self.second_dist, COMPARED))
            right.update(body)
            count = len(self.second_dist.prompt_tokens)
            line.append(f", {count} for {short_name(second_label)}")
        line.append(
            f"\na full bar is {full:.1%}, the larger top · › right: the left's choice", style="dim"
        )
        summary.update(line)

    # -- generation by hand ------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        bars = self.query_one(ProbabilityBars)
        if bars.rows:
            current = bars.highlight or 0
            bars.highlight = max(0, min(len(bars.rows) - 1, current + step))
            if self.comparing:
                self.refresh_view()  # the right column marks the newly chosen token

    def action_append(self) -> None:
        if self.dist is None or not self.revealed:
            return
        chosen = self.dist.top[self.query_one(ProbabilityBars).highlight or 0]
        self.steps.append((self.context_text, self.dist))
        new = self.context_text + chosen.token.text
        self.query_one("#next-prompt", Input).value = to_field(new)
        self.dist = None
        self.refresh_view()
        self.fetch(new)

    def action_back_step(self) -> None:
        if not self.steps:
            self.notify("This is the starting prompt.")
            return
        self.context_text, self.dist = self.steps.pop()
        self.cancel_call()
        self.query_one("#next-prompt", Input).value = to_field(self.context_text)
        self.query_one(ProbabilityBars).highlight = 0
        if self.comparing:
            self.fetch_second(self.context_text)
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
            self.fetch(from_field(event.value))
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
