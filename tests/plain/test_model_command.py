"""The shared guard of every plain model command: an empty prompt, from the command line or
from standard input, is one clear line and exit 2, before any model is loaded."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tutor.cli import build_parser

# Each command with its text argument as "-" (the model path is never loaded: the guard refuses
# the empty text first, so a missing file proves no model ran).
COMMANDS = [
    ("tokens", "-", "text"),
    ("next", "-", "prompt"),
    ("generate", "-", "prompt"),
    ("attention", "-", "prompt"),
    ("attention", "-", "prompt", "--by-hand"),
    ("lens", "-", "prompt"),
]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    args = build_parser().parse_args(list(argv))
    code = int(args.func(args))
    out, err = capsys.readouterr()
    return code, out, err


def missing_model(tmp_path: Path) -> tuple[str, str]:
    return ("--model", str(tmp_path / "never-loaded.gguf"))


@pytest.mark.parametrize("stdin", ["", "\n", "\r\n"])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:1] + c[3:]))
def test_empty_stdin_is_refused(
    command: tuple[str, ...],
    stdin: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """`echo -n | llm-tutor attention -` used to print a summary of nothing and exit 0."""
    name, dash, what, *extra = command
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code, out, err = run(capsys, name, dash, *extra, *missing_model(tmp_path))
    assert (code, out) == (2, "")
    assert err == f"error: the {what} is empty: give some text (or '-' to read standard input)\n"


@pytest.mark.parametrize("name", ["next", "generate", "attention", "lens"])
@pytest.mark.parametrize("prompt", ["", "  \t "])
def test_blank_prompt_argument_is_refused(
    name: str, prompt: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, name, *missing_model(tmp_path), "--", prompt)
    assert code == 2 and out == "" and err.startswith("error: the prompt is empty")


def test_tokens_keeps_whitespace_but_not_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Whitespace is text to tokenize (how spaces split is a lesson); nothing at all is not."""
    code, _, err = run(capsys, "tokens", "", *missing_model(tmp_path))
    assert code == 2 and err.startswith("error: the text is empty")
    code, _, err = run(capsys, "tokens", "  ", *missing_model(tmp_path))
    assert code == 1 and "never-loaded.gguf" in err  # past the guard, to the model


def test_prefs_score_refuses_an_empty_prompt(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, err = run(capsys, "prefs", "score", "-", "an answer")
    assert code == 2 and out == "" and err.startswith("error: the prompt is empty")
    code, _, err = run(capsys, "prefs", "score", " ", "an answer")
    assert code == 2 and err.startswith("error: the prompt is empty")
