"""Capturing named tensors of llama.cpp's compute graph (worker side only).

:mod:`tutor.runtime.attention` captures one tensor kind, the attention softmax. The lab's
"inside the model" views need more of the graph, all from the same forward pass:

- ``Qcur-N`` / ``Kcur-N`` after RoPE (the node whose op is ``ROPE``; llama.cpp names the
  matmul, the reshape and the rope result alike): ggml ``ne = [d_head, n_head, n_tokens]``,
  numpy ``(n_tokens, n_head, d_head)``;
- ``kq_soft_max-N`` (older builds: ``kq_soft_max_ext-N``): ``ne = [n_kv, n_tokens, n_head, 1]``,
  numpy ``(1, n_head, n_tokens, n_kv)``, sliced to the used KV cells;
- ``l_out-N``, the residual stream after layer N: ``ne = [n_embd, n_tokens]``, numpy
  ``(n_tokens, n_embd)``. On the last layer llama.cpp keeps only the rows whose logits were
  requested, so ask for every position's logits when all rows are wanted.

One callback fires per ubatch, so each kind is a list of chunks concatenated on the token axis.
The scheduler first asks (``ask=True``) whether we want a node, then hands it over computed
(``ask=False``); returning False there would cancel the graph compute, so we never do.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable, Iterable

import numpy as np

from tutor.runtime.attention import GGML_TYPE_F32, _TensorPrefix
from tutor.runtime.packed import pack_rows
from tutor.runtime.types import PackedRows

NODE_NAME = re.compile(rb"^(Qcur|Kcur|kq_soft_max|kq_soft_max_ext|l_out)-(\d+)$")
KINDS = ("Qcur", "Kcur", "kq_soft_max", "l_out")
_ROPE_KINDS = (b"Qcur", b"Kcur")


def bind_op_desc(ggml: ctypes.CDLL) -> None:
    """Bind ``ggml_op_desc`` (the op name, e.g. b"ROPE") on the already-loaded ggml-base."""
    ggml.ggml_op_desc.argtypes = [ctypes.c_void_p]
    ggml.ggml_op_desc.restype = ctypes.c_char_p


class GraphCapture:
    """An eval callback that keeps chosen graph tensors of every layer for one prompt."""

    def __init__(self, ggml: ctypes.CDLL, n_layers: int) -> None:
        import llama_cpp

        bind_op_desc(ggml)
        self._ggml = ggml
        self.n_layers = n_layers
        self.wanted: frozenset[bytes] = frozenset()
        self.n_tokens = 0
        self.chunks: dict[tuple[str, int], list[np.ndarray]] = {}
        # Keep the CFUNCTYPE object alive as long as the context: llama.cpp holds its pointer.
        self.callback = llama_cpp.ggml_backend_sched_eval_callback(self._on_node)

    def arm(self, kinds: Iterable[str], n_tokens: int) -> None:
        """Capture ``kinds`` (names from KINDS) during the next evaluation of ``n_tokens``."""
        names = set()
        for kind in kinds:
            if kind not in KINDS:
                raise ValueError(f"unknown graph tensor kind {kind!r}")
            names.add(kind.encode())
            if kind == "kq_soft_max":
                names.add(b"kq_soft_max_ext")
        self.wanted = frozenset(names)
        self.n_tokens = n_tokens
        self.chunks = {}
        self.send_packed: Callable[[PackedRows], None] | None = None
        self._packed_rows = [0] * self.n_layers

    def arm_packed(self, n_tokens: int, send: Callable[[PackedRows], None]) -> None:
        """Capture only the softmax, each ubatch's rows of a layer packed into a float16 block
        (see :mod:`tutor.runtime.packed`) and handed to ``send`` at once: nothing of the
        capture is kept here."""
        self.arm(("kq_soft_max",), n_tokens)
        self.send_packed = send

    def disarm(self) -> None:
        """Capture nothing (the callback then only says 'no' and never cancels)."""
        self.wanted = frozenset()

    def _on_node(self, tensor: int, ask: bool, _user_data: int) -> bool:
        if not self.wanted:
            return not ask
        name = self._ggml.ggml_get_name(tensor)
        match = NODE_NAME.match(name) if name else None
        want = match is not None and match.group(1) in self.wanted
        if want and match is not None and match.group(1) in _ROPE_KINDS:
            want = self._ggml.ggml_op_desc(tensor) == b"ROPE"
        if ask:
            return want
        if want and match is not None:
            self._store(tensor, match.group(1).decode(), int(match.group(2)))
        return True

    def _store(self, tensor: int, kind: str, layer: int) -> None:
        """Copy the tensor out as float32 numpy, in the layout its docstring names."""
        prefix = _TensorPrefix.from_address(tensor)
        if prefix.type != GGML_TYPE_F32 or layer >= self.n_layers:
            return
        ne = [int(x) for x in prefix.ne]
        raw = np.empty(ne[::-1], dtype=np.float32)  # numpy order is ggml's ne reversed
        self._ggml.ggml_backend_tensor_get(tensor, raw.ctypes.data, 0, raw.nbytes)
        kind = "kq_soft_max" if kind.startswith("kq_soft_max") else kind
        if kind == "kq_soft_max" and self.send_packed is not None:
            self._pack(raw[0], layer)
            return
        if kind in ("Qcur", "Kcur"):
            raw = raw.reshape(ne[2], ne[1], ne[0])  # (rows, heads, d_head)
        elif kind == "l_out":
            raw = raw.reshape(ne[1], ne[0])  # (rows, n_embd)
        else:
            raw = raw[0]  # (heads, rows, n_kv)
        self.chunks.setdefault((kind, layer), []).append(raw)

    def _pack(self, chunk: np.ndarray, layer: int) -> None:
        """Send one ubatch's rows (heads, rows, n_kv) of a layer as a packed block."""
        assert self.send_packed is not None
        start = self._packed_rows[layer]
        stop = min(start + chunk.shape[1], self.n_tokens)
        values = pack_rows(chunk, start, stop)  # (heads, stretch) float16
        self._packed_rows[layer] = stop
        self.send_packed(PackedRows(layer, start, stop, self.n_layers, self.n_tokens, values))

    def packed_complete(self) -> bool:
        """True when every layer sent a packed row for every token."""
        return all(r == self.n_tokens for r in self._packed_rows)

    def clear(self) -> None:
        """Drop everything captured (the results have been copied out)."""
        self.chunks = {}
        self.send_packed = None

    def rows(self, kind: str, layer: int) -> np.ndarray:
        """All captured rows of ``kind`` at ``layer``, the ubatches joined on the token axis."""
        parts = self.chunks.get((kind, layer))
        if not parts:
            raise KeyError(f"{kind}-{layer} was not captured")
        if kind != "kq_soft_max":
            return np.concatenate(parts, axis=0)
        return self._softmax_rows(parts)

    def _softmax_rows(self, parts: list[np.ndarray]) -> np.ndarray:
        """(heads, T, T): each ubatch's rows see keys 0..its last position (padding dropped)."""
        n_heads = parts[0].shape[0]
        out = np.zeros((n_heads, self.n_tokens, self.n_tokens), dtype=np.float32)
        start = 0
        for part in parts:
            stop = min(start + part.shape[1], self.n_tokens)
            out[:, start:stop, :stop] = part[:, : stop - start, :stop]
            start = stop
        return out

    def layers_captured(self, kind: str) -> int:
        """How many layers produced ``kind`` (every layer, when the capture worked)."""
        return sum(1 for (k, _layer) in self.chunks if k == kind)
