"""Installed packs for the picker tests: scaffolded with ``pack new``, installed for real.

Not a test module, so test modules never import each other.
"""

from __future__ import annotations

from pathlib import Path

from tutor.core.authoring import new_pack
from tutor.core.pack_archive import install_pack
from tutor.core.pack_library import InstalledPack

TITLES = ("Zebra pack", "Attention [b]not bold[/b] pack")  # installed out of title order


def install_packs(where: Path, titles: tuple[str, ...] = TITLES) -> list[InstalledPack]:
    """Scaffold and install one pack per title into the current data directory."""
    installed = []
    for number, title in enumerate(titles):
        pack, _replaced = install_pack(new_pack(where / f"source-{number}", title))
        installed.append(pack)
    return installed
