"""The second model (Gemma 3 270M base), when it is installed (``make models``; CI installs it).

It is fetched into the learner's real models directory, so these tests look there (the
directory as it was before the suite pointed LLM_TUTOR_HOME at a temporary one).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import second_model_path
from tutor.runtime.client import ModelClient
from tutor.runtime.gguf_file import check_gguf, file_sha256

GEMMA = second_model_path()
pytestmark = pytest.mark.skipif(
    GEMMA is None, reason="Gemma 3 270M is not installed here: run `make models` to include it"
)


@pytest.fixture(scope="module")
def gemma() -> Iterator[ModelClient]:
    assert GEMMA is not None
    with ModelClient(GEMMA, n_ctx=512) as client:
        client.start()
        yield client


def test_the_file_is_the_pinned_one() -> None:
    assert GEMMA is not None
    assert check_gguf(GEMMA).architecture == "gemma3"
    assert file_sha256(GEMMA) == "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"


def test_shape_and_vocabulary(gemma: ModelClient) -> None:
    info = gemma.info()
    assert (info.n_layers, info.n_heads, info.n_kv_heads, info.n_vocab) == (18, 4, 1, 262_144)
    pieces = gemma.tokenize(" unbelievable", add_special=False)
    assert [p.text for p in pieces] == [" unbelievable"]  # one token; SmolLM2 needs three


def test_attention_rows_sum_to_one(gemma: ModelClient) -> None:
    maps = gemma.attention("The capital of France is")
    assert maps.weights.shape[:2] == (18, 4)
    sums = maps.weights.sum(axis=-1)
    assert abs(sums - 1).max() < 1e-3


def test_it_is_a_base_model_that_adds_bos(gemma: ModelClient) -> None:
    tokens = gemma.tokenize("Hello")
    assert tokens[0].special and tokens[0].id == gemma.info().bos_token
    assert Path(str(GEMMA)).stat().st_size == 253_113_024
