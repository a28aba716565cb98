"""Capturing attention probabilities from llama.cpp's own forward pass (worker side only).

llama.cpp names the softmax of each layer's attention scores ``kq_soft_max-<layer>`` (older
builds: ``kq_soft_max_ext-<layer>``). An eval callback (``cb_eval`` in the context parameters)
asks the graph scheduler for exactly those nodes and copies them out with
``ggml_backend_tensor_get``. This needs flash attention disabled, which never builds that
tensor. The ggml functions are bound from the ``libggml-base.so.0`` that ``libllama`` itself
links against, so there is one ggml in the process, not two.

Tensor layout (ggml ``ne``): [n_kv, n_tokens, n_head, n_stream]; as numpy (stream, head, token,
kv). ``n_kv`` is the padded KV window; with a freshly cleared cache, cell j holds position j.
"""

from __future__ import annotations

import ctypes
import re
from pathlib import Path

import numpy as np

SOFTMAX_NAME = re.compile(rb"^kq_soft_max(?:_ext)?-(\d+)$")
GGML_TYPE_F32 = 0


class _TensorPrefix(ctypes.Structure):
    """The stable first fields of ``struct ggml_tensor`` (ggml.h): type, buffer, ne, nb."""

    _fields_ = (
        ("type", ctypes.c_int),
        ("buffer", ctypes.c_void_p),
        ("ne", ctypes.c_int64 * 4),
        ("nb", ctypes.c_size_t * 4),
    )


def load_ggml_base() -> ctypes.CDLL:
    """Bind the few ggml functions the capture needs, from the copy libllama already loaded."""
    import llama_cpp

    lib_dir = Path(llama_cpp.__file__).resolve().parent / "lib"
    lib = ctypes.CDLL(str(lib_dir / "libggml-base.so.0"))
    lib.ggml_get_name.argtypes = [ctypes.c_void_p]
    lib.ggml_get_name.restype = ctypes.c_char_p
    lib.ggml_nbytes.argtypes = [ctypes.c_void_p]
    lib.ggml_nbytes.restype = ctypes.c_size_t
    lib.ggml_backend_tensor_get.argtypes = [
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_size_t,
    ]
    lib.ggml_backend_tensor_get.restype = None
    return lib


class AttentionCapture:
    """An eval callback that fills a (layers, heads, T, T) array, one ubatch at a time."""

    def __init__(self, ggml: ctypes.CDLL, n_layers: int, n_heads: int) -> None:
        import llama_cpp

        self._ggml = ggml
        self.n_layers = n_layers
        self.n_heads = n_heads
        self.weights = np.zeros((n_layers, n_heads, 0, 0), dtype=np.float32)
        self._rows_seen = [0] * n_layers
        self.armed = False
        # Keep the CFUNCTYPE object alive as long as the context: llama.cpp holds its pointer.
        self.callback = llama_cpp.ggml_backend_sched_eval_callback(self._on_node)

    def reset(self, n_tokens: int) -> None:
        """Prepare for a prompt of ``n_tokens`` (the cache must be cleared too)."""
        self.weights = np.zeros((self.n_layers, self.n_heads, n_tokens, n_tokens), dtype=np.float32)
        self._rows_seen = [0] * self.n_layers

    def complete(self) -> bool:
        """True when every layer produced a row for every token."""
        n_tokens = self.weights.shape[2]
        return all(rows == n_tokens for rows in self._rows_seen)

    def _on_node(self, tensor: int, ask: bool, _user_data: int) -> bool:
        """Scheduler callback: in the ask phase say which nodes we want; then copy them."""
        if not self.armed:
            return not ask  # want nothing; never cancel the compute
        name = self._ggml.ggml_get_name(tensor)
        match = SOFTMAX_NAME.match(name) if name and name.startswith(b"kq_soft") else None
        if ask:
            return match is not None
        if match is not None:
            self._store(tensor, int(match.group(1)))
        return True  # returning False here would cancel the graph compute

    def _store(self, tensor: int, layer: int) -> None:
        """Copy one ubatch of softmax rows into place, slicing off the padded KV columns."""
        prefix = _TensorPrefix.from_address(tensor)
        n_kv, n_rows, n_head, n_stream = (int(x) for x in prefix.ne)
        if prefix.type != GGML_TYPE_F32 or layer >= self.n_layers or n_head != self.n_heads:
            return
        raw = np.empty((n_stream, n_head, n_rows, n_kv), dtype=np.float32)
        self._ggml.ggml_backend_tensor_get(tensor, raw.ctypes.data, 0, raw.nbytes)
        start = self._rows_seen[layer]
        stop = min(start + n_rows, self.weights.shape[2])
        # (heads, rows, keys): the rows of this ubatch see keys 0..stop-1 (earlier ubatches too).
        self.weights[layer, :, start:stop, :stop] = raw[0, :, : stop - start, :stop]
        self._rows_seen[layer] = stop
