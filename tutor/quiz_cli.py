"""Quizzes and reviews as plain text on stdin/stdout, for screen readers and plain terminals.

``llm-tutor quiz LESSON`` and ``llm-tutor review`` call :func:`run_quiz` and :func:`run_review`.
Output is plain lines: no colour, no cursor movement, nothing redrawn, so a screen reader reads
it in order. Every question says how to answer; ``h`` shows the hint (the answer then counts as
hinted), ``q`` stops; end of input stops too. Every answer is recorded in the progress store
and schedules the question's review card.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from tutor.core.errors import PackError
from tutor.core.grading import Grade, Response, encode_response, grade, parse_number
from tutor.core.quiz import (
    BLANK_RE,
    ClozeQuestion,
    MultipleQuestion,
    NumericQuestion,
    OrderingQuestion,
    Question,
    Quiz,
    SingleQuestion,
    TrueFalseQuestion,
    load_quiz,
    presented_order,
)
from tutor.core.review import schedule
from tutor.core.sanitize import clean_text

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
    """Plain-text input and output; `hinted` tracks whether the current question used its hint."""

    inp: TextIO
    out: TextIO
    hinted: bool = False

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
        """Show the hint, once asked for; the answer will count as hinted."""
        if question.hint is None:
            self.say("There is no hint for this question.")
            return
        self.hinted = True
        self.say(f"Hint: {question.hint}")


# --- showing a question and reading the answer -----------------------------------------------

_HOW = {
    "single": "Type the number of your answer.",
    "multiple": "Select all that apply: type their numbers separated by spaces, like 1 3.",
    "truefalse": "Type t for true or f for false.",
    "short": "Type your answer.",
    "numeric": "Type a number.",
    "ordering": "Type the numbers in the right order, separated by spaces, like 3 1 2.",
    "cloze": "Type the word for each blank in turn.",
}


def _show(console: _Console, question: Question, order: list[int], number: str) -> None:
    """Print the question: heading, prompt, numbered choices or items, how to answer."""
    console.say(f"{number} ({question.type})")
    if isinstance(question, ClozeQuestion):
        console.say(question.prompt.strip())
        console.say(_numbered_blanks(question.text.strip()))
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
    console.say(f"{_HOW[question.type]} ({extra} q to quit)".replace("( ", "("))


def _numbered_blanks(text: str) -> str:
    """Cloze text with each blank named, so it can be referred to: "[blank 1]"."""
    counter = iter(range(1, 1000))
    return BLANK_RE.sub(lambda _m: f"[blank {next(counter)}]", text)


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
    words = re.split(r"[\s,;]+", text.strip(" ,;"))
    if not all(word.isdigit() and 1 <= int(word) <= n for word in words):
        return "", f"Use numbers from 1 to {n}."
    picked = [order[int(word) - 1] for word in words]
    if isinstance(question, SingleQuestion):
        return (picked[0], None) if len(picked) == 1 else ("", "Choose just one number.")
    if isinstance(question, MultipleQuestion):
        return frozenset(picked), None
    if sorted(picked) != list(range(n)):
        return "", f"Use each number from 1 to {n} exactly once."
    return picked, None


def _tell(console: _Console, result: Grade) -> None:
    """Right or wrong at once, then what to learn from it."""
    if result.score == 1.0:
        console.say("Right, with a hint." if result.hinted else "Right.")
    elif result.score > 0:
        console.say(f"Partly right: {result.score:.0%}.")
    else:
        console.say("Not right.")
    for line in result.feedback:
        console.say(f"- {line}")
    if result.score < 1.0:
        console.say(f"The answer: {result.expected}")
    console.say(f"Explanation: {result.explanation.strip()}")
    console.say()


# --- one question, end to end ------------------------------------------------------------------


@dataclass
class _Session:
    """One quiz or review run: where answers go and how time is told."""

    console: _Console
    store: ProgressStore
    pack_id: str
    clock: Clock
    now: datetime | None
    learner: str = ""
    seen: Counter[tuple[str, str]] = field(default_factory=Counter)

    def start(self, lesson: str | None) -> None:
        """Look up the learner and how often each question was answered (picks the shuffle)."""
        self.learner = self.store.learner_id()
        rows = self.store.answers(self.pack_id, lesson)
        self.seen = Counter((row.lesson, row.question_id) for row in rows)

    def take(self, lesson: str, question: Question, shuffle: bool, label: str) -> Grade:
        """Show, read, grade, tell, record and reschedule one question; raises _Quit."""
        attempt = self.seen[(lesson, question.id)]
        order = presented_order(question, self.learner, attempt, shuffle=shuffle)
        self.console.hinted = False
        _show(self.console, question, order, label)
        started = self.clock()
        response = _read(self.console, question, order)
        result = grade(question, response, hinted=self.console.hinted)
        _tell(self.console, result)
        self._record(lesson, question, response, result, self.clock() - started)
        return result

    def _record(
        self, lesson: str, question: Question, response: Response, result: Grade, seconds: float
    ) -> None:
        """Append the answer and move the question's review card."""
        store, pack_id = self.store, self.pack_id
        store.record_answer(
            pack_id, lesson, question.id,
            score=result.score, correct=result.correct, hinted=result.hinted,
            response=encode_response(response), seconds=seconds,
        )  # fmt: skip
        card = store.get_card(pack_id, lesson, question.id)
        moment = self.now or datetime.now(UTC)
        card_json, due = schedule(card, result.correct, result.hinted, moment)
        store.put_card(pack_id, lesson, question.id, card_json, due)


