"""Learner settings (theme, ...), a small JSON file written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from tutor.core import paths

THEMES = ("textual-dark", "textual-light")


@dataclass
class Settings:
    theme: str = THEMES[0]


def load_settings(path: Path | None = None) -> tuple[Settings, list[str]]:
    """Settings from disk, plus notices for the learner when the file was unusable."""
    path = path or paths.settings_file()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(), []
    except (OSError, ValueError) as exc:
        return Settings(), [f"Ignored unreadable settings file {path}: {exc}"]
    settings = Settings()
    if isinstance(raw, dict) and raw.get("theme") in THEMES:
        settings.theme = raw["theme"]
    return settings, []


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write settings atomically, keeping any keys this version does not know (a newer one's)."""
    path = path or paths.settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(current, dict):
            current = {}
    except (OSError, ValueError):
        current = {}
    current.update(asdict(settings))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(current, out, indent=2)
    os.replace(tmp, path)
