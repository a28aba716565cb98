"""Embeddings map: how close words and phrases are in the model's space.

An editable list of items, their cosine-similarity table, the nearest neighbours of the
selected item, and a 2-D PCA projection drawn with braille dots and labels. Which
representation is shown is always on screen (see docs/inside.md for why): single words use the
input embedding table; phrases a centred middle-layer hidden state. ``r`` switches words to the
phrase representation and back.

Predict-then-reveal: "which of these is closest to the first item?"
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from tutor.drawing import braille_scatter
from tutor.explain import embeddings as E
from tutor.runtime.types import EmbeddingSet
from tutor.ui.lab.base import InstrumentScreen, Verdict

TABLE_ITEMS = 6  # columns of the table that fit beside the map at 80 columns
NAME = 10  # characters of an item's name in the table


def items_of(spec: object) -> list[str]:
    """The demo's items: ``items``, else the prompt split at commas."""
    items = list(getattr(spec, "items", None) or [])
    if not items:
        prompt = str(getattr(spec, "prompt", "") or "")
        items = [part.strip() for part in prompt.split(",")]
    return [item for item in items if item]


class EmbeddingsReady(Message):
    """Vectors for ``items`` in ``representation`` ("auto" or "phrase")."""

    def __init__(self, items: list[str], representation: str, found: EmbeddingSet) -> None:
        super().__init__()
        self.items = items
        self.representation = representation
        self.found = found


def table_text(items: list[str], sim: np.ndarray, selected: int) -> Text:
    """The similarity table: a row per item, the first TABLE_ITEMS columns."""
    shown = min(len(items), TABLE_ITEMS)
    out = Text(no_wrap=True, overflow="crop")
    out.append(" " * (NAME + 2) + "".join(f"{i:>6d}" for i in range(shown)) + "\n", style="dim")
    for i, item in enumerate(items):
        mark = "›" if i == selected else " "
        out.append(
            f"{mark}{i} {item[: NAME - 1]:<{NAME - 1}}", style="bold" if i == selected else ""
        )
        for j in range(shown):
            value = "   ·  " if i == j else f"{sim[i, j]:6.2f}"
            out.append(value, style="reverse" if i == selected and j != i else "")
        out.append("\n")
    return out


def neighbours_text(items: list[str], sim: np.ndarray, selected: int) -> Text:
    """The selected item's nearest neighbours, best first."""
    line = Text(f"closest to “{items[selected]}”: ", style="bold")
    for rank, j in enumerate(E.nearest(sim, selected, k=3)):
        line.append(("" if rank == 0 else ", ") + f"{items[j]} ({sim[selected, j]:.2f})")
    return line


