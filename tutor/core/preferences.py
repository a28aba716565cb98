"""Preference votes in and out: Hugging Face TRL's preference JSONL, both of its forms.

TRL (``docs/source/dataset_formats.md``) keeps one comparison per line:

* standard: ``{"prompt": "...", "chosen": "...", "rejected": "..."}``, or with the prompt
  implicit, ``{"chosen": "...", "rejected": "..."}`` (the prompt is inside both texts);
* conversational: ``"prompt"`` is a list of ``{"role", "content"}`` messages, and ``"chosen"``
  and ``"rejected"`` are each a list holding the assistant's message (with the prompt implicit,
  each list holds the whole conversation).

Export writes decisive votes only: a tie or a "both bad" has no chosen and rejected answer, so
they are left out and counted. Import reads both forms, checks every line, and reports each bad
line as ``FILE:LINE: problem``; a file with any bad line imports nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor.core.errors import Problem

MAX_LINE_BYTES = 1_000_000
"""A line longer than this is refused (a preference pair is text, not a data dump)."""
MAX_SHOWN_PROBLEMS = 20
ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class Preference:
    """One comparison: ``chosen`` was preferred to ``rejected`` as an answer to ``prompt``."""

    prompt: str
    chosen: str
    rejected: str
    system: str = ""  # a system message before the prompt, if the conversation had one
    line: int = 0  # where it came from, for messages


class PreferenceFileError(Exception):
    """A preference file could not be read; carries every problem found (file and line)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = [str(p) for p in problems[:MAX_SHOWN_PROBLEMS]]
        if len(problems) > MAX_SHOWN_PROBLEMS:
            shown.append(f"... and {len(problems) - MAX_SHOWN_PROBLEMS} more problems")
        super().__init__("\n".join(shown))


# -- votes to preferences -------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """Votes sorted into comparisons (chosen/rejected) and the ones that have none."""

    preferences: list[Preference] = field(default_factory=list)
    ties: int = 0
    both_bad: int = 0


def from_votes(votes: Iterable[Any]) -> Split:
    """Decisive votes as chosen/rejected pairs; ties and both-bad counted, not converted.

    ``votes`` are the store's ``VoteRow``s (anything with prompt, answer_a, answer_b, vote and
    settings_a).
    """
    prefs: list[Preference] = []
    ties = both_bad = 0
    for v in votes:
        system = str((v.settings_a or {}).get("system", ""))
        if v.vote == "a":
            prefs.append(Preference(v.prompt, v.answer_a, v.answer_b, system))
        elif v.vote == "b":
            prefs.append(Preference(v.prompt, v.answer_b, v.answer_a, system))
        elif v.vote == "tie":
            ties += 1
        else:
            both_bad += 1
    return Split(prefs, ties, both_bad)


# -- writing --------------------------------------------------------------------------------


def to_record(pref: Preference, *, conversational: bool = False) -> dict[str, Any]:
    """One TRL record (explicit prompt) for a comparison."""
    if not conversational:
        prompt = f"{pref.system}\n\n{pref.prompt}" if pref.system else pref.prompt
        return {"prompt": prompt, "chosen": pref.chosen, "rejected": pref.rejected}
    messages = [{"role": "system", "content": pref.system}] if pref.system else []
    messages.append({"role": "user", "content": pref.prompt})
    return {
        "prompt": messages,
        "chosen": [{"role": "assistant", "content": pref.chosen}],
        "rejected": [{"role": "assistant", "content": pref.rejected}],
    }


def write_jsonl(path: Path, prefs: Sequence[Preference], *, conversational: bool = False) -> None:
    """Write one record per line, atomically: a temporary file renamed over ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            for pref in prefs:
                record = to_record(pref, conversational=conversational)
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# -- reading --------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[Preference]:
    """Every comparison in a TRL preference file; PreferenceFileError naming each bad line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PreferenceFileError([Problem(path, None, f"cannot read: {exc.strerror}")]) from None
    prefs: list[Preference] = []
    problems: list[Problem] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue  # blank lines (a trailing newline) carry nothing
        try:
            prefs.append(parse_line(raw, number))
        except ValueError as exc:
            problems.append(Problem(path, number, str(exc)))
    if problems:
        raise PreferenceFileError(problems)
    if not prefs:
        raise PreferenceFileError([Problem(path, None, "no preference pairs in the file")])
    return prefs


