"""``--watch``'s headless half: what a save changes, and what the pack then is.

Driven by calling ``poll()`` (no thread, no clock): the first look after a save waits for the
file to settle, the second reports it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tutor.core.authoring import new_pack
from tutor.core.pack_watch import PackWatch, Reload, changed_files, snapshot

LESSON = Path("lessons/01-getting-started.md")
QUIZ = Path("quizzes/01-getting-started.toml")


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    new_pack(root, "Watched pack")
    return root


def settled(watch: PackWatch) -> Reload:
    """Two looks: the save is seen, then reported once it has not moved since."""
    assert watch.poll() is None
    reload = watch.poll()
    assert reload is not None
    return reload


def test_nothing_saved_nothing_reported(pack: Path) -> None:
    watch = PackWatch(pack)
    assert watch.poll() is None and watch.poll() is None


def test_a_rewritten_lesson_is_reloaded_once(pack: Path) -> None:
    watch = PackWatch(pack)
    lesson = pack / LESSON
    lesson.write_text(lesson.read_text().replace("# Getting started", "# Getting going"))
    reload = settled(watch)
    assert reload.changed == (lesson,)
    assert reload.pack is not None and "# Getting going" in reload.pack.lessons[0].body
    assert reload.problems == ()
    assert watch.poll() is None  # reported once


def test_a_broken_quiz_is_reported_with_its_line_and_the_pack_still_loads(pack: Path) -> None:
    watch = PackWatch(pack)
    quiz = pack / QUIZ
    quiz.write_text(quiz.read_text().replace('type = "single"', 'type = "singel"', 1))
    reload = settled(watch)
    assert reload.pack is not None  # lessons are fine: the app swaps them in
    (first, *_rest) = [reload.describe(p) for p in reload.problems]
    line = quiz.read_text().splitlines().index('type = "singel"') + 1
    assert first.startswith(f"quizzes/01-getting-started.toml:{line}: ")
    quiz.write_text(quiz.read_text().replace('type = "singel"', 'type = "single"'))
    assert settled(watch).problems == ()


def test_a_broken_lesson_means_no_pack_and_its_problem_first(pack: Path) -> None:
    watch = PackWatch(pack)
    lesson = pack / LESSON
    lesson.write_text(lesson.read_text().replace("minutes = 10", "minutes = ten"))
    reload = settled(watch)
    assert reload.pack is None
    assert reload.describe(reload.problems[0]).startswith("lessons/01-getting-started.md:4: ")


def test_a_file_caught_half_written_waits_until_it_settles(pack: Path) -> None:
    watch = PackWatch(pack)
    lesson = pack / LESSON
    text = lesson.read_text()
    lesson.write_text(text[:20])  # the editor has truncated and written a little
    assert watch.poll() is None
    lesson.write_text(text + "\nMore.\n")  # ... and finished before the next look
    assert watch.poll() is None  # moved again: still waiting
    reload = watch.poll()
    assert reload is not None and reload.problems == ()


def test_an_atomic_save_with_the_same_size_and_time_is_still_seen(pack: Path) -> None:
    """Editors save by writing a new file and renaming it over the old: a new inode."""
    lesson = pack / LESSON
    before = snapshot(pack)
    info = lesson.stat()
    fresh = lesson.with_name(".01-getting-started.md.swp")
    fresh.write_text(lesson.read_text().replace("tokens", "TOKENS", 1))
    os.replace(fresh, lesson)  # made while the old file existed: a different inode
    os.utime(lesson, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert changed_files(before, snapshot(pack)) == (lesson,)


def test_added_and_removed_files_are_changes(pack: Path) -> None:
    before = snapshot(pack)
    (pack / QUIZ).unlink()
    extra = pack / "lessons" / "02-more.md"
    extra.write_text("+++\n+++\n")
    assert changed_files(before, snapshot(pack)) == (extra, pack / QUIZ)


def test_only_what_the_pack_loads_from_is_watched(pack: Path) -> None:
    (pack / ".venv").mkdir()
    (pack / ".venv" / "x.md").write_text("x")
    (pack / "README.md").write_text("changed")
    assert all(
        p.parent.name in {"lessons", "quizzes"} or p.name == "pack.toml" for p in snapshot(pack)
    )
