"""Loading an untrusted lesson pack: one test per mistake, each naming file, line and problem."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import LESSON
from tutor.core import paths
from tutor.core.demo import DEMO_KINDS, Demo, DemoSpec
from tutor.core.errors import PackError, Problem
from tutor.core.pack import Pack, load_pack
from tutor.core.quiz import check_quiz
from tutor.core.untrusted import MAX_FILE_BYTES

MANIFEST = """\
format_version = 1
id = "test-pack"
title = "Test pack"
version = "1.0.0"
authors = ["A. Author"]
licence = "CC0-1.0"
lessons = ["intro", "next-steps"]
"""
# Line numbers the tests below rely on: 1 format_version, 2 id, ... 7 lessons.


def pack_with(root: Path, files: dict[str, str | bytes | None] | None = None) -> Path:
    """Write a valid pack to ``root``; ``files`` adds, replaces (text/bytes) or deletes (None)."""
    contents: dict[str, str | bytes | None] = {
        "pack.toml": MANIFEST,
        "lessons/01-intro.md": LESSON,
        "lessons/02-next-steps.md": LESSON.replace("Intro", "Next steps"),
    }
    contents.update(files or {})
    for rel, content in contents.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            target.unlink(missing_ok=True)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    (root / "quizzes").mkdir(exist_ok=True)
    return root


def problems(root: Path) -> list[Problem]:
    with pytest.raises(PackError) as caught:
        load_pack(root)
    assert str(caught.value) == "\n".join(str(p) for p in caught.value.problems)
    return caught.value.problems


def manifest_with(old: str, new: str) -> str:
    assert old in MANIFEST
    return MANIFEST.replace(old, new)


def lesson_with(old: str, new: str) -> str:
    assert old in LESSON
    return LESSON.replace(old, new)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "pack"


# -- the valid pack and the built-in course ----------------------------------------------------


def test_valid_pack_loads(root: Path) -> None:
    pack = load_pack(pack_with(root))
    assert (pack.id, pack.title, pack.version, pack.licence) == (
        "test-pack",
        "Test pack",
        "1.0.0",
        "CC0-1.0",
    )
    assert pack.authors == ("A. Author",)
    assert [lesson.slug for lesson in pack.lessons] == ["intro", "next-steps"]
    intro = pack.lesson("intro")
    assert (intro.title, intro.summary, intro.minutes) == ("Intro", "What this is.", 5)
    assert intro.objectives == ("Know it",)
    assert intro.body == "\n# Intro\n\nBody text.\n"
    assert intro.path == root / "lessons" / "01-intro.md"
    assert intro.quiz_path is None
    assert pack.neighbour("intro", 1) is pack.lesson("next-steps")
    assert pack.neighbour("intro", -1) is None


def test_lesson_order_comes_from_the_manifest_not_file_names(root: Path) -> None:
    pack_with(
        root, {"pack.toml": manifest_with('["intro", "next-steps"]', '["next-steps", "intro"]')}
    )
    assert [lesson.slug for lesson in load_pack(root).lessons] == ["next-steps", "intro"]


def test_quiz_with_the_same_stem_is_attached(root: Path) -> None:
    pack_with(root, {"quizzes/01-intro.toml": "# quiz format is checked elsewhere\n"})
    pack = load_pack(root)
    assert pack.lesson("intro").quiz_path == root / "quizzes" / "01-intro.toml"
    assert pack.lesson("next-steps").quiz_path is None


def test_builtin_course_loads_cleanly_with_fourteen_quizzed_lessons() -> None:
    pack: Pack = load_pack(paths.builtin_course_dir())
    assert pack.id == "intro-llm"
    assert len(pack.lessons) == 14
    assert len({lesson.slug for lesson in pack.lessons}) == 14
    for lesson in pack.lessons:
        assert lesson.quiz_path is not None and lesson.quiz_path.is_file(), lesson.slug
        assert lesson.body.strip() and lesson.objectives and 1 <= lesson.minutes <= 180


# -- pack.toml ---------------------------------------------------------------------------------


def test_manifest_toml_syntax_error_names_the_line(root: Path) -> None:
    pack_with(root, {"pack.toml": manifest_with('title = "Test pack"', 'title = "Test pack')})
    [problem] = problems(root)
    assert (problem.file, problem.line) == (root / "pack.toml", 3)
    assert problem.message  # tomllib's wording, e.g. "Illegal character '\\n'"
    assert "(at line" not in problem.message  # the line is in Problem.line, not repeated


def test_manifest_toml_error_at_end_of_file_names_the_last_line(root: Path) -> None:
    pack_with(
        root,
        {"pack.toml": manifest_with('lessons = ["intro", "next-steps"]', 'lessons = ["intro",')},
    )
    [problem] = problems(root)
    assert (problem.file, problem.line) == (root / "pack.toml", 7)
    assert "end of document" not in problem.message


def test_manifest_nested_absurdly_deep_is_an_error_not_a_crash(root: Path) -> None:
    pack_with(root, {"pack.toml": MANIFEST + "deep = " + "[" * 5000 + "\n"})
    [problem] = problems(root)
    assert problem.file == root / "pack.toml"
    assert "nested too deeply" in problem.message


def test_manifest_unknown_key(root: Path) -> None:
    pack_with(root, {"pack.toml": MANIFEST + 'titel = "typo"\n'})
    assert problems(root) == [Problem(root / "pack.toml", 8, "unknown key 'titel'")]


def test_manifest_missing_key(root: Path) -> None:
    pack_with(root, {"pack.toml": manifest_with('licence = "CC0-1.0"\n', "")})
    assert problems(root) == [Problem(root / "pack.toml", None, "missing key 'licence'")]


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "format_version = 1",
            'format_version = "1"',
            1,
            "'format_version' must be a whole number",
        ),
        (
            "format_version = 1",
            "format_version = true",
            1,
            "'format_version' must be a whole number",
        ),
        ('id = "test-pack"', "id = 7", 2, "'id' must be text (a quoted string)"),
        ('authors = ["A. Author"]', 'authors = "A. Author"', 5, "'authors' must be a list [...]"),
        (
            'lessons = ["intro", "next-steps"]',
            'lessons = "intro"',
            7,
            "'lessons' must be a list [...]",
        ),
    ],
)
def test_manifest_wrong_type(root: Path, old: str, new: str, line: int, message: str) -> None:
    pack_with(root, {"pack.toml": manifest_with(old, new)})
    assert problems(root) == [Problem(root / "pack.toml", line, message)]


def test_manifest_unsupported_format_version(root: Path) -> None:
    pack_with(root, {"pack.toml": manifest_with("format_version = 1", "format_version = 2")})
    assert problems(root) == [
        Problem(
            root / "pack.toml",
            1,
            "format_version 2 is not supported (this llm-tutor reads format_version 1)",
        )
    ]


@pytest.mark.parametrize("bad_id", ["Test-Pack", "test_pack", "-test", "test pack", "", "tëst"])
def test_manifest_bad_id(root: Path, bad_id: str) -> None:
    pack_with(root, {"pack.toml": manifest_with('id = "test-pack"', f'id = "{bad_id}"')})
    assert problems(root) == [
        Problem(root / "pack.toml", 2, f"id {bad_id!r} must be lowercase letters, digits and '-'")
    ]


def test_an_id_with_a_trailing_newline_is_not_a_slug(root: Path) -> None:
    """Python's ``$`` matches before a final newline: the slug check must not."""
    pack_with(root, {"pack.toml": manifest_with('id = "test-pack"', 'id = "test-pack\\n"')})
    assert problems(root) == [
        Problem(
            root / "pack.toml", 2, "id 'test-pack\\n' must be lowercase letters, digits and '-'"
        )
    ]


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ('title = "Test pack"', 'title = "  "', 3, "'title' must not be empty"),
        (
            'authors = ["A. Author"]',
            "authors = []",
            5,
            "'authors' must be a non-empty list of names",
        ),
        (
            'lessons = ["intro", "next-steps"]',
            "lessons = []",
            7,
            "'lessons' must list at least one lesson slug",
        ),
    ],
)
def test_manifest_empty_values(root: Path, old: str, new: str, line: int, message: str) -> None:
    pack_with(root, {"pack.toml": manifest_with(old, new)})
    assert Problem(root / "pack.toml", line, message) in problems(root)


