"""Every screen the app can open, by name: ``navigate("lesson", slug=...)`` and friends.

One registry, read by the app (to open screens), by the help screen (each route's own
``BINDINGS``, plus the widgets it declares in ``KEY_WIDGETS``) and by the command palette.
A new screen is one ``Route`` line in ``ROUTES``; ``app.py`` does not change.

Screens are named by ``"module:Class"`` and imported on first use, so start-up pays only for
the outline (the quiz models, the model runtime and numpy load when a learner needs them).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType

from tutor.ui.lab.registry import lab_routes

if TYPE_CHECKING:
    from textual.screen import Screen

    from tutor.ui.base import TutorModal, TutorScreen
    from tutor.ui.services import AppServices


@dataclass(frozen=True)
class Route:
    """A screen the app can open."""

    name: str  # what callers pass to navigate()
    title: str  # heading in the help screen, name in the command palette
    target: str  # "package.module:ScreenClass", a TutorScreen or TutorModal
    command: str = ""  # command palette description; "" keeps it out of the palette
    in_help: bool = True  # list its keys on the help screen

    def screen_class(self) -> type[TutorScreen[Any] | TutorModal[Any]]:
        """The screen class, imported now (first use) rather than at start-up."""
        return _load(self.target)

    def build(self, app: AppServices, **params: Any) -> Screen[Any] | None:
        """The screen to show for ``params``, or None when there is nothing to open."""
        return self.screen_class().for_route(app, **params)

    def bindings(self) -> list[BindingType]:
        """The keys of this screen and of the widgets it declares, as the help screen lists them."""
        cls = self.screen_class()
        keys = list(cls.BINDINGS)
        for widget in cls.KEY_WIDGETS:
            keys += list(widget.BINDINGS)
        return keys


ROUTES: tuple[Route, ...] = (
    Route("outline", "Outline", "tutor.ui.screens.outline:OutlineScreen"),
    Route("lesson", "Lesson", "tutor.ui.screens.lesson:LessonScreen"),
    Route("links", "Links", "tutor.ui.screens.links:LinksScreen"),
    Route("confirm_open", "Open a link", "tutor.ui.screens.links:ConfirmOpenScreen"),
    Route("quiz", "Quiz", "tutor.ui.screens.quiz:QuizScreen"),
    Route(
        "review",
        "Review",
        "tutor.ui.screens.quiz:QuizScreen",
        command="Answer the questions due for review",
        in_help=False,  # the quiz screen's keys, listed under Quiz
    ),
    Route(
        "model",
        "Model",
        "tutor.ui.screens.model:ModelScreen",
        command="See the model the demos use, or restart it",
    ),
    Route("help", "Help", "tutor.ui.screens.help:HelpScreen", command="List every key"),
    Route("lab", "Lab", "tutor.ui.lab.picker:LabScreen", command="Every instrument, for free play"),
    Route("demo_picker", "Pick a demo", "tutor.ui.lab.picker:DemoPicker", in_help=False),
    *lab_routes(),  # one per demo kind: "lab.tokens", "lab.next-token", ... (lab registry)
    Route(
        "pack_picker", "Pick a pack", "tutor.ui.screens.pack_picker:PackPickerScreen", in_help=False
    ),
    Route(
        "pack_problems",
        "Pack problems",
        "tutor.ui.screens.pack_problems:PackProblemsScreen",
        in_help=False,  # --watch only; its one key (escape) is written on the panel
    ),
    Route("error", "Error", "tutor.ui.screens.error:ErrorScreen", in_help=False),
    Route("too_small", "Too small", "tutor.ui.screens.too_small:TooSmallScreen", in_help=False),
)


def route(name: str) -> Route:
    """The route called ``name``; KeyError names the known ones (a typo is a bug)."""
    for candidate in ROUTES:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no screen called {name!r}; known: {', '.join(r.name for r in ROUTES)}")


def key_sections(everywhere: list[BindingType]) -> list[tuple[str, list[BindingType]]]:
    """Every key table of the help screen: app-wide keys, then each screen's own."""
    sections: list[tuple[str, list[BindingType]]] = [("Everywhere", everywhere)]
    for candidate in ROUTES:
        if candidate.in_help:
            keys: list[BindingType] = [
                b for b in candidate.bindings() if isinstance(b, Binding) and b.description
            ]
            if keys:
                sections.append((candidate.title, keys))
    return sections


@cache
def _load(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(import_module(module), attribute)
