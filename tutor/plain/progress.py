"""``llm-tutor lessons`` and ``llm-tutor progress [export|import|reset]`` in the plain terminal."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from tutor.core import paths
from tutor.plain.common import load_pack_arg, opened_store, read_answer, say


def list_lessons(args: argparse.Namespace) -> int:
    """Every lesson of the pack with its status, reading time and best quiz score."""
    pack = load_pack_arg(args)
    with opened_store() as store:
        progress = store.lesson_progress(pack.id)
        best = store.best_quiz_scores(pack.id)
    say(f"{pack.title} ({pack.id} {pack.version})")
    for number, lesson in enumerate(pack.lessons, start=1):
        state = progress.get(lesson.slug)
        status = state.status.replace("_", " ") if state else "new"
        score = f"  quiz {round(best[lesson.slug] * 100)}%" if lesson.slug in best else ""
        say(f"{number:2d}. {lesson.slug:<28} {status:<12} {lesson.minutes:>3} min{score}")
    return 0


def show_progress(args: argparse.Namespace) -> int:
    """A summary: lessons done, time spent, quiz average, the last lesson."""
    pack = load_pack_arg(args)
    with opened_store() as store:
        progress = store.lesson_progress(pack.id)
        best = store.best_quiz_scores(pack.id)
        last = store.last_lesson(pack.id)
    done = sum(1 for p in progress.values() if p.status == "done")
    started = sum(1 for p in progress.values() if p.status == "in_progress")
    minutes = sum(p.seconds for p in progress.values()) / 60
    say(f"{pack.title}: {done} of {len(pack.lessons)} lessons done, {started} in progress")
    say(f"Time spent: {minutes:.0f} min")
    if best:
        mean = sum(best.values()) / len(best)
        say(f"Quizzes taken: {len(best)}, average best score {mean:.0%}")
    if last:
        say(f"Last lesson: {last}")
    say(f"Data directory: {paths.data_dir()}")
    return 0


def export_cmd(args: argparse.Namespace) -> int:
    """Write all progress to a JSON file."""
    from tutor.core.transfer import export_progress  # pydantic loads only for this command

    with opened_store() as store:
        export_progress(store, Path(args.file), learner=args.learner)
    say(f"Progress written to {args.file}")
    return 0


def import_cmd(args: argparse.Namespace) -> int:
    """Merge a JSON export into this machine's progress."""
    from tutor.core.transfer import import_progress  # pydantic loads only for this command

    with opened_store() as store:
        added = import_progress(store, Path(args.file))
    say(f"Merged {args.file}: {added} new or newer records")
    return 0


def reset_cmd(args: argparse.Namespace, stdin: TextIO | None = None) -> int:
    """Start a lesson (or every lesson) afresh, after asking; history is kept."""
    pack = load_pack_arg(args)
    if args.lesson is not None:
        try:
            pack.lesson(args.lesson)
        except KeyError:
            say(f"error: no lesson '{args.lesson}' in {pack.id}", sys.stderr)
            return 2
    what = f"lesson '{args.lesson}'" if args.lesson else f"every lesson of '{pack.title}'"
    if not args.yes:
        source = stdin or sys.stdin
        if source is None:
            say(
                "error: standard input is closed, so nothing can be confirmed; add --yes",
                sys.stderr,
            )
            return 2
        print(f"Reset progress of {what}? History is kept but status starts afresh. [y/N] ", end="")
        sys.stdout.flush()
        answer = read_answer(source)
        if answer is None or answer.strip().lower() not in {"y", "yes"}:
            say("Nothing changed.")
            return 1
    with opened_store() as store:
        store.reset(pack.id, args.lesson)
    say(f"Progress of {what} reset.")
    return 0


def register(subparsers: Any) -> None:
    """Add ``lessons`` and ``progress`` (with export, import and reset)."""
    lessons = subparsers.add_parser("lessons", help="list lessons with their status")
    lessons.set_defaults(func=list_lessons)
    progress = subparsers.add_parser("progress", help="show, export, import or reset progress")
    progress.set_defaults(func=show_progress)
    actions = progress.add_subparsers(title="progress commands", metavar="ACTION")
    export = actions.add_parser("export", help="write all progress to a JSON file")
    export.add_argument("file")
    export.add_argument(
        "--learner", metavar="NAME", help="label the file with your name (for a class report)"
    )
    export.set_defaults(func=export_cmd)
    imp = actions.add_parser("import", help="merge progress from a JSON file (by timestamps)")
    imp.add_argument("file")
    imp.set_defaults(func=import_cmd)
    reset = actions.add_parser("reset", help="start a lesson (or everything) afresh; asks first")
    reset.add_argument("lesson", nargs="?", help="lesson slug (default: every lesson)")
    reset.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    reset.set_defaults(func=reset_cmd)
