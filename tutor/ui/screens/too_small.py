"""Shown instead of a broken layout when the terminal is smaller than 80x24."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tutor.ui.base import TutorModal

MIN_WIDTH, MIN_HEIGHT = 80, 24


class TooSmallScreen(TutorModal[None]):
    """Covers the app until the terminal is big enough again; ctrl+q still quits."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", id="small.quit")]

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")

    def on_mount(self) -> None:
        self.describe()

    def on_resize(self) -> None:
        self.describe()

    def describe(self) -> None:
        width, height = self.app.size
        self.query_one("#too-small", Static).update(
            Text(
                f"Terminal too small: {width}x{height}.\n"
                f"llm-tutor needs at least {MIN_WIDTH}x{MIN_HEIGHT}.\n"
                "Make the window bigger, or press ctrl+q to quit.",
                justify="center",
            )
        )
