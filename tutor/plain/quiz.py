"""``llm-tutor quiz LESSON`` and ``llm-tutor review``: the plain-terminal quiz front end.

The questions are asked by ``tutor.plain.asking``, imported only when one of these commands
runs, so that starting the app does not pay for it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tutor.plain.common import load_pack_arg, opened_store

_CLOSED = "error: standard input is closed: the {} reads your answers from it"


def quiz_cmd(args: argparse.Namespace) -> int:
    """``llm-tutor quiz LESSON``."""
    if sys.stdin is None:
        print(_CLOSED.format("quiz"), file=sys.stderr)
        return 2
    from tutor.plain.asking import run_quiz

    pack = load_pack_arg(args)
    with opened_store() as store:
        return run_quiz(pack, args.lesson, store, sys.stdin, sys.stdout)


def review_cmd(args: argparse.Namespace) -> int:
    """``llm-tutor review``."""
    if sys.stdin is None:
        print(_CLOSED.format("review"), file=sys.stderr)
        return 2
    from tutor.plain.asking import run_review

    pack = load_pack_arg(args)
    with opened_store() as store:
        return run_review(pack, store, sys.stdin, sys.stdout)


def register(subparsers: Any) -> None:
    """Add ``quiz`` and ``review`` to the top-level commands."""
    quiz = subparsers.add_parser("quiz", help="take a lesson's quiz in the plain terminal")
    quiz.add_argument("lesson", help="lesson slug")
    quiz.set_defaults(func=quiz_cmd)
    review = subparsers.add_parser("review", help="review due questions in the plain terminal")
    review.set_defaults(func=review_cmd)
