"""Moodle GIFT: read GIFT questions into quiz questions, and write quiz questions as GIFT.

GIFT (Moodle docs, "GIFT format") is the plain-text question format instructors already have:
questions separated by blank lines, an optional ``::title::``, the question text, and an answer
block in braces: ``{=right ~wrong#feedback ####general feedback}`` (multiple choice),
``{~%50%a ~%50%b ~%-100%c}`` (several right answers), ``{T}`` / ``{FALSE}``, ``{=one =other}``
(short answer), ``{#3:0.5}`` / ``{#1..5}`` (numerical), text around the block (missing word),
``{=a -> 1 =b -> 2}`` (matching), ``{}`` (essay). ``//`` starts a comment line, ``$CATEGORY:``
sets a category and ``\\`` escapes ``~ = # { } :``.

How the two formats meet (documented in docs/authoring.md):

- single / multiple / truefalse / short / numeric map both ways; general feedback ``####`` is
  the question's explanation; per-answer ``#feedback`` is the choice's feedback.
- A missing-word question becomes a one-blank ``cloze``; a cloze with one blank is written as
  missing word. The cloze's prompt is written as the first line of the question text.
- GIFT has no ordering question: an ``ordering`` question is written as a matching question from
  positions to items (``=1 -> first =2 -> second``), and such a matching question reads back as
  ordering. Any other matching question, essays and descriptions have no equivalent here and are
  reported with their line numbers, never dropped silently.
- Lost on export, and reported: hints, tags, a short answer's ``pattern``, a numeric ``unit``,
  cloze questions with more than one blank. Lost on import, and reported: partial credit on a
  single-answer question, per-answer feedback on short and numerical answers.

The parser is a small hand-written scanner rather than a grammar library: GIFT's only tricky
part is backslash escapes inside free text, which a character loop handles directly. This
module reads; :mod:`tutor.core.gift_write` writes. It is a little over 400 lines because
the scanner and the mapping of each GIFT answer block to a question type read one after
the other: each mapping needs the scanner's positions to report ``file:line``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor.core.errors import Problem
from tutor.core.untrusted import slugify

FORMAT_TAG = re.compile(r"^\[(html|moodle|plain|markdown)\]\s*", re.IGNORECASE)
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
NUMERIC_TOLERANCE = re.compile(rf"^\s*({NUMBER})\s*(?::\s*({NUMBER}))?\s*$")
NUMERIC_RANGE = re.compile(rf"^\s*({NUMBER})\s*\.\.\s*({NUMBER})\s*$")
TRUE_WORDS, FALSE_WORDS = {"T", "TRUE"}, {"F", "FALSE"}
PUNCTUATION = ".,;:!?…)»\"' "
CLOZE_SOURCES = ("single", "multiple", "short")  # question kinds a missing word can come from
PROMPT_BREAK = "\\n"  # GIFT's escaped newline: llm-tutor writes a cloze's prompt before it


@dataclass
class GiftResult:
    """What a GIFT file gave: quiz questions (as TOML-ready dicts) and what could not be kept."""

    questions: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # errors: questions not imported
    notes: list[Problem] = field(default_factory=list)  # imported, but something was dropped


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    """One question's text and the line it starts on."""

    text: str
    line: int


@dataclass
class _Item:
    """One answer of an answer block: ``=`` or ``~``, its weight, text and feedback."""

    mark: str  # "=" or "~"
    text: str = ""
    weight: float | None = None
    feedback: str | None = None


def parse_gift(text: str, path: Path) -> GiftResult:
    """Every question in a GIFT file's ``text``; ``path`` names the file in problems."""
    result, category, ids = GiftResult(), "", set[str]()
    for chunk in _chunks(text):
        if chunk.text.startswith("$CATEGORY:"):
            category, ids = chunk.text.split(":", 1)[1].strip(), set()  # ids are per quiz
            continue
        try:
            question = _question(chunk, path, result)
        except _Unsupported as err:
            result.problems.append(Problem(path, chunk.line, str(err)))
            continue
        if question is None:
            continue
        question["id"] = _unique_id(question["id"], ids)
        if category:
            question["tags"] = [_tag(category)]
        result.questions.append(question)
    return result


