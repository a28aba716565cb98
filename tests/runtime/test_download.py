"""Pulling models from a loopback server that imitates the Hugging Face Hub (HF_ENDPOINT)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator

import pytest

from tutor.runtime.catalog import CatalogModel, downloaded_path
from tutor.runtime.download import pull, remove
from tutor.runtime.errors import ChecksumMismatchError, DownloadError, OfflineError

from .fake_hub import FakeHub

REVISION = "0123456789abcdef0123456789abcdef01234567"
CONTENT = os.urandom(3 * 2**20 + 123)


def _model(sha: str | None = None, revision: str = REVISION) -> CatalogModel:
    return CatalogModel(
        id="fake-model",
        name="Fake",
        repo="acme/fake-GGUF",
        filename="fake.Q4_0.gguf",
        revision=revision,
        sha256=sha if sha is not None else hashlib.sha256(CONTENT).hexdigest(),
        size=len(CONTENT),
        license="MIT",
        memory_mb=10,
        good_for="tests",
    )


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with FakeHub() as server:
        server.state.files[f"acme/fake-GGUF/{REVISION}/fake.Q4_0.gguf"] = CONTENT
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
        yield server


def test_pull_downloads_pinned_revision_with_progress(hub: FakeHub) -> None:
    seen: list[tuple[int, int]] = []
    path = pull(_model(), progress=lambda done, total: seen.append((done, total)))
    assert path == downloaded_path(_model()) and path.read_bytes() == CONTENT
    assert seen and seen[-1] == (len(CONTENT), len(CONTENT))
    assert all(REVISION in p for _, p, _ in hub.state.requests)
    # A second pull finds the intact file and does not touch the network.
    count = len(hub.state.requests)
    assert pull(_model()) == path and len(hub.state.requests) == count


def test_wrong_checksum_is_rejected_and_removed(hub: FakeHub) -> None:
    with pytest.raises(ChecksumMismatchError, match="removed"):
        pull(_model(sha="0" * 64))
    assert not downloaded_path(_model()).exists()


def test_interrupted_transfer_is_retried(hub: FakeHub) -> None:
    hub.state.cut_next_get_at = 2**20
    path = pull(_model())
    assert path.read_bytes() == CONTENT
    assert [method for method, _, _ in hub.state.requests].count("GET") == 2


def test_interrupted_transfer_then_hub_down_fails_clearly(hub: FakeHub) -> None:
    hub.state.cut_next_get_at = 2**20
    hub.state.fail_after_cut = True
    with pytest.raises(DownloadError, match=r"HTTP 500.*again"):
        pull(_model())
    assert not downloaded_path(_model()).exists()
    hub.state.broken = False
    assert pull(_model()).read_bytes() == CONTENT


def test_offline_mode_serves_cached_and_explains_missing(
    hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(OfflineError, match="offline mode is on"):
        pull(_model())
    monkeypatch.delenv("HF_HUB_OFFLINE")
    path = pull(_model())
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hub.state.requests.clear()
    assert pull(_model()) == path and hub.state.requests == []


def test_no_network_is_reported_as_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: connection refused
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with pytest.raises(OfflineError, match="cannot be reached"):
        pull(_model())


def test_remove(hub: FakeHub) -> None:
    pull(_model())
    assert remove(_model()) is True
    assert not downloaded_path(_model()).exists()
    assert remove(_model()) is False


def test_missing_file_on_hub(hub: FakeHub) -> None:
    hub.state.files.clear()
    with pytest.raises(DownloadError, match="refused"):
        pull(_model())
