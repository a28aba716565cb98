"""Turn a lesson body into what the Markdown widget shows.

Demo hooks (```demo blocks) become a clearly marked box; links are listed so they can be
opened from the keyboard, after confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt

from tutor.core.demo import DEMO_BLOCK, Demo
from tutor.core.pack import Lesson


@dataclass(frozen=True)
class Link:
    text: str
    url: str


def demo_box(demo: Demo) -> str:
    """The markdown a demo hook is shown as."""
    lines = [f"> **▶ Live demo: {demo.spec.kind}**"]
    if demo.spec.prompt:
        prompt = demo.spec.prompt.replace("`", "'")
        lines += [">", f"> Starts with: `{prompt}`"]
    lines += [">", "> Live demos run on the model in a coming version of llm-tutor."]
    return "\n".join(lines)


def display_markdown(lesson: Lesson) -> str:
    """The lesson body with each demo block replaced by its box."""
    demos = iter(lesson.demos)
    return DEMO_BLOCK.sub(lambda _m: demo_box(next(demos)), lesson.body)


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
