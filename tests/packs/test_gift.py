"""Moodle GIFT in and out: Moodle's own examples, and a round trip of the whole built-in course."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from tutor.core import paths
from tutor.core.authoring import export_gift, import_gift, new_pack
from tutor.core.errors import PackError
from tutor.core.gift import parse_gift
from tutor.core.gift_write import to_gift
from tutor.core.pack import load_pack

EXAMPLES = Path(__file__).parent / "moodle_examples.gift"
COMPARED = ("type", "prompt", "explanation", "choices", "answers", "answer", "items", "text")


def _parsed() -> dict[str, dict[str, Any]]:
    result = parse_gift(EXAMPLES.read_text(encoding="utf-8"), EXAMPLES)
    return {q["prompt"][:24] + "/" + q["type"]: q for q in result.questions}


def test_moodle_examples_become_the_right_types() -> None:
    result = parse_gift(EXAMPLES.read_text(encoding="utf-8"), EXAMPLES)
    kinds = [q["type"] for q in result.questions]
    assert kinds.count("single") == 4 and kinds.count("multiple") == 1
    assert kinds.count("truefalse") == 2 and kinds.count("numeric") == 4
    assert kinds.count("cloze") == 4 and kinds.count("short") == 2
    grant = next(q for q in result.questions if q["prompt"].startswith("Who's") and "choices" in q)
    assert [c["text"] for c in grant["choices"] if c.get("correct")] == ["no one"]


def test_weights_feedback_ranges_titles_and_escapes() -> None:
    result = parse_gift(EXAMPLES.read_text(encoding="utf-8"), EXAMPLES)
    by_id = {q["id"]: q for q in result.questions}
    entombed = next(q for q in result.questions if q["type"] == "multiple")
    assert [c["text"] for c in entombed["choices"] if c.get("correct")] == ["Grant", "Grant's wife"]
    feedback = next(q for q in result.questions if q["prompt"].startswith("What's the answer"))
    assert feedback["choices"][2] == {
        "text": "right answer",
        "correct": True,
        "feedback": "Very good!",
    }
    pi_range = [q for q in result.questions if q["prompt"].startswith("What is the value of pi")]
    assert {(q["answer"], q["tolerance"]) for q in pi_range} == {(3.1415, 0.0005)}
    colon = by_id["colon-escape"]
    assert (
        colon["choices"][0]["text"] == "12:30"
        and colon["explanation"] == "Times use a colon: 12:30."
    )
    assert colon["tags"] == ["harry"]  # $CATEGORY: tom/dick/harry
    assert by_id["thanksgiving-date"]["text"].endswith("___ Thursday of November.")


def test_what_cannot_be_expressed_is_reported_with_its_line() -> None:
    result = parse_gift(EXAMPLES.read_text(encoding="utf-8"), EXAMPLES)
    reported = {(p.line, p.message.split(" ")[1]) for p in result.problems}
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    assert len(result.problems) == 3  # matching (countries), essay, description
    for problem in result.problems:
        assert problem.file == EXAMPLES and problem.line is not None
        assert lines[problem.line - 1].strip()  # points at the question's first line
    assert any("matching" in p.message for p in result.problems)
    assert any("essay" in p.message for p in result.problems)
    assert any("description" in p.message for p in result.problems)
    assert reported


def _quiz_questions() -> list[tuple[str, dict[str, Any]]]:
    pack = load_pack(paths.builtin_course_dir())
    return [
        (lesson.slug, q)
        for lesson in pack.lessons
        if lesson.quiz_path is not None
        for q in tomllib.loads(lesson.quiz_path.read_text(encoding="utf-8"))["questions"]
    ]


def _normal(question: dict[str, Any]) -> dict[str, Any]:
    """The fields GIFT carries, with TOML's defaults written out."""
    out = {k: question[k] for k in COMPARED if k in question}
    for key in ("prompt", "explanation", "text"):
        if key in out:
            out[key] = out[key].strip()
    if question["type"] == "numeric":
        out["answer"] = float(question["answer"])
        out["tolerance"] = float(question.get("tolerance", 0))
    if "choices" in out:
        out["choices"] = [{k: v for k, v in c.items() if v is not False} for c in out["choices"]]
    if question["type"] == "cloze":
        out["blanks"] = question["blanks"]
    return out


def test_round_trip_of_the_built_in_course() -> None:
    """Export every quiz as GIFT, read it back: each exported question comes back the same."""
    text, lost = export_gift(load_pack(paths.builtin_course_dir()))
    back = parse_gift(text, Path("course.gift"))
    assert back.problems == [] and back.notes == []
    returned = {(q["tags"][0], q["id"]): q for q in back.questions}
    exported = 0
    for slug, question in _quiz_questions():
        written, _ = to_gift(question)
        if written is None:  # a cloze with several blanks: reported, not written
            assert question["type"] == "cloze" and len(question["blanks"]) > 1
            continue
        exported += 1
        assert _normal(returned[(slug, question["id"])]) == _normal(question), question["id"]
    assert exported == len(back.questions) >= 120
    kinds = {q["type"] for q in back.questions}  # the course's clozes all have several blanks
    assert kinds == {"single", "multiple", "truefalse", "short", "numeric", "ordering"}
    assert any("several blanks" in p.message for p in lost)


@pytest.mark.parametrize(
    "text", ["Queries are compared with ___ to weight the values.", "Queries meet ___."]
)
def test_one_blank_cloze_round_trips_as_missing_word(text: str) -> None:
    question = {
        "id": "one-blank",
        "type": "cloze",
        "prompt": "Fill the blank: keys or values?",
        "explanation": "Queries are compared with keys.",
        "text": text,
        "blanks": [["keys", "key"]],
    }
    written, lost = to_gift(question)
    assert written is not None and lost == []
    back = parse_gift(written, Path("one.gift")).questions
    assert [_normal(q) for q in back] == [_normal(question)]


def test_import_into_a_pack_appends_checks_and_reports(tmp_path: Path) -> None:
    pack = new_pack(tmp_path / "pack", "GIFT test")
    outcome = import_gift(EXAMPLES, pack, "getting-started")
    assert outcome.imported == 17 and len(outcome.problems) == 3
    loaded = load_pack(pack)  # the pack still passes the check
    quiz = tomllib.loads(outcome.quiz_path.read_text(encoding="utf-8"))
    assert len(quiz["questions"]) == 7 + 17 and loaded.lessons[0].quiz_path == outcome.quiz_path
    ids = [q["id"] for q in quiz["questions"]]
    assert len(ids) == len(set(ids))


def test_import_errors_name_the_file(tmp_path: Path) -> None:
    pack = new_pack(tmp_path / "pack", "GIFT test")
    bad = tmp_path / "bad.gift"
    bad.write_bytes(b"What? {=yes \xff}")
    with pytest.raises(PackError, match=r"bad.gift:1: not UTF-8"):
        import_gift(bad, pack, "getting-started")
    bad.write_text("Only an essay. {}")
    with pytest.raises(PackError, match=r"bad.gift:1: an essay"):
        import_gift(bad, pack, "getting-started")
    with pytest.raises(PackError, match="no lesson 'nope'"):
        import_gift(EXAMPLES, pack, "nope")
