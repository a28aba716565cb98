"""Editorial checks on the built-in course: nothing copied from the source document, and every
numeric quiz answer recomputed from its own formula.

Run: ``.venv/bin/python benchmarks/editorial_check.py [--reference DIR_OR_FILE]``

1. **Copying.** The course is written anew from "Introduction to Large Language Models"
   (2023; docs/reference-map.toml). Both texts are cut into lower-case words (letters, digits
   and apostrophes); the script reports, per lesson and quiz file and overall, the longest run
   of words the course shares with the reference, how many of the course's word 8-grams occur in
   the reference (as a share), and every shared run of 8 or more words, so a reviewer can see
   whether it is a copied sentence or a common phrase ("the transformer architecture ...").
   The reference lives outside the repository: ``--reference``, else ``LLM_TUTOR_REFERENCE``,
   else ``../shared/reference`` next to the checkout or one level up.
2. **Numbers.** Every ``numeric`` question of the built-in quizzes has an independent formula
   in ``tests/course_numbers.py`` (written from the question's prompt, not from its answer);
   the script evaluates each and compares it with the stored answer and tolerance.

Prints figures; exits 1 when a shared run reaches ``--max-run`` words (default 12) or a number
does not match, so it can also gate a release.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # so tests.course_numbers imports when run as a script

WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
GRAM = 8  # the n of the reported n-gram share


@dataclass(frozen=True)
class Overlap:
    """What one course text shares with the reference."""

    name: str
    words: int
    longest: int  # longest shared run of words
    example: str  # one shared run of that length
    grams: int  # the text's word 8-grams
    shared_grams: int  # of those, how many occur in the reference
    runs: list[str]  # every maximal shared run of at least GRAM words

    @property
    def share(self) -> float:
        return self.shared_grams / self.grams if self.grams else 0.0


def words(text: str) -> list[str]:
    """Lower-case words: letters and digits, with an apostrophe suffix kept ("model's")."""
    return WORD.findall(text.lower().replace("’", "'"))


def ngrams(tokens: Sequence[str], n: int) -> set[tuple[str, ...]]:
    """Every run of ``n`` consecutive words."""
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def overlap(
    name: str, text: str, ref_words: Sequence[str], ref_grams: set[tuple[str, ...]]
) -> Overlap:
    """The shared runs of ``text`` with the reference (whose 8-grams are ``ref_grams``)."""
    tokens = words(text)
    starts = [i for i in range(len(tokens) - GRAM + 1) if tuple(tokens[i : i + GRAM]) in ref_grams]
    runs = _merge_runs(tokens, starts)
    example = max(runs, key=len) if runs else _longest_short_run(tokens, ref_words)
    grams = max(0, len(tokens) - GRAM + 1)
    return Overlap(name, len(tokens), len(example.split()), example, grams, len(starts), runs)


def _merge_runs(tokens: Sequence[str], starts: Sequence[int]) -> list[str]:
    """Consecutive shared 8-gram starts joined into maximal runs of words."""
    runs: list[str] = []
    begin = previous = None
    for start in [*starts, None]:
        if start is not None and previous is not None and start == previous + 1:
            previous = start
            continue
        if begin is not None and previous is not None:
            runs.append(" ".join(tokens[begin : previous + GRAM]))
        begin = previous = start
    return runs


def _longest_short_run(tokens: Sequence[str], ref_words: Sequence[str]) -> str:
    """The longest shared run when it is shorter than GRAM words (tried from GRAM - 1 down)."""
    for n in range(GRAM - 1, 0, -1):
        shared = sorted(ngrams(tokens, n) & ngrams(ref_words, n))
        if shared:
            return " ".join(shared[0])
    return ""


def course_texts(root: Path) -> Iterable[tuple[str, str]]:
    """(name, learner-facing text) for every lesson and quiz file of the course at ``root``.

    Reference lists are left out of the lessons: a citation's title is meant to match."""
    for path in sorted((root / "lessons").glob("*.md")):
        body = path.read_text(encoding="utf-8")
        yield path.name, body.split("\n## References", 1)[0]
    for path in sorted((root / "quizzes").glob("*.toml")):
        yield path.name, " ".join(_strings(tomllib.loads(path.read_text(encoding="utf-8"))))


