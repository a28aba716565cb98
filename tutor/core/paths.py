"""Where llm-tutor keeps things on disk.

Small functions, nothing computed at import time, so tests (and lab admins) can point
everything elsewhere with the ``LLM_TUTOR_HOME`` environment variable.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "llm-tutor"
HOME_ENV = "LLM_TUTOR_HOME"


def data_dir() -> Path:
    """The learner's data directory (progress database, settings, logs, downloaded models)."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def database_file() -> Path:
    """The SQLite progress store."""
    return data_dir() / "progress.sqlite3"


def settings_file() -> Path:
    """Learner settings (the theme), JSON; the chosen model is in ``model.json``."""
    return data_dir() / "settings.json"


def checked_packs_file() -> Path:
    """Digests of the packs that passed a full check (``tutor.core.pack_checked``)."""
    return data_dir() / "checked-packs.json"


def log_file() -> Path:
    """The app's own log, including llama.cpp's messages."""
    return data_dir() / "llm-tutor.log"


def models_dir() -> Path:
    """Models the learner downloaded with ``llm-tutor models pull``."""
    return data_dir() / "models"


def builtin_course_dir() -> Path:
    """The built-in course: inside the installed wheel, or the repository root from source."""
    packaged = Path(__file__).resolve().parent.parent / "course"
    if (packaged / "pack.toml").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent.parent
