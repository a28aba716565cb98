"""Generated text with every token's probability drawn beneath it, readable without colour.

Each line of text gets a second line under it: under every token, as many shade characters as
the token is wide, darker for a likelier token (`` ░▒▓█``: below 10 %, 10–25 %, 25–50 %,
50–75 %, 75 % and up). Tokens below 10 % are also underlined, so a surprising choice stands out
in a screen reader's plain text too. A token the learner chose instead of the model has ``^``
beneath it. The cursor token is drawn in reverse video. Newlines show as ``⏎`` (then break),
tabs as ``→``, other control characters as their Unicode control pictures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region
from textual.widget import Widget

SHADES = " ░▒▓█"
LOW = 0.10  # below this a token is underlined: the model thought it unlikely
LEVELS = (0.10, 0.25, 0.50, 0.75)  # the shade steps, in probability
FORCED = "^"
LEGEND = "shade = p: █ ≥75% ▓ ≥50% ▒ ≥25% ░ ≥10%, blank (underlined) <10%, ^ your pick"


@dataclass(frozen=True)
class StreamToken:
    """What the widget needs of one generated token."""

    text: str
    prob: float
    forced: bool = False


def shade(prob: float) -> str:
    """The shade character for a probability (``SHADES[0]``, a blank, below 10 %)."""
    return SHADES[sum(prob >= level for level in LEVELS)]


def shown(text: str) -> str:
    """A token's text as drawn: newline ``⏎``, tab ``→``, control characters as pictures."""
    out = text.replace("\n", "⏎").replace("\t", "→").replace("\r", "␍")
    return "".join(chr(0x2400 + ord(c)) if ord(c) < 0x20 else c for c in out) or "∅"


def _chunks(piece: str, width: int) -> list[str]:
    """``piece`` cut into parts at most ``width`` cells wide (for a token wider than a line)."""
    parts, current = [], ""
    for char in piece:
        if current and cell_len(current + char) > width:
            parts.append(current)
            current = ""
        current += char
    return [*parts, current] if current else parts


class _Layout:
    """Tokens placed on (text line, shade line) pairs of a given width."""

    def __init__(self, width: int) -> None:
        self.width = max(width, 4)
        self.lines: list[tuple[Text, Text]] = [(Text(), Text())]
        self.cursor_line = 0

    def place(self, piece: str, below: str, style: str, is_cursor: bool) -> None:
        for part in _chunks(piece, self.width):
            text, shades = self.lines[-1]
            if text.cell_len and text.cell_len + cell_len(part) > self.width:
                self.lines.append((Text(), Text()))
                text, shades = self.lines[-1]
            text.append(part, style=style)
            shades.append(below * cell_len(part), style="bold" if is_cursor else "")
            if is_cursor:
                self.cursor_line = len(self.lines) - 1

    def newline(self) -> None:
        self.lines.append((Text(), Text()))


def render_stream(
    tokens: Sequence[StreamToken], width: int, cursor: int | None = None, lead: str = ""
) -> tuple[Text, int]:
    """The tokens laid out ``width`` cells wide, each text line with its shade line beneath;
    returns the text and the line (of text) holding the cursor. ``lead`` (the end of the
    prompt) comes first, dim, with nothing beneath it."""
    layout = _Layout(width)
    if lead:
        layout.place(shown(lead), " ", "dim", False)
    for i, token in enumerate(tokens):
        style = "reverse bold" if i == cursor else ("underline" if token.prob < LOW else "")
        below = FORCED if token.forced else shade(token.prob)
        layout.place(shown(token.text), below, style, i == cursor)
        if token.text.endswith("\n"):
            layout.newline()
    out = Text(no_wrap=True, overflow="crop")
    for n, (text, shades) in enumerate(layout.lines):
        out.append_text(text)
        out.append("\n")
        out.append_text(shades)
        if n < len(layout.lines) - 1:
            out.append("\n")
    return out, layout.cursor_line


class StreamText(Widget):
    """The generated tokens of one branch; call ``show`` to redraw (from the UI thread)."""

    DEFAULT_CSS = """
    StreamText { height: auto; }
    """

    def __init__(self, **kw: str) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.tokens: tuple[StreamToken, ...] = ()
        self.cursor: int | None = None
        self.lead = ""
        self.cursor_line = 0
        self._drawn: tuple[object, Text, int] | None = None  # (key, text, cursor line)

    def show(self, tokens: Sequence[StreamToken], cursor: int | None, lead: str = "") -> None:
        """Draw ``tokens`` with ``cursor`` marked, after ``lead``."""
        self.tokens, self.cursor, self.lead = tuple(tokens), cursor, lead
        self.refresh(layout=True)

    def _rendered(self, width: int) -> tuple[Text, int]:
        """``render_stream`` of the current tokens, kept until they or ``width`` change: the
        layout pass and the paint that follows it ask for the same text once per frame."""
        key = (self.tokens, width, self.cursor, self.lead)
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, *render_stream(self.tokens, width, self.cursor, self.lead))
        return self._drawn[1], self._drawn[2]

    def render(self) -> Text:
        text, self.cursor_line = self._rendered(self.content_size.width or 78)
        return text

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        text, _ = self._rendered(width)
        return text.plain.count("\n") + 1

    def cursor_region(self) -> Region:
        """The two rows (text and shades) of the cursor's line, to scroll into view."""
        return Region(0, self.cursor_line * 2, self.size.width, 2)
