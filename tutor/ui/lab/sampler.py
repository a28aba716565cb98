"""Sampler lab: the model's distribution through llama.cpp's sampler chain, stage by stage.

One model call gets the logits; every settings change after that re-runs the chain in numpy
(``tutor.explain.sampling``, the same functions the worker samples with), so turning a knob
re-shapes the picture at once. The chain is drawn stage by stage (penalty → top-k → top-p →
min-p → temperature): how many tokens each stage kept and removed, and the entropy left; the
top tokens as bars with their probability before and after, or the stage that removed them.
"Draw 100" samples the final distribution with a seed and compares what came out with the
expected counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Static

from tutor.explain.sampling import Stage, entropy_bits, sampler_chain
from tutor.runtime.types import NextTokenDistribution, TokenPiece
from tutor.ui.lab.base import InstrumentScreen, Verdict, from_field, to_field
from tutor.ui.widgets.bars import BarRow, ProbabilityBars
from tutor.ui.widgets.histogram import Histogram, HistogramRow

SHOWN = 8  # bars / histogram rows that fit at 80x24 under the settings and the chain
DRAWS = 100
TOP_N = 100  # pieces fetched with the distribution, to label the tokens drawn


@dataclass(frozen=True)
class Knob:
    """One sampler setting: its key, its name, the values it steps through, and 'off'."""

    key: str
    name: str
    field: str
    values: tuple[float, ...]
    off: float

    def show(self, value: float) -> str:
        if value == self.off:
            return "off"
        return f"{value:g}" if self.field in ("top_k",) else f"{value:.2f}"


KNOBS = (
    Knob("t", "temperature", "temperature",
         (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 1.0, 1.2, 1.5, 2.0, 3.0, 5.0), -1.0),
    Knob("k", "top-k", "top_k", (0, 1, 2, 3, 5, 10, 20, 40, 50, 100, 1000), 0),
    Knob("p", "top-p", "top_p",
         (0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0), 1.0),
    Knob("m", "min-p", "min_p", (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5), 0.0),
    Knob("n", "penalty", "repeat_penalty", (1.0, 1.05, 1.1, 1.2, 1.3, 1.5, 2.0, 3.0), 1.0),
)  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """The chain's settings (llama.cpp's meaning: 0 top-k, 1 top-p, 0 min-p, 1 penalty = off;
    temperature 0 = greedy)."""

    temperature: float = 0.8
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05
    repeat_penalty: float = 1.0
    seed: int = 1


def step(knob: Knob, value: float, direction: int) -> float:
    """The next value of ``knob`` from ``value`` in ``direction`` (a value off the list snaps)."""
    values = sorted(set(knob.values) | {value})
    i = values.index(value) + direction
    return values[max(0, min(len(values) - 1, i))]


def reshape(logits: np.ndarray, s: Settings, history: Sequence[int]) -> list[Stage]:
    """The chain's stages for these settings: pure numpy, no model call."""
    return sampler_chain(
        logits,
        temperature=s.temperature,
        top_k=s.top_k,
        top_p=s.top_p,
        min_p=s.min_p,
        repeat_penalty=s.repeat_penalty,
        history=history,
    )


def stage_label(stage: Stage, s: Settings) -> str:
    knob = {"penalty": 4, "top-k": 1, "top-p": 2, "min-p": 3, "temperature": 0}.get(stage.name)
    if knob is None:
        return stage.name
    k = KNOBS[knob]
    return f"{k.name} {k.show(getattr(s, k.field))}"


def chain_table(stages: list[Stage], s: Settings, vocab: int) -> Text:
    """One line per stage: kept, removed, entropy of what is left, its top probability."""
    text = Text("stage              kept  removed   entropy   top p\n", style="bold")
    before = vocab
    for stage in stages:
        kept = len(stage.ids)
        removed = len(stage.removed)
        top = float(stage.probs[0]) if kept else 0.0
        line = f"{stage_label(stage, s):<17}{kept:>6} {removed:>8}  "
        line += f"{entropy_bits(stage.probs):5.2f} bits  {top:6.1%}"
        text.append(line + "\n", style="dim" if removed == 0 and kept == before else "")
        before = kept
    text.rstrip()
    return text


def fate_rows(stages: list[Stage], names: dict[int, str], shown: int) -> list[BarRow]:
    """The first stage's top tokens: the final probability as a bar, or who removed them."""
    first, final = stages[0], stages[-1]
    final_p = dict(zip(final.ids.tolist(), final.probs.tolist(), strict=True))
    removed_by = {int(i): st.name for st in stages for i in st.removed}
    rows = []
    for token_id, p0 in zip(first.ids[:shown].tolist(), first.probs[:shown].tolist(), strict=True):
        label = names.get(token_id, f"#{token_id}")
        if token_id in final_p:
            p = final_p[token_id]
            rows.append(BarRow(label, p, f"{p0:6.1%} → {p:6.1%}"))
        else:
            rows.append(
                BarRow(label, 0.0, f"{p0:6.1%} ✗ {removed_by.get(token_id, '')}", "✗", True)
            )
    return rows


