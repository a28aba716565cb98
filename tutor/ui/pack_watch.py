"""The app's ``--watch`` service: a polling thread that tells the app when a pack file is saved.

The thread only looks (``tutor.core.pack_watch.PackWatch.poll``) and posts ``PackReloaded``
to the app; it never touches a widget. The app then swaps in the new pack, asks each open
screen that implements ``ReloadAware`` to redraw in place (the learner's screen and scroll
position are kept), and shows the pack's problems, if any, in the ``pack_problems`` panel
instead of failing: the screens keep showing the last version that loaded.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

from textual.message import Message
from textual.message_pump import MessagePump

from tutor.core.pack_watch import POLL_SECONDS, PackWatch, Reload


class PackReloaded(Message):
    """A pack file was saved; ``reload`` says what the pack is now."""

    def __init__(self, reload: Reload) -> None:
        super().__init__()
        self.reload = reload


@runtime_checkable
class ReloadAware(Protocol):
    """A screen that redraws itself in place when the pack is reloaded."""

    async def pack_reloaded(self, reload: Reload) -> None:
        """The app's ``pack`` is already the new one; keep the learner's place."""


class PackWatchService:
    """Polls one pack folder on a daemon thread until ``stop``; posts to ``target``."""

    def __init__(self, target: MessagePump, root: Path, interval: float = POLL_SECONDS) -> None:
        self._target = target
        self._watch = PackWatch(root)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pack-watch", daemon=True)

    @property
    def root(self) -> Path:
        """The folder being watched."""
        return self._watch.root

    def start(self) -> None:
        """Start looking (once)."""
        self._thread.start()

    def stop(self) -> None:
        """Stop looking; returns at once (the thread ends within one interval)."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                reload = self._watch.poll()
            except Exception as exc:  # a bad look (a file unreadable for a moment) must not end it
                self._target.log.error(f"pack watch: {exc!r}")
                continue
            if reload is not None:
                self._target.post_message(PackReloaded(reload))
