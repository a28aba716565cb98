"""Shared by the ``--watch`` tests: wait on a condition (never on a fixed sleep), edit a pack.

Not a test module, so test modules never import each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from textual.css.query import NoMatches
from textual.pilot import Pilot

BOUND_SECONDS = 60.0  # generous: two cores shared by the whole team; a save shows in ~1 s


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Let the app run until ``condition()`` holds; fail naming ``what`` after the bound.

    A condition that queries a widget may find it missing while its screen is being rebuilt:
    that counts as "not yet", not as a failure."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BOUND_SECONDS
    while not holds(condition):
        assert loop.time() < deadline, f"within {BOUND_SECONDS:.0f} s: {what}"
        await pilot.pause(0.1)


def holds(condition: Callable[[], bool]) -> bool:
    try:
        return condition()
    except NoMatches:
        return False


def rewrite(path: Path, old: str, new: str) -> None:
    """Save ``path`` with ``old`` replaced, as an editor does (the change must be there)."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def lengthen(lesson: Path, paragraphs: int = 40) -> None:
    """Make a lesson long enough to scroll at 80x24."""
    more = "".join(
        f"\nParagraph {n}: a line of the lesson to scroll past.\n" for n in range(paragraphs)
    )
    lesson.write_text(lesson.read_text() + more)
