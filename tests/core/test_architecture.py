"""The core, the CLI and the model runtime never import Textual (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import REPO, repo_env

PROBE = r"""
import importlib, json, pkgutil, sys

import tutor.core

core = sorted(f"tutor.core.{m.name}" for m in pkgutil.iter_modules(tutor.core.__path__))
for name in core + ["tutor.cli", "tutor.quiz_cli"]:
    importlib.import_module(name)

import tutor.cli
tutor.cli.build_parser()  # the parser imports the runtime's subcommands lazily

runtime, unavailable = [], {}
try:
    import tutor.runtime
except ImportError as exc:
    unavailable["tutor.runtime"] = str(exc)
else:
    for m in pkgutil.iter_modules(tutor.runtime.__path__):
        name = f"tutor.runtime.{m.name}"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # A missing third-party dependency (e.g. llama_cpp on a machine without it) is
            # not this test's business; a missing module of ours or Textual itself is.
            if exc.name is None or exc.name.split(".")[0] in {"tutor", "textual"}:
                raise
            unavailable[name] = str(exc)
        else:
            runtime.append(name)

print(json.dumps({
    "core": core,
    "runtime": runtime,
    "unavailable": unavailable,
    "textual": sorted(m for m in sys.modules if m == "textual" or m.startswith("textual.")),
}))
"""


def test_core_cli_and_runtime_never_import_textual() -> None:
    env = repo_env()
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert {"tutor.core.pack", "tutor.core.progress", "tutor.core.paths"} <= set(report["core"])
    assert "tutor.runtime" not in report["unavailable"], report["unavailable"]
    assert report["textual"] == [], f"imported Textual: {report['textual'][:5]}"