class _Unsupported(Exception):
    """A question that has no equivalent in llm-tutor's quiz format."""


def _chunks(text: str) -> list[_Chunk]:
    """Questions separated by blank lines; ``//`` comment lines removed."""
    chunks, lines, start = [], list[str](), 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.lstrip().startswith("//"):
            continue
        if raw.strip():
            if not lines:
                start = number
            lines.append(raw)
        elif lines:
            chunks.append(_Chunk("\n".join(lines).strip(), start))
            lines = []
    if lines:
        chunks.append(_Chunk("\n".join(lines).strip(), start))
    return chunks


def _split_block(text: str) -> tuple[str, str | None, str]:
    """(before, answer block or None, after), splitting at the first unescaped braces."""
    i, opening = 0, -1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "{" and opening < 0:
            opening = i
        elif text[i] == "}" and opening >= 0:
            return text[:opening], text[opening + 1 : i], text[i + 1 :]
        i += 1
    if opening >= 0:
        raise _Unsupported("the answer block '{' is never closed with '}'")
    return text, None, ""


def _unescape(text: str) -> str:
    """GIFT text to plain text: ``\\~`` → ``~``, ``\\n`` → newline, whitespace tidied."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out).strip()


def _tokens(block: str) -> list[tuple[str, str]]:
    """The answer block as (kind, text) tokens: marks ``= ~ # #### ->`` and raw text."""
    tokens: list[tuple[str, str]] = []
    buf: list[str] = []
    i = 0

    def flush() -> None:
        if buf:
            tokens.append(("text", "".join(buf)))
            buf.clear()

    while i < len(block):
        ch = block[i]
        if ch == "\\" and i + 1 < len(block):
            buf.append(block[i : i + 2])  # kept escaped; unescaped when the text is used
            i += 2
        elif block.startswith("####", i):
            flush()
            tokens.append(("general", ""))
            i += 4
        elif block.startswith("->", i):
            flush()
            tokens.append(("arrow", ""))
            i += 2
        elif ch in "=~#":
            flush()
            tokens.append((ch, ""))
            i += 1
        else:
            buf.append(ch)
            i += 1
    flush()
    return tokens


def _question(chunk: _Chunk, path: Path, result: GiftResult) -> dict[str, Any] | None:
    title, body = _title(chunk.text)
    before, block, after = _split_block(body)
    if block is None:
        raise _Unsupported("a description (no answer block) has no equivalent here; left out")
    fmt = FORMAT_TAG.match(before.lstrip())
    if fmt and fmt.group(1).lower() == "html":
        result.notes.append(Problem(path, chunk.line, "HTML question text kept as written"))
    before = FORMAT_TAG.sub("", before.lstrip())
    tokens, general = _general_feedback(_tokens(block))
    question = _answers(tokens, chunk, path, result)
    question["id"] = _slug(title) if title else f"q{chunk.line}"
    trailing = _unescape(after)
    if trailing and (trailing.strip(PUNCTUATION) or question["type"] in CLOZE_SOURCES):
        question = _as_cloze(question, before, trailing, chunk, path, result)
    elif trailing:  # only a closing punctuation mark after a number or true/false block
        text = _unescape(before).rstrip()
        question["prompt"] = text if text[-1:] in "?.!:" else text + trailing.strip()
    else:
        question["prompt"] = _unescape(before) or (title or "")
    if not question.get("prompt"):
        raise _Unsupported("the question has no text")
    question["explanation"] = general or _default_explanation(question)
    return question


def _title(text: str) -> tuple[str | None, str]:
    """``::title::`` at the start, if any, and the rest."""
    match = re.match(r"^::(.*?)(?<!\\)::", text, re.DOTALL)
    if not match:
        return None, text
    return _unescape(match.group(1)), text[match.end() :].lstrip()


