"""The Textual app: owns the pack, the progress store and settings; screens do the rest.

``create_app`` is the one factory used by the CLI and by the tests, so what is tested is what
learners run.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TypeVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tutor.core import paths
from tutor.core.pack import Pack, load_pack
from tutor.core.progress import ProgressStore
from tutor.core.settings import THEMES, Settings, load_settings, save_settings
from tutor.runtime import ModelClient
from tutor.ui.lab.registry import free_play, instruments, open_instrument
from tutor.ui.model_service import ModelService
from tutor.ui.screens.error import ErrorScreen
from tutor.ui.screens.help import HelpScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.links import ConfirmOpenScreen, LinksScreen
from tutor.ui.screens.model import ModelScreen
from tutor.ui.screens.outline import OutlineScreen
from tutor.ui.screens.quiz import QuizScreen
from tutor.ui.screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen
from tutor.ui.widgets.choices import ChoiceList


class TutorApp(App[None]):
    """llm-tutor's terminal app."""

    TITLE = "llm-tutor"
    CSS_PATH = Path(__file__).parent / "ui" / "tutor.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", id="app.theme", show=False),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False),
    ]

    def __init__(
        self,
        pack: Pack,
        store: ProgressStore,
        settings: Settings,
        notices: list[str],
        model: str | None = None,
    ) -> None:
        super().__init__()
        self.pack = pack
        self.store = store
        self.settings = settings
        self.notices = notices
        self.sub_title = pack.title
        self.model_spec = model  # catalog id or .gguf path; None: the learner's choice or default
        self.model_service = ModelService(lambda: ModelClient(self.model_spec))

    def on_mount(self) -> None:
        self.theme = self.settings.theme
        self.push_screen(OutlineScreen())
        for notice in self.notices:
            self.notify(notice, severity="warning", timeout=20)
        self._check_size(self.size.width, self.size.height)

    def on_unmount(self) -> None:
        self.model_service.close()
        self.store.close()

    def model_client(self) -> ModelClient:
        """The one model worker the app's screens share, created on first use."""
        client: ModelClient = self.model_service.client
        return client

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place where any failed background task becomes a readable dialog."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.log.error(f"background task {event.worker.name!r} failed: {error!r}")
            self.push_screen(ErrorScreen("Something went wrong in the background", str(error)))

    # -- navigation used by screens and the command palette ---------------------------

    def open_lesson(self, slug: str) -> None:
        self.push_screen(LessonScreen(self.pack.lesson(slug)))

    def continue_learning(self) -> None:
        """Open the lesson the learner was last in, or the first one not done yet."""
        slug = self.store.last_lesson(self.pack.id)
        if slug is None or slug not in {lesson.slug for lesson in self.pack.lessons}:
            progress = self.store.lesson_progress(self.pack.id)
            pending = [
                lesson.slug
                for lesson in self.pack.lessons
                if lesson.slug not in progress or progress[lesson.slug].status != "done"
            ]
            slug = pending[0] if pending else self.pack.lessons[0].slug
        while not isinstance(self.screen, OutlineScreen) and len(self.screen_stack) > 2:
            self.pop_screen()
        self.open_lesson(slug)

    def open_quiz(self, slug: str) -> None:
        lesson = self.pack.lesson(slug)
        if lesson.quiz_path is None:
            self.notify(f"“{lesson.title}” has no quiz.", severity="warning")
            return
        self.push_screen(QuizScreen(lesson))

    def open_review(self) -> None:
        self.push_screen(QuizScreen(None))

    def open_instrument(self, kind: str) -> None:
        """A lab instrument for free play (Lab picker, command palette)."""
        self.push_screen(open_instrument(free_play(kind)))

    def open_model(self) -> None:
        self.push_screen(ModelScreen())

    def confirm_open_url(self, url: str) -> None:
        def opened(yes: bool | None) -> None:
            if yes:
                self.open_url(url)
                self.notify(f"Opened {url}")

        self.push_screen(ConfirmOpenScreen(url), opened)

    # -- app-wide actions -------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.settings.theme = THEMES[1] if self.theme == THEMES[0] else THEMES[0]
        self.theme = self.settings.theme
        save_settings(self.settings)

    def key_sections(self) -> list[tuple[str, list[BindingType]]]:
        """Keys of every screen, for the help screen."""
        return [
            ("Everywhere", list(self.BINDINGS)),
            ("Outline", list(OutlineScreen.BINDINGS)),
            ("Lesson", list(LessonScreen.BINDINGS)),
            ("Links", list(LinksScreen.BINDINGS) + list(ConfirmOpenScreen.BINDINGS)),
            ("Quiz", list(QuizScreen.BINDINGS) + list(ChoiceList.BINDINGS)),
            ("Model", list(ModelScreen.BINDINGS)),
        ]

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield SystemCommand("Continue", "Open the lesson you were last in", self.continue_learning)
        yield SystemCommand("Review", "Answer the questions due for review", self.open_review)
        yield SystemCommand("Model", "See the model the demos use, or restart it", self.open_model)
        for entry in instruments():
            yield SystemCommand(
                f"Lab: {entry.title}",
                entry.summary if entry.built else "not in this version",
                partial(self.open_instrument, entry.kind),
            )
        yield SystemCommand("Help", "List every key", self.action_help)
        yield SystemCommand("Light / dark theme", "Switch theme", self.action_toggle_theme)
        yield from super().get_system_commands(screen)

    # -- terminal size ----------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        showing = isinstance(self.screen, TooSmallScreen)
        if small and not showing:
            self.push_screen(TooSmallScreen())
        elif not small and showing:
            self.pop_screen()


AppT = TypeVar("AppT", bound=TutorApp)


def create_app(
    pack_dir: Path | None = None,
    database: Path | None = None,
    app_class: type[AppT] = TutorApp,  # type: ignore[assignment]
    model: str | None = None,
) -> AppT:
    """Build the app for a pack (default: the built-in course). Raises PackError/StoreError."""
    pack = load_pack(pack_dir or paths.builtin_course_dir())
    store = ProgressStore.open(database)
    settings, notices = load_settings()
    return app_class(pack, store, settings, store.report.notices + notices, model)
