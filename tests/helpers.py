"""What several test modules need: a valid lesson to start from, and the repository's path."""

from __future__ import annotations

import os
from pathlib import Path

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
