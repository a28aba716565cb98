"""The few model weights a lab view needs, dequantized once with the ``gguf`` package.

Dequantizing all of SmolLM2-135M to float32 takes about 7 s and over 1 GB, and even opening it
with ``gguf.GGUFReader`` costs 2 s (it decodes all metadata). The logit lens needs two tensors
(``output_norm`` and the output matrix) and the embeddings map one (``token_embd``). So the
tensor directory is read without the metadata, and each tensor is dequantized the first time it
is asked for, then cached.

``gguf.quants.dequantize`` matches ggml's own C dequantizers exactly for every type (checked
with gguf-py's test_quants.py against the bundled libggml). Shapes are numpy's: ggml's ``ne``
reversed, so ``token_embd.weight`` is (n_vocab, n_embd).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

# GGUF metadata value types (gguf/constants.py GGUFValueType) and their fixed sizes in bytes.
_FIXED = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY, _UINT32 = 8, 9, 4


@dataclass(frozen=True)
class TensorEntry:
    """Where one tensor lies in the file: ggml ``ne`` (fastest first), type, byte offset."""

    name: str
    ne: tuple[int, ...]
    type_id: int
    offset: int  # absolute, from the start of the file


def read_tensor_index(path: Path) -> dict[str, TensorEntry]:
    """The tensor directory of a GGUF file, skipping its metadata without decoding it.

    ``gguf.GGUFReader`` decodes every metadata value (SmolLM2's 49,152 tokens and 48,900
    merges) into numpy views: 2 s of CPU. A view needs two tensors, so this reads only the
    header layout (GGUF v2/v3: magic, version, counts, key/values, tensor infos, aligned data).
    """
    with path.open("rb") as f:
        magic, version, n_tensors, n_kv = struct.unpack("<4sIQQ", f.read(24))
        if magic != b"GGUF" or version < 2:
            raise ValueError(f"{path.name} is not a GGUF v2/v3 file")
        alignment = 32
        for _ in range(n_kv):
            key = _string(f)
            vtype = _u32(f)
            if key == "general.alignment" and vtype == _UINT32:
                alignment = _u32(f)
            else:
                _skip_value(f, vtype)
        infos = []
        for _ in range(n_tensors):
            name = _string(f)
            n_dims = _u32(f)
            ne = struct.unpack(f"<{n_dims}Q", f.read(8 * n_dims))
            type_id, offset = struct.unpack("<IQ", f.read(12))
            infos.append((name, ne, type_id, offset))
        start = -(-f.tell() // alignment) * alignment  # data begins at the next aligned byte
    return {n: TensorEntry(n, tuple(ne), t, start + off) for n, ne, t, off in infos}


def _u32(f: BinaryIO) -> int:
    return int(struct.unpack("<I", f.read(4))[0])


def _string(f: BinaryIO) -> str:
    (length,) = struct.unpack("<Q", f.read(8))
    return f.read(length).decode("utf-8", errors="replace")


def _skip_value(f: BinaryIO, vtype: int) -> None:
    if vtype in _FIXED:
        f.seek(_FIXED[vtype], 1)
    elif vtype == _STRING:
        (length,) = struct.unpack("<Q", f.read(8))
        f.seek(length, 1)
    elif vtype == _ARRAY:
        etype = _u32(f)
        (count,) = struct.unpack("<Q", f.read(8))
        if etype in _FIXED:
            f.seek(_FIXED[etype] * count, 1)
        else:
            for _ in range(count):
                _skip_value(f, etype)
    else:
        raise ValueError(f"unknown GGUF value type {vtype}")


class GGUFWeights:
    """Lazily dequantized tensors of one GGUF file (the file is memory-mapped, not read)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._index: dict[str, TensorEntry] | None = None
        self._cache: dict[str, np.ndarray] = {}

    def _tensors(self) -> dict[str, TensorEntry]:
        if self._index is None:
            self._index = read_tensor_index(self.path)
        return self._index

    def _raw(self, entry: TensorEntry) -> tuple[np.ndarray, Any]:
        """The tensor's bytes as a (rows, bytes per row) uint8 memmap, and its gguf type."""
        import gguf  # a quarter of a second to import: only when a view needs weights

        qtype = gguf.GGMLQuantizationType(entry.type_id)
        block, type_size = gguf.GGML_QUANT_SIZES[qtype]
        row_bytes = entry.ne[0] // block * type_size
        rows = int(np.prod(entry.ne[1:])) if len(entry.ne) > 1 else 1
        data = np.memmap(self.path, np.uint8, "r", entry.offset, (rows, row_bytes))
        return data, qtype

    def has(self, name: str) -> bool:
        """True if the file holds a tensor called ``name``."""
        return name in self._tensors()

    def get(self, name: str) -> np.ndarray:
        """The tensor ``name`` as float32 in numpy shape, dequantized on first use."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        import gguf

        entry = self._tensors()[name]
        data, qtype = self._raw(entry)
        values = gguf.quants.dequantize(np.asarray(data), qtype)
        shape = tuple(int(n) for n in reversed(entry.ne))
        array = np.ascontiguousarray(values.reshape(shape), dtype=np.float32)
        self._cache[name] = array
        return array

    def activation_block(self, name: str) -> int | None:
        """The block size ggml rounds activations to before multiplying by tensor ``name``.

        None for float weights; 256 for K-quants (Q8_K); 32 for the other quantized types
        (Q8_0 / Q8_1), as ``vec_dot_type`` in ggml-cpu says.
        """
        import gguf

        kind = gguf.GGMLQuantizationType(self._tensors()[name].type_id).name
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
