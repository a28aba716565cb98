"""Benchmark the model runtime against raw llama-cpp-python, on the default model, in one run.

Both sides are loaded side by side (raw llama-cpp-python in a subprocess, ours through
ModelClient and its worker) and measured in alternating rounds, so background load on a shared
machine hits both alike. Prints ours, raw and the ratio (medians over --rounds):

* generation tokens/s ratio (target >= 0.95), greedy, same prompt, same settings;
* time to first token (prompt evaluation + first sample, including the pipe for ours);
* model load time (ours includes starting the worker process);
* attention-capture cost: decode with the capture callback over without (target <= 1.25),
  per generated token and for a whole prompt;
* peak memory (VmHWM) of app + worker after an attention view of 256 tokens (the lab's packed
  capture, received and scored as the attention screen does) over the raw process after it
  evaluated the same 256 tokens (target <= 1.5); the figure before any view, for reference.

Conditions on both sides: n_ctx 2048, n_batch 512, the same thread count, flash attention off
(the ``Llama`` default), greedy sampling, a fresh KV cache. Run::

    python benchmarks/bench_runtime.py [--tokens 128] [--rounds 8]
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
VIEW_TOKENS = 256  # the runtime's capture limit: the largest attention view
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


def raw_server() -> None:
    """Raw llama-cpp-python, driven over stdin: 'gen N' -> timings, 'eval ID...' -> evaluates
    those token ids in a fresh cache, 'mem' -> peak, 'quit'."""
    t0 = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):
        from llama_cpp import Llama

        llm = Llama(_model_path(), n_ctx=N_CTX, n_batch=N_BATCH, n_threads=_threads(), verbose=True)
    print(json.dumps({"load_s": time.perf_counter() - t0}), flush=True)
    tokens = llm.tokenize(PROMPT.encode(), add_bos=True)
    for line in sys.stdin:
        command = line.split()
        if command[0] == "gen":
            with contextlib.redirect_stderr(io.StringIO()):
                result = _raw_generate(llm, tokens, int(command[1]))
            print(json.dumps(result), flush=True)
        elif command[0] == "eval":
            llm.reset()
            with contextlib.redirect_stderr(io.StringIO()):
                llm.eval([int(t) for t in command[1:]])
            print(json.dumps({"tokens": len(command) - 1}), flush=True)
        elif command[0] == "mem":
            print(json.dumps({"peak_mb": _vm_hwm_mb()}), flush=True)
        else:
            break


def _raw_generate(llm: Any, tokens: list[int], n_tokens: int) -> dict[str, float]:
    """Greedy generation with Llama.generate (fresh cache), timed like ours."""
    t0 = time.perf_counter()
    first = None
    count = 0
    llm.reset()
    for tok in llm.generate(tokens, temp=0.0, top_k=1, reset=True):
        if first is None:
            first = time.perf_counter()
        count += 1
        if count == n_tokens or tok == llm.token_eos():
            break
    end = time.perf_counter()
    assert first is not None
    return {"ttft_s": first - t0, "tokens_per_s": (count - 1) / (end - first), "tokens": count}


def _app_generate(client: Any, n_tokens: int) -> dict[str, float]:
    """Greedy generation through ModelClient, timed as the UI would see it."""
    from tutor.runtime import GenerationSettings

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
    return {"ttft_s": first - t0, "tokens_per_s": (count - 1) / (end - first), "tokens": count}


class RawSide:
    """The raw llama-cpp-python subprocess."""

    def __init__(self) -> None:
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--part", "raw-server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        self.ask_line()  # the model is loaded when this line arrives
        self.load_s = time.perf_counter() - t0

    def ask_line(self, command: str | None = None) -> dict[str, float]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if command:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))

    def close(self) -> None:
        self.ask_line_quiet("quit")
        self.proc.wait(timeout=10)

    def ask_line_quiet(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.close()


def view_ids(client: Any) -> list[int]:
    """VIEW_TOKENS token ids of plain text (BOS first if the model wants one)."""
    ids = [t.id for t in client.tokenize(ATTN_PROMPT * (VIEW_TOKENS // 100 + 2))]
    return ids[:VIEW_TOKENS]


def memory_after_view(client: Any, raw: RawSide) -> dict[str, float]:
    """Peak memory (MB) of app, worker and raw: before any view (after load and generation),
    then after a VIEW_TOKENS attention view on our side and the same tokens evaluated on raw's.

    Our side does what the attention screen does with a capture: receive it, score every head
    (tutor.explain.heads.packed_scores) and unpack one head for the heatmap."""
    from tutor.explain.heads import packed_scores

    before = {"app_before": _vm_hwm_mb(), "worker_before": _vm_hwm_mb(client.pid or "self")}
    before["raw_before"] = raw.ask_line("mem")["peak_mb"]
    ids = view_ids(client)
    raw.ask_line("eval " + " ".join(map(str, ids)))
    view = client.attention_view(ids)
    packed_scores(view.packed, view.n_tokens)
    view.matrix(0, 0)
    return {
        **before,
        "app": _vm_hwm_mb(),
        "worker": _vm_hwm_mb(client.pid or "self"),
        "raw": raw.ask_line("mem")["peak_mb"],
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


def _median(values: list[float]) -> float:
    return statistics.median(values)


def report(n_tokens: int, rounds: int) -> None:
    from tutor.runtime import ModelClient

    raw = RawSide()
    t0 = time.perf_counter()
    client = ModelClient(n_ctx=N_CTX, n_batch=N_BATCH, n_threads=_threads())
    client.start()
    app_load = time.perf_counter() - t0
    raw.ask_line("gen 8")  # warm up both
    _app_generate(client, 8)
    raw_runs, app_runs = [], []
    for i in range(rounds):  # alternate the order, so drifting background load hits both alike
        if i % 2:
            app_runs.append(_app_generate(client, n_tokens))
            raw_runs.append(raw.ask_line(f"gen {n_tokens}"))
        else:
            raw_runs.append(raw.ask_line(f"gen {n_tokens}"))
            app_runs.append(_app_generate(client, n_tokens))
    mem = memory_after_view(client, raw)
    raw.close()
    t_plain, t_capture = _interleaved(
        lambda: client.next_token(ATTN_PROMPT), lambda: client.attention(ATTN_PROMPT), 5
    )
    client.close()
    cap = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--part", "capture", "--tokens", str(n_tokens)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    ratios = [
        a["tokens_per_s"] / r["tokens_per_s"] for a, r in zip(app_runs, raw_runs, strict=True)
    ]
    tps = (
        _median([a["tokens_per_s"] for a in app_runs]),
        _median([r["tokens_per_s"] for r in raw_runs]),
    )
    ttft = (_median([a["ttft_s"] for a in app_runs]), _median([r["ttft_s"] for r in raw_runs]))
    rows = [
        ("generation tokens/s", tps[0], tps[1], _median(ratios), ">= 0.95"),
        ("time to first token (ms)", ttft[0] * 1e3, ttft[1] * 1e3, ttft[0] / ttft[1], ""),
        ("model load (s)", app_load, raw.load_s, app_load / raw.load_s, ""),
        (
            f"peak MB, {VIEW_TOKENS}-token view",
            mem["app"] + mem["worker"],
            mem["raw"],
            (mem["app"] + mem["worker"]) / mem["raw"],
            "<= 1.5",
        ),
    ]
    setup = f"{_threads()} threads, n_ctx {N_CTX}, {n_tokens} tokens, median of {rounds} rounds"
    print(f"default model, {setup}")
    print(f"{'measure':28} {'ours':>10} {'raw':>10} {'ratio':>7}  target")
    for name, ours, theirs, ratio, target in rows:
        print(f"{name:28} {ours:10.2f} {theirs:10.2f} {ratio:7.3f}  {target}")
    print(f"  (tokens/s ratio per round: {', '.join(f'{r:.2f}' for r in ratios)})")
    ours_before = mem["app_before"] + mem["worker_before"]
    print(f"  (app process {mem['app']:.0f} MB + worker {mem['worker']:.0f} MB; before the view:")
    print(f"   app {mem['app_before']:.0f} + worker {mem['worker_before']:.0f} MB, ", end="")
    print(f"raw {mem['raw_before']:.0f} MB, ratio {ours_before / mem['raw_before']:.3f})")
    with_ms, without_ms = cap["decode_capture_ms"], cap["decode_ms"]
    label = "attention capture, per token"
    print(
        f"{label:28} {with_ms:10.2f} {without_ms:10.2f} {with_ms / without_ms:7.3f}  <= 1.25 (ms)"
    )
    with_ms, without_ms = t_capture * 1e3, t_plain * 1e3
    label = "attention capture, prompt"
    words = len(ATTN_PROMPT.split())
    ratio = with_ms / without_ms
    print(f"{label:28} {with_ms:10.1f} {without_ms:10.1f} {ratio:7.3f}  (ms, {words} words)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--part", choices=["raw-server", "capture"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part == "raw-server":
        raw_server()
    elif args.part == "capture":
        print(json.dumps(part_capture(args.tokens)))
    else:
        report(args.tokens, args.rounds)


if __name__ == "__main__":
    main()
