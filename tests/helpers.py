"""What several test modules need: a valid lesson to start from, and the repository's path."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def repo_env() -> dict[str, str]:
    """This process's environment with the repository first on PYTHONPATH, for subprocesses."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


LESSON = """\
+++
title = "Intro"
summary = "What this is."
minutes = 5
objectives = ["Know it"]
+++

# Intro

Body text.
"""
# Line numbers: 1 '+++', 2 title, 3 summary, 4 minutes, 5 objectives, 6 '+++', 7 first body line.


def run_command(register: Callable[[Any], None], *argv: str) -> int:
    """Parse ``argv`` with the commands that ``register`` adds and run the chosen handler."""
    parser = argparse.ArgumentParser(prog="llm-tutor")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


def second_model_path() -> Path | None:
    """The installed Gemma 3 270M file, looked up in the learner's real data directory.

    Call it at import time (module level): the suite's autouse fixture points LLM_TUTOR_HOME at
    a temporary folder for each test, where no model has been pulled.
    """
    from tutor.runtime.catalog import installed_path, load_catalog

    return installed_path(load_catalog().get("gemma3-270m"))
