"""The character scales that carry magnitudes without colour."""

from __future__ import annotations

import numpy as np

from tutor.drawing import bar, braille_scatter, shade, sparkline, token_label, window
from tutor.ui.widgets.heatmap import render_heatmap


def test_shades_step_by_quarters() -> None:
    assert [shade(v) for v in (0.0, 0.04, 0.05, 0.3, 0.6, 0.8, 1.0)] == list("  ░▒▓██")


def test_bar_uses_eighths() -> None:
    assert bar(1.0, 4) == "████"
    assert bar(0.5, 4) == "██  "
    assert bar(1 / 32, 4) == "▏   "


def test_window_follows_the_focus() -> None:
    assert window(10, 20, 3) == (0, 10)
    assert window(100, 20, 0) == (0, 20)
    assert window(100, 20, 50) == (40, 60)
    assert window(100, 20, 99) == (80, 100)


def test_token_labels_show_spaces_and_newlines() -> None:
    assert token_label(" cat") == "·cat"
    assert token_label("\n") == "⏎"
    assert token_label("\x1b[31m") == "␛[31m"
    assert token_label("") == "∅"


def test_braille_scatter_draws_every_point_with_its_label() -> None:
    pts = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.0]])
    lines = braille_scatter(pts, ["a", "b", "c"], 20, 4)
    text = "\n".join(lines)
    assert len(lines) == 4 and all(len(line) == 20 for line in lines)
    assert "a" in lines[3] and "b" in lines[0] and "c" in lines[3]
    assert sum(1 for ch in text if 0x2800 < ord(ch) <= 0x28FF) == 3


def test_heatmap_windows_long_prompts_around_the_cursor() -> None:
    n = 100
    m = np.tril(np.ones((n, n)))
    m /= m.sum(axis=1, keepdims=True)
    text = render_heatmap([f"t{i}" for i in range(n)], m, cursor=60, rows=10, columns=30).plain
    lines = text.splitlines()
    assert len(lines) == 11
    assert any(line.startswith("▶ 60 t60") for line in lines)
    assert lines[0].lstrip().startswith("…")  # columns before the window are hidden


def test_sparkline_spans_its_range_and_leaves_nan_blank() -> None:
    assert sparkline([0.0, 0.5, 1.0]) == "▁▅█"
    assert sparkline([0.5, 1.0], lo=0.0, hi=1.0) == "▅█"
    assert sparkline([2.0, float("nan"), 2.0]) == "▁ ▁"  # no spread: all at the bottom
    assert sparkline([float("nan")]) == " "


def test_attention_overview_fits_80_columns_for_smollm2s_heads() -> None:
    """30 layers × 9 heads in 3 KV groups: every line fits the 78 columns inside the screen's
    padding (the header once wrapped its last words onto a line of their own)."""
    from tutor.ui.lab.attention_overview import overview_text

    rng = np.random.default_rng(0)
    scores = {name: rng.random((30, 9)) for name in ("previous", "first", "entropy")}
    for score in scores:
        lines = overview_text(scores, score, 13, 8, 3, rows=12).plain.split("\n")
        assert len(lines) == 12 and max(len(line) for line in lines) <= 78
