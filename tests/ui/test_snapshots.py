"""What each screen looks like at 80x24. Each docstring says what the reviewer should see.

Update after a deliberate change with ``pytest tests/ui/test_snapshots.py --snapshot-update``
and look at the report before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.ui.conftest import RecordingApp
from tests.ui.driving import answer_right
from tutor.ui.screens.error import ErrorScreen

MakeApp = Callable[..., RecordingApp]
SnapCompare = Callable[..., bool]
PACK = "ui-test-pack"


def test_outline_fresh(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """Three lessons, all 'new' with a dot, minutes on the right, 0 of 3 done, footer keys;
    the first row highlighted and marked '›' (readable without colour)."""
    assert snap_compare(make_app())


def test_outline_with_progress(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """Lesson 1 done (✓, quiz 50%), lesson 2 in progress (◐) and marked '›' (the last one
    opened), '1 due' and 'c: continue' on top."""
    app = make_app()
    app.store.lesson_opened(PACK, "first-steps")
    app.store.lesson_completed(PACK, "first-steps")
    app.store.record_quiz_attempt(PACK, "first-steps", score=3.5, total=7, seconds=60)
    app.store.lesson_opened(PACK, "second-steps")
    from datetime import UTC, datetime

    app.store.put_card(PACK, "first-steps", "single", "{}", datetime(2000, 1, 1, tzinfo=UTC))
    assert snap_compare(app)


def test_outline_light_theme(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """The outline in the light theme: dark text on a light background, still readable."""
    assert snap_compare(make_app(), press=["ctrl+t"])


def test_lesson(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """Lesson 1 of 3 heading, the markdown title and first paragraph with [bold]markup[/bold]
    and ␛[31mred␛[0m shown literally, lesson keys in the footer."""
    assert snap_compare(make_app(), press=["enter"])


def test_lesson_contents(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """The table of contents docked on the left with the lesson's headings (none picked
    yet, so no '›'; a column is kept for it)."""
    assert snap_compare(make_app(), press=["enter", "c"])


def test_lesson_demo_box(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """Scrolled down to the marked 'Live demo: tokens' box with its starting prompt."""

    async def scroll(pilot: Pilot[None]) -> None:
        await pilot.press("enter")
        await pilot.pause()
        viewer = pilot.app.screen.query_one("#viewer")
        viewer.scroll_to(y=12, animate=False)
        await pilot.pause()

    assert snap_compare(make_app(), run_before=scroll)


def test_links(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """A dialog listing '› the transformer paper — https://arxiv.org/abs/1706.03762'."""
    assert snap_compare(make_app(), press=["enter", "l"])


def test_confirm_open(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """A dialog asking to open the full URL, with y / n keys; nothing opened yet."""
    assert snap_compare(make_app(), press=["enter", "l", "enter"])


def test_help(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """The help dialog: keys grouped by screen, starting with 'Everywhere'."""
    assert snap_compare(make_app(), press=["f1"])


def test_too_small(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """At 60x20: a centred 'Terminal too small: 60x20' message instead of the layout."""
    assert snap_compare(make_app(), terminal_size=(60, 20))


QUESTIONS = ["single", "multiple", "truefalse", "short", "numeric", "ordering", "cloze"]


@pytest.mark.parametrize("number", range(len(QUESTIONS)), ids=QUESTIONS)
def test_quiz_question(snap_compare: SnapCompare, make_app: MakeApp, number: int) -> None:
    """One question of each type, unanswered: prompt, the answer area, quiz keys in the footer."""

    async def reach(pilot: Pilot[None]) -> None:
        await pilot.press("q")
        await pilot.pause()
        for _ in range(number):
            await answer_right(pilot, pilot.app)  # type: ignore[arg-type]
            await pilot.press("enter")
            await pilot.pause()

    assert snap_compare(make_app(), run_before=reach)


def test_quiz_feedback_wrong(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """'✗ Not quite', the right answer, the choice's feedback and the explanation."""
    assert snap_compare(make_app(), press=["q", "2", "enter"])


def test_quiz_summary(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """Score 0 of 1 (0%), time 0:00, the question listed under 'To review', r / escape keys."""
    assert snap_compare(make_app(), press=["down", "q", "2", "enter", "enter"])


def test_background_error(
    snap_compare: SnapCompare, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the outline: the dialog 'Something went wrong in the background', the message
    'the disk said [/] no' shown literally, the log file's path, enter / escape to close."""
    log = Path("/home/learner/.local/state/llm-tutor/llm-tutor.log")
    monkeypatch.setattr("tutor.core.paths.log_file", lambda: log)  # not the per-test temp dir

    async def fail(pilot: Pilot[None]) -> None:
        async def boom() -> None:
            raise RuntimeError("the disk said [/] no")

        pilot.app.screen.run_worker(boom(), exit_on_error=False)
        for _ in range(100):  # until the dialog is up (messages, not a clock)
            if isinstance(pilot.app.screen, ErrorScreen):
                break
            await pilot.pause()

    assert snap_compare(make_app(), run_before=fail)


def test_pack_picker(snap_compare: SnapCompare, make_app: MakeApp, tmp_path: Path) -> None:
    """Which course to open: the built-in course first ('built-in', 0/14), then 'Attention
    [b]not bold[/b] pack' (markup shown literally) and 'Zebra pack', each 'v0.1.0 0/1 lessons
    done'; the first row highlighted and marked '›', enter / ctrl+q in the footer."""
    from tests.ui.installing import install_packs

    install_packs(tmp_path)
    assert snap_compare(make_app(None))


def test_pack_problems(snap_compare: SnapCompare, make_app: MakeApp, tmp_path: Path) -> None:
    """--watch after a bad save, over the dimmed outline: '2 problems in the pack', then
    'quizzes/01-getting-started.toml:5: ...' (type 'singel') and the unknown key '[b]x[/b]'
    shown literally, each with file:line; 'escape: dismiss' and the footer key."""
    from tutor.core.authoring import new_pack
    from tutor.core.pack_watch import reload_pack

    pack = new_pack(tmp_path / "pack", "Watched pack")
    quiz = pack / "quizzes" / "01-getting-started.toml"
    text = quiz.read_text().replace('type = "single"', 'type = "singel"', 1)
    quiz.write_text(text.replace('type = "multiple"', 'type = "multiple"\n"[b]x[/b]" = 1', 1))

    async def show(pilot: Pilot[None]) -> None:
        pilot.app.navigate("pack_problems", reload=reload_pack(pack))  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(make_app(), run_before=show)
