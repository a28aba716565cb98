"""The ``llm-tutor`` command: opens the app, or runs one task in the plain terminal.

Every subcommand has ``--help``. Errors are printed as one clear message (``file:line:
problem`` for content), never as a traceback, and give a non-zero exit code.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import TextIO

from tutor.core import paths
from tutor.core.errors import PackError
from tutor.core.pack import Pack, load_pack
from tutor.core.pack_archive import resolve_pack
from tutor.core.progress import ProgressStore, StoreError
from tutor.core.transfer import export_progress, import_progress
from tutor.plain import packs as pack_commands

Handler = Callable[[argparse.Namespace], int]


def version() -> str:
    try:
        return metadata.version("llm-tutor")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _pack(args: argparse.Namespace) -> Pack:
    return load_pack(resolve_pack(args.pack) if args.pack else paths.builtin_course_dir())


def _store() -> ProgressStore:
    store = ProgressStore.open()
    for notice in store.report.notices:
        print(f"warning: {notice}", file=sys.stderr)
    return store


# -- handlers ----------------------------------------------------------------------------


def run_app(args: argparse.Namespace) -> int:
    from tutor.app import create_app

    create_app(resolve_pack(args.pack) if args.pack else None).run()
    return 0


def list_lessons(args: argparse.Namespace) -> int:
    pack = _pack(args)
    with _store() as store:
        progress = store.lesson_progress(pack.id)
        best = store.best_quiz_scores(pack.id)
    print(f"{pack.title} ({pack.id} {pack.version})")
    for number, lesson in enumerate(pack.lessons, start=1):
        state = progress.get(lesson.slug)
        status = state.status.replace("_", " ") if state else "new"
        score = f"  quiz {round(best[lesson.slug] * 100)}%" if lesson.slug in best else ""
        print(f"{number:2d}. {lesson.slug:<28} {status:<12} {lesson.minutes:>3} min{score}")
    return 0


def show_progress(args: argparse.Namespace) -> int:
    pack = _pack(args)
    with _store() as store:
        progress = store.lesson_progress(pack.id)
        best = store.best_quiz_scores(pack.id)
        last = store.last_lesson(pack.id)
    done = sum(1 for p in progress.values() if p.status == "done")
    started = sum(1 for p in progress.values() if p.status == "in_progress")
    minutes = sum(p.seconds for p in progress.values()) / 60
    print(f"{pack.title}: {done} of {len(pack.lessons)} lessons done, {started} in progress")
    print(f"Time spent: {minutes:.0f} min")
    if best:
        mean = sum(best.values()) / len(best)
        print(f"Quizzes taken: {len(best)}, average best score {mean:.0%}")
    if last:
        print(f"Last lesson: {last}")
    print(f"Data directory: {paths.data_dir()}")
    return 0


def export_cmd(args: argparse.Namespace) -> int:
    with _store() as store:
        export_progress(store, Path(args.file), learner=args.learner)
    print(f"Progress written to {args.file}")
    return 0


def import_cmd(args: argparse.Namespace) -> int:
    with _store() as store:
        added = import_progress(store, Path(args.file))
    print(f"Merged {args.file}: {added} new or newer records")
    return 0


def reset_cmd(args: argparse.Namespace, stdin: TextIO | None = None) -> int:
    pack = _pack(args)
    if args.lesson is not None:
        try:
            pack.lesson(args.lesson)
        except KeyError:
            print(f"error: no lesson '{args.lesson}' in {pack.id}", file=sys.stderr)
            return 2
    what = f"lesson '{args.lesson}'" if args.lesson else f"every lesson of '{pack.title}'"
    if not args.yes:
        print(f"Reset progress of {what}? History is kept but status starts afresh. [y/N] ", end="")
        sys.stdout.flush()
        if (stdin or sys.stdin).readline().strip().lower() not in {"y", "yes"}:
            print("Nothing changed.")
            return 1
    with _store() as store:
        store.reset(pack.id, args.lesson)
    print(f"Progress of {what} reset.")
    return 0


def doctor(args: argparse.Namespace) -> int:
    for line in doctor_lines():
        print(line)
    return 0


def doctor_lines() -> list[str]:
    lines = [f"llm-tutor {version()}", f"Python {platform.python_version()} ({sys.executable})"]
    for dist in ("textual", "rich", "llama-cpp-python", "huggingface-hub", "numpy", "fsrs"):
        try:
            lines.append(f"  {dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            lines.append(f"  {dist}: not installed")
    home = paths.data_dir()
    lines.append(f"Data directory: {home} ({_writable(home)})")
    size = shutil.get_terminal_size(fallback=(0, 0))
    fits = "ok" if size.columns >= 80 and size.lines >= 24 else "needs at least 80x24"
    lines.append(
        f"Terminal: {size.columns}x{size.lines} ({fits}), TERM={os.environ.get('TERM', '')}"
    )
    colour = (
        "off (NO_COLOR set)" if "NO_COLOR" in os.environ else os.environ.get("COLORTERM", "basic")
    )
    lines.append(f"Colour: {colour}")
    try:
        from tutor.runtime.cli import doctor_lines as model_lines

        lines += model_lines()
    except ImportError as exc:
        lines.append(f"Model runtime: unavailable ({exc})")
    except Exception as exc:  # doctor diagnoses; it must never end in a traceback
        lines.append(f"Model runtime: check failed ({type(exc).__name__}: {exc})")
    return lines


def _writable(folder: Path) -> str:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return f"NOT writable: {exc.strerror}"
    return "writable"


def pack_check(args: argparse.Namespace) -> int:
    from tutor.core.check import check_pack

    root = Path(args.path)
    problems, summary = check_pack(root)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found in {root}", file=sys.stderr)
        return 1
    print(summary)
    return 0


def quiz_cmd(args: argparse.Namespace) -> int:
    from tutor.quiz_cli import run_quiz

    pack = _pack(args)
    with _store() as store:
        return run_quiz(pack, args.lesson, store, sys.stdin, sys.stdout)


def review_cmd(args: argparse.Namespace) -> int:
    from tutor.quiz_cli import run_review

    pack = _pack(args)
    with _store() as store:
        return run_review(pack, store, sys.stdin, sys.stdout)


# -- parser ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-tutor",
        description="Learn how large language models work, with a real model running live.",
    )
    parser.add_argument("--version", action="version", version=f"llm-tutor {version()}")
    parser.add_argument(
        "--pack",
        metavar="PATH|ID",
        help="open a lesson pack (a folder, or the id of an installed pack) instead of the course",
    )
    parser.set_defaults(func=run_app)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    sub.add_parser("lessons", help="list lessons with their status").set_defaults(func=list_lessons)

    progress = sub.add_parser("progress", help="show, export, import or reset progress")
    progress.set_defaults(func=show_progress)
    psub = progress.add_subparsers(title="progress commands", metavar="ACTION")
    export = psub.add_parser("export", help="write all progress to a JSON file")
    export.add_argument("file")
    export.add_argument(
        "--learner", metavar="NAME", help="label the file with your name (for a class report)"
    )
    export.set_defaults(func=export_cmd)
    imp = psub.add_parser("import", help="merge progress from a JSON file (by timestamps)")
    imp.add_argument("file")
    imp.set_defaults(func=import_cmd)
    reset = psub.add_parser("reset", help="start a lesson (or everything) afresh; asks first")
    reset.add_argument("lesson", nargs="?", help="lesson slug (default: every lesson)")
    reset.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    reset.set_defaults(func=reset_cmd)

    sub.add_parser("doctor", help="check the installation and environment").set_defaults(
        func=doctor
    )

    pack = sub.add_parser("pack", help="work with lesson packs")
    packsub = pack.add_subparsers(title="pack commands", metavar="ACTION", required=True)
    check = packsub.add_parser("check", help="validate a pack: prints file:line: problem")
    check.add_argument("path", help="the pack folder (the one holding pack.toml)")
    check.set_defaults(func=pack_check)
    pack_commands.register(packsub)
    pack_commands.register_report(sub)

    quiz = sub.add_parser("quiz", help="take a lesson's quiz in the plain terminal")
    quiz.add_argument("lesson", help="lesson slug")
    quiz.set_defaults(func=quiz_cmd)
    sub.add_parser("review", help="review due questions in the plain terminal").set_defaults(
        func=review_cmd
    )
    try:
        from tutor.runtime.cli import register
    except ImportError:
        pass
    else:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.func
    try:
        return handler(args)
    except PackError as exc:
        print(exc, file=sys.stderr)
        return 1
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