def _strings(value: object) -> Iterable[str]:
    """Every string inside a parsed TOML value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def find_reference(given: str | None) -> Path | None:
    """The reference document(s): the argument, the environment variable, or a sibling folder."""
    candidates = [given, os.environ.get("LLM_TUTOR_REFERENCE")]
    candidates += [
        str(ROOT.parent / "shared" / "reference"),
        str(ROOT.parent.parent / "shared" / "reference"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return Path(candidate)
    return None


def reference_text(path: Path) -> str:
    """The text of a reference file, or of every .txt/.md file in a reference folder."""
    files = (
        [path]
        if path.is_file()
        else sorted(p for p in path.rglob("*") if p.suffix in {".txt", ".md"})
    )
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)


# --- numbers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberCheck:
    """One numeric question: the stored answer and tolerance against the recomputed value."""

    quiz: str
    question: str
    stored: float
    tolerance: float
    recomputed: float | None  # None: no formula written for it

    @property
    def ok(self) -> bool:
        return (
            self.recomputed is not None
            and abs(self.recomputed - self.stored) <= self.tolerance + 1e-9
        )


def check_numbers(root: Path) -> list[NumberCheck]:
    """Every numeric question of the course's quizzes, recomputed."""
    from tests.course_numbers import FORMULAS

    found = []
    for path in sorted((root / "quizzes").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for question in data.get("questions", []):
            if question.get("type") != "numeric":
                continue
            formula = FORMULAS.get((path.stem, question["id"]))
            value = formula() if formula else None
            found.append(
                NumberCheck(
                    path.stem,
                    question["id"],
                    float(question["answer"]),
                    float(question.get("tolerance", 0.0)),
                    value,
                )
            )
    return found


# --- the report ----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Print both checks' figures; 1 if a shared run is too long or a number is wrong."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", help="the source document, a file or a folder")
    parser.add_argument(
        "--max-run", type=int, default=12, help="longest shared run allowed (words)"
    )
    args = parser.parse_args(argv)
    bad = report_numbers(check_numbers(ROOT))
    reference = find_reference(args.reference)
    if reference is None:
        print("copying check skipped: no reference found (give --reference or LLM_TUTOR_REFERENCE)")
        return 1
    bad += report_copying(reference, args.max_run)
    return 1 if bad else 0


def report_copying(reference: Path, max_run: int) -> int:
    """Print the overlap figures; how many files reach ``max_run`` shared words."""
    ref_words = words(reference_text(reference))
    ref_grams = ngrams(ref_words, GRAM)
    results = [overlap(name, text, ref_words, ref_grams) for name, text in course_texts(ROOT)]
    print(f"\ncopying: course against {reference} ({len(ref_words):,} words)")
    print(f"{'file':34} {'words':>7} {'run':>6} {'shared 8-grams':>14}  longest shared run")
    for item in results:
        print(
            f"{item.name:34} {item.words:7,} {item.longest:6} {item.shared_grams:5} "
            f"({item.share:6.2%})  {item.example[:60]!r}"
        )
    total_grams = sum(item.grams for item in results)
    total_shared = sum(item.shared_grams for item in results)
    longest = max(results, key=lambda item: item.longest)
    print(
        f"overall: {sum(item.words for item in results):,} words; longest shared run "
        f"{longest.longest} words ({longest.name}: {longest.example!r}); "
        f"shared 8-grams {total_shared} of {total_grams:,} "
        f"({total_shared / max(1, total_grams):.3%})"
    )
    for item in results:
        for run in item.runs:
            print(f"  {item.name}: {len(run.split())} words: {run!r}")
    return sum(1 for item in results if item.longest >= max_run)


def report_numbers(checks: Sequence[NumberCheck]) -> int:
    """Print the recomputed numeric answers; how many do not match."""
    wrong = [check for check in checks if not check.ok]
    print(
        f"numbers: {len(checks) - len(wrong)} of {len(checks)} numeric answers "
        "recomputed and matching"
    )
    for check in wrong:
        shown = "no formula" if check.recomputed is None else f"recomputed {check.recomputed:g}"
        print(
            f"  {check.quiz} {check.question}: "
            f"stored {check.stored:g} ± {check.tolerance:g}, {shown}"
        )
    return len(wrong)


if __name__ == "__main__":
    raise SystemExit(main())
