"""Benchmark the model runtime against raw llama-cpp-python, on the default model, in one run.

Prints, each as ours / raw (median of --repeats runs, each side in its own fresh process):

* generation tokens/s ratio (target >= 0.95), greedy, same prompt, same settings;
* time to first token (prompt evaluation + first sample, including the pipe for ours);
* model load time (ours includes starting the worker process);
* attention-capture cost: decode with the capture callback over without (target <= 1.25),
  per generated token and for a whole prompt;
* peak memory (VmHWM) of app + worker over the raw process (target <= 1.5).

Conditions on both sides: n_ctx 2048, n_batch 512, the same thread count, flash attention off
(the ``Llama`` default), greedy sampling, a fresh KV cache. Run::

    python benchmarks/bench_runtime.py [--tokens 128] [--repeats 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROMPT = "Once upon a time, in a small village at the edge of a great forest, there lived"
ATTN_PROMPT = " ".join(["The quick brown fox jumps over the lazy dog."] * 12)
N_CTX, N_BATCH = 2048, 512


def _vm_hwm_mb(pid: int | str = "self") -> float:
    """Peak resident memory of a process, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _threads() -> int:
    from tutor.runtime.client import default_threads

    return default_threads()


def _model_path() -> str:
    from tutor.runtime.catalog import resolve_model

    return str(resolve_model(None).path)


def part_raw(n_tokens: int) -> dict[str, float]:
    """Raw llama-cpp-python: Llama + generate(), greedy."""
    t0 = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):
        from llama_cpp import Llama

        llm = Llama(_model_path(), n_ctx=N_CTX, n_batch=N_BATCH, n_threads=_threads(), verbose=True)
    load = time.perf_counter() - t0
    tokens = llm.tokenize(PROMPT.encode(), add_bos=True)
    t0 = time.perf_counter()
    first = None
    count = 0
    with contextlib.redirect_stderr(io.StringIO()):
        llm.reset()
        for tok in llm.generate(tokens, temp=0.0, top_k=1, reset=True):
            if first is None:
                first = time.perf_counter()
            count += 1
            if count == n_tokens or llm.token_eos() == tok:
                break
    end = time.perf_counter()
    assert first is not None
    return {
        "load_s": load,
        "ttft_s": first - t0,
        "tokens_per_s": (count - 1) / (end - first),
        "tokens": count,
        "peak_mb": _vm_hwm_mb(),
    }


def part_app(n_tokens: int) -> dict[str, float]:
    """Ours: ModelClient in this process, llama.cpp in the worker."""
    from tutor.runtime import GenerationSettings, ModelClient

    t0 = time.perf_counter()
    client = ModelClient(n_ctx=N_CTX, n_batch=N_BATCH, n_threads=_threads())
    client.start()
    load = time.perf_counter() - t0
    settings = GenerationSettings(temperature=0, max_tokens=n_tokens, top_n=5)
    t0 = time.perf_counter()
    first = None
    count = 0
    with client.generate(PROMPT, settings) as gen:
        for _ in gen:
            if first is None:
                first = time.perf_counter()
            count += 1
    end = time.perf_counter()
    assert first is not None
    # Memory for the same work as the raw side (load + generate), before the attention view.
    app_peak, worker_peak = _vm_hwm_mb(), _vm_hwm_mb(client.pid or "self")
    t_plain, t_capture = _interleaved(
        lambda: client.next_token(ATTN_PROMPT), lambda: client.attention(ATTN_PROMPT), 3
    )
    worker_after_attention = _vm_hwm_mb(client.pid or "self")
    client.close()
    return {
        "load_s": load,
        "ttft_s": first - t0,
        "tokens_per_s": (count - 1) / (end - first),
        "tokens": count,
        "prompt_eval_s": t_plain,
        "prompt_eval_capture_s": t_capture,
        "peak_mb": app_peak + worker_peak,
        "app_peak_mb": app_peak,
        "worker_peak_mb": worker_peak,
        "worker_peak_after_attention_mb": worker_after_attention,
    }


