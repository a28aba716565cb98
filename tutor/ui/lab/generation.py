"""Generation explorer: a continuation streamed token by token, each token marked by how likely
it was, with the alternatives at every step and branches the learner makes from them.

The text streams in with a shade row beneath (``tutor.ui.widgets.stream_text``). The cursor
(``←`` ``→``) stops on any generated token and shows that step's top alternatives as
eighth-block bars; ``↑`` ``↓`` pick one and ``enter`` branches: the text is cut there, the
alternative is taken, and the model continues from exactly those tokens (token ids, not
re-tokenized text). Every branch stays in the list (``[`` ``]`` go back and forth). Seed and
sampler settings are on screen with their keys; the same seed and settings give the same text.

A little over 400 lines: the cursor, the branches and the stream all act on one branch tree
and redraw through one ``refresh_view``/``refresh_stream`` pair; the drawing itself
(``stream_text``), the streaming worker (``streaming``) and the tree (``core.branching``)
already live elsewhere.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from tutor.core.branching import Alternative, Branch, BranchTree, Step
from tutor.runtime.errors import ModelRuntimeError
from tutor.runtime.types import GeneratedToken, GenerationSettings
from tutor.ui.lab.base import InstrumentScreen, Verdict, from_field, to_field
from tutor.ui.lab.ladders import LADDERS, stepped
from tutor.ui.lab.streaming import GenerationFinished, TokensSampled, short_settings, stream
from tutor.ui.widgets.bars import BarRow, render_bars
from tutor.ui.widgets.stream_text import LEGEND, StreamText, StreamToken
from tutor.ui.widgets.token_strip import visible

TOP_N = 5  # alternatives shown per step
DEFAULT_SEED = 1
DEFAULT_MAX = 64
BRANCHES_SHOWN = 2


def initial_settings(spec: Any) -> GenerationSettings:
    """The block's settings, with a fixed seed (so a rerun gives the same text) and limits."""
    given = spec.sampling_settings()
    given.setdefault("seed", DEFAULT_SEED)
    max_tokens = spec.max_tokens or DEFAULT_MAX
    return GenerationSettings(**given, max_tokens=max_tokens, top_n=TOP_N)


def to_step(token: GeneratedToken) -> Step:
    """The runtime's token as the branch tree's step."""
    alts = tuple(Alternative(c.token.id, c.token.text, c.prob) for c in token.alternatives)
    return Step(token.token.id, token.text, token.prob, token.sampled_prob, alts)


def prompt_token_ids(client: Any, prompt: str | list[dict[str, str]]) -> list[int]:
    """The token ids the runtime makes of ``prompt``, as its engine does: plain text with BOS
    if the model wants it; chat messages rendered by the template, special tokens parsed."""
    if isinstance(prompt, str):
        return [p.id for p in client.tokenize(prompt, add_special=True)]
    text = client.render_chat(prompt)
    info = client.model_info
    bos = client.pieces([info.bos_token])[0].text if info and info.bos_token >= 0 else ""
    has_bos = bool(bos) and text.startswith(bos)
    return [p.id for p in client.tokenize(text, add_special=not has_bos, parse_special=True)]


def detail_text(branch: Branch | None, cursor: int | None, choice: int) -> Text:
    """The cursor token, its probabilities, and its step's alternatives as bars."""
    if branch is None or cursor is None or cursor >= len(branch.steps):
        return Text("The tokens appear above as the model samples them.", style="dim")
    step = branch.steps[cursor]
    line = Text(f"Token {cursor + 1} of {len(branch.steps)}: ", style="bold")
    line.append(f"“{visible(step.text)}”", style="bold")
    line.append(f"  p {step.prob:.1%}")
    if step.forced:
        line.append("  (your pick)")
    elif step.sampled_prob is not None:
        line.append(f"  after the sampler {step.sampled_prob:.1%}")
    line.append("\n")
    rows = [
        BarRow(a.text, a.prob, f"{a.prob:6.1%}", mark="✓" if a.id == step.id else " ")
        for a in step.alternatives[:TOP_N]
    ]
    line.append_text(render_bars(rows, label_width=16, bar_width=24, highlight=choice))
    return line


