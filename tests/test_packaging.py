"""A non-editable install carries the built-in course and the model catalog inside the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True,
    )  # fmt: skip
    (built,) = out.glob("llm_tutor-*.whl")
    return built


def test_wheel_contains_the_course(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tutor/course/pack.toml" in names
    lessons = sorted(n for n in names if n.startswith("tutor/course/lessons/"))
    quizzes = sorted(n for n in names if n.startswith("tutor/course/quizzes/"))
    assert len(lessons) == len(list((ROOT / "lessons").glob("*.md"))) == 14
    assert len(quizzes) == len(list((ROOT / "quizzes").glob("*.toml"))) == 14
    assert "tutor/course_models/catalog.toml" in names
    assert "tutor/ui/tutor.tcss" in names


def test_installed_wheel_finds_its_course(wheel: Path, tmp_path: Path) -> None:
    """Installed elsewhere, the package loads the course it carries, not this checkout's."""
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True,
    )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = (
        "from tutor.core import paths; from tutor.core.pack import load_pack; "
        "d = paths.builtin_course_dir(); p = load_pack(d); print(d); print(len(p.lessons))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    where, count = result.stdout.split()
    assert Path(where).is_relative_to(target)
    assert count == "14"
