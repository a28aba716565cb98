"""Lists whose highlighted row carries a character, not only a background.

Textual's ``OptionList`` shows the highlighted option by its background and bold text alone,
and its ``Tree`` (the lesson's table of contents) its cursor line the same way.
With NO_COLOR the background is gone, and bold is easy to miss (or not shown at all), so the
learner cannot tell which lesson or instrument enter would open. This list draws ``›`` in a
two-cell gutter beside the highlighted option's first line, as the quiz's ``ChoiceList`` and
the lab's lists do; the tree puts it before the cursor node's label while it has focus. The
list's gutter is the mechanism Textual's own ``SelectionList`` uses for its check boxes
(``_get_left_gutter_width`` plus ``render_line``); ``Tree.render_label`` is meant to be
overridden.
"""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widgets import OptionList, Tree
from textual.widgets.tree import TreeNode

Data = TypeVar("Data")

MARK = "› "  # the gutter of the highlighted option's first line; spaces elsewhere


class MarkedOptionList(OptionList):
    """``OptionList`` with ``›`` beside the highlighted option (everything else as it is)."""

    def _get_left_gutter_width(self) -> int:
        return len(MARK)

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        try:
            index, line_in_option = self._lines[self.scroll_offset.y + y]
        except IndexError:
            return line  # below the last option: a blank line, already the full width
        marked = index == self.highlighted and line_in_option == 0
        style = next(iter(line)).style if line.cell_length else None
        gutter = Segment(MARK if marked else " " * len(MARK), style)
        return Strip([gutter, *line], line.cell_length + len(MARK))


class MarkedTree(Tree[Data]):
    """``Tree`` with ``›`` before the cursor node's label while the tree has focus."""

    def render_label(self, node: TreeNode[Data], base_style: Style, style: Style) -> Text:
        label = super().render_label(node, base_style, style)
        marked = node is self.cursor_node and self.has_focus
        return Text.assemble((MARK if marked else " " * len(MARK), base_style), label)
