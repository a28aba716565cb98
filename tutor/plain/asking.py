"""Quizzes and reviews as plain text on stdin/stdout, for screen readers and plain terminals.

``llm-tutor quiz LESSON`` and ``llm-tutor review`` (``tutor.plain.quiz``) call :func:`run_quiz`
and :func:`run_review`.
Output is plain lines: no colour, no cursor movement, nothing redrawn, so a screen reader reads
it in order. Every question says how to answer; ``h`` shows the hint (the answer then counts as
hinted), ``q`` stops; end of input stops too. Every answer is recorded in the progress store
and schedules the question's review card, through the same ``QuizSession`` the app uses, and
the words (how to answer, the verdict) are the app's too (``tutor.core.quiz_text``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from tutor.core.errors import PackError
from tutor.core.grading import Grade, Response, parse_number
from tutor.core.quiz_models import (
    ClozeQuestion,
    MultipleQuestion,
    NumericQuestion,
    OrderingQuestion,
    Question,
    SingleQuestion,
    TrueFalseQuestion,
)
from tutor.core.quiz_text import HOW, choice_numbers, number_blanks, verdict
from tutor.core.sanitize import clean_text
from tutor.core.session import QuizSession, lesson_session, review_session

if TYPE_CHECKING:
    from tutor.core.pack import Pack
    from tutor.core.progress import ProgressStore

Clock = Callable[[], float]
_TRUE = {"t", "true", "y", "yes"}
_FALSE = {"f", "false", "n", "no"}


class _Quit(Exception):
    """The learner typed q, or the input ended."""


@dataclass
class _Console:
    """Plain-text input and output; `hint` asks the session for the current question's hint."""

    inp: TextIO
    out: TextIO
    hint: Callable[[], str | None] = lambda: None

    def say(self, text: str = "") -> None:
        """Print one or more lines."""
        self.out.write(clean_text(text) + "\n")
        self.out.flush()

    def ask(self, question: Question, prompt: str = "> ") -> str:
        """One line of input; handles h (hint) and q (quit) itself, so callers see answers only."""
        while True:
            self.out.write(prompt)
            self.out.flush()
            line = self.inp.readline()
            if not line:
                self.say()
                raise _Quit
            text = line.strip()
            if text.casefold() == "q":
                raise _Quit
            if text.casefold() != "h":
                return text
            self._hint(question)

    def _hint(self, question: Question) -> None:
        """Show the hint, once asked for; the session then counts the answer as hinted."""
        hint = self.hint()
        self.say(f"Hint: {hint}" if hint else "There is no hint for this question.")


# --- showing a question and reading the answer -----------------------------------------------


def _show(console: _Console, question: Question, order: list[int], number: str) -> None:
    """Print the question: heading, prompt, numbered choices or items, how to answer."""
    console.say(f"{number} ({question.type})")
    if isinstance(question, ClozeQuestion):
        console.say(question.prompt.strip())
        console.say(number_blanks(question.text.strip()))
    else:
        console.say(question.prompt.strip())
    if isinstance(question, SingleQuestion | MultipleQuestion):
        for shown, index in enumerate(order, 1):
            console.say(f"  {shown}. {question.choices[index].text}")
    if isinstance(question, OrderingQuestion):
        for shown, index in enumerate(order, 1):
            console.say(f"  {shown}. {question.items[index]}")
    if isinstance(question, NumericQuestion) and question.unit:
        console.say(f"(in {question.unit})")
    extra = " h for a hint," if question.hint else ""
    console.say(f"{HOW[question.type]} ({extra} q to quit)".replace("( ", "("))


def _read(console: _Console, question: Question, order: list[int]) -> Response:
    """Ask until the answer can be read; raises _Quit on q or end of input."""
    if isinstance(question, ClozeQuestion):
        return [_read_blank(console, question, k) for k in range(len(question.blanks))]
    while True:
        response, problem = _parse(question, order, console.ask(question))
        if problem is None:
            return response
        console.say(problem)


def _read_blank(console: _Console, question: ClozeQuestion, k: int) -> str:
    """One cloze blank; it may not be left empty."""
    while True:
        text = console.ask(question, f"blank {k + 1}> ")
        if text:
            return text
        console.say("Type a word for this blank.")


def _parse(question: Question, order: list[int], text: str) -> tuple[Response, str | None]:
    """Turn a typed line into a response, or say what is wrong with it."""
    if not text:
        return "", "Type an answer, h for a hint or q to quit."
    if isinstance(question, SingleQuestion | MultipleQuestion | OrderingQuestion):
        return _parse_numbers(question, order, text)
    if isinstance(question, TrueFalseQuestion):
        word = text.casefold()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE, None
        return "", "Type t for true or f for false."
    if isinstance(question, NumericQuestion):
        _value, problem = parse_number(text, unit=question.unit)
        return text, (f"{problem}. Type a number." if problem else None)
    return text, None


