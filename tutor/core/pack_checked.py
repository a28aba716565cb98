"""Which packs passed a full check, remembered by digest, so the app need not check them again.

Checking a pack (pydantic over ``pack.toml``, every front matter and every demo block) costs
the app a good part of its start-up, mostly in importing pydantic, and the built-in course is
the same every time. ``load_pack(root, checked=CheckedPacks())`` reads a pack whose digest is
listed here without the schema checks; the digest covers the manifest, every lesson file and
the source of the rules (``tutor.core.pack.RULE_MODULES``), so an edited lesson or a changed
rule means a full check again, with the same ``file:line`` problems. ``pack check`` never
uses this list.

The list is a cache in the learner's data directory: if it cannot be read or written (a
read-only directory) every start simply checks in full.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from tutor.core import paths

KEEP = 16  # digests remembered: a few packs, each in a few versions


class CheckedPacks:
    """The remembered digests, read on first use; newest first."""

    def __init__(self, file: Path | None = None) -> None:
        self.file = file or paths.checked_packs_file()
        self._digests: list[str] | None = None

    def passed(self, digest: str | None) -> bool:
        """True when a pack with this digest passed a full check."""
        return digest is not None and digest in self._read()

    def add(self, digest: str | None) -> None:
        """Remember a pack that passed (best effort: a failed write is forgotten)."""
        if digest is None or self._read()[:1] == [digest]:
            return
        self._digests = [digest, *(d for d in self._read() if d != digest)][:KEEP]
        with contextlib.suppress(OSError):
            self._write(self._digests)

    def _read(self) -> list[str]:
        if self._digests is None:
            try:
                data = json.loads(self.file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            found = data.get("passed") if isinstance(data, dict) else None
            if isinstance(found, list) and all(isinstance(d, str) for d in found):
                self._digests = found
            else:
                self._digests = []
        return self._digests

    def _write(self, digests: list[str]) -> None:
        """Through a temporary file and a rename: two apps starting at once never see half."""
        self.file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_name(f".{self.file.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"passed": digests}, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, self.file)
