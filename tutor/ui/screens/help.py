"""Every key of every screen, read from each registered screen's own ``BINDINGS``.

The sections come from ``tutor.ui.navigation.ROUTES`` (plus the widgets a screen declares in
``KEY_WIDGETS``), so a new screen's keys appear here as soon as it has a route.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from tutor.ui.base import TutorModal
from tutor.ui.navigation import key_sections
from tutor.ui.widgets.footer import KeysFooter

KEY_NAMES = {
    "question_mark": "?",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "left_curly_bracket": "{",
    "right_curly_bracket": "}",
    "comma": ",",
    "full_stop": ".",
    "slash": "/",
    "escape": "esc",
}


def key_names(keys: str) -> str:
    """'f1,question_mark' -> 'f1 / ?'."""
    return " / ".join(KEY_NAMES.get(key.strip(), key.strip()) for key in keys.split(","))


def key_table(sections: Iterable[tuple[str, list[BindingType]]]) -> Table:
    """A two-column table: key and what it does, grouped by screen."""
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column("key", style="bold", no_wrap=True, min_width=20)
    table.add_column("action")
    for title, bindings in sections:
        table.add_row(Text(title, style="underline"), "")
        rows: dict[str, list[str]] = {}  # description -> keys, so 1..9 share one row
        for binding in bindings:
            if isinstance(binding, Binding) and binding.description:
                rows.setdefault(binding.description, []).append(key_names(binding.key))
        for description, keys in rows.items():
            table.add_row(Text(" / ".join(keys)), Text(description))
        table.add_row("", "")
    return table


class HelpScreen(TutorModal[None]):
    """Lists the keys of the whole app. Escape (or F1 / ?) closes it."""

    BINDINGS = [Binding("escape,f1,question_mark", "dismiss", "Close help", id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help-body"):
            yield Static(Text("Keys", style="bold"))
            yield Static(key_table(key_sections(list(self.app.BINDINGS))), id="help-keys")
            yield Static(
                Text(
                    "Everything works from the keyboard; the mouse is optional. "
                    "ctrl+p opens the command palette.",
                    style="dim",
                )
            )
        yield KeysFooter()
