"""``llm-tutor doctor``: versions, data directory, terminal and model, for a bug report."""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

from tutor.core import paths
from tutor.plain.common import say, version


def doctor(args: argparse.Namespace) -> int:
    """Print every line of the diagnosis."""
    for line in doctor_lines():
        say(line)
    return 0


def doctor_lines() -> list[str]:
    """The diagnosis: never raises, whatever is broken (that is what it is for)."""
    from importlib import metadata  # not at every start of llm-tutor (see common.version)

    lines = [f"llm-tutor {version()}", f"Python {platform.python_version()} ({sys.executable})"]
    for dist in ("textual", "rich", "llama-cpp-python", "huggingface-hub", "numpy", "fsrs"):
        try:
            lines.append(f"  {dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            lines.append(f"  {dist}: not installed")
    home = paths.data_dir()
    lines.append(f"Data directory: {home} ({_writable(home)})")
    size = shutil.get_terminal_size(fallback=(0, 0))
    fits = "ok" if size.columns >= 80 and size.lines >= 24 else "needs at least 80x24"
    lines.append(
        f"Terminal: {size.columns}x{size.lines} ({fits}), TERM={os.environ.get('TERM', '')}"
    )
    colour = (
        "off (NO_COLOR set)" if "NO_COLOR" in os.environ else os.environ.get("COLORTERM", "basic")
    )
    lines.append(f"Colour: {colour}")
    try:
        from tutor.runtime.cli import doctor_lines as model_lines

        lines += model_lines()
    except Exception as exc:  # doctor diagnoses; it must never end in a traceback
        lines.append(f"Model runtime: check failed ({type(exc).__name__}: {exc})")
    return lines


def _writable(folder: Path) -> str:
    """Whether files can be created in ``folder`` (tried for real, not guessed from modes)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return f"NOT writable: {exc.strerror}"
    return "writable"


def register(subparsers: Any) -> None:
    """Add ``doctor``."""
    subparsers.add_parser("doctor", help="check the installation and environment").set_defaults(
        func=doctor
    )