def draw(stages: list[Stage], seed: int, n: int = DRAWS) -> dict[int, int]:
    """``n`` tokens drawn from the final distribution with ``seed``: id → count."""
    final = stages[-1]
    rng = np.random.default_rng(seed)
    picks = rng.choice(final.ids, size=n, p=final.probs / final.probs.sum())
    ids, counts = np.unique(picks, return_counts=True)
    return dict(zip(ids.tolist(), counts.tolist(), strict=True))


def histogram_rows(
    stages: list[Stage], drawn: dict[int, int], names: dict[int, str], shown: int
) -> list[HistogramRow]:
    """The most likely survivors (and anything drawn), drawn vs expected counts."""
    final = stages[-1]
    expected = dict(zip(final.ids.tolist(), (final.probs * DRAWS).tolist(), strict=True))
    order = sorted(set(final.ids[:shown].tolist()) | set(drawn), key=lambda i: -expected.get(i, 0))
    return [
        HistogramRow(names.get(i, f"#{i}"), drawn.get(i, 0), expected.get(i, 0.0))
        for i in order[:shown]
    ]


class LogitsReady(Message):
    """The distribution for ``prompt``, with the pieces of its top tokens."""

    def __init__(self, prompt: str, dist: NextTokenDistribution) -> None:
        super().__init__()
        self.prompt = prompt
        self.dist = dist


class PiecesReady(Message):
    """Pieces for token ids the screen needs to label."""

    def __init__(self, pieces: list[TokenPiece]) -> None:
        super().__init__()
        self.pieces = pieces


