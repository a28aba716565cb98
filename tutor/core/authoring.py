"""What an instructor does to a pack's files: scaffold a new pack, and bring GIFT in and out.

``new_pack`` writes a pack that passes ``pack check`` as created: a manifest with a fresh id,
one lesson with a demo block, one quiz with a question of every type and an author's README.
``import_gift`` / ``export_gift`` convert between a pack's quizzes and Moodle GIFT (the format
rules are in :mod:`tutor.core.gift`). Nothing here runs pack content; every file written is
checked by loading it back before it replaces anything.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from tutor.core.errors import PackError, Problem
from tutor.core.gift import parse_gift
from tutor.core.gift_write import to_gift
from tutor.core.pack import Pack, load_pack
from tutor.core.untrusted import slugify

MAX_GIFT_BYTES = 1_000_000


def new_pack(folder: Path, title: str) -> Path:
    """Scaffold a pack in ``folder`` (which must not exist or be empty); returns its folder."""
    if folder.exists() and any(folder.iterdir()):
        raise PackError([Problem(folder, None, "already exists and is not empty")])
    slug = slugify(title, limit=40, fallback="pack")
    files = {
        "pack.toml": _MANIFEST.format(id=f"{slug}-{secrets.token_hex(3)}", title=_toml_str(title)),
        "lessons/01-getting-started.md": _LESSON,
        "quizzes/01-getting-started.toml": _QUIZ,
        "README.md": _README.format(title=title),
    }
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    load_pack(folder)  # what was written must pass the check it promises to pass
    return folder


def _toml_str(text: str) -> str:
    return tomli_w.dumps({"v": text}).split("=", 1)[1].strip()


@dataclass(frozen=True)
class GiftImport:
    """The outcome of ``import_gift``: the quiz file written, and what could not be kept."""

    quiz_path: Path
    imported: int
    problems: list[Problem]  # questions left out
    notes: list[Problem]  # imported, with something dropped


def import_gift(gift: Path, pack_dir: Path, lesson: str) -> GiftImport:
    """Add the questions of ``gift`` to the quiz of ``lesson`` in the pack at ``pack_dir``."""
    pack = load_pack(pack_dir)
    target = _quiz_path(pack, lesson)
    result = parse_gift(_read_gift(gift), gift)
    if not result.questions:
        raise PackError(result.problems or [Problem(gift, None, "no questions found")])
    existing = _raw_quiz(target) if target.is_file() else {"questions": []}
    taken = {q["id"] for q in existing["questions"]}
    for question in result.questions:
        question["id"] = _free_id(question["id"], taken)
    existing["questions"] = [*existing["questions"], *result.questions]
    _write_checked(target, existing, pack_dir)
    return GiftImport(target, len(result.questions), result.problems, result.notes)


def export_gift(pack: Pack) -> tuple[str, list[Problem]]:
    """Every quiz of ``pack`` as GIFT text (a ``$CATEGORY`` per lesson), and what was lost."""
    blocks, lost = [f"// {pack.title} ({pack.id} {pack.version}), written by llm-tutor"], []
    for lesson in pack.lessons:
        if lesson.quiz_path is None:
            continue
        blocks.append(f"$CATEGORY: {pack.id}/{lesson.slug}")
        for question in _raw_quiz(lesson.quiz_path)["questions"]:
            text, dropped = to_gift(question)
            for what in dropped:
                lost.append(Problem(lesson.quiz_path, None, f"question '{question['id']}': {what}"))
            if text is not None:
                blocks.append(text)
    return "\n\n".join(blocks) + "\n", lost


def _quiz_path(pack: Pack, slug: str) -> Path:
    try:
        lesson = pack.lesson(slug)
    except KeyError:
        known = ", ".join(lesson.slug for lesson in pack.lessons)
        raise PackError(
            [Problem(pack.root / "pack.toml", None, f"no lesson '{slug}' (lessons: {known})")]
        ) from None
    return lesson.quiz_path or pack.root / "quizzes" / f"{lesson.path.stem}.toml"


def _read_gift(path: Path) -> str:
    try:
        with path.open("rb") as f:
            data = f.read(MAX_GIFT_BYTES + 1)
    except OSError as exc:
        raise PackError([Problem(path, None, f"cannot read: {exc.strerror}")]) from exc
    if len(data) > MAX_GIFT_BYTES:
        raise PackError([Problem(path, None, f"larger than {MAX_GIFT_BYTES:,} bytes")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PackError([Problem(path, line, "not UTF-8 text")]) from exc


def _raw_quiz(path: Path) -> dict[str, Any]:
    """A quiz file as plain TOML data (the pack has already validated it)."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _free_id(wanted: str, taken: set[str]) -> str:
    candidate, n = wanted, 2
    while candidate in taken:
        candidate, n = f"{wanted}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _write_checked(target: Path, quiz: dict[str, Any], pack_dir: Path) -> None:
    """Write ``quiz`` to ``target`` only if the pack still loads with it; else keep the old file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    old = target.read_bytes() if target.exists() else None
    tmp.write_text(tomli_w.dumps(quiz), encoding="utf-8")
    os.replace(tmp, target)
    try:
        load_pack(pack_dir)
    except PackError:
        if old is None:
            target.unlink()
        else:
            target.write_bytes(old)
        raise


_MANIFEST = """\
# A lesson pack for llm-tutor. Format: docs/pack-format.md; from here to sharing:
# docs/authoring.md. Check it with `llm-tutor pack check .`
format_version = 1
id = "{id}"  # never change it once learners have progress: progress is keyed on it
title = {title}
version = "0.1.0"  # raise it for every release you share; installs refuse a downgrade
authors = ["Your Name"]
licence = "CC-BY-4.0"
lessons = ["getting-started"]
"""

_LESSON = """\
+++
title = "Getting started"
summary = "What a next-token prediction looks like, live."
minutes = 10
objectives = ["Read a next-token distribution", "Say what a token is"]
+++

