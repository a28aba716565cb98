"""The ``llm-tutor`` command: opens the app, or runs one task in the plain terminal.

Thin on purpose: each command group lives in its own module with ``register(subparsers)``
(``tutor/plain/*``), and :func:`build_parser` has one line per module. A module's parser
names its command with :func:`tutor.plain.common.later` when the command's imports are heavy
(numpy, pydantic, the model client, the catalog), so opening the app loads only what its first
frame needs. Errors are printed as one clear message (``file:line: problem`` for content),
never as a traceback, with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from tutor.core.errors import PackError
from tutor.core.progress import StoreError
from tutor.plain.common import say, version

if TYPE_CHECKING:
    from tutor.app import TutorApp

Handler = Callable[[argparse.Namespace], int]


def open_app(args: argparse.Namespace) -> TutorApp:
    """The app that ``llm-tutor`` with no command runs (benchmarks and tests drive it headless)."""
    from tutor.app import create_app
    from tutor.core.pack_library import resolve_pack

    return create_app(resolve_pack(args.pack) if args.pack else None, watch=args.watch)


def run_app(args: argparse.Namespace) -> int:
    """No command: open the full-screen app."""
    open_app(args).run()
    return 0


class VersionAction(argparse.Action):
    """``--version``, which reads the installed version only when asked (the package metadata
    is not loaded at every start)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        help = "show program's version number and exit"  # argparse's own wording
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"llm-tutor {version()}")
        parser.exit()


def add_app_options(parser: argparse.ArgumentParser) -> None:
    """The options of the app itself (no command): the pack to open, and watching it."""
    parser.add_argument(
        "--pack",
        metavar="PATH|ID",
        help="open a lesson pack (a folder, or the id of an installed pack) instead of the course",
    )
    parser.add_argument(
        "--watch",
        action="store_true",
        help="reload a lesson or quiz when its file is saved, showing its problems in the app",
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree: the app's options, then one ``register`` line per module."""
    from tutor.plain import check, doctor, inside, lab, models, packs, prefs, progress, quiz, read

    parser = argparse.ArgumentParser(
        prog="llm-tutor",
        description="Learn how large language models work, with a real model running live.",
    )
    parser.add_argument("--version", action=VersionAction)
    add_app_options(parser)
    parser.set_defaults(func=run_app)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    progress.register(sub)
    doctor.register(sub)
    pack = sub.add_parser("pack", help="work with lesson packs")
    packsub = pack.add_subparsers(title="pack commands", metavar="ACTION", required=True)
    check.register(packsub)
    packs.register(packsub)
    packs.register_report(sub)
    quiz.register(sub)
    read.register(sub)
    prefs.register(sub)
    models.register(sub)
    inside.register(sub)
    lab.register(sub)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line read. Opening the app (no command, at most the app's own options) is
    read by a parser of those options alone: the whole tree of 38 command parsers, and the
    modules that define them, cost the app's start ~45 ms of CPU that its first frame does not
    need. Anything else (a command, ``--help``, ``--version``, a mistake) goes to the whole tree,
    so its help and its error messages are the same as ever."""
    app_only = argparse.ArgumentParser(prog="llm-tutor", add_help=False, exit_on_error=False)
    add_app_options(app_only)
    try:
        args, rest = app_only.parse_known_args(argv)
    except argparse.ArgumentError:  # e.g. --pack without its value: the whole tree says so
        return build_parser().parse_args(argv)
    if rest:
        return build_parser().parse_args(argv)
    args.func = run_app
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit status. The one guard of every command path: a
    content, store or file error is one clear line, and a reader that went away is a quiet
    stop (it is an OSError too, so it is caught first). Standard output closed outright
    (``llm-tutor lessons >&-``: ``sys.stdout`` is None, so every print would vanish and the
    command "succeed") is one line on standard error and a non-zero exit instead."""
    if sys.stdout is None:
        if sys.stderr is not None:
            say("llm-tutor: standard output is closed", sys.stderr)
        return 2
    try:
        try:
            return _run(argv)
        finally:
            if sys.stdout is not None:
                sys.stdout.flush()  # output a pipe buffered fails here, not at Python's exit
    except BrokenPipeError:
        # The reader went away (`llm-tutor lessons | head -1`): stop quietly, as Unix tools
        # do; stdout now goes nowhere, so Python's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool the pipe ended
    except OSError as exc:  # a file the command was told to read or write: its name, no traceback
        where = exc.filename if exc.filename is not None else "error"
        say(f"{where}: {exc.strerror or exc}", sys.stderr)
        return 1


def _run(argv: Sequence[str] | None) -> int:
    args = parse_args(argv)
    handler: Handler = args.func
    try:
        return handler(args)
    except PackError as exc:
        say(str(exc), sys.stderr)
        return 1
    except StoreError as exc:
        say(f"error: {exc}", sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
