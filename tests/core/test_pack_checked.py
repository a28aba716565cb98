"""A pack that passed a full check is not checked again at start-up, and nothing else skips one.

The app loads packs with ``checked=CheckedPacks()``: a pack whose files and rules are as they
were when it last passed is read without pydantic, and its demo blocks are checked when first
used. Everything else (an edited lesson, a changed rule, ``pack check``) runs every check.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.core import pack as pack_module
from tutor.core import paths
from tutor.core.errors import PackError
from tutor.core.pack import load_pack
from tutor.core.pack_checked import CheckedPacks


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A copy of the built-in course (real lessons, with demo blocks) that a test may edit."""
    source = paths.builtin_course_dir()
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(source / "pack.toml", root / "pack.toml")
    for folder in ("lessons", "quizzes"):
        shutil.copytree(source / folder, root / folder)
    return root


def remembered() -> list[str]:
    return json.loads(paths.checked_packs_file().read_text(encoding="utf-8"))["passed"]


def test_a_remembered_pack_loads_without_pydantic_and_reads_the_same(course: Path) -> None:
    strict = load_pack(course)
    assert load_pack(course, checked=CheckedPacks()) == strict  # checked in full, remembered
    assert len(remembered()) == 1
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tutor.core.pack import load_pack\n"
        "from tutor.core.pack_checked import CheckedPacks\n"
        f"pack = load_pack(Path({str(course)!r}), checked=CheckedPacks())\n"
        "print('pydantic' in sys.modules)\n"
        "demos = [lesson.demos for lesson in pack.lessons]\n"
        "print('pydantic' in sys.modules, sum(map(len, demos)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    count = sum(len(lesson.demos) for lesson in strict.lessons)
    assert count > 0
    # No pydantic to load the pack; the demo blocks are checked (with it) when first used.
    assert done.stdout.split("\n")[:2] == ["False", f"True {count}"]


def test_an_edited_lesson_is_checked_in_full_with_the_same_problems(course: Path) -> None:
    load_pack(course, checked=CheckedPacks())
    lesson = sorted((course / "lessons").glob("*.md"))[0]
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace("minutes = ", "minutes = 0 # ", 1), encoding="utf-8")
    with pytest.raises(PackError) as strict:
        load_pack(course)
    with pytest.raises(PackError) as at_start:
        load_pack(course, checked=CheckedPacks())
    assert "'minutes' must be between 1 and 180" in str(strict.value)
    assert at_start.value.problems == strict.value.problems
    assert len(remembered()) == 1  # the broken version is never remembered


def test_a_broken_demo_block_is_never_skipped(course: Path) -> None:
    """The demo blocks are part of the digest: a bad one fails the load, as it always did."""
    load_pack(course, checked=CheckedPacks())
    lesson = next(
        p for p in sorted((course / "lessons").glob("*.md")) if "```demo" in p.read_text()
    )
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace("```demo\n", "```demo\ntemperature = 99\n", 1), "utf-8")
    with pytest.raises(PackError) as at_start:
        load_pack(course, checked=CheckedPacks())
    assert "demo block: 'temperature'" in str(at_start.value)


def test_a_change_to_the_rules_checks_again(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_pack(course, checked=CheckedPacks())
    monkeypatch.setattr(pack_module, "_rules_digest", lambda: b"the rules of another version")
    load_pack(course, checked=CheckedPacks())
    assert len(remembered()) == 2  # the same files under other rules: a new full check


def test_a_record_that_cannot_be_written_only_costs_a_check(course: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    checked = CheckedPacks(blocked / "checked-packs.json")
    assert load_pack(course, checked=checked) == load_pack(course)
    garbled = tmp_path / "garbled.json"
    garbled.write_text('{"passed": [1, 2')
    assert load_pack(course, checked=CheckedPacks(garbled)) == load_pack(course)
