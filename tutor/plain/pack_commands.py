"""The instructor's commands behind ``llm-tutor pack ...`` and ``report`` (their parsers are in
:mod:`tutor.plain.packs`, which ``llm-tutor`` loads at every start; these load authoring,
archives and reports, with pydantic, only when one runs).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from tutor.core import paths
from tutor.core.authoring import export_gift, import_gift, new_pack
from tutor.core.errors import Problem
from tutor.core.pack import load_pack
from tutor.core.pack_archive import build_pack, install_pack
from tutor.core.pack_library import installed_packs, packs_dir, remove_pack, resolve_pack
from tutor.core.report import build_report, write_csv
from tutor.core.sanitize import clean_text


def cmd_new(args: argparse.Namespace) -> int:
    folder = new_pack(Path(args.dir), args.title)
    print(f"Created {folder}: edit lessons/ and quizzes/, then `llm-tutor pack check {folder}`")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    built = build_pack(Path(args.dir), Path(args.output) if args.output else None)
    print(f"Built {built} ({built.stat().st_size:,} bytes)")
    return 0


def cmd_install(args: argparse.Namespace) -> int:
    installed, replaced = install_pack(Path(args.source))
    upgrade = f", replacing version {replaced.version}" if replaced else ""
    print(f"Installed {clean_text(installed.title)} ({installed.id} {installed.version}{upgrade})")
    print(f"Open it with: llm-tutor --pack {installed.id}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    found = installed_packs()
    if not found:
        print(f"No packs installed (in {packs_dir()}). Install one with `llm-tutor pack install`.")
        return 0
    for pack in found:
        print(f"{pack.id:<32} {pack.version:<10} {clean_text(pack.title)}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    if remove_pack(args.id):
        print(f"Removed {args.id} (your progress in it is kept)")
        return 0
    print(
        f"error: no installed pack '{clean_text(args.id)}' (see `llm-tutor pack list`)",
        file=sys.stderr,
    )
    return 1


def cmd_import_gift(args: argparse.Namespace) -> int:
    outcome = import_gift(Path(args.file), Path(args.into), args.lesson)
    for problem in outcome.problems:
        print(f"{problem} (not imported)", file=sys.stderr)
    for note in outcome.notes:
        print(f"{note}", file=sys.stderr)
    print(f"Imported {outcome.imported} questions into {outcome.quiz_path}")
    return 0


def cmd_export_gift(args: argparse.Namespace) -> int:
    text, lost = export_gift(load_pack(Path(args.dir)))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    _summarise_lost(lost)
    return 0


def _summarise_lost(lost: list[Problem]) -> None:
    """What GIFT could not carry: counts for hints and tags, every skipped question by name."""
    kinds = Counter(p.message.split(": ", 1)[1] for p in lost)
    for kind in ("hint dropped", "tags dropped", "unit dropped", "pattern dropped"):
        if kinds[kind]:
            print(
                f"note: {kinds[kind]} questions: {kind} (GIFT has no such field)", file=sys.stderr
            )
    for problem in lost:
        if "several blanks" in problem.message:
            print(f"{problem} (left out)", file=sys.stderr)


def cmd_report(args: argparse.Namespace) -> int:
    pack = load_pack(
        resolve_pack(args.report_pack) if args.report_pack else paths.builtin_course_dir()
    )
    report = build_report(pack, [Path(f) for f in args.files])
    _print_report(report)
    if args.csv:
        learners, questions = write_csv(report, Path(args.csv))
        print(f"\nWrote {learners} and {questions}")
    return 0


def _print_report(report: Any) -> None:
    print(f"{len(report.learners)} learners: {', '.join(report.learners)}\n")
    head = ("learner", "lesson", "done", "min", "best", "tries", "due", "guesses")
    print("{:<16} {:<28} {:<4} {:>5} {:>5} {:>5} {:>4} {:>7}".format(*head))
    for r in report.lessons:
        if not (r.done or r.minutes or r.attempts or r.predictions):
            continue
        best = "" if r.best_score is None else f"{r.best_score:.0%}"
        guesses = f"{r.predictions_right}/{r.predictions}" if r.predictions else ""
        print(
            f"{r.learner[:16]:<16} {r.lesson[:28]:<28} {'yes' if r.done else '':<4} "
            f"{r.minutes:>5.1f} {best:>5} {r.attempts:>5} {r.due_reviews:>4} {guesses:>7}"
        )
    if report.questions:
        print("\nQuestions, hardest first:")
        for q in sorted(report.questions, key=lambda q: q.right_share)[:20]:
            wrong = (
                f'  most chosen wrong: "{q.common_wrong}" ×{q.common_wrong_count}'
                if q.common_wrong
                else ""
            )
            print(
                f"  {q.right_share:>4.0%} right of {q.learners}  {q.lesson}/{q.question_id}{wrong}"
            )
