"""Logit lens: what each layer would predict next, at every position of a prompt.

Each cell of the grid (a row per layer, a column per position) is the top token when the
model's final RMSNorm and output matrix are applied to that layer's residual stream (see
``tutor.explain.lens``), with a shade for its probability. The cursor cell's top 5 are drawn as
bars below. The last row is the model's own prediction (KL to it shown). The tuned-lens demo
does this in Gradio with hover; here the arrow keys move the cursor.

Predict-then-reveal: "at which layer does the final answer first come out on top?"
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Static

from tutor.drawing import shade, shade_legend, token_label, window
from tutor.explain.lens import first_layer_on_top
from tutor.runtime.types import LensGrid
from tutor.ui.lab.base import InstrumentScreen, Verdict, from_field, to_field
from tutor.ui.widgets.bars import BarRow, render_bars

CELL = 8  # characters per grid cell: a shade, up to 6 of the token, a space
LABEL = 4  # "L29 "
TOP_N = 5


class LensReady(Message):
    """The lens grid for ``prompt``."""

    def __init__(self, prompt: str, grid: LensGrid) -> None:
        super().__init__()
        self.prompt = prompt
        self.grid = grid


def grid_text(grid: LensGrid, layer: int, pos: int, rows: int, columns: int) -> Text:
    """Layers × positions, windowed around the cursor cell, which is drawn in brackets."""
    n_layers, n_tokens = grid.top_ids.shape[:2]
    l0, l1 = window(n_layers, max(1, rows - 1), layer)
    p0, p1 = window(n_tokens, max(1, columns), pos)
    out = Text(no_wrap=True, overflow="crop")
    out.append(" " * LABEL, style="dim")
    for p in range(p0, p1):
        out.append(f"{token_label(grid.tokens[p].text)[: CELL - 1]:<{CELL}}", style="dim")
    out.append("\n")
    for la in range(l0, l1):
        out.append(f"L{la:<3d}", style="bold" if la == layer else "")
        for p in range(p0, p1):
            token = int(grid.top_ids[la, p, 0])
            prob = float(grid.top_probs[la, p, 0])
            word = token_label(grid.text(token))[: CELL - 2]
            cell = f"{shade(prob)}{word:<{CELL - 2}}"
            here = la == layer and p == pos
            out.append(
                f"[{cell[: CELL - 2]}]" if here else f"{cell} ", style="reverse" if here else ""
            )
        if la < l1 - 1:
            out.append("\n")
    return out


class LensScreen(InstrumentScreen):
    """The logit lens instrument."""

    KIND = "lens"

    BINDINGS = [
        *InstrumentScreen.BINDINGS,
        Binding("up,k", "move(-1, 0)", "Layer", show=False),
        Binding("down,j", "move(1, 0)", "Layer", id="lens.layer", key_display="↑↓"),
        Binding("left,h", "move(0, -1)", "Position", show=False),
        Binding("right,l", "move(0, 1)", "Position", id="lens.pos", key_display="←→"),
        Binding("e", "edit", "Edit prompt", id="lens.edit"),
    ]
    DEFAULT_CSS = """
    LensScreen #lens-info { height: 1; }
    LensScreen #lens-grid { height: 1fr; }
    LensScreen #lens-detail { height: 6; }
    LensScreen #lens-legend { height: 1; }
    """
    PREDICT_QUESTION = (
        "At which layer does the model's final answer (at the last position) first come out on "
        "top? (layers count from 0)"
    )
    PREDICT_HINT = "a layer number, e.g. 20"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.grid: LensGrid | None = None
        self.layer_i = 0
        self.pos = 0
        self.asked = self.spec.prompt

    def compose_body(self) -> ComposeResult:
        yield Input(to_field(self.spec.prompt), placeholder="a prompt; enter: run",
                    id="lens-prompt", classes="lab-input")  # fmt: skip
        yield Static(id="lens-info")
        yield Static(id="lens-grid", classes="lens-grid")
        yield Static(id="lens-detail")
        yield Static(id="lens-legend")

    def start(self) -> None:
        self.query_one("#lens-grid").can_focus = True
        self.query_one("#lens-grid").focus()
        self.fetch(self.spec.prompt)

    def fetch(self, prompt: str) -> None:
        self.asked = prompt
        self.query_one("#lens-info", Static).update(Text("Running the lens…", style="dim"))
        self.run_model(
            lambda client: client.lens(prompt, top_n=TOP_N), lambda g: LensReady(prompt, g)
        )

    def on_lens_ready(self, message: LensReady) -> None:
        self.model_answered()
        if message.prompt != self.asked:
            return
        self.grid = message.grid
        self.layer_i = self.grid.top_ids.shape[0] - 1
        self.pos = self.grid.top_ids.shape[1] - 1
        self.try_judge()
        self.refresh_view()

    def answer_layer(self) -> int | None:
        """The first layer whose top token at the last position is the model's own answer."""
        assert self.grid is not None
        return first_layer_on_top(self.grid.top_ids[:, -1], int(self.grid.model_top[-1]))

    def refresh_view(self) -> None:
        info = self.query_one("#lens-info", Static)
        grid_box = self.query_one("#lens-grid", Static)
        detail = self.query_one("#lens-detail", Static)
        if self.grid is None:
            return
        if not self.revealed:
            info.update(self.verdict_text())
            grid_box.update("")
            detail.update("")
            return
        g = self.grid
        n_layers = g.top_ids.shape[0]
        answer = g.text(int(g.model_top[-1]))
        line = Text(f"layer {self.layer_i}/{n_layers - 1} · position {self.pos}", style="bold")
        line.append(f" · answer “{token_label(answer)}” on top from layer {self.answer_layer()}"
                    f" · KL {float(g.kl_last.max()):.0e}")  # fmt: skip
        info.update(line)
        size = grid_box.content_size
        columns = max(1, (max(size.width, 40) - LABEL) // CELL)
        grid_box.update(grid_text(g, self.layer_i, self.pos, max(3, size.height or 10), columns))
        detail.update(self.detail_text())
        legend = Text(shade_legend() + " (top-1 probability)", style="dim")
        if g.tied:
            legend.append(" · tied output", style="dim")
        self.query_one("#lens-legend", Static).update(legend)

    def detail_text(self) -> Text:
        assert self.grid is not None
        g = self.grid
        token = token_label(g.tokens[self.pos].text)
        text = Text(f"layer {self.layer_i}, after “{token}”, would say:\n", style="bold")
        rows = [
            BarRow(g.text(int(t)), float(p), f"{float(p):.3f}")
            for t, p in zip(
                g.top_ids[self.layer_i, self.pos], g.top_probs[self.layer_i, self.pos], strict=True
            )
        ]
        text.append_text(render_bars(rows, label_width=16, bar_width=30))
        verdict = self.verdict_text()
        if verdict.plain:
            text = Text.assemble(verdict, "\n", text)
        return text

    def action_move(self, d_layer: int, d_pos: int) -> None:
        if self.grid is None or not self.revealed:
            return
        n_layers, n_tokens = self.grid.top_ids.shape[:2]
        self.layer_i = max(0, min(n_layers - 1, self.layer_i + d_layer))
        self.pos = max(0, min(n_tokens - 1, self.pos + d_pos))
        self.refresh_view()

    def action_edit(self) -> None:
        self.query_one("#lens-prompt", Input).focus()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#lens-grid").focus()
            return
        super().action_back()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#lens-grid").focus()
        self.grid = None
        self.fetch(from_field(event.value))

    # -- predict, then reveal --------------------------------------------------------------

    def can_judge(self) -> bool:
        return self.grid is not None

    def judge(self, guess: str) -> Verdict:
        """Right when within two layers of the first layer that has the answer on top."""
        actual = self.answer_layer()
        shown = "never" if actual is None else str(actual)
        try:
            guessed = int(guess.strip())
        except ValueError:
            return Verdict(shown, False, Text(f"“{guess}” is not a layer number; it was {shown}."))
        correct = actual is not None and abs(guessed - actual) <= 2
        text = Text("Right! " if correct else "Not quite. ", style="bold")
        text.append(f"You said layer {guessed}; the answer first comes out on top at {shown}.")
        return Verdict(shown, correct, text)