def branches_text(tree: BranchTree) -> Text:
    """The branch list around the shown one (› marks it)."""
    text = Text(f"Branches ({len(tree)}, [ ] to switch): ", style="bold")
    if not tree.branches:
        return text
    start = max(0, min(tree.current - BRANCHES_SHOWN + 1, len(tree) - BRANCHES_SHOWN))
    for i, branch in enumerate(tree.branches[start : start + BRANCHES_SHOWN], start):
        text.append("\n")
        text.append(("› " if i == tree.current else "  ") + branch.label(), style="")
    return text


class StreamView(VerticalScroll, can_focus=True, inherit_bindings=False):
    """The scrolling area of the generated text (focusable; the screen handles its keys)."""


class GenerationScreen(InstrumentScreen):
    """The generation explorer (see the module docstring)."""

    KIND = "generation"
    RETRY_KEY = "r"
    BINDINGS: ClassVar[list[BindingType]] = [
        *InstrumentScreen.BINDINGS,
        Binding("left", "cursor(-1)", "Token", key_display="←→", id="gen.cursor"),
        Binding("right", "cursor(1)", "→", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
        Binding("up", "choose(-1)", "↑", show=False),
        Binding("down", "choose(1)", "Alternative", key_display="↑↓", id="gen.choose"),
        Binding("enter", "branch", "Branch", id="gen.branch"),
        Binding("left_square_bracket", "switch(-1)", "Branches", key_display="[ ]"),
        Binding("right_square_bracket", "switch(1)", "]", show=False),
        Binding("c", "stop", "Stop", id="gen.stop"),
        Binding("g", "generate", "Generate", id="gen.generate"),
        Binding("e", "edit", "Prompt", id="gen.edit"),
        Binding("r", "retry", "Retry", show=False),
        Binding("s", "setting('seed', -1)", "Seed", show=False),
        Binding("S", "setting('seed', 1)", "Seed", show=False),
        Binding("t", "setting('temperature', -1)", "Temperature", show=False),
        Binding("T", "setting('temperature', 1)", "Temperature", show=False),
        Binding("k", "setting('top_k', -1)", "Top-k", show=False),
        Binding("K", "setting('top_k', 1)", "Top-k", show=False),
        Binding("p", "setting('top_p', -1)", "Top-p", show=False),
        Binding("P", "setting('top_p', 1)", "Top-p", show=False),
        Binding("m", "setting('min_p', -1)", "Min-p", show=False),
        Binding("M", "setting('min_p', 1)", "Min-p", show=False),
        Binding("n", "setting('max_tokens', -1)", "Max tokens", show=False),
        Binding("N", "setting('max_tokens', 1)", "Max tokens", show=False),
        Binding("h", "toggle_chat", "Chat", show=False),
    ]
    DEFAULT_CSS = """
    GenerationScreen #gen-settings { height: 2; }
    GenerationScreen StreamView { height: 1fr; }
    GenerationScreen #gen-legend { height: 1; color: $text-muted; }
    GenerationScreen #gen-detail { height: 6; }
    GenerationScreen #gen-branches { height: 3; }
    """
    PREDICT_QUESTION = "What will the model's first word be?"
    PREDICT_HINT = "one word"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = initial_settings(self.spec)
        self.prompt_text = self.spec.prompt
        self.chat = bool(self.spec.system)
        self.branch_tree = BranchTree()
        self.cursor: int | None = None
        self.follow = True  # the cursor follows the newest token until the learner moves it
        self.choice = 0
        self.request = 0
        self.running: Branch | None = None
        self.failed: Branch | None = None
        self._drawn: dict[str, Text] = {}  # the text last given to a Static, by selector

    # -- layout ------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        # A one-line field cannot hold a newline (a raw one breaks the screen's layout): the
        # few-shot prompts of lessons 8 and 12 show theirs as ⏎, which stays a newline.
        shown = to_field(self.prompt_text)
        prompt = Input(shown, placeholder="a prompt (⏎ is a newline)", id="gen-prompt")
        yield self.field("Prompt", prompt)
        yield Static(id="gen-settings")
        with StreamView():
            yield StreamText(id="gen-stream")
        yield Static(Text(LEGEND), id="gen-legend")
        yield Static(id="gen-detail")
        yield Static(id="gen-branches")

    def start(self) -> None:
        self.query_one(StreamView).focus()
        self.refresh_view()
        if self.revealed:
            self.generate_root()

    def settings_text(self) -> Text:
        s = self.settings
        temp = "0 (greedy)" if s.temperature == 0 else f"{s.temperature:g}"
        text = Text(f"s/S seed {s.seed} · t/T temperature {temp} · k/K top-k {s.top_k}")
        text.append(f" · p/P top-p {s.top_p:g}\nm/M min-p {s.min_p:g} · n/N max {s.max_tokens}")
        text.append(f" · h chat: {'on' if self.chat else 'off'} · g: generate with these")
        return text

    def refresh_view(self) -> None:
        """Redraw everything from the tree, the cursor and the settings."""
        self._update("#gen-settings", self.settings_text())
        self.refresh_stream()

    def _update(self, selector: str, text: Text) -> None:
        """Give a Static new text only when it differs from what it shows (an update lays the
        screen out again, which a streaming batch should not pay for nothing)."""
        if self._drawn.get(selector) != text:
            self._drawn[selector] = text
            self.query_one(selector, Static).update(text)

    def refresh_stream(self) -> None:
        """Redraw the text, the cursor's detail and the branch list (its token count): what a
        batch of tokens changes; the settings line stays as it is."""
        branch = self.branch_tree.shown
        stream = self.query_one(StreamText)
        detail = self.query_one("#gen-detail", Static)
        if not self.revealed:
            stream.show([], None)
            detail.update(self.verdict_text())
        else:
            tokens = [StreamToken(s.text, s.prob, s.forced) for s in branch.steps] if branch else []
            stream.show(tokens, self.cursor, self.lead())
            shown = detail_text(branch, self.cursor, self.choice)
            if self.verdict is not None:
                shown = Text.assemble(self.verdict.text, "\n", shown)
            detail.update(shown)
        self._update("#gen-branches", branches_text(self.branch_tree))
        self.call_after_refresh(self.keep_cursor_visible)

    def lead(self) -> str:
        """The end of the prompt, drawn before the continuation (chat: the assistant's turn)."""
        if self.chat:
            return "assistant: "
        tail = self.prompt_text.rsplit("\n", 1)[-1]
        return tail if len(tail) <= 40 else "…" + tail[-39:]

    def keep_cursor_visible(self) -> None:
        view = self.query_one(StreamView)
        if self.follow:
            view.scroll_end(animate=False)
        else:
            view.scroll_to_region(self.query_one(StreamText).cursor_region(), animate=False)

    # -- generation --------------------------------------------------------------------------

    def prompt(self) -> str | list[dict[str, str]]:
        """The prompt as the runtime takes it: text, or chat messages."""
        if not self.chat:
            return self.prompt_text
        system = [{"role": "system", "content": self.spec.system}] if self.spec.system else []
        return [*system, {"role": "user", "content": self.prompt_text}]

    def generate_root(self) -> None:
        """A fresh branch from the prompt alone, with the current settings."""
        if not self.prompt_text.strip():
            self.notify("Type a prompt first (e: edit the prompt).")
            return
        self.run_branch(self.branch_tree.new_root(short_settings(self.settings)))

    def run_branch(self, branch: Branch) -> None:
        """Continue ``branch`` from its tokens (replacing any running generation)."""
        if self.running is not None and self.running.finish is None:
            self.running.finish = "cancelled"
        self.request += 1
        self.running, self.failed = branch, None
        self.cursor = len(branch.steps) - 1 if branch.steps else None
        self.follow, self.choice = True, 0
        left = max(1, self.settings.max_tokens - len(branch.steps))
        settings = replace(self.settings, max_tokens=left)
        self.set_status(None)
        self.refresh_view()
        self._stream_worker(self.prompt(), branch.token_ids(), settings, self.request)

    @work(thread=True, exclusive=True, group="lab-model", exit_on_error=False)
    def _stream_worker(
        self, prompt: Any, continued: list[int], settings: GenerationSettings, request: int
    ) -> None:
        """Off the UI thread: posts messages only. A branch continues from exact token ids."""
        worker = get_current_worker()
        if continued:
            try:
                ids = self.service.call(lambda client: prompt_token_ids(client, prompt))
            except ModelRuntimeError as err:
                if not worker.is_cancelled:
                    self.post_message(GenerationFinished(request, None, str(err)))
                return
            prompt = ids + continued
        stream(
            self.service, prompt, settings, request, self.post_message, lambda: worker.is_cancelled
        )

    def on_tokens_sampled(self, message: TokensSampled) -> None:
        if message.request != self.request or self.running is None:
            return
        self.model_answered()
        self.running.steps.extend(to_step(t) for t in message.tokens)
        if self.follow and self.branch_tree.shown is self.running:
            self.cursor = len(self.running.steps) - 1
        self.try_judge()
        self.refresh_stream()

    def on_generation_finished(self, message: GenerationFinished) -> None:
        if message.request != self.request or self.running is None:
            return
        branch = self.running
        if message.result is None:
            branch.finish = "failed"
            self.failed = branch
            self.show_failure(message.error)
        else:
            branch.finish = message.result.finish_reason
            self.model_answered()
        self.try_judge()
        self.refresh_view()

    # -- keys --------------------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        branch = self.branch_tree.shown
        if branch is None or not branch.steps:
            return
        current = len(branch.steps) - 1 if self.cursor is None else self.cursor
        self.cursor = max(0, min(len(branch.steps) - 1, current + step))
        self.follow = branch.finish is None and self.cursor == len(branch.steps) - 1
        self.choice = 0
        self.refresh_view()

    def action_cursor_to(self, index: int) -> None:
        branch = self.branch_tree.shown
        if branch is not None and branch.steps:
            self.cursor = index % len(branch.steps)
            self.follow, self.choice = False, 0
            self.refresh_view()

    def action_choose(self, step: int) -> None:
        branch = self.branch_tree.shown
        if branch is None or self.cursor is None or self.cursor >= len(branch.steps):
            return
        n = len(branch.steps[self.cursor].alternatives[:TOP_N])
        self.choice = max(0, min(n - 1, self.choice + step))
        self.follow = False
        self.refresh_view()

    def action_branch(self) -> None:
        """Cut the shown branch at the cursor, take the chosen alternative, continue."""
        branch = self.branch_tree.shown
        if branch is None or self.cursor is None or self.cursor >= len(branch.steps):
            return
        alternatives = branch.steps[self.cursor].alternatives
        if not alternatives:
            return
        choice = alternatives[min(self.choice, len(alternatives) - 1)]
        child = self.branch_tree.fork(branch, self.cursor, choice, short_settings(self.settings))
        self.run_branch(child)

    def action_switch(self, step: int) -> None:
        if not self.branch_tree.branches:
            return
        branch = self.branch_tree.select(self.branch_tree.current + step)
        self.cursor = len(branch.steps) - 1 if branch.steps else None
        self.follow = branch is self.running and branch.finish is None
        self.choice = 0
        self.refresh_view()

    def action_stop(self) -> None:
        """Stop the running generation (it keeps the tokens so far, marked 'cancelled')."""
        if self.running is not None and self.running.finish is None:
            self.service.cancel()

    def action_generate(self) -> None:
        self.generate_root()

    def action_setting(self, name: str, direction: int) -> None:
        self.settings = stepped(self.settings, name, direction, LADDERS)
        self.refresh_view()

    def action_toggle_chat(self) -> None:
        self.chat = not self.chat
        self.refresh_view()

    def action_edit(self) -> None:
        self.query_one("#gen-prompt", Input).focus()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one(StreamView).focus()
            return
        super().action_back()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.prompt_text = from_field(event.value)
        self.query_one(StreamView).focus()
        self.generate_root()

    def action_retry(self) -> None:
        """After a failure: run the failed branch again from where it started."""
        branch = self.failed
        if branch is None:
            return
        self.branch_tree.restart(branch)
        self.set_status(Text("Trying again…"))
        self.run_branch(branch)

    # -- predict, then reveal -----------------------------------------------------------------

    def _guess_given(self, answer: str | None) -> None:
        super()._guess_given(answer)
        if not self.branch_tree.branches:
            self.generate_root()

    def can_judge(self) -> bool:
        first = self.branch_tree.branches[0] if self.branch_tree.branches else None
        if first is None:
            return False
        words = first.text.split()
        return first.finish is not None or len(words) >= 2

    def judge(self, guess: str) -> Verdict:
        """Right when the guess is the first word of the first branch (ignoring case and
        punctuation at its ends)."""
        words = self.branch_tree.branches[0].text.split()
        actual = words[0] if words else ""
        strip = ".,;:!?\"'()"
        correct = guess.strip().strip(strip).casefold() == actual.strip(strip).casefold()
        text = Text("Right! " if correct else "Not quite. ", style="bold")
        text.append(f"The model's first word is “{actual}”.")
        return Verdict(actual, correct, text)
