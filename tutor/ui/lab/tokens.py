"""Tokens: how the model's tokenizer cuts a text, token by token, with exact bytes.

The text is editable and re-tokenized as it changes (each keystroke replaces the running
request). A cursor steps through the tokens and shows each one's id, its bytes in hex and
whether it is a special (control) or byte-fallback token; counts of characters, UTF-8 bytes and
tokens sit above. tiktokenizer shows spans by colour and hides the bytes; here boundaries are
drawn with ``│`` and alternating reverse video / underline, and the bytes are always there.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Static

from tutor.runtime.types import TokenPiece
from tutor.ui.lab.base import InstrumentScreen, Verdict
from tutor.ui.widgets.token_strip import TokenStrip, visible


class TokensReady(Message):
    """The tokenizer's pieces for ``text``."""

    def __init__(self, text: str, pieces: list[TokenPiece]) -> None:
        super().__init__()
        self.text = text
        self.pieces = pieces


class TokenCursor(TokenStrip, can_focus=True):
    """The token strip with a cursor that steps token by token."""

    BINDINGS = [
        Binding("left,h", "step(-1)", "Prev token", id="tokens.prev"),
        Binding("right,l", "step(1)", "Next token", id="tokens.next"),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
    ]

    class Moved(Message):
        """The cursor moved to another token."""

    def watch_cursor(self) -> None:
        self.post_message(self.Moved())

    def action_step(self, step: int) -> None:
        if self.pieces:
            current = self.cursor if self.cursor is not None else 0
            self.cursor = max(0, min(len(self.pieces) - 1, current + step))

    def action_jump(self, where: int) -> None:
        if self.pieces:
            self.cursor = where % len(self.pieces)


def counts_line(text: str, pieces: list[TokenPiece] | None) -> Text:
    """Characters, UTF-8 bytes and (once known and revealed) tokens."""
    line = Text(f"{len(text)} characters · {len(text.encode())} bytes")
    if pieces is not None:
        line.append(f" · {len(pieces)} tokens", style="bold")
        if text:
            line.append(f" · {len(text) / max(1, len(pieces)):.1f} characters per token")
    return line


def piece_kind(piece: TokenPiece) -> str:
    if piece.special:
        return "special (control) token"
    if piece.byte_fallback:
        return "byte-fallback token (one raw byte)"
    return "normal token"


def detail_lines(pieces: list[TokenPiece], cursor: int | None) -> Text:
    """What the cursor token is: position, id, text, bytes in hex, kind."""
    if not pieces or cursor is None:
        return Text("No tokens." if not pieces else "")
    piece = pieces[cursor]
    text = Text(f"token {cursor + 1} of {len(pieces)}   id ", style="")
    text.append(str(piece.id), style="bold")
    text.append("   text “")
    text.append(visible(piece.text), style="bold")
    text.append("”\n")
    size = len(piece.bytes)
    text.append(f"bytes {piece.bytes.hex(' ') or '(none)'}  ({size} byte{'s' * (size != 1)})")
    text.append(f"   {piece_kind(piece)}")
    return text


class TokensScreen(InstrumentScreen):
    """The Tokens instrument."""

    KIND = "tokens"
    KEY_WIDGETS = (TokenCursor,)
    BINDINGS = [
        *InstrumentScreen.BINDINGS,
        Binding("tab", "app.focus_next", "Edit/step", id="tokens.switch"),
    ]
    DEFAULT_CSS = """
    TokensScreen #tokens-counts { height: 1; margin: 1 0 0 0; }
    TokensScreen TokenCursor { margin: 1 0; }
    TokensScreen #tokens-detail { height: 3; }
    """
    PREDICT_QUESTION = "How many tokens will the tokenizer make of this text?"
    PREDICT_HINT = "a number, e.g. 12"

    pieces: list[TokenPiece] | None = None
    asked: str | None = None  # the text last sent to the tokenizer

    def compose_body(self) -> ComposeResult:
        yield self.field(
            "Text", Input(self.spec.prompt, placeholder="type any text", id="tokens-text")
        )
        yield Static(id="tokens-counts")
        yield TokenCursor(id="tokens-strip")
        yield Static(id="tokens-detail")

    def start(self) -> None:
        self.query_one("#tokens-text", Input).focus()
        self.tokenize(self.spec.prompt)

    def tokenize(self, text: str) -> None:
        self.asked = text
        self.refresh_view()
        self.run_model(lambda client: client.tokenize(text), lambda p: TokensReady(text, p))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "tokens-text" and event.value != self.asked:
            self.tokenize(event.value)

    def on_tokens_ready(self, message: TokensReady) -> None:
        self.model_answered()
        if message.text != self.query_one("#tokens-text", Input).value:
            return  # an older text's answer
        self.pieces = message.pieces
        strip = self.query_one(TokenCursor)
        strip.pieces = tuple(p.text for p in message.pieces)
        if strip.cursor is None or strip.cursor >= len(message.pieces):
            strip.cursor = 0 if message.pieces else None
        self.refresh_view()
        self.try_judge()

    def on_token_cursor_moved(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        text = self.query_one("#tokens-text", Input).value
        shown = self.pieces if self.revealed else None
        self.query_one("#tokens-counts", Static).update(counts_line(text, shown))
        strip = self.query_one(TokenCursor)
        strip.display = self.revealed
        detail = self.query_one("#tokens-detail", Static)
        if self.revealed and self.pieces is not None:
            body = detail_lines(self.pieces, strip.cursor)
            verdict = self.verdict_text()
            if verdict.plain:
                body.append("\n")
                body.append_text(verdict)
            detail.update(body)
        else:
            detail.update(self.verdict_text())

    def can_judge(self) -> bool:
        return self.pieces is not None

    def judge(self, guess: str) -> Verdict:
        """Right when within 10% of the real count (at least one token either way)."""
        actual = len(self.pieces or [])
        try:
            guessed = int(guess.strip())
        except ValueError:
            return Verdict(str(actual), False, Text(f"“{guess}” is not a number; it was {actual}."))
        off = abs(guessed - actual)
        correct = off <= max(1, round(actual * 0.1))
        text = Text("Right! " if correct else "Not quite. ", style="bold")
        text.append(f"You guessed {guessed}; the tokenizer made {actual} ({off} off).")
        return Verdict(str(actual), correct, text)
