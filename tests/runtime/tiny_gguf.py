"""Writes tiny random-weight llama GGUF models for tests (milliseconds, tens of KB).

Shape: 2 layers, 64-dim embeddings, 4 query heads sharing 2 KV heads, a 276-token SentencePiece
("llama") vocabulary with 256 byte-fallback tokens, a few words and chatml control tokens, and
a chatml chat template. llama.cpp loads, evaluates and samples these like any model; the output
is byte soup, which is all the plumbing tests need.
"""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np

N_EMBD, N_LAYER, N_HEAD, N_HEAD_KV, N_FF, N_CTX = 64, 2, 4, 2, 128, 256
HEAD_DIM = N_EMBD // N_HEAD
CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content']"
    " + '<|im_end|>' + '\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
WORDS = ["▁", "t", "h", "e", "▁t", "he", "▁the", "a", "c", "▁c", "at", "▁cat", "s", "▁s", "▁sat"]
QUANT = {
    "f32": (gguf.GGMLQuantizationType.F32, gguf.LlamaFileType.ALL_F32),
    "f16": (gguf.GGMLQuantizationType.F16, gguf.LlamaFileType.MOSTLY_F16),
    "q8_0": (gguf.GGMLQuantizationType.Q8_0, gguf.LlamaFileType.MOSTLY_Q8_0),
    "q4_0": (gguf.GGMLQuantizationType.Q4_0, gguf.LlamaFileType.MOSTLY_Q4_0),
    "q4_1": (gguf.GGMLQuantizationType.Q4_1, gguf.LlamaFileType.MOSTLY_Q4_1),
}


def vocabulary() -> tuple[list[str], list[float], list[int]]:
    """Tokens, scores and token types (UNKNOWN=2, CONTROL=3, BYTE=6, NORMAL=1)."""
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + WORDS
    tokens += ["<|im_start|>", "<|im_end|>"]
    types = [2, 3, 3] + [6] * 256 + [1] * len(WORDS) + [3, 3]
    scores = [0.0] * 259 + [-float(i) for i in range(len(WORDS))] + [0.0, 0.0]
    return tokens, scores, types


def _weights(rng: np.random.Generator) -> dict[str, np.ndarray]:
    n_vocab = len(vocabulary()[0])
    w = {
        "token_embd.weight": rng.normal(0, 1.0, (n_vocab, N_EMBD)),
        "output_norm.weight": np.ones(N_EMBD),
    }
    for i in range(N_LAYER):
        p = f"blk.{i}."
        w[p + "attn_norm.weight"] = np.ones(N_EMBD)
        w[p + "ffn_norm.weight"] = np.ones(N_EMBD)
        w[p + "attn_q.weight"] = rng.normal(0, 0.12, (N_HEAD * HEAD_DIM, N_EMBD))
        w[p + "attn_k.weight"] = rng.normal(0, 0.12, (N_HEAD_KV * HEAD_DIM, N_EMBD))
        w[p + "attn_v.weight"] = rng.normal(0, 0.2, (N_HEAD_KV * HEAD_DIM, N_EMBD))
        w[p + "attn_output.weight"] = rng.normal(0, 0.2, (N_EMBD, N_HEAD * HEAD_DIM))
        w[p + "ffn_gate.weight"] = rng.normal(0, 0.2, (N_FF, N_EMBD))
        w[p + "ffn_up.weight"] = rng.normal(0, 0.2, (N_FF, N_EMBD))
        w[p + "ffn_down.weight"] = rng.normal(0, 0.2, (N_EMBD, N_FF))
    return {k: v.astype(np.float32) for k, v in w.items()}


def write_tiny_model(
    path: Path,
    quant: str = "q8_0",
    *,
    seed: int = 0,
    architecture: str = "llama",
    chat_template: str | None = CHATML,
) -> Path:
    """Write a tiny llama GGUF to ``path`` and return it."""
    qtype, ftype = QUANT[quant]
    w = gguf.GGUFWriter(str(path), architecture)
    w.add_name(f"tiny-{quant}")
    w.add_license("Apache-2.0")
    w.add_file_type(ftype)
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(HEAD_DIM)
    tokens, scores, types = vocabulary()
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    if chat_template is not None:
        w.add_chat_template(chat_template)
    for name, arr in _weights(np.random.default_rng(seed)).items():
        _add(w, name, arr, qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def _add(w: gguf.GGUFWriter, name: str, arr: np.ndarray, qtype: gguf.GGMLQuantizationType) -> None:
    """Norms stay F32; other tensors take the requested type."""
    if arr.ndim == 1 or qtype == gguf.GGMLQuantizationType.F32:
        w.add_tensor(name, arr)
    elif qtype == gguf.GGMLQuantizationType.F16:
        w.add_tensor(name, arr.astype(np.float16))
    else:
        w.add_tensor(name, gguf.quants.quantize(arr, qtype), raw_dtype=qtype)
