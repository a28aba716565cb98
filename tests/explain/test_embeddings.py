"""Embedding representations: the fixed triples test set, and the numpy maths."""

from __future__ import annotations

import numpy as np
import pytest

from tests.explain.triples import PHRASES, WORDS
from tutor.explain import embeddings as E
from tutor.runtime.client import ModelClient
from tutor.runtime.errors import ModelRuntimeError


def _accuracy(client: ModelClient, triples: tuple[tuple[str, str, str], ...], rep: str) -> float:
    items = sorted({x for t in triples for x in t})
    found = client.embeddings(items, representation=rep)
    index = {item: i for i, item in enumerate(found.items)}
    rows = [[found.vectors[index[x]] for x in column] for column in zip(*triples, strict=True)]
    return E.triple_accuracy(*(np.stack(r) for r in rows))


@pytest.mark.default_model
def test_word_triples_with_input_embeddings(smol: ModelClient) -> None:
    assert len(WORDS) >= 30
    found = smol.embeddings(["cat", "dog", "car"])
    assert found.representation.startswith("input embedding")
    assert _accuracy(smol, WORDS, "token") >= 0.8  # measured 30/30


@pytest.mark.default_model
def test_phrase_triples_with_centred_middle_layer(smol: ModelClient) -> None:
    assert len(PHRASES) >= 30
    assert _accuracy(smol, PHRASES, "phrase") >= 0.8  # measured 30/30


@pytest.mark.default_model
def test_the_review_examples(smol: ModelClient) -> None:
    words = smol.embeddings(["cat", "dog", "car"])
    sim = E.cosine_matrix(words.vectors)
    assert sim[0, 1] > sim[0, 2] and sim[0, 2] < 0.5  # was 1.00 with mean-pooled final states
    q = smol.embeddings(["Can I get my money back?", "refund policy", "opening hours"])
    assert "layer 15" in q.representation
    sim = E.cosine_matrix(q.vectors)
    assert sim[0, 1] > sim[0, 2]


@pytest.mark.default_model
def test_token_view_refuses_multi_token_items(smol: ModelClient) -> None:
    with pytest.raises(ModelRuntimeError, match="single token"):
        smol.embeddings(["refund policy", "cat"], representation="token")
    mixed = smol.embeddings(["refund policy", "cat"])  # auto falls back to phrases for all
    assert "layer" in mixed.representation


def test_cosine_mean_removal_and_pca() -> None:
    x = np.array([[10.0, 1.0], [10.0, -1.0], [10.0, 0.5]])
    assert E.cosine_matrix(x)[0, 1] > 0.97  # everything shares one big direction
    centred = E.remove_mean(x, x.mean(axis=0))
    assert E.cosine_matrix(centred)[0, 1] < -0.9  # ...which removing the mean reveals
    sim = E.cosine_matrix(x)
    assert E.nearest(sim, 0, k=2) == [2, 1]
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(20, 5)) * np.array([10, 3, 0.1, 0.1, 0.1])
    proj = E.pca_2d(pts)
    assert proj.shape == (20, 2)
    assert np.var(proj[:, 0]) > np.var(proj[:, 1]) > 0.5
    assert E.triple_accuracy(x[:1], x[2:3], x[1:2]) == 1.0
