"""A live demo card, drawn inline in a lesson where a ```demo block stands.

The card says what the demo will show, the prompt it starts with, and ``enter: try it``; it is
focusable (``tab`` / ``shift+tab`` move between cards), and its border turns from rounded to
heavy when focused, so focus shows without colour. A kind without an instrument yet says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markdown_it.token import Token
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Click
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from tutor.ui.widgets.token_strip import visible

PROMPT_CHARS = 140  # a long prompt is cut on the card; the instrument gets all of it


@dataclass(frozen=True)
class CardInfo:
    """What a card shows: the instrument's title and summary, the demo's prompt and flags."""

    index: int  # the demo's number within the lesson
    title: str
    summary: str
    prompt: str
    built: bool
    predict: bool = False


def card_text(info: CardInfo) -> Text:
    """The card's body as plain text (the border and title are drawn by the widget)."""
    text = Text()
    if info.summary:
        text.append("Shows: ", style="bold")
        text.append(info.summary)
        text.append("\n")
    if info.prompt:
        prompt = (
            info.prompt if len(info.prompt) <= PROMPT_CHARS else info.prompt[:PROMPT_CHARS] + "…"
        )
        text.append("Starts with: ", style="bold")
        text.append(f"“{prompt}”".replace("\n", visible("\n")))
        text.append("\n")
    if not info.built:
        text.append("Not in this version: ", style="bold")
        text.append("this instrument comes in a later version of llm-tutor.")
    else:
        text.append("enter: try it", style="bold")
        if info.predict:
            text.append(" · you predict first, then see the answer")
        text.append(" · tab: next demo · t: try the one on screen", style="dim")
    return text


class DemoCard(Widget, can_focus=True):
    """A focusable card; ``enter`` (or a click) posts ``DemoCard.Chosen``."""

    BINDINGS = [Binding("enter", "choose", "Try it", id="demo.try", show=False)]

    DEFAULT_CSS = """
    DemoCard {
        height: auto;
        border: round $accent;
        padding: 0 1;
        margin: 0 0;
    }
    DemoCard:focus {
        border: heavy $accent;
        background-tint: $foreground 5%;
    }
    DemoCard.-not-built { border: dashed $foreground 50%; }
    DemoCard.-not-built:focus { border: heavy $foreground 50%; }
    """

    class Chosen(Message):
        """The learner asked to try this demo."""

        def __init__(self, card: DemoCard) -> None:
            super().__init__()
            self.card = card

        @property
        def control(self) -> DemoCard:
            return self.card

    def __init__(self, info: CardInfo, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.info = info
        self.border_title = Text(f"▶ Live demo: {info.title}")
        self.set_class(not info.built, "-not-built")

    def render(self) -> Text:
        return card_text(self.info)

    def action_choose(self) -> None:
        self.post_message(self.Chosen(self))

    def on_click(self, event: Click) -> None:
        event.stop()
        self.action_choose()


class DemoFence(MarkdownFence):
    """A fenced block in a lesson: a ```demo block becomes its card, any other stays code."""

    DEFAULT_CSS = """
    DemoFence.-demo { background: transparent; margin: 1 0; padding: 0; }
    DemoFence.-demo:light { background: transparent; }
    """

    def __init__(self, markdown: Markdown, token: Token, code: str) -> None:
        super().__init__(markdown, token, code)
        cards = getattr(markdown, "cards", {})
        line = token.map[0] if token.map else -1
        self.card_info: CardInfo | None = cards.get(line) if token.info.strip() == "demo" else None
        self.set_class(self.card_info is not None, "-demo")

    def compose(self) -> ComposeResult:
        if self.card_info is None:
            yield from super().compose()
        else:
            yield DemoCard(self.card_info)


class LessonDocument(Markdown):
    """A lesson's Markdown with its demo blocks drawn as cards; ``cards`` maps the source line
    (0-based) of each demo block's opening fence to its card."""

    def __init__(self, cards: dict[int, CardInfo], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cards = cards

    def get_block_class(self, block_name: str) -> type[MarkdownBlock]:
        if block_name == "fence":
            return DemoFence
        return super().get_block_class(block_name)
