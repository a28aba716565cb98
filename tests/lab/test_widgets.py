"""The lab's drawing widgets render magnitudes and boundaries in characters, not colour."""

from __future__ import annotations

import pytest

from tutor.ui.widgets.bars import BarRow, bar, label_cell, render_bars
from tutor.ui.widgets.demo_card import CardInfo, card_text
from tutor.ui.widgets.histogram import MARK, HistogramRow, histogram_line, render_histogram
from tutor.ui.widgets.token_strip import render_strip, visible


@pytest.mark.parametrize(
    ("fraction", "width", "expected"),
    [
        (0.0, 4, "    "),
        (1.0, 4, "████"),
        (0.5, 4, "██  "),
        (0.125, 1, "▏"),
        (0.5, 1, "▌"),
        (1 / 32, 4, "▏   "),  # one eighth of one cell of four
        (0.0001, 4, "▏   "),  # anything above zero shows
        (1.7, 3, "███"),  # clamped
        (-1.0, 3, "   "),
    ],
)
def test_bar_uses_eighth_blocks(fraction: float, width: int, expected: str) -> None:
    assert bar(fraction, width) == expected


def test_bar_length_grows_with_the_value() -> None:
    lengths = [len(bar(i / 100, 20).rstrip()) for i in range(0, 101, 10)]
    assert lengths == sorted(lengths) and lengths[-1] == 20


def test_bars_show_label_bar_and_digits() -> None:
    rows = [BarRow(" mat", 0.5, "50.0%"), BarRow("\n", 0.25, "25.0%")]
    text = render_bars(rows, label_width=8, bar_width=8, highlight=1).plain.splitlines()
    assert text[0] == "  “·mat”   ████     50.0%"
    assert text[1] == "› “⏎”      ██       25.0%"


def test_label_is_cut_to_its_width() -> None:
    assert label_cell("abcdefghijkl", 8) == "“abcdef…"
    assert len(label_cell("a", 8)) == 8


def test_visible_whitespace_and_control_characters() -> None:
    assert visible(" a\tb\nc") == "·a→b⏎c"
    assert visible("\x1b[31m") == "␛[31m"  # never reaches the terminal raw


def test_token_strip_marks_every_boundary_and_the_cursor() -> None:
    strip = render_strip(["The", " cat", " sat", "."], cursor=2)
    assert strip.plain == "The│·cat[·sat]."
    assert render_strip(["a", "b", "c"]).plain == "a│b│c"
    assert render_strip([""]).plain == "∅"  # an empty piece is still visible


def test_token_strip_alternates_reverse_and_underline() -> None:
    strip = render_strip(["ab", "cd", "ef"])
    styles = [
        str(span.style) for span in strip.spans if "│" not in strip.plain[span.start : span.end]
    ]
    assert styles == ["reverse", "underline", "reverse"]


def test_histogram_marks_the_expected_count() -> None:
    assert histogram_line(10, 10, 10, 10) == "█████████" + MARK
    assert histogram_line(5, 10, 10, 10) == "█████    " + MARK
    assert histogram_line(10, 5, 10, 10) == "████" + MARK + "█████"
    assert MARK not in histogram_line(3, 0, 10, 10)


def test_histogram_rows_show_both_numbers() -> None:
    rows = [HistogramRow(" mat", 42, 38.1), HistogramRow(" rug", 0, 2.5)]
    lines = render_histogram(rows, label_width=8, bar_width=10).plain.splitlines()
    assert lines[0].endswith(" 42 drawn   38.1 expected")
    assert lines[1].startswith("“·rug”  ")
    assert MARK in lines[1]


def test_demo_card_says_what_it_shows_and_how_to_start() -> None:
    built = card_text(CardInfo(0, "Next token", "The top tokens", "The cat", True, True)).plain
    assert "Shows: The top tokens" in built
    assert "Starts with: “The cat”" in built
    assert "enter: try it" in built and "predict first" in built
    later = card_text(CardInfo(1, "Attention", "Heads", "x\ny", False)).plain
    assert "Not in this version" in later and "enter" not in later
    assert "x⏎y" in later


def test_token_strip_breaks_lines_between_tokens() -> None:
    """At a width, a line ends at a token boundary: no token is cut in two (a cut token reads
    as two tokens); the pieces and separators are all still there, in order."""
    from tutor.ui.widgets.token_strip import render_strip

    pieces = ["Token", "ization", " isn", "'t", " unbelie", "vable", ":", " strawberr", "ies"] * 3
    ends = {  # where each token's span ends in the unwrapped strip
        len(render_strip(pieces[:k], cursor=4 if k > 4 else None).plain)
        for k in range(1, len(pieces) + 1)
    }
    for width in (12, 20, 33):
        lines = render_strip(pieces, cursor=4, width=width).plain.split("\n")
        assert all(len(line) <= width for line in lines)
        assert "".join(lines) == render_strip(pieces, cursor=4).plain  # nothing lost or added
        breaks = [sum(len(line) for line in lines[: i + 1]) for i in range(len(lines) - 1)]
        assert set(breaks) <= ends  # every line ends where a token ends


def test_reward_model_view_says_it_is_fitting_once_there_are_votes() -> None:
    """Between a vote and the fitted model (the embeddings take seconds on a busy CPU), view 2
    says the fit is on its way, not "vote on a pair" to a learner who just voted."""
    from tutor.ui.lab.preferences.views import model_view

    assert "No reward model yet" in model_view(None, []).plain
    assert model_view(None, [], refitting=1).plain == "Fitting the reward model on your 1 vote…"
    assert "your 3 votes" in model_view(None, [], refitting=3).plain
