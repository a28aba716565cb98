"""The Textual app: owns the pack, the progress store and settings; screens do the rest.

``create_app`` is the one factory used by the CLI and by the tests, so what is tested is what
learners run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.events import Resize
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tutor.core import paths
from tutor.core.errors import PackError
from tutor.core.pack import Pack, load_pack
from tutor.core.pack_checked import CheckedPacks
from tutor.core.pack_library import InstalledPack, pack_choices
from tutor.core.progress import ProgressStore, lesson_to_continue
from tutor.core.settings import THEMES, Settings, load_settings, save_settings
from tutor.ui import navigation, safe
from tutor.ui.model_service import ModelService, installed_second_client
from tutor.ui.screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen

if TYPE_CHECKING:
    from tutor.core.pack_watch import Reload
    from tutor.runtime import ModelClient
    from tutor.runtime.api import ModelClientProtocol
    from tutor.ui.pack_watch import PackReloaded, PackWatchService  # --watch only: loaded then


READ_ONLY_WARNING = (
    "Your progress is read-only here (the data directory or database cannot be written): "
    "lessons and quizzes work, but nothing new is saved this time."
)


class TutorApp(App[None]):
    """llm-tutor's terminal app; implements ``AppServices`` for its screens."""

    TITLE = "llm-tutor"
    CSS_PATH = Path(__file__).parent / "tutor.tcss"
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
        *,
        watch: bool = False,
        choices: list[InstalledPack] | None = None,
    ) -> None:
        super().__init__()
        self.pack = pack
        self.store = store
        self.settings = settings
        self.notices = notices
        self.sub_title = pack.title  # the header shows titles as plain text, never markup
        self.model_spec = model  # catalog id or .gguf path; None: the learner's choice or default
        self.model_service = ModelService(self._new_client, self._new_second_client)
        self.watch_pack = watch  # --watch: reload pack files when they are saved
        self.pack_watch: PackWatchService | None = None
        self.choices = choices or []  # more than one: a pack picker opens first
        # A write that fails later (a full disk) is said once, as the opening notices are.
        store.on_warning = lambda text: safe.notify(self, text, severity="warning", timeout=20)

    def on_mount(self) -> None:
        self.theme = self.settings.theme
        if len(self.choices) > 1:
            self.navigate("pack_picker", choices=self.choices, on_result=self._pack_chosen)
        else:
            self._start_pack()
        for notice in self.notices:
            safe.notify(self, notice, severity="warning", timeout=20)
        self._warn_if_read_only()
        self._check_size(self.size.width, self.size.height)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast of this app is plain text, whoever asks: a safety net under ``safe``."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def _warn_if_read_only(self) -> None:
        """One clear warning when progress cannot be saved; the app keeps working."""
        if not getattr(self.store, "read_only", False):  # the flag is the store's to set
            return
        if self.notices:
            return  # a store that opened read-only says why in its notices, shown above
        safe.notify(self, READ_ONLY_WARNING, severity="warning", timeout=30)

    def on_unmount(self) -> None:
        if self.pack_watch is not None:
            self.pack_watch.stop()
        self.model_service.close()
        self.store.close()

    def model_client(self) -> ModelClientProtocol:
        """The one model worker the app's screens share (the model service's), made on first use."""
        return self.model_service.client

    def _new_client(self) -> ModelClient:
        from tutor.runtime import ModelClient  # numpy and the runtime load on first use
        from tutor.runtime.protocol import threads_beside_ui

        return ModelClient(self.model_spec, n_threads=threads_beside_ui())

    def _new_second_client(self) -> ModelClient | None:
        """The comparison model's client (not started), or None when it is not installed."""
        return installed_second_client(self.model_spec)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """App-level workers; a screen's workers report to its own handler (``tutor.ui.base``)."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.background_failed(event.worker.name, event.worker.error)

    def background_failed(self, task: str, error: BaseException) -> None:
        """One place where any failed background task becomes a readable dialog."""
        self.log.error(f"background task {task!r} failed: {error!r}")
        self.navigate("error", title="Something went wrong in the background", message=str(error))

    # -- navigation (AppServices) -------------------------------------------------------

    def navigate(
        self,
        name: str,
        /,
        *,
        replace: bool = False,
        on_result: Callable[[Any], None] | None = None,
        **params: Any,
    ) -> None:
        """Open the screen registered as ``name`` in ``tutor.ui.navigation``."""
        screen = navigation.route(name).build(self, **params)
        if screen is None:
            return
        if replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen, on_result)

    def continue_learning(self) -> None:
        """Open the lesson the learner was last in, or the first one not done yet."""
        slug = lesson_to_continue(self.store, self.pack)
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.navigate("lesson", slug=slug)

    def confirm_open_url(self, url: str) -> None:
        def opened(yes: bool | None) -> None:
            if yes:
                self.open_url(url)
                safe.notify(self, f"Opened {url}")

        self.navigate("confirm_open", url=url, on_result=opened)

    # -- packs: the picker at start, and --watch ------------------------------------------

    def _start_pack(self) -> None:
        """Show the outline of ``self.pack`` and, under ``--watch``, start watching its folder."""
        self.sub_title = self.pack.title
        self.navigate("outline")
        if self.watch_pack:
            from tutor.ui.pack_watch import PackWatchService

            self.pack_watch = PackWatchService(self, self.pack.root)
            self.pack_watch.start()
            safe.notify(self, f"Watching {self.pack.root}: saved files reload here.", timeout=8)

    def _pack_chosen(self, choice: InstalledPack | None) -> None:
        """The picker's answer: that pack (progress is keyed by its id), else the course."""
        if choice is not None and choice.folder != self.pack.root:
            try:
                self.pack = load_pack(choice.folder, checked=CheckedPacks())
            except PackError as exc:  # changed on disk since the picker listed it
                safe.notify(self, f"Cannot open that pack:\n{exc}", severity="error", timeout=20)
        self._start_pack()

    async def on_pack_reloaded(self, event: PackReloaded) -> None:
        """A pack file was saved: swap in the pack, redraw in place, show or clear problems."""
        from tutor.ui.pack_watch import ReloadAware

        reload = event.reload
        if reload.pack is not None:
            self.pack = reload.pack
            self.sub_title = reload.pack.title
            for screen in list(self.screen_stack):
                if isinstance(screen, ReloadAware):
                    await screen.pack_reloaded(reload)
        self._show_problems(reload)

    def _show_problems(self, reload: Reload) -> None:
        """Open (or update) the problems panel, or close it once the pack is clean."""
        from tutor.ui.screens.pack_problems import PackProblemsScreen

        panel = next((s for s in self.screen_stack if isinstance(s, PackProblemsScreen)), None)
        if reload.problems and panel is not None:
            panel.show(reload)
        elif reload.problems:
            self.navigate("pack_problems", reload=reload)
        else:
            if panel is not None:
                panel.dismiss()
            names = ", ".join(str(p.relative_to(reload.root)) for p in reload.changed[:3])
            safe.notify(self, f"Reloaded {names or 'the pack'}: no problems.", timeout=4)

    # -- app-wide actions -------------------------------------------------------------

    def action_help(self) -> None:
        if self.screen.__class__ is not navigation.route("help").screen_class():
            self.navigate("help")

    def action_toggle_theme(self) -> None:
        self.settings.theme = THEMES[1] if self.theme == THEMES[0] else THEMES[0]
        self.theme = self.settings.theme
        save_settings(self.settings)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield SystemCommand("Continue", "Open the lesson you were last in", self.continue_learning)
        for entry in navigation.ROUTES:
            if entry.command:
                yield SystemCommand(
                    entry.title, entry.command, lambda n=entry.name: self.navigate(n)
                )
        yield SystemCommand("Light / dark theme", "Switch theme", self.action_toggle_theme)
        yield from super().get_system_commands(screen)

    # -- terminal size ----------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        showing = isinstance(self.screen, TooSmallScreen)
        if small and not showing:
            self.navigate("too_small")
        elif not small and showing:
            self.pop_screen()


AppT = TypeVar("AppT", bound=TutorApp)


def create_app(
    pack_dir: Path | None = None,
    database: Path | None = None,
    app_class: type[AppT] = TutorApp,  # type: ignore[assignment]
    model: str | None = None,
    *,
    watch: bool = False,
) -> AppT:
    """Build the app for a pack (default: the built-in course). Raises PackError/StoreError.

    Without ``pack_dir``, and with packs installed, the app opens a pack picker first.
    ``watch`` reloads the pack's files when they are saved (``--watch``).
    """
    checked = CheckedPacks()  # packs that passed before are not checked again (pack_checked)
    pack = load_pack(pack_dir or paths.builtin_course_dir(), checked=checked)
    choices = pack_choices(pack, checked) if pack_dir is None else []
    store = ProgressStore.open(database)
    settings, notices = load_settings()
    notices = store.report.notices + notices
    return app_class(pack, store, settings, notices, model, watch=watch, choices=choices)
