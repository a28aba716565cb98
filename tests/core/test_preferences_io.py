"""TRL preference JSONL: both forms written and read back, every bad line named, ties left out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tutor.core import preferences as prefs


@dataclass(frozen=True)
class Vote:
    """The fields of the store's VoteRow that export reads."""

    prompt: str
    answer_a: str
    answer_b: str
    vote: str
    settings_a: dict[str, Any] = field(default_factory=dict)


VOTES = [
    Vote("Say hi", "Hello!", "Go away.", "a"),
    Vote("Say hi", "Hmm.", "Hi there, friend.", "b"),
    Vote("Name a colour", "Blue.", "Red.", "tie"),
    Vote("Name a fruit", "Chair.", "Table.", "both_bad"),
    Vote("Name a planet", "Mars.", "Pluto?", "a", {"system": "Be brief."}),
]


def test_export_skips_ties_and_both_bad_and_counts_them() -> None:
    split = prefs.from_votes(VOTES)
    assert (len(split.preferences), split.ties, split.both_bad) == (3, 1, 1)
    assert split.preferences[1] == prefs.Preference("Say hi", "Hi there, friend.", "Hmm.")


def test_standard_form_is_trl_standard(tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    prefs.write_jsonl(out, prefs.from_votes(VOTES).preferences)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == {"prompt": "Say hi", "chosen": "Hello!", "rejected": "Go away."}
    assert lines[2]["prompt"] == "Be brief.\n\nName a planet"


def test_conversational_form_is_trl_conversational(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    prefs.write_jsonl(out, prefs.from_votes(VOTES).preferences, conversational=True)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == {
        "prompt": [{"role": "user", "content": "Say hi"}],
        "chosen": [{"role": "assistant", "content": "Hello!"}],
        "rejected": [{"role": "assistant", "content": "Go away."}],
    }
    assert lines[2]["prompt"][0] == {"role": "system", "content": "Be brief."}


@pytest.mark.parametrize("conversational", [False, True])
def test_round_trip(tmp_path: Path, conversational: bool) -> None:
    out = tmp_path / "r.jsonl"
    written = prefs.from_votes(VOTES).preferences
    prefs.write_jsonl(out, written, conversational=conversational)
    read = prefs.read_jsonl(out)
    assert [(p.prompt, p.chosen, p.rejected) for p in read][:2] == [
        (p.prompt, p.chosen, p.rejected) for p in written
    ][:2]
    if conversational:  # the system message survives as itself
        assert (read[2].system, read[2].prompt) == ("Be brief.", "Name a planet")


def test_implicit_prompt_forms(tmp_path: Path) -> None:
    path = tmp_path / "i.jsonl"
    conv_c = [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "Yes."}]
    conv_r = [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "No."}]
    path.write_text(
        json.dumps({"chosen": "Q? Yes.", "rejected": "Q? No."})
        + "\n\n"
        + json.dumps({"chosen": conv_c, "rejected": conv_r, "id": 7})
        + "\n",
        encoding="utf-8",
    )
    read = prefs.read_jsonl(path)
    assert (read[0].prompt, read[0].chosen) == ("", "Q? Yes.")
    assert (read[1].prompt, read[1].chosen, read[1].rejected, read[1].line) == (
        "Q?",
        "Yes.",
        "No.",
        3,
    )


BAD_LINES = [
    ("{not json", "not JSON"),
    ("[1, 2]", "expected an object"),
    ('{"chosen": "x"}', "missing 'rejected'"),
    ('{"prompt": "p", "chosen": "x", "rejected": 3}', "both be text, or both message lists"),
    ('{"prompt": 5, "chosen": "x", "rejected": "y"}', "'prompt' must be text"),
    ('{"prompt": "p", "chosen": "same", "rejected": "same"}', "same text"),
    ('{"prompt": "p", "chosen": " ", "rejected": "y"}', "must not be empty"),
    (
        '{"prompt": [{"role": "user", "content": "q"}], "chosen": [], '
        '"rejected": [{"role": "assistant", "content": "n"}]}',
        "exactly one message",
    ),
    (
        '{"prompt": [{"role": "robot", "content": "q"}], '
        '"chosen": [{"role": "assistant", "content": "y"}], '
        '"rejected": [{"role": "assistant", "content": "n"}]}',
        "'role' must be one of",
    ),
    (
        '{"prompt": [{"role": "user", "content": "q"}], '
        '"chosen": [{"role": "user", "content": "y"}], '
        '"rejected": [{"role": "assistant", "content": "n"}]}',
        "must end with an assistant message",
    ),
]


@pytest.mark.parametrize(("line", "problem"), BAD_LINES)
def test_each_bad_line_is_named_with_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"prompt": "p", "chosen": "a", "rejected": "b"})
    path.write_text(f"{good}\n{line}\n{good}\n", encoding="utf-8")
    with pytest.raises(prefs.PreferenceFileError) as err:
        prefs.read_jsonl(path)
    assert len(err.value.problems) == 1
    assert str(err.value).startswith(f"{path}:2: ")
    assert problem in str(err.value)


def test_every_bad_line_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("x\ny\n" + json.dumps({"chosen": "a", "rejected": "b"}) + "\nz\n")
    with pytest.raises(prefs.PreferenceFileError) as err:
        prefs.read_jsonl(path)
    assert [p.line for p in err.value.problems] == [1, 2, 4]


def test_empty_and_missing_and_binary_files(tmp_path: Path) -> None:
    empty = tmp_path / "e.jsonl"
    empty.write_text("\n")
    with pytest.raises(prefs.PreferenceFileError, match="no preference pairs"):
        prefs.read_jsonl(empty)
    with pytest.raises(prefs.PreferenceFileError, match="cannot read"):
        prefs.read_jsonl(tmp_path / "missing.jsonl")
    binary = tmp_path / "b.jsonl"
    binary.write_bytes(b"\xff\xfe\x00\n")
    with pytest.raises(prefs.PreferenceFileError, match="not UTF-8"):
        prefs.read_jsonl(binary)
