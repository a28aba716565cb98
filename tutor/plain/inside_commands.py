"""The code of ``llm-tutor attention``, ``embed`` and ``lens`` (their parsers and JSON shapes are
in :mod:`tutor.plain.inside`; this module loads numpy and the explainers when one runs).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
from collections.abc import Sequence
from typing import Any

import numpy as np

from tutor.drawing import shade, shade_legend, token_label
from tutor.explain import attention as A
from tutor.explain import embeddings as E
from tutor.explain import heads as Hd
from tutor.plain.model_command import BadInput, open_client


def _check_index(value: int | None, count: int, what: str) -> None:
    if value is not None and not 0 <= value < count:
        raise BadInput(f"{what} {value} is out of range: this model has {what}s 0 to {count - 1}")


def _texts(tokens: Sequence[Any]) -> list[str]:
    return [t.text for t in tokens]


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False))


def _rounded(a: np.ndarray, digits: int = 6) -> Any:
    return np.round(a.astype(np.float64), digits).tolist()


# -- attention -------------------------------------------------------------------------------


def cmd_attention(args: argparse.Namespace) -> int:
    """Capture the prompt's attention and print it (or its by-hand recomputation)."""
    with open_client(args) as client:
        info = client.start()
        _check_index(args.layer, info.n_layers, "layer")
        _check_index(args.head, info.n_heads, "head")
        if args.by_hand:
            return _by_hand(client, args, info.n_layers)
        maps = client.attention(args.prompt)
    tokens = _texts(maps.tokens)
    weights = maps.weights  # (L, H, T, T)
    if args.json:
        data: dict[str, Any] = {"tokens": tokens}
        if args.layer is not None:
            data["layer"] = args.layer
        if args.head is not None:
            data["head"] = args.head
        picked = weights[args.layer] if args.layer is not None else weights
        if args.head is not None:
            picked = picked[..., args.head, :, :]
        data["weights"] = _rounded(picked)
        _print_json(data)
        return 0
    if args.layer is None and args.head is None:
        _print_named_heads(weights, info.n_kv_heads)
        return 0
    layer = args.layer if args.layer is not None else 0
    matrix = weights[layer, args.head] if args.head is not None else weights[layer].mean(axis=0)
    which = f"head {args.head}" if args.head is not None else "mean over heads"
    print(f"layer {layer}, {which} (row = query token, column = key token)")
    print(shade_legend())
    print(heatmap_text(tokens, matrix))
    return 0


