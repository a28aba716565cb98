"""``llm-tutor read LESSON``: a lesson as plain text, for screen readers and plain terminals.

The lesson's Markdown is printed as written (it reads well as text), after a short heading
with the summary, reading time and objectives. Each live-demo block becomes the plain command
that runs the same demo (``tutor.core.demo.plain_command``), so nothing is lost without the
full-screen app. On a terminal the text goes through ``$PAGER`` (``less`` when unset);
piped or redirected, it is printed as is.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING, Any, TextIO

from tutor.core.demo_block import DEMO_BLOCK
from tutor.core.pack import Lesson, Pack
from tutor.core.sanitize import clean_text
from tutor.plain.common import load_pack_arg, say

if TYPE_CHECKING:
    from tutor.core.demo import Demo


def lesson_text(pack: Pack, lesson: Lesson) -> str:
    """The whole lesson as plain text: heading, objectives, then the body with demo commands."""
    number = [item.slug for item in pack.lessons].index(lesson.slug) + 1
    lines = [
        f"Lesson {number} of {len(pack.lessons)}: {lesson.title}",
        f"{lesson.summary} ({lesson.minutes} min)",
        "",
        "After this lesson you can:",
        *(f"- {objective}" for objective in lesson.objectives),
        "",
    ]
    demos = iter(lesson.demos)
    body = DEMO_BLOCK.sub(lambda _match: demo_text(next(demos)), lesson.body)
    return clean_text("\n".join(lines) + "\n" + body.strip("\n") + "\n")


def demo_text(demo: Demo) -> str:
    """A demo block in plain text: what it is, and the command that runs it."""
    from tutor.core.demo import shell_command  # the demo specs (pydantic): not at every start

    spec = demo.spec
    lines = [
        f"[Live demo {demo.index + 1}: {spec.kind}. Run it with:]",
        f"    {shell_command(spec)}",
    ]
    if spec.predict:
        lines.insert(1, "(Guess what the model will do before you run it.)")
    return "\n".join(lines)


def find_lesson(pack: Pack, name: str) -> Lesson | None:
    """The lesson called ``name``: its slug, or its number in the pack (1-based)."""
    if name.isascii() and name.isdigit() and 1 <= int(name) <= len(pack.lessons):
        return pack.lessons[int(name) - 1]
    try:
        return pack.lesson(name)
    except KeyError:
        return None


def show(text: str, out: TextIO) -> None:
    """Page ``text`` when ``out`` is a terminal and a pager can be started; else print it."""
    if out.isatty():
        pager = shlex.split(os.environ.get("PAGER") or "less")
        if pager and shutil.which(pager[0]):
            env = {**os.environ, "LESS": os.environ.get("LESS", "FX")}  # quit if one screen
            try:
                subprocess.run(pager, input=text, text=True, env=env, check=False)
                return
            except OSError:
                pass  # the pager could not start: print instead
    out.write(text)
    out.flush()


def read_cmd(args: argparse.Namespace) -> int:
    """Print (or page) one lesson; 2 when there is no such lesson."""
    pack = load_pack_arg(args)
    lesson = find_lesson(pack, args.lesson)
    if lesson is None:
        known = ", ".join(item.slug for item in pack.lessons)
        say(f"error: no lesson {args.lesson!r} in {pack.id} (lessons: {known})", sys.stderr)
        return 2
    show(lesson_text(pack, lesson), sys.stdout)
    return 0


def register(subparsers: Any) -> None:
    """Add ``read``."""
    read = subparsers.add_parser(
        "read",
        help="print a lesson as plain text (paged on a terminal), demos as commands",
        description="Print a lesson as plain text, for screen readers and plain terminals. "
        "Each live demo is shown as the plain command that runs it. On a terminal the text "
        "goes through $PAGER (less by default); piped, it is printed as is.",
    )
    read.add_argument("lesson", help="the lesson's slug or number (see `llm-tutor lessons`)")
    read.set_defaults(func=read_cmd)
