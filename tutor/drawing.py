"""Magnitudes as characters, so pictures read without colour (no Textual here: the plain
commands draw with it too). numpy is imported only by the scatter plot, so the bars and
shades a plain command prints do not load it.

- shades ` ░▒▓█` for heatmap cells (blank below 0.05, then one step per quarter);
- eighth blocks ``▏▎▍▌▋▊▉█`` for bars;
- braille (2×4 dots per character cell, U+2800 + dot bits) for scatter plots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

SHADES = " ░▒▓█"
BLANK_BELOW = 0.05
EIGHTHS = " ▏▎▍▌▋▊▉█"
# Bit of each dot in a braille cell, indexed [row][column] (Unicode braille patterns).
BRAILLE_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


def shade(value: float) -> str:
    """' ' below 0.05, then ░ < 0.25 ≤ ▒ < 0.5 ≤ ▓ < 0.75 ≤ █."""
    if value < BLANK_BELOW:
        return SHADES[0]
    return SHADES[min(4, 1 + int(value * 4))]


def shade_legend() -> str:
    """The key to the shades, for the screen's footer line."""
    return "blank <0.05  ░ <0.25  ▒ <0.5  ▓ <0.75  █ ≥0.75"


_VISIBLE = str.maketrans({" ": "·", "\n": "⏎", "\t": "→", "\r": "␍"})


def token_label(token: str) -> str:
    """A token as one visible line: '·' space, '⏎' newline, '→' tab, other control characters
    as their Unicode pictures, '∅' for an empty piece (nothing reaches the terminal raw)."""
    shown = token.translate(_VISIBLE)
    return "".join(chr(0x2400 + ord(c)) if ord(c) < 0x20 else c for c in shown) or "∅"


def bar(value: float, width: int) -> str:
    """A bar of ``width`` cells for a value in [0, 1], in eighth blocks."""
    eighths = round(max(0.0, min(1.0, value)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (EIGHTHS[part] if part else "")).ljust(width)


def window(total: int, size: int, focus: int) -> tuple[int, int]:
    """The [start, stop) of ``size`` items out of ``total`` that keeps ``focus`` in view."""
    if total <= size:
        return 0, total
    start = min(max(0, focus - size // 2), total - size)
    return start, start + size


def braille_scatter(
    points: np.ndarray, labels: Sequence[str], width: int, height: int, *, highlight: int = -1
) -> list[str]:
    """Points (N, 2) drawn as braille dots in ``width`` × ``height`` cells, each labelled.

    Every point is one dot; its label is written to the right of it when there is room (else
    to the left), never over another label. The highlighted point is drawn as '◉'.
    """
    grid = [[0] * width for _ in range(height)]
    text: list[list[str | None]] = [[None] * width for _ in range(height)]
    if len(points) == 0:
        return [" " * width for _ in range(height)]
    cells = _to_cells(points, width, height)
    for cx, cy, dx, dy in cells:
        grid[cy][cx] |= BRAILLE_BITS[dy][dx]
    for i, (cx, cy, _dx, _dy) in enumerate(cells):
        if i == highlight:
            text[cy][cx] = "◉"
        _place_label(text, cx, cy, labels[i] if i < len(labels) else "", width)
    lines = []
    for y in range(height):
        row = []
        for x in range(width):
            ch = text[y][x]
            row.append(ch if ch is not None else (chr(0x2800 + grid[y][x]) if grid[y][x] else " "))
        lines.append("".join(row))
    return lines


def _to_cells(points: np.ndarray, width: int, height: int) -> list[tuple[int, int, int, int]]:
    """Each point's character cell (cx, cy) and dot (dx, dy) inside it; y grows upwards."""
    import numpy as np

    pts = np.asarray(points, dtype=np.float64)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    unit = (pts - lo) / span  # (N, 2) in [0, 1]
    dots_x = np.minimum((unit[:, 0] * (width * 2 - 1)).round().astype(int), width * 2 - 1)
    dots_y = np.minimum(((1 - unit[:, 1]) * (height * 4 - 1)).round().astype(int), height * 4 - 1)
    return [
        (int(x) // 2, int(y) // 4, int(x) % 2, int(y) % 4)
        for x, y in zip(dots_x, dots_y, strict=True)
    ]


def _place_label(text: list[list[str | None]], cx: int, cy: int, label: str, width: int) -> None:
    """Write ``label`` right of the dot, else left of it, else cut to the free cells on the
    right (an ellipsis marks the cut)."""
    label = label[:16]
    for start in (cx + 1, cx - len(label)):
        if start < 0 or start + len(label) > width:
            continue
        if all(text[cy][x] is None for x in range(start, start + len(label))):
            for k, ch in enumerate(label):
                text[cy][start + k] = ch
            return
    free = 0
    while cx + 1 + free < width and text[cy][cx + 1 + free] is None:
        free += 1
    if free >= 3:
        cut = label[: free - 1] + "…" if free < len(label) else label
        for k, ch in enumerate(cut):
            text[cy][cx + 1 + k] = ch


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], lo: float | None = None, hi: float | None = None) -> str:
    """One character per value, ``▁`` for ``lo`` (default: the smallest) up to ``█`` for ``hi``
    (default: the largest); NaN (not measured) as a space."""
    finite = [v for v in values if v == v]  # NaN is the one value not equal to itself
    if not finite:
        return " " * len(values)
    low = min(finite) if lo is None else lo
    span = (max(finite) if hi is None else hi) - low
    out = []
    for v in values:
        if v != v:
            out.append(" ")
            continue
        level = 0 if span <= 0 else round((v - low) / span * (len(SPARKS) - 1))
        out.append(SPARKS[min(max(level, 0), len(SPARKS) - 1)])
    return "".join(out)
