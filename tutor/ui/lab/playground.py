"""Prompt playground: chat with the model, see the exact tokens its chat template makes, and
compare two prompts or two settings side by side on the same seed.

The learner writes an optional system prompt and a user turn; ``ctrl+s`` streams the answer
(``ctrl+s`` again after an edit re-runs that turn: how the lessons' "run it, then change it"
demos work), ``ctrl+n`` keeps the answer and starts the next turn. ``ctrl+o`` shows the chat
template as the exact token sequence (``render_chat`` then ``tokenize(parse_special=True)``),
special tokens and all. ``ctrl+b`` pins the answer as A; the next run is B, drawn beside it
(two 39-column panes) with what changed between them. ``ctrl+g`` sends the same prompt to the
second model (Gemma 3 270M, a *base* model) beside this instruct model, when it is installed:
the app's one ``ModelService.second()``, as in the tokens and next-token views (its worker
starts on first use and stays for the session), and a base model has no chat template, so it
reads the conversation as plain text. A demo with ``predict = true`` asks how the answer will start
before it is shown; the guess is recorded like every instrument's.

The sampler starts greedy (temperature 0) unless the block sets a temperature, as
``pack check --live`` runs ``expect_text``: what the lesson says the model writes is what
the learner sees.

The comparisons themselves (the A/B diff, the base model's service, judging a guess) are in
``playground_compare``. This module is longer than most because it is one screen with five
views of one conversation (chat, A/B, template, base model, predict-first) that share its
state and its one ``refresh_view``: split further, each piece would need the whole screen.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Static, TextArea
from textual.worker import get_current_worker

from tutor.runtime.types import GenerationSettings, TokenPiece
from tutor.ui.lab.base import InstrumentScreen, Verdict
from tutor.ui.lab.ladders import MAX_TOKENS, TEMPERATURES, stepped
from tutor.ui.lab.playground_compare import (
    Exchange,
    changes,
    common_words,
    model_pane_text,
    pane_text,
    plain_transcript,
    words,
)
from tutor.ui.lab.streaming import GenerationFinished, TokensSampled, stream
from tutor.ui.model_service import SECOND_MISSING, ModelService, model_label
from tutor.ui.widgets.token_strip import render_strip

DEFAULT_SEED = 1
DEFAULT_MAX = 128


def template_text(pieces: list[TokenPiece], width: int | None = None) -> Text:
    """The rendered chat as its exact tokens, with a count of the special ones."""
    specials = [p.text for p in pieces if p.special]
    head = Text(f"The exact tokens the model reads: {len(pieces)}, ", style="bold")
    head.append(f"{len(specials)} special ({', '.join(sorted(set(specials))) or 'none'})\n")
    head.append_text(render_strip([p.text for p in pieces], width=width))
    return head


class TemplateReady(Message):
    """The tokens of the rendered chat prompt."""

    def __init__(self, pieces: list[TokenPiece]) -> None:
        super().__init__()
        self.pieces = pieces


def template_tokens(client: Any, prompt: str | list[dict[str, str]]) -> list[TokenPiece]:
    """The tokens the runtime feeds the model for ``prompt``."""
    from tutor.ui.lab.generation import prompt_token_ids

    ids = prompt_token_ids(client, prompt)
    pieces: list[TokenPiece] = client.pieces(ids)
    return pieces


class Transcript(VerticalScroll, can_focus=True, inherit_bindings=False):
    """The conversation (or the A/B panes, or the template); focusable for the letter keys,
    which the screen handles; only the scrolling keys are its own."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_up", "Scroll", show=False),
        Binding("down", "scroll_down", "Scroll", show=False),
        Binding("pageup", "page_up", "Page", show=False),
        Binding("pagedown", "page_down", "Page", show=False),
    ]


