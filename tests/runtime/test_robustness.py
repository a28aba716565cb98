"""Bad models and dying workers: the app process survives and gets a clear error."""

from __future__ import annotations

import os
import signal
import struct
import time
from pathlib import Path

import pytest

from tutor.core.paths import log_file
from tutor.runtime.client import ModelClient
from tutor.runtime.errors import (
    ChatTemplateError,
    ModelLoadError,
    ModelRuntimeError,
    WorkerCrashedError,
)

from .tiny_gguf import write_tiny_model


def _truncated(src: Path, dst: Path, fraction: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def _corrupt_variants(src: Path, folder: Path) -> dict[str, Path]:
    data = src.read_bytes()
    variants = {
        f"truncated-{f}": _truncated(src, folder / f"trunc-{f}.gguf", f)
        for f in (0.01, 0.3, 0.6, 0.99)
    }
    (folder / "random.gguf").write_bytes(os.urandom(4096))
    variants["random-bytes"] = folder / "random.gguf"
    (folder / "magic.gguf").write_bytes(b"GGUX" + data[4:])
    variants["wrong-magic"] = folder / "magic.gguf"
    for name, counts in {
        "absurd-tensors": (2**62, 3),
        "absurd-kv": (20, 2**62),
        "few-tensors": (3, 23),
    }.items():
        mutated = bytearray(data)
        mutated[8:24] = struct.pack("<QQ", *counts)
        (folder / f"{name}.gguf").write_bytes(bytes(mutated))
        variants[name] = folder / f"{name}.gguf"
    return variants


@pytest.mark.parametrize("precheck", [True, False], ids=["app-precheck", "worker-only"])
def test_corrupt_models_give_clear_errors(tiny_model: Path, tmp_path: Path, precheck: bool) -> None:
    """Each corrupt file fails with a readable message (app or worker side); no crash here."""
    for name, path in _corrupt_variants(tiny_model, tmp_path).items():
        client = ModelClient(path, n_ctx=128, n_threads=1, precheck=precheck)
        with pytest.raises((ModelLoadError, WorkerCrashedError)) as info:
            client.start()
        message = str(info.value)
        assert path.name in message or "GGUF" in message, (name, message)
        assert not client.running
        client.close()


def test_unsupported_architecture(tiny_dir: Path, tmp_path: Path) -> None:
    path = write_tiny_model(tmp_path / "banana.gguf", architecture="banana")
    with pytest.raises(ModelLoadError, match="banana"):
        ModelClient(path, n_ctx=128, n_threads=1).start()


def test_no_chat_template_is_a_clear_error(tmp_path: Path) -> None:
    path = write_tiny_model(tmp_path / "plain.gguf", chat_template=None)
    with ModelClient(path, n_ctx=128, n_threads=1) as client:
        with pytest.raises(ChatTemplateError, match="no chat template"):
            client.next_token([{"role": "user", "content": "hi"}])
        assert client.next_token("plain prompts still work").logits.size > 0


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="not found"):
        ModelClient(tmp_path / "nope.gguf").start()


def test_worker_killed_midway_is_reported_and_restartable(tiny_model: Path) -> None:
    client = ModelClient(tiny_model, n_ctx=256, n_threads=1)
    client.start()
    gen = client.generate("the cat", max_tokens=200, temperature=1.0, seed=0)
    next(gen)
    assert client.pid is not None
    os.kill(client.pid, signal.SIGKILL)
    with pytest.raises(WorkerCrashedError, match="SIGKILL") as info:
        for _ in gen:
            pass
    assert "start the model again" in str(info.value)
    assert not client.running
    # The next call starts a fresh worker; nothing else was lost.
    assert client.tokenize("the")[1].text == " the"
    assert client.running
    client.close()


def test_worker_dies_between_calls(tiny_model: Path) -> None:
    """A worker that died while idle (here of SIGSEGV) is replaced by the next call, which
    answers as if nothing happened (a crash during a call is reported: the test above)."""
    with ModelClient(tiny_model, n_ctx=256, n_threads=1) as client:
        client.start()
        dead = client.pid
        assert dead is not None
        os.kill(dead, signal.SIGSEGV)
        # The signal may land on another of the worker's threads while its main thread still
        # answers: wait until the process is gone (a zombie until the client reaps it).
        wait_for_exit(dead)
        assert client.info().architecture == "llama"
        assert client.pid not in (None, dead)


def wait_for_exit(pid: int, bound: float = 60.0) -> None:
    """Return once ``pid`` has exited (dead or a zombie); fail after ``bound`` seconds."""
    deadline = time.monotonic() + bound
    status = Path(f"/proc/{pid}/status")
    while time.monotonic() < deadline:
        try:
            state = next(x for x in status.read_text().splitlines() if x.startswith("State:"))
        except (FileNotFoundError, ProcessLookupError):
            return
        if "Z" in state.split()[1]:
            return
        time.sleep(0.01)
    pytest.fail(f"worker {pid} still running {bound:.0f} s after SIGSEGV")


def test_llama_log_goes_to_the_log_file_with_levels(tiny_model: Path) -> None:
    # n_ctx above the model's training context makes llama.cpp warn.
    with ModelClient(tiny_model, n_ctx=512, n_threads=1) as client:
        client.start()
    text = log_file().read_text()
    assert "INFO llama.cpp" in text
    warn_lines = [line for line in text.splitlines() if "> n_ctx_train" in line]
    assert warn_lines and all(" WARNING llama.cpp" in line for line in warn_lines), warn_lines


def test_runtime_error_hierarchy() -> None:
    assert issubclass(WorkerCrashedError, ModelRuntimeError)
    assert issubclass(ModelLoadError, ModelRuntimeError)