def _general_feedback(tokens: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], str | None]:
    """Tokens without the trailing ``####general feedback``, and that feedback."""
    for i, (kind, _) in enumerate(tokens):
        if kind == "general":
            rest = "".join(t for k, t in tokens[i + 1 :] if k == "text")
            return tokens[:i], _unescape(rest) or None
    return tokens, None


def _answers(
    tokens: list[tuple[str, str]], chunk: _Chunk, path: Path, result: GiftResult
) -> dict[str, Any]:
    """The question's type and answer keys, from its answer block's tokens."""
    significant = [(k, t) for k, t in tokens if k != "text" or t.strip()]
    if not significant:
        raise _Unsupported("an essay question (empty answer block) has no equivalent here")
    kind, text = significant[0]
    if kind == "text" and text.strip().upper() in TRUE_WORDS | FALSE_WORDS:
        return {"type": "truefalse", "answer": text.strip().upper() in TRUE_WORDS}
    if kind == "#":
        return _numeric(significant[1:], chunk, path, result)
    items = _items(significant)
    if any(" -> " in i.text for i in items):
        return _matching(items)
    return _choices(items, chunk, path, result)


def _items(tokens: list[tuple[str, str]]) -> list[_Item]:
    """``=``/``~`` items with weight, text, matching arrow and ``#`` feedback."""
    items: list[_Item] = []
    target = "text"
    for kind, text in tokens:
        if kind in ("=", "~"):
            items.append(_Item(kind))
            target = "text"
        elif kind == "#" and items:
            target = "feedback"
        elif kind == "arrow" and items:
            items[-1].text += " -> "
        elif kind == "text" and items:
            if target == "feedback":
                items[-1].feedback = (items[-1].feedback or "") + text
            else:
                items[-1].text += text
        elif kind == "text" and text.strip():
            raise _Unsupported(f"unexpected text {text.strip()[:30]!r} in the answer block")
    for item in items:
        weight = WEIGHT.match(item.text.strip())
        if weight:
            item.weight = float(weight.group(1))
            item.text = item.text.strip()[weight.end() :]
        item.text = item.text if " -> " in item.text else _unescape(item.text)
        item.feedback = _unescape(item.feedback) if item.feedback else None
    return items


def _choices(items: list[_Item], chunk: _Chunk, path: Path, result: GiftResult) -> dict[str, Any]:
    if not items:
        raise _Unsupported("the answer block has no answers")
    if all(i.mark == "=" for i in items):  # short answer: every listed answer is accepted
        if any(i.feedback for i in items):
            result.notes.append(Problem(path, chunk.line, "per-answer feedback dropped"))
        return {"type": "short", "answers": [i.text for i in items if (i.weight or 100) > 0]}
    right = [i for i in items if i.mark == "=" or (i.weight or 0) > 0]
    if not right:
        raise _Unsupported("no answer is marked right ('=' or a positive %weight%)")
    if any(i.mark == "~" and i.weight is not None and 0 < i.weight < 100 for i in items) and any(
        i.mark == "=" for i in items
    ):
        result.notes.append(Problem(path, chunk.line, "partial credit on a wrong answer dropped"))
        right = [i for i in items if i.mark == "="]
    choices = [_choice(i, i in right) for i in items]
    # Moodle's rule: '=' marks a single-answer question; only '~' with weights, several answers.
    single = any(i.mark == "=" for i in items) and len(right) == 1
    return {"type": "single" if single else "multiple", "choices": choices}


def _choice(item: _Item, correct: bool) -> dict[str, Any]:
    choice: dict[str, Any] = {"text": item.text}
    if correct:
        choice["correct"] = True
    if item.feedback:
        choice["feedback"] = item.feedback
    return choice


def _matching(items: list[_Item]) -> dict[str, Any]:
    """A matching question whose left sides are 1..n is an ordering question; others are not."""
    pairs = [tuple(_unescape(side) for side in i.text.split(" -> ", 1)) for i in items]
    positions = [left for left, _ in pairs]
    if positions != [str(n) for n in range(1, len(pairs) + 1)]:
        raise _Unsupported("a matching question has no equivalent here (only 1, 2, 3... -> item)")
    return {"type": "ordering", "items": [right for _, right in pairs]}