def part_capture(n_tokens: int) -> dict[str, float]:
    """Per-token decode with and without the attention callback, on the runtime's own engine."""
    from tutor.runtime import llamalog
    from tutor.runtime.engine import Engine
    from tutor.runtime.protocol import WorkerConfig

    sink, _keep = llamalog.install(Path("/dev/null"))
    config = WorkerConfig(
        model_path=Path(_model_path()),
        log_path=Path("/dev/null"),
        n_ctx=N_CTX,
        n_threads=_threads(),
        attention_max_tokens=256,
        sha256="-",
    )
    engine = Engine(config, lambda: False, sink)
    ids = engine.prompt_ids(PROMPT)
    slot, capture = engine._attention_slot()

    def with_capture() -> float:
        capture.reset(len(ids) + n_tokens)
        capture.armed = True
        return _per_token_ms(engine, slot, ids, n_tokens)

    plain: list[float] = []
    captured: list[float] = []
    for _ in range(3):  # interleaved, best of three, to damp background load
        plain.append(_per_token_ms(engine, engine.gen, ids, n_tokens))
        captured.append(with_capture())
    return {"decode_ms": min(plain), "decode_capture_ms": min(captured)}


def _per_token_ms(engine: Any, slot: Any, ids: list[int], n_tokens: int) -> float:
    """Evaluate the prompt, then ``n_tokens`` single-token decodes; ms per decode."""
    engine._clear(slot)
    engine._decode(slot, ids, 0)
    t0 = time.perf_counter()
    for i in range(n_tokens):
        engine._decode(slot, [ids[-1]], len(ids) + i)
    return (time.perf_counter() - t0) * 1000 / n_tokens


def _interleaved(a: Any, b: Any, n: int) -> tuple[float, float]:
    """Best-of-n wall times of a() and b(), run alternately."""
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(n):
        for fn, times in ((a, ta), (b, tb)):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return min(ta), min(tb)


def _run_part(part: str, n_tokens: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--part", part, "--tokens", str(n_tokens)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def report(n_tokens: int, repeats: int) -> None:
    raw_runs: list[dict[str, float]] = []
    app_runs: list[dict[str, float]] = []
    cap_runs: list[dict[str, float]] = []
    for _ in range(repeats):  # alternate, so background load affects both sides alike
        raw_runs.append(_run_part("raw", n_tokens))
        app_runs.append(_run_part("app", n_tokens))
        cap_runs.append(_run_part("capture", n_tokens))
    raw = {k: _median(raw_runs, k) for k in raw_runs[0]}
    app = {k: _median(app_runs, k) for k in app_runs[0]}
    cap = {k: _median(cap_runs, k) for k in cap_runs[0]}
    rows = [
        (
            "generation tokens/s",
            app["tokens_per_s"],
            raw["tokens_per_s"],
            app["tokens_per_s"] / raw["tokens_per_s"],
            ">= 0.95",
        ),
        (
            "time to first token (ms)",
            app["ttft_s"] * 1e3,
            raw["ttft_s"] * 1e3,
            app["ttft_s"] / raw["ttft_s"],
            "",
        ),
        ("model load (s)", app["load_s"], raw["load_s"], app["load_s"] / raw["load_s"], ""),
        (
            "peak memory (MB)",
            app["peak_mb"],
            raw["peak_mb"],
            app["peak_mb"] / raw["peak_mb"],
            "<= 1.5",
        ),
    ]
    setup = f"{_threads()} threads, n_ctx {N_CTX}, {n_tokens} tokens, median of {repeats}"
    print(f"default model, {setup}")
    print(f"{'measure':28} {'ours':>10} {'raw':>10} {'ratio':>7}  target")
    for name, ours, theirs, ratio, target in rows:
        print(f"{name:28} {ours:10.2f} {theirs:10.2f} {ratio:7.3f}  {target}")
    app_mb, worker_mb = app["app_peak_mb"], app["worker_peak_mb"]
    print(f"  (app process {app_mb:.0f} MB + worker {worker_mb:.0f} MB;")
    print(f"   worker after an attention view: {app['worker_peak_after_attention_mb']:.0f} MB)")
    with_ms, without_ms = cap["decode_capture_ms"], cap["decode_ms"]
    ratio = with_ms / without_ms
    label = "attention capture, per token"
    print(f"{label:28} {with_ms:10.2f} {without_ms:10.2f} {ratio:7.3f}  <= 1.25 (ms/token)")
    with_ms, without_ms = app["prompt_eval_capture_s"] * 1e3, app["prompt_eval_s"] * 1e3
    ratio = with_ms / without_ms
    label = "attention capture, prompt"
    words = len(ATTN_PROMPT.split())
    print(f"{label:28} {with_ms:10.1f} {without_ms:10.1f} {ratio:7.3f}  (ms, {words}-word prompt)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--part", choices=["raw", "app", "capture"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    parts = {"raw": part_raw, "app": part_app, "capture": part_capture}
    if args.part:
        print(json.dumps(parts[args.part](args.tokens)))
    else:
        report(args.tokens, args.repeats)


if __name__ == "__main__":
    main()
