"""The ``llm-tutor`` command line, run in-process through ``main()`` and as a real process."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import LESSON, repo_env
from tutor.cli import build_parser, main
from tutor.core import paths
from tutor.core.pack import load_pack
from tutor.core.progress import LessonProgress, ProgressStore
from tutor.plain.common import version
from tutor.plain.progress import reset_cmd

COURSE = "intro-llm"


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``llm-tutor ARGS`` in a fresh process (as ``python -m tutor``, which the script runs)."""
    env = repo_env()
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def status(lesson: str) -> str:
    with ProgressStore.open() as store:
        return store.lesson_progress(COURSE).get(lesson, LessonProgress()).status


def broken_pack(root: Path) -> Path:
    """A pack with two mistakes: an unknown front-matter key and a lesson not in the list."""
    (root / "lessons").mkdir(parents=True)
    (root / "pack.toml").write_text(
        'format_version = 1\nid = "broken"\ntitle = "Broken"\nversion = "1"\n'
        'authors = ["A"]\nlicence = "CC0-1.0"\nlessons = ["intro"]\n',
        encoding="utf-8",
    )
    (root / "lessons" / "01-intro.md").write_text(
        LESSON.replace("minutes = 5\n", "minutes = 5\nlevel = 3\n"), encoding="utf-8"
    )
    (root / "lessons" / "02-extra.md").write_text(LESSON, encoding="utf-8")
    return root


# -- --version and --help ----------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out == f"llm-tutor {version()}\n"


def test_version_as_a_process() -> None:
    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"llm-tutor \S+\n", result.stdout)


