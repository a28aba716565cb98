"""``llm-tutor pack check --live PATH``: run every demo block's expectations on the real model.

A lesson that says "the top candidate is ' Paris'" makes a claim about a model. The claim is
written next to the demo as expectation fields (docs/pack-format.md, "Expectations"), and this
module checks each one against the model, deterministically: greedy decoding unless the block
sets both a temperature and a seed. Every failure is reported as
``file:line: expectation failed: ...`` with what the model actually gave, so an author can fix
the sentence or the prompt. This module runs a pack and reports; what each expectation
means, and how a block's prompt is fed to the model, is in ``live_expectations``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from tutor.core.demo import Demo, DemoSpec
from tutor.core.pack import Lesson, Pack
from tutor.plain.live_expectations import EVALUATORS
from tutor.runtime.client import ModelClient

EXPECT_KEYS = (
    "expect_top",
    "expect_not_top",
    "expect_prob_above",
    "expect_prob_below",
    "expect_tokens",
    "expect_split",
    "expect_closer",
    "expect_text",
    "expect_attends",
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Failure:
    """One expectation the model did not meet, where it is written and what happened."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: expectation failed: {self.message}"


@dataclass(frozen=True)
class LiveReport:
    """What a live check found: failures, and how many expectations and blocks it ran."""

    failures: list[Failure]
    expectations: int
    blocks: int


# --- running a pack ----------------------------------------------------------------------------


def expectations_of(spec: DemoSpec) -> list[str]:
    """The expectation keys a block sets, in a fixed order."""
    return [key for key in EXPECT_KEYS if key in spec.model_fields_set]


def check_pack_live(pack: Pack, client: ModelClient, progress: Progress) -> LiveReport:
    """Evaluate every expectation of every demo block in ``pack`` with ``client``."""
    failures: list[Failure] = []
    expectations = blocks = 0
    for lesson in pack.lessons:
        checked = [demo for demo in lesson.demos if expectations_of(demo.spec)]
        if not checked:
            continue
        progress(f"checking {lesson.path.name}: {len(checked)} demo block(s)")
        for demo in checked:
            blocks += 1
            expectations += len(expectations_of(demo.spec))
            failures += check_demo(lesson, demo, client)
    return LiveReport(failures, expectations, blocks)


def check_demo(lesson: Lesson, demo: Demo, client: ModelClient) -> list[Failure]:
    """The failures of one demo block's expectations (an empty list when all hold)."""
    lines = _key_lines(lesson.path, demo.line)
    failures = []
    for key in expectations_of(demo.spec):
        problem = EVALUATORS[key](demo.spec, client)
        if problem is not None:
            failures.append(Failure(lesson.path, lines.get(key, demo.line), problem))
    return failures


def _key_lines(path: Path, fence_line: int) -> dict[str, int]:
    """The line of each ``key =`` inside the block whose opening fence is on ``fence_line``."""
    try:
        text = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    found: dict[str, int] = {}
    for number in range(fence_line + 1, len(text) + 1):
        line = text[number - 1]
        if line.startswith("```"):
            break
        match = re.match(r"\s*([A-Za-z_]+)\s*=", line)
        if match:
            found.setdefault(match.group(1), number)
    return found


# --- the command ------------------------------------------------------------------------------


def default_model_spec() -> str:
    """The catalog's default model (the built-in course is written for it), not the learner's
    own choice: a pack's claims are checked against the model its author measured."""
    from tutor.runtime.catalog import load_catalog

    return load_catalog().default


def run_live_check(
    pack: Pack, model: str | None, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Load the model, check every expectation, print failures; 0 if all hold, else 1."""
    from tutor.runtime.errors import ModelRuntimeError

    def progress(message: str) -> None:
        print(message, file=err, flush=True)

    if not any(expectations_of(d.spec) for lesson in pack.lessons for d in lesson.demos):
        print(f"{pack.root}: no demo block states an expectation; nothing to run", file=out)
        return 0
    spec = model or default_model_spec()
    client = ModelClient(spec)
    try:
        progress(f"loading the model {spec} ...")
        info = client.start()
        progress(f"loaded {info.name} ({info.quantization}); greedy decoding or fixed seeds")
        report = check_pack_live(pack, client, progress)
    except ModelRuntimeError as exc:
        print(f"pack check --live: the model could not run: {exc}", file=err)
        return 1
    finally:
        client.close()
    for failure in report.failures:
        print(failure, file=out)
    summary = (
        f"{report.expectations - len(report.failures)} of {report.expectations} expectation(s) "
        f"held in {report.blocks} demo block(s) of {pack.root}"
    )
    print(summary, file=err if report.failures else out)
    return 1 if report.failures else 0