def _numeric(
    tokens: list[tuple[str, str]], chunk: _Chunk, path: Path, result: GiftResult
) -> dict[str, Any]:
    """``#3:0.5``, ``#1..5`` or ``#=3:0 =%50%3:1``: the first full-credit answer is kept."""
    if tokens and tokens[0][0] == "=":
        items = _items(tokens)
        full = [i for i in items if (i.weight or 100) >= 100] or items
        if len(items) > 1:
            result.notes.append(Problem(path, chunk.line, "only the first full-credit answer kept"))
        return _number(full[0].text)
    if any(kind == "#" for kind, _ in tokens):
        result.notes.append(Problem(path, chunk.line, "per-answer feedback dropped"))
    return _number(_unescape(_first_text(tokens)))


def _round(value: float) -> float:
    """Drop float noise from range arithmetic: 3.1414999999999997 → 3.1415."""
    return float(f"{value:.12g}")


def _first_text(tokens: list[tuple[str, str]]) -> str:
    return next((t for k, t in tokens if k == "text"), "")


def _number(text: str) -> dict[str, Any]:
    if match := NUMERIC_RANGE.match(text):
        low, high = float(match.group(1)), float(match.group(2))
        middle, half = _round((low + high) / 2), _round(abs(high - low) / 2)
        return {"type": "numeric", "answer": middle, "tolerance": half}
    if match := NUMERIC_TOLERANCE.match(text):
        return {
            "type": "numeric",
            "answer": float(match.group(1)),
            "tolerance": abs(float(match.group(2) or 0)),
        }
    raise _Unsupported(f"the numerical answer {text!r} is not a number, 'n:tolerance' or 'a..b'")


def _as_cloze(
    question: dict[str, Any],
    before: str,
    after: str,
    chunk: _Chunk,
    path: Path,
    result: GiftResult,
) -> dict[str, Any]:
    """A missing-word question as a one-blank cloze; its right answers are the blank's."""
    if question["type"] in ("single", "multiple"):
        answers = [c["text"] for c in question["choices"] if c.get("correct")]
        result.notes.append(Problem(path, chunk.line, "missing-word choices become a typed blank"))
    elif question["type"] == "short":
        answers = question["answers"]
    else:
        raise _Unsupported(f"a missing-word {question['type']} question has no equivalent here")
    # Written by llm-tutor, the text before an escaped newline is the prompt and the rest leads
    # up to the blank; any other missing-word question is all text, with a generic prompt.
    prompt, _, lead = before.partition(PROMPT_BREAK) if PROMPT_BREAK in before else ("", "", before)
    joiner = "" if after[:1] in PUNCTUATION else " "
    text = f"{_unescape(lead)} ___{joiner}{after}".strip()
    return {
        "id": question.get("id"),
        "type": "cloze",
        "prompt": _unescape(prompt) or "Fill in the blank.",
        "text": text,
        "blanks": [answers],
    }


def _default_explanation(question: dict[str, Any]) -> str:
    """An explanation from the answer itself, when the GIFT question had no general feedback."""
    kind = question["type"]
    if kind in ("single", "multiple"):
        right = [c["text"] for c in question["choices"] if c.get("correct")]
        return "The right answer: " + "; ".join(right) + "."
    if kind == "truefalse":
        return f"The statement is {'true' if question['answer'] else 'false'}."
    if kind == "short":
        return f"The expected answer: {question['answers'][0]}."
    if kind == "numeric":
        return f"The expected answer: {question['answer']:g}."
    if kind == "ordering":
        return "The right order: " + ", ".join(question["items"]) + "."
    return "The blank is: " + " / ".join(question["blanks"][0]) + "."


def _slug(title: str) -> str:
    return slugify(title, limit=60, fallback="question")


def _tag(category: str) -> str:
    return category.split("/")[-1].strip() or category


def _unique_id(wanted: str, taken: set[str]) -> str:
    candidate, n = wanted, 2
    while candidate in taken:
        candidate, n = f"{wanted}-{n}", n + 1
    taken.add(candidate)
    return candidate
