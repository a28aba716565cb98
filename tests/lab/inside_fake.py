"""The fake client, extended with the "inside the model" operations, for snapshot tests only.

The numbers are deterministic functions of the prompt's token ids (seeded generators), computed
with the same maths the real views use (tutor.explain), so the screens have realistic shapes:
causal attention rows that sum to 1, a lens whose last layer is the model's own top token,
embeddings that differ per text. Behaviour the real runtime can show is tested on a tiny GGUF.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from tests.fakes import FakeModelClient, fake_info, logits_for, piece, tokenize_ids
from tutor.explain import attention as A
from tutor.explain import lens as L
from tutor.runtime.inside import TOKEN_REPRESENTATION
from tutor.runtime.types import EmbeddingSet, LensGrid, PackedAttention, QKCapture

D_HEAD = 16


def _rng(ids: Sequence[int], salt: int = 0) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(np.asarray([salt, *ids], dtype=np.int64).tobytes()))


class InsideFakeClient(FakeModelClient):
    """FakeModelClient plus attention_view, qk, lens and embeddings."""

    def _ids(self, prompt: Any, ids: Sequence[int] | None) -> list[int]:
        if ids:
            return [int(t) for t in ids]
        return tokenize_ids(prompt if isinstance(prompt, str) else self.render_chat(prompt))

    def qk(self, prompt: Any, *, ids: Sequence[int] | None = None) -> QKCapture:
        self._begin("qk")
        info = fake_info()
        tokens = self._ids(prompt, ids)
        rng = _rng(tokens)
        t = len(tokens)
        q = rng.normal(0, 1.5, (info.n_layers, t, info.n_heads, D_HEAD)).astype(np.float32)
        k = rng.normal(0, 1.5, (info.n_layers, t, info.n_kv_heads, D_HEAD)).astype(np.float32)
        # Layer 1, heads 0 and 1 (KV head 0): every query matches the first key -> a sink.
        k[1, 0, 0, :] = 2.0
        q[1, :, 0:2, :] = 2.0 + rng.normal(0, 0.1, (t, 2, D_HEAD))
        w = np.stack([A.attention_weights(q[i], k[i], f16=True) for i in range(info.n_layers)])
        return QKCapture([piece(i) for i in tokens], q, k, w.astype(np.float32))

    def attention_view(self, prompt: Any) -> PackedAttention:
        capture = self.qk(prompt)
        self.calls[-1] = "attention_view"
        t = len(capture.tokens)
        rows, cols = np.tril_indices(t)
        packed = capture.weights[..., rows, cols].astype(np.float16)
        return PackedAttention(capture.tokens, packed)

    def lens(self, prompt: Any, *, top_n: int = 5) -> LensGrid:
        self._begin("lens")
        info = fake_info()
        tokens = self._ids(prompt, None)
        t = len(tokens)
        final = np.stack([logits_for(tokens[: p + 1]) for p in range(t)])  # (T, V)
        noise = _rng(tokens, 1).normal(0, 3, (info.n_layers, t, final.shape[1]))
        depth = np.linspace(0.3, 1.0, info.n_layers)[:, None, None]
        logits = (final[None] * depth + noise * (1 - depth)).astype(np.float32)  # (L, T, V)
        logits[-1] = final
        ids, probs = L.top_k(logits.reshape(-1, final.shape[1]), top_n)
        top_ids = ids.reshape(info.n_layers, t, top_n)
        model_top = np.argmax(final, axis=-1)
        shown = set(np.unique(top_ids).tolist()) | set(model_top.tolist())
        return LensGrid(
            tokens=[piece(i) for i in tokens],
            top_ids=top_ids,
            top_probs=probs.reshape(info.n_layers, t, top_n).astype(np.float32),
            pieces={int(i): piece(int(i)) for i in shown},
            model_top=model_top,
            kl_last=np.zeros(t),
            tied=True,
        )

    def embeddings(self, texts: Sequence[str], *, representation: str = "auto") -> EmbeddingSet:
        self._begin("embeddings")
        words = representation != "phrase" and all(" " not in t.strip() for t in texts)
        rows = [_rng([zlib.crc32(t.strip().lower().encode())], 2).normal(size=12) for t in texts]
        label = TOKEN_REPRESENTATION if words else "hidden state after layer 1 of 2 (fake)"
        return EmbeddingSet(list(texts), label, np.stack(rows).astype(np.float32))
