"""The packed attention view holds the same weights as the full capture, in float16."""

from __future__ import annotations

import numpy as np

from tutor.runtime.client import ModelClient


def test_packed_view_matches_full_capture(tiny: ModelClient) -> None:
    # two ubatches of 32 (4 × the client's attention_ubatch of 8)
    prompt = "the cat sat on the mat, the hat sat on the cat; the mat sat on the hat"
    view = tiny.attention_view(prompt)
    full = tiny.attention(prompt).weights  # (L, H, T, T) float32
    assert view.packed.dtype == np.float16
    assert (view.n_layers, view.n_heads, view.n_tokens) == full.shape[:3]
    n = view.n_tokens
    assert view.packed.shape[-1] == n * (n + 1) // 2
    for layer in range(view.n_layers):
        for head in range(view.n_heads):
            np.testing.assert_allclose(view.matrix(layer, head), full[layer, head], atol=5e-4)
        np.testing.assert_allclose(view.layer_mean(layer), full[layer].mean(axis=0), atol=5e-4)
    assert np.all(np.triu(view.matrix(1, 2), 1) == 0)
