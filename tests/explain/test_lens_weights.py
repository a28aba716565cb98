"""The lens's dequantizer reads exactly what gguf.GGUFReader reads, without decoding metadata."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
import pytest

from tests.runtime.tiny_gguf import write_tiny_model
from tutor.runtime.weights import GGUFWeights, read_tensor_index


@pytest.mark.parametrize("quant", ["f32", "f16", "q8_0", "q4_0", "q4_1"])
def test_every_tensor_matches_gguf_reader(quant: str, tmp_path: Path) -> None:
    path = write_tiny_model(tmp_path / "m.gguf", quant)
    reader = gguf.GGUFReader(path)
    weights = GGUFWeights(path)
    index = read_tensor_index(path)
    assert set(index) == {t.name for t in reader.tensors}
    for t in reader.tensors:
        expected = gguf.quants.dequantize(t.data, t.tensor_type)
        expected = expected.reshape(tuple(int(n) for n in reversed(t.shape)))
        assert np.array_equal(weights.get(t.name), expected), t.name
    output, tied = weights.output_matrix()
    assert tied and output is weights.get("token_embd.weight")  # cached, not dequantized twice
    assert weights.activation_block("token_embd.weight") == (
        None if quant in ("f32", "f16") else 32
    )


def test_not_a_gguf_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGML" + bytes(40))
    with pytest.raises(ValueError, match="not a GGUF"):
        read_tensor_index(bad)