class PlaygroundScreen(InstrumentScreen):
    """The prompt playground (see the module docstring)."""

    KIND = "prompting"
    BINDINGS: ClassVar[list[BindingType]] = [
        *InstrumentScreen.BINDINGS,
        Binding("ctrl+s", "send", "Send", id="play.send", priority=True),
        Binding("ctrl+n", "next_turn", "Next turn", id="play.next", priority=True),
        Binding("ctrl+b", "pin", "A/B", id="play.ab", priority=True),
        Binding("ctrl+o", "template", "Tokens", id="play.template", priority=True),
        Binding("ctrl+g", "compare", "Base model", id="play.base", priority=True),
        Binding("ctrl+f", "stop", "Stop", id="play.stop", priority=True, show=False),
        Binding("ctrl+l", "clear", "New chat", id="play.clear", priority=True, show=False),
        Binding("s", "setting('seed', -1)", "Seed", show=False),
        Binding("S", "setting('seed', 1)", "Seed", show=False),
        Binding("t", "setting('temperature', -1)", "Temperature", show=False),
        Binding("T", "setting('temperature', 1)", "Temperature", show=False),
        Binding("n", "setting('max_tokens', -1)", "Max tokens", show=False),
        Binding("N", "setting('max_tokens', 1)", "Max tokens", show=False),
        Binding("h", "toggle_chat", "Template on/off", show=False),
        Binding("e", "edit", "Edit", show=False),
    ]
    DEFAULT_CSS = """
    PlaygroundScreen #play-user-row { height: 3; }
    PlaygroundScreen #play-user-row .lab-label { padding: 0 3 0 0; }
    PlaygroundScreen #play-user { height: 3; width: 1fr; border: none; padding: 0 1; }
    PlaygroundScreen #play-user:focus { border: none; }
    PlaygroundScreen #play-settings { height: 2; }
    PlaygroundScreen Transcript { height: 1fr; }
    PlaygroundScreen #play-ab { height: auto; }
    PlaygroundScreen #play-ab Static { width: 1fr; }
    PlaygroundScreen #play-b { padding: 0 0 0 1; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        given: dict[str, Any] = dict(self.spec.sampling_settings())
        given.setdefault("seed", DEFAULT_SEED)
        given.setdefault("temperature", 0.0)  # greedy, as the lessons describe the answers
        self.settings = GenerationSettings(**given, max_tokens=self.spec.max_tokens or DEFAULT_MAX)
        self.history: list[dict[str, str]] = []
        self.chat = True
        self.current: Exchange | None = None
        self.pinned: Exchange | None = None
        self.template: list[TokenPiece] | None = None
        self.showing_template = False
        self.request = 0
        self.comparing = False  # the second (base) model's answer beside this one
        self.base: Exchange | None = None
        self.base_request = 0  # counts down: never equal to a request of this model
        self.first_answer: Exchange | None = None  # the demo's first answer, judged vs a guess

    PREDICT_QUESTION = "How will the model's answer start? Type its first few words."
    PREDICT_HINT = "the first words of the answer"

    # -- layout ------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield self.field(
            "System", Input(self.spec.system, placeholder="optional", id="play-system")
        )
        user = TextArea(self.spec.prompt, id="play-user", soft_wrap=True, show_line_numbers=False)
        yield Horizontal(Static(Text("User:"), classes="lab-label"), user, id="play-user-row")
        yield Static(id="play-settings")
        with Transcript():
            yield Static(id="play-chat")
            with Horizontal(id="play-ab"):
                yield Static(id="play-a")
                yield Static(id="play-b")

    def start(self) -> None:
        self.query_one(TextArea).focus()
        self.refresh_view()
        if self.revealed and self.spec.prompt.strip():
            self.action_send()  # the demo's own prompt answers at once (a guess comes first)

    def settings_text(self) -> Text:
        s = self.settings
        temp = "0 (greedy)" if s.temperature == 0 else f"{s.temperature:g}"
        mode = "chat template" if self.chat else "plain text"
        text = Text(
            f"s/S seed {s.seed} · t/T temp {temp} · n/N max {s.max_tokens} · h {mode}\n",
            style="dim",
        )
        text.append(
            "esc: out of the box (letters, ↑↓ scroll) · e: edit · ^f stop · ^l new chat",
            style="dim",
        )
        return text

    def refresh_view(self) -> None:
        self.query_one("#play-settings", Static).update(self.settings_text())
        chat = self.query_one("#play-chat", Static)
        ab = self.query_one("#play-ab")
        two = (self.pinned is not None or self.comparing) and not self.showing_template
        ab.display = two and self.revealed
        if not self.revealed:
            chat.update(self.verdict_text())
        elif self.showing_template:
            chat.update(
                template_text(self.template, chat.content_size.width or None)
                if self.template
                else Text("Reading the template…")
            )
        elif self.comparing:
            chat.update(self.compare_heading())
            self.query_one("#play-a", Static).update(self.model_pane("instruct", self.current))
            self.query_one("#play-b", Static).update(self.model_pane("base", self.base))
        elif self.pinned is not None:
            chat.update(Text("A/B on the same seed (ctrl+b: unpin A)", style="bold"))
            width = max(10, (self.size.width - 4) // 2)
            diff_a, diff_b = changes(self.pinned, self.current or self.pinned, width)
            b = self.current if self.current is not self.pinned else None
            self.query_one("#play-a", Static).update(pane_text("A", self.pinned, diff_a))
            self.query_one("#play-b", Static).update(pane_text("B", b, diff_b))
        else:
            chat.update(self.chat_text())
        view = self.query_one(Transcript)
        if two or self.showing_template or not self.revealed:  # read from the panes' heads
            self.call_after_refresh(view.scroll_home, animate=False)
        else:  # the chat follows its newest words
            self.call_after_refresh(view.scroll_end, animate=False)

    def compare_heading(self) -> Text:
        """Names the two models as they are (the learner's own may be the base one)."""
        first, second = self.first_name(), self.second_name()
        text = Text(f"{first} and {second}, same prompt (ctrl+g: back to the chat)", style="bold")
        if self.verdict is not None:
            text.append("\n")
            text.append_text(self.verdict.text)
        return text

    def model_pane(self, kind: str, run: Exchange | None) -> Text:
        """One side of the base-versus-instruct view: which model, how it read the prompt."""
        if kind == "base":
            return model_pane_text(self.second_name(), "as plain text: no template", run)
        how = "with its chat template" if self.chat else "as plain text"
        return model_pane_text(self.first_name(), how, run)

    def first_name(self) -> str:
        """The learner's own model, as the panes and the heading name it."""
        info = self.service.status.info
        return model_label(info) if info is not None else "this model"

    def second_name(self) -> str:
        """The model compared with, marked "(base)" when it has no chat template."""
        second = self.service.second()
        info = second.status.info if second is not None else None
        name = "The second model (loading…)" if info is None else model_label(info)
        if info is not None and not info.chat_template and "base" not in name.lower():
            name += " (base)"  # no chat template: made to continue text, not to answer
        return name

    def chat_text(self) -> Text:
        """Earlier turns, then this turn's answer as it streams, then the verdict on a guess."""
        text = Text()
        for message in self.history:
            text.append(f"{message['role']}: ", style="bold")
            text.append(message["content"] + "\n")
        if self.current is None:
            text.append("ctrl+s sends the prompt above; the answer streams here.", style="dim")
            return text
        text.append("assistant: ", style="bold")
        text.append(self.current.answer or "…")
        if self.current.finish and self.current.finish != "eos":
            text.append(f"  ({self.current.finish})", style="dim")
        if self.verdict is not None:
            text.append("\n")
            text.append_text(self.verdict.text)
        if self.current.finish is not None and self.current.finish != "failed":
            text.append(
                "\nctrl+n: next turn · edit and ctrl+s: run again · ctrl+b: pin as A",
                style="dim",
            )
        return text

    # -- the prompt --------------------------------------------------------------------------

    def prompt(self) -> str | list[dict[str, str]]:
        """What is sent: the chat so far plus this turn, or the plain text without a template."""
        user = self.query_one(TextArea).text
        if not self.chat:
            return user
        system = self.query_one("#play-system", Input).value
        head = [{"role": "system", "content": system}] if system.strip() else []
        return [*head, *self.history, {"role": "user", "content": user}]

    # -- running -----------------------------------------------------------------------------

    def action_send(self) -> None:
        """Answer this turn (again, after an edit), replacing any running answer."""
        if not self.revealed:
            return
        if not self.query_one(TextArea).text.strip():
            self.notify("Write the user turn first.")
            return
        self.showing_template = False
        self.run(Exchange(self.prompt(), self.settings))
        if self.comparing:
            self.run_base()

    def run(self, exchange: Exchange) -> None:
        self.request += 1
        self.current = exchange
        self.set_status(None)
        self.refresh_view()
        self._stream_worker(exchange.prompt, exchange.settings, self.request)

    @work(thread=True, exclusive=True, group="lab-model", exit_on_error=False)
    def _stream_worker(self, prompt: Any, settings: GenerationSettings, request: int) -> None:
        """Off the UI thread: posts messages only."""
        worker = get_current_worker()
        stream(
            self.service, prompt, settings, request, self.post_message, lambda: worker.is_cancelled
        )

    def on_tokens_sampled(self, message: TokensSampled) -> None:
        more = "".join(t.text for t in message.tokens)
        if message.request == self.base_request and self.base is not None:
            self.base = replace(self.base, answer=self.base.answer + more)
        elif message.request == self.request and self.current is not None:
            self.model_answered()
            self.current = replace(self.current, answer=self.current.answer + more)
            self.note_first_answer()
        else:
            return
        self.refresh_view()

    def on_generation_finished(self, message: GenerationFinished) -> None:
        if message.request == self.base_request and self.base is not None:
            finish = "failed" if message.result is None else message.result.finish_reason
            self.base = replace(self.base, finish=finish)
            if message.result is None:
                self.show_failure(f"(the base model) {message.error}")
        elif message.request == self.request and self.current is not None:
            if message.result is None:
                self.current = replace(self.current, finish="failed")
                self.show_failure(message.error)
            else:
                self.current = replace(self.current, finish=message.result.finish_reason)
                self.model_answered()
            self.note_first_answer()
        else:
            return
        self.refresh_view()

    def note_first_answer(self) -> None:
        """Keep the first answer of a predict-first demo, and judge the guess against it."""
        if self.first_answer is None or self.first_answer.prompt is self.current_prompt():
            self.first_answer = self.current
        self.try_judge()

    def current_prompt(self) -> Any:
        return self.current.prompt if self.current is not None else None

    def action_retry(self) -> None:
        """Run the failed turn again (a crashed worker is restarted by the call)."""
        if self.current is not None and self.current.finish == "failed":
            self.set_status(Text("Trying again…"))
            self.run(Exchange(self.current.prompt, self.current.settings))
        elif self.base is not None and self.base.finish == "failed":
            self.set_status(Text("Trying again…"))
            self.run_base()
        else:
            super().action_retry()  # the template view's call

    def action_stop(self) -> None:
        if self.current is not None and self.current.finish is None:
            self.service.cancel()

    def action_next_turn(self) -> None:
        """Keep this turn and its answer in the chat; the box is cleared for the next turn."""
        if self.current is None or self.current.finish is None or not self.chat:
            self.notify("Send this turn and let it finish first (chat template on).")
            return
        user = self.query_one(TextArea).text
        self.history += [
            {"role": "user", "content": user},
            {"role": "assistant", "content": self.current.answer},
        ]
        self.current = self.base = None
        self.pinned = None
        self.query_one(TextArea).text = ""
        self.query_one(TextArea).focus()
        self.refresh_view()

    def action_clear(self) -> None:
        self.history.clear()
        self.current = self.pinned = self.base = None
        self.refresh_view()

    def action_pin(self) -> None:
        """Pin this answer as A (or unpin): the next run is B, shown beside it."""
        if self.pinned is not None:
            self.pinned = None
        elif self.current is None or self.current.finish is None:
            self.notify("Send a prompt and let the answer finish; then ctrl+b pins it as A.")
            return
        else:
            self.pinned = self.current
        self.comparing = self.showing_template = False
        self.refresh_view()

    def action_template(self) -> None:
        """Show (or hide) the exact token sequence of the prompt, specials included."""
        self.showing_template = not self.showing_template
        if self.showing_template:
            if self.current is not None and self.current.finish is None:
                # One worker: reading the template stops the answer, which says so (its
                # stream ends silently, and it would wait forever for a finish otherwise).
                self.current = replace(self.current, finish="cancelled")
            self.template = None
            prompt = self.prompt()
            self.run_model(lambda client: template_tokens(client, prompt), TemplateReady)
        self.refresh_view()

    def on_template_ready(self, message: TemplateReady) -> None:
        self.model_answered()
        self.template = message.pieces
        self.refresh_view()

    def action_setting(self, name: str, direction: int) -> None:
        ladders = {"temperature": TEMPERATURES, "max_tokens": MAX_TOKENS}
        self.settings = stepped(self.settings, name, direction, ladders)
        self.refresh_view()

    def action_toggle_chat(self) -> None:
        self.chat = not self.chat
        self.refresh_view()

    def action_edit(self) -> None:
        self.query_one(TextArea).focus()

    def action_back(self) -> None:
        if not isinstance(self.focused, Transcript):
            self.query_one(Transcript).focus()
            return
        super().action_back()

    # -- base versus instruct ------------------------------------------------------------------

    def action_compare(self) -> None:
        """Show (or hide) the second model's answer to the same prompt beside this one's."""
        if self.comparing:
            self.comparing = False
            self.refresh_view()
            return
        if self.service.second() is None:
            self.notify(SECOND_MISSING, timeout=15)
            return
        self.comparing, self.pinned, self.showing_template = True, None, False
        if self.current is None or self.current.finish == "failed":
            self.action_send()  # both models answer
        else:
            self.run_base()
            self.refresh_view()

    def run_base(self) -> None:
        """The base model answers this model's prompt (as plain text) with the same settings."""
        service = self.service.second()
        source = self.current.prompt if self.current is not None else self.prompt()
        if service is None or not self.revealed:
            return
        self.base_request -= 1
        self.base = Exchange(plain_transcript(source), self.settings)
        self.refresh_view()
        self._base_worker(service, self.base.prompt, self.settings, self.base_request)

    @work(thread=True, exclusive=True, group="lab-second", exit_on_error=False)
    def _base_worker(
        self, service: ModelService, prompt: str, settings: GenerationSettings, request: int
    ) -> None:
        """Off the UI thread, on the second model's own worker: posts messages only (in the
        group ``InstrumentScreen.on_unmount`` cancels; the worker stays for the session)."""
        worker = get_current_worker()
        stream(service, prompt, settings, request, self.post_message, lambda: worker.is_cancelled)

    # -- predict, then reveal -----------------------------------------------------------------

    def _guess_given(self, answer: str | None) -> None:
        super()._guess_given(answer)
        if self.current is None and self.spec.prompt.strip():
            self.action_send()

    def can_judge(self) -> bool:
        run = self.first_answer
        if run is None or self.guess is None:
            return False
        return run.finish is not None or len(words(run.answer)) > len(words(self.guess)) + 1

    def judge(self, guess: str) -> Verdict:
        """Right when the answer starts with the guessed words (case and punctuation aside)."""
        assert self.first_answer is not None
        said, guessed = words(self.first_answer.answer), words(guess)
        same = common_words(said, guessed)
        start = " ".join(self.first_answer.answer.split()[: max(len(guessed), 1)])
        correct = bool(guessed) and same == len(guessed)
        text = Text("Right! " if correct else "Not quite. ", style="bold")
        text.append(f"Your guess: “{guess.strip()}”. The answer starts “{start}”")
        text.append(f" ({same} of your {len(guessed)} words match).")
        return Verdict(start, correct, text)
