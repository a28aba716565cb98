"""The worker's log file stays bounded across many model loads."""

from __future__ import annotations

from pathlib import Path

from tutor.runtime.llamalog import rotate_if_large


def test_large_log_is_rotated(tmp_path: Path) -> None:
    log = tmp_path / "llm-tutor.log"
    log.write_bytes(b"x" * 101)
    rotate_if_large(log, max_bytes=100)
    assert not log.exists()
    assert (tmp_path / "llm-tutor.log.1").read_bytes() == b"x" * 101


def test_small_or_missing_log_is_left_alone(tmp_path: Path) -> None:
    log = tmp_path / "llm-tutor.log"
    rotate_if_large(log, max_bytes=100)
    log.write_bytes(b"x" * 100)
    rotate_if_large(log, max_bytes=100)
    assert log.read_bytes() == b"x" * 100
    assert not (tmp_path / "llm-tutor.log.1").exists()
