"""How long the app takes to draw its first frame, against a bare Textual app.

All are measured headless the same way: in a fresh Python process, from before the first
import to the end of the first ``pilot.pause()`` of ``run_test(size=(80, 24))``. The app is
measured twice: created directly (``tutor.app.create_app``), and as ``llm-tutor`` with no
arguments opens it (``tutor.cli``: the command line is read, then
``open_app``), which is what a learner waits for. The bare app is a Header, a Label and a
Footer: what any Textual app pays. They alternate in one run (app, command, bare, app, ...)
so a busy machine slows all alike; one warm-up run of each is not counted. Prints the median
of each and its ratio to the bare app (the goal in issue 9 is at most 1.5),
by the wall clock and by the CPU time the process used: on a shared, loaded machine the
wall clock mostly measures waiting for a core, and the CPU ratio is the steadier figure.

    .venv/bin/python benchmarks/bench_startup.py [--runs 7] [--imports]

``--imports`` also lists the slowest imports of one app start (``python -X importtime``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

APP = """
import time
start, cpu = time.perf_counter(), time.process_time()
import asyncio
from tutor.app import create_app

async def main() -> None:
    app = create_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        print(time.perf_counter() - start, time.process_time() - cpu)

asyncio.run(main())
"""

CLI = APP.replace("from tutor.app import create_app", "from tutor.cli import open_app, parse_args")
CLI = CLI.replace("app = create_app()", "app = open_app(parse_args([]))")

BARE = """
import time
start, cpu = time.perf_counter(), time.process_time()
import asyncio
from textual.app import App
from textual.widgets import Footer, Header, Label

class Bare(App[None]):
    def compose(self):
        yield Header()
        yield Label("Hello")
        yield Footer()

async def main() -> None:
    app = Bare()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        print(time.perf_counter() - start, time.process_time() - cpu)

asyncio.run(main())
"""


BARE_NAME = "bare Textual"


def environment(home: Path) -> dict[str, str]:
    """This environment, with a private data directory and the repository importable.

    Bytecode is cached (in ``home``), as it is for an installed llm-tutor and for Textual in
    site-packages: with ``PYTHONDONTWRITEBYTECODE`` set, every run would compile llm-tutor's
    modules from source while Textual's come compiled, which no learner's start pays for.
    """
    env = dict(os.environ)
    env["LLM_TUTOR_HOME"] = str(home)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(home / "bytecode")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def first_frame(script: str, env: dict[str, str]) -> tuple[float, float]:
    """Seconds to the first frame (wall clock, and CPU time of the process), measured inside
    a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    wall, cpu = done.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def slowest_imports(env: dict[str, str], count: int = 15) -> list[tuple[int, str]]:
    """The top-level imports of one app start that took longest (cumulative microseconds)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", APP],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            rows.append((int(parts[1]), name.strip(), len(name) - len(name.lstrip())))
    top = [(cumulative, name) for cumulative, name, depth in rows if depth <= 2]
    return sorted(top, reverse=True)[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs of each (at least 5)")
    parser.add_argument("--imports", action="store_true", help="also list the slowest imports")
    args = parser.parse_args()
    runs = max(args.runs, 5)
    with tempfile.TemporaryDirectory() as home:
        env = environment(Path(home))
        scripts = {"llm-tutor app": APP, "llm-tutor command": CLI, BARE_NAME: BARE}
        for script in scripts.values():  # warm-up: database, bytecode, checked course
            first_frame(script, env)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in scripts}
        for _ in range(runs):
            for name, script in scripts.items():
                times[name].append(first_frame(script, env))
        if args.imports:
            for cumulative, name in slowest_imports(env):
                print(f"  {cumulative / 1000:7.1f} ms  {name}")
    print(f"median of {runs} runs each")
    for clock, index in (("wall clock", 0), ("CPU time", 1)):
        medians = {
            name: statistics.median(t[index] for t in runs_) for name, runs_ in times.items()
        }
        bare = medians[BARE_NAME]
        shown = [f"{name} {median:.3f} s" for name, median in medians.items()]
        ratios = [
            f"{name} {median / bare:.2f}x" for name, median in medians.items() if name != BARE_NAME
        ]
        print(f"{clock:>10}: {', '.join(shown)}; ratio to bare: {', '.join(ratios)}")
    print("goal: at most 1.5x (issue 9)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
