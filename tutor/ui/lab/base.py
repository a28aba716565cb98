"""What every lab instrument shares: model calls off the UI thread, the loading and failure
line with a retry key, and predict-then-reveal.

An instrument subclasses ``InstrumentScreen``, composes its body in ``compose_body``, asks the
model with ``run_model(op, done)`` (``op(client)`` runs in a thread worker through the app's
``ModelService``; ``done(result)`` builds the message posted back to the screen), and handles
that message on the UI thread. A call that fails shows the runtime's own message and
"r: retry"; a call replaced by a newer one is dropped silently. ``run_second(op, done)`` does
the same on the model to compare with (its own worker, so neither call cancels the other); a
failure there arrives as ``SecondFailed`` for the screen's comparison panel to show.
(About 400 lines: the base class and the messages and dialog it posts and opens are one
contract every instrument relies on, read in one place.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Header, Input, Static
from textual.worker import get_current_worker

from tutor.core.demo import DemoSpec
from tutor.runtime.errors import CancelledError, ModelRuntimeError
from tutor.ui.base import TutorModal, TutorScreen
from tutor.ui.lab.registry import DemoContext, free_play, instrument
from tutor.ui.model_service import ModelService, ServiceStatus
from tutor.ui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from tutor.ui.services import AppServices

LAB_CSS = """
InstrumentScreen .lab-title { height: 1; padding: 0 1; background: $boost; }
InstrumentScreen .lab-status { height: auto; padding: 0 1; display: none; }
InstrumentScreen .lab-status.-shown { display: block; }
InstrumentScreen .lab-body { height: 1fr; padding: 0 1; }
InstrumentScreen .lab-field { height: 1; }
InstrumentScreen .lab-label { width: auto; padding: 0 1 0 0; text-style: bold; }
InstrumentScreen Input.lab-input { border: none; height: 1; padding: 0 1; background: $boost; }
InstrumentScreen Input.lab-input:focus { background: $boost; text-style: bold; }
"""


NEWLINE = "⏎"  # a newline, as a one-line text field shows it (a raw one breaks the layout)


def to_field(text: str) -> str:
    """``text`` for a one-line field: its newlines shown as ⏎."""
    return text.replace("\n", NEWLINE)


def from_field(value: str) -> str:
    """A one-line field's value as text again: each ⏎ is a newline."""
    return value.replace(NEWLINE, "\n")


class ModelStatusChanged(Message):
    """The model service changed state (posted from whichever thread changed it)."""

    def __init__(self, status: ServiceStatus) -> None:
        super().__init__()
        self.status = status


class CallFailed(Message):
    """A model call ended with a runtime error; ``reason`` is the runtime's own message."""

    def __init__(self, reason: str, cancelled: bool) -> None:
        super().__init__()
        self.reason = reason
        self.cancelled = cancelled


class SecondFailed(Message):
    """A call to the second (comparison) model failed; ``reason`` is the runtime's message."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


@dataclass(frozen=True)
class Verdict:
    """How a learner's guess compared with what the model did."""

    actual: str
    correct: bool
    text: Text


