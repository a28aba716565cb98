"""``llm-tutor prefs``: export and import through the real store, train and score on a tiny GGUF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.runtime.tiny_gguf import write_tiny_model
from tutor.cli import main
from tutor.core.progress import ProgressStore
from tutor.runtime.catalog import save_choice

VOTES = [
    ("Say hi", "Hello there, friend!", "Go away.", "a"),
    ("Say hi", "No.", "Hi! Nice to meet you.", "b"),
    ("Name a colour", "Blue.", "Red.", "tie"),
    ("Name a fruit", "Chair.", "Table.", "both_bad"),
    ("Name a pet", "A cat is a lovely pet.", "Rocks.", "a"),
]


def seed_votes() -> None:
    store = ProgressStore.open()
    try:
        for prompt, a, b, vote in VOTES:
            store.record_vote(prompt, a, b, {"seed": 1}, {"seed": 2}, vote, "abc")  # type: ignore[arg-type]
    finally:
        store.close()


def stored_votes() -> list[tuple[str, str, str, str]]:
    store = ProgressStore.open()
    try:
        return [(v.prompt, v.answer_a, v.answer_b, v.vote) for v in store.votes()]
    finally:
        store.close()


def test_export_writes_trl_jsonl_and_counts_what_it_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_votes()
    out = tmp_path / "prefs.jsonl"
    assert main(["prefs", "export", str(out)]) == 0
    said = capsys.readouterr().out
    assert "Wrote 3 preference pairs" in said and "left out 1 tie and 1 both-bad" in said
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines[1] == {"prompt": "Say hi", "chosen": "Hi! Nice to meet you.", "rejected": "No."}
    conv = tmp_path / "conv.jsonl"
    assert main(["prefs", "export", str(conv), "--conversational"]) == 0
    first = json.loads(conv.read_text().splitlines()[0])
    assert first["chosen"] == [{"role": "assistant", "content": "Hello there, friend!"}]


def test_import_adds_every_pair_or_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(
        json.dumps({"prompt": "Q", "chosen": "Yes.", "rejected": "No."})
        + "\n"
        + json.dumps(
            {
                "prompt": [{"role": "user", "content": "Hi?"}],
                "chosen": [{"role": "assistant", "content": "Hello!"}],
                "rejected": [{"role": "assistant", "content": "Bye."}],
            }
        )
        + "\n"
    )
    assert main(["prefs", "import", str(good)]) == 0
    assert "Imported 2 preference pairs" in capsys.readouterr().out
    assert stored_votes() == [("Q", "Yes.", "No.", "a"), ("Hi?", "Hello!", "Bye.", "a")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(good.read_text() + "{oops\n")
    assert main(["prefs", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}:3: not JSON")
    assert len(stored_votes()) == 2  # nothing from the bad file


def test_import_of_a_missing_file_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prefs", "import", "/nonexistent/x.jsonl"]) == 1
    err = capsys.readouterr().err
    assert "cannot read" in err and "Traceback" not in err


def test_train_without_votes_is_a_clear_error(
    tiny_choice: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prefs", "train"]) == 1
    assert "no preference votes yet" in capsys.readouterr().err


@pytest.fixture
def tiny_choice(tmp_path: Path) -> Path:
    """The learner's chosen model: a tiny generated GGUF."""
    path = write_tiny_model(tmp_path / "tiny.gguf", "q8_0")
    save_choice(str(path))
    return path


def test_train_and_score_json_on_a_tiny_model(
    tiny_choice: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_votes()
    assert main(["prefs", "train", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["pairs"] == 5
    assert set(report["baselines"]) == {"longer", "coin"} and report["baselines"]["coin"] == 0.5
    assert report["heldout_agreement"] is None or 0 <= report["heldout_agreement"] <= 1
    assert main(["prefs", "score", "Say hi", "Hello there, friend!", "Go away.", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)["scores"]
    assert [s["answer"] for s in scores] == ["Hello there, friend!", "Go away."]
    assert scores[0]["reward"] > scores[1]["reward"]  # it was voted better, and is in training
    assert main(["prefs", "train"]) == 0
    assert "5 votes (3 decisive): held-out agreement" in capsys.readouterr().out


@pytest.mark.parametrize("command", [[], ["export"], ["import"], ["train"], ["score"]])
def test_every_prefs_command_has_help(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["prefs", *command, "--help"])
    assert done.value.code == 0
    assert "usage: llm-tutor prefs" in capsys.readouterr().out
