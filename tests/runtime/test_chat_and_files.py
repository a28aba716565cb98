"""Chat template rendering and the app-side GGUF checks (no worker involved)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tutor.runtime import gguf_file
from tutor.runtime.chat import render_chat
from tutor.runtime.errors import ChatTemplateError, ModelLoadError, NotEnoughMemoryError

from .tiny_gguf import CHATML

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]


def test_chatml_renders_with_generation_prompt() -> None:
    text = render_chat(CHATML, MESSAGES)
    assert text == (
        "<|im_start|>system\nBe brief.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )


@pytest.mark.parametrize(
    ("template", "messages", "fragment"),
    [
        (None, MESSAGES, "no chat template"),
        ("{% for m in messages %}{{ m.content ", MESSAGES, "failed to render"),
        ("{{ raise_exception('roles must alternate') }}", MESSAGES, "roles must alternate"),
        (CHATML, [], "at least one message"),
        (CHATML, [{"role": "user"}], "'role' and 'content'"),
    ],
)
def test_chat_template_problems_are_clear(
    template: str | None, messages: list, fragment: str
) -> None:
    with pytest.raises(ChatTemplateError, match=fragment):
        render_chat(template, messages)


def test_check_gguf_accepts_a_real_model(tiny_model: Path) -> None:
    header = gguf_file.check_gguf(tiny_model)
    assert header.version == 3 and header.n_tensors == 2 + 2 * 9


def _with_counts(src: Path, dst: Path, n_tensors: int, n_kv: int) -> Path:
    data = bytearray(src.read_bytes())
    data[8:24] = struct.pack("<QQ", n_tensors, n_kv)
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda d, src: d / "missing.gguf", "not found"),
        (lambda d, src: d, "is a directory"),
        (lambda d, src: _write(d / "empty.gguf", b""), "not a GGUF"),
        (lambda d, src: _write(d / "text.gguf", b"hello world, not a model at all"), "not a GGUF"),
        (lambda d, src: _write(d / "short.gguf", b"GGUF\x03\x00"), "truncated"),
        (lambda d, src: _write(d / "v9.gguf", b"GGUF" + struct.pack("<IQQ", 9, 1, 1)), "version 9"),
        (lambda d, src: _with_counts(src, d / "absurd.gguf", 2**60, 3), "cannot fit"),
    ],
)
def test_check_gguf_rejects_bad_files(
    tmp_path: Path, tiny_model: Path, make, fragment: str
) -> None:
    with pytest.raises(ModelLoadError, match=fragment):
        gguf_file.check_gguf(make(tmp_path, tiny_model))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_memory_check(tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gguf_file, "available_memory_bytes", lambda: 10 * 2**20)
    with pytest.raises(NotEnoughMemoryError, match="not enough memory"):
        gguf_file.check_memory(tiny_model, 2048)
    monkeypatch.setattr(gguf_file, "available_memory_bytes", lambda: 64 * 2**30)
    gguf_file.check_memory(tiny_model, 2048)


def test_sha256_is_cached(tiny_model: Path) -> None:
    import hashlib

    expected = hashlib.sha256(tiny_model.read_bytes()).hexdigest()
    assert gguf_file.file_sha256(tiny_model) == expected
    assert gguf_file.file_sha256(tiny_model) == expected  # second time from the cache


def test_replies_cannot_smuggle_code() -> None:
    import os
    import pickle

    import numpy as np

    from tutor.runtime.protocol import Reply, load_reply
    from tutor.runtime.types import TokenPiece

    good = Reply(3, "ok", [TokenPiece(1, b"a"), np.arange(4, dtype=np.float32)])
    back = load_reply(pickle.dumps(good))
    assert back.payload[0] == TokenPiece(1, b"a") and back.payload[1].tolist() == [0, 1, 2, 3]

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, ("echo pwned",))

    with pytest.raises(pickle.UnpicklingError, match="unexpected object"):
        load_reply(pickle.dumps(Reply(3, "ok", Evil())))
