"""The packs installed in the learner's data directory: where they live, which there are (for
the app's pack picker and ``pack list``), finding, removing, and resolving a ``--pack`` value.

Installing a pack from an archive, and building one, is :mod:`tutor.core.pack_archive`; this
module is what the app needs at start-up, without the archive machinery.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tutor.core import paths
from tutor.core.errors import PackError, Problem
from tutor.core.pack import Pack, load_pack
from tutor.core.pack_checked import CheckedPacks
from tutor.core.untrusted import is_slug


@dataclass(frozen=True)
class InstalledPack:
    """A pack in the data directory's packs folder."""

    id: str
    title: str
    version: str
    folder: Path
    lessons: int = 0


def packs_dir() -> Path:
    """Installed packs, one folder per pack id."""
    return paths.data_dir() / "packs"


def entry(pack: Pack) -> InstalledPack:
    """The listing of a loaded pack."""
    return InstalledPack(pack.id, pack.title, pack.version, pack.root, len(pack.lessons))


def installed_packs(checked: CheckedPacks | None = None) -> list[InstalledPack]:
    """Every installed pack that loads; a damaged one is skipped (``pack list`` says so).

    ``checked``: see ``load_pack`` (the app's picker passes it, so start-up stays quick)."""
    found = []
    root = packs_dir()
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        try:
            found.append(entry(load_pack(folder, checked=checked)))
        except PackError:
            continue
    return found


def pack_choices(builtin: Pack, checked: CheckedPacks | None = None) -> list[InstalledPack]:
    """What the app's pack picker offers: the built-in course first, then installed packs by
    title (a pack claiming the course's own id is left out: progress is keyed by id)."""
    others = [p for p in installed_packs(checked) if p.id != builtin.id]
    others.sort(key=lambda p: (p.title.casefold(), p.id))
    return [entry(builtin), *others]


def find_installed(pack_id: str) -> Path | None:
    """The folder of the installed pack ``pack_id``, if there is one."""
    folder = packs_dir() / pack_id
    return folder if is_slug(pack_id) and folder.is_dir() else None


def remove_pack(pack_id: str) -> bool:
    """Delete an installed pack (progress is kept, keyed by id); False if it is not installed."""
    folder = find_installed(pack_id)
    if folder is None:
        return False
    scratch = Path(tempfile.mkdtemp(prefix=".remove-", dir=packs_dir()))
    os.replace(folder, scratch / pack_id)  # gone at once, even if the deletion is interrupted
    shutil.rmtree(scratch, ignore_errors=True)
    return True


def resolve_pack(spec: str) -> Path:
    """A ``--pack`` value: a pack folder, else the id of an installed pack."""
    folder = Path(spec).expanduser()
    if folder.is_dir() or "/" in spec or spec.startswith("."):
        return folder
    installed = find_installed(spec)
    if installed is None:
        known = ", ".join(p.id for p in installed_packs()) or "none installed"
        raise PackError([Problem(folder, None, f"no such folder or installed pack id ({known})")])
    return installed