class EmbeddingsScreen(InstrumentScreen):
    """The embeddings map."""

    KIND = "embeddings"

    BINDINGS = [
        *InstrumentScreen.BINDINGS,
        Binding("up,k", "select(-1)", "Select", show=False),
        Binding("down,j", "select(1)", "Select", id="emb.select", key_display="↑↓"),
        Binding("a", "add", "Add item", id="emb.add"),
        Binding("d,delete", "remove", "Remove", id="emb.remove"),
        Binding("r", "representation", "Representation", id="emb.rep"),
    ]
    DEFAULT_CSS = """
    EmbeddingsScreen #emb-rep { height: 2; }
    EmbeddingsScreen #emb-panes { height: 1fr; }
    EmbeddingsScreen #emb-table { width: 50; height: 100%; }
    EmbeddingsScreen #emb-map { width: 1fr; height: 100%; }
    EmbeddingsScreen #emb-near { height: 2; }
    """
    PREDICT_HINT = "one of the items"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.items = items_of(self.spec)
        self.representation = "auto"
        self.found: EmbeddingSet | None = None
        self.selected = 0
        anchor = self.items[0] if self.items else "the first item"
        self.PREDICT_QUESTION = (
            f"Which of these is closest to “{anchor}”? ({', '.join(self.items[1:])})"
        )

    def compose_body(self) -> ComposeResult:
        yield Static(id="emb-rep")
        with Horizontal(id="emb-panes"):
            yield Static(id="emb-table")
            yield Static(id="emb-map")
        yield Static(id="emb-near")
        yield Input(placeholder="a word or phrase to add; enter: add, esc: done", id="emb-new",
                    classes="lab-input")  # fmt: skip

    def start(self) -> None:
        self.query_one("#emb-table").can_focus = True
        self.query_one("#emb-table").focus()
        self.fetch()

    def fetch(self) -> None:
        items, rep = list(self.items), self.representation
        self.found = None
        self.query_one("#emb-rep", Static).update(Text("Embedding…", style="dim"))
        if len(items) < 2:
            self.refresh_view()
            return
        self.run_model(
            lambda client: client.embeddings(items, representation=rep),
            lambda found: EmbeddingsReady(items, rep, found),
        )

    def on_embeddings_ready(self, message: EmbeddingsReady) -> None:
        self.model_answered()
        if message.items != self.items or message.representation != self.representation:
            return
        self.found = message.found
        self.try_judge()
        self.refresh_view()

    def refresh_view(self) -> None:
        rep = self.query_one("#emb-rep", Static)
        table = self.query_one("#emb-table", Static)
        chart = self.query_one("#emb-map", Static)
        near = self.query_one("#emb-near", Static)
        if len(self.items) < 2:
            rep.update(Text("Add at least two items to compare (a: add).", style="bold"))
            table.update("")
            chart.update("")
            near.update("")
            return
        if self.found is None:
            return
        if not self.revealed:
            rep.update(self.verdict_text())
            table.update(Text("\n".join(f"{i} {item}" for i, item in enumerate(self.items))))
            return
        sim = E.cosine_matrix(self.found.vectors)
        self.selected = min(self.selected, len(self.items) - 1)
        label = Text("representation: ", style="bold")
        label.append(self.found.representation)
        rep.update(label)
        table.update(table_text(self.items, sim, self.selected))
        width = max(20, chart.content_size.width or 30)
        height = max(4, chart.content_size.height or 10)
        points = E.pca_2d(self.found.vectors)
        lines = braille_scatter(points, self.items, width, height - 1, highlight=self.selected)
        picture = Text("PCA map (2 main directions)\n", style="dim")
        picture.append("\n".join(lines))
        chart.update(picture)
        below = neighbours_text(self.items, sim, self.selected)
        verdict = self.verdict_text()
        if verdict.plain:
            below = Text.assemble(verdict, "\n", below)
        near.update(below)

    # -- keys ------------------------------------------------------------------------------

    def action_select(self, step: int) -> None:
        if self.items:
            self.selected = max(0, min(len(self.items) - 1, self.selected + step))
            self.refresh_view()

    def action_add(self) -> None:
        self.query_one("#emb-new", Input).focus()

    def action_remove(self) -> None:
        if self.items:
            del self.items[self.selected]
            self.selected = max(0, self.selected - 1)
            self.fetch()

    def action_representation(self) -> None:
        self.representation = "phrase" if self.representation == "auto" else "auto"
        self.fetch()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#emb-table").focus()
            return
        super().action_back()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        event.input.value = ""
        self.query_one("#emb-table").focus()
        if text and text not in self.items:
            self.items.append(text)
            self.selected = len(self.items) - 1
            self.fetch()

    # -- predict, then reveal --------------------------------------------------------------

    def can_judge(self) -> bool:
        return self.found is not None and len(self.items) >= 2

    def judge(self, guess: str) -> Verdict:
        """Right when the guess names the first item's nearest neighbour."""
        assert self.found is not None
        sim = E.cosine_matrix(self.found.vectors)
        best = E.nearest(sim, 0, k=1)[0]
        actual = self.found.items[best]
        correct = guess.strip().lower() == actual.lower()
        text = Text("Right! " if correct else "Not quite. ", style="bold")
        text.append(f"Closest to “{self.found.items[0]}” is “{actual}” ({sim[0, best]:.2f}).")
        return Verdict(actual, correct, text)