class InstrumentScreen(TutorScreen[None]):
    """Base of every instrument screen (see the module docstring)."""

    DEFAULT_CSS = LAB_CSS
    BINDINGS: ClassVar[list[Any]] = [
        Binding("escape", "back", "Back", id="lab.back"),
        Binding("ctrl+r", "retry", "Retry", id="lab.retry", show=False, priority=True),
    ]
    KIND: ClassVar[str] = ""  # the demo kind this instrument shows (free play opens it bare)
    RETRY_KEY = "ctrl+r"  # shown in the failure line; "r" where no text field takes letters
    PREDICT_QUESTION = ""  # what the learner is asked first when the demo has predict = true
    PREDICT_HINT = ""

    @classmethod
    def for_route(cls, app: AppServices, **params: Any) -> InstrumentScreen:
        """``navigate("lab.<kind>", spec=..., context=...)``; no spec: free play."""
        return cls(params.get("spec") or free_play(cls.KIND), params.get("context"))

    def __init__(self, spec: DemoSpec, context: DemoContext | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.context = context
        self.guess: str | None = None  # the learner's prediction, once given
        self.skipped_guess = False
        self.verdict: Verdict | None = None
        self._last_call: tuple[Callable[[Any], Any], Callable[[Any], Message]] | None = None
        self._unsubscribe: Callable[[], None] | None = None

    # -- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.title_text(), classes="lab-title")
        yield Static(classes="lab-status")
        with Vertical(classes="lab-body"):
            yield from self.compose_body()
        yield KeysFooter()

    def compose_body(self) -> ComposeResult:
        """The instrument's own widgets."""
        yield from ()

    def field(self, label: str, field: Input) -> Horizontal:
        """A one-line text field with its label in front (it reads as a field without colour)."""
        field.add_class("lab-input")
        return Horizontal(
            Static(Text(f"{label}:"), classes="lab-label"), field, classes="lab-field"
        )

    def title_text(self) -> Text:
        entry = instrument(self.spec.kind)
        title = Text(entry.title, style="bold")
        title.append(f"  {entry.summary}", style="dim")
        return title

    # -- model status ----------------------------------------------------------------------------

    @property
    def service(self) -> ModelService:
        return self.services.model_service

    def on_mount(self) -> None:
        self._unsubscribe = self.service.subscribe(
            lambda status: self.post_message(ModelStatusChanged(status))
        )
        self.show_model_status(self.service.status)
        self.start()
        if self.spec.predict:
            self.app.push_screen(
                PredictScreen(self.PREDICT_QUESTION, self.PREDICT_HINT), self._guess_given
            )

    def on_unmount(self) -> None:
        """Leaving the screen: stop following the model and cancel this screen's call."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        running = [w for w in self.workers if w.node is self and w.is_running]
        if any(w.group != "lab-second" for w in running):
            self.service.cancel()
        second = self.service.second() if any(w.group == "lab-second" for w in running) else None
        if second is not None:
            second.cancel()

    def start(self) -> None:
        """First request of the instrument (called on mount)."""

    def on_model_status_changed(self, message: ModelStatusChanged) -> None:
        self.show_model_status(message.status)

    def show_model_status(self, status: ServiceStatus) -> None:
        """The status line: shown while the model loads or after a failure, hidden when ready."""
        if status.state in ("loading", "idle"):  # idle: this screen's first call starts it
            self.set_status(
                Text("Loading the model… the first time takes a few seconds. "
                     "The rest of the app keeps working (esc: back).")
            )  # fmt: skip
        elif status.state == "failed":
            self.show_failure(status.message)
        else:
            self.set_status(None)

    def set_status(self, text: Text | None) -> None:
        line = self.query_one(".lab-status", Static)
        line.update(text or "")
        line.set_class(text is not None, "-shown")

    def show_failure(self, reason: str) -> None:
        text = Text("The model could not answer: ", style="bold")
        text.append(reason)
        text.append(f"\n{self.RETRY_KEY}: retry", style="bold")
        self.set_status(text)

    # -- model calls -----------------------------------------------------------------------------

    def run_model(self, op: Callable[[Any], Any], done: Callable[[Any], Message]) -> None:
        """Run ``op(client)`` in a thread worker, replacing this screen's running call, and post
        ``done(result)`` back here unless a newer call replaced it."""
        self._last_call = (op, done)
        self._model_worker(op, done)

    @work(thread=True, exclusive=True, group="lab-model", exit_on_error=False)
    def _model_worker(self, op: Callable[[Any], Any], done: Callable[[Any], Message]) -> None:
        """Off the UI thread: never touches a widget, only posts messages."""
        worker = get_current_worker()
        try:
            result = self.service.call(op)
        except ModelRuntimeError as err:
            if not worker.is_cancelled:
                self.post_message(CallFailed(str(err), isinstance(err, CancelledError)))
            return
        if not worker.is_cancelled:
            self.post_message(done(result))

    def run_second(self, op: Callable[[Any], Any], done: Callable[[Any], Message]) -> bool:
        """``run_model`` on the second model (replacing this screen's running call to it);
        False, and nothing runs, when no second model is installed (show ``SECOND_MISSING``)."""
        second = self.service.second()
        if second is None:
            return False
        self._second_worker(second, op, done)
        return True

    @work(thread=True, exclusive=True, group="lab-second", exit_on_error=False)
    def _second_worker(
        self, second: ModelService, op: Callable[[Any], Any], done: Callable[[Any], Message]
    ) -> None:
        """Off the UI thread, like ``_model_worker``; failures come back as ``SecondFailed``."""
        worker = get_current_worker()
        try:
            result = second.call(op)
        except ModelRuntimeError as err:
            if not worker.is_cancelled:
                self.post_message(SecondFailed(str(err)))
            return
        if not worker.is_cancelled:
            self.post_message(done(result))

    def cancel_call(self) -> None:
        """Drop this screen's running call without a word (the learner moved on, e.g. stepped
        back): its worker is cancelled first, so the runtime's "cancelled" is not shown."""
        self.workers.cancel_group(self, "lab-model")
        self.service.cancel()
        self._last_call = None

    def on_call_failed(self, message: CallFailed) -> None:
        if message.cancelled:
            reason = "another screen's request replaced this one."
            self.show_failure(reason)
        else:
            self.show_failure(message.reason)

    def action_retry(self) -> None:
        """Run the last request again (the model service restarts a crashed worker)."""
        if self._last_call is not None:
            self.set_status(Text("Trying again…"))
            self.run_model(*self._last_call)

    def model_answered(self) -> None:
        """Call from a result handler: the status line goes once the model has answered."""
        if self.service.status.state == "ready":
            self.set_status(None)

    def action_back(self) -> None:
        self.dismiss()

    # -- predict, then reveal --------------------------------------------------------------------

    @property
    def revealed(self) -> bool:
        """False while a predict-first demo still waits for the learner's guess."""
        return not self.spec.predict or self.guess is not None or self.skipped_guess

    def _guess_given(self, answer: str | None) -> None:
        if answer is None or not answer.strip():
            self.skipped_guess = True
        else:
            self.guess = answer
        self.refresh_view()
        self.try_judge()

    def try_judge(self) -> None:
        """Judge the guess once both it and the model's answer are here; record it once."""
        if self.guess is None or self.verdict is not None or not self.can_judge():
            return
        self.verdict = self.judge(self.guess)
        self.record_prediction(self.guess, self.verdict)
        self.refresh_view()

    def can_judge(self) -> bool:
        """True once the model's answer needed to judge a guess is here."""
        return False

    def judge(self, guess: str) -> Verdict:
        """Compare ``guess`` with the model's answer."""
        raise NotImplementedError

    def refresh_view(self) -> None:
        """Redraw after a guess or a verdict (each instrument draws its own)."""

    def record_prediction(self, guess: str, verdict: Verdict) -> None:
        """Store the guess as a progress event (lessons only; free play is not scored)."""
        if self.context is None:
            return
        store: Any = self.services.store
        record = getattr(store, "record_prediction", None)
        if record is not None:
            record(
                self.context.pack_id,
                self.context.lesson,
                self.context.demo,
                guess,
                verdict.actual,
                verdict.correct,
            )

    def verdict_text(self) -> Text:
        """A line for the verdict, or the reminder that a guess is awaited."""
        if self.verdict is not None:
            return self.verdict.text
        if not self.revealed:
            return Text("Make your guess first: the answer stays hidden until you do.")
        return Text("")


class GuessInput(Input):
    """The guess field: its ``enter`` is shown in the dialog's footer as "Guess"."""

    BINDINGS = [Binding("enter", "submit", "Guess", id="predict.guess")]


class PredictScreen(TutorModal[str | None]):
    """Asks the learner's guess before the answer is shown; only esc skips (an empty enter
    asks for a guess in the dialog). Its own footer shows its own keys, not the screen's."""

    BINDINGS = [Binding("escape", "skip", "Skip", id="predict.skip")]
    EMPTY = "Type a guess first, or esc to skip."

    DEFAULT_CSS = """
    PredictScreen Input { margin: 1 0 0 0; }
    PredictScreen #predict-help { height: auto; }
    """

    def __init__(self, question: str, hint: str) -> None:
        super().__init__()
        self.question = question
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Predict first", style="bold"))
            yield Static(Text(self.question))
            yield GuessInput(placeholder=self.hint, id="guess")
            yield Static(
                Text("enter: lock in the guess · esc: skip", style="dim"), id="predict-help"
            )
        yield KeysFooter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.query_one("#predict-help", Static).update(Text(self.EMPTY, style="bold"))
            return
        self.dismiss(event.value)

    def action_skip(self) -> None:
        self.dismiss(None)


class NotBuiltScreen(TutorScreen[None]):
    """The card for a demo kind whose instrument is not in this version (``spec`` required)."""

    BINDINGS = [Binding("escape", "back", "Back", id="lab.back")]

    DEFAULT_CSS = """
    NotBuiltScreen #not-built { padding: 1 2; height: 1fr; }
    """

    def __init__(self, spec: DemoSpec, context: DemoContext | None = None) -> None:
        super().__init__()
        self.spec = spec

    def compose(self) -> ComposeResult:
        entry = instrument(self.spec.kind)
        text = Text(f"{entry.title}: not in this version\n\n", style="bold")
        if entry.summary:
            text.append(f"This demo will show: {entry.summary.lower()}.\n\n")
        if self.spec.prompt:
            text.append("It starts with: ")
            text.append(self.spec.prompt)
            text.append("\n\n")
        text.append(
            "This version of llm-tutor does not have this instrument yet. The rest of the lesson "
            "and the other demos work; esc goes back to where you were."
        )
        yield Header()
        yield Static(text, id="not-built")
        yield KeysFooter()

    def action_back(self) -> None:
        self.dismiss()
