"""Attention explorer: which earlier tokens each token attends to, one layer and head at a time.

One capture gives every layer and head (``ModelClient.attention_view``: float16 lower
triangles), so changing layer or head is a slice and a redraw, never a model call. The heatmap
has a row per query token and a column per key token, shaded `` ░▒▓█`` (two columns per cell);
the cursor row is repeated below as bars with the exact weights of its strongest keys. ``m``
shows the mean over the layer's heads; ``o`` an overview of every head (grouped by the key/value
head it shares) with a score the learner can read; ``n`` jumps to the next head whose pattern
has a name (previous-token, first-token; ``i`` runs the induction test on a repeated random
sequence). With ``predict = true`` the learner first names the earlier word the block's query
token (``expect_attends[0]``, else the last token) attends to most in the block's layer and
head; the map stays hidden until then. BertViz draws this with the mouse in Jupyter; here
every key is on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Static

from tutor.drawing import shade_legend, token_label
from tutor.explain import heads as Hd
from tutor.explain.attention import kv_head_of
from tutor.runtime.types import PackedAttention, TokenPiece
from tutor.ui.lab.attention_overview import head_name, overview_text
from tutor.ui.lab.base import InstrumentScreen, Verdict, from_field, to_field
from tutor.ui.widgets.bars import BarRow, render_bars
from tutor.ui.widgets.heatmap import Heatmap

ROW_BARS = 5
SCORES = ("previous", "first", "entropy", "induction")
INDUCTION_PERIOD = 25


@dataclass(frozen=True)
class Capture:
    """One prompt's attention with every head's scores (computed off the UI thread)."""

    prompt: str
    view: PackedAttention
    scores: dict[str, np.ndarray]  # name -> (layers, heads)
    n_kv: int  # key/value heads (grouped-query attention)


def prepare(prompt: str, view: PackedAttention, n_kv: int) -> Capture:
    """Scores of every head, in the worker thread (a few ms even for 256 tokens)."""
    return Capture(prompt, view, Hd.packed_scores(view.packed, view.n_tokens), n_kv)


class AttentionReady(Message):
    """The capture for ``capture.prompt``."""

    def __init__(self, capture: Capture) -> None:
        super().__init__()
        self.capture = capture


class InductionReady(Message):
    """Induction scores (layers, heads) from the repeated-random-tokens test."""

    def __init__(self, scores: np.ndarray) -> None:
        super().__init__()
        self.scores = scores


def induction_test(client: object) -> np.ndarray:
    """Run 25 random tokens twice and score every head (tutor.explain.heads.induction_score)."""
    info = client.info()  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    low, high = min(1000, info.n_vocab // 4), min(20000, info.n_vocab)
    ids = [int(t) for t in rng.integers(low, high, size=INDUCTION_PERIOD)]
    weights = client.qk("", ids=ids + ids).weights  # type: ignore[attr-defined]
    n_layers, n_heads = weights.shape[:2]
    return np.array(
        [
            [Hd.induction_score(weights[la, h], 0, INDUCTION_PERIOD) for h in range(n_heads)]
            for la in range(n_layers)
        ]
    )


class AttentionScreen(InstrumentScreen):
    """The attention explorer."""

    KIND = "attention"

    BINDINGS = [
        *InstrumentScreen.BINDINGS,
        Binding("left_square_bracket", "layer(-1)", "Layer", id="att.layer_down", show=False),
        Binding("right_square_bracket", "layer(1)", "Layer", id="att.layer_up", key_display="[]"),
        Binding("comma,left_curly_bracket", "head(-1)", "Head", id="att.head_down", show=False),
        Binding("full_stop,right_curly_bracket", "head(1)", "Head", id="att.head_up",
                key_display=",."),
        Binding("up,k", "row(-1)", "Row", show=False),
        Binding("down,j", "row(1)", "Row", id="att.row", key_display="↑↓"),
        Binding("m", "mean", "Mean", id="att.mean"),
        Binding("o", "overview", "All", id="att.overview"),
        Binding("n", "named", "Named", id="att.named"),
        Binding("s", "score", "Score", id="att.score", show=False),
        Binding("i", "induction", "Induction", id="att.induction", show=False),
        Binding("h", "by_hand", "By hand", id="att.by_hand"),
        Binding("e", "edit", "Edit", id="att.edit"),
    ]  # fmt: skip
    DEFAULT_CSS = """
    AttentionScreen #att-info { height: 1; }
    AttentionScreen #att-map { height: 1fr; }
    AttentionScreen #att-overview { height: 1fr; display: none; }
    AttentionScreen #att-row { height: 6; }
    AttentionScreen #att-legend { height: 1; }
    AttentionScreen #att-verdict { height: auto; display: none; }
    AttentionScreen #att-verdict.-shown { display: block; }
    """
    PREDICT_HINT = "an earlier word of the prompt"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.capture: Capture | None = None
        self.induction: np.ndarray | None = None  # (layers, heads), once the test has run
        self.n_kv = 1
        self.layer_i = int(getattr(self.spec, "layer", None) or 0)
        self.head_i = int(getattr(self.spec, "head", None) or 0)
        self.mean = False
        self.overview = False
        self.score = "previous"
        self.asked = self.spec.prompt
        self.query_text = self.spec.expect_attends[0] if self.spec.expect_attends else None
        word = f"“{token_label(self.query_text)}”" if self.query_text else "the last token"
        self.PREDICT_QUESTION = (
            f"In layer {self.layer_i}, head {self.head_i}: which earlier word will {word} "
            "attend to most?"
        )

    def compose_body(self) -> ComposeResult:
        yield Input(to_field(self.spec.prompt), placeholder="a prompt; enter: capture",
                    id="att-prompt", classes="lab-input")  # fmt: skip
        yield Static(id="att-info")
        yield Static(id="att-verdict")
        yield Heatmap(id="att-map")
        yield Static(id="att-overview")
        yield Static(id="att-row")
        yield Static(id="att-legend")

    def start(self) -> None:
        self.query_one("#att-overview").can_focus = True
        self.query_one("#att-map").focus()
        self.fetch(self.spec.prompt)

    def fetch(self, prompt: str) -> None:
        """Capture ``prompt``'s attention (one model call; everything after is local)."""
        self.asked = prompt
        if self.capture is not None and self.capture.prompt != prompt:
            self.capture = None  # a 256-token capture is 18 MB: never hold two at once
        self.query_one("#att-info", Static).update(Text("Capturing attention…", style="dim"))

        def op(client: object) -> Capture:
            view = client.attention_view(prompt)  # type: ignore[attr-defined]
            info = client.model_info  # type: ignore[attr-defined]
            return prepare(prompt, view, info.n_kv_heads if info is not None else 1)

        self.run_model(op, AttentionReady)

    def on_attention_ready(self, message: AttentionReady) -> None:
        self.model_answered()
        if message.capture.prompt != self.asked:
            return
        self.capture = message.capture
        self.n_kv = message.capture.n_kv
        if self.induction is not None:  # a property of the heads, not of the prompt
            self.capture.scores["induction"] = self.induction
        view = self.capture.view
        self.layer_i = min(self.layer_i, view.n_layers - 1)
        self.head_i = min(self.head_i, view.n_heads - 1)
        heatmap = self.query_one(Heatmap)
        heatmap.cursor = self.query_row(view.tokens)
        self.try_judge()
        self.refresh_view()

    def query_row(self, tokens: list[TokenPiece]) -> int:
        """The demo's query token: the last one with ``expect_attends[0]``'s text, else the last."""
        texts = [t.text for t in tokens]
        if self.query_text in texts:
            return len(texts) - 1 - texts[::-1].index(self.query_text)
        return len(texts) - 1

    def on_induction_ready(self, message: InductionReady) -> None:
        self.model_answered()
        self.induction = message.scores
        if self.capture is not None:
            self.capture.scores["induction"] = message.scores
            self.score = "induction"
            self.overview = True
        self.refresh_view()

    # -- drawing ---------------------------------------------------------------------------

    def matrix(self) -> np.ndarray:
        assert self.capture is not None
        view = self.capture.view
        return (
            view.layer_mean(self.layer_i) if self.mean else view.matrix(self.layer_i, self.head_i)
        )

    def refresh_view(self) -> None:
        verdict = self.query_one("#att-verdict", Static)
        verdict.update(self.verdict_text())
        verdict.set_class(bool(self.verdict_text().plain), "-shown")
        if self.capture is None or not self.revealed:  # the map stays empty until the guess
            return
        view = self.capture.view
        tokens = [t.text for t in view.tokens]
        matrix = self.matrix()
        heatmap = self.query_one(Heatmap)
        heatmap.show(tokens, matrix)
        heatmap.display = not self.overview
        overview = self.query_one("#att-overview", Static)
        overview.display = self.overview
        if not isinstance(self.focused, Input):
            (overview if self.overview else heatmap).focus()
        if self.overview:
            rows = max(4, overview.content_size.height or 12)
            overview.update(
                overview_text(
                    self.capture.scores, self.score, self.layer_i, self.head_i, self.n_kv, rows
                )
            )
        self.query_one("#att-info", Static).update(self.info_line())
        self.query_one("#att-row", Static).update(self.row_bars(tokens, matrix, heatmap.cursor))
        legend = Text(shade_legend(), style="dim")
        legend.append(f" · {view.n_tokens} tokens", style="dim")
        self.query_one("#att-legend", Static).update(legend)

    def info_line(self) -> Text:
        assert self.capture is not None
        view, scores = self.capture.view, self.capture.scores
        line = Text(f"layer {self.layer_i}/{view.n_layers - 1}", style="bold")
        if self.mean:
            line.append(f"  mean of {view.n_heads} heads", style="bold")
            return line
        kv = kv_head_of(self.head_i, view.n_heads, self.n_kv) if self.n_kv else 0
        line.append(f"  head {self.head_i}/{view.n_heads - 1}", style="bold")
        line.append(f" (kv {kv})  prev {_pct(scores['previous'][self.layer_i, self.head_i])}")
        line.append(f" · first {_pct(scores['first'][self.layer_i, self.head_i])}")
        line.append(f" · {float(scores['entropy'][self.layer_i, self.head_i]):.1f} bits")
        name = head_name(scores, self.layer_i, self.head_i)
        if name:
            line.append(f"  {name} head", style="bold")
        return line

    def row_bars(self, tokens: list[str], matrix: np.ndarray, row: int) -> Text:
        """The cursor row's strongest keys as bars, with their exact weights."""
        weights = matrix[row, : row + 1]
        order = np.argsort(-weights)[:ROW_BARS]
        title = Text(f"query {row} “{token_label(tokens[row])}” attends most to:\n", style="bold")
        bars = [
            BarRow(tokens[k], float(weights[k]), f"{float(weights[k]):.3f}  key {k}") for k in order
        ]
        title.append_text(render_bars(bars, label_width=16, bar_width=30))
        return title

    # -- keys ------------------------------------------------------------------------------

    def action_layer(self, step: int) -> None:
        if self.capture is not None:
            self.layer_i = (self.layer_i + step) % self.capture.view.n_layers
            self.refresh_view()

    def action_head(self, step: int) -> None:
        if self.capture is not None:
            self.mean = False
            self.head_i = (self.head_i + step) % self.capture.view.n_heads
            self.refresh_view()

    def action_row(self, step: int) -> None:
        if self.capture is not None:
            heatmap = self.query_one(Heatmap)
            heatmap.cursor = max(0, min(self.capture.view.n_tokens - 1, heatmap.cursor + step))
            self.refresh_view()

    def action_mean(self) -> None:
        self.mean = not self.mean
        self.refresh_view()

    def action_overview(self) -> None:
        self.overview = not self.overview
        self.refresh_view()

    def action_score(self) -> None:
        if self.capture is None:
            return
        present = [s for s in SCORES if s in self.capture.scores]
        self.score = present[(present.index(self.score) + 1) % len(present)]
        self.overview = True
        self.refresh_view()

    def action_named(self) -> None:
        """Jump to the next head (in layer order) whose pattern has a name."""
        if self.capture is None:
            return
        n_layers, n_heads = self.capture.view.n_layers, self.capture.view.n_heads
        start = self.layer_i * n_heads + self.head_i
        for step in range(1, n_layers * n_heads + 1):
            layer, head = divmod((start + step) % (n_layers * n_heads), n_heads)
            if head_name(self.capture.scores, layer, head):
                self.layer_i, self.head_i, self.mean = layer, head, False
                self.refresh_view()
                return
        self.notify("No head has a clear pattern on this prompt.", markup=False)

    def action_induction(self) -> None:
        self.query_one("#att-info", Static).update(
            Text("Running 25 random tokens twice for the induction test…", style="dim")
        )
        self.run_model(induction_test, InductionReady)

    def action_by_hand(self) -> None:
        """Walk the current head's cursor row by hand (a short prompt: the first 24 tokens)."""
        from tutor.ui.lab.attention_by_hand import AttentionByHandScreen

        spec = self.spec.model_copy(update={"predict": False})  # the guess was made here
        screen = AttentionByHandScreen(spec, self.context)
        screen.layer_i, screen.head_i = self.layer_i, self.head_i
        screen.start_query = self.query_one(Heatmap).cursor
        self.app.push_screen(screen)

    def action_edit(self) -> None:
        self.query_one("#att-prompt", Input).focus()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#att-overview" if self.overview else "#att-map").focus()
            return
        super().action_back()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#att-map").focus()
        self.fetch(from_field(event.value))

    # -- predict, then reveal --------------------------------------------------------------

    def can_judge(self) -> bool:
        return self.capture is not None

    def judge(self, guess: str) -> Verdict:
        """Right when the guess is the key token the query gives the most weight, in the
        block's layer and head (as ``expect_attends`` is checked; spaces and case ignored)."""
        assert self.capture is not None
        view = self.capture.view
        layer = min(self.spec.layer or 0, view.n_layers - 1)
        head = min(self.spec.head or 0, view.n_heads - 1)
        q = self.query_row(view.tokens)
        row = view.matrix(layer, head)[q, : q + 1]  # (q + 1,) the query's weights on keys 0..q
        order = [int(k) for k in np.argsort(-row)]
        texts = [view.tokens[k].text for k in order]
        best = texts[0]
        wanted = guess.strip().casefold()
        ranks = [i for i, t in enumerate(texts, 1) if t.strip().casefold() == wanted]
        correct = bool(ranks) and ranks[0] == 1
        text = Text("Right! " if correct else "Not quite. ", style="bold")
        text.append(
            f"“{token_label(view.tokens[q].text)}” gives “{token_label(best)}” "
            f"{float(row[order[0]]):.0%} of its weight here."
        )
        if ranks and not correct:
            text.append(f" Yours is #{ranks[0]} ({float(row[order[ranks[0] - 1]]):.0%}).")
        elif not ranks:
            text.append(" Yours is not an earlier token of this prompt.")
        return Verdict(best, correct, text)


def _pct(value: float) -> str:
    return "--" if np.isnan(value) else f"{value:.0%}"
