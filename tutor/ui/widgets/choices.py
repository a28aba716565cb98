"""A keyboard-first list for choice and ordering questions.

One widget covers three uses: pick one (single, true/false), pick several (multiple) and
put in order (ordering). Number keys pick directly; space picks the highlighted line;
``[`` and ``]`` move the highlighted item when ordering.

Every key binding here is a priority binding, as the quiz screen's enter is: Textual runs
priority bindings as each key arrives, before the focused widget has read the keys queued for
it, so a digit bound normally and enter typed together would submit before the pick landed.
Priority bindings of a widget only apply while it has focus, so nothing else loses these keys.
"""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget

Mode = Literal["single", "multiple", "ordering"]


class ChoiceList(Widget, can_focus=True):
    """Lines the learner picks from or rearranges; ``order`` maps lines to file indices."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, priority=True),
        Binding("down,j", "cursor(1)", "Down", show=False, priority=True),
        Binding("space", "pick", "Pick", id="choices.pick", priority=True),
        Binding("left_square_bracket", "move(-1)", "Move up", id="choices.up", priority=True),
        Binding("right_square_bracket", "move(1)", "Move down", id="choices.down", priority=True),
        *(
            Binding(str(n), f"number({n})", "Pick by number", show=False, priority=True)
            for n in range(1, 10)
        ),
    ]

    DEFAULT_CSS = """
    ChoiceList { height: auto; padding: 0 1; }
    ChoiceList:focus { background-tint: $foreground 5%; }
    """

    cursor: reactive[int] = reactive(0)

    def __init__(self, labels: list[str], order: list[int], mode: Mode, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.labels = labels
        self.order = list(order)
        self.mode = mode
        self.picked: set[int] = set()  # file indices
        self.locked = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "move":
            return self.mode == "ordering"
        if action == "pick":
            return self.mode != "ordering"
        return True

    def render(self) -> Text:
        text = Text()
        for line, index in enumerate(self.order):
            pointer = "›" if line == self.cursor and not self.locked else " "
            if self.mode == "ordering":
                mark = f"{line + 1}."
            elif self.mode == "single":
                mark = "(•)" if index in self.picked else "( )"
            else:
                mark = "[x]" if index in self.picked else "[ ]"
            style = "reverse" if line == self.cursor and self.has_focus and not self.locked else ""
            text.append(f"{pointer} {mark} ", style=style)
            text.append(f"{line + 1}  " if self.mode != "ordering" else "", style="dim")
            text.append(self.labels[index], style=style)
            text.append("\n")
        text.rstrip()
        return text

    def action_cursor(self, step: int) -> None:
        self.cursor = (self.cursor + step) % len(self.order)

    def action_number(self, number: int) -> None:
        if number <= len(self.order) and not self.locked:
            self.cursor = number - 1
            if self.mode != "ordering":
                self.action_pick()

    def action_pick(self) -> None:
        if self.locked:
            return
        index = self.order[self.cursor]
        if self.mode == "single":
            self.picked = {index}
        elif index in self.picked:
            self.picked.discard(index)
        else:
            self.picked.add(index)
        self.refresh()

    def action_move(self, step: int) -> None:
        target = self.cursor + step
        if self.locked or not 0 <= target < len(self.order):
            return
        self.order[self.cursor], self.order[target] = self.order[target], self.order[self.cursor]
        self.cursor = target
        self.refresh()

    def watch_cursor(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
