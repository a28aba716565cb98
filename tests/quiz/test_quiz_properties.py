"""Property tests: whatever a quiz file contains, the loader only ever raises PackError."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.core.errors import PackError
from tutor.core.grading import parse_number
from tutor.core.quiz import QUESTION_TYPES, load_quiz

KEYS = [
    "id", "type", "prompt", "explanation", "hint", "tags", "choices", "text", "correct",
    "feedback", "answer", "answers", "pattern", "tolerance", "unit", "items", "blanks", "title",
    "shuffle", "questions", "x",
]  # fmt: skip
STRINGS = st.one_of(
    st.sampled_from([*QUESTION_TYPES, "", " ", "a ___ b", "(", "[a-", "q1", "a", "1e3"]),
    st.text(max_size=12),
)
SCALARS = st.one_of(
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    STRINGS,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    ),
    max_leaves=8,
)
QUESTIONS = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=8)
FILES = st.fixed_dictionaries(
    {"questions": st.lists(QUESTIONS, max_size=4)},
    optional={"title": VALUES, "shuffle": VALUES, "x": VALUES},
)


def toml_value(value: Any) -> str:
    """A Python value as a TOML value (inline tables and arrays only)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)  # may overflow TOML's 64 bits: the loader must cope
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_file(data: dict[str, Any]) -> str:
    """Top-level keys, then one [[questions]] table per question, as instructors write them."""
    lines = [f"{key} = {toml_value(value)}" for key, value in data.items() if key != "questions"]
    for question in data["questions"]:
        lines.append("\n[[questions]]")
        lines += [f"{key} = {toml_value(value)}" for key, value in question.items()]
    return "\n".join(lines) + "\n"


def check(content: str | bytes) -> None:
    """Load `content` as a quiz file: it must load or raise PackError naming this file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "01-x.toml"
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        else:
            path.write_bytes(content)
        try:
            load_quiz(path)
        except PackError as error:
            assert error.problems
            assert all(p.file == path for p in error.problems)
            assert all(p.line is None or p.line >= 1 for p in error.problems)
            assert all(p.message for p in error.problems)


SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FILES)
def test_structured_quiz_files(data: dict[str, Any]) -> None:
    check(toml_file(data))


@SETTINGS
@given(st.text(alphabet=st.sampled_from("[]{}=\",\n #'abc_-.1tefalsinq"), max_size=200))
def test_toml_ish_text(text: str) -> None:
    check(text)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=100))
def test_arbitrary_bytes(content: bytes) -> None:
    check(content)


VALID = (Path(__file__).parent / "data" / "valid.toml").read_text(encoding="utf-8")


@SETTINGS
@given(st.data())
def test_mutated_valid_file(data: st.DataObject) -> None:
    """Valid files with a line dropped or some characters replaced: near misses, like typos."""
    lines = VALID.splitlines()
    drop = data.draw(st.integers(0, len(lines) - 1))
    text = "\n".join(lines[:drop] + lines[drop + 1 :])
    at = data.draw(st.integers(0, len(text)))
    typo = data.draw(st.text(max_size=3))
    check(text[:at] + typo + text[at + 3 :])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_parse_number_never_raises(text: str) -> None:
    value, problem = parse_number(text, unit="tokens")
    assert (value is None) != (problem is None)
    assert value is None or math.isfinite(value)