def parse_line(raw: bytes, number: int = 0) -> Preference:
    """One JSONL line as a Preference; ValueError with a plain reason if it is not one."""
    if len(raw) > MAX_LINE_BYTES:
        raise ValueError(f"line is longer than {MAX_LINE_BYTES} bytes")
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(record, dict):
        raise ValueError('expected an object like {"prompt": ..., "chosen": ..., "rejected": ...}')
    missing = [k for k in ("chosen", "rejected") if k not in record]
    if missing:
        raise ValueError(f"missing {' and '.join(repr(k) for k in missing)}")
    chosen, rejected = record["chosen"], record["rejected"]
    if isinstance(chosen, str) and isinstance(rejected, str):
        pref = _standard(record.get("prompt"), chosen, rejected)
    elif isinstance(chosen, list) and isinstance(rejected, list):
        pref = _conversational(record.get("prompt"), chosen, rejected)
    else:
        raise ValueError("'chosen' and 'rejected' must both be text, or both message lists")
    if not pref.chosen.strip() or not pref.rejected.strip():
        raise ValueError("'chosen' and 'rejected' must not be empty")
    if pref.chosen == pref.rejected:
        raise ValueError("'chosen' and 'rejected' are the same text: nothing to prefer")
    return Preference(pref.prompt, pref.chosen, pref.rejected, pref.system, number)


def _standard(prompt: Any, chosen: str, rejected: str) -> Preference:
    """The standard form; without a prompt, the prompt is implicit in both texts."""
    if prompt is None:
        return Preference("", chosen, rejected)
    if not isinstance(prompt, str):
        raise ValueError("'prompt' must be text when 'chosen' and 'rejected' are text")
    return Preference(prompt, chosen, rejected)


def _conversational(prompt: Any, chosen: list[Any], rejected: list[Any]) -> Preference:
    """The conversational form: prompt messages, then one assistant message on each side."""
    if prompt is None:
        # Implicit prompt: each side is the whole conversation; the shared start is the prompt.
        c, r = _messages(chosen, "chosen"), _messages(rejected, "rejected")
        if len(c) < 2 or c[:-1] != r[:-1]:
            raise ValueError(
                "without 'prompt', 'chosen' and 'rejected' must share every message but the last"
            )
        head, c_last, r_last = c[:-1], c[-1], r[-1]
    else:
        if not isinstance(prompt, list):
            raise ValueError("'prompt' must be a list of messages when 'chosen' is a list")
        head = _messages(prompt, "prompt")
        c_last, r_last = _one_answer(chosen, "chosen"), _one_answer(rejected, "rejected")
    for name, last in (("chosen", c_last), ("rejected", r_last)):
        if last["role"] != "assistant":
            raise ValueError(f"'{name}' must end with an assistant message")
    return _from_messages(head, c_last["content"], r_last["content"])


def _one_answer(messages: list[Any], name: str) -> dict[str, str]:
    """The single assistant message of a conversational chosen/rejected list."""
    checked = _messages(messages, name)
    if len(checked) != 1:
        raise ValueError(f"'{name}' must hold exactly one message, not {len(checked)}")
    return checked[0]


def _messages(messages: list[Any], name: str) -> list[dict[str, str]]:
    """Check a message list: objects with a known 'role' and text 'content'."""
    out = []
    for i, m in enumerate(messages, start=1):
        if not isinstance(m, dict) or not isinstance(m.get("content"), str):
            raise ValueError(f"'{name}' message {i} must be an object with text 'content'")
        if m.get("role") not in ROLES:
            raise ValueError(f"'{name}' message {i}: 'role' must be one of {', '.join(ROLES)}")
        out.append({"role": m["role"], "content": m["content"]})
    return out


def _from_messages(head: list[dict[str, str]], chosen: str, rejected: str) -> Preference:
    """Prompt messages as (system, prompt): an optional system message, then the user's turn.

    Longer conversations are kept readable as one prompt text, each turn on its own lines.
    """
    system = ""
    if head and head[0]["role"] == "system":
        system, head = head[0]["content"], head[1:]
    if not head or head[-1]["role"] != "user":
        raise ValueError("the prompt must end with a user message")
    if len(head) == 1:
        return Preference(head[0]["content"], chosen, rejected, system)
    text = "\n\n".join(f"{m['role']}: {m['content']}" for m in head)
    return Preference(text, chosen, rejected, system)
