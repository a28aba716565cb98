"""``llm-tutor models ...`` and the model lines of ``llm-tutor doctor``.

The parsers are in :mod:`tutor.plain.models` (built at every start of ``llm-tutor``), which
imports this module only when a ``models`` command runs. Each handler takes the parsed
Namespace and returns an exit code; errors print one clear line, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tutor.runtime.catalog import (
    CatalogModel,
    chosen_spec,
    downloaded_path,
    installed_path,
    load_catalog,
    locked_pin,
    looks_like_path,
    packaged_path,
    packaged_sha256,
    resolve_model,
    save_choice,
)
from tutor.runtime.errors import ModelRuntimeError
from tutor.runtime.gguf_file import check_gguf, file_sha256

Handler = Callable[[argparse.Namespace], int]


def _guard(handler: Handler) -> Handler:
    """Turn runtime errors into one line on stderr and exit code 1."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except ModelRuntimeError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130

    run.__doc__ = handler.__doc__
    return run


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"


def _status(model: CatalogModel) -> str:
    if downloaded_path(model).is_file():
        return "downloaded"
    if packaged_path(model) is not None:
        return "installed"
    return "not downloaded"


@_guard
def cmd_list(args: argparse.Namespace) -> int:
    """Print the catalog with each model's status; '*' marks the model in use."""
    catalog = load_catalog()
    chosen = chosen_spec() or catalog.default
    for m in catalog.models:
        mark = "*" if m.id == chosen else " "
        default = " (default)" if m.id == catalog.default else ""
        print(
            f"{mark} {m.id}{default}: {m.name}, {_mb(m.size)}, {m.license}, "
            f"needs ~{m.memory_mb} MB RAM, {_status(m)}"
        )
        print(f"    {m.good_for}")
    if chosen and looks_like_path(chosen):
        print(f"* in use: local file {chosen}")
    return 0


@_guard
def cmd_pull(args: argparse.Namespace) -> int:
    """Download one catalog model with a progress bar, then check its sha256."""
    model = load_catalog().get(args.id)
    packaged = packaged_path(model)
    if packaged is not None:
        print(f"{model.id} is already installed with the {model.package} package: {packaged}")
        return 0
    downloaded = downloaded_path(model)
    if model.sha256 and downloaded.is_file() and file_sha256(downloaded) == model.sha256:
        # Installed and intact: nothing to fetch, no terms to ask again (``make models`` twice).
        print(f"{model.id} is already installed (sha256 checked): {downloaded}")
        return 0
    if model.terms_url and not (args.accept_terms or _accepts_terms(model)):
        print(f"{model.id} was not downloaded: its terms were not accepted", file=sys.stderr)
        return 1
    if model.source == "index":
        from tutor.runtime.pip_fetch import pull_chunks

        print(f"Fetching {model.id} from the package index ({_mb(model.size)})...", file=sys.stderr)
        path = pull_chunks(model, progress=_print_progress)
    else:
        from tutor.runtime.download import pull

        path = pull(model, progress=_print_progress)
    print(f"\n{model.id} is ready: {path}", file=sys.stderr)
    return 0


def _accepts_terms(model: CatalogModel) -> bool:
    """Show the model's licence and ask; False without a terminal to ask on."""
    print(
        f"{model.name} is distributed under the {model.license}, not an open-source licence.\n"
        f"Read them at {model.terms_url} before you use the model.",
        file=sys.stderr,
    )
    if not sys.stdin or not sys.stdin.isatty():
        print("(no terminal to ask on: pass --accept-terms to accept them)", file=sys.stderr)
        return False
    answer = input("Do you accept these terms? [y/N] ")
    return answer.strip().lower() in {"y", "yes"}


def _print_progress(done: int, total: int) -> None:
    """A text progress bar on stderr: redrawn in place on a terminal, only the end otherwise."""
    if total <= 0:
        return
    width = 30
    filled = width * done // total
    if not sys.stderr.isatty():
        if done >= total:
            print(f"{done / 1e6:.1f} MB done", file=sys.stderr)
        return
    bar = "#" * filled + "-" * (width - filled)
    print(
        f"\r[{bar}] {done / 1e6:7.1f} / {total / 1e6:.1f} MB", end="", file=sys.stderr, flush=True
    )


