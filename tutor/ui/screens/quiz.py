"""A lesson's quiz, or a review of due questions: one question at a time, keyboard only.

States: asking → feedback (right / wrong with the explanation) → next question … → summary.
Every answer is recorded by the shared ``QuizSession``, exactly as the plain CLI does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Header, Input, Markdown, Static

from tutor.core.errors import PackError
from tutor.core.grading import Grade, Response
from tutor.core.pack import Lesson
from tutor.core.quiz import (
    ClozeQuestion,
    MultipleQuestion,
    NumericQuestion,
    OrderingQuestion,
    Question,
    ShortQuestion,
    SingleQuestion,
    TrueFalseQuestion,
)
from tutor.core.quiz_text import KIND, number_blanks
from tutor.core.quiz_text import verdict as judge
from tutor.core.sanitize import clean_text
from tutor.core.session import QuizSession, lesson_session, review_session
from tutor.ui import safe
from tutor.ui.base import TutorScreen
from tutor.ui.services import AppServices
from tutor.ui.widgets.choices import ChoiceList
from tutor.ui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from tutor.core.pack_watch import Reload


class QuizScreen(TutorScreen[None]):
    """Asks the questions of a lesson's quiz (``lesson``) or of a review (``lesson=None``)."""

    BINDINGS = [
        Binding("enter", "submit", "Submit / next", id="quiz.submit", priority=True),
        Binding("ctrl+g", "hint", "Hint", id="quiz.hint"),
        Binding("r", "retake", "Retake", id="quiz.retake"),
        Binding("escape", "leave", "Leave", id="quiz.leave"),
    ]

    KEY_WIDGETS = (ChoiceList,)

    @classmethod
    def for_route(cls, app: AppServices, **params: Any) -> QuizScreen | None:
        """``navigate("quiz", slug=...)``: a lesson's quiz; ``navigate("review")``: a review."""
        if "slug" not in params:
            return cls(None)
        lesson = app.pack.lesson(params["slug"])
        if lesson.quiz_path is None:
            safe.notify(app, f"“{lesson.title}” has no quiz.", severity="warning")
            return None
        return cls(lesson)

    def __init__(self, lesson: Lesson | None) -> None:
        super().__init__()
        self.lesson = lesson
        self.session: QuizSession | None = None
        self.state = "asking"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="quiz-status")
        yield VerticalScroll(id="quiz-body")
        yield KeysFooter()

    async def on_mount(self) -> None:
        try:
            self.session = self._new_session()
        except (PackError, KeyError) as exc:
            safe.notify(self, f"Cannot open this quiz:\n{exc}", severity="error", timeout=20)
            self.dismiss()
            return
        if self.session.finished:
            safe.notify(self, "Nothing is due for review. Well done!")
            self.dismiss()
            return
        await self.show_question()

    async def pack_reloaded(self, reload: Reload) -> None:
        """``--watch``: this quiz's file was saved: the question on screen is redrawn as it now
        reads (only if it changed: a pick in progress is kept otherwise), later ones come from
        the new file. Answers already given stay given; a quiz that no longer loads keeps the
        old questions (the problems panel says why).
        """
        if self.lesson is None or self.session is None or self.state == "summary":
            return
        try:
            self.lesson = self.services.pack.lesson(self.lesson.slug)
            if self.lesson.quiz_path not in reload.changed:
                return
            fresh = self._new_session()
        except (PackError, KeyError):
            return
        answered = self.session.results
        place = len(answered) - (1 if self.state == "feedback" else 0)  # the question on screen
        if place >= len(fresh.items):
            return  # the quiz got shorter than where the learner is: keep the old one
        if fresh.items[place].question == self.session.items[place].question:
            fresh.results = list(answered)  # same question: swap quietly, keep the pick
            self.session = fresh
            return
        fresh.results = list(answered[:place])
        self.session = fresh
        await self.show_question()

    def _new_session(self) -> QuizSession:
        app = self.services
        if self.lesson is None:
            return review_session(app.pack, app.store)
        return lesson_session(app.pack, self.lesson.slug, app.store)

    # -- drawing ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retake":
            return self.state == "summary" and self.lesson is not None
        if action == "hint":
            session = self.session
            item = session.current if session else None
            return self.state == "asking" and item is not None and item.question.hint is not None
        return True

    def _status(self, text: str) -> None:
        title = self.lesson.title if self.lesson else "Review of due questions"
        status = safe.plain(f"{title}  ", style="bold")
        status.append(text, style="dim")
        status.truncate(self.app.size.width - 2)
        self.query_one("#quiz-status", Static).update(status)

    async def show_question(self) -> None:
        assert self.session is not None and self.session.current is not None
        item = self.session.current
        question = item.question
        number = len(self.session.results) + 1
        self._status(f"Question {number} of {len(self.session.items)} · {KIND[question.type]}")
        self.state = "asking"
        body = self.query_one("#quiz-body", VerticalScroll)
        await body.remove_children()
        widgets: list[Widget] = [
            Markdown(clean_text(question.prompt), id="prompt", open_links=False)
        ]
        widgets += self._answer_widgets(question, self.session.order(item))
        widgets.append(Static(id="feedback"))
        await body.mount_all(widgets)
        self._focus_answer()
        self.refresh_bindings()

    def _answer_widgets(self, question: Question, order: list[int]) -> list[Widget]:
        if isinstance(question, SingleQuestion | MultipleQuestion):
            labels = [clean_text(c.text) for c in question.choices]
            return [ChoiceList(labels, order, question.type, id="answer")]
        if isinstance(question, TrueFalseQuestion):
            return [ChoiceList(["True", "False"], [0, 1], "single", id="answer")]
        if isinstance(question, OrderingQuestion):
            labels = [clean_text(i) for i in question.items]
            return [
                Static(Text("[ and ] move the highlighted item; enter submits.", style="dim")),
                ChoiceList(labels, order, "ordering", id="answer"),
            ]
        if isinstance(question, ClozeQuestion):
            sentence = number_blanks(clean_text(question.text), "__({n})__")
            inputs: list[Widget] = [Static(Text(sentence), id="cloze-text")]
            inputs += [
                Input(placeholder=f"blank {n}", id=f"blank-{n}", classes="blank")
                for n in range(1, len(question.blanks) + 1)
            ]
            return inputs
        placeholder = "your answer"
        if isinstance(question, NumericQuestion):
            placeholder = f"a number ({clean_text(question.unit)})" if question.unit else "a number"
        return [Input(placeholder=placeholder, id="answer")]

    def _focus_answer(self) -> None:
        """Focus now, not via ``widget.focus()``: that queues the change behind keys already
        typed, which would then reach no answer widget."""
        for widget in self.query("#answer, .blank"):
            self.set_focus(widget)
            return

    # -- answering ----------------------------------------------------------------------

    def _response(self, question: Question) -> Response | None:
        if isinstance(question, ClozeQuestion):
            return [blank.value for blank in self.query(".blank").results(Input)]
        if isinstance(question, ShortQuestion | NumericQuestion):
            return self.query_one("#answer", Input).value
        choices = self.query_one("#answer", ChoiceList)
        if isinstance(question, OrderingQuestion):
            return list(choices.order)
        if not choices.picked and not isinstance(question, MultipleQuestion):
            return None
        if isinstance(question, TrueFalseQuestion):
            return 0 in choices.picked
        if isinstance(question, SingleQuestion):
            return next(iter(choices.picked))
        return set(choices.picked)

    async def action_submit(self) -> None:
        if self.session is None:
            return
        if self.state == "feedback":
            await self._advance()
            return
        if self.state == "asking" and isinstance(self.focused, Input):
            if self._empty_blank_after(self.focused):
                return  # focus moved now, so the keys typed next land in that blank
            # Enter goes on to the Input, behind the characters typed before it, and comes
            # back as Input.Submitted: submitting now would grade a half-typed answer.
            raise SkipAction()
        await self._submit_answer()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self._submit_answer()

    async def _submit_answer(self) -> None:
        """Grade the answer on screen (or say what is missing) and show the feedback."""
        if self.session is None or self.state != "asking" or self.session.current is None:
            return
        item = self.session.current
        response = self._response(item.question)
        if response is None:
            safe.notify(self, "Pick an answer first (number keys or space).")
            return
        if isinstance(item.question, ClozeQuestion) and self._next_empty_blank():
            return
        result = self.session.submit(response)
        if result.problem is not None:
            safe.notify(self, result.problem, severity="warning")
            return
        await self._show_feedback(result)

    def _empty_blank_after(self, current: Input) -> bool:
        """In a cloze, enter moves to the next empty blank after this one, if there is one.

        Decided as enter arrives (only the later blanks are read: this one's characters may
        still be on their way to it), and focused at once, not via ``blank.focus()``, which
        would queue the change behind keys already typed for the new blank.
        """
        blanks = list(self.query(".blank").results(Input))
        later = blanks[blanks.index(current) + 1 :] if current in blanks else []
        return self._focus_first_empty(later)

    def _next_empty_blank(self) -> bool:
        """In a cloze, enter on the last blank goes back to an empty one rather than submit."""
        blanks = self.query(".blank").results(Input)
        return self._focus_first_empty([b for b in blanks if not b.has_focus])

    def _focus_first_empty(self, blanks: list[Input]) -> bool:
        for blank in blanks:
            if not blank.value.strip():
                self.set_focus(blank)
                return True
        return False

    async def _show_feedback(self, result: Grade) -> None:
        self.state = "feedback"
        for widget in self.query("#answer, .blank"):
            widget.disabled = isinstance(widget, Input)
            if isinstance(widget, ChoiceList):
                widget.locked = True
                widget.refresh()
        said = judge(result)
        style = {"right": "bold green", "partly": "bold yellow", "wrong": "bold red"}[said.tone]
        verdict = Text(f"{said.mark} {said.words}", style=style)
        if said.hint_note:
            verdict.append(f"  ({said.hint_note})", style="dim")
        lines = []
        if result.score < 1.0:
            lines.append(f"**Answer:** {result.expected}")
        lines += [f"- *{note}*" for note in result.feedback]
        lines += [result.explanation, "*enter: next question*"]
        feedback = self.query_one("#feedback", Static)
        feedback.update(verdict)
        feedback.add_class("shown")
        await self.query_one("#quiz-body", VerticalScroll).mount(
            Markdown(clean_text("\n\n".join(lines)), id="explanation", open_links=False)
        )
        self.call_after_refresh(feedback.scroll_visible, animate=False)
        self.set_focus(None)
        self.refresh_bindings()

    async def _advance(self) -> None:
        assert self.session is not None
        if self.session.finished:
            await self.show_summary()
        else:
            await self.show_question()

    async def show_summary(self) -> None:
        assert self.session is not None
        self.state = "summary"
        session = self.session
        total = len(session.items)
        minutes, seconds = divmod(round(session.seconds), 60)
        self._status("Finished")
        text = Text(
            f"Score: {session.score:g} of {total} ({session.score / total:.0%})", style="bold"
        )
        text.append(f"   Time: {minutes}:{seconds:02d}\n\n")
        missed = session.to_review()
        if missed:
            text.append("To review (these come back in your review sessions):\n", style="bold")
            for result in missed:
                text.append(f"• {clean_text(result.headline())}\n")
        else:
            text.append("Everything right without hints.\n")
        keys = "r: retake · escape: back" if self.lesson else "escape: back"
        text.append(f"\n{keys}", style="dim")
        body = self.query_one("#quiz-body", VerticalScroll)
        await body.remove_children()
        await body.mount(Static(text, id="summary-text"))
        self.refresh_bindings()

    async def action_retake(self) -> None:
        self.session = self._new_session()
        await self.show_question()

    def action_hint(self) -> None:
        if self.session is None:
            return
        hint = self.session.hint()
        if hint:
            safe.notify(self, hint, title="Hint", timeout=15)

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        """A link in a question or explanation opens only after the learner confirms it."""
        event.stop()
        self.services.confirm_open_url(event.href)

    def action_leave(self) -> None:
        self.dismiss()
