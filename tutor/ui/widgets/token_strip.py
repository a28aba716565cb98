"""Token spans with boundaries that stay visible without colour.

Each token is one span; neighbours alternate between reverse video and underline, and a ``│``
separates them, so a boundary shows in a monochrome terminal and in a screen reader's plain
text alike. Whitespace is made visible (``·`` space, ``⏎`` newline, ``→`` tab), since a leading
space is part of many tokens. The cursor token sits between ``[`` and ``]`` in bold. Given a
width, lines break between tokens, never inside one (a token cut by the line's end would read
as two tokens); only a token wider than a whole line is folded.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
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


def render_strip(
    pieces: Sequence[str], cursor: int | None = None, width: int | None = None
) -> Text:
    """The pieces as spans, wrapped between tokens at ``width`` cells; ``cursor`` marks one."""
    text = Text()
    column = 0
    for i, piece in enumerate(pieces):
        if i == cursor:
            before = "["
        elif i > 0 and i - 1 != cursor:
            before = "│"
        else:
            before = ""
        shown = visible(piece) or "∅"
        after = "]" if i == cursor else ""
        size = cell_len(before + shown + after)
        if width and column and column + size > width:  # the next line starts with this token
            text.append("\n")
            column = 0
        column += size
        text.append(before, style="bold" if before == "[" else "dim")
        text.append(shown, style=STYLES[i % 2] + (" bold" if i == cursor else ""))
        text.append(after, style="bold")
    return text


class TokenStrip(Widget):
    """The pieces of a text, one span per token; set ``pieces`` and ``cursor`` to redraw."""

    DEFAULT_CSS = """
    TokenStrip { height: auto; }
    """

    pieces: reactive[tuple[str, ...]] = reactive(tuple, layout=True)
    cursor: reactive[int | None] = reactive(None)

    def render(self) -> Text:
        return render_strip(self.pieces, self.cursor, self.content_size.width or None)
