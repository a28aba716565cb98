"""Helpers for driving the lab in tests: open an instrument and wait for its answers."""

from __future__ import annotations

from textual.pilot import Pilot

from tutor.ui.lab.registry import DemoSpec, open_instrument


async def settle(pilot: Pilot[None]) -> None:
    """Wait until every worker has finished and the messages they posted are handled."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_spec(pilot: Pilot[None], **spec: object) -> None:
    """Open the instrument for a spec (free play: no lesson context) and let it answer."""
    await pilot.app.push_screen(open_instrument(DemoSpec(**spec)))  # type: ignore[arg-type]
    await settle(pilot)


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Press keys one at a time, letting each answer arrive before the next key."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
