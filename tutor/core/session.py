"""One sitting of questions — a lesson's quiz or a review — shared by the app and the plain CLI.

It keeps the order, hints and timing, grades each answer, appends it to the progress store
and reschedules the question's review card, so both front ends record exactly the same thing.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tutor.core.errors import PackError
from tutor.core.grading import Grade, Response, encode_response, grade
from tutor.core.pack import Pack
from tutor.core.progress import ProgressStore
from tutor.core.quiz import load_quiz
from tutor.core.quiz_models import MultipleQuestion, OrderingQuestion, Question, SingleQuestion
from tutor.core.review import schedule


def _clock() -> float:
    """Seconds for timing answers (a seam tests replace for reproducible summaries)."""
    return time.monotonic()


def _now() -> datetime:
    """The current time for scheduling (a seam tests replace to jump ahead)."""
    return datetime.now(UTC)


# -- the order choices are shown in -----------------------------------------------------------


def shuffled_order(n: int, learner_id: str, question_id: str, attempt: int = 0) -> list[int]:
    """A permutation of range(n), the same every time for one learner, question and attempt.

    Derived from SHA-256 rather than `random`, so it is stable across Python versions and
    runs: redrawing a question mid-attempt shows the choices in the same places.
    """
    seed = f"{learner_id}\x00{question_id}\x00{attempt}"

    def rank(i: int) -> bytes:
        return hashlib.sha256(f"{seed}\x00{i}".encode()).digest()

    return sorted(range(n), key=rank)


def presented_order(
    question: Question, learner_id: str, attempt: int = 0, *, shuffle: bool = True
) -> list[int]:
    """The order to show a question's choices or items in (indices into the file's list).

    Choices are shuffled when the quiz says so; ordering items are always shuffled and never
    shown already in order (that would give the answer away). Other types have no list: [].
    """
    if isinstance(question, SingleQuestion | MultipleQuestion):
        n = len(question.choices)
        if not shuffle:
            return list(range(n))
        return shuffled_order(n, learner_id, question.id, attempt)
    if isinstance(question, OrderingQuestion):
        order = shuffled_order(len(question.items), learner_id, question.id, attempt)
        if order == sorted(order):
            order = order[1:] + order[:1]  # rotate: still stable, no longer the answer
        return order
    return []


# -- a sitting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A question and the lesson it belongs to (a review mixes lessons)."""

    lesson: str
    question: Question


@dataclass(frozen=True)
class Result:
    item: Item
    grade: Grade
    seconds: float

    def headline(self, width: int = 70) -> str:
        """The question's first prompt line, shortened, for "to review" lists."""
        line = self.item.question.prompt.strip().splitlines()[0]
        return line if len(line) <= width else line[: width - 1] + "…"


@dataclass
class QuizSession:
    """Walks through ``items`` one at a time, recording every graded answer."""

    pack_id: str
    items: list[Item]
    store: ProgressStore
    shuffle: bool = True
    is_review: bool = False
    title: str | None = None  # the quiz's title, when it has one
    clock: Callable[[], float] = field(default_factory=lambda: _clock)
    now: Callable[[], datetime] = field(default_factory=lambda: _now)  # seam for tests
    results: list[Result] = field(default_factory=list)
    hinted: bool = False

    def __post_init__(self) -> None:
        self._learner = self.store.learner_id()
        # How often each question was answered before: a retake reshuffles, this run never does.
        self._seen = Counter((a.lesson, a.question_id) for a in self.store.answers(self.pack_id))
        self._started = self.clock()
        self._asked = self._started

    def restart_clock(self) -> None:
        """Start timing from now (after the clock was replaced)."""
        self._started = self._asked = self.clock()

    @property
    def current(self) -> Item | None:
        index = len(self.results)
        return self.items[index] if index < len(self.items) else None

    @property
    def finished(self) -> bool:
        return self.current is None

    def order(self, item: Item) -> list[int]:
        """The order in which to show this question's choices or items (indices into the file)."""
        attempt = self._seen[(item.lesson, item.question.id)]
        return presented_order(item.question, self._learner, attempt, shuffle=self.shuffle)

    def hint(self) -> str | None:
        """The current question's hint; asking for it marks the answer as hinted."""
        item = self.current
        if item is None or item.question.hint is None:
            return None
        self.hinted = True
        return item.question.hint

    def submit(self, response: Response) -> Grade:
        """Grade the current question. Unreadable answers (``grade.problem``) are not recorded."""
        item = self.current
        if item is None:
            raise RuntimeError("the session is finished")
        result = grade(item.question, response, hinted=self.hinted)
        if result.problem is not None:
            return result
        seconds = self.clock() - self._asked
        key = (self.pack_id, item.lesson, item.question.id)
        self.store.record_answer(
            *key,
            score=result.score,
            correct=result.correct,
            hinted=result.hinted,
            response=encode_response(response),
            seconds=seconds,
        )
        card, due = schedule(self.store.get_card(*key), result.correct, result.hinted, self.now())
        self.store.put_card(*key, card, due)
        self.results.append(Result(item, result, seconds))
        self.hinted = False
        self._asked = self.clock()
        if self.finished and not self.is_review:
            self.store.record_quiz_attempt(
                self.pack_id,
                item.lesson,
                score=self.score,
                total=len(self.items),
                seconds=self.seconds,
            )
        return result

    @property
    def score(self) -> float:
        return sum(r.grade.score for r in self.results)

    @property
    def seconds(self) -> float:
        return self.clock() - self._started

    def to_review(self) -> list[Result]:
        """Answers that were not fully right (or needed a hint): they come back in review."""
        return [r for r in self.results if not r.grade.correct]


def lesson_session(pack: Pack, slug: str, store: ProgressStore) -> QuizSession:
    """A session over a lesson's whole quiz. Raises KeyError/PackError for a missing/bad quiz."""
    lesson = pack.lesson(slug)
    if lesson.quiz_path is None:
        raise KeyError(f"lesson '{slug}' has no quiz")
    quiz = load_quiz(lesson.quiz_path)
    items = [Item(slug, q) for q in quiz.questions]
    return QuizSession(pack.id, items, store, shuffle=quiz.shuffle, title=quiz.title)


def review_session(
    pack: Pack, store: ProgressStore, now: datetime | None = None, limit: int = 20
) -> QuizSession:
    """A session over the review cards due now, across lessons (removed questions are skipped)."""
    moment = now or _now()
    quizzes: dict[str, dict[str, Question]] = {}
    items: list[Item] = []
    for card in store.due_cards(pack.id, moment):
        if card.lesson not in quizzes:
            quizzes[card.lesson] = _questions(pack, card.lesson)
        question = quizzes[card.lesson].get(card.question_id)
        if question is not None:
            items.append(Item(card.lesson, question))
        if len(items) >= limit:
            break
    session = QuizSession(pack.id, items, store, is_review=True)
    if now is not None:
        session.now = lambda: now
    return session


def _questions(pack: Pack, slug: str) -> dict[str, Question]:
    """A lesson's questions by id; none when the lesson or its quiz is gone or broken."""
    try:
        path = pack.lesson(slug).quiz_path
        return {q.id: q for q in load_quiz(path).questions} if path else {}
    except (KeyError, PackError):
        return {}


def due_count(pack: Pack, store: ProgressStore, now: datetime | None = None) -> int:
    """How many review cards are due (shown on the outline as "N due")."""
    return len(store.due_cards(pack.id, now or _now()))
