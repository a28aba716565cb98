"""Reading a GGUF file's layout without loading it: metadata, tensor table and data region.

A GGUF file is a header (magic ``GGUF``, version, tensor count, metadata count), then the
metadata as typed key/value pairs, then one record per tensor (name, shape, ggml type, offset
into the data region), then padding up to ``general.alignment`` and the tensor data itself
(format: ggml-org/ggml ``docs/gguf.md``).

:func:`read_layout` walks all of it with bounds checks, so a truncated copy, random bytes or a
file whose tensors point past its end is refused with a plain sentence *before* llama.cpp maps it
(a bad offset there can crash the worker or read garbage). Only the metadata is parsed; the
tensor data is never read, so checking a 250 MB model takes a fraction of a second.
"""

from __future__ import annotations

import functools
import importlib.util
import mmap
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from tutor.runtime.errors import ModelLoadError

MAGIC = b"GGUF"
VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
MAX_DIMS = 4
# The smallest possible tensor record (name length, 1-char name, n_dims, 1 dim, type, offset)
# and metadata record (key length, 1-char key, type, 1-byte value): absurd counts fail at once.
MIN_TENSOR_RECORD_BYTES = 8 + 1 + 4 + 8 + 4 + 8
MIN_KV_BYTES = 8 + 1 + 4 + 1
# Value types (GGUFValueType): fixed-size scalars as struct formats; 8 = string, 9 = array.
_SCALARS = {
    0: "B",
    1: "b",
    2: "H",
    3: "h",
    4: "I",
    5: "i",
    6: "f",
    7: "?",
    10: "Q",
    11: "q",
    12: "d",
}
_STRING, _ARRAY = 8, 9


