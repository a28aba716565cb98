"""Checking a GGUF file in the app process, before any native code touches it.

A cheap header check (magic, version, counts that fit in the file) turns the commonest bad
inputs (a missing file, not a GGUF, a truncated download, absurd counts) into clear messages
without starting the worker. Everything deeper is left to llama.cpp, inside the worker, where a
crash cannot take the app down. Also: file hashing with a small cache, and a memory estimate.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from tutor.core.paths import data_dir
from tutor.runtime.errors import ModelLoadError, NotEnoughMemoryError

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
# The smallest possible tensor-info record (name length, 1-char name, n_dims, 1 dim, type,
# offset) and metadata record (key length, 1-char key, type, 1-byte value).
MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 8 + 4 + 8
MIN_KV_BYTES = 8 + 1 + 4 + 1


@dataclass(frozen=True)
class GGUFHeader:
    """The fixed-size start of a GGUF file."""

    version: int
    n_tensors: int
    n_kv: int
    size_bytes: int


def check_gguf(path: Path) -> GGUFHeader:
    """The header of ``path``, or ModelLoadError saying plainly what is wrong with the file."""
    if not path.exists():
        raise ModelLoadError(f"model file not found: {path}")
    if not path.is_file():
        raise ModelLoadError(f"not a file: {path}")
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(24)
    if head[:4] != GGUF_MAGIC:
        raise ModelLoadError(
            f"{path.name} is not a GGUF model file (it does not start with 'GGUF')"
        )
    if len(head) < 24:
        raise ModelLoadError(f"{path.name} is truncated: only {size} bytes")
    version, n_tensors, n_kv = struct.unpack("<IQQ", head[4:24])
    if version not in SUPPORTED_VERSIONS:
        raise ModelLoadError(f"{path.name}: unsupported GGUF version {version}")
    if n_tensors * MIN_TENSOR_INFO_BYTES + n_kv * MIN_KV_BYTES > size:
        raise ModelLoadError(
            f"{path.name} is corrupt or truncated: its header claims {n_tensors} tensors and "
            f"{n_kv} metadata entries, which cannot fit in {size} bytes"
        )
    return GGUFHeader(version=version, n_tensors=n_tensors, n_kv=n_kv, size_bytes=size)


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
