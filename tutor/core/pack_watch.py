"""``--watch``: notice when an author saves a pack file, and say what the pack now is.

Headless and clock-free, so it is tested without a terminal or a timer: ``PackWatch.poll()``
looks at the files once and returns a ``Reload`` when something changed, else None. The app's
watch service (``tutor.ui.pack_watch``) calls it every half second from a thread.

Why polling rather than inotify (watchfiles): a pack is a few dozen files, so a look is a few
dozen ``stat`` calls (microseconds); and on a lab machine the home directory is often on NFS,
where inotify never hears of a save made from another machine. Polling sees every save
everywhere, needs no dependency, and is deterministic to test.

Only what ``load_pack`` reads is watched: ``pack.toml``, ``lessons/*`` and ``quizzes/*`` (not
the whole tree: the built-in course, run from a checkout, has a ``.venv`` beside it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tutor.core.errors import PackError, Problem
from tutor.core.pack import Pack, load_pack

POLL_SECONDS = 0.5  # how often the service looks; a save shows within about two looks

Stamp = tuple[int, int, int]  # (mtime_ns, size, inode): an editor's atomic rename changes inode
Snapshot = dict[Path, Stamp]


def watched_files(root: Path) -> list[Path]:
    """The files a pack is loaded from (that exist now), in a stable order."""
    found = [root / "pack.toml"]
    for folder in (root / "lessons", root / "quizzes"):
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    return found


def snapshot(root: Path) -> Snapshot:
    """What each watched file looks like now; a file that vanishes mid-look is left out."""
    stamps: Snapshot = {}
    for path in watched_files(root):
        try:
            info = os.stat(path)
        except OSError:
            continue
        stamps[path] = (info.st_mtime_ns, info.st_size, info.st_ino)
    return stamps


def changed_files(before: Snapshot, after: Snapshot) -> tuple[Path, ...]:
    """Files added, removed or rewritten between two snapshots, sorted."""
    return tuple(sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p)))


@dataclass(frozen=True)
class Reload:
    """What the pack is after a save."""

    root: Path  # the pack folder
    changed: tuple[Path, ...]  # files added, removed or rewritten since the last reload
    pack: Pack | None  # the pack as it now loads; None: it does not (the app keeps the last one)
    problems: tuple[Problem, ...]  # everything ``pack check`` finds now, the changed files first

    def describe(self, problem: Problem) -> str:
        """``lessons/01-x.md:3: problem``: the path relative to the pack, to fit a screen."""
        where = problem.file
        if where.is_relative_to(self.root):
            where = where.relative_to(self.root)
        line = f":{problem.line}" if problem.line else ""
        return f"{where}{line}: {problem.message}"


class PackWatch:
    """Watches one pack folder; ``poll()`` reports each settled change once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._loaded = snapshot(root)  # what the app shows now was loaded from these files
        self._pending: Snapshot | None = None

    def poll(self) -> Reload | None:
        """Look once. A change is reported when two looks in a row agree, so a file caught
        half-written (an editor truncates, then writes) is never loaded."""
        now = snapshot(self.root)
        if now == self._loaded:
            self._pending = None
            return None
        if now != self._pending:
            self._pending = now  # changed since the last look: wait for it to settle
            return None
        changed = changed_files(self._loaded, now)
        self._loaded, self._pending = now, None
        return reload_pack(self.root, changed)


def reload_pack(root: Path, changed: tuple[Path, ...] = ()) -> Reload:
    """Load the pack again and check it, as ``pack check`` does; never raises PackError."""
    from tutor.core.check import check_pack  # the quiz models load on the first save, not at start

    try:
        pack: Pack | None = load_pack(root)
    except PackError:
        pack = None
    problems, _summary = check_pack(root)
    first = set(changed)
    ordered = sorted(problems, key=lambda p: (p.file not in first, str(p.file), p.line or 0))
    return Reload(root, changed, pack, tuple(ordered))