def test_manifest_duplicate_slug_in_lessons_list(root: Path) -> None:
    pack_with(root, {"pack.toml": manifest_with('"next-steps"]', '"next-steps", "intro"]')})
    assert problems(root) == [Problem(root / "pack.toml", 7, "lesson slug 'intro' is listed twice")]


def test_manifest_bad_slug_in_lessons_list(root: Path) -> None:
    pack_with(root, {"pack.toml": manifest_with('"next-steps"]', '"next-steps", "Bad Slug"]')})
    message = "lesson slug 'Bad Slug' must be lowercase letters, digits and '-'"
    assert Problem(root / "pack.toml", 7, message) in problems(root)


def test_missing_manifest(root: Path) -> None:
    pack_with(root, {"pack.toml": None})
    assert problems(root) == [Problem(root / "pack.toml", None, "file not found")]


# -- lesson files ------------------------------------------------------------------------------


def test_listed_lesson_without_a_file(root: Path) -> None:
    pack_with(root, {"pack.toml": manifest_with('"next-steps"]', '"next-steps", "missing"]')})
    assert problems(root) == [
        Problem(root / "pack.toml", 7, "lesson 'missing' has no file lessons/NN-missing.md")
    ]


def test_lesson_file_not_listed(root: Path) -> None:
    pack_with(root, {"lessons/03-extra.md": LESSON})
    assert problems(root) == [
        Problem(root / "lessons" / "03-extra.md", None, "lesson 'extra' is not listed in pack.toml")
    ]


