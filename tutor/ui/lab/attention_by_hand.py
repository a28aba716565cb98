"""Attention by hand: one query's attention, step by step, beside what llama.cpp computed.

The real computation (``tutor.explain.attention.walk_query`` on the ``Qcur``/``Kcur`` vectors
captured after RoPE): the query vector, each key, the dot products, the division by √d_head,
the causal mask, the softmax, and llama.cpp's own ``kq_soft_max`` row with the largest
difference. ``space`` reveals one more step. ``t`` switches to a 3-token toy where the learner
types the numbers of each step and each is checked before the next.
"""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Static

from tutor.drawing import token_label, window
from tutor.explain import attention as A
from tutor.runtime.types import QKCapture
from tutor.ui.lab.base import InstrumentScreen, from_field, to_field

STEPS = ("q and keys", "q·k", "÷ √d", "mask", "softmax", "llama.cpp")
DEFAULT_PROMPT = "The cat sat on the mat because it was tired."


class QueryKeysReady(Message):
    """Queries, keys and the engine's softmax for ``prompt``."""

    def __init__(self, prompt: str, capture: QKCapture) -> None:
        super().__init__()
        self.prompt = prompt
        self.capture = capture


def _num(x: float) -> str:
    return "  -inf" if math.isinf(x) else f"{x:7.3f}"


def walk_table(
    tokens: list[str], walk: A.QueryWalk, engine: np.ndarray, shown: int, rows: int
) -> Text:
    """The keys as rows, one column per revealed step."""
    out = Text(no_wrap=True, overflow="crop")
    head = f"{'key':<15}{'k (first 2)':<14}" + "".join(
        f"{n:>9}" for n in STEPS[1 : min(shown, 4) + 1]
    )
    if shown >= 5:
        head += f"{STEPS[5]:>10}"
    out.append(head + "\n", style="bold")
    r0, r1 = window(len(tokens), max(1, rows - 1), walk.query)
    for s in range(r0, r1):
        hidden = s > walk.query
        style = "dim" if hidden else ""
        out.append(f"{s:3d} {token_label(tokens[s])[:10]:<10} ", style=style)
        out.append(f"({walk.keys[s, 0]:5.2f},{walk.keys[s, 1]:5.2f}…)", style="dim")
        columns = [walk.dots[s], walk.scaled[s], walk.masked[s], walk.weights[s], engine[s]]
        for i, value in enumerate(columns[:shown]):
            out.append(f"{_num(float(value)):>{10 if i == 4 else 9}}", style=style)
        if s < r1 - 1:
            out.append("\n")
    return out