@functools.cache
def gguf_constants() -> ModuleType:
    """The ``gguf`` package's ``constants`` module, loaded on first use and on its own.

    ``import gguf.constants`` runs the package's ``__init__``, which imports its reader, writer,
    metadata (and with it yaml) and numpy: 5 MB and 0.1-0.2 s in the app, which only checks
    a header. ``constants.py`` needs only the standard library, so it is loaded from its file
    (0.6 MB, 30 ms), unless the package is already imported (the worker's weights)."""
    if "gguf.constants" in sys.modules:
        return sys.modules["gguf.constants"]
    package = importlib.util.find_spec("gguf")  # finds, without importing
    if package is None or package.origin is None:
        raise ModelLoadError("the gguf package is not installed (pip install gguf)")
    path = Path(package.origin).parent / "constants.py"
    spec = importlib.util.spec_from_file_location("tutor._gguf_constants", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def architectures() -> frozenset[str]:
    """Architectures llama.cpp knows, as listed by the ``gguf`` package (its Python side)."""
    return frozenset(gguf_constants().MODEL_ARCH_NAMES.values())


@functools.cache
def tensor_types() -> dict[int, tuple[str, int, int]]:
    """ggml tensor type id → (name, elements per block, bytes per block)."""
    sizes = gguf_constants().GGML_QUANT_SIZES
    return {int(t): (t.name, block, size) for t, (block, size) in sizes.items()}


@dataclass(frozen=True)
class TensorRecord:
    """One tensor of the table: where its data lies relative to the data region."""

    name: str
    shape: tuple[int, ...]  # ggml order: ne[0] (row length) first
    type_name: str
    offset: int
    nbytes: int


@dataclass(frozen=True)
class GGUFLayout:
    """What :func:`read_layout` found: enough to say the file is whole and loadable."""

    version: int
    n_kv: int
    architecture: str
    alignment: int
    metadata: dict[str, object]  # scalars and strings only; arrays are skipped, not kept
    tensors: tuple[TensorRecord, ...]
    data_offset: int
    size_bytes: int


class _Cursor:
    """Reads little-endian values from a memory map, refusing to run past its end."""

    def __init__(self, buf: mmap.mmap | bytes, name: str) -> None:
        self.buf, self.pos, self.name = buf, 0, name

    def take(self, n: int, what: str) -> int:
        """Advance by ``n`` bytes and return where they start; error if the file ends first."""
        if n < 0 or self.pos + n > len(self.buf):
            raise ModelLoadError(
                f"{self.name} is truncated or corrupt: it ends inside {what} "
                f"(at byte {self.pos:,} of {len(self.buf):,})"
            )
        start, self.pos = self.pos, self.pos + n
        return start

    def scalar(self, fmt: str, what: str) -> int | float | bool:
        start = self.take(struct.calcsize(fmt), what)
        value: int | float | bool = struct.unpack_from("<" + fmt, self.buf, start)[0]
        return value

    def u64(self, what: str) -> int:
        return int(self.scalar("Q", what))

    def string(self, what: str) -> str:
        length = self.u64(what)
        start = self.take(length, what)
        return bytes(self.buf[start : start + length]).decode("utf-8", errors="replace")


def read_layout(path: Path) -> GGUFLayout:
    """The layout of the GGUF file at ``path``, or ModelLoadError saying what is wrong."""
    name = path.name
    if not path.exists():
        raise ModelLoadError(f"model file not found: {path}")
    if path.is_dir():
        raise ModelLoadError(f"{path} is a directory, not a GGUF model file")
    if not path.is_file():
        raise ModelLoadError(f"{path} is not a regular file")
    size = path.stat().st_size
    if size < 24:
        _check_magic(path, name)
        raise ModelLoadError(f"{name} is truncated: only {size} bytes")
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        if buf[:4] != MAGIC:
            raise ModelLoadError(f"{name} is not a GGUF model file (it does not start with 'GGUF')")
        return _parse(_Cursor(buf, name), size)


def _check_magic(path: Path, name: str) -> None:
    with path.open("rb") as f:
        if f.read(4) != MAGIC:
            raise ModelLoadError(f"{name} is not a GGUF model file (it does not start with 'GGUF')")


def _parse(cur: _Cursor, size: int) -> GGUFLayout:
    cur.take(4, "the magic number")
    version = int(cur.scalar("I", "the header"))
    if version not in VERSIONS:
        raise ModelLoadError(f"{cur.name}: unsupported GGUF version {version}")
    n_tensors, n_kv = cur.u64("the header"), cur.u64("the header")
    if n_tensors * MIN_TENSOR_RECORD_BYTES + n_kv * MIN_KV_BYTES > size:
        raise ModelLoadError(
            f"{cur.name} is corrupt or truncated: its header claims {n_tensors} tensors and "
            f"{n_kv} metadata entries, which cannot fit in {size} bytes"
        )
    metadata = {}
    for _ in range(n_kv):
        key = cur.string("a metadata key")
        value = _value(cur, int(cur.scalar("I", f"metadata '{key}'")), key)
        if value is not None:
            metadata[key] = value
    architecture = _architecture(cur.name, metadata)
    alignment = int(metadata.get("general.alignment", DEFAULT_ALIGNMENT))  # type: ignore[call-overload]
    if alignment <= 0 or alignment & (alignment - 1):
        raise ModelLoadError(f"{cur.name}: general.alignment {alignment} is not a power of two")
    tensors = tuple(_tensor(cur) for _ in range(n_tensors))
    data_offset = -(-cur.pos // alignment) * alignment  # the data region starts aligned
    _check_tensors(cur.name, tensors, alignment, size - data_offset)
    return GGUFLayout(
        version, n_kv, architecture, alignment, metadata, tensors, data_offset, size_bytes=size
    )


def _value(cur: _Cursor, vtype: int, key: str) -> object:
    """One metadata value; arrays are walked (to find where the next key starts) but dropped."""
    what = f"metadata '{key}'"
    if vtype in _SCALARS:
        return cur.scalar(_SCALARS[vtype], what)
    if vtype == _STRING:
        return cur.string(what)
    if vtype != _ARRAY:
        raise ModelLoadError(f"{cur.name} is corrupt: metadata '{key}' has unknown type {vtype}")
    item_type, count = int(cur.scalar("I", what)), cur.u64(what)
    if item_type in _SCALARS:  # a block of fixed-size items: skip it in one step
        cur.take(count * struct.calcsize(_SCALARS[item_type]), what)
    elif item_type == _STRING:
        for _ in range(count):
            cur.take(cur.u64(what), what)
    else:
        raise ModelLoadError(
            f"{cur.name} is corrupt: metadata '{key}' is an array of type {item_type}"
        )
    return None


def _architecture(name: str, metadata: dict[str, object]) -> str:
    arch = metadata.get("general.architecture")
    if not isinstance(arch, str):
        raise ModelLoadError(f"{name} does not say which architecture it is (general.architecture)")
    if arch not in architectures():
        raise ModelLoadError(
            f"{name} is a '{arch}' model, an architecture llama.cpp does not support"
        )
    return arch


def _tensor(cur: _Cursor) -> TensorRecord:
    name = cur.string("the tensor table")
    n_dims = int(cur.scalar("I", f"tensor '{name}'"))
    if not 1 <= n_dims <= MAX_DIMS:
        raise ModelLoadError(f"{cur.name} is corrupt: tensor '{name}' has {n_dims} dimensions")
    shape = tuple(cur.u64(f"tensor '{name}'") for _ in range(n_dims))
    type_id = int(cur.scalar("I", f"tensor '{name}'"))
    offset = cur.u64(f"tensor '{name}'")
    if type_id not in tensor_types():
        raise ModelLoadError(
            f"{cur.name}: tensor '{name}' has type {type_id}, which this llama.cpp does not know"
        )
    type_name, block, type_size = tensor_types()[type_id]
    if shape[0] % block:
        raise ModelLoadError(
            f"{cur.name} is corrupt: tensor '{name}' rows of {shape[0]} do not fill "
            f"{type_name} blocks of {block}"
        )
    elements = 1
    for dim in shape:
        elements *= dim
    return TensorRecord(name, shape, type_name, offset, elements // block * type_size)


def _check_tensors(
    name: str, tensors: tuple[TensorRecord, ...], alignment: int, data_bytes: int
) -> None:
    """Every tensor's data must start aligned and end inside the file."""
    for t in tensors:
        if t.offset % alignment:
            raise ModelLoadError(
                f"{name} is corrupt: tensor '{t.name}' starts at {t.offset}, "
                f"not a multiple of the alignment {alignment}"
            )
        if t.offset + t.nbytes > data_bytes:
            missing = t.offset + t.nbytes - max(data_bytes, 0)
            raise ModelLoadError(
                f"{name} is truncated: tensor '{t.name}' needs {missing:,} bytes more than "
                "the file has (an interrupted download or copy?)"
            )