def test_two_files_with_the_same_slug(root: Path) -> None:
    pack_with(root, {"lessons/03-intro.md": LESSON})
    assert problems(root) == [
        Problem(
            root / "lessons" / "03-intro.md",
            None,
            "duplicate lesson slug 'intro' (01-intro.md, 03-intro.md)",
        )
    ]


@pytest.mark.parametrize(
    "name", ["1-intro.md", "01_extra.md", "01-Extra.md", "001-extra.md", "intro.md"]
)
def test_bad_lesson_file_name(root: Path, name: str) -> None:
    pack_with(root, {f"lessons/{name}": LESSON})
    assert problems(root) == [
        Problem(root / "lessons" / name, None, "lesson file names must look like NN-slug.md")
    ]


def test_files_that_are_not_markdown_are_ignored(root: Path) -> None:
    pack_with(root, {"lessons/README.txt": "notes", "lessons/01-intro.md.orig": "old"})
    assert len(load_pack(root).lessons) == 2


def test_no_lessons_folder(root: Path) -> None:
    pack_with(root)
    for lesson in (root / "lessons").iterdir():
        lesson.unlink()
    (root / "lessons").rmdir()
    found = problems(root)
    assert Problem(root / "lessons", None, "the pack has no lessons/ folder") in found


# -- front matter ------------------------------------------------------------------------------

INTRO = "lessons/01-intro.md"


def intro_problems(root: Path, text: str | bytes) -> list[Problem]:
    pack_with(root, {INTRO: text})
    return problems(root)


def test_missing_front_matter(root: Path) -> None:
    assert intro_problems(root, "# Intro\n\nNo front matter.\n") == [
        Problem(root / INTRO, 1, "a lesson must start with front matter between '+++' lines")
    ]