class AttentionByHandScreen(InstrumentScreen):
    """Attention by hand, on the real model and on a toy."""

    BINDINGS = [
        *InstrumentScreen.BINDINGS,
        Binding("space", "step", "Next step", id="hand.step"),
        Binding("left_square_bracket", "layer(-1)", "Layer", id="hand.layer_down", show=False),
        Binding("right_square_bracket", "layer(1)", "Layer", id="hand.layer_up", key_display="[]"),
        Binding("comma", "head(-1)", "Head", id="hand.head_down", show=False),
        Binding("full_stop", "head(1)", "Head", id="hand.head_up", key_display=",."),
        Binding("up,k", "query(-1)", "Query", show=False),
        Binding("down,j", "query(1)", "Query", id="hand.query", key_display="↑↓"),
        Binding("t", "toy", "Toy", id="hand.toy"),
        Binding("e", "edit", "Edit", id="hand.edit"),
    ]  # fmt: skip
    DEFAULT_CSS = """
    AttentionByHandScreen #hand-info { height: 3; }
    AttentionByHandScreen #hand-table { height: 1fr; }
    AttentionByHandScreen #hand-result { height: 2; }
    AttentionByHandScreen #hand-answer { display: none; }
    AttentionByHandScreen.-toy #hand-answer { display: block; }
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.capture: QKCapture | None = None
        self.layer_i = int(getattr(self.spec, "layer", None) or 0)
        self.head_i = int(getattr(self.spec, "head", None) or 0)
        self.query_i = -1
        self.start_query: int | None = None  # set by the explorer: its cursor row
        self.shown = 1
        self.toy = False
        self.toy_step = 0
        self.toy_feedback = Text("")
        self.asked = self.spec.prompt or DEFAULT_PROMPT

    def title_text(self) -> Text:
        title = Text("Attention by hand", style="bold")
        title.append("  one query, step by step, beside llama.cpp", style="dim")
        return title

    def compose_body(self) -> ComposeResult:
        yield Input(to_field(self.asked), placeholder="a short prompt; enter: capture",
                    id="hand-prompt", classes="lab-input")  # fmt: skip
        yield Static(id="hand-info")
        yield Static(id="hand-table")
        yield Static(id="hand-result")
        yield Input(placeholder="numbers separated by commas (-inf for masked); enter: check",
                    id="hand-answer", classes="lab-input")  # fmt: skip

    def start(self) -> None:
        self.query_one("#hand-table").can_focus = True
        self.query_one("#hand-table").focus()
        self.fetch(self.asked)

    def fetch(self, prompt: str) -> None:
        self.asked = prompt
        self.query_one("#hand-info", Static).update(
            Text("Capturing q, k and the softmax…", style="dim")
        )
        self.run_model(lambda client: client.qk(prompt), lambda c: QueryKeysReady(prompt, c))

    def on_query_keys_ready(self, message: QueryKeysReady) -> None:
        self.model_answered()
        if message.prompt != self.asked:
            return
        self.capture = message.capture
        n_layers, n_tokens, n_heads = self.capture.q.shape[:3]
        self.layer_i, self.head_i = min(self.layer_i, n_layers - 1), min(self.head_i, n_heads - 1)
        # The middle token by default: later tokens are masked, so every step shows something.
        wanted = self.start_query if self.start_query is not None else n_tokens // 2
        self.query_i = max(0, min(n_tokens - 1, wanted))
        self.start_query = None
        self.refresh_view()

    # -- the real model --------------------------------------------------------------------

    def walk(self) -> A.QueryWalk:
        assert self.capture is not None
        c = self.capture
        return A.walk_query(
            c.q[self.layer_i], c.k[self.layer_i], self.head_i, self.query_i, f16=True
        )

    def refresh_view(self) -> None:
        if self.toy:
            self.refresh_toy()
            return
        if self.capture is None:
            return
        c = self.capture
        tokens = [t.text for t in c.tokens]
        walk = self.walk()
        n_heads, n_kv, d = c.q.shape[2], c.k.shape[2], c.q.shape[3]
        kv = A.kv_head_of(self.head_i, n_heads, n_kv)
        where = f"layer {self.layer_i}/{c.q.shape[0] - 1} · head {self.head_i}/{n_heads - 1}"
        token = token_label(tokens[self.query_i])
        info = Text(f"{where} (reads key/value head {kv}) · query {self.query_i} “{token}”\n",
                    style="bold")  # fmt: skip
        info.append(
            f"q = ({', '.join(f'{x:.2f}' for x in walk.q[:5])}, … {d} numbers, after RoPE)\n"
        )
        info.append(f"step {self.shown}/{len(STEPS) - 1}: ", style="bold")
        info.append(self.step_hint(d))
        self.query_one("#hand-info", Static).update(info)
        engine = c.weights[self.layer_i, self.head_i, self.query_i]
        height = self.query_one("#hand-table", Static).content_size.height or 12
        self.query_one("#hand-table", Static).update(
            walk_table(tokens, walk, engine, self.shown, max(4, height))
        )
        result = Text("")
        if self.shown >= len(STEPS) - 1:
            diff = A.max_abs_diff(walk.weights, engine)
            result = Text(
                f"largest difference from llama.cpp in this row: {diff:.1e}", style="bold"
            )
            result.append("  (q and k rounded to float16, as llama.cpp's KV cache stores them)")
        self.query_one("#hand-result", Static).update(result)

    def step_hint(self, d: int) -> str:
        return {
            1: "multiply q by each key and add up: one score per earlier token",
            2: f"divide by √{d} = {math.sqrt(d):.0f}, so scores do not grow with the head size",
            3: "later tokens get -inf: a token may not look ahead (the causal mask)",
            4: "softmax: e^score / Σ e^score; each row sums to 1",
            5: "llama.cpp's own numbers, captured from kq_soft_max",
        }.get(self.shown, "")

    def action_step(self) -> None:
        if not self.toy:
            self.shown = self.shown % (len(STEPS) - 1) + 1
            self.refresh_view()

    def action_layer(self, step: int) -> None:
        if self.capture is not None and not self.toy:
            self.layer_i = (self.layer_i + step) % self.capture.q.shape[0]
            self.refresh_view()

    def action_head(self, step: int) -> None:
        if self.capture is not None and not self.toy:
            self.head_i = (self.head_i + step) % self.capture.q.shape[2]
            self.refresh_view()

    def action_query(self, step: int) -> None:
        if self.capture is not None and not self.toy:
            self.query_i = max(0, min(self.capture.q.shape[1] - 1, self.query_i + step))
            self.refresh_view()

    def action_edit(self) -> None:
        if not self.toy:
            self.query_one("#hand-prompt", Input).focus()

    # -- the toy ---------------------------------------------------------------------------

    def action_toy(self) -> None:
        self.toy = not self.toy
        self.toy_step = 0
        self.toy_feedback = Text("")
        self.set_class(self.toy, "-toy")
        self.query_one("#hand-prompt", Input).display = not self.toy
        if self.toy:
            self.query_one("#hand-answer", Input).focus()
        else:
            self.query_one("#hand-table").focus()
        self.refresh_view()

    def refresh_toy(self) -> None:
        answers = A.toy_steps()
        query = A.TOY_TOKENS[A.TOY_QUERY]
        info = Text(f"Toy: 3 tokens {', '.join(A.TOY_TOKENS)}; the query is “{query}”, d = 4\n",
                    style="bold")  # fmt: skip
        info.append(f"q = {A.TOY_Q.tolist()}")
        info.append("   (esc: back to the real model)", style="dim")
        self.query_one("#hand-info", Static).update(info)
        table = Text(no_wrap=True)
        done = "".join(f"{s:>12}" for s in A.TOY_STEPS[: self.toy_step])
        table.append(f"{'key':<8}{'k':<24}{done}\n", style="bold")
        for s, token in enumerate(A.TOY_TOKENS):
            table.append(f"{token:<8}{A.TOY_K[s].tolist()!s:<24}")
            for step in range(self.toy_step):
                table.append(f"{_num(float(answers[step][s])):>12}")
            table.append("\n")
        if self.toy_step < len(A.TOY_STEPS):
            table.append(f"\nYour turn: {A.TOY_STEPS[self.toy_step]} for The, cat, sat "
                         "(type 3 numbers, e.g. 1, 2, 3)", style="bold")  # fmt: skip
        else:
            table.append("\nAll four steps right: that is attention for one query. "
                         "t: back to the real model", style="bold")  # fmt: skip
        self.query_one("#hand-table", Static).update(table)
        self.query_one("#hand-result", Static).update(self.toy_feedback)

    def check_toy(self, typed: str) -> None:
        if self.toy_step >= len(A.TOY_STEPS):
            return
        expected = A.toy_steps()[self.toy_step]
        try:
            numbers = [float(part) for part in typed.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            self.toy_feedback = Text("Type numbers separated by commas, e.g. 1.5, 2, -inf.")
            self.refresh_toy()
            return
        if A.check_numbers(numbers, expected):
            right = ", ".join(_num(float(x)).strip() for x in expected)
            self.toy_feedback = Text(f"✓ Right: {right}", style="bold")
            self.toy_step += 1
        else:
            self.toy_feedback = Text(f"✗ Not yet. {self.toy_hint()}")
        self.refresh_toy()

    def toy_hint(self) -> str:
        return (
            "Multiply q and k position by position, then add the four products.",
            "Divide each dot product by √4 = 2.",
            "Keep the scores of tokens up to the query; later ones become -inf.",
            "e^1 / (e^1 + e^2) for The; 0 for a masked token. Two decimals are enough.",
        )[self.toy_step]

    def action_back(self) -> None:
        if self.toy:  # esc leaves the toy for the real model
            self.action_toy()
            return
        if isinstance(self.focused, Input):
            self.query_one("#hand-table").focus()
            return
        super().action_back()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "hand-answer":
            self.check_toy(event.value)
            event.input.value = ""
            return
        self.query_one("#hand-table").focus()
        self.capture = None
        self.fetch(from_field(event.value))
