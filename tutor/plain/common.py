"""What every plain command needs: the pack to work on, the progress store, safe printing.

A plain command prints one clear line when something is wrong and returns non-zero; text that
came from a pack, a progress file or the store goes through :func:`say`, so it can never drive
the terminal (no raw ESC reaches it).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from tutor.core import paths
from tutor.core.pack import Pack, load_pack
from tutor.core.progress import ProgressStore, StoreError
from tutor.core.sanitize import clean_text

Handler = Callable[[argparse.Namespace], int]


def later(module: str, name: str) -> Handler:
    """The command ``module.name``, imported only when it runs.

    ``llm-tutor`` builds the whole command tree before it opens the app (``--help`` lists every
    command), so a parser that named its command directly would load that command's imports
    (numpy, pydantic, the model client) into every start of the app.
    """

    def run(args: argparse.Namespace) -> int:
        handler: Handler = getattr(importlib.import_module(module), name)
        return handler(args)

    run.__module__, run.__name__, run.__qualname__ = module, name, name  # says what it runs
    return run


def version() -> str:
    """The installed llm-tutor's version."""
    from importlib import metadata  # about 25 ms: only for --version and doctor

    try:
        return metadata.version("llm-tutor")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def say(text: str = "", file: TextIO | None = None) -> None:
    """Print ``text`` with control characters made visible (see ``tutor.core.sanitize``)."""
    print(clean_text(text), file=file or sys.stdout)


def warn(text: str) -> None:
    """A warning on standard error."""
    say(f"warning: {text}", sys.stderr)


def load_pack_arg(args: argparse.Namespace) -> Pack:
    """The pack ``--pack`` names (a folder or an installed pack's id), or the built-in course."""
    from tutor.core.pack_library import resolve_pack

    return load_pack(resolve_pack(args.pack) if args.pack else paths.builtin_course_dir())


@contextmanager
def opened_store() -> Iterator[ProgressStore]:
    """The learner's progress store, its notices printed as warnings.

    When a write did not happen (a read-only or full disk), this raises :class:`StoreError`
    after the command, so ``main`` prints what failed and exits non-zero.
    """
    store = ProgressStore.open()
    for notice in store.report.notices:
        warn(notice)
    store.on_warning = warn
    try:
        yield store
    finally:
        store.close()
    if store.failed_writes:
        lost = store.failed_writes
        raise StoreError(
            f"progress was not saved ({lost} change{'s' * (lost != 1)} not recorded; see above)"
        )


def read_answer(stdin: TextIO | None) -> str | None:
    """One line typed by the learner; None when standard input is closed or at its end."""
    if stdin is None:
        return None
    line = stdin.readline()
    return line if line else None
