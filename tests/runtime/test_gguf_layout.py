"""Model files checked before use: the whole layout, not just the header.

Every damaged file is made here from a real tiny model, by cutting or patching bytes, and must
be refused by ``check_gguf`` and by ``llm-tutor models use`` with a plain sentence, leaving the
learner's previous choice in place.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import run_command
from tutor.plain import models
from tutor.runtime.catalog import chosen_spec
from tutor.runtime.errors import ModelLoadError
from tutor.runtime.gguf_file import check_gguf
from tutor.runtime.gguf_layout import read_layout

from .tiny_gguf import write_tiny_model

TENSOR = b"token_embd.weight"


def _record_at(data: bytes) -> int:
    """Offset of the n_dims field of token_embd.weight's record in the tensor table."""
    return data.rindex(TENSOR) + len(TENSOR)


def _patch_type(data: bytearray, type_id: int) -> None:
    at = _record_at(data)
    (n_dims,) = struct.unpack_from("<I", data, at)
    struct.pack_into("<I", data, at + 4 + 8 * n_dims, type_id)


def _patch_offset(data: bytearray, delta: int) -> None:
    at = _record_at(data)
    (n_dims,) = struct.unpack_from("<I", data, at)
    where = at + 4 + 8 * n_dims + 4
    (offset,) = struct.unpack_from("<Q", data, where)
    struct.pack_into("<Q", data, where, offset + delta)


def _damaged(src: Path, dst: Path, damage: Callable[[bytearray], None]) -> Path:
    data = bytearray(src.read_bytes())
    damage(data)
    dst.write_bytes(bytes(data))
    return dst


def _truncated(d: Path, src: Path) -> Path:
    return _damaged(src, d / "cut.gguf", lambda b: b.__delitem__(slice(len(b) - 100, None)))


def _random(d: Path, src: Path) -> Path:
    (d / "random.gguf").write_bytes(os.urandom(src.stat().st_size))
    return d / "random.gguf"


def _random_after_magic(d: Path, src: Path) -> Path:
    (d / "noise.gguf").write_bytes(src.read_bytes()[:24] + os.urandom(4096))
    return d / "noise.gguf"


CASES = [
    (_truncated, "truncated"),
    (
        lambda d, src: _damaged(src, d / "half.gguf", lambda b: b.__delitem__(slice(3000, None))),
        "truncated",
    ),
    (_random, "not a GGUF"),
    (_random_after_magic, "corrupt|truncated"),
    (lambda d, src: d, "is a directory"),
    (lambda d, src: (d / "notes.gguf").write_text("plain text") and d / "notes.gguf", "not a GGUF"),
    (lambda d, src: _damaged(src, d / "type.gguf", lambda b: _patch_type(b, 999)), "type 999"),
    (lambda d, src: _damaged(src, d / "align.gguf", lambda b: _patch_offset(b, 1)), "alignment"),
    (
        lambda d, src: _damaged(src, d / "past.gguf", lambda b: _patch_offset(b, 1 << 40)),
        "truncated",
    ),
    (lambda d, src: write_tiny_model(d / "arch.gguf", architecture="nonesuch"), "does not support"),
]


def test_a_whole_model_passes_and_is_described(tiny_model: Path) -> None:
    layout = read_layout(tiny_model)
    assert layout.architecture == "llama" and layout.alignment == 32
    assert {t.name for t in layout.tensors} >= {"token_embd.weight", "output_norm.weight"}
    last = max(t.offset + t.nbytes for t in layout.tensors)
    assert layout.data_offset + last <= layout.size_bytes
    assert check_gguf(tiny_model).architecture == "llama"


@pytest.mark.parametrize(("make", "fragment"), CASES)
def test_damaged_files_are_refused(
    tmp_path: Path, tiny_model: Path, make: Callable[[Path, Path], Path], fragment: str
) -> None:
    with pytest.raises(ModelLoadError, match=fragment):
        check_gguf(make(tmp_path, tiny_model))


@pytest.mark.parametrize(("make", "fragment"), CASES)
def test_models_use_refuses_and_keeps_the_previous_choice(
    tmp_path: Path,
    tiny_model: Path,
    make: Callable[[Path, Path], Path],
    fragment: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_command(models.register, "models", "use", str(tiny_model)) == 0
    before = chosen_spec()
    assert run_command(models.register, "models", "use", str(make(tmp_path, tiny_model))) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert re.search(fragment, err), err  # the same clear sentence check_gguf gives
    assert chosen_spec() == before == str(tiny_model.resolve())


def test_use_check_loads_the_model_once(
    tiny_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_command(models.register, "models", "use", str(tiny_model), "--check") == 0
    assert "loading tiny-q8_0.gguf once" in capsys.readouterr().err


def test_starting_a_damaged_model_fails_before_the_worker(tmp_path: Path, tiny_model: Path) -> None:
    from tutor.runtime.client import ModelClient

    client = ModelClient(_truncated(tmp_path, tiny_model))
    with pytest.raises(ModelLoadError, match="truncated"):
        client.start()
    assert client.pid is None  # refused in the app process: no worker was started
