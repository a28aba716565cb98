"""Fixtures for the runtime tests: tiny generated models and a shared client (the private data
directory of every test comes from tests/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tutor.runtime.client import ModelClient

from .tiny_gguf import write_tiny_model


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with one tiny model per quantization type, written once per session."""
    folder = tmp_path_factory.mktemp("tiny-models")
    for quant in ("f32", "f16", "q8_0", "q4_0", "q4_1"):
        write_tiny_model(folder / f"tiny-{quant}.gguf", quant)
    return folder


@pytest.fixture(scope="session")
def tiny_model(tiny_dir: Path) -> Path:
    """The tiny Q8_0 model."""
    return tiny_dir / "tiny-q8_0.gguf"


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("session-home")


@pytest.fixture(scope="session")
def tiny_client(tiny_model: Path, session_home: Path) -> Iterator[ModelClient]:
    """One worker with the tiny model, shared by the tests that only read from it.

    attention_ubatch=16 makes prompts longer than 16 tokens span several ubatches.
    """
    old = os.environ.get("LLM_TUTOR_HOME")
    os.environ["LLM_TUTOR_HOME"] = str(session_home)
    client = ModelClient(
        tiny_model, n_ctx=256, attention_max_tokens=64, attention_ubatch=16, n_threads=1
    )
    client.start()
    if old is None:
        os.environ.pop("LLM_TUTOR_HOME", None)
    else:
        os.environ["LLM_TUTOR_HOME"] = old
    yield client
    client.close()
