"""Hub models the catalog does not pin: pinned at the first pull, recorded, verified, resumed.

The loopback stand-in for the hub (``fake_hub``) resolves a branch to a commit and serves the LFS
sha256 the way the hub does (``X-Repo-Commit``, ``X-Linked-Etag``), so this is the real
huggingface_hub client talking HTTP.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tutor.runtime import cli as models_cli
from tutor.runtime.catalog import (
    CatalogModel,
    downloaded_path,
    lock_file,
    locked_pin,
    read_lock,
)
from tutor.runtime.download import pull
from tutor.runtime.errors import DownloadError, OfflineError

from .fake_hub import FakeHub

COMMIT = "feedfacefeedfacefeedfacefeedfacefeedface"
CONTENT = os.urandom(2 * 2**20 + 77)
SHA = hashlib.sha256(CONTENT).hexdigest()


def _unpinned(revision: str = "") -> CatalogModel:
    return CatalogModel(
        id="floating",
        name="Floating",
        repo="acme/floating-GGUF",
        filename="floating.gguf",
        revision=revision,
        sha256="",
        size=len(CONTENT),
        license="MIT",
        memory_mb=10,
        good_for="tests",
    )


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with FakeHub() as server:
        server.state.refs["acme/floating-GGUF/main"] = COMMIT
        server.state.files[f"acme/floating-GGUF/{COMMIT}/floating.gguf"] = CONTENT
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
        yield server


def test_first_pull_resolves_the_branch_and_records_commit_and_sha(hub: FakeHub) -> None:
    path = pull(_unpinned())
    assert path.read_bytes() == CONTENT
    entry = read_lock()["floating"]
    assert isinstance(entry, dict)
    assert entry["revision"] == COMMIT and entry["sha256"] == SHA
    # The file itself was fetched at the commit, not at the moving branch.
    gets = [p for method, p, _ in hub.state.requests if method == "GET"]
    assert gets and all(COMMIT in p for p in gets)
    lock = locked_pin(_unpinned())
    assert lock is not None and (lock.revision, lock.sha256) == (COMMIT, SHA)


def test_later_pull_keeps_the_recorded_commit_when_the_branch_moves(hub: FakeHub) -> None:
    pull(_unpinned())
    newer = "0" * 40
    hub.state.refs["acme/floating-GGUF/main"] = newer
    hub.state.files[f"acme/floating-GGUF/{newer}/floating.gguf"] = b"something else"
    downloaded_path(_unpinned()).unlink()
    assert pull(_unpinned()).read_bytes() == CONTENT  # still the locked commit's file


def test_verify_checks_against_the_lock(hub: FakeHub, capsys: pytest.CaptureFixture[str]) -> None:
    pull(_unpinned())
    catalog = models_cli.load_catalog()
    models = [*catalog.models, _unpinned()]
    patched = type(catalog)(default=catalog.default, models=models)
    args = models_cli.argparse.Namespace()
    pytest.MonkeyPatch().setattr(models_cli, "load_catalog", lambda: patched)
    try:
        assert models_cli.cmd_verify(args) == 0
        assert "floating: ok" in capsys.readouterr().out
        path = downloaded_path(_unpinned())
        path.write_bytes(CONTENT[:-1] + b"!")  # same size, different bytes
        os.utime(path, ns=(1, 1))  # a fresh mtime key for the hash cache
        assert models_cli.cmd_verify(args) == 1
        assert "floating: MISMATCH" in capsys.readouterr().out
    finally:
        pytest.MonkeyPatch().undo()


def test_an_interrupted_command_resumes_where_it_stopped(hub: FakeHub) -> None:
    hub.state.cut_next_get_at = 2**20
    hub.state.fail_after_cut = True
    with pytest.raises(DownloadError):
        pull(_unpinned())
    assert not downloaded_path(_unpinned()).exists()
    hub.state.broken = False
    hub.state.requests.clear()
    seen: list[int] = []
    assert pull(_unpinned(), progress=lambda done, total: seen.append(done)).read_bytes() == CONTENT
    ranges = [r for method, _, r in hub.state.requests if method == "GET"]
    assert ranges and ranges[0] == f"bytes={2**20}-"  # asked only for what was missing
    assert seen[0] >= 2**20  # the progress starts where the earlier command stopped


def test_offline_without_a_lock_explains(hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(OfflineError, match="offline mode is on"):
        pull(_unpinned())


def test_a_lock_for_another_repo_is_ignored(hub: FakeHub) -> None:
    lock_file().parent.mkdir(parents=True, exist_ok=True)
    lock_file().write_text(
        json.dumps({"models": {"floating": {"repo": "evil/other", "revision": "x", "sha256": SHA}}})
    )
    assert locked_pin(_unpinned()) is None
    assert pull(_unpinned()).read_bytes() == CONTENT


def test_missing_branch_is_a_clear_error(hub: FakeHub) -> None:
    with pytest.raises(DownloadError, match="refused"):
        pull(_unpinned(revision="no-such-branch"))
    assert not Path(downloaded_path(_unpinned())).exists()
