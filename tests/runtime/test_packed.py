"""Packed attention streamed in blocks assembles to the lower triangles of the full matrices."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.runtime.errors import ModelRuntimeError
from tutor.runtime.packed import PackedAssembly, pack_rows, row_offset
from tutor.runtime.types import PackedRows, TokenPiece

N_LAYERS, N_HEADS, N_TOKENS, N_KV = 3, 2, 11, 16


def weights() -> np.ndarray:
    """(layers, heads, T, T) causal rows that sum to 1."""
    rng = np.random.default_rng(5)
    w = np.tril(rng.random((N_LAYERS, N_HEADS, N_TOKENS, N_TOKENS)).astype(np.float32))
    return w / w.sum(axis=-1, keepdims=True)


def blocks(w: np.ndarray, ubatch: int) -> list[PackedRows]:
    """What the worker sends: per ubatch, per layer, the rows as llama.cpp hands them over
    ((heads, rows, n_kv), keys past the used cells padded with zeros)."""
    out = []
    for start in range(0, N_TOKENS, ubatch):
        stop = min(start + ubatch, N_TOKENS)
        for layer in range(N_LAYERS):
            chunk = np.zeros((N_HEADS, ubatch, N_KV), dtype=np.float32)
            chunk[:, : stop - start, :N_TOKENS] = w[layer, :, start:stop]
            values = pack_rows(chunk, start, stop)
            out.append(PackedRows(layer, start, stop, N_LAYERS, N_TOKENS, values))
    return out


def tokens(n: int = N_TOKENS) -> list[TokenPiece]:
    return [TokenPiece(i, b"x") for i in range(n)]


@pytest.mark.parametrize("ubatch", [1, 4, N_TOKENS])
def test_blocks_assemble_to_every_heads_matrix(ubatch: int) -> None:
    w = weights()
    assembly = PackedAssembly(max_tokens=64)
    sent = blocks(w, ubatch)
    for i in range(0, len(sent), 2):  # streamed in batches of two blocks
        assembly.add(list(sent[i : i + 2]))
    view = assembly.result(tokens())
    assert view.packed.shape == (N_LAYERS, N_HEADS, row_offset(N_TOKENS))
    for layer in range(N_LAYERS):
        for head in range(N_HEADS):
            np.testing.assert_allclose(view.matrix(layer, head), w[layer, head], atol=5e-4)


def test_rows_out_of_order_or_missing_are_refused() -> None:
    sent = blocks(weights(), 4)
    assembly = PackedAssembly(max_tokens=64)
    with pytest.raises(ModelRuntimeError, match="out of order"):
        assembly.add([sent[N_LAYERS]])  # the second ubatch of layer 0 before the first
    assembly = PackedAssembly(max_tokens=64)
    assembly.add(sent[:-1])  # the last layer's last rows never arrive
    with pytest.raises(ModelRuntimeError, match="incomplete"):
        assembly.result(tokens())


def test_a_capture_over_the_limit_is_refused_before_allocating() -> None:
    assembly = PackedAssembly(max_tokens=N_TOKENS - 1)
    with pytest.raises(ModelRuntimeError, match="out of range"):
        assembly.add([blocks(weights(), 4)[0]])
    assert assembly.packed is None