def command_paths(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Every command and sub-command in the parser tree, e.g. ('progress', 'export')."""
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from command_paths(sub, (*prefix, name))


COMMANDS = sorted(set(command_paths(build_parser())))


def test_the_tree_has_the_documented_commands() -> None:
    for command in [
        (),
        ("lessons",),
        ("progress",),
        ("progress", "export"),
        ("progress", "import"),
        ("progress", "reset"),
        ("doctor",),
        ("pack", "check"),
    ]:
        assert command in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "llm-tutor")
def test_every_command_has_help(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*command, "--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {' '.join(('llm-tutor', *command))}")


# -- lessons and progress ----------------------------------------------------------------------


def lesson_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if re.match(r"^\s*\d+\. ", line)]


def test_lessons_lists_the_fourteen_lessons_as_new(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lessons"]) == 0
    out = capsys.readouterr().out
    lines = lesson_lines(out)
    slugs = [lesson.slug for lesson in load_pack(paths.builtin_course_dir()).lessons]
    assert len(lines) == 14
    for number, (line, slug) in enumerate(zip(lines, slugs, strict=True), start=1):
        assert re.match(rf"^\s*{number}\. {re.escape(slug)}\s+new\s+\d+ min$", line), line
    assert out.splitlines()[0].startswith("Introduction to Large Language Models (intro-llm ")


def test_lessons_show_status_and_best_quiz_score(capsys: pytest.CaptureFixture[str]) -> None:
    with ProgressStore.open() as store:
        store.lesson_completed(COURSE, "what-is-an-llm")
        store.record_quiz_attempt(COURSE, "what-is-an-llm", score=3, total=4, seconds=10)
        store.lesson_opened(COURSE, "history")
    assert main(["lessons"]) == 0
    lines = lesson_lines(capsys.readouterr().out)
    assert re.search(r"what-is-an-llm\s+done\s+\d+ min  quiz 75%$", lines[0])
    assert re.search(r"history\s+in progress\s+\d+ min$", lines[1])


def test_progress_summary(capsys: pytest.CaptureFixture[str], private_home: Path) -> None:
    with ProgressStore.open() as store:
        store.lesson_completed(COURSE, "what-is-an-llm")
        store.lesson_opened(COURSE, "history")
        store.add_time(COURSE, "history", 150.0)
        store.record_quiz_attempt(COURSE, "history", score=1, total=2, seconds=10)
    assert main(["progress"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Introduction to Large Language Models: 1 of 14 lessons done, 1 in progress",
        "Time spent: 2 min",
        "Quizzes taken: 1, average best score 50%",
        "Last lesson: history",
        f"Data directory: {private_home}",
    ]


def test_progress_summary_of_a_new_learner(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert "0 of 14 lessons done, 0 in progress" in out
    assert "Last lesson" not in out


# -- export / import ---------------------------------------------------------------------------


def test_export_then_import_on_another_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with ProgressStore.open() as store:
        store.lesson_completed(COURSE, "history")
    target = tmp_path / "carry.json"
    assert main(["progress", "export", str(target)]) == 0
    assert capsys.readouterr().out == f"Progress written to {target}\n"
    assert json.loads(target.read_text(encoding="utf-8"))["format"] == "llm-tutor-progress"

    monkeypatch.setenv("LLM_TUTOR_HOME", str(tmp_path / "lab-machine"))
    assert status("history") == "new"
    assert main(["progress", "import", str(target)]) == 0
    assert capsys.readouterr().out == f"Merged {target}: 1 new or newer records\n"
    assert status("history") == "done"
    assert main(["progress", "import", str(target)]) == 0
    assert capsys.readouterr().out == f"Merged {target}: 0 new or newer records\n"


def test_import_of_a_bad_file_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.json"
    source.write_text(
        '{"format": "llm-tutor-progress", "version": 1, "learner_id": "x", "tab', encoding="utf-8"
    )
    assert main(["progress", "import", str(source)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{source}:1: not valid JSON")
    assert "Traceback" not in err


# -- reset -------------------------------------------------------------------------------------


def test_reset_asks_and_does_nothing_on_no() -> None:
    with ProgressStore.open() as store:
        store.lesson_completed(COURSE, "history")
    result = run_cli("progress", "reset", "history", stdin="n\n")
    assert "Reset progress of lesson 'history'?" in result.stdout
    assert "Nothing changed." in result.stdout
    assert result.returncode == 1
    assert status("history") == "done"


def test_reset_asks_and_resets_on_yes() -> None:
    with ProgressStore.open() as store:
        store.lesson_completed(COURSE, "history")
        store.lesson_completed(COURSE, "rlhf")
    result = run_cli("progress", "reset", "history", stdin="y\n")
    assert result.returncode == 0, result.stderr
    assert "Progress of lesson 'history' reset." in result.stdout
    assert status("history") == "new"
    assert status("rlhf") == "done"


@pytest.mark.parametrize("answer", ["", "\n", "no\n", "maybe\n", "Y es\n"])
def test_reset_anything_but_yes_changes_nothing(
    answer: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with ProgressStore.open() as store:
        store.lesson_completed(COURSE, "history")
    args = build_parser().parse_args(["progress", "reset", "history"])
    assert reset_cmd(args, stdin=io.StringIO(answer)) == 1
    assert "Nothing changed." in capsys.readouterr().out
    assert status("history") == "done"


@pytest.mark.parametrize("answer", ["y\n", "YES\n", "  yes  \n"])
def test_reset_everything_on_yes(answer: str, capsys: pytest.CaptureFixture[str]) -> None:
    with ProgressStore.open() as store:
        store.lesson_completed(COURSE, "history")
        store.lesson_completed(COURSE, "rlhf")
    args = build_parser().parse_args(["progress", "reset"])
    assert reset_cmd(args, stdin=io.StringIO(answer)) == 0
    out = capsys.readouterr().out
    assert "Reset progress of every lesson of 'Introduction to Large Language Models'?" in out
    assert status("history") == status("rlhf") == "new"


def test_reset_yes_flag_does_not_ask(capsys: pytest.CaptureFixture[str]) -> None:
    with ProgressStore.open() as store:
        store.lesson_completed(COURSE, "history")
    assert main(["progress", "reset", "history", "--yes"]) == 0
    assert "?" not in capsys.readouterr().out
    assert status("history") == "new"


def test_reset_of_an_unknown_lesson(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["progress", "reset", "no-such-lesson"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "error: no lesson 'no-such-lesson' in intro-llm\n"
    assert "Reset progress" not in captured.out


# -- pack check --------------------------------------------------------------------------------


def test_pack_check_of_the_builtin_course(capsys: pytest.CaptureFixture[str]) -> None:
    course = paths.builtin_course_dir()
    assert main(["pack", "check", str(course)]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(
        rf"{re.escape(str(course))}: ok — pack 'intro-llm' \S+, 14 lessons, \d+ quiz questions\n",
        out,
    ), out


def test_pack_check_of_a_broken_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = broken_pack(tmp_path / "broken")
    (root / "quizzes").mkdir()
    (root / "quizzes" / "01-intro.toml").write_text(
        "[[questions]]\nid = 'Bad Id'\n", encoding="utf-8"
    )
    assert main(["pack", "check", str(root)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert f"{root / 'lessons' / '01-intro.md'}:5: unknown key 'level'" in lines
    assert f"{root / 'lessons' / '02-extra.md'}: lesson 'extra' is not listed in pack.toml" in lines
    assert any(line.startswith(f"{root / 'quizzes' / '01-intro.toml'}:") for line in lines)
    for line in lines:
        assert re.match(rf"^{re.escape(str(root))}/\S+(:\d+)?: \S", line), line
    assert captured.err == f"{len(lines)} problem(s) found in {root}\n"


def test_pack_check_of_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pack", "check", str(tmp_path / "nowhere")]) == 1
    assert f"{tmp_path / 'nowhere' / 'pack.toml'}: file not found" in capsys.readouterr().out


def test_broken_pack_option_prints_problems_without_a_traceback(tmp_path: Path) -> None:
    root = broken_pack(tmp_path / "broken")
    result = run_cli("--pack", str(root), "lessons")
    assert result.returncode == 1
    assert f"{root / 'lessons' / '01-intro.md'}:5: unknown key 'level'" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_pack_option_lists_that_packs_lessons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = broken_pack(tmp_path / "fixed")
    (root / "lessons" / "02-extra.md").unlink()
    (root / "lessons" / "01-intro.md").write_text(LESSON, encoding="utf-8")
    assert main(["--pack", str(root), "lessons"]) == 0
    assert lesson_lines(capsys.readouterr().out) == [
        " 1. intro                        new            5 min"
    ]


# -- doctor ------------------------------------------------------------------------------------


@pytest.fixture
def no_model(private_home: Path) -> None:
    """Point the model choice at a file that does not exist, so doctor never loads a model."""
    private_home.mkdir(parents=True, exist_ok=True)
    catalog = pytest.importorskip("tutor.runtime.catalog")
    catalog.save_choice(str(private_home / "no-such-model.gguf"))


@pytest.mark.usefixtures("no_model")
def test_doctor_reports_versions_and_a_writable_data_dir(
    private_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"llm-tutor {version()}"
    assert lines[1].startswith("Python 3.")
    assert f"Data directory: {private_home} (writable)" in lines
    assert any(line.startswith("Terminal: ") for line in lines)
    assert any(line.startswith("Colour: ") for line in lines)
    assert not list(private_home.glob(".write-test*"))


def test_doctor_reports_a_data_dir_that_cannot_be_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    home = blocker / "home"  # a path under a regular file cannot be created, even by root
    monkeypatch.setenv("LLM_TUTOR_HOME", str(home))
    assert main(["doctor"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("Data directory"))
    assert line.startswith(f"Data directory: {home} (NOT writable")


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root can write to a read-only folder"
)
@pytest.mark.usefixtures("no_model")
def test_doctor_reports_a_read_only_data_dir(
    private_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private_home.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert main(["doctor"]) == 0
    finally:
        private_home.chmod(stat.S_IRWXU)
    assert f"Data directory: {private_home} (NOT writable: Permission denied)" in (
        capsys.readouterr().out.splitlines()
    )


# -- the progress store through the CLI --------------------------------------------------------


def test_corrupt_progress_database_is_a_warning_not_a_failure(
    private_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private_home.mkdir(parents=True)
    paths.database_file().write_bytes(b"definitely not SQLite\n" * 100)
    assert main(["lessons"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith(f"warning: The progress database {paths.database_file()}")
    assert "moved to" in captured.err
    assert len(lesson_lines(captured.out)) == 14
    assert len(list(private_home.glob("progress.sqlite3.corrupt-*"))) == 1


def test_progress_database_from_a_newer_version_is_a_clear_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import sqlite3

    ProgressStore.open().close()
    conn = sqlite3.connect(paths.database_file())
    conn.execute("PRAGMA user_version = 42")
    conn.close()
    assert main(["progress"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {paths.database_file()} was written by a newer version")
    assert "Traceback" not in err
