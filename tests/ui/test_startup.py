"""The first frame loads only what the outline needs (the speed itself is a benchmark figure:
benchmarks/bench_startup.py). A regression here is an eager import, caught by name."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import repo_env

FIRST_FRAME = """
import asyncio, json, sys
from tutor.app import create_app

async def main() -> None:
    app = create_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()

asyncio.run(main())
print(json.dumps(sorted(sys.modules)))
"""

# What ``llm-tutor`` with no arguments runs: the command line is read, then the app opens.
CLI_FIRST_FRAME = FIRST_FRAME.replace(
    "from tutor.app import create_app",
    "from tutor.cli import open_app, parse_args",
).replace("app = create_app()", "app = open_app(parse_args([]))")

# Loaded on first use: the model runtime (and numpy with it), the quiz models and grading,
# every screen but the outline, and the lab with the Markdown parser its demo cards use.
NOT_AT_START = [
    "numpy",
    "tutor.runtime",
    "tutor.core.quiz",
    "tutor.core.grading",
    "tutor.core.session",
    "tutor.ui.screens.lesson",
    "tutor.ui.screens.quiz",
    "tutor.ui.screens.model",
    "tutor.ui.screens.help",
    "tutor.ui.lab.picker",
    "tutor.ui.lesson_text",
    "markdown_it",
    "tutor.core.pack_archive",  # building and installing packs (zipfile): pack_library lists them
    "tutor.ui.pack_watch",  # --watch only
]


def first_frame_modules(script: str = FIRST_FRAME) -> set[str]:
    """The modules loaded by one start of the app, in a fresh interpreter, to its first frame."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=repo_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "tutor.ui.screens.outline" in loaded  # it did reach the outline
    return loaded


def test_the_first_frame_imports_only_what_the_outline_needs() -> None:
    loaded = first_frame_modules()
    assert [name for name in NOT_AT_START if name in loaded] == []


def test_a_course_checked_once_starts_without_pydantic() -> None:
    """The first start checks the course in full (pydantic); later ones find it checked
    (``tutor.core.pack_checked``) and leave pydantic, the pack schema and the demo specs out."""
    assert "pydantic" in first_frame_modules()
    later = first_frame_modules()
    assert [
        m for m in ("pydantic", "tutor.core.pack_schema", "tutor.core.demo") if m in later
    ] == []


def test_the_command_opens_the_app_without_the_commands_imports() -> None:
    """``llm-tutor`` with no command reads its line without the command tree: neither the
    commands' parsers nor their code (numpy, the model client, the quiz models, pydantic once
    the course is checked) is loaded before the first frame."""
    first_frame_modules(CLI_FIRST_FRAME)  # the first start checks the course (pydantic)
    loaded = first_frame_modules(CLI_FIRST_FRAME)
    heavy = [*NOT_AT_START, "pydantic", "tutor.runtime.client", "tutor.runtime.types"]
    heavy += ["tutor.plain.inside", "tutor.plain.lab", "tutor.core.check"]
    heavy += ["tutor.runtime.cli", "tutor.runtime.catalog", "tutor.core.preferences"]
    assert [name for name in heavy if name in loaded] == []


def test_the_app_options_alone_open_the_app_and_anything_else_reads_the_whole_tree() -> None:
    """The short way in takes only the app's own options; a command, help or a mistake is read
    by the whole tree, with its usual messages."""
    from tutor.cli import parse_args, run_app

    args = parse_args(["--pack", "some/pack", "--watch"])
    assert (args.func, args.pack, args.watch) == (run_app, "some/pack", True)
    assert parse_args(["lessons"]).func is not run_app
    with pytest.raises(SystemExit):
        parse_args(["--pack"])  # no value: argparse's own message, from the whole tree