def test_unclosed_front_matter(root: Path) -> None:
    assert intro_problems(root, LESSON.replace("+++\n\n# Intro", "\n# Intro")) == [
        Problem(root / INTRO, 1, "front matter is not closed by a '+++' line")
    ]


def test_bad_toml_in_front_matter_names_the_line_in_the_md_file(root: Path) -> None:
    [problem] = intro_problems(root, lesson_with("minutes = 5", "minutes = = 5"))
    assert (problem.file, problem.line) == (root / INTRO, 4)
    assert problem.message.startswith("bad front matter: ")
    assert "(at line" not in problem.message


def test_bad_toml_on_the_last_front_matter_line(root: Path) -> None:
    [problem] = intro_problems(
        root, lesson_with('objectives = ["Know it"]', 'objectives = ["Know it",')
    )
    assert (problem.file, problem.line) == (root / INTRO, 5)
    assert problem.message.startswith("bad front matter: ")
    assert "end of document" not in problem.message


def test_unknown_front_matter_key(root: Path) -> None:
    text = lesson_with('summary = "What this is."\n', 'summary = "What this is."\nlevel = 3\n')
    assert intro_problems(root, text) == [Problem(root / INTRO, 4, "unknown key 'level'")]


def test_missing_front_matter_key(root: Path) -> None:
    assert intro_problems(root, lesson_with('summary = "What this is."\n', "")) == [
        Problem(root / INTRO, None, "missing key 'summary'")
    ]


def test_wrong_front_matter_type(root: Path) -> None:
    assert intro_problems(root, lesson_with("minutes = 5", "minutes = 5.5")) == [
        Problem(root / INTRO, 4, "'minutes' must be a whole number")
    ]


@pytest.mark.parametrize("minutes", [0, -3, 181, 10_000])
def test_minutes_out_of_range(root: Path, minutes: int) -> None:
    assert intro_problems(root, lesson_with("minutes = 5", f"minutes = {minutes}")) == [
        Problem(root / INTRO, 4, "'minutes' must be between 1 and 180")
    ]


@pytest.mark.parametrize("minutes", [1, 180])
def test_minutes_at_the_limits_are_fine(root: Path, minutes: int) -> None:
    pack_with(root, {INTRO: lesson_with("minutes = 5", f"minutes = {minutes}")})
    assert load_pack(root).lesson("intro").minutes == minutes


def test_an_objective_that_is_not_text(root: Path) -> None:
    assert intro_problems(
        root, lesson_with('objectives = ["Know it"]', 'objectives = ["ok", 3]')
    ) == [Problem(root / INTRO, 5, "objective 2 must be text (a quoted string)")]


@pytest.mark.parametrize("objectives", ["[]", '[""]', '["  "]'])
def test_empty_objectives(root: Path, objectives: str) -> None:
    text = lesson_with('objectives = ["Know it"]', f"objectives = {objectives}")
    assert intro_problems(root, text) == [
        Problem(root / INTRO, 5, "'objectives' must be a non-empty list of non-empty strings")
    ]


def test_empty_title(root: Path) -> None:
    assert intro_problems(root, lesson_with('title = "Intro"', 'title = ""')) == [
        Problem(root / INTRO, 2, "'title' must not be empty")
    ]


@pytest.mark.parametrize("body", ["", "\n", "\n\n   \n\t\n"])
def test_empty_body(root: Path, body: str) -> None:
    text = LESSON[: LESSON.index("+++\n\n# Intro")] + "+++\n" + body
    assert intro_problems(root, text) == [
        Problem(root / INTRO, 7, "the lesson has no text after the front matter")
    ]


# -- demo blocks -------------------------------------------------------------------------------


def test_demo_blocks_are_read_with_their_line(root: Path) -> None:
    text = (
        LESSON
        + '\n```demo\nkind = "tokens"\nprompt = "The cat sat."\n```\n'
        + '\n```demo\nkind = "attention"\n```\n'
    )
    pack_with(root, {INTRO: text})
    assert load_pack(root).lesson("intro").demos == (
        Demo(DemoSpec(kind="tokens", prompt="The cat sat."), 12, 0),
        Demo(DemoSpec(kind="attention"), 17, 1),
    )


