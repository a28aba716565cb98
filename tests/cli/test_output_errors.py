"""A pack or report command told to write where it cannot names the path, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.cli import main
from tutor.core.authoring import new_pack
from tutor.core.progress import ProgressStore
from tutor.core.transfer import export_progress


@pytest.mark.parametrize(
    "command",
    [
        ["pack", "build", "{pack}", "-o", "{file}/x.zip"],
        ["pack", "export-gift", "{pack}", "-o", "{missing}/x.gift"],
        ["report", "{export}", "--pack", "{pack}", "--csv", "{missing}/x.csv"],
        ["pack", "new", "{file}/inside"],
    ],
)
def test_an_unwritable_output_is_named(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = new_pack(tmp_path / "pack", "Output pack")
    export = tmp_path / "ada.json"
    with ProgressStore.open(tmp_path / "ada.sqlite3") as store:
        export_progress(store, export, learner="Ada")
    (tmp_path / "file").write_text("a file, not a folder")
    names = {"pack": pack, "missing": tmp_path / "missing", "export": export}
    argv = [part.format(**names, file=tmp_path / "file") for part in command]
    capsys.readouterr()
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(tmp_path) in err and ": " in err
