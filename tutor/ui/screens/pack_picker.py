"""The pack picker: when lesson packs are installed, the app asks which one to open first.

The built-in course comes first, then the installed packs by title (``pack_choices``). Each
row says how far the learner got in it: progress is kept per pack id, so switching loses nothing.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from tutor.core.pack_library import InstalledPack
from tutor.ui import safe
from tutor.ui.base import TutorScreen
from tutor.ui.services import AppServices
from tutor.ui.widgets.footer import KeysFooter
from tutor.ui.widgets.marked import MarkedOptionList

TITLE_WIDTH = 40  # title, version and progress fit one 80-column row


def pack_row(choice: InstalledPack, done: int, builtin: bool) -> Text:
    """One line of the picker; plain Text, so a pack's title is never read as markup."""
    title = choice.title if len(choice.title) <= TITLE_WIDTH else choice.title[:39] + "…"
    row = safe.plain(f"{title:<{TITLE_WIDTH}} ")
    row.no_wrap, row.overflow = True, "ellipsis"
    kind = "built-in" if builtin else f"v{choice.version}"
    row.append(f"{kind[:10]:<10} {done:>2}/{choice.lessons:<2} lessons done", style="dim")
    return row


class PackPickerScreen(TutorScreen[InstalledPack | None]):
    """Choose the course or an installed pack; returns the choice through ``dismiss``."""

    BINDINGS = [
        Binding("enter", "open", "Open", id="pack_picker.open"),
        Binding("ctrl+q", "app.quit", "Quit", id="pack_picker.quit"),
    ]

    @classmethod
    def for_route(cls, app: AppServices, **params: Any) -> PackPickerScreen:
        """``navigate("pack_picker", choices=[...])``, the built-in course first."""
        return cls(params["choices"])

    def __init__(self, choices: list[InstalledPack]) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Text.assemble(
                ("Which course would you like to open?\n", "bold"),
                ("Your progress is kept for each one separately. ", "dim"),
                ("↑ ↓ choose · enter open", "dim"),
            ),
            id="picker-intro",
        )
        yield MarkedOptionList(*self._options(), id="packs")
        yield KeysFooter()

    def _options(self) -> list[Option]:
        store = self.services.store
        options = []
        for number, choice in enumerate(self.choices):
            progress = store.lesson_progress(choice.id)
            done = sum(1 for p in progress.values() if p.status == "done")
            options.append(Option(pack_row(choice, done, builtin=number == 0), id=str(number)))
        return options

    def on_mount(self) -> None:
        self.query_one("#packs", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.choices[event.option_index])

    def action_open(self) -> None:
        index = self.query_one("#packs", OptionList).highlighted or 0
        self.dismiss(self.choices[index])
