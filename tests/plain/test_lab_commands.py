"""``llm-tutor tokens / next / generate`` through the real parser: the JSON shapes of
docs/plain.md (exact key sets), standard input, bad input, --help, and the commands
``llm-tutor read`` prints for the lessons' demos; on a tiny GGUF, then a few on SmolLM2."""

from __future__ import annotations

import argparse
import io
import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.runtime.tiny_gguf import write_tiny_model
from tutor.cli import build_parser
from tutor.core import paths
from tutor.core.demo import DemoSpec, plain_command
from tutor.core.pack import load_pack
from tutor.plain import lab
from tutor.plain.lab_generate import cmd_generate
from tutor.plain.lab_next import cmd_next
from tutor.runtime.catalog import load_catalog, packaged_path

HAVE_DEFAULT = packaged_path(load_catalog().default_model) is not None
PIECE_KEYS = {"id", "text", "bytes", "special", "byte_fallback"}
CANDIDATE_KEYS = {"id", "text", "logit", "prob"}
TOKEN_LINE_KEYS = {"index", "id", "text", "prob", "sampled_prob", "alternatives"}
ALTERNATIVE_KEYS = {"id", "text", "prob"}
SUMMARY_KEYS = {
    "done",
    "text",
    "finish_reason",
    "generated_tokens",
    "prompt_tokens",
    "seed",
    "settings",
    "chat",
    "tokens_per_second",
}
SETTINGS_KEYS = {"temperature", "top_k", "top_p", "min_p", "repeat_penalty", "max_tokens"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    args = build_parser().parse_args(list(argv))
    code = int(args.func(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def generate_lines(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "generate", *argv, "--json")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(write_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny.gguf", "f32"))


# -- tokens ------------------------------------------------------------------------------------


def test_tokens_json_shape_and_bytes(tiny: str, capsys: pytest.CaptureFixture[str]) -> None:
    pieces = run_json(capsys, "tokens", "the cat\n", "--model", tiny)
    assert all(set(p) == PIECE_KEYS for p in pieces)
    assert pieces[0]["special"] and pieces[0]["text"] == "<s>"  # the tiny model adds BOS
    assert [p["text"] for p in pieces[1:]] == [" the", " cat", "\n"]
    assert pieces[-1]["byte_fallback"] and pieces[-1]["bytes"] == "0a"
    assert b"".join(bytes.fromhex(p["bytes"]) for p in pieces[1:]) == b" the cat\n"
    control = run_json(capsys, "tokens", "<|im_start|>", "--parse-special", "--model", tiny)
    assert [(p["text"], p["special"]) for p in control] == [("<s>", True), ("<|im_start|>", True)]


def test_tokens_reads_stdin_and_prints_spans(
    tiny: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("the cat\n"))  # echo's newline is dropped
    from_stdin = run_json(capsys, "tokens", "-", "--model", tiny)
    assert [p["text"] for p in from_stdin] == ["<s>", " the", " cat"]
    code, out, _ = run(capsys, "tokens", "the cat", "--model", tiny)
    lines = out.splitlines()
    assert code == 0 and lines[0] == "7 characters, 7 bytes, 3 tokens"
    assert lines[1] == "│<s>│·the│·cat│"
    assert lines[3].split()[:3] == ["0", "1", "<s>"] and lines[3].endswith("(special)")
    assert "20 63 61 74" in lines[5]


# -- next --------------------------------------------------------------------------------------


def test_next_json_plain_softmax(tiny: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "next", "the cat", "--top", "7", "--model", tiny)
    assert set(data) == {"prompt_tokens", "candidates"}
    assert all(set(p) == PIECE_KEYS for p in data["prompt_tokens"])
    assert [p["text"] for p in data["prompt_tokens"]] == ["<s>", " the", " cat"]
    cands = data["candidates"]
    assert len(cands) == 7 and all(set(c) == CANDIDATE_KEYS for c in cands)
    logits = [c["logit"] for c in cands]
    assert logits == sorted(logits, reverse=True)
    # No settings: the plain softmax, so probabilities follow the logits exactly.
    ratio = cands[0]["prob"] / max(cands[1]["prob"], 1e-12)
    assert math.isclose(ratio, math.exp(logits[0] - logits[1]), rel_tol=1e-2)
    assert 0 < sum(c["prob"] for c in cands) <= 1 + 1e-6


def test_next_sampler_settings_and_draws(tiny: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ("next", "the cat", "--top", "6", "--top-k", "3", "--temperature", "2", "--seed", "4")
    data = run_json(capsys, *argv, "--draws", "40", "--model", tiny)
    assert set(data) == {"prompt_tokens", "candidates", "draws"}
    probs = [c["prob"] for c in data["candidates"]]
    assert sum(p > 0 for p in probs) == 3 and probs[3:] == [0, 0, 0]  # removed: 0, listed last
    assert math.isclose(sum(probs), 1, abs_tol=1e-5)
    assert all(set(d) == {"id", "text", "count"} for d in data["draws"])
    assert sum(d["count"] for d in data["draws"]) == 40
    assert {d["id"] for d in data["draws"]} <= {c["id"] for c in data["candidates"][:3]}
    again = run_json(capsys, *argv, "--draws", "40", "--model", tiny)
    assert again["draws"] == data["draws"]  # the same seed draws the same tokens
    greedy = run_json(capsys, "next", "the cat", "--temperature", "0", "--model", tiny)
    assert [c["prob"] for c in greedy["candidates"]][:2] == [1.0, 0.0]


def test_next_human_output_draws_bars(tiny: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "next", "the cat", "--top", "4", "--top-k", "2", "--model", tiny)
    lines = out.splitlines()
    assert code == 0 and lines[0].endswith("sampler settings: top-k 2")
    assert "█" in lines[2] and "✗ top-k" in lines[4] and "✗ top-k" in lines[5]
    assert lines[-1].startswith("2 of 276 tokens left; entropy ")


# -- generate ----------------------------------------------------------------------------------


def test_generate_json_lines(tiny: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ("the cat", "--seed", "5", "--max-tokens", "6", "--top", "3", "--model", tiny)
    lines = generate_lines(capsys, *argv)
    tokens, summary = lines[:-1], lines[-1]
    assert set(summary) == SUMMARY_KEYS and summary["done"] is True
    assert set(summary["settings"]) == SETTINGS_KEYS and summary["settings"]["max_tokens"] == 6
    assert summary["seed"] == 5 and summary["chat"] is False
    assert summary["generated_tokens"] == len(tokens) and summary["prompt_tokens"] == 3
    assert summary["finish_reason"] in ("length", "eos")
    assert all(set(t) == TOKEN_LINE_KEYS for t in tokens)
    assert [t["index"] for t in tokens] == list(range(len(tokens)))
    for t in tokens:
        assert len(t["alternatives"]) == 3
        assert all(set(a) == ALTERNATIVE_KEYS for a in t["alternatives"])
        assert 0 < t["prob"] <= 1 and 0 < t["sampled_prob"] <= 1
    assert "".join(t["text"] for t in tokens) == summary["text"]
    assert generate_lines(capsys, *argv)[-1]["text"] == summary["text"]  # same seed, same text


def test_generate_chat_from_stdin(
    tiny: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("hi\n"))
    argv = ("-", "--system", "be brief", "--max-tokens", "2", "--temperature", "0")
    summary = generate_lines(capsys, *argv, "--model", tiny)[-1]
    # --system implies --chat: the prompt is the template's, much longer than "hi".
    assert summary["chat"] is True and summary["prompt_tokens"] > 10
    code, out, _ = run(
        capsys, "generate", "the cat", "--max-tokens", "3", "--seed", "9", "--model", tiny
    )
    assert code == 0 and out.rstrip().endswith("seed 9: add --seed 9 to get the same text again")
    assert "model p" in out and "█" in out


# -- bad input and help ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("next", "x", "--top-p", "7"), "error: --top-p must be above 0 and at most 1 (got 7)"),
        (("next", "x", "--top", "-1"), "error: --top must be between 1 and 1000 (got -1)"),
        (("next", "x", "--temperature", "-0.5"), "error: --temperature must be between 0 and 10"),
        (("next", "x", "--top-k", "-3"), "error: --top-k must be 0 (off) or more (got -3)"),
        (("next", "x", "--min-p", "nan"), "error: --min-p must be between 0 and 1 (got nan)"),
        (("generate", "x", "--max-tokens", "0"), "error: --max-tokens must be between 1 and"),
        (("generate", "x", "--repeat-penalty", "0"), "error: --repeat-penalty must be above 0"),
        (("next", ""), "error: the prompt is empty"),
        (("generate", "   "), "error: the prompt is empty"),
        (("tokens", ""), "error: the text is empty"),
    ],
)
def test_bad_input_is_one_line(
    argv: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, *argv, "--model", str(tmp_path / "never-loaded.gguf"))
    assert code == 2 and out == "" and err.startswith(message) and err.count("\n") == 1


def test_unknown_model_and_empty_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, "next", "x", "--model", "no-such-model")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith("error: no model called 'no-such-model'")
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    code, _, err = run(capsys, "generate", "-", "--model", "no-such-model")
    assert code == 2 and err.startswith("error: the prompt is empty")


def test_too_long_prompt_is_bad_input(tiny: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "next", "the " * 3000, "--model", tiny)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error: 3002 tokens do not fit in the context of 2048 tokens")


def test_a_closed_pipe_stops_quietly(tiny: str) -> None:
    """``llm-tutor generate ... --json | head -1``: no traceback when the reader goes away."""
    argv = [sys.executable, "-m", "tutor", "generate", "the cat", "--json", "--model", tiny]
    proc = subprocess.Popen(
        [*argv, "--max-tokens", "200"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = json.loads(proc.stdout.readline())
    proc.stdout.close()  # as `head -1` does after its line
    err = proc.stderr.read().decode()
    assert first["index"] == 0 and proc.wait(timeout=60) == 141 and err == ""


@pytest.mark.parametrize("command", ["tokens", "next", "generate"])
def test_help_has_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and "example:" in out and f"llm-tutor {command} " in out
    assert "--json" in out and "--model" in out


# -- the commands `llm-tutor read` prints ------------------------------------------------------


def named(handler: Callable[..., int]) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def runs(args: argparse.Namespace) -> str:
    """The command the parsed arguments run, by name: the parser imports a command's module
    only when it runs (``tutor.plain.common.later``), and ``guard`` wraps it."""
    return named(args.func.__wrapped__)


def test_every_course_demo_command_parses() -> None:
    """Each lab demo of the built-in course prints a command this module runs, options and all."""
    handlers = {"tokens": lab.cmd_tokens, "next": cmd_next, "generate": cmd_generate}
    seen = set()
    for lesson in load_pack(paths.builtin_course_dir()).lessons:
        for demo in lesson.demos:
            argv = plain_command(demo.spec)[1:]
            if argv[0] not in handlers:
                continue
            args = build_parser().parse_args(argv)
            assert runs(args) == named(handlers[argv[0]])
            assert args.prompt if argv[0] != "tokens" else args.text
            seen.add(demo.spec.kind)
    assert seen == {"tokens", "next-token", "sampling", "generation", "prompting"}


def test_demo_settings_reach_the_commands() -> None:
    settings = {"temperature": 1.5, "top_k": 5, "top_p": 0.9, "min_p": 0.05, "repeat_penalty": 1.1}
    sampling = DemoSpec.model_validate({"kind": "sampling", "prompt": "-x", "seed": 3, **settings})
    args = build_parser().parse_args(plain_command(sampling)[1:])
    assert runs(args) == named(cmd_next) and args.prompt == "-x" and args.seed == 3
    assert {k: getattr(args, k) for k in settings} == settings
    chat = DemoSpec.model_validate(
        {"kind": "prompting", "prompt": "Hi", "system": "-be brief", "max_tokens": 9, **settings}
    )
    args = build_parser().parse_args(plain_command(chat)[1:])
    assert (args.chat, args.system, args.max_tokens) == (True, "-be brief", 9)
    assert {k: getattr(args, k) for k in settings} == settings


# -- on the default model ----------------------------------------------------------------------


@pytest.mark.default_model
@pytest.mark.skipif(not HAVE_DEFAULT, reason="the default model is not installed")
def test_next_on_default_model(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "next", "The capital of France is", "--top", "20")
    probs = np.array([c["prob"] for c in data["candidates"]])
    assert data["candidates"][0]["text"] == " Paris" and probs.sum() <= 1 + 1e-6
    assert np.all(np.diff(probs) <= 1e-9)  # best first
    cut = run_json(capsys, "next", "The capital of France is", "--top", "20", "--top-k", "5")
    kept = [c for c in cut["candidates"] if c["prob"] > 0]
    assert len(kept) == 5 and math.isclose(sum(c["prob"] for c in kept), 1, abs_tol=1e-5)
    assert [c["id"] for c in kept] == [c["id"] for c in data["candidates"][:5]]


@pytest.mark.default_model
@pytest.mark.skipif(not HAVE_DEFAULT, reason="the default model is not installed")
def test_generate_seed_repeats_on_default_model(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ("Once upon a time", "--seed", "11", "--max-tokens", "16", "--temperature", "1.2")
    first = generate_lines(capsys, *argv)[-1]
    second = generate_lines(capsys, *argv)[-1]
    assert first["text"] == second["text"] and first["generated_tokens"] >= 1
    assert first["text"].strip()  # real words, not nothing


@pytest.mark.default_model
@pytest.mark.skipif(not HAVE_DEFAULT, reason="the default model is not installed")
def test_read_commands_write_what_the_lessons_promise(capsys: pytest.CaptureFixture[str]) -> None:
    """A generation demo's and a chat demo's (with a system prompt) printed commands, run
    greedily as the lessons say ("at temperature 0 ..."), write what ``expect_text`` promises.
    (``pack check --live`` checks every block; this checks that the commands feed the model
    the same input: two demos, as each run loads the model.)"""
    demos = [
        d.spec for lesson in load_pack(paths.builtin_course_dir()).lessons for d in lesson.demos
    ]
    promised = [s for s in demos if s.expect_text and s.temperature in (None, 0)]
    plain = next(s for s in promised if s.kind == "generation" and not s.system)
    chat = next(s for s in promised if s.kind == "prompting" and s.system)
    for spec in (plain, chat):
        assert spec.expect_text is not None
        _command, *rest = plain_command(spec)[1:]
        limit = [] if spec.max_tokens is not None else ["--max-tokens", "24"]
        summary = generate_lines(capsys, "--temperature", "0", *limit, *rest)[-1]
        assert summary["chat"] is (spec is chat)
        assert summary["text"].lstrip().startswith(spec.expect_text.lstrip()), spec.prompt
