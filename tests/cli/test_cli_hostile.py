"""The plain commands under hostile conditions (issue 8): closed standard input, a disk that
cannot be written, another program's database, names that would drive the terminal."""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.helpers import repo_env
from tutor.cli import main
from tutor.core import paths
from tutor.core.progress import ProgressStore

COURSE = "intro-llm"


def closed_stdin(*args: str) -> subprocess.CompletedProcess[str]:
    """``llm-tutor ARGS <&-``: standard input closed, as a shell does it."""
    command = " ".join([sys.executable, "-m", "tutor", *args])
    return subprocess.run(
        ["sh", "-c", f"exec {command} <&-"],
        capture_output=True,
        text=True,
        env=repo_env(),
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("quiz", "what-is-an-llm"), "standard input is closed: the quiz reads your answers"),
        (("review",), "standard input is closed: the review reads your answers"),
        (("progress", "reset"), "standard input is closed, so nothing can be confirmed"),
    ],
)
def test_closed_standard_input_is_one_clear_error(args: tuple[str, ...], message: str) -> None:
    """Each once ended in AttributeError: 'NoneType' object has no attribute 'readline'."""
    result = closed_stdin(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [("lessons",), ("models", "list"), ("--help",)])
def test_closed_standard_output_is_one_clear_error(args: tuple[str, ...]) -> None:
    """``llm-tutor lessons >&-`` (sys.stdout is None) once printed into nothing and exited 0."""
    command = " ".join([sys.executable, "-m", "tutor", *args])
    result = subprocess.run(
        ["sh", "-c", f"exec {command} >&-"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=repo_env(),
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert result.stderr == "llm-tutor: standard output is closed\n"


def test_a_foreign_database_is_refused_by_every_command(
    private_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private_home.mkdir(parents=True)
    conn = sqlite3.connect(paths.database_file())
    conn.execute("CREATE TABLE answers (x)")
    conn.commit()
    conn.close()
    before = paths.database_file().read_bytes()
    assert main(["lessons"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {paths.database_file()} is not an llm-tutor progress database")
    assert paths.database_file().read_bytes() == before


WRITE_WITH_A_FULL_DISK = r"""
import resource, sys
from tutor.cli import main
resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))  # like `ulimit -f 1`
sys.exit(main(sys.argv[1:]))
"""


def test_a_write_that_fails_is_reported_and_exits_non_zero(private_home: Path) -> None:
    assert hasattr(resource, "RLIMIT_FSIZE")
    with ProgressStore.open() as store:
        store.lesson_opened(COURSE, "history")
    before = paths.database_file().read_bytes()
    result = subprocess.run(
        [sys.executable, "-c", WRITE_WITH_A_FULL_DISK, "progress", "reset", "--yes"],
        capture_output=True,
        text=True,
        env=repo_env(),
        check=False,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "warning: Progress can no longer be saved" in result.stderr
    assert "error: progress was not saved (1 change not recorded; see above)" in result.stderr
    assert "Traceback" not in result.stderr
    assert paths.database_file().read_bytes() == before


def test_progress_never_prints_a_raw_escape(capsys: pytest.CaptureFixture[str]) -> None:
    """A lesson name holding ESC ] 52 (set the clipboard) was printed raw by `progress`."""
    ProgressStore.open().close()
    conn = sqlite3.connect(paths.database_file())
    conn.execute(
        "INSERT INTO lesson_events VALUES (?, ?, ?, 'opened', 0, 4e9)",
        ("c" * 32, COURSE, "evil\x1b]52;c;aGk=\x07"),
    )
    conn.commit()
    conn.close()
    assert main(["progress"]) == 0
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err
    assert "damaged records (1 in lesson_events)" in captured.err


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("models", "list"), 141),
        (("lessons",), 141),
        (("progress",), 141),
        (("read", "1"), 141),
        (("tokens", "hello"), 141),
        (("--help",), 0),  # argparse drops a failed write of its help itself, then exits 0
    ],
)
def test_a_reader_that_went_away_is_a_quiet_stop(args: tuple[str, ...], code: int) -> None:
    """``llm-tutor lessons | head -1`` ended in a BrokenPipeError traceback (``models list``,
    ``lessons``) or Python's "Exception ignored ... BrokenPipeError" at exit. The reading end
    is closed before the command starts, so every write meets the closed pipe, however short
    the output and however the buffering goes: 141 (128 + SIGPIPE) and nothing on stderr."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tutor", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=repo_env(),
            check=False,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (code, "")


def test_a_read_only_data_directory_is_reported_and_exits_non_zero() -> None:
    """A data directory nobody may write to: reading works, a write says what failed, exits 1
    and leaves the database as it was. Root writes anyway, so as root the command runs as
    'nobody' (65534, util-linux's setpriv); the folder is made under /tmp so it can reach it."""
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("root writes to a read-only folder, and setpriv is not here to drop that")
    home = Path(tempfile.mkdtemp(prefix="llm-tutor-ro-"))
    try:
        home.chmod(0o755)
        with ProgressStore.open(home / "progress.sqlite3") as store:
            store.lesson_opened(COURSE, "history")
        (home / "progress.sqlite3").chmod(0o644)
        before = (home / "progress.sqlite3").read_bytes()
        home.chmod(0o555)
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

        def as_learner(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [*(nobody if os.geteuid() == 0 else []), sys.executable, "-m", "tutor", *args],
                capture_output=True,
                text=True,
                env=repo_env() | {"LLM_TUTOR_HOME": str(home)},
                check=False,
                timeout=120,
            )

        shown = as_learner("progress")
        assert (shown.returncode, shown.stderr) == (0, "")
        assert "0 of 14 lessons done, 1 in progress" in shown.stdout
        reset = as_learner("progress", "reset", "--yes")
        assert reset.returncode == 1, reset.stderr
        assert "warning: Progress can no longer be saved" in reset.stderr
        assert "error: progress was not saved (1 change not recorded; see above)" in reset.stderr
        assert "Traceback" not in reset.stderr
        assert (home / "progress.sqlite3").read_bytes() == before
    finally:
        home.chmod(0o755)
        shutil.rmtree(home)