class SamplerScreen(InstrumentScreen):
    """The sampler lab."""

    KIND = "sampling"
    BINDINGS = [
        *InstrumentScreen.BINDINGS,
        Binding("up", "select(-1)", "Setting", show=False),
        Binding("down", "select(1)", "Setting", id="sampler.select", key_display="↑↓"),
        Binding("left", "change(-1)", "Change", show=False),
        Binding("right", "change(1)", "Change", id="sampler.change", key_display="←→"),
        Binding("o", "off", "Off", id="sampler.off"),
        Binding("d", "draw", "Draw 100", id="sampler.draw"),
        Binding("s", "seed", "Seed+1", id="sampler.seed"),
        Binding("e", "edit", "Prompt", id="sampler.edit"),
        *(Binding(k.key, f"jump({i})", k.name, show=False) for i, k in enumerate(KNOBS)),
    ]
    DEFAULT_CSS = """
    SamplerScreen #sampler-settings { height: 2; }
    SamplerScreen #sampler-chain { height: 6; }
    SamplerScreen #sampler-bars { height: 8; }
    SamplerScreen Histogram { height: 8; display: none; }
    SamplerScreen.-drawn Histogram { display: block; }
    SamplerScreen.-drawn #sampler-bars { display: none; }
    SamplerScreen #sampler-verdict { height: auto; }
    """
    PREDICT_QUESTION = "How many tokens will survive the whole sampler chain?"
    PREDICT_HINT = "a number, e.g. 5"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        spec = self.spec
        chosen = {k: v for k, v in spec.sampling_settings().items() if k != "seed"}
        self.settings = replace(Settings(), **chosen, seed=spec.seed or 1)  # type: ignore[arg-type]
        self.selected = 0
        self.dist: NextTokenDistribution | None = None
        self.stages: list[Stage] | None = None
        self.names: dict[int, str] = {}
        self.drawn: dict[int, int] | None = None
        self.prompt = spec.prompt

    def compose_body(self) -> ComposeResult:
        prompt = Input(
            to_field(self.spec.prompt), placeholder="a prompt; enter: run", id="sampler-prompt"
        )
        prompt.can_focus = False  # keys go to the knobs until e asks to edit the prompt
        yield self.field("Prompt", prompt)
        yield Static(id="sampler-settings")
        yield Static(id="sampler-chain")
        yield ProbabilityBars(id="sampler-bars", label_width=12, bar_width=20)
        yield Histogram()
        yield Static(id="sampler-verdict")

    def start(self) -> None:
        self.fetch(self.prompt)

    def fetch(self, prompt: str) -> None:
        self.prompt = prompt
        self.run_model(
            lambda client: client.next_token(prompt, top_n=TOP_N),
            lambda dist: LogitsReady(prompt, dist),
        )

    def on_logits_ready(self, message: LogitsReady) -> None:
        self.model_answered()
        if message.prompt != self.prompt:
            return
        self.dist = message.dist
        self.names = {c.token.id: c.token.text for c in message.dist.top}
        self.drawn = None
        self.reshape()

    def reshape(self) -> None:
        """Re-run the chain on the logits we have (no model call) and redraw."""
        if self.dist is None:
            return
        history = [p.id for p in self.dist.prompt_tokens][-64:]  # llama.cpp's repeat_last_n
        self.stages = reshape(self.dist.logits, self.settings, history)
        if self.drawn is not None:
            self.drawn = draw(self.stages, self.settings.seed)
        self.fetch_missing_names()
        self.try_judge()
        self.refresh_view()

    def fetch_missing_names(self) -> None:
        """Label tokens outside the fetched top-N (a high temperature or penalty surfaces them)."""
        assert self.stages is not None
        wanted = set(self.stages[0].ids[:SHOWN].tolist()) | set((self.drawn or {}).keys())
        missing = sorted(i for i in wanted if i not in self.names)
        if missing:
            self.run_model(lambda client: client.pieces(missing), PiecesReady)

    def on_pieces_ready(self, message: PiecesReady) -> None:
        self.model_answered()
        self.names.update({p.id: p.text for p in message.pieces})
        self.refresh_view()

    def settings_text(self) -> Text:
        text = Text()
        for i, knob in enumerate(KNOBS):
            value = getattr(self.settings, knob.field)
            chosen = i == self.selected
            text.append("›" if chosen else " ", style="bold")
            text.append(f"{knob.key} ", style="bold")
            text.append(f"{knob.name} {knob.show(value)}", style="reverse" if chosen else "")
            text.append("  " if i != 2 else "\n")
        text.append(f"  seed {self.settings.seed}", style="dim")
        if self.settings.temperature == 0:
            text.append("  (temperature 0: greedy, the top token always)", style="dim")
        return text

    def refresh_view(self) -> None:
        self.query_one("#sampler-settings", Static).update(self.settings_text())
        chain = self.query_one("#sampler-chain", Static)
        bars = self.query_one(ProbabilityBars)
        if self.stages is None or self.dist is None:
            chain.update(Text("Asking the model…", style="dim"))
        elif not self.revealed:
            chain.update(self.verdict_text())
            bars.rows = ()
        else:
            chain.update(chain_table(self.stages, self.settings, len(self.dist.logits)))
            bars.rows = tuple(fate_rows(self.stages, self.names, SHOWN))
            if self.drawn is not None:
                rows = histogram_rows(self.stages, self.drawn, self.names, SHOWN)
                self.query_one(Histogram).rows = tuple(rows)
        self.set_class(self.drawn is not None and self.revealed, "-drawn")
        verdict = self.verdict_text() if self.revealed else Text("")
        self.query_one("#sampler-verdict", Static).update(verdict)

    # -- keys ------------------------------------------------------------------------------------

    def action_select(self, direction: int) -> None:
        self.selected = (self.selected + direction) % len(KNOBS)
        self.refresh_view()

    def action_jump(self, index: int) -> None:
        self.selected = index
        self.refresh_view()

    def action_change(self, direction: int) -> None:
        knob = KNOBS[self.selected]
        value = step(knob, getattr(self.settings, knob.field), direction)
        if knob.field == "top_k":
            value = int(value)
        self.settings = replace(self.settings, **{knob.field: value})  # type: ignore[arg-type]
        self.reshape()

    def action_off(self) -> None:
        knob = KNOBS[self.selected]
        if knob.off >= 0:
            self.settings = replace(self.settings, **{knob.field: knob.off})  # type: ignore[arg-type]
            self.reshape()

    def action_draw(self) -> None:
        if self.stages is not None and self.revealed:
            self.drawn = draw(self.stages, self.settings.seed)
            self.fetch_missing_names()
            self.refresh_view()

    def action_seed(self) -> None:
        self.settings = replace(self.settings, seed=self.settings.seed + 1)
        self.action_draw()

    def action_edit(self) -> None:
        prompt = self.query_one("#sampler-prompt", Input)
        prompt.can_focus = True
        prompt.focus()

    def stop_editing(self) -> None:
        prompt = self.query_one("#sampler-prompt", Input)
        prompt.can_focus = False
        self.set_focus(None)

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.stop_editing()
            return
        super().action_back()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Letters go to the prompt while it is being edited."""
        letters = ("jump", "off", "draw", "seed", "edit")
        return not (isinstance(self.focused, Input) and action in letters)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dist, self.stages, self.drawn = None, None, None
        self.refresh_view()
        self.fetch(from_field(event.value))
        self.stop_editing()

    # -- predict, then reveal ------------------------------------------------------------------

    def can_judge(self) -> bool:
        return self.stages is not None

    def judge(self, guess: str) -> Verdict:
        """Right within 20% of the real number of survivors (at least one either way)."""
        assert self.stages is not None
        actual = len(self.stages[-1].ids)
        try:
            guessed = int(guess.strip())
        except ValueError:
            return Verdict(str(actual), False, Text(f"“{guess}” is not a number; it was {actual}."))
        off = abs(guessed - actual)
        correct = off <= max(1, round(actual * 0.2))
        text = Text("Right! " if correct else "Not quite. ", style="bold")
        text.append(f"You guessed {guessed}; {actual} survive the chain ({off} off).")
        return Verdict(str(actual), correct, text)
