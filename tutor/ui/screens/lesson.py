"""One lesson: rendered markdown, contents, remembered position, next / previous, done."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Header, Markdown, MarkdownViewer, Static
from textual.widgets.markdown import MarkdownTableOfContents

from tutor.core.pack import Lesson
from tutor.ui import safe
from tutor.ui.base import TutorScreen
from tutor.ui.lab.picker import card_infos, demo_cards_in_view, open_lesson_demo
from tutor.ui.lesson_text import display_markdown, links
from tutor.ui.services import AppServices
from tutor.ui.widgets.demo_card import CardInfo, DemoCard, LessonDocument
from tutor.ui.widgets.footer import KeysFooter
from tutor.ui.widgets.marked import MarkedTree

SAVE_EVERY_SECONDS = 30.0

if TYPE_CHECKING:
    from tutor.core.pack_watch import Reload


class LessonViewer(MarkdownViewer):
    """A MarkdownViewer that never follows or opens a link by itself."""

    class LinkRequested(Message):
        """The learner clicked a link; the screen asks before opening it."""

        def __init__(self, href: str) -> None:
            super().__init__()
            self.href = href

    def __init__(self, cards: dict[int, CardInfo] | None = None, **kwargs: Any) -> None:
        super().__init__(None, **kwargs)
        self.cards = cards or {}

    def compose(self) -> ComposeResult:
        """The lesson document draws ```demo blocks as live demo cards."""
        document = LessonDocument(self.cards, open_links=False)
        document.can_focus = True
        yield document
        yield LessonContents(document)

    async def _on_markdown_link_clicked(self, message: Markdown.LinkClicked) -> None:
        message.stop()
        message.prevent_default()
        self.post_message(self.LinkRequested(message.href))


class LessonContents(MarkdownTableOfContents):
    """The table of contents, its cursor heading marked by a character (readable with
    NO_COLOR), otherwise Textual's own."""

    def compose(self) -> ComposeResult:
        """Textual's tree, as ``MarkdownTableOfContents.compose`` sets it up, but marked."""
        tree: MarkedTree[dict[str, str]] = MarkedTree("TOC")
        tree.show_root = False
        tree.show_guides = True
        tree.guide_depth = 4
        tree.auto_expand = False
        yield tree


class LessonScreen(TutorScreen[None]):
    """Reads one lesson and records progress while the learner is on it."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="lesson.back"),
        Binding("n", "step(1)", "Next", id="lesson.next"),
        Binding("p", "step(-1)", "Prev", id="lesson.previous"),
        Binding("d", "done", "Done", id="lesson.done"),
        Binding("c", "contents", "Contents", id="lesson.contents"),
        Binding("l", "links", "Links", id="lesson.links"),
        Binding("q", "quiz", "Quiz", id="lesson.quiz"),
        Binding("t", "try_it", "Try", id="lesson.try"),
    ]

    @classmethod
    def for_route(cls, app: AppServices, **params: Any) -> LessonScreen:
        """``navigate("lesson", slug=...)``."""
        return cls(app.pack.lesson(params["slug"]))

    def __init__(self, lesson: Lesson) -> None:
        super().__init__()
        self.lesson = lesson
        self.markdown = display_markdown(lesson)
        self._since = time.monotonic()
        self._opened_card: int | None = None  # the card a demo was opened from, to refocus

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._heading(), id="lesson-heading")
        yield LessonViewer(
            card_infos(self.lesson), show_table_of_contents=False, open_links=False, id="viewer"
        )
        yield KeysFooter()

    def _heading(self) -> Text:
        pack = self.services.pack
        number = [lesson.slug for lesson in pack.lessons].index(self.lesson.slug) + 1
        heading = Text(f"Lesson {number} of {len(pack.lessons)}  ", style="bold")
        heading.append(f"{self.lesson.minutes} min · {self.lesson.summary}", style="dim")
        heading.truncate(200)
        return heading

    async def on_mount(self) -> None:
        self.services.store.lesson_opened(self.services.pack.id, self.lesson.slug)
        viewer = self.query_one(LessonViewer)
        await viewer.document.update(self.markdown)
        viewer.document.focus()
        saved = self.services.store.lesson_progress(self.services.pack.id).get(self.lesson.slug)
        if saved and saved.position > 0:
            self.call_after_refresh(self._restore, saved.position)
        self.set_interval(SAVE_EVERY_SECONDS, self.save)

    async def pack_reloaded(self, reload: Reload) -> None:
        """``--watch``: redraw with the lesson as saved, at the same scroll position."""
        try:
            lesson = self.services.pack.lesson(self.lesson.slug)
        except KeyError:
            safe.notify(self, f"“{self.lesson.title}” is no longer in the pack.", timeout=8)
            return
        self.query_one("#lesson-heading", Static).update(self._heading())  # numbering may move
        if lesson == self.lesson:
            return
        viewer = self.query_one(LessonViewer)
        self.lesson, self.markdown = lesson, display_markdown(lesson)
        viewer.cards = card_infos(lesson)
        if isinstance(viewer.document, LessonDocument):
            viewer.document.cards = viewer.cards
        await viewer.document.update(self.markdown)  # updates blocks in place: scroll is kept

    def _restore(self, fraction: float) -> None:
        viewer = self.query_one(LessonViewer)
        viewer.scroll_to(y=round(fraction * viewer.max_scroll_y), animate=False)

    def save(self) -> None:
        """Record reading time and scroll position (also every 30 s, so a kill loses little)."""
        now = time.monotonic()
        store, pack_id = self.services.store, self.services.pack.id
        store.add_time(pack_id, self.lesson.slug, now - self._since)
        self._since = now
        viewer = self.query_one(LessonViewer)
        if viewer.max_scroll_y > 0:
            store.save_position(pack_id, self.lesson.slug, viewer.scroll_y / viewer.max_scroll_y)

    def action_back(self) -> None:
        self.save()
        self.dismiss()

    def action_step(self, step: int) -> None:
        target = self.services.pack.neighbour(self.lesson.slug, step)
        if target is None:
            safe.notify(
                self, "This is the last lesson." if step > 0 else "This is the first lesson."
            )
            return
        self.save()
        self.services.navigate("lesson", slug=target.slug, replace=True)

    def action_done(self) -> None:
        self.services.store.lesson_completed(self.services.pack.id, self.lesson.slug)
        safe.notify(self, f"Marked “{self.lesson.title}” as done.")

    def action_contents(self) -> None:
        viewer = self.query_one(LessonViewer)
        viewer.show_table_of_contents = not viewer.show_table_of_contents
        if viewer.show_table_of_contents:
            viewer.table_of_contents.query_one("Tree").focus()
        else:  # the viewer itself cannot take focus: its document can (keys scroll it)
            viewer.document.focus()

    def action_links(self) -> None:
        found = links(self.markdown)
        if not found:
            safe.notify(self, "This lesson has no links.")
            return
        self.services.navigate("links", links=found, on_result=self._link_chosen)

    def _link_chosen(self, url: str | None) -> None:
        if url:
            self.services.confirm_open_url(url)

    def on_lesson_viewer_link_requested(self, event: LessonViewer.LinkRequested) -> None:
        self.services.confirm_open_url(event.href)

    # -- live demos (tutor.ui.lab) ------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "try_it":
            return bool(self.lesson.demos)
        return True

    def on_demo_card_chosen(self, event: DemoCard.Chosen) -> None:
        event.stop()
        self.open_demo(event.card.info.index)

    def action_try_it(self) -> None:
        """Open the demo on screen (a picker if several are), else the next one below."""
        cards = demo_cards_in_view(self.query_one(LessonViewer))
        if not cards:
            safe.notify(self, "No live demo below this point in the lesson.")
        elif len(cards) == 1:
            self.open_demo(cards[0].info.index)
        else:
            infos = [card.info for card in cards]
            self.services.navigate("demo_picker", cards=infos, on_result=self._demo_picked)

    def _demo_picked(self, index: int | None) -> None:
        if index is not None:
            self.open_demo(index)

    def open_demo(self, index: int) -> None:
        """The demo's instrument, over the lesson: esc comes back to this very place."""
        self.save()
        self._opened_card = index
        open_lesson_demo(self.services, self.lesson, index)

    def on_screen_resume(self) -> None:
        """Back from a demo: focus the card it was opened from (``tab`` goes on from there),
        without scrolling, so the lesson stays where it was."""
        index, self._opened_card = self._opened_card, None
        if index is None:
            return
        for card in self.query(DemoCard):
            if card.info.index == index:
                card.focus(scroll_visible=False)

    def action_quiz(self) -> None:
        self.save()
        self.services.navigate("quiz", slug=self.lesson.slug)
