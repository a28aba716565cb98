"""The prompt dialog of the preference lab (``e`` in the vote and best-of-N views)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from tutor.ui.base import TutorModal


class PromptDialog(TutorModal[str | None]):
    """Type a prompt; enter keeps it, esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prefs.prompt.cancel")]

    def __init__(self, title: str, value: str) -> None:
        super().__init__()
        self.heading = title
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.heading, style="bold"))
            yield Input(self.value, placeholder="a prompt for the model", id="prefs-prompt")
            yield Static(Text("enter: use this prompt · esc: cancel", style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