# Getting started

A language model reads text as **tokens** and, at each step, gives a probability to every
token in its vocabulary. Write your lesson here in Markdown; headings become the contents.

## Try it

```demo
kind = "next-token"
prompt = "The capital of France is"
```

Ask the learner what to look for: which token comes first, and how sure the model is.

## Summary

- A model predicts the next token; text is generated one token at a time.
"""

_QUIZ = """\
title = "Check your understanding"

[[questions]]
id = "what-it-predicts"
type = "single"
prompt = "What does a language model predict at each step?"
explanation = "A probability for every token in its vocabulary; one is then chosen."
hint = "Think about the very next piece of text."
choices = [
  { text = "The next token", correct = true },
  { text = "The topic of the text", feedback = "The topic is not what it is trained on." },
  { text = "A grammar tree" },
]

[[questions]]
id = "sampling-settings"
type = "multiple"
prompt = "Which of these change how the next token is chosen?"
explanation = "Temperature and top-p reshape the distribution; the vocabulary is fixed."
choices = [
  { text = "Temperature", correct = true },
  { text = "Top-p", correct = true },
  { text = "The size of the vocabulary" },
]

[[questions]]
id = "softmax-sums"
type = "truefalse"
prompt = "The probabilities of all next tokens add up to 1."
explanation = "Softmax divides each exponential by their total, so they sum to 1."
answer = true

[[questions]]
id = "softmax-name"
type = "short"
prompt = "Which function turns the model's scores (logits) into probabilities?"
explanation = "Softmax: exponentiate every score, then divide by the total."
answers = ["softmax", "the softmax function"]

[[questions]]
id = "thousand-tokens"
type = "numeric"
prompt = "About how many tokens are 750 English words, at 0.75 words per token?"
explanation = "750 / 0.75 = 1,000 tokens."
answer = 1000
tolerance = 50
unit = "tokens"

[[questions]]
id = "pipeline-order"
type = "ordering"
prompt = "Put the steps of choosing one token in order."
explanation = "Text becomes tokens, the model scores them, softmax normalises, one is sampled."
items = ["Tokenize", "Compute logits", "Softmax", "Sample"]

[[questions]]
id = "attention-cloze"
type = "cloze"
prompt = "Fill in the blanks."
explanation = "Queries are compared with keys; the resulting weights mix the values."
text = "Queries are compared with ___ to weight the ___."
blanks = [["keys", "key"], ["values", "value"]]
"""

_README = """\
# {title}

A lesson pack for llm-tutor. Start here:

- `pack.toml`: the pack's id, title, version and lesson order.
- `lessons/NN-slug.md`: one Markdown lesson per file, with TOML front matter.
- `quizzes/NN-slug.toml`: the quiz of the lesson with the same file name.

Open it while you write, reloading on every save: `llm-tutor --pack . --watch`
Check it before sharing: `llm-tutor pack check .` (and `--live` for the demo expectations)
Share it: `llm-tutor pack build .` writes one .zip that `llm-tutor pack install` accepts.

The format: docs/pack-format.md; the whole path from here to sharing: docs/authoring.md
(both in llm-tutor's repository and source distribution).
"""
