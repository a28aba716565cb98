"""The key footer every screen shows: Textual's ``Footer``, redrawn only when its keys change.

Textual rebuilds the footer (one widget per key, each styled) whenever a screen's bindings
*may* have changed: a screen pushed or resumed, the focus moved, the app idle. Before the
outline's first frame that is three times, for the same seven keys: about a third of the
work of that frame. This footer compares what it would draw with what it shows and skips
the rebuild when they are the same, so every screen opens faster and looks as before.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer


class KeysFooter(Footer):
    """``Footer(show_command_palette=False)``, rebuilt only when the keys it shows change."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("show_command_palette", False)
        super().__init__(**kwargs)
        self._drawn: tuple[object, ...] | None = None

    def _keys(self) -> tuple[object, ...]:
        """Everything the footer's keys are drawn from (see ``Footer.compose``)."""
        bindings = self.screen.active_bindings.values()
        shown = tuple(
            (b.key, b.key_display, b.description, b.action, b.group, enabled, tooltip)
            for _node, b, enabled, tooltip in bindings
            if b.show
        )
        return shown, self.show_command_palette

    async def recompose(self) -> None:
        if not self.is_attached:
            return  # its screen has gone: Footer's own recompose would not draw either
        keys = self._keys()
        if self.children and keys == self._drawn:
            return  # the same keys as on screen: nothing to rebuild
        await super().recompose()
        self._drawn = keys if self.children else None
