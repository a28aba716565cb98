"""The few model weights a lab view needs, dequantized once with the ``gguf`` package.

Dequantizing all of SmolLM2-135M to float32 takes about 7 s and over 1 GB; the logit lens needs
two tensors (``output_norm`` and the output matrix) and the embeddings map one
(``token_embd``). So each tensor is dequantized the first time it is asked for, then cached.

``gguf.quants.dequantize`` matches ggml's own C dequantizers exactly for every type (checked
with gguf-py's test_quants.py against the bundled libggml). Shapes are numpy's: ggml's ``ne``
reversed, so ``token_embd.weight`` is (n_vocab, n_embd).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


class GGUFWeights:
    """Lazily dequantized tensors of one GGUF file (the file is memory-mapped, not read)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._reader: Any = None
        self._cache: dict[str, np.ndarray] = {}

    def _tensors(self) -> dict[str, Any]:
        if self._reader is None:
            import gguf  # a quarter of a second to import: only when a view needs weights

            self._reader = gguf.GGUFReader(self.path)
        return {t.name: t for t in self._reader.tensors}

    def has(self, name: str) -> bool:
        """True if the file holds a tensor called ``name``."""
        return name in self._tensors()

    def get(self, name: str) -> np.ndarray:
        """The tensor ``name`` as float32 in numpy shape, dequantized on first use."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        import gguf

        tensor = self._tensors()[name]
        values = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
        shape = tuple(int(n) for n in reversed(tensor.shape))
        array = np.ascontiguousarray(values.reshape(shape), dtype=np.float32)
        self._cache[name] = array
        return array

    def activation_block(self, name: str) -> int | None:
        """The block size ggml rounds activations to before multiplying by tensor ``name``.

        None for float weights; 256 for K-quants (Q8_K); 32 for the other quantized types
        (Q8_0 / Q8_1), as ``vec_dot_type`` in ggml-cpu says.
        """
        kind = self._tensors()[name].tensor_type.name
        if kind in ("F32", "F16", "BF16"):
            return None
        return 256 if kind.endswith("_K") else 32

    def output_name(self) -> str:
        """``output.weight``, or ``token_embd.weight`` when the model ties them."""
        return "output.weight" if self.has("output.weight") else "token_embd.weight"

    def output_matrix(self) -> tuple[np.ndarray, bool]:
        """The unembedding (n_vocab, n_embd) and whether it is tied to ``token_embd``.

        llama.cpp reuses ``token_embd.weight`` when the file has no ``output.weight``
        (SmolLM2 ties them), so the lens must do the same.
        """
        if self.has("output.weight"):
            return self.get("output.weight"), False
        return self.get("token_embd.weight"), True
