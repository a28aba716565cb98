"""The prompt playground's comparisons, apart from its screen: A against B on the same seed
(what changed in the prompt or the settings, and each answer); this instruct model against
the second, base model (Gemma 3 270M), which reads the conversation as plain text because a
base model has no chat template; and a learner's guess against how the answer starts.

Everything here is plain data and text (``Exchange`` is one run), so it reads and tests
without a screen. The second model itself is the app's one ``ModelService.second()``, shared
with the tokens and next-token views.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from rich.text import Text

from tutor.runtime.types import GenerationSettings
from tutor.ui.lab.streaming import short_settings

PANE_LINES = 2  # lines of "what changed" each A/B pane shows
WORD_EDGES = ".,;:!?\"'()*`“”‘’"


def words(text: str) -> list[str]:
    """The words of ``text``, case folded, punctuation at their ends removed."""
    found = (w.strip(WORD_EDGES).casefold() for w in text.split())
    return [w for w in found if w]


def plain_transcript(prompt: str | list[dict[str, str]]) -> str:
    """The conversation as plain text, for a base model (it has no chat template): each
    message's words, a blank line between them, as a document it would continue."""
    if isinstance(prompt, str):
        return prompt
    return "\n\n".join(m["content"] for m in prompt if m["content"].strip())


@dataclass(frozen=True)
class Exchange:
    """One run: the messages (or plain prompt) sent, the settings, the answer so far."""

    prompt: str | list[dict[str, str]]
    settings: GenerationSettings
    answer: str = ""
    finish: str | None = None


def prompt_lines(prompt: str | list[dict[str, str]]) -> list[str]:
    """The prompt as lines, each turn's role in front, for comparing two runs."""
    if isinstance(prompt, str):
        return prompt.splitlines()
    return [f"{m['role']}: {line}" for m in prompt for line in m["content"].splitlines()]


def changes(a: Exchange, b: Exchange, width: int) -> tuple[list[str], list[str]]:
    """What only A has and what only B has: changed prompt lines (``−`` / ``+``) and
    settings, each cut to ``width``."""
    only_a: list[str] = []
    only_b: list[str] = []
    la, lb = prompt_lines(a.prompt), prompt_lines(b.prompt)
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, la, lb).get_opcodes():
        if op != "equal":  # lines removed from A (−) and added in B (+)
            only_a += [f"− {line}" for line in la[i1:i2]]
            only_b += [f"+ {line}" for line in lb[j1:j2]]
    if not only_a and not only_b:
        only_a = only_b = ["(the same prompt)"]
    return [_cut(s, width) for s in only_a[:PANE_LINES]], [
        _cut(s, width) for s in only_b[:PANE_LINES]
    ]


def _cut(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def pane_text(name: str, run: Exchange | None, diff: list[str]) -> Text:
    """One A/B pane: its settings, what is only in its prompt, its answer."""
    if run is None:
        return Text(
            f"{name}: edit the prompt or the settings, then ctrl+s: it runs on the same seed.",
            style="dim",
        )
    text = Text(f"{name}  {short_settings(run.settings)}\n", style="bold")
    for line in diff:
        text.append(line + "\n", style="dim")
    text.append(run.answer or "…")
    if run.finish and run.finish != "eos":
        text.append(f"  ({run.finish})", style="dim")
    return text


def model_pane_text(name: str, how: str, run: Exchange | None) -> Text:
    """One side of the base-versus-instruct view: the model, how it read the prompt, its answer."""
    text = Text(f"{name}\n", style="bold")
    text.append(f"reads the prompt {how}\n", style="dim")
    if run is None:
        return text
    text.append(run.answer or "…")
    if run.finish and run.finish != "eos":
        text.append(f"  ({run.finish})", style="dim")
    return text


def common_words(a: list[str], b: list[str]) -> int:
    """How many leading words ``a`` and ``b`` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
