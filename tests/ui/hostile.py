"""Build small packs whose every text field is chosen by a test, for the hostile-input tests.

Not a test module: tests import ``write_pack`` and ``NASTY`` from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

# Markup that crashes (MarkupError), runs an action, makes a hyperlink, or escapes the terminal.
NASTY = [
    "[/]",
    "[b]",
    "[/b]",
    "[@click=app.screenshot('pwned.svg','.')]click[/]",
    '[link="file:///etc/passwd"]Read me[/link]',
    "[on red]x",
    "$primary",
    "\\[",
    "[",
    "]",
    "\x1b[31m",
    "\x1b]52;c;aGk=\x07",
    "\x1b]8;;file:///etc/passwd\x1b\\",
    "\u202e",
    "e\u0301",
    "🙂",
    "**",
    "`",
    "<b>",
    "&amp;",
]


@dataclass
class PackText:
    """Every untrusted text of a one-lesson pack whose quiz has one question of each type.

    The first three questions (single, numeric, short) come first, in that order, so tests can
    reach them without going through the others.
    """

    pack_title: str = "Hostile pack"
    version: str = "1.0.0"
    lesson_title: str = "Lesson one"
    summary: str = "A summary."
    objective: str = "An objective."
    paragraph: str = "A paragraph."
    quiz_title: str = "A quiz"
    prompt: str = "Pick one."
    hint: str = "A hint."
    explanation: str = "An explanation."
    choice: str = "A choice"
    feedback: str = "Some feedback."
    answer: str = "an answer"
    unit: str = "tokens"
    author: str = "Someone"
    licence: str = "CC0-1.0"
    heading: str = "A heading"
    link_text: str = "a link"
    demo_prompt: str = "The cat sat."
    tag: str = "a-tag"
    item: str = "An item"
    cloze: str = "A sentence with"
    blank: str = "blanks"


def toml_str(text: str) -> str:
    """A TOML basic string holding exactly ``text`` (JSON escapes are TOML escapes)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def write_pack(root: Path, text: PackText) -> Path:
    """Write the pack under ``root`` and return its directory."""
    s = {f.name: toml_str(getattr(text, f.name)) for f in fields(text)}
    (root / "lessons").mkdir(parents=True)
    (root / "quizzes").mkdir()
    (root / "pack.toml").write_text(
        f'format_version = 1\nid = "hostile"\ntitle = {s["pack_title"]}\nversion = {s["version"]}\n'
        f'authors = [{s["author"]}]\nlicence = {s["licence"]}\nlessons = ["one"]\n',
        encoding="utf-8",
    )
    (root / "lessons" / "01-one.md").write_text(
        f"+++\ntitle = {s['lesson_title']}\nsummary = {s['summary']}\nminutes = 5\n"
        f"objectives = [{s['objective']}]\n+++\n\n# One\n\n{text.paragraph}\n\n"
        f"## {text.heading}\n\nSee [{text.link_text}](https://example.org/).\n\n"
        f'```demo\nkind = "tokens"\nprompt = {s["demo_prompt"]}\n```\n',
        encoding="utf-8",
    )
    (root / "quizzes" / "01-one.toml").write_text(
        f"title = {s['quiz_title']}\nshuffle = false\n\n"
        f'[[questions]]\nid = "pick"\ntype = "single"\nprompt = {s["prompt"]}\n'
        f"explanation = {s['explanation']}\nhint = {s['hint']}\n"
        f"choices = [{{ text = {s['choice']}, correct = true }},"
        f' {{ text = "Other", feedback = {s["feedback"]} }}]\n\n'
        f'[[questions]]\nid = "count"\ntype = "numeric"\nprompt = {s["prompt"]}\n'
        f"explanation = {s['explanation']}\nhint = {s['hint']}\nanswer = 3\nunit = {s['unit']}\n\n"
        f'[[questions]]\nid = "word"\ntype = "short"\nprompt = {s["prompt"]}\n'
        f"explanation = {s['explanation']}\nanswers = [{s['answer']}]\ntags = [{s['tag']}]\n\n"
        f'[[questions]]\nid = "several"\ntype = "multiple"\nprompt = {s["prompt"]}\n'
        f"explanation = {s['explanation']}\n"
        f'choices = [{{ text = {s["choice"]}, correct = true }}, {{ text = "Other" }}]\n\n'
        f'[[questions]]\nid = "yes-no"\ntype = "truefalse"\nprompt = {s["prompt"]}\n'
        f"explanation = {s['explanation']}\nanswer = true\n\n"
        f'[[questions]]\nid = "order"\ntype = "ordering"\nprompt = {s["prompt"]}\n'
        f'explanation = {s["explanation"]}\nitems = [{s["item"]}, "Last"]\n\n'
        f'[[questions]]\nid = "gap"\ntype = "cloze"\nprompt = {s["prompt"]}\n'
        f"explanation = {s['explanation']}\ntext = {toml_str(text.cloze + ' ___.')}\n"
        f"blanks = [[{s['blank']}]]\n",
        encoding="utf-8",
    )
    return root