def test_demo_block_with_unknown_kind(root: Path) -> None:
    text = LESSON + '\n```demo\nkind = "telepathy"\n```\n'
    kinds = ", ".join(DEMO_KINDS)
    assert intro_problems(root, text) == [
        Problem(root / INTRO, 13, f"demo block: 'kind' must be one of {kinds}")
    ]


def test_demo_block_with_unknown_key(root: Path) -> None:
    text = LESSON + '\n```demo\nkind = "tokens"\nrun = "rm -rf /"\n```\n'
    assert intro_problems(root, text) == [
        Problem(root / INTRO, 14, "demo block: unknown key 'run'")
    ]


def test_demo_block_with_a_toml_error_names_the_line(root: Path) -> None:
    text = LESSON + '\n```demo\nkind = "tokens"\nprompt = "unclosed\n```\n'
    [problem] = intro_problems(root, text)
    assert (problem.file, problem.line) == (root / INTRO, 14)
    assert problem.message.startswith("bad demo block: ")


def test_demo_block_prompt_must_be_text(root: Path) -> None:
    text = LESSON + '\n```demo\nkind = "tokens"\nprompt = 42\n```\n'
    assert intro_problems(root, text) == [
        Problem(root / INTRO, 14, "demo block: 'prompt' must be text (a quoted string)")
    ]


def test_lesson_saved_with_windows_line_endings_loads_like_unix(root: Path) -> None:
    text = LESSON + '\n```demo\nkind = "tokens"\n```\n'
    pack_with(root, {INTRO: text.replace("\n", "\r\n").encode("utf-8")})
    lesson = load_pack(root).lesson("intro")
    assert (lesson.title, lesson.objectives) == ("Intro", ("Know it",))
    assert lesson.body == text[text.index("+++\n\n") + 4 :]
    assert lesson.demos == (Demo(DemoSpec(kind="tokens"), 12, 0),)


# -- quizzes, encodings, sizes -----------------------------------------------------------------


def test_quiz_file_without_a_lesson(root: Path) -> None:
    pack_with(root, {"quizzes/03-ghost.toml": "title = 'x'\n"})
    assert problems(root) == [
        Problem(root / "quizzes" / "03-ghost.toml", None, "quiz has no lesson lessons/03-ghost.md")
    ]


def test_non_utf8_lesson(root: Path) -> None:
    data = LESSON.encode("utf-8").replace(b"Body text.", b"Caf\xe9 text.")  # Latin-1
    at = data.index(b"\xe9")
    assert intro_problems(root, data) == [
        Problem(root / INTRO, None, f"not UTF-8 text (byte {at})")
    ]


def test_non_utf8_manifest(root: Path) -> None:
    data = MANIFEST.encode("utf-8").replace(b"A. Author", b"\xff\xfe")
    at = data.index(b"\xff")
    pack_with(root, {"pack.toml": data})
    assert problems(root) == [Problem(root / "pack.toml", None, f"not UTF-8 text (byte {at})")]


def test_oversized_lesson(root: Path) -> None:
    text = LESSON + "x" * MAX_FILE_BYTES
    assert intro_problems(root, text) == [
        Problem(root / INTRO, None, f"file is larger than {MAX_FILE_BYTES} bytes")
    ]


def test_oversized_manifest(root: Path) -> None:
    pack_with(root, {"pack.toml": MANIFEST + "#" * MAX_FILE_BYTES + "\n"})
    assert problems(root) == [
        Problem(root / "pack.toml", None, f"file is larger than {MAX_FILE_BYTES} bytes")
    ]


# -- everything at once ------------------------------------------------------------------------


