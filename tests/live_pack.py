"""A one-lesson pack of demo blocks and the live check run on it: shared by the live check's own
tests (tests/test_live_check.py) and the lessons' side claims (tests/test_lesson_side_claims.py)."""

from __future__ import annotations

import os
from pathlib import Path

from tutor.core.pack import load_pack
from tutor.plain.live_check import check_pack_live
from tutor.runtime.catalog import load_catalog, packaged_path
from tutor.runtime.client import ModelClient

LESSON_HEAD = """+++
title = "Demo checks"
summary = "Blocks whose expectations the live check evaluates."
minutes = 5
objectives = ["Check claims about the model"]
+++

# Demo checks

Some text before the demos.

"""
QUIZ = """[[questions]]
id = "q"
type = "truefalse"
prompt = "Is this a test?"
explanation = "It is."
answer = true
"""
HAS_DEFAULT_MODEL = packaged_path(load_catalog().default_model) is not None


def write_pack(root: Path, blocks: list[str]) -> Path:
    """A one-lesson pack whose lesson holds ``blocks`` (TOML bodies of demo blocks)."""
    (root / "lessons").mkdir(parents=True)
    (root / "quizzes").mkdir()
    (root / "pack.toml").write_text(
        'format_version = 1\nid = "live-test"\ntitle = "Live test"\nversion = "1.0.0"\n'
        'authors = ["Test"]\nlicence = "CC0-1.0"\nlessons = ["demo"]\n',
        encoding="utf-8",
    )
    body = "".join(f"```demo\n{block.strip()}\n```\n\nTry it.\n\n" for block in blocks)
    (root / "lessons" / "01-demo.md").write_text(LESSON_HEAD + body, encoding="utf-8")
    (root / "quizzes" / "01-demo.toml").write_text(QUIZ, encoding="utf-8")
    return root


def failed_lines(root: Path, client: ModelClient) -> dict[int, str]:
    """Line -> message of every failure the live check reports for the pack at ``root``."""
    report = check_pack_live(load_pack(root), client, lambda _message: None)
    return {failure.line: str(failure) for failure in report.failures}


def started(model: Path | str | None, home: Path) -> ModelClient:
    """A started client whose worker log goes under ``home``."""
    old = os.environ.get("LLM_TUTOR_HOME")
    os.environ["LLM_TUTOR_HOME"] = str(home)
    try:
        client = ModelClient(model, n_ctx=512, n_threads=1)
        client.start()
    finally:
        if old is None:
            os.environ.pop("LLM_TUTOR_HOME", None)
        else:
            os.environ["LLM_TUTOR_HOME"] = old
    return client
