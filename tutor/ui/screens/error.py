"""A readable dialog for anything that went wrong in the background; the app keeps running."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from tutor.core import paths
from tutor.ui import safe
from tutor.ui.base import TutorModal
from tutor.ui.widgets.footer import KeysFooter


class ErrorScreen(TutorModal[None]):
    """What failed, in words, and where the details are logged."""

    BINDINGS = [Binding("escape,enter", "dismiss", "Close", id="error.close")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(safe.plain(self.title_text, style="bold"))
            yield Static(safe.plain(self.message), id="error-message")
            yield Static(
                Text(
                    f"Details are in the log:\n{paths.log_file()}\n\nenter or escape: close",
                    style="dim",
                )
            )
        yield KeysFooter()
