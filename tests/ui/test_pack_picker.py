"""The pack picker: with packs installed and no ``--pack``, the app asks which one to open,
the built-in course first, then installed packs by title; progress stays keyed by pack id."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.ui.conftest import RecordingApp
from tests.ui.installing import install_packs
from tests.ui.watching import wait_until
from tutor.core import paths
from tutor.core.pack import load_pack
from tutor.core.pack_library import pack_choices
from tutor.ui.screens.outline import OutlineScreen
from tutor.ui.screens.pack_picker import PackPickerScreen

MakeApp = Callable[..., RecordingApp]


def test_choices_put_the_course_first_then_packs_by_title(tmp_path: Path) -> None:
    zebra, attention = install_packs(tmp_path)
    course = load_pack(paths.builtin_course_dir())
    assert [c.id for c in pack_choices(course)] == [course.id, attention.id, zebra.id]


def test_no_installed_pack_no_picker(tmp_path: Path) -> None:
    course = load_pack(paths.builtin_course_dir())
    assert [c.id for c in pack_choices(course)] == [course.id]


async def test_picking_a_pack_opens_it_and_progress_is_its_own(
    tmp_path: Path, make_app: MakeApp
) -> None:
    _zebra, attention = install_packs(tmp_path)
    app = make_app(None)  # no --pack: the built-in course, and a choice to make
    app.store.lesson_opened(attention.id, "getting-started")
    app.store.lesson_completed(attention.id, "getting-started")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: bool(app.screen.query("#packs")), "the picker opens")
        picker = app.screen
        assert isinstance(picker, PackPickerScreen)
        rows = [str(picker.query_one("#packs").get_option_at_index(i).prompt) for i in range(3)]
        assert "built-in" in rows[0] and rows[1].startswith("Attention [b]not bold[/b] pack")
        assert "1/1  lessons done" in rows[1] and "0/1  lessons done" in rows[2]
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, OutlineScreen), "its outline")
        assert app.pack.id == attention.id and app.sub_title == attention.title
        outline_summary = str(app.screen.query_one("#summary").render())
        assert "1 of 1 lessons done" in outline_summary


async def test_an_explicit_pack_skips_the_picker(tmp_path: Path, make_app: MakeApp) -> None:
    install_packs(tmp_path)
    app = make_app()  # the UI test pack, as --pack PATH
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, OutlineScreen), "the outline")
