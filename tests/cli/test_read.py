"""``llm-tutor read LESSON``: a lesson as plain text, demos as the commands that run them."""

from __future__ import annotations

import io
import shlex
from pathlib import Path

import pytest

from tutor.cli import main
from tutor.core import paths
from tutor.core.demo import shell_command
from tutor.core.pack import load_pack
from tutor.plain.read import lesson_text, show


def test_a_lesson_reads_as_plain_text_with_its_demo_commands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["read", "what-is-an-llm"]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first == "Lesson 1 of 14: What is a large language model?"
    assert "After this lesson you can:" in out
    assert "```demo" not in out  # every demo block became a command
    first_demo = load_pack(paths.builtin_course_dir()).lesson("what-is-an-llm").demos[0]
    assert f"[Live demo 1: {first_demo.spec.kind}. Run it with:]" in out
    assert f"    {shell_command(first_demo.spec)}\n" in out
    assert shell_command(first_demo.spec).startswith("llm-tutor next ")
    assert "\x1b" not in out


def test_every_demo_of_the_course_becomes_a_command() -> None:
    pack = load_pack(paths.builtin_course_dir())
    for lesson in pack.lessons:
        text = lesson_text(pack, lesson)
        assert text.count("[Live demo ") == len(lesson.demos), lesson.slug
        assert "```demo" not in text


def test_a_lesson_can_be_named_by_its_number(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read", "2"]) == 0
    assert capsys.readouterr().out.startswith("Lesson 2 of 14: ")


@pytest.mark.parametrize("name", ["no-such-lesson", "0", "15", "²"])
def test_an_unknown_lesson_is_one_clear_error(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["read", name]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: no lesson {name!r} in intro-llm (lessons: what-is-an-llm, ")


def test_read_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["read", "--help"])
    assert done.value.code == 0
    assert "$PAGER" in capsys.readouterr().out


class Terminal(io.StringIO):
    """An output that says it is a terminal, as stdout does in an interactive shell."""

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_text_goes_through_the_pager(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paged = tmp_path / "paged.txt"
    monkeypatch.setenv("PAGER", f"sh -c {shlex.quote(f'cat > {paged}')}")
    terminal = Terminal()
    show("a lesson\n", terminal)
    assert paged.read_text() == "a lesson\n"
    assert terminal.getvalue() == ""


def test_a_pager_that_is_not_installed_falls_back_to_printing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAGER", "no-such-pager-here --flag")
    terminal = Terminal()
    show("a lesson\n", terminal)
    assert terminal.getvalue() == "a lesson\n"
