"""Tokens: how the model's tokenizer cuts a text, token by token, with exact bytes.

The text is editable and re-tokenized as it changes (each keystroke replaces the running
request). A cursor steps through the tokens and shows each one's id, its bytes in hex and
whether it is a special (control) or byte-fallback token; counts of characters, UTF-8 bytes and
tokens sit above. tiktokenizer shows spans by colour and hides the bytes; here boundaries are
drawn with ``│`` and alternating reverse video / underline, and the bytes are always there.

``ctrl+o`` puts the same text, cut by a second model's tokenizer, under the first (SmolLM2's
49k-token BPE against Gemma 3's 262k vocabulary: the bigger vocabulary keeps more words whole),
each with its token count; without a second model it says in one line how to install it.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Static

from tutor.runtime.types import ModelInfo, TokenPiece
from tutor.ui.lab.base import InstrumentScreen, SecondFailed, Verdict
from tutor.ui.model_service import COMPARE_KEY, SECOND_MISSING, model_label
from tutor.ui.widgets.token_strip import TokenStrip, render_strip, visible


class TokensReady(Message):
    """The tokenizer's pieces for ``text``."""

    def __init__(self, text: str, pieces: list[TokenPiece]) -> None:
        super().__init__()
        self.text = text
        self.pieces = pieces


class SecondTokensReady(Message):
    """The second model's pieces for ``text``."""

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


def model_line(info: ModelInfo | None, pieces: list[TokenPiece] | None) -> Text:
    """One model's heading in the comparison: name, vocabulary size, token count."""
    line = Text(model_label(info), style="bold")
    if info is not None:
        line.append(f" · {info.n_vocab:,}-token vocabulary")
    if pieces is not None:
        special = sum(p.special for p in pieces)
        line.append(f" · {len(pieces)} tokens", style="bold")
        if special:
            line.append(f" ({special} special)")
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
        Binding(COMPARE_KEY, "compare", "Compare models", id="tokens.compare"),
    ]
    DEFAULT_CSS = """
    TokensScreen #tokens-counts { height: 1; margin: 1 0 0 0; }
    TokensScreen TokenCursor { margin: 1 0; }
    TokensScreen #tokens-detail { height: 3; }
    TokensScreen #tokens-first, TokensScreen #tokens-second { display: none; height: auto; }
    TokensScreen.-compare #tokens-first { display: block; margin: 1 0 0 0; }
    TokensScreen.-compare #tokens-second { display: block; margin: 0 0 1 0; }
    TokensScreen.-compare TokenCursor { margin: 0; }
    """
    PREDICT_QUESTION = "How many tokens will the tokenizer make of this text?"
    PREDICT_HINT = "a number, e.g. 12"

    pieces: list[TokenPiece] | None = None
    asked: str | None = None  # the text last sent to the tokenizer
    comparing = False  # the second model's tokens shown under the first's
    second_pieces: list[TokenPiece] | None = None
    second_asked: str | None = None
    second_trouble: str | None = None  # why the second model has no answer (not installed...)

    def compose_body(self) -> ComposeResult:
        yield self.field(
            "Text", Input(self.spec.prompt, placeholder="type any text", id="tokens-text")
        )
        yield Static(id="tokens-counts")
        yield Static(id="tokens-first")
        yield TokenCursor(id="tokens-strip")
        yield Static(id="tokens-second")
        yield Static(id="tokens-detail")

    def start(self) -> None:
        self.query_one("#tokens-text", Input).focus()
        self.tokenize(self.spec.prompt)

    def tokenize(self, text: str) -> None:
        self.asked = text
        self.refresh_view()
        self.run_model(lambda client: client.tokenize(text), lambda p: TokensReady(text, p))
        if self.comparing:
            self.tokenize_second(text)

    # -- the second model ------------------------------------------------------------------------

    def action_compare(self) -> None:
        """Show (or hide) the same text cut by the second model's tokenizer."""
        self.comparing = not self.comparing
        self.set_class(self.comparing, "-compare")
        if self.comparing:
            self.tokenize_second(self.query_one("#tokens-text", Input).value)
        self.refresh_view()

    def tokenize_second(self, text: str) -> None:
        self.second_asked = text
        self.second_trouble = None
        if not self.run_second(
            lambda client: client.tokenize(text), lambda p: SecondTokensReady(text, p)
        ):
            self.second_trouble = SECOND_MISSING

    def on_second_tokens_ready(self, message: SecondTokensReady) -> None:
        if message.text == self.query_one("#tokens-text", Input).value:
            self.second_pieces = message.pieces
            self.refresh_view()

    def on_second_failed(self, message: SecondFailed) -> None:
        self.second_trouble = (
            f"The second model could not answer: {message.reason} ({COMPARE_KEY} twice: try again)"
        )
        self.refresh_view()

    def second_text(self) -> Text:
        """The second model's heading and strip, or the one line saying why there is none."""
        if self.second_trouble is not None:
            return Text(self.second_trouble)
        second = self.service.second()
        info = second.status.info if second is not None else None
        if self.second_pieces is None or self.second_asked != self.asked:
            doing = "loading" if info is None else "asking"
            return Text(f"Second model: {doing}…", style="dim")
        text = model_line(info, self.second_pieces)
        text.append("\n")
        width = self.query_one("#tokens-second", Static).content_size.width or None
        text.append_text(render_strip([p.text for p in self.second_pieces], width=width))
        return text

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
        if self.comparing and self.revealed:
            self.query_one("#tokens-first", Static).update(
                model_line(self.service.status.info, self.pieces)
            )
            self.query_one("#tokens-second", Static).update(self.second_text())
        self.set_class(self.comparing and self.revealed, "-compare")
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
