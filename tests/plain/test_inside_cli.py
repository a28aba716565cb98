"""``llm-tutor attention / embed / lens`` through the real parser, on a tiny model and SmolLM2."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.runtime.tiny_gguf import write_tiny_model
from tutor.cli import build_parser
from tutor.runtime.catalog import load_catalog, packaged_path

HAVE_DEFAULT = packaged_path(load_catalog().default_model) is not None


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    args = build_parser().parse_args(list(argv))
    code = int(args.func(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(write_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny.gguf", "f32"))


def test_attention_json_shapes(tiny: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "attention", "the cat", "--json", "--model", tiny)
    data = json.loads(out)
    n = len(data["tokens"])
    assert code == 0 and set(data) == {"tokens", "weights"}
    assert (len(data["weights"]), len(data["weights"][0]), len(data["weights"][0][0])) == (2, 4, n)
    assert all(abs(sum(row) - 1) < 1e-4 for row in data["weights"][1][3])
    code, out, _ = run(
        capsys, "attention", "the cat", "--json", "--layer", "1", "--head", "2", "--model", tiny
    )
    one = json.loads(out)
    assert (one["layer"], one["head"]) == (1, 2)
    assert one["weights"] == data["weights"][1][2]


def test_attention_by_hand_json(tiny: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ("attention", "the cat sat", "--by-hand", "--layer", "1", "--head", "3", "--json")
    code, out, _ = run(capsys, *argv, "--model", tiny)
    data = json.loads(out)
    assert code == 0 and data["kv_head"] == 1 and data["query"] == len(data["tokens"]) - 1
    assert set(data["steps"]) == {"q", "keys", "dots", "scaled", "masked", "weights"}
    assert data["max_abs_diff"] < 1e-3


def test_out_of_range_and_too_long(tiny: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "attention", "the cat", "--layer", "2", "--model", tiny)
    assert (
        code == 2
        and out == ""
        and err == "error: layer 2 is out of range: this model has layers 0 to 1\n"
    )
    code, _, err = run(capsys, "attention", "the cat", "--head", "-1", "--model", tiny)
    assert code == 2 and err.count("\n") == 1 and "head -1 is out of range" in err
    code, _, err = run(capsys, "attention", "the " * 300, "--model", tiny)
    assert code == 2 and err.count("\n") == 1 and "up to 256 tokens" in err
    code, _, err = run(capsys, "lens", "the " * 80, "--model", tiny)
    assert code == 2 and "up to 64 tokens" in err


def test_lens_json(tiny: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lens", "the cat", "--json", "--model", tiny)
    data = json.loads(out)
    assert code == 0 and [e["layer"] for e in data["layers"]] == [0, 1]
    assert set(data["layers"][0]["top"][0]) == {"id", "text", "prob"}
    code, out, _ = run(capsys, "lens", "the cat", "--json", "--all", "--model", tiny)
    every = json.loads(out)
    assert len(every["layers"][1]["positions"]) == len(every["tokens"])


@pytest.mark.default_model
@pytest.mark.skipif(not HAVE_DEFAULT, reason="the default model is not installed")
def test_embed_json_on_default_model(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "embed", "cat", "dog", "car", "--json")
    data = json.loads(out)
    assert code == 0 and data["items"] == ["cat", "dog", "car"]
    assert data["representation"].startswith("input embedding")
    sim = data["similarity"]
    assert sim[0][1] > sim[0][2]
    code, out, _ = run(capsys, "embed", "refund policy", "Can I get my money back?")
    assert code == 0 and "layer 15" in out


def test_embed_needs_two_texts(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "embed", "cat", "--model", str(tmp_path / "none.gguf"))
    assert code == 2 and err == "error: give at least two non-empty texts to compare\n"


def test_heatmap_text_keeps_the_last_keys_that_fit() -> None:
    import numpy as np

    from tutor.plain.inside_commands import heatmap_text

    n = 30
    m = np.eye(n)  # each token attends to itself
    text = heatmap_text([f"t{i}" for i in range(n)], m, columns=10)
    lines = text.splitlines()
    assert lines[-1] == "(keys 20 to 29 shown; --json has them all)"
    assert lines[0].rstrip() == "  0 t0"  # its only key (0) is outside the window
    assert lines[29].endswith("  " * 9 + "██") and lines[20].rstrip().endswith("t20 ██")


def test_prompt_from_stdin(
    tiny: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``echo "the cat" | llm-tutor attention -`` is ``llm-tutor attention "the cat"``."""
    _, direct, _ = run(capsys, "lens", "the cat", "--json", "--model", tiny)
    monkeypatch.setattr("sys.stdin", io.StringIO("the cat\n"))
    code, piped, _ = run(capsys, "lens", "-", "--json", "--model", tiny)
    assert code == 0 and json.loads(piped) == json.loads(direct)
    monkeypatch.setattr("sys.stdin", io.StringIO("the cat\n"))
    code, out, _ = run(capsys, "attention", "-", "--json", "--model", tiny)
    assert code == 0 and json.loads(out)["tokens"] == json.loads(direct)["tokens"]
