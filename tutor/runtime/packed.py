"""Packed attention, streamed: the worker packs each layer's rows as llama.cpp computes them and
sends them at once; the app writes them into one array allocated up front.

A causal row t has only keys 0..t, so each head's (T, T) matrix is stored as its lower
triangle, row after row: row t starts at offset t(t+1)/2 (see :class:`PackedAttention`). Rows
start..stop of one head are then one contiguous stretch, so an ubatch's rows of one layer travel
as a (heads, stretch) float16 block (:class:`PackedRows`).

Neither process ever holds the capture twice: the worker keeps one layer's rows at a time (the
whole float16 capture was 18 MB at 256 tokens, and pickling it as one reply 35 MB more), and
the app receives small blocks instead of an 18 MB message unpickled into a second copy.
"""

from __future__ import annotations

import numpy as np

from tutor.runtime.errors import ModelRuntimeError
from tutor.runtime.types import PackedAttention, PackedRows, TokenPiece


def row_offset(t: int) -> int:
    """Where row t of a packed triangle begins (rows 0..t-1 hold 1 + 2 + ... + t numbers)."""
    return t * (t + 1) // 2


def pack_rows(rows: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Rows start..stop of every head, from ``rows`` (heads, >= stop - start, >= stop) whose
    row 0 is query ``start``, as one (heads, row_offset(stop) - row_offset(start)) float16
    block."""
    base = row_offset(start)
    out = np.empty((rows.shape[0], row_offset(stop) - base), dtype=np.float16)
    for t in range(start, stop):
        offset = row_offset(t) - base
        out[:, offset : offset + t + 1] = rows[:, t - start, : t + 1]
    return out


class PackedAssembly:
    """Collects the PackedRows blocks of one capture (app side) into a PackedAttention."""

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens  # the worker's capture limit: a bound on what it may send
        self.n_tokens = 0
        self.packed: np.ndarray | None = None  # (n_layers, n_heads, T(T+1)/2) float16
        self.rows_done: list[int] = []  # per layer, how many rows arrived

    def add(self, items: list[object]) -> None:
        """Place one streamed batch of blocks."""
        for block in items:
            if not isinstance(block, PackedRows):
                raise ModelRuntimeError("the model worker sent something that is not attention")
            if self.packed is None:
                self._allocate(block)
            self._place(block)

    def _allocate(self, first: PackedRows) -> None:
        """The whole capture's array, zeroed (its pages are only touched as rows arrive)."""
        if not 0 < first.n_tokens <= self.max_tokens or first.n_layers <= 0:
            raise ModelRuntimeError("the model worker sent an attention capture out of range")
        self.n_tokens = first.n_tokens
        shape = (first.n_layers, first.values.shape[0], row_offset(first.n_tokens))
        self.packed = np.zeros(shape, dtype=np.float16)
        self.rows_done = [0] * first.n_layers

    def _place(self, block: PackedRows) -> None:
        assert self.packed is not None
        n_layers, n_heads, _size = self.packed.shape
        begin, end = row_offset(block.start), row_offset(block.stop)
        if (
            not 0 <= block.layer < n_layers
            or block.start != self.rows_done[block.layer]
            or not block.start < block.stop <= self.n_tokens
            or block.values.shape != (n_heads, end - begin)
        ):
            raise ModelRuntimeError("the model worker sent attention rows out of order")
        self.packed[block.layer, :, begin:end] = block.values
        self.rows_done[block.layer] = block.stop

    def result(self, tokens: list[TokenPiece]) -> PackedAttention:
        """The assembled capture of ``tokens``; every layer must have all its rows."""
        complete = self.n_tokens == len(tokens) and all(d == len(tokens) for d in self.rows_done)
        if self.packed is None or not complete:
            raise ModelRuntimeError("the model worker sent an incomplete attention capture")
        return PackedAttention(tokens=tokens, packed=self.packed)
