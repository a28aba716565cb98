"""The model service on a real worker (tiny GGUF): a new call cancels the running one, status
follows loading and failure, and a crash is recovered by the next call."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from tutor.runtime.client import ModelClient
from tutor.runtime.errors import ModelRuntimeError
from tutor.runtime.types import GenerationSettings
from tutor.ui.model_service import ModelService, ServiceStatus


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
