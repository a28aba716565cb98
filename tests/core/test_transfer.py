"""Export to JSON, merge into another store (laptop <-> lab machine); bad files change nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tutor.core.errors import PackError
from tutor.core.progress import ProgressStore
from tutor.core.transfer import FORMAT, VERSION, export_progress, import_progress

P = "test-pack"
DUE = datetime(2025, 3, 1, tzinfo=UTC)


def open_in(home: Path, monkeypatch: pytest.MonkeyPatch) -> ProgressStore:
    """The default store of a learner whose LLM_TUTOR_HOME is ``home`` (a second machine)."""
    monkeypatch.setenv("LLM_TUTOR_HOME", str(home))
    return ProgressStore.open()


def snapshot(store: ProgressStore) -> dict[str, Any]:
    """Everything in the store, comparable across stores (rows sorted)."""
    tables = store.export_data()["tables"]
    assert isinstance(tables, dict)
    return {
        name: sorted(json.dumps(r, sort_keys=True) for r in rows) for name, rows in tables.items()
    }


def test_round_trip_merges_two_machines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    laptop = open_in(tmp_path / "laptop", monkeypatch)
    lab = open_in(tmp_path / "lab", monkeypatch)
    assert laptop.path != lab.path
    # Interleaved in time, so "latest" is well defined for each piece of state.
    laptop.lesson_opened(P, "intro")
    laptop.add_time(P, "intro", 60.0)
    lab.save_position(P, "intro", 0.1)  # older
    laptop.save_position(P, "intro", 0.2)  # newer: wins everywhere
    laptop.save_position(P, "other", 0.01)  # older
    lab.lesson_opened(P, "other")
    lab.add_time(P, "intro", 30.0)
    lab.lesson_completed(P, "intro")
    lab.save_position(P, "other", 0.02)  # newer: wins everywhere
    laptop.put_card(P, "intro", "q1", '{"from": "laptop"}', DUE)  # older
    lab.put_card(P, "intro", "q1", '{"from": "lab"}', DUE + timedelta(days=1))  # newer
    lab.put_card(P, "intro", "q2", '{"from": "lab"}', DUE)  # older
    laptop.put_card(P, "intro", "q2", '{"from": "laptop"}', DUE + timedelta(days=2))  # newer
    laptop.record_answer(
        P, "intro", "q1", score=1.0, correct=True, hinted=False, response="a", seconds=1.0
    )
    lab.record_quiz_attempt(P, "intro", score=3, total=4, seconds=50)
    laptop_learner = laptop.learner_id()

    export_progress(laptop, tmp_path / "laptop.json")
    export_progress(lab, tmp_path / "lab.json")
    added_to_lab = import_progress(lab, tmp_path / "laptop.json")
    added_to_laptop = import_progress(laptop, tmp_path / "lab.json")

    assert added_to_lab > 0 and added_to_laptop > 0
    for store in (laptop, lab):
        progress = store.lesson_progress(P)
        assert progress["intro"].status == "done"
        assert progress["intro"].seconds == 90.0
        assert progress["intro"].position == 0.2
        assert progress["other"].status == "in_progress"
        assert progress["other"].position == 0.02
        assert store.get_card(P, "intro", "q1") == '{"from": "lab"}'
        assert store.get_card(P, "intro", "q2") == '{"from": "laptop"}'
        assert [a.question_id for a in store.answers(P)] == ["q1"]
        assert store.best_quiz_scores(P) == {"intro": 0.75}
    assert snapshot(laptop) == snapshot(lab)
    assert laptop.learner_id() == laptop_learner  # identity is not imported
    laptop.close()
    lab.close()


def test_importing_the_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    with ProgressStore.open(tmp_path / "a.sqlite3") as source:
        source.lesson_opened(P, "intro")
        source.lesson_completed(P, "intro")
        source.add_time(P, "intro", 5.0)
        source.save_position(P, "intro", 0.3)
        source.put_card(P, "intro", "q1", "{}", DUE)
        source.record_answer(
            P, "intro", "q1", score=0.5, correct=False, hinted=True, response="x", seconds=2.0
        )
        source.record_quiz_attempt(P, "intro", score=1, total=2, seconds=9)
        source.reset(P, "other")
        export_progress(source, tmp_path / "export.json")
    with ProgressStore.open(tmp_path / "b.sqlite3") as target:
        first = import_progress(target, tmp_path / "export.json")
        after_first = snapshot(target)
        second = import_progress(target, tmp_path / "export.json")
        assert first == 8  # 4 lesson events + 1 answer + 1 attempt + 1 position + 1 card
        assert second == 0
        assert snapshot(target) == after_first


def test_export_file_is_versioned_json(tmp_path: Path) -> None:
    with ProgressStore.open(tmp_path / "a.sqlite3") as store:
        store.lesson_opened(P, "intro")
        export_progress(store, tmp_path / "export.json")
        data = json.loads((tmp_path / "export.json").read_text(encoding="utf-8"))
        assert data["format"] == FORMAT and data["version"] == VERSION
        assert data["learner_id"] == store.learner_id()
        assert [r["lesson"] for r in data["tables"]["lesson_events"]] == ["intro"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


# -- untrusted files ---------------------------------------------------------------------------


def valid_export() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "learner_id": "someone",
        "tables": {
            "lesson_events": [
                {
                    "uuid": "0" * 32,
                    "pack_id": P,
                    "lesson": "intro",
                    "kind": "completed",
                    "seconds": 0.0,
                    "at": 1_700_000_000.0,
                }
            ],
            "positions": [{"pack_id": P, "lesson": "intro", "position": 0.5, "at": 1.0}],
        },
    }


ATTEMPT = {
    "uuid": "1" * 32,
    "pack_id": P,
    "lesson": "intro",
    "score": 1.0,
    "total": 2,
    "seconds": 3.0,
    "at": 1_700_000_000.0,
}
CARD = {
    "pack_id": P,
    "lesson": "intro",
    "question_id": "q1",
    "card": "{}",
    "due": 1_700_000_000.0,
    "updated_at": 1_700_000_000.0,
}
ANSWER = {
    "uuid": "2" * 32,
    "pack_id": P,
    "lesson": "intro",
    "question_id": "q1",
    "score": 1.0,
    "correct": 1,
    "hinted": 0,
    "response": '"a"',
    "seconds": 1.0,
    "at": 1_700_000_000.0,
}


def test_the_sample_rows_are_themselves_valid(tmp_path: Path) -> None:
    """So each bad case above fails for its one change, not for a mistake in the sample."""
    data = valid_export()
    data["tables"] |= {"quiz_attempts": [ATTEMPT], "review_cards": [CARD], "answers": [ANSWER]}
    source = tmp_path / "ok.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    with ProgressStore.open(tmp_path / "progress.sqlite3") as store:
        assert import_progress(store, source) == 5


def test_a_refusal_names_the_table_row_and_column(tmp_path: Path) -> None:
    source = tmp_path / "bad.json"
    source.write_text(with_(_set(("tables", "positions", 0, "position"), 1e308)), "utf-8")
    with ProgressStore.open(tmp_path / "progress.sqlite3") as store, pytest.raises(PackError) as e:
        import_progress(store, source)
    assert str(e.value) == (
        f"{source}: positions row 1 'position': Input should be less than or equal to 1"
        " (found 1e+308)"
    )


def test_nesting_is_refused_with_a_message_not_a_recursion_error(tmp_path: Path) -> None:
    source = tmp_path / "deep.json"
    source.write_text("[" * 200_000, encoding="utf-8")
    with ProgressStore.open(tmp_path / "progress.sqlite3") as store, pytest.raises(PackError) as e:
        import_progress(store, source)
    assert str(e.value) == f"{source}: nested too deeply (200000 levels; an export has 4)"


def test_a_device_is_not_read(tmp_path: Path) -> None:
    with ProgressStore.open(tmp_path / "progress.sqlite3") as store, pytest.raises(PackError) as e:
        import_progress(store, Path("/dev/zero"))
    assert "not a regular file" in str(e.value)


def with_(change: Callable[[dict[str, Any]], None]) -> str:
    data = valid_export()
    change(data)
    return json.dumps(data)


def _set(path: tuple[str | int, ...], value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


EVENT = ("tables", "lesson_events", 0)
INJECTION = "uuid) VALUES ('x'); DROP TABLE answers; --"
BAD_FILES: dict[str, str | bytes] = {
    "not-json": "this is not JSON at all",
    "truncated": json.dumps(valid_export(), indent=1)[:150],
    "empty": "",
    "not-utf8": b'{"format": "\xff\xfe"}',
    "top-level-list": "[1, 2, 3]",
    "wrong-format": with_(_set(("format",), "some-other-program")),
    "future-version": with_(_set(("version",), VERSION + 1)),
    "unknown-column": with_(_set((*EVENT, "extra"), 1)),
    "injection-column": with_(_set((*EVENT, INJECTION), "x")),
    "injection-table": with_(_set(("tables", "answers; DROP TABLE answers"), [])),
    "injection-value-kind": with_(_set((*EVENT, "kind"), "opened'); DROP TABLE answers; --")),
    "missing-column": with_(lambda d: d["tables"]["lesson_events"][0].pop("at")),
    "wrong-type": with_(_set((*EVENT, "seconds"), "lots")),
    "negative-time": with_(_set((*EVENT, "seconds"), -5.0)),
    "bad-uuid": with_(_set((*EVENT, "uuid"), "not-a-uuid")),
    "rows-not-a-list": with_(_set(("tables", "positions"), {"pack_id": P})),
    # issue 8: each of these once ended in a traceback, or was stored and broke the next start
    "total-10-to-the-30": with_(_set(("tables", "quiz_attempts"), [ATTEMPT | {"total": 10**30}])),
    "position-nan": with_(_set(("tables", "positions", 0, "position"), float("nan"))),
    "position-1e308": with_(_set(("tables", "positions", 0, "position"), 1e308)),
    "seconds-infinity": with_(_set((*EVENT, "seconds"), float("inf"))),
    "due-minus-1e300": with_(_set(("tables", "review_cards"), [CARD | {"due": -1e300}])),
    "at-far-future": with_(_set((*EVENT, "at"), 1e20)),
    "lesson-with-escape": with_(_set((*EVENT, "lesson"), "intro\x1b]52;c;aGk=\x07")),
    "pack-not-a-slug": with_(_set((*EVENT, "pack_id"), "Pack One")),
    "card-not-json": with_(_set(("tables", "review_cards"), [CARD | {"card": "{oops"}])),
    "card-deeply-nested": with_(_set(("tables", "review_cards"), [CARD | {"card": "[" * 5000}])),
    "huge-text": with_(_set(("tables", "answers"), [ANSWER | {"response": "x" * 200_000}])),
    "5000-digit-number": json.dumps(valid_export()).replace('"at": 1.0', '"at": ' + "9" * 5000),
    "200000-brackets": "[" * 200_000,
    "unknown-table": with_(_set(("tables", "secrets"), [])),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_refused_naming_the_file_and_changes_nothing(tmp_path: Path, case: str) -> None:
    source = tmp_path / f"{case}.json"
    content = BAD_FILES[case]
    if isinstance(content, bytes):
        source.write_bytes(content)
    else:
        source.write_text(content, encoding="utf-8")
    with ProgressStore.open(tmp_path / "progress.sqlite3") as store:
        store.lesson_opened(P, "intro")
        store.save_position(P, "intro", 1.0)
        before = snapshot(store)
        schema = store.schema()

        with pytest.raises(PackError) as caught:
            import_progress(store, source)

        assert snapshot(store) == before
        assert store.schema() == schema
    assert str(source) in str(caught.value)
    assert caught.value.problems and all(p.file == source for p in caught.value.problems)


def test_valid_hand_made_file_is_accepted(tmp_path: Path) -> None:
    source = tmp_path / "ok.json"
    source.write_text(json.dumps(valid_export()), encoding="utf-8")
    with ProgressStore.open(tmp_path / "progress.sqlite3") as store:
        assert import_progress(store, source) == 2
        assert store.lesson_progress(P)["intro"].status == "done"


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with (
        ProgressStore.open(tmp_path / "progress.sqlite3") as store,
        pytest.raises(PackError) as caught,
    ):
        import_progress(store, tmp_path / "nope.json")
    assert str(tmp_path / "nope.json") in str(caught.value)
