"""Checking a GGUF file in the app process, before any native code touches it.

A layout check (:mod:`tutor.runtime.gguf_layout`: header, metadata, tensor table, data extents)
turns the commonest bad inputs (a missing file, not a GGUF, a truncated download, random bytes,
absurd counts, an unknown tensor type or architecture) into clear messages without starting the
worker. What is left (the weights' values) is llama.cpp's, inside the worker, where a crash
cannot take the app down. Also: file hashing with a small cache, and a memory estimate.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from tutor.core.paths import data_dir
from tutor.runtime.errors import NotEnoughMemoryError
from tutor.runtime.gguf_layout import read_layout


@dataclass(frozen=True)
class GGUFHeader:
    """What the check found: the header counts, the architecture and the file size."""

    version: int
    n_tensors: int
    n_kv: int
    architecture: str
    size_bytes: int


def check_gguf(path: Path) -> GGUFHeader:
    """Check that ``path`` is a whole, loadable GGUF file without loading it.

    The header parses, every metadata entry and tensor record lies inside the file, every
    tensor type is one llama.cpp knows, every tensor's data (offset + size, aligned) lies inside
    the file, and the architecture is one llama.cpp supports. Otherwise ModelLoadError says
    plainly what is wrong.
    """
    layout = read_layout(path)
    return GGUFHeader(
        version=layout.version,
        n_tensors=len(layout.tensors),
        n_kv=layout.n_kv,
        architecture=layout.architecture,
        size_bytes=layout.size_bytes,
    )


def available_memory_bytes() -> int | None:
    """MemAvailable from /proc/meminfo, or None where that is unknown."""
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return None


def check_memory(path: Path, n_ctx: int) -> None:
    """Raise NotEnoughMemoryError if the model clearly cannot fit in free memory.

    The estimate is deliberately rough: the weights (memory-mapped, but all touched), a KV cache
    allowance that grows with the context, and fixed overhead for the worker's Python.
    """
    available = available_memory_bytes()
    if available is None:
        return
    needed = path.stat().st_size + n_ctx * 64 * 1024 + 150 * 2**20
    if needed > available:
        raise NotEnoughMemoryError(
            f"not enough memory for {path.name}: it needs about {needed / 2**20:,.0f} MB and "
            f"only {available / 2**20:,.0f} MB is free; "
            "close other programs or pick a smaller model"
        )


def _hash_cache_file() -> Path:
    return data_dir() / "sha256-cache.json"


def file_sha256(path: Path) -> str:
    """Hex sha256 of ``path``; cached by (path, size, mtime) so big models hash once."""
    st = path.stat()
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    cache = _read_cache()
    if key in cache:
        return cache[key]
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    cache[key] = h.hexdigest()
    _write_cache(cache)
    return cache[key]


def _read_cache() -> dict[str, str]:
    try:
        data = json.loads(_hash_cache_file().read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_cache(cache: dict[str, str]) -> None:
    target = _hash_cache_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(cache, indent=0))
        tmp.replace(target)
    except OSError:
        pass  # a cache, not a record: losing it only costs a re-hash
