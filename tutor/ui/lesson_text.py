"""Turn a lesson body into what the Markdown widget shows.

Demo hooks (```demo blocks) stay in the markdown as fenced blocks; the lesson's document draws
each as a live demo card (``tutor.ui.widgets.demo_card``), found by the source line of its
opening fence (``demo_lines``). Links are listed so they can be opened from the keyboard,
after confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt

from tutor.core.demo import Demo
from tutor.core.demo_block import DEMO_BLOCK
from tutor.core.pack import Lesson


@dataclass(frozen=True)
class Link:
    text: str
    url: str


def display_markdown(lesson: Lesson) -> str:
    """The markdown the lesson screen shows: the body, demo blocks included (drawn as cards)."""
    return lesson.body


def demo_lines(lesson: Lesson) -> dict[int, Demo]:
    """The 0-based line of each demo block's opening fence in the body → its demo."""
    starts = [lesson.body.count("\n", 0, m.start()) for m in DEMO_BLOCK.finditer(lesson.body)]
    return dict(zip(starts, lesson.demos, strict=False))


def links(markdown: str) -> list[Link]:
    """Every link in the text, in order, without duplicates."""
    found: dict[str, Link] = {}
    for token in MarkdownIt("commonmark").parse(markdown):
        children = token.children or []
        for i, child in enumerate(children):
            if child.type == "link_open":
                url = str(child.attrs.get("href", ""))
                text = children[i + 1].content if i + 1 < len(children) else url
                found.setdefault(url, Link(text or url, url))
    return list(found.values())