def heatmap_text(tokens: Sequence[str], matrix: np.ndarray, columns: int | None = None) -> str:
    """Rows of shaded cells (two characters each), labelled with the query tokens.

    Only the last ``columns`` keys fit the terminal (default: its width); a note says which.
    """
    width = min(12, max(len(token_label(t)) for t in tokens))
    if columns is None:
        columns = max(8, (shutil.get_terminal_size().columns - width - 5) // 2)
    start = max(0, len(tokens) - columns)
    lines = []
    for i, token in enumerate(tokens):
        cells = "".join(shade(float(v)) * 2 for v in matrix[i, start : len(tokens)])
        lines.append(f"{i:3d} {token_label(token)[:width]:<{width}} {cells}")
    if start:
        lines.append(f"(keys {start} to {len(tokens) - 1} shown; --json has them all)")
    return "\n".join(lines)


def _print_named_heads(weights: np.ndarray, n_kv: int) -> None:
    """Heads whose pattern on this prompt is clear, grouped by name (tutor.explain.heads)."""
    n_layers, n_heads = weights.shape[:2]
    print(f"{n_layers} layers × {n_heads} heads ({n_kv} key/value heads), on this prompt:")
    named: dict[str, list[str]] = {"previous-token": [], "first-token": []}
    if weights.shape[2] >= 3:
        for layer in range(n_layers):
            for head in range(n_heads):
                w = weights[layer, head]
                name = Hd.name_head(Hd.previous_token_share(w), Hd.first_token_share(w))
                if name:
                    named[name].append(f"{layer}.{head}")
    print(f"  previous-token heads (≥ {Hd.PREVIOUS_MIN:.0%} on the token before), layer.head:")
    print("    " + (" ".join(named["previous-token"]) or "none"))
    print(f"  first-token heads (≥ {Hd.FIRST_MIN:.0%} on the first token, 'sinks'), layer.head:")
    print("    " + (" ".join(named["first-token"]) or "none"))
    print("Show one: llm-tutor attention PROMPT --layer L --head H")


def _by_hand(client: Any, args: argparse.Namespace, n_layers: int) -> int:
    layer = args.layer if args.layer is not None else 0
    head = args.head if args.head is not None else 0
    cap = client.qk(args.prompt)
    n_tokens = len(cap.tokens)
    query = args.query if args.query is not None else n_tokens - 1
    _check_index(query, n_tokens, "query position")
    walk = A.walk_query(cap.q[layer], cap.k[layer], head, query, f16=True)
    engine_row = cap.weights[layer, head, query]
    whole = max(
        A.max_abs_diff(A.attention_weights(cap.q[i], cap.k[i], f16=True), cap.weights[i])
        for i in range(n_layers)
    )
    if args.json:
        _print_json(_walk_json(cap, walk, layer, head, engine_row, whole))
        return 0
    tokens = _texts(cap.tokens)
    d = walk.q.shape[0]
    kv = A.kv_head_of(head, cap.q.shape[2], cap.k.shape[2])
    print(
        f"layer {layer}, head {head} (reads key/value head {kv}), query {query} {tokens[query]!r}"
    )
    head_of_q = ", ".join(f"{x:.2f}" for x in walk.q[:4])
    print(f"q = ({head_of_q}, ...)  d_head = {d}, √d = {math.sqrt(d):.2f}")
    print(f"{'key':>16} {'q·k':>9} {'÷√d':>8} {'mask':>8} {'softmax':>8} {'llama.cpp':>10}")
    for s, tok in enumerate(tokens):
        masked = "-inf" if math.isinf(walk.masked[s]) else f"{walk.masked[s]:.3f}"
        print(
            f"{s:3d} {token_label(tok)[:12]:<12} {walk.dots[s]:9.3f} {walk.scaled[s]:8.3f} "
            f"{masked:>8} {walk.weights[s]:8.4f} {engine_row[s]:10.4f}"
        )
    print(f"largest difference in this row: {A.max_abs_diff(walk.weights, engine_row):.2e}")
    print(f"largest difference over every layer and head: {whole:.2e}")
    return 0


def _walk_json(
    cap: Any, walk: A.QueryWalk, layer: int, head: int, engine_row: np.ndarray, whole: float
) -> dict[str, Any]:
    def finite(a: np.ndarray) -> list[float | None]:
        return [None if math.isinf(x) else round(float(x), 6) for x in a]

    return {
        "tokens": _texts(cap.tokens),
        "layer": layer,
        "head": head,
        "query": walk.query,
        "kv_head": A.kv_head_of(head, cap.q.shape[2], cap.k.shape[2]),
        "d_head": int(walk.q.shape[0]),
        "steps": {
            "q": _rounded(walk.q),
            "keys": _rounded(walk.keys),
            "dots": _rounded(walk.dots),
            "scaled": _rounded(walk.scaled),
            "masked": finite(walk.masked),
            "weights": _rounded(walk.weights),
        },
        "llama_cpp": _rounded(engine_row),
        "row_max_abs_diff": A.max_abs_diff(walk.weights, engine_row),
        "max_abs_diff": whole,
    }


# -- embeddings ------------------------------------------------------------------------------


def cmd_embed(args: argparse.Namespace) -> int:
    """Embed the texts and print their cosine similarities."""
    texts = [t for t in args.texts if t.strip()]
    if len(texts) < 2:
        raise BadInput("give at least two non-empty texts to compare")
    with open_client(args) as client:
        found = client.embeddings(texts, representation=args.representation)
    sim = E.cosine_matrix(found.vectors)
    if args.json:
        _print_json(
            {
                "items": found.items,
                "representation": found.representation,
                "similarity": _rounded(sim, 4),
            }
        )
        return 0
    print(f"representation: {found.representation}")
    width = min(24, max(len(t) for t in texts))
    print(" " * (width + 1) + " ".join(f"{i:>6d}" for i in range(len(texts))))
    for i, text in enumerate(found.items):
        print(f"{text[:width]:<{width}} " + " ".join(f"{v:6.2f}" for v in sim[i]) + f"  [{i}]")
    for i, text in enumerate(found.items):
        near = E.nearest(sim, i, k=1)
        if near:
            print(f"closest to {text!r}: {found.items[near[0]]!r} ({sim[i, near[0]]:.2f})")
    return 0


# -- logit lens ------------------------------------------------------------------------------


def cmd_lens(args: argparse.Namespace) -> int:
    """Print each layer's top guesses for the next token (last position, or all)."""
    if not 1 <= args.top <= 20:
        raise BadInput("--top must be between 1 and 20")
    with open_client(args) as client:
        grid = client.lens(args.prompt, top_n=args.top)
    tokens = _texts(grid.tokens)
    n_layers, n_tokens = grid.top_ids.shape[:2]

    def top(layer: int, pos: int) -> list[dict[str, Any]]:
        return [
            {"id": int(t), "text": grid.text(int(t)), "prob": round(float(p), 6)}
            for t, p in zip(grid.top_ids[layer, pos], grid.top_probs[layer, pos], strict=True)
        ]

    positions = range(n_tokens) if args.all else [n_tokens - 1]
    if args.json:
        layers: list[dict[str, Any]] = []
        for layer in range(n_layers):
            entry: dict[str, Any] = {"layer": layer}
            if args.all:
                entry["positions"] = [{"position": p, "top": top(layer, p)} for p in positions]
            else:
                entry["top"] = top(layer, n_tokens - 1)
            layers.append(entry)
        _print_json({"tokens": tokens, "layers": layers})
        return 0
    for pos in positions:
        kl = grid.kl_last[pos]
        print(f"after {pos} {token_label(tokens[pos])!r} (last layer vs the model: KL {kl:.1e})")
        for layer in range(n_layers):
            guesses = ", ".join(
                f"{token_label(g['text'])} {g['prob']:.2f}" for g in top(layer, pos)[:3]
            )
            print(f"  layer {layer:2d}: {guesses}")
    return 0
