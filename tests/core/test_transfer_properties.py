"""Property tests: no import file, however strange, does anything but merge or say why not."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.core.errors import PackError
from tutor.core.progress import ProgressStore
from tutor.core.progress_schema import TABLES
from tutor.core.transfer import FORMAT, VERSION, import_progress, nesting_depth

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
TABLE = st.sampled_from(sorted(TABLES))


@st.composite
def exports(draw: st.DrawFn) -> dict[str, Any]:
    """A plausible export with one row of one table whose values are drawn at random."""
    table = draw(TABLE)
    names = TABLES[table].names
    row = {name: draw(JSON) for name in draw(st.lists(st.sampled_from(names), unique=True))}
    return {
        "format": FORMAT,
        "version": VERSION,
        "learner_id": "x",
        "tables": {table: [row]},
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(exports(), JSON))
def test_any_file_merges_or_is_refused_with_a_message(data: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "import.json"
        source.write_text(json.dumps(data), encoding="utf-8")
        with ProgressStore.open(Path(folder) / "progress.sqlite3") as store:
            try:
                import_progress(store, source)
            except PackError as error:
                assert error.problems and all(p.file == source for p in error.problems)
            # whatever was merged, every reader still works afterwards
            store.lesson_progress("x")
            store.answers("x")
            store.votes()
            store.export_data()


@given(JSON)
def test_nesting_depth_is_what_the_parser_sees(value: Any) -> None:
    text = json.dumps(value)

    def depth(item: Any) -> int:
        if isinstance(item, list | dict):
            children = item.values() if isinstance(item, dict) else item
            return 1 + max((depth(child) for child in children), default=0)
        return 0

    assert nesting_depth(text) == depth(value)