def test_all_problems_are_reported_at_once(root: Path) -> None:
    pack_with(
        root,
        {
            "pack.toml": manifest_with('id = "test-pack"', 'id = "Test Pack"'),
            INTRO: lesson_with("minutes = 5", "minutes = 0\nlevel = 2"),
            "lessons/02-next-steps.md": "+++\ntitle = 'x'\n",
            "lessons/03-extra.md": LESSON,
            "lessons/bad name.md": LESSON,
            "quizzes/09-ghost.toml": "",
        },
    )
    assert problems(root) == [
        Problem(root / "lessons" / "01-intro.md", 4, "'minutes' must be between 1 and 180"),
        Problem(root / "lessons" / "01-intro.md", 5, "unknown key 'level'"),
        Problem(
            root / "lessons" / "02-next-steps.md", 1, "front matter is not closed by a '+++' line"
        ),
        Problem(
            root / "lessons" / "03-extra.md", None, "lesson 'extra' is not listed in pack.toml"
        ),
        Problem(
            root / "lessons" / "bad name.md", None, "lesson file names must look like NN-slug.md"
        ),
        Problem(root / "pack.toml", 2, "id 'Test Pack' must be lowercase letters, digits and '-'"),
        Problem(root / "quizzes" / "09-ghost.toml", None, "quiz has no lesson lessons/09-ghost.md"),
    ]


def test_error_text_is_one_file_line_problem_per_line(root: Path) -> None:
    pack_with(root, {"pack.toml": MANIFEST + 'titel = "typo"\n'})
    with pytest.raises(PackError) as caught:
        load_pack(root)
    assert str(caught.value) == f"{root / 'pack.toml'}:8: unknown key 'titel'"


# -- special files (issue 8) -------------------------------------------------------------------


def test_a_lesson_linked_to_dev_zero_is_refused_not_read(root: Path) -> None:
    """st_size of /dev/zero is 0: the old size check passed and the read ran out of memory."""
    pack_with(root)
    (root / INTRO).unlink()
    (root / INTRO).symlink_to("/dev/zero")
    assert problems(root) == [
        Problem(root / INTRO, None, "is a symbolic link (a pack must hold real files)")
    ]


def test_a_manifest_linked_to_dev_zero_is_refused(root: Path) -> None:
    pack_with(root)
    (root / "pack.toml").unlink()
    (root / "pack.toml").symlink_to("/dev/zero")
    assert problems(root) == [
        Problem(root / "pack.toml", None, "is a symbolic link (a pack must hold real files)")
    ]


def test_a_fifo_does_not_hang_the_loader(root: Path) -> None:
    pack_with(root)
    (root / INTRO).unlink()
    os.mkfifo(root / INTRO)
    assert problems(root) == [
        Problem(root / INTRO, None, "is not a regular file (a device, pipe or folder)")
    ]


def test_a_lesson_linked_outside_the_pack_is_refused(root: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text(LESSON)
    pack_with(root)
    (root / INTRO).unlink()
    (root / INTRO).symlink_to(secret)
    assert problems(root) == [
        Problem(root / INTRO, None, "is a symbolic link (a pack must hold real files)")
    ]


def test_a_lessons_folder_linked_outside_the_pack_is_refused(root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    pack_with(elsewhere)
    pack_with(root)
    shutil.rmtree(root / "lessons")
    (root / "lessons").symlink_to(elsewhere / "lessons")
    found = problems(root)
    assert found and {p.message for p in found} == {"lies outside the pack folder"}


def test_an_oversized_quiz_is_refused_like_a_lesson(root: Path) -> None:
    """Quiz files had no size cap at all."""
    pack_with(root, {"quizzes/01-intro.toml": "#" * (MAX_FILE_BYTES + 1)})
    assert check_quiz(root / "quizzes" / "01-intro.toml")[1] == [
        Problem(
            root / "quizzes" / "01-intro.toml", None, f"file is larger than {MAX_FILE_BYTES} bytes"
        )
    ]
