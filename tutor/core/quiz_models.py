"""Quiz questions as validated models: what a quiz file may say, once it has been checked.

The file format is in ``docs/pack-format.md`` ("Quizzes"); reading and checking a file is
``tutor.core.quiz`` (which re-exports these models). Every model is strict: unknown keys are
errors and TOML types are taken as written (``"true"`` is not ``true``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

from tutor.core.untrusted import SLUG_PATTERN

MAX_CHOICES = 8
# A cloze blank is three or more underscores; `blanks` lists the accepted answers per blank.
BLANK_RE = re.compile(r"_{3,}")


def _not_blank(text: str) -> str:
    """Reject empty and whitespace-only text: every piece of text must say something."""
    if not text.strip():
        raise ValueError("must not be empty")
    return text


Text = Annotated[str, AfterValidator(_not_blank)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]


class _Strict(BaseModel):
    """Base for every quiz model: unknown keys are errors and TOML types are taken as written."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Choice(_Strict):
    """One option of a single- or multiple-choice question."""

    text: Text
    correct: bool = False
    feedback: Text | None = None


class _QuestionBase(_Strict):
    """Keys every question has."""

    id: Slug
    prompt: Text
    explanation: Text
    hint: Text | None = None
    tags: list[Text] = Field(default_factory=list)


class SingleQuestion(_QuestionBase):
    """Pick the one correct choice."""

    type: Literal["single"]
    choices: list[Choice] = Field(min_length=2, max_length=MAX_CHOICES)


class MultipleQuestion(_QuestionBase):
    """Select all choices that apply (one or more are correct)."""

    type: Literal["multiple"]
    choices: list[Choice] = Field(min_length=2, max_length=MAX_CHOICES)


class TrueFalseQuestion(_QuestionBase):
    """A statement that is true or false."""

    type: Literal["truefalse"]
    answer: bool


class ShortQuestion(_QuestionBase):
    """A typed answer matched against accepted answers or a regular expression."""

    type: Literal["short"]
    answers: list[Text] = Field(min_length=1)
    pattern: Text | None = None


class NumericQuestion(_QuestionBase):
    """A number, right when within an absolute tolerance of the answer."""

    type: Literal["numeric"]
    answer: float
    tolerance: float = 0.0
    unit: Text | None = None


class OrderingQuestion(_QuestionBase):
    """Items to put in sequence; `items` is the correct order."""

    type: Literal["ordering"]
    items: list[Text] = Field(min_length=2, max_length=MAX_CHOICES)


class ClozeQuestion(_QuestionBase):
    """A sentence with blanks (``___``); `blanks` holds the accepted answers per blank."""

    type: Literal["cloze"]
    text: Text
    blanks: list[Annotated[list[Text], Field(min_length=1)]] = Field(min_length=1)


Question = Annotated[
    SingleQuestion
    | MultipleQuestion
    | TrueFalseQuestion
    | ShortQuestion
    | NumericQuestion
    | OrderingQuestion
    | ClozeQuestion,
    Field(discriminator="type"),
]
ChoiceQuestion = SingleQuestion | MultipleQuestion
QUESTION_TYPES = ("single", "multiple", "truefalse", "short", "numeric", "ordering", "cloze")
_QUESTION_ADAPTER: TypeAdapter[Question] = TypeAdapter(Question)


class Quiz(_Strict):
    """A validated quiz file."""

    title: Text | None = None
    shuffle: bool = True
    questions: list[Question] = Field(min_length=1)

    def question(self, question_id: str) -> Question:
        """The question with this id; KeyError if there is none."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)


class _QuizHeader(_Strict):
    """The top level of a quiz file; questions are validated one by one afterwards."""

    title: Text | None = None
    shuffle: bool = True
    questions: list[dict[str, Any]] = Field(min_length=1)
