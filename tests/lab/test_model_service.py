"""The model service on a real worker (tiny GGUF): a new call cancels the running one, status
follows loading and failure, a crash is recovered by the next call; a second model is its own
worker, made when asked."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from tutor.runtime.client import ModelClient
from tutor.runtime.errors import ModelRuntimeError
from tutor.runtime.types import GenerationSettings
from tutor.ui.model_service import (
    SECOND_MISSING,
    ModelService,
    ServiceStatus,
    installed_second_client,
)


def test_a_new_call_cancels_a_running_generation(tiny: Path) -> None:
    service = ModelService(lambda: ModelClient(tiny, n_ctx=2048, n_threads=1))
    first_token = threading.Event()
    outcome: dict[str, Any] = {}

    def generate() -> None:
        settings = GenerationSettings(max_tokens=2000, seed=1)
        with service.generation("the cat", settings) as gen:
            for _ in gen:
                first_token.set()
            outcome["result"] = gen.result

    thread = threading.Thread(target=generate)
    try:
        thread.start()
        assert first_token.wait(60)
        pieces = service.call(lambda client: client.tokenize("the cat"))
        thread.join(60)
        assert pieces and outcome["result"].finish_reason == "cancelled"
        assert len(outcome["result"].tokens) < 2000
    finally:
        service.close()


def test_status_follows_loading_then_ready(tiny: Path) -> None:
    service = ModelService(lambda: ModelClient(tiny, n_threads=1))
    seen: list[ServiceStatus] = []
    unsubscribe = service.subscribe(seen.append)
    try:
        service.call(lambda client: client.tokenize("a"))
        service.call(lambda client: client.tokenize("b"))
        assert [s.state for s in seen] == ["loading", "ready"]
        assert seen[-1].info is not None and seen[-1].info.n_layers == 2
        unsubscribe()
        service.close()
        assert [s.state for s in seen] == ["loading", "ready"]  # no longer told
    finally:
        service.close()


def test_a_broken_model_fails_with_the_runtime_message(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + os.urandom(200))
    service = ModelService(lambda: ModelClient(broken))
    try:
        service.call(lambda client: client.tokenize("a"))
    except ModelRuntimeError as err:
        assert "broken.gguf" in str(err)
    else:
        raise AssertionError("a broken model loaded")
    assert service.status.state == "failed" and "broken.gguf" in service.status.message


def test_the_second_model_is_its_own_worker_made_only_when_asked(tiny: Path) -> None:
    installed: list[Path] = []  # empty: the second model is not installed (yet)
    service = ModelService(
        lambda: ModelClient(tiny, n_threads=1),
        lambda: ModelClient(installed[0], n_threads=1) if installed else None,
    )
    try:
        assert service.second() is None
        installed.append(tiny)  # pulled while the app runs: the next ask finds it
        second = service.second()
        assert second is not None and service.second() is second
        assert second.status.state == "idle"  # nothing loaded until its first call
        first_ids = service.call(lambda client: [p.id for p in client.tokenize("the cat")])
        second_ids = second.call(lambda client: [p.id for p in client.tokenize("the cat")])
        assert first_ids == second_ids  # the same file, so the same tokens
        assert service.client.pid != second.client.pid  # but two worker processes
        assert service.status.state == second.status.state == "ready"
        second_client = second.client
    finally:
        service.close()
    assert not second_client.running  # closing the app's service stops both


def test_no_second_model_in_an_empty_data_directory() -> None:
    assert installed_second_client() is None  # the suite's LLM_TUTOR_HOME has nothing pulled
    assert "llm-tutor models pull gemma3-270m" in SECOND_MISSING
