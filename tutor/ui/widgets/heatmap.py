"""A heatmap of attention weights that reads without colour: ` ░▒▓█`, two columns per cell.

Rows are query tokens, columns key tokens. The row labels carry the token text; the header
carries key indices every five columns (the screen's bars for the cursor row name each
column). Long prompts are windowed around the cursor instead of squashed:
the visible rows and columns follow it. A blue ramp colours the cells (Textual greys it out
under NO_COLOR); the characters alone carry the magnitude.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tutor.drawing import SHADES, shade, token_label, window

LABEL_WIDTH = 12
_RAMP = ("#1a1a2e", "#27408b", "#3a6fd8", "#6fa8ff", "#d6e6ff")


def render_heatmap(
    tokens: Sequence[str],
    matrix: np.ndarray,
    *,
    cursor: int,
    rows: int,
    columns: int,
    label_width: int = LABEL_WIDTH,
    colour: bool = True,
) -> Text:
    """The heatmap as rich Text: a header line, then ``rows`` rows of ``columns`` cells at most."""
    n = len(tokens)
    r0, r1 = window(n, max(1, rows), cursor)
    c0, c1 = window(n, max(1, columns), cursor)
    out = Text(no_wrap=True, overflow="crop")
    # Key indices every five columns (a 3-digit index spills into the next cell's space).
    ruler = "".join(f"{c:<10d}" for c in range(c0 - c0 % 5 + 5 if c0 % 5 else c0, c1, 5))
    offset = (5 - c0 % 5) % 5 * 2
    left = "…" if c0 > 0 else " "
    out.append(" " * (label_width + 4) + left + " " * offset + ruler + "\n", style="dim")
    for r in range(r0, r1):
        mark = "▶" if r == cursor else " "
        label = token_label(tokens[r])[:label_width]
        out.append(f"{mark}{r:3d} {label:<{label_width}}", style="bold" if r == cursor else "")
        for c in range(c0, c1):
            value = float(matrix[r, c])
            style = Style(color=_RAMP[SHADES.index(shade(value))]) if colour else None
            cell = shade(value) * 2 if c <= r else "  "
            out.append(cell, style=style or "")
        if r < r1 - 1:
            out.append("\n")
    return out


class Heatmap(Widget, can_focus=True):
    """Shows one (T, T) attention matrix with a cursor row; the screen moves the cursor."""

    DEFAULT_CSS = """
    Heatmap { height: 1fr; min-height: 4; }
    """

    cursor: reactive[int] = reactive(0)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.tokens: list[str] = []
        self.matrix = np.zeros((0, 0))

    def show(self, tokens: Sequence[str], matrix: np.ndarray) -> None:
        """Display ``matrix`` (T, T) for ``tokens``; keeps the cursor if still in range."""
        self.tokens = list(tokens)
        self.matrix = matrix
        self.cursor = min(self.cursor, max(0, len(self.tokens) - 1))
        self.refresh()

    def render(self) -> Text:
        if not self.tokens:
            return Text("(no attention captured yet)", style="dim")
        size = self.content_size
        columns = max(1, (size.width - LABEL_WIDTH - 5) // 2)
        return render_heatmap(
            self.tokens,
            self.matrix,
            cursor=self.cursor,
            rows=max(1, size.height - 1),
            columns=columns,
        )
