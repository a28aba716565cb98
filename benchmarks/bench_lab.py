"""Lab speed figures on the default model (printed, not asserted; the machine is shared).

    .venv/bin/python benchmarks/bench_lab.py [--runs N] [--model M]

Measures, in the real app driven headless at 80x24:
  * key press → first painted result with the model loaded: Tokens (target ≤ 150 ms) and
    Next token on a 20-token prompt (target ≤ 300 ms);
  * a demo opened while the model is still loading: time to its first painted frame (≤ 100 ms);
  * re-shaping the full distribution after a sampler settings change, no model call (≤ 5 ms);
  * while the generation explorer streams a greedy continuation: the largest gap between
    painted frames (≤ 50 ms) and tokens/s in the app against the runtime's own tokens/s on the
    same prompt and settings in the same run (≥ 0.9×), rounds alternating so load hits both.

"Painted" means the message handler has updated the widgets and the app has refreshed the
screen once after that (``pilot.pause()``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

TWENTY_TOKENS = (  # 20 tokens for SmolLM2
    "The quick brown fox jumps over the lazy dog while the old farmer"
    " watches it from the porch of his"
)


class Frames:
    """Counts the frames the app sends to its (headless) terminal."""

    def __init__(self, app: App[Any]) -> None:
        self.count = 0
        self.times: list[float] = []  # when each frame was painted (perf_counter)
        display = app._display

        def counted(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None:
                self.count += 1
                self.times.append(time.perf_counter())

        app._display = counted  # type: ignore[method-assign]


FRAMES: dict[int, Frames] = {}


def watch(app: App[Any]) -> None:
    FRAMES[id(app)] = Frames(app)


async def until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Wait until ``condition()`` holds, then until the next frame is painted after that."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the lab did not answer in time: {pilot.app.screen!r}")
        await asyncio.sleep(0.0005)
    frames = FRAMES[id(pilot.app)]
    seen = frames.count
    while frames.count == seen:
        await asyncio.sleep(0.0005)


def key(app: App[Any], name: str) -> None:
    """Press a key the way the terminal driver does (no waiting, unlike ``pilot.press``)."""
    char = name if len(name) == 1 else None
    app.post_message(events.Key(name, char))


def ms(seconds: list[float]) -> str:
    """Median and worst of a list of seconds, in milliseconds."""
    return f"median {statistics.median(seconds) * 1000:7.1f} ms   max {max(seconds) * 1000:7.1f} ms"


async def bench_loading_first_frame(model: str | None, runs: int) -> list[float]:
    """A demo opened while the worker starts: push → first frame that says 'Loading'."""
    from tutor.core.demo import DemoSpec
    from tutor.ui.app import create_app
    from tutor.ui.lab.registry import open_instrument

    times = []
    for _ in range(runs):
        app = create_app(model=model)
        watch(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            start = time.perf_counter()
            await app.push_screen(open_instrument(DemoSpec(kind="next-token", prompt="Hi")))
            await until(pilot, lambda a=app: bool(a.screen.query(".lab-status.-shown")))
            times.append(time.perf_counter() - start)
            await app.workers.wait_for_complete()
    return times


async def bench_tokens(model: str | None, runs: int) -> list[float]:
    """Tokens: one typed character → the new token count painted."""
    from tutor.core.demo import DemoSpec
    from tutor.ui.app import create_app
    from tutor.ui.lab.registry import open_instrument
    from tutor.ui.lab.tokens import TokensScreen

    app = create_app(model=model)
    watch(app)
    times = []
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(open_instrument(DemoSpec(kind="tokens", prompt="Hello")))
        screen = app.screen
        assert isinstance(screen, TokensScreen)
        await until(pilot, lambda: screen.pieces is not None)
        field = screen.query_one("#tokens-text", Input)
        await pilot.press("end")
        for i in range(runs):
            char = "ab"[i % 2]
            text = field.value + char
            start = time.perf_counter()
            key(app, char)
            await until(
                pilot,
                lambda t=text: (
                    screen.pieces is not None
                    and "".join(p.text for p in screen.pieces if not p.special) == t
                ),
            )
            times.append(time.perf_counter() - start)
    return times


async def bench_next_token(model: str | None, runs: int) -> list[float]:
    """Next token on a 20-token prompt: enter (append the top token) → next bars painted."""
    from tutor.core.demo import DemoSpec
    from tutor.ui.app import create_app
    from tutor.ui.lab.next_token import NextTokenScreen
    from tutor.ui.lab.registry import open_instrument

    app = create_app(model=model)
    watch(app)
    times = []
    async with app.run_test(size=(80, 24)) as pilot:
        spec = DemoSpec(kind="next-token", prompt=TWENTY_TOKENS)
        await app.push_screen(open_instrument(spec))
        screen = app.screen
        assert isinstance(screen, NextTokenScreen)
        await until(pilot, lambda: screen.dist is not None)
        print(f"  (prompt: {len(screen.dist.prompt_tokens)} tokens)")  # type: ignore[union-attr]
        for _ in range(runs):
            start = time.perf_counter()
            key(app, "enter")
            await until(pilot, lambda: bool(screen.steps) and screen.dist is not None)
            times.append(time.perf_counter() - start)
            key(app, "backspace")  # back to the 20-token prompt (no model call)
            await until(pilot, lambda: not screen.steps)
    return times


STREAM_PROMPT = "Once upon a time, in a small village,"
STREAM_TOKENS = 64


def raw_tokens_per_second(client: Any) -> float:
    """The runtime alone: a greedy continuation, streaming rate from the first token to the
    last (the prompt's evaluation and the screen's opening are other figures)."""
    from tutor.runtime.types import GenerationSettings

    settings = GenerationSettings(temperature=0.0, max_tokens=STREAM_TOKENS, seed=1)
    count, first = 0, 0.0
    with client.generate(STREAM_PROMPT, settings) as gen:
        for _ in gen:
            count += 1
            if count == 1:
                first = time.perf_counter()
    return (count - 1) / (time.perf_counter() - first)


async def app_stream(pilot: Pilot[Any]) -> tuple[float, float]:
    """The generation explorer streams the same continuation: (tokens/s, largest frame gap)."""
    from tutor.core.demo import DemoSpec
    from tutor.ui.lab.generation import GenerationScreen
    from tutor.ui.lab.registry import open_instrument

    spec = DemoSpec(
        kind="generation", prompt=STREAM_PROMPT, temperature=0, seed=1, max_tokens=STREAM_TOKENS
    )
    frames = FRAMES[id(pilot.app)]
    await pilot.app.push_screen(open_instrument(spec))
    screen = pilot.app.screen
    assert isinstance(screen, GenerationScreen)
    await until(pilot, lambda: screen.running is not None and bool(screen.running.steps))
    first = time.perf_counter()  # the first tokens are painted: from here on, it streams
    assert screen.running is not None
    first_count = len(screen.running.steps)
    done = lambda: screen.running is not None and screen.running.finish is not None  # noqa: E731
    await until(pilot, done, timeout=600.0)  # a shared machine can be very slow
    end = time.perf_counter()
    assert screen.running is not None
    count = len(screen.running.steps)
    painted = [t for t in frames.times if first <= t <= end]
    gap = max((b - a for a, b in itertools.pairwise(painted)), default=0.0)
    await pilot.press("escape")
    return (count - first_count) / (end - first), gap


async def bench_streaming(model: str | None, runs: int) -> tuple[list[float], list[float]]:
    """Rounds of (runtime alone, then the app): tokens/s ratios and largest frame gaps."""
    from tutor.runtime import ModelClient
    from tutor.ui.app import create_app

    ratios, gaps = [], []
    with ModelClient(model) as client:
        raw_tokens_per_second(client)  # warm: the model loaded and its first run done
        app = create_app(model=model)
        watch(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await app_stream(pilot)  # warm the app's own worker the same way
            for _ in range(runs):
                raw = raw_tokens_per_second(client)
                in_app, gap = await app_stream(pilot)
                ratios.append(in_app / raw)
                gaps.append(gap)
                print(f"  round: runtime {raw:6.1f} tok/s, app {in_app:6.1f} tok/s, gap "
                      f"{gap * 1000:6.1f} ms")  # fmt: skip
    return ratios, gaps


def bench_reshape(model: str | None, runs: int) -> dict[str, list[float]]:
    """The sampler chain over the full vocabulary, for a few settings, without the UI."""
    from tutor.runtime import ModelClient
    from tutor.ui.lab.sampler import Settings, reshape

    with ModelClient(model) as client:
        dist = client.next_token(TWENTY_TOKENS)
    history = [p.id for p in dist.prompt_tokens]
    cases = {
        "defaults (T 0.8, k 40, p 0.95, min-p 0.05)": Settings(),
        "top-k off, top-p 0.9 (sort of the whole vocabulary)": Settings(top_k=0, top_p=0.9),
        "all off, penalty 1.3": Settings(top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.3),
    }
    print(f"  (vocabulary: {dist.logits.shape[0]:,} tokens)")
    found = {}
    for name, settings in cases.items():
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            reshape(dist.logits, settings, history)
            times.append(time.perf_counter() - start)
        found[name] = times
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="repetitions per figure")
    parser.add_argument("--model", default=None, help="catalog id or .gguf (default model)")
    args = parser.parse_args()
    os.environ.setdefault("LLM_TUTOR_HOME", tempfile.mkdtemp(prefix="bench-lab-"))

    print("Demo opened while the model loads → first painted frame (target ≤ 100 ms)")
    print("  " + ms(asyncio.run(bench_loading_first_frame(args.model, max(3, args.runs // 5)))))
    print("Tokens: key press → painted result, model loaded (target ≤ 150 ms)")
    print("  " + ms(asyncio.run(bench_tokens(args.model, args.runs))))
    print("Next token, 20-token prompt: key press → painted bars (target ≤ 300 ms)")
    print("  " + ms(asyncio.run(bench_next_token(args.model, args.runs))))
    print("Generation streaming in the explorer: frame gaps (≤ 50 ms), app/runtime tok/s (≥ 0.9×)")
    ratios, gaps = asyncio.run(bench_streaming(args.model, max(3, args.runs // 4)))
    print(f"  largest frame gap  {ms(gaps)}")
    print(
        f"  app / runtime tok/s  median {statistics.median(ratios):.2f}×   min {min(ratios):.2f}×"
    )
    print("Sampler re-shape after a settings change, no model call (target ≤ 5 ms)")
    for name, times in bench_reshape(args.model, max(100, args.runs * 10)).items():
        print(f"  {name:<52} {ms(times)}")


if __name__ == "__main__":
    main()
