"""Untrusted text is made harmless for a terminal, and lesson text is never read as markup."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.core.pack import load_pack
from tutor.core.sanitize import clean_text

ESC = "\x1b"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (f"{ESC}[31mred{ESC}[0m", "\u241b[31mred\u241b[0m"),  # SGR colour
        (f"{ESC}]0;pwned{chr(7)}", "\u241b]0;pwned\u2407"),  # OSC window title ended by BEL
        (f"{ESC}[2J{ESC}[H", "\u241b[2J\u241b[H"),  # clear screen, cursor home
        ("ding\x07", "ding\u2407"),  # BEL
        ("over\rwrite", "over\u240dwrite"),  # a lone CR would overwrite the line
        ("\x00nul\x08bs\x7fdel", "\u2400nul\u2408bs\u2421del"),
        ("\x9b31m", "\ufffd31m"),  # C1 CSI: an escape sequence in one character
        ("\x85\x90\x9d", "\ufffd\ufffd\ufffd"),  # other C1 controls (NEL, DCS, OSC)
        ("abc\u202edcba", "abc\ufffddcba"),  # right-to-left override
        ("\u2066x\u2069\u202ay\u202c", "\ufffdx\ufffd\ufffdy\ufffd"),  # isolates, embeddings
        ("a\r\nb", "a\nb"),  # Windows line endings are just line endings
    ],
)
def test_controls_become_visible_and_harmless(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean
    assert not any((ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in clean)


def test_newlines_tabs_and_ordinary_text_are_kept() -> None:
    text = "# Title\n\n\tindented — naïve café 東京 😀 [link](http://x) `code`\n"
    assert clean_text(text) == text


def test_every_control_character_is_replaced() -> None:
    controls = "".join(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) not in "\n\t")
    cleaned = clean_text(controls)
    assert len(cleaned) == len(controls)
    assert all(not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) for c in cleaned)


def test_lesson_with_escapes_and_markup_loads_neutralised_and_literal(tmp_path: Path) -> None:
    root = tmp_path / "pack"
    (root / "lessons").mkdir(parents=True)
    (root / "pack.toml").write_text(
        'format_version = 1\nid = "evil"\ntitle = "Evil \\u001b[5mpack"\nversion = "1"\n'
        'authors = ["Mallory"]\nlicence = "none"\nlessons = ["trick"]\n',
        encoding="utf-8",
    )
    (root / "lessons" / "01-trick.md").write_text(
        "+++\n"
        'title = "Tricky \\u001b]0;owned\\u0007title"\n'
        'summary = "[red]not red[/red]"\n'
        "minutes = 1\n"
        'objectives = ["Read \\u202etxt.exe"]\n'
        "+++\n\n"
        f"This is {ESC}[31mred{ESC}[0m and this is [bold]markup[/bold].\n",
        encoding="utf-8",
    )
    pack = load_pack(root)
    lesson = pack.lesson("trick")

    assert lesson.body == "\nThis is \u241b[31mred\u241b[0m and this is [bold]markup[/bold].\n"
    assert "[bold]markup[/bold]" in lesson.body  # brackets kept literally, not interpreted
    assert lesson.title == "Tricky \u241b]0;owned\u2407title"
    assert lesson.summary == "[red]not red[/red]"
    assert lesson.objectives == ("Read \ufffdtxt.exe",)
    assert pack.title == "Evil \u241b[5mpack"
    for text in (lesson.body, lesson.title, lesson.summary, pack.title, *lesson.objectives):
        assert ESC not in text and "\x07" not in text and "\u202e" not in text


def test_problem_messages_quoting_author_text_are_neutralised(tmp_path: Path) -> None:
    """`pack check` prints problems quoting keys and ids: an ESC in them must not reach the tty."""
    from tutor.core.errors import Problem

    shown = str(Problem(tmp_path / "pack.toml", 3, "unknown key 'x\x1b]0;pwned\x07'"))
    assert "\x1b" not in shown and "\x07" not in shown
    assert "␛]0;pwned␇" in shown