def _parse_numbers(
    question: SingleQuestion | MultipleQuestion | OrderingQuestion, order: list[int], text: str
) -> tuple[Response, str | None]:
    """Shown numbers ("1 3") mapped back to positions in the quiz file."""
    n = len(order)
    numbers = choice_numbers(text, n)
    if numbers is None:
        return "", f"Use numbers from 1 to {n}."
    picked = [order[number - 1] for number in numbers]
    if isinstance(question, SingleQuestion):
        return (picked[0], None) if len(picked) == 1 else ("", "Choose just one number.")
    if isinstance(question, MultipleQuestion):
        return frozenset(picked), None
    if sorted(picked) != list(range(n)):
        return "", f"Use each number from 1 to {n} exactly once."
    return picked, None


def _tell(console: _Console, result: Grade) -> None:
    """Right or wrong at once, then what to learn from it."""
    said = verdict(result)
    console.say(f"{said.words} ({said.hint_note})." if said.hint_note else f"{said.words}.")
    for line in result.feedback:
        console.say(f"- {line}")
    if result.score < 1.0:
        console.say(f"The answer: {result.expected}")
    console.say(f"Explanation: {result.explanation.strip()}")
    console.say()


# --- one question, end to end ------------------------------------------------------------------


def _take(console: _Console, session: QuizSession, label: str) -> Grade:
    """Show, read, grade and tell the current question; the session records it. Raises _Quit."""
    item = session.current
    assert item is not None
    order = session.order(item)
    console.hint = session.hint
    _show(console, item.question, order, label)
    result = session.submit(_read(console, item.question, order))
    _tell(console, result)
    return result


# --- quiz ----------------------------------------------------------------------------------------


def _open_session(
    pack: Pack, lesson_slug: str, store: ProgressStore, console: _Console
) -> QuizSession | None:
    """The session over the lesson's quiz, or None after saying why there is none."""
    try:
        lesson = pack.lesson(lesson_slug)
    except KeyError:
        known = ", ".join(lesson.slug for lesson in pack.lessons)
        console.say(f"There is no lesson {lesson_slug!r}. Lessons: {known}")
        return None
    if lesson.quiz_path is None:
        console.say(f"The lesson {lesson_slug!r} has no quiz.")
        return None
    try:
        return lesson_session(pack, lesson_slug, store)
    except PackError as error:
        console.say(f"The quiz for {lesson_slug!r} cannot be used:")
        for problem in error.problems:
            console.say(str(problem))
        return None


def run_quiz(
    pack: Pack,
    lesson_slug: str,
    store: ProgressStore,
    inp: TextIO,
    out: TextIO,
    *,
    now: datetime | None = None,
    clock: Clock | None = None,
) -> int:
    """Take a lesson's quiz question by question; returns the exit status (0 also when quit).

    2 when the lesson or its quiz does not exist or the quiz is broken. `now` fixes the time
    used for review scheduling (tests); `clock` measures answer times.
    """
    console = _Console(inp, out)
    opened = _open_session(pack, lesson_slug, store, console)
    if opened is None:
        return 2
    session = _session(opened, now, clock)
    count = len(session.items)
    console.say(f"{session.title or 'Quiz'}: {count} questions. Type h for a hint, q to stop.")
    console.say()
    try:
        while not session.finished:
            _take(console, session, f"Question {len(session.results) + 1} of {count}")
    except _Quit:
        console.say("Stopped.")
    _summary(console, session, count)
    return 0


def _session(session: QuizSession, now: datetime | None, clock: Clock | None) -> QuizSession:
    """Fix the session's time sources when the caller gave them (tests)."""
    if now is not None:
        session.now = lambda: now
    if clock is not None:
        session.clock = clock
        session.restart_clock()
    return session


def _summary(console: _Console, session: QuizSession, count: int) -> None:
    """Score, time, and which questions to look at again."""
    done = len(session.results)
    answered = f"{done} of {count} answered, " if done < count else ""
    share = f"{session.score / count:.0%}"
    console.say(
        f"Score: {session.score:g} out of {count} ({share}); "
        f"{answered}time {_duration(session.seconds)}."
    )
    missed = session.to_review()
    if missed:
        console.say("To review:")
        for result in missed:
            console.say(f"- {result.headline()}")
    elif done:
        console.say("Every answer right without hints.")


def _duration(seconds: float) -> str:
    """E.g. "2 min 5 s"."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


# --- review ------------------------------------------------------------------------------------


def run_review(
    pack: Pack,
    store: ProgressStore,
    inp: TextIO,
    out: TextIO,
    now: datetime | None = None,
    *,
    clock: Clock | None = None,
) -> int:
    """Review every due card of the pack, oldest first, across lessons; returns 0."""
    console = _Console(inp, out)
    session = _session(review_session(pack, store, now), now, clock)
    total = len(session.items)
    if not total:
        console.say("Nothing to review right now.")
        return 0
    console.say(f"{total} questions to review. Type h for a hint, q to stop.")
    console.say()
    try:
        while not session.finished:
            _take(console, session, f"Review {len(session.results) + 1} of {total}")
    except _Quit:
        console.say("Stopped.")
    right = sum(result.grade.correct for result in session.results)
    console.say(f"Reviewed {len(session.results)}: {right} right.")
    return 0
