"""The built-in course covers every section of its source document (docs/reference-map.toml)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from tutor.core import paths
from tutor.core.pack import load_pack

ROOT = Path(__file__).resolve().parent.parent
MAP = tomllib.loads((ROOT / "docs" / "reference-map.toml").read_text(encoding="utf-8"))


def test_every_section_maps_to_real_lessons() -> None:
    slugs = {lesson.slug for lesson in load_pack(paths.builtin_course_dir()).lessons}
    numbers = [section["number"] for section in MAP["sections"]]
    assert numbers == list(range(1, 16))
    for section in MAP["sections"]:
        if section["number"] == 15:
            continue
        assert section["main"] in slugs, section
        assert set(section.get("also", [])) <= slugs, section


def test_every_lesson_owns_a_section_or_extends_one() -> None:
    owned = {section["main"] for section in MAP["sections"]}
    lessons = [lesson.slug for lesson in load_pack(paths.builtin_course_dir()).lessons]
    assert set(lessons) - owned == set()


def test_every_lesson_has_references_summary_and_length() -> None:
    """The course's own rules: 900-2,200 words, a summary and a references section."""
    for lesson in load_pack(paths.builtin_course_dir()).lessons:
        words = len(lesson.body.split())
        assert 900 <= words <= 2200, (lesson.slug, words)
        headings = re.findall(r"^## (.+)$", lesson.body, re.MULTILINE)
        assert "Summary" in headings, lesson.slug
        assert "References" in headings, lesson.slug