# --- quiz ----------------------------------------------------------------------------------------


def _open_quiz(pack: Pack, lesson_slug: str, console: _Console) -> Quiz | None:
    """The lesson's quiz, or None after saying why there is none."""
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
        return load_quiz(lesson.quiz_path)
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
    clock: Clock = time.monotonic,
) -> int:
    """Take a lesson's quiz question by question; returns the exit status (0 also when quit).

    2 when the lesson or its quiz does not exist or the quiz is broken. `now` fixes the time
    used for review scheduling (tests); `clock` measures answer times.
    """
    console = _Console(inp, out)
    quiz = _open_quiz(pack, lesson_slug, console)
    if quiz is None:
        return 2
    session = _Session(console, store, pack.id, clock, now)
    session.start(lesson_slug)
    count = len(quiz.questions)
    console.say(f"{quiz.title or 'Quiz'}: {count} questions. Type h for a hint, q to stop.")
    console.say()
    started, grades = clock(), []
    try:
        for n, question in enumerate(quiz.questions, 1):
            label = f"Question {n} of {count}"
            grades.append((question, session.take(lesson_slug, question, quiz.shuffle, label)))
    except _Quit:
        console.say("Stopped.")
    seconds = clock() - started
    total = sum(result.score for _q, result in grades)
    if len(grades) == count:
        store.record_quiz_attempt(pack.id, lesson_slug, score=total, total=count, seconds=seconds)
    _summary(console, grades, count, seconds)
    return 0


def _summary(
    console: _Console, grades: list[tuple[Question, Grade]], count: int, seconds: float
) -> None:
    """Score, time, and which questions to look at again."""
    total = sum(result.score for _q, result in grades)
    answered = f"{len(grades)} of {count} answered, " if len(grades) < count else ""
    share = f"{total / count:.0%}"
    console.say(f"Score: {total:g} out of {count} ({share}); {answered}time {_duration(seconds)}.")
    missed = [question for question, result in grades if not result.correct]
    if missed:
        console.say("To review:")
        for question in missed:
            console.say(f"- {_first_line(question.prompt)}")
    elif grades:
        console.say("Every answer right without hints.")


def _duration(seconds: float) -> str:
    """E.g. "2 min 5 s"."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def _first_line(markdown: str, width: int = 70) -> str:
    """A prompt's first line, shortened, for lists."""
    line = markdown.strip().splitlines()[0]
    return line if len(line) <= width else line[: width - 1] + "…"


# --- review ------------------------------------------------------------------------------------


def run_review(
    pack: Pack,
    store: ProgressStore,
    inp: TextIO,
    out: TextIO,
    now: datetime | None = None,
    *,
    clock: Clock = time.monotonic,
) -> int:
    """Review every due card of the pack, oldest first, across lessons; returns 0."""
    console = _Console(inp, out)
    due = store.due_cards(pack.id, now or datetime.now(UTC))
    if not due:
        console.say("Nothing to review right now.")
        return 0
    console.say(f"{len(due)} questions to review. Type h for a hint, q to stop.")
    console.say()
    session = _Session(console, store, pack.id, clock, now)
    session.start(None)
    quizzes: dict[str, Quiz | None] = {}
    right = done = 0
    try:
        for n, card in enumerate(due, 1):
            quiz = _cached_quiz(pack, card.lesson, quizzes)
            question = _find(quiz, card.question_id)
            if quiz is None or question is None:
                continue  # lesson or question removed (or quiz broken) since it was answered
            result = session.take(card.lesson, question, quiz.shuffle, f"Review {n} of {len(due)}")
            done, right = done + 1, right + result.correct
    except _Quit:
        console.say("Stopped.")
    console.say(f"Reviewed {done}: {right} right.")
    return 0


def _cached_quiz(pack: Pack, lesson: str, quizzes: dict[str, Quiz | None]) -> Quiz | None:
    """A lesson's quiz if the lesson still exists and its quiz loads; loaded once per run."""
    if lesson not in quizzes:
        try:
            path = pack.lesson(lesson).quiz_path
            quizzes[lesson] = load_quiz(path) if path is not None else None
        except (KeyError, PackError):
            quizzes[lesson] = None
    return quizzes[lesson]


def _find(quiz: Quiz | None, question_id: str) -> Question | None:
    """The question with this id, if the quiz still has it."""
    if quiz is None:
        return None
    try:
        return quiz.question(question_id)
    except KeyError:
        return None
