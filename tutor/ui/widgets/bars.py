"""Horizontal probability bars drawn with eighth blocks, readable without colour.

The bar's length carries the magnitude (eight steps per cell: ``▏▎▍▌▋▊▉█``, as Rich's
``rich/bar.py`` draws), digits carry the exact value. Used by the next-token view, the
sampler lab and, in part 2, anything that ranks tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tutor.ui.widgets.token_strip import visible

EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"


def bar(fraction: float, width: int) -> str:
    """A bar ``fraction`` (clamped to 0..1) of ``width`` cells long, padded with spaces.

    Any fraction above zero draws at least one eighth, so a tiny probability never looks
    like nothing at all.
    """
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    if fraction > 0 and eighths == 0:
        eighths = 1
    full, rest = divmod(eighths, 8)
    drawn = FULL * full + (EIGHTHS[rest] if rest else "")
    return drawn.ljust(width)


@dataclass(frozen=True)
class BarRow:
    """One bar: a label (token text, shown with visible whitespace), a value in 0..1, and
    the figures printed after the bar (``detail``); ``mark`` flags the row (e.g. ``✗`` for
    removed, ``›`` for the cursor)."""

    label: str
    value: float
    detail: str = ""
    mark: str = " "
    dim: bool = False


def label_cell(label: str, width: int) -> str:
    """``label`` with visible whitespace, quoted, cut or padded to exactly ``width``."""
    shown = f"“{visible(label)}”"
    if len(shown) > width:
        shown = shown[: width - 1] + "…"
    return shown.ljust(width)


def render_bars(
    rows: Sequence[BarRow],
    *,
    label_width: int = 14,
    bar_width: int = 24,
    scale: float = 1.0,
    highlight: int | None = None,
) -> Text:
    """The rows as plain-text bars. ``scale`` is the value that fills the whole bar (use the
    largest value to stretch small distributions); ``highlight`` is drawn in reverse video."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for i, row in enumerate(rows):
        style = "reverse" if i == highlight else ("dim" if row.dim else "")
        fraction = row.value / scale if scale > 0 else 0.0
        text.append(f"{'›' if i == highlight else row.mark} ", style="bold")
        text.append(label_cell(row.label, label_width), style=style)
        text.append(" ")
        text.append(bar(fraction, bar_width), style="dim" if row.dim else "")
        text.append(f" {row.detail}", style=style)
        if i < len(rows) - 1:
            text.append("\n")
    return text


class ProbabilityBars(Widget):
    """A list of bars; set ``rows`` (and optionally ``highlight``) to redraw."""

    DEFAULT_CSS = """
    ProbabilityBars { height: auto; }
    """

    rows: reactive[tuple[BarRow, ...]] = reactive(tuple, layout=True)
    highlight: reactive[int | None] = reactive(None)

    def __init__(
        self, *, label_width: int = 14, bar_width: int = 24, scale_to_max: bool = False, **kw: str
    ) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.label_width = label_width
        self.bar_width = bar_width
        self.scale_to_max = scale_to_max

    def render(self) -> Text:
        if not self.rows:
            return Text("")
        scale = max(r.value for r in self.rows) if self.scale_to_max else 1.0
        return render_bars(
            self.rows,
            label_width=self.label_width,
            bar_width=self.bar_width,
            scale=scale,
            highlight=self.highlight,
        )
