"""Quiz questions written as Moodle GIFT, the other half of :mod:`tutor.core.gift` (which reads
GIFT and documents how the two formats meet, and what each direction loses and reports).
"""

from __future__ import annotations

import re
from typing import Any

from tutor.core.gift import PROMPT_BREAK

GIFT_ESCAPES = "~=#{}:\\"


def escape(text: str) -> str:
    """Plain text as GIFT text: special characters escaped, newlines as ``\\n``."""
    out = "".join("\\" + ch if ch in GIFT_ESCAPES else ch for ch in text)
    return out.replace("\n", "\\n")


def to_gift(question: dict[str, Any]) -> tuple[str | None, list[str]]:
    """One quiz question (as loaded from TOML) as GIFT text, and what could not be written."""
    lost = [f"{key} dropped" for key in ("hint", "tags") if question.get(key)]
    kind = question["type"]
    head = f"::{escape(question['id'])}::[markdown]"
    general = f"####{escape(question['explanation'])}"
    if kind == "cloze":
        if len(question["blanks"]) != 1:
            return None, ["a cloze with several blanks cannot be written as GIFT"]
        before, _, after = question["text"].partition(_blank(question["text"]))
        block = " ".join(f"={escape(a)}" for a in question["blanks"][0])
        lead, rest = escape(before.strip()), escape(after.rstrip())
        prompt = escape(" ".join(question["prompt"].split()))
        text = f"{head}{prompt}{PROMPT_BREAK}{lead} {{{block} {general}}}{rest}"
        return text.rstrip(), lost
    if kind == "short" and question.get("pattern"):
        lost.append("pattern dropped")
    if kind == "numeric" and question.get("unit"):
        lost.append("unit dropped")
    return f"{head}{escape(question['prompt'])} {{{_block(question)} {general}}}", lost


def _blank(text: str) -> str:
    match = re.search(r"_{3,}", text)
    return match.group(0) if match else "___"


def _block(question: dict[str, Any]) -> str:
    """The answer block's contents (without braces and general feedback)."""
    kind = question["type"]
    if kind == "truefalse":
        return "TRUE" if question["answer"] else "FALSE"
    if kind == "short":
        return " ".join(f"={escape(a)}" for a in question["answers"])
    if kind == "numeric":
        return f"#{question['answer']:g}:{question.get('tolerance', 0):g}"
    if kind == "ordering":
        return " ".join(f"={n} -> {escape(item)}" for n, item in enumerate(question["items"], 1))
    choices = question["choices"]
    if kind == "single":
        return " ".join(_choice_text("=" if c.get("correct") else "~", c) for c in choices)
    right = sum(1 for c in choices if c.get("correct"))
    share = _percent(100 / right)
    return " ".join(
        _choice_text(f"~%{share}%" if c.get("correct") else f"~%-{share}%", c) for c in choices
    )


def _choice_text(mark: str, choice: dict[str, Any]) -> str:
    feedback = f"#{escape(choice['feedback'])}" if choice.get("feedback") else ""
    return f"{mark}{escape(choice['text'])}{feedback}"


def _percent(value: float) -> str:
    """Moodle's grade percentages, with at most five decimals (33.33333, 12.5, 100)."""
    return f"{value:.5f}".rstrip("0").rstrip(".")
