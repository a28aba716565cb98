"""Ways into the lab: the Lab picker (every instrument, for free play), the small picker when
several demos are on screen, and opening a lesson's demo at its place in the lesson."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from tutor.core.pack import Lesson
from tutor.ui.base import TutorModal, TutorScreen
from tutor.ui.lab.registry import (
    DemoContext,
    demo_spec,
    free_play,
    instrument,
    instruments,
    route_name,
)
from tutor.ui.lesson_text import demo_lines
from tutor.ui.widgets.demo_card import CardInfo, DemoCard
from tutor.ui.widgets.footer import KeysFooter
from tutor.ui.widgets.marked import MarkedOptionList

if TYPE_CHECKING:
    from textual.widget import Widget

    from tutor.ui.services import AppServices


def card_infos(lesson: Lesson) -> dict[int, CardInfo]:
    """Each demo block's card, keyed by the body line of its opening fence."""
    cards = {}
    for index, (line, demo) in enumerate(demo_lines(lesson).items()):
        spec = demo_spec(demo)
        entry = instrument(spec.kind)
        cards[line] = CardInfo(
            index, entry.title, entry.summary, spec.prompt, entry.built, spec.predict
        )
    return cards


def demo_cards_in_view(viewer: Widget) -> list[DemoCard]:
    """The cards visible in ``viewer``; if none is, the first one below; else nothing.

    Regions are screen coordinates; a card scrolled out of view keeps its (off-screen) place.
    """
    view = viewer.scrollable_content_region
    cards = list(viewer.query(DemoCard))
    visible = [card for card in cards if card.region.overlaps(view)]
    if visible:
        return visible
    below = [card for card in cards if card.region.y >= view.y]
    return below[:1]


def prediction_score(store: object, pack_id: str) -> tuple[int, int]:
    """(right, total) of the learner's predictions in this pack's demos."""
    score = getattr(store, "prediction_score", None)
    return score(pack_id) if score is not None else (0, 0)


def open_lesson_demo(app: AppServices, lesson: Lesson, index: int) -> None:
    """Open demo ``index`` of ``lesson`` as its own screen (predictions recorded against it)."""
    spec = demo_spec(lesson.demos[index])
    context = DemoContext(app.pack.id, lesson.slug, index)
    app.navigate(route_name(spec.kind), spec=spec, context=context)


def picker_label(title: str, summary: str, built: bool, prompt: str = "") -> Text:
    label = Text(f"{title:<20}", style="bold")
    label.append(summary if built else "not in this version", style="" if built else "dim")
    if prompt:
        label.append(f"\n{'':<20}“{prompt[:50]}”", style="dim")
    return label


class DemoPicker(TutorModal[int | None]):
    """Which of the demos on screen to open; returns its index in the lesson."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="demos.cancel")]

    def __init__(self, cards: list[CardInfo]) -> None:
        super().__init__()
        self.cards = cards

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Which demo? (enter: open · esc: cancel)", style="bold"))
            yield MarkedOptionList(
                *(
                    Option(picker_label(c.title, c.summary, c.built, c.prompt), id=str(c.index))
                    for c in self.cards
                ),
                id="demo-choices",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.cards[event.option_index].index)

    def action_cancel(self) -> None:
        self.dismiss(None)


class LabScreen(TutorScreen[None]):
    """The Lab: every instrument, to play with freely (outline key ``x``)."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="lab.back"),
        Binding("enter", "open", "Open", id="lab.open"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Text("The lab: every instrument on the live model, for free play.\n"
                 "↑↓ choose · enter: open · esc: back"),
            id="lab-intro",
        )  # fmt: skip
        yield MarkedOptionList(
            *(Option(picker_label(i.title, i.summary, i.built), id=i.kind) for i in instruments()),
            id="lab-instruments",
        )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.open_kind(str(event.option.id))

    def action_open(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.open_kind(str(options.get_option_at_index(options.highlighted).id))

    def open_kind(self, kind: str) -> None:
        self.services.navigate(route_name(kind), spec=free_play(kind))

    def action_back(self) -> None:
        self.dismiss()
