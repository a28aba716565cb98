"""Token spans with boundaries that stay visible without colour.

Each token is one span; neighbours alternate between reverse video and underline, and a ``│``
separates them, so a boundary shows in a monochrome terminal and in a screen reader's plain
text alike. Whitespace is made visible (``·`` space, ``⏎`` newline, ``→`` tab), since a leading
space is part of many tokens. The cursor token sits between ``[`` and ``]`` in bold.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

_VISIBLE = str.maketrans({" ": "·", "\n": "⏎", "\t": "→", "\r": "␍"})
STYLES = ("reverse", "underline")


def visible(text: str) -> str:
    """``text`` with spaces, newlines and tabs drawn as ``·``, ``⏎`` and ``→``; other control
    characters as their Unicode control pictures, so nothing reaches the terminal raw."""
    shown = text.translate(_VISIBLE)
    return "".join(chr(0x2400 + ord(c)) if ord(c) < 0x20 else c for c in shown)


def render_strip(pieces: Sequence[str], cursor: int | None = None) -> Text:
    """The pieces as one wrapped line of spans; ``cursor`` marks one piece."""
    text = Text()
    for i, piece in enumerate(pieces):
        if i == cursor:
            text.append("[", style="bold")
        elif i > 0 and i - 1 != cursor:
            text.append("│", style="dim")
        style = STYLES[i % 2] + (" bold" if i == cursor else "")
        text.append(visible(piece) or "∅", style=style)
        if i == cursor:
            text.append("]", style="bold")
    return text


class TokenStrip(Widget):
    """The pieces of a text, one span per token; set ``pieces`` and ``cursor`` to redraw."""

    DEFAULT_CSS = """
    TokenStrip { height: auto; }
    """

    pieces: reactive[tuple[str, ...]] = reactive(tuple, layout=True)
    cursor: reactive[int | None] = reactive(None)

    def render(self) -> Text:
        return render_strip(self.pieces, self.cursor)