@_guard
def cmd_use(args: argparse.Namespace) -> int:
    """Choose a catalog model (must be on this machine) or any local .gguf file."""
    spec: str = args.model
    catalog = load_catalog()
    if looks_like_path(spec):
        path = Path(spec).expanduser().resolve()
        choice: str | None = str(path)
    else:
        path = resolve_model(spec, catalog).path  # raises with a 'pull it first' hint if absent
        choice = None if spec == catalog.default else spec
    header = check_gguf(path)  # the previous choice stays unless the file is whole
    if args.check:
        _load_once(path)
    save_choice(choice)
    shape = f"{header.architecture}, {header.n_tensors} tensors, {_mb(header.size_bytes)}"
    print(f"using {spec} ({shape})")
    return 0


def _load_once(path: Path) -> None:
    """Load the model in a worker (raises the runtime's error if llama.cpp cannot)."""
    from tutor.runtime.client import ModelClient

    print(f"loading {path.name} once to check it...", file=sys.stderr)
    with ModelClient(path, n_ctx=256) as client:
        client.start()


@_guard
def cmd_path(args: argparse.Namespace) -> int:
    """Print the file of a catalog model (default: the model in use)."""
    print(resolve_model(args.id).path)
    return 0


@_guard
def cmd_remove(args: argparse.Namespace) -> int:
    """Delete a downloaded model; the packaged default is removed with pip instead."""
    from tutor.runtime.download import remove

    model = load_catalog().get(args.id)
    if remove(model):
        if chosen_spec() == model.id:
            save_choice(None)
        print(f"removed {model.id}")
        return 0
    if packaged_path(model) is not None:
        print(
            f"{model.id} comes with the {model.package} package; "
            f"remove it with: pip uninstall {model.package}",
            file=sys.stderr,
        )
        return 1
    print(f"{model.id} is not downloaded; nothing to remove", file=sys.stderr)
    return 1


@_guard
def cmd_verify(args: argparse.Namespace) -> int:
    """Check the sha256 of every catalog model on this machine; exit 1 on any mismatch."""
    bad = 0
    for model in load_catalog().models:
        path = installed_path(model)
        if path is None:
            continue
        pin = locked_pin(model)
        expected = packaged_sha256(model) if path == packaged_path(model) else None
        expected = expected or (pin.sha256 if pin else "")
        actual = file_sha256(path)
        ok = bool(expected) and actual == expected
        bad += not ok
        verdict = "ok" if ok else ("no pinned sha256" if not expected else "MISMATCH")
        print(f"{model.id}: {verdict} ({path})")
    chosen = chosen_spec()
    if chosen and looks_like_path(chosen):
        check_gguf(Path(chosen))
        print(f"local file {chosen}: readable GGUF header (no catalog hash to compare)")
    return 1 if bad else 0


def doctor_lines() -> list[str]:
    """Model lines for ``llm-tutor doctor``: which model, its size, a one-line speed check."""
    try:
        resolved = resolve_model()
        check_gguf(resolved.path)
    except ModelRuntimeError as err:
        return [f"model: not usable: {err}"]
    lines = [f"model: {resolved.path} ({_mb(resolved.path.stat().st_size)})"]
    lines.append(_speed_line())
    return lines


def _speed_line() -> str:
    """Load the model in a worker and time a short greedy generation."""
    from tutor.runtime.client import ModelClient
    from tutor.runtime.types import GenerationSettings

    try:
        t0 = time.perf_counter()
        with ModelClient(n_ctx=512) as client:
            info = client.start()
            load = time.perf_counter() - t0
            with client.generate(
                "The quick brown fox", GenerationSettings(temperature=0, max_tokens=24)
            ) as gen:
                for _ in gen:
                    pass
            result = gen.result
        assert result is not None
        return (
            f"speed: {info.name} loaded in {load:.1f} s, "
            f"first token after {result.prompt_seconds * 1000:.0f} ms, "
            f"{result.tokens_per_second:.0f} tokens/s generating"
        )
    except ModelRuntimeError as err:
        return f"speed check failed: {err}"
