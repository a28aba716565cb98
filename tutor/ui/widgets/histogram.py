"""A histogram of drawn samples against the expected counts, readable without colour.

Each row is one outcome: a bar of eighth blocks for how often it was drawn, a ``┃`` at the
column where the expected count would end, then both numbers. Where the bar passes the mark
the model was drawn more often than expected, where it stops short, less.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tutor.ui.widgets.bars import bar, label_cell

MARK = "┃"


@dataclass(frozen=True)
class HistogramRow:
    """One outcome: its label, how many draws gave it and how many were expected."""

    label: str
    drawn: int
    expected: float


def histogram_line(drawn: int, expected: float, scale: float, width: int) -> str:
    """The bar for ``drawn`` with the expected mark placed over it (``scale`` fills it)."""
    cells = list(bar(drawn / scale if scale else 0.0, width))
    at = min(width - 1, max(0, round(expected / scale * width) - 1)) if scale else 0
    if expected > 0:
        cells[at] = MARK
    return "".join(cells)


def render_histogram(
    rows: Sequence[HistogramRow], *, label_width: int = 14, bar_width: int = 30
) -> Text:
    """The rows as text; the scale is the largest of the drawn and expected counts."""
    text = Text(no_wrap=True, overflow="ellipsis")
    scale = max([max(r.drawn, r.expected) for r in rows] or [0])
    for i, row in enumerate(rows):
        text.append(label_cell(row.label, label_width) + " ")
        text.append(histogram_line(row.drawn, row.expected, scale, bar_width))
        text.append(f" {row.drawn:>3} drawn  {row.expected:5.1f} expected", style="dim")
        if i < len(rows) - 1:
            text.append("\n")
    return text


class Histogram(Widget):
    """Drawn vs expected counts; set ``rows`` to redraw."""

    DEFAULT_CSS = """
    Histogram { height: auto; }
    """

    rows: reactive[tuple[HistogramRow, ...]] = reactive(tuple, layout=True)

    def render(self) -> Text:
        if not self.rows:
            return Text("")
        return render_histogram(self.rows)
