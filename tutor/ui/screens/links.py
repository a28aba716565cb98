"""Links of a lesson, and the confirmation asked before any URL is opened."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tutor.ui import safe
from tutor.ui.base import TutorModal
from tutor.ui.lesson_text import Link
from tutor.ui.widgets.footer import KeysFooter
from tutor.ui.widgets.marked import MarkedOptionList


class LinksScreen(TutorModal[str | None]):
    """Pick a link of the lesson (returns its URL); opening it still needs a confirmation."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="links.close")]

    def __init__(self, links: list[Link]) -> None:
        super().__init__()
        self.links = links

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Links in this lesson", style="bold"))
            yield MarkedOptionList(
                *(
                    Option(safe.plain(f"{link.text} — {link.url}"), id=str(i))
                    for i, link in enumerate(self.links)
                ),
                id="links",
            )
            yield Static(Text("enter: show and confirm · escape: close", style="dim"))
        yield KeysFooter()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.links[event.option_index].url)


class ConfirmOpenScreen(TutorModal[bool]):
    """Show a URL in full and open it only when the learner says yes."""

    BINDINGS = [
        Binding("y", "answer(True)", "Open", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "Cancel", id="confirm.no"),
    ]

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Open this address in your web browser?", style="bold"))
            yield Static(safe.plain(self.url), id="url")
            yield Static(Text("y: open · n or escape: cancel", style="dim"))
        yield KeysFooter()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
