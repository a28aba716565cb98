"""The course outline: every lesson with its status, and where to continue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from tutor.core.pack import Lesson
from tutor.core.progress import LessonProgress
from tutor.ui import safe
from tutor.ui.base import TutorScreen
from tutor.ui.widgets.footer import KeysFooter
from tutor.ui.widgets.marked import MarkedOptionList

TITLE_WIDTH = 38  # so a whole row, score included, fits in 80 columns
STATUS_MARK = {"new": "·", "in_progress": "◐", "done": "✓"}
STATUS_WORD = {"new": "new", "in_progress": "in progress", "done": "done"}
STATUS_STYLE = {"new": "", "in_progress": "bold yellow", "done": "bold green"}

if TYPE_CHECKING:
    from tutor.core.pack_watch import Reload


def _now() -> datetime:
    """The time the "N due" count is taken at (a seam tests replace to jump ahead).

    The outline asks the store directly rather than importing ``tutor.core.session``: that
    pulls in grading and the pydantic quiz models, which the first frame does not need.
    """
    return datetime.now(UTC)


def lesson_row(number: int, lesson: Lesson, progress: LessonProgress, best: float | None) -> Text:
    """One line of the outline; plain Text, so titles are never read as markup."""
    score = f"quiz {round(best * 100):>3}%" if best is not None else ""
    title = (
        lesson.title if len(lesson.title) <= TITLE_WIDTH else lesson.title[: TITLE_WIDTH - 1] + "…"
    )
    row = Text(no_wrap=True, overflow="ellipsis")
    row.append(f"{STATUS_MARK[progress.status]} ", style=STATUS_STYLE[progress.status])
    row.append(f"{number:02d}  {title:<{TITLE_WIDTH}} ")
    row.append(f"{STATUS_WORD[progress.status]:<11} {lesson.minutes:>3} min {score}", style="dim")
    return row


def _option(
    number: int, lesson: Lesson, progress: dict[str, LessonProgress], best: dict[str, float]
) -> Option:
    state = progress.get(lesson.slug, LessonProgress())
    return Option(lesson_row(number, lesson, state, best.get(lesson.slug)), id=lesson.slug)


class OutlineScreen(TutorScreen[None]):
    """Lessons in order with status, time and best quiz score."""

    BINDINGS = [
        Binding("enter", "open", "Open lesson", id="outline.open"),
        Binding("c", "continue", "Continue", id="outline.continue"),
        Binding("q", "quiz", "Quiz", id="outline.quiz"),
        Binding("r", "review", "Review due", id="outline.review"),
        Binding("m", "model", "Model", id="outline.model"),
        Binding("x", "lab", "Lab", id="outline.lab"),
        Binding("ctrl+q", "app.quit", "Quit", id="outline.quit"),  # shown here; works everywhere
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        # Its size known from the start: never drawn (and animated) as "unknown" first.
        yield ProgressBar(total=len(self.services.pack.lessons), show_eta=False, id="overall")
        yield MarkedOptionList(id="lessons")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#lessons", OptionList).focus()

    def on_screen_resume(self) -> None:
        self.refresh_outline()

    async def pack_reloaded(self, reload: Reload) -> None:
        """``--watch``: titles, minutes and lessons as saved."""
        self.refresh_outline()

    def refresh_outline(self) -> None:
        """Re-read progress and redraw every row, keeping the highlighted lesson."""
        app = self.services
        pack = app.pack
        progress = app.store.lesson_progress(pack.id)
        best = app.store.best_quiz_scores(pack.id)
        options = self.query_one("#lessons", OptionList)
        highlighted = options.highlighted
        options.set_options(  # in one go: one layout of the list, not one per lesson
            _option(number, lesson, progress, best) for number, lesson in enumerate(pack.lessons, 1)
        )
        last = app.store.last_lesson(pack.id)
        if highlighted is None and last in {lesson.slug for lesson in pack.lessons}:
            highlighted = [lesson.slug for lesson in pack.lessons].index(last)
        options.highlighted = highlighted or 0
        done = sum(1 for p in progress.values() if p.status == "done")
        self.query_one("#overall", ProgressBar).update(total=len(pack.lessons), progress=done)
        self._summarise(done, last)

    def _summarise(self, done: int, last: str | None) -> None:
        pack = self.services.pack
        summary = safe.plain(pack.title, style="bold")
        summary.append(f"  ·  {done} of {len(pack.lessons)} lessons done")
        due = len(self.services.store.due_cards(pack.id, _now()))
        if due:
            summary.append(f"  ·  {due} due", style="bold")
        right, total = self.services.store.prediction_score(pack.id)
        if total:
            summary.append(f"  ·  predictions: {right} of {total} right")
        if last in {lesson.slug for lesson in pack.lessons}:
            summary.append(f"  ·  c: continue “{pack.lesson(last).title}”", style="dim")
        self.query_one("#summary", Static).update(summary)

    def _highlighted(self) -> Lesson:
        options = self.query_one("#lessons", OptionList)
        index = options.highlighted or 0
        return self.services.pack.lessons[index]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.services.navigate("lesson", slug=self.services.pack.lessons[event.option_index].slug)

    def action_open(self) -> None:
        self.services.navigate("lesson", slug=self._highlighted().slug)

    def action_continue(self) -> None:
        self.services.continue_learning()

    def action_quiz(self) -> None:
        self.services.navigate("quiz", slug=self._highlighted().slug)

    def action_review(self) -> None:
        self.services.navigate("review")

    def action_model(self) -> None:
        self.services.navigate("model")

    def action_lab(self) -> None:
        self.services.navigate("lab")
