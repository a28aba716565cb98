"""``llm-tutor pack check PATH``: every problem in a pack, one ``file:line: problem`` a line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tutor.plain.common import say


def pack_check(args: argparse.Namespace) -> int:
    """Print each problem; 1 when there is any, else the summary and 0."""
    from tutor.core.check import check_pack  # the quiz models (pydantic): not at every start

    root = Path(args.path)
    problems, summary = check_pack(root)
    for problem in problems:
        say(str(problem))
    if problems:
        say(f"{len(problems)} problem(s) found in {root}", sys.stderr)
        return 1
    say(summary)
    if args.live:
        from tutor.core.pack import load_pack
        from tutor.plain.live_check import run_live_check

        return run_live_check(load_pack(root), args.model)
    return 0


def register(packsub: Any) -> None:
    """Add ``check`` to the ``pack`` command's actions."""
    check = packsub.add_parser("check", help="validate a pack: prints file:line: problem")
    check.add_argument("path", help="the pack folder (the one holding pack.toml)")
    check.add_argument(
        "--live",
        action="store_true",
        help="also run every demo block's expectations on the model (greedy or seeded)",
    )
    check.add_argument(
        "--model",
        metavar="ID_OR_PATH",
        help="with --live: a catalog id or .gguf path (default: the catalog's default model)",
    )
    check.set_defaults(func=pack_check)
