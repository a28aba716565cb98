"""``--watch``: the pack's ``pack check`` problems after a save, shown instead of failing.

A panel over whatever the learner was on (dimmed, still visible around it): the app keeps
the last version of the pack that loaded. ``escape`` dismisses it; the next save that still
has problems brings it back, and a save that fixes them closes it by itself.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from tutor.core.pack_watch import Reload
from tutor.ui import safe
from tutor.ui.base import TutorModal
from tutor.ui.widgets.footer import KeysFooter


class PackProblemsScreen(TutorModal[None]):
    """Every problem ``pack check`` finds now, one ``file:line: problem`` per line."""

    BINDINGS = [Binding("escape", "dismiss", "Dismiss", id="pack_problems.dismiss")]

    def __init__(self, reload: Reload) -> None:
        super().__init__()
        self.reload = reload

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="pack-problems"):
            yield Static(id="problems-heading")
            with VerticalScroll(id="problems-scroll"):
                yield Static(id="problems-list")
            yield Static(
                Text(
                    "Fix the file and save: this panel closes by itself. escape: dismiss",
                    style="dim",
                )
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.show(self.reload)

    def show(self, reload: Reload) -> None:
        """Show the problems of this reload (the panel stays open and is updated in place)."""
        self.reload = reload
        count = len(reload.problems)
        heading = Text(f"{count} problem{'s' if count != 1 else ''} in the pack", style="bold")
        if reload.pack is None:
            heading.append(" · showing the last version that loaded", style="dim")
        self.query_one("#problems-heading", Static).update(heading)
        listing = safe.plain("\n".join(reload.describe(p) for p in reload.problems))
        self.query_one("#problems-list", Static).update(listing)
