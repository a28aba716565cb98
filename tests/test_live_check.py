"""``pack check --live``: every expectation kind passes when true and fails, at its own line,
when false, on a tiny generated GGUF and on the default model; the built-in course holds."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_pack import HAS_DEFAULT_MODEL, failed_lines, started, write_pack
from tests.runtime.tiny_gguf import write_tiny_model
from tutor.core import paths
from tutor.core.demo import parse_demo
from tutor.core.errors import Problem
from tutor.core.pack import load_pack
from tutor.explain.embeddings import cosine_matrix
from tutor.plain.live_check import check_pack_live, run_live_check
from tutor.plain.live_expectations import contains_run
from tutor.runtime.client import ModelClient
from tutor.runtime.types import GenerationSettings


def toml_string(text: str) -> str:
    """A TOML basic string for ``text`` (quotes, backslashes and control characters escaped)."""
    escaped = "".join(
        f"\\u{ord(ch):04x}" if ch in '"\\' or not ch.isprintable() else ch for ch in text
    )
    return f'"{escaped}"'


def rank_of(client: ModelClient, prompt: str, token_id: int) -> int:
    """Where a token ranks after ``prompt`` (1 = most likely)."""
    probs = client.next_token(prompt, top_n=1).probs()
    return int((probs > probs[token_id]).sum()) + 1


def word_ids(client: ModelClient) -> dict[str, int]:
    """The tiny vocabulary's whole-word tokens, by text (" the", " cat", " sat")."""
    ids = {}
    for word in ("the", "cat", "sat"):
        (piece,) = client.tokenize(word, add_special=False)  # SentencePiece adds the space
        ids[piece.text] = piece.id
    return ids


def line_of(root: Path, marker: str) -> int:
    """The line number of the first lesson line containing ``marker``."""
    lines = (root / "lessons" / "01-demo.md").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if marker in line)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelClient]:
    """The tiny random-weight GGUF of the runtime tests (its outputs are byte soup)."""
    folder = tmp_path_factory.mktemp("tiny")
    write_tiny_model(folder / "tiny.gguf", "q8_0")
    client = started(folder / "tiny.gguf", folder)
    yield client
    client.close()


def test_contains_run() -> None:
    assert contains_run(["a", "b", "c"], ["b", "c"])
    assert not contains_run(["a", "b", "c"], ["a", "c"])
    assert not contains_run(["a"], ["a", "b"])


# --- the tiny model: one passing and one failing expectation of each kind -----------------------


def test_next_token_expectations_on_the_tiny_model(tiny: ModelClient, tmp_path: Path) -> None:
    prompt = "cat sat"
    ranked = sorted(word_ids(tiny).items(), key=lambda item: rank_of(tiny, prompt, item[1]))
    first, last = ranked[0][0], ranked[-1][0]
    assert rank_of(tiny, prompt, ranked[0][1]) <= 3 < rank_of(tiny, prompt, ranked[-1][1])
    p_first = float(tiny.next_token(prompt, top_n=1).probs()[ranked[0][1]])
    p = toml_string
    head = f"kind = 'next-token'\nprompt = {p(prompt)}\n"
    blocks = [
        f"{head}expect_top = [{p(first)}]  # pass-top\nexpect_top_n = 3",
        f"{head}expect_top = [{p(last)}]  # fail-top\nexpect_top_n = 3",
        f"{head}expect_not_top = [{p(last)}]  # pass-not\nexpect_top_n = 3",
        f"{head}expect_not_top = [{p(first)}]  # fail-not\nexpect_top_n = 3",
        f"{head}expect_prob_above = {{ {p(first)} = {p_first / 2:.6f} }}  # pass-prob",
        f"{head}expect_prob_above = {{ {p(first)} = {min(1.0, p_first * 1.5 + 0.01):.6f} }}"
        "  # fail-prob",
        f"{head}expect_prob_below = {{ {p(first)} = {min(1.0, p_first * 1.5 + 0.01):.6f} }}"
        "  # pass-below",
        f"{head}expect_prob_below = {{ {p(first)} = {p_first / 2:.6f} }}  # fail-below",
    ]
    root = write_pack(tmp_path / "pack", blocks)
    failures = failed_lines(root, tiny)
    failing = ("fail-top", "fail-not", "fail-prob", "fail-below")
    assert set(failures) == {line_of(root, m) for m in failing}
    assert "not below" in failures[line_of(root, "fail-below")]
    assert "expect_top: not in the top 3" in failures[line_of(root, "fail-top")]
    assert "expectation failed: expect_not_top" in failures[line_of(root, "fail-not")]
    assert "not above" in failures[line_of(root, "fail-prob")]


def test_token_expectations_on_the_tiny_model(tiny: ModelClient, tmp_path: Path) -> None:
    prompt = "the cat sat"
    pieces = [piece.text for piece in tiny.tokenize(prompt, add_special=False)]
    assert len(pieces) >= 2
    run = ", ".join(toml_string(x) for x in pieces[-2:])
    backwards = ", ".join(toml_string(x) for x in reversed(pieces[-2:]))
    blocks = [
        f"kind = 'tokens'\nprompt = {toml_string(prompt)}\nexpect_tokens = {len(pieces)}"
        "  # pass-count",
        f"kind = 'tokens'\nprompt = {toml_string(prompt)}\nexpect_tokens = {len(pieces) + 1}"
        "  # fail-count",
        f"kind = 'tokens'\nprompt = {toml_string(prompt)}\nexpect_split = [{run}]  # pass-split",
        f"kind = 'tokens'\nprompt = {toml_string(prompt)}\nexpect_split = [{backwards}]"
        "  # fail-split",
    ]
    root = write_pack(tmp_path / "pack", blocks)
    failures = failed_lines(root, tiny)
    assert set(failures) == {line_of(root, "fail-count"), line_of(root, "fail-split")}
    assert (
        f"is {len(pieces)} tokens, not {len(pieces) + 1}" in failures[line_of(root, "fail-count")]
    )


def test_text_expectations_on_the_tiny_model(tiny: ModelClient, tmp_path: Path) -> None:
    prompt = "the cat"
    with tiny.generate(prompt, GenerationSettings(temperature=0, max_tokens=6)) as gen:
        for _token in gen:
            pass
    assert gen.result is not None
    greedy = gen.result.text
    assert greedy.strip()
    with tiny.generate(prompt, GenerationSettings(temperature=1.0, seed=7, max_tokens=6)) as gen:
        for _token in gen:
            pass
    assert gen.result is not None
    seeded = gen.result.text
    wrong = "zzz" if not greedy.lstrip().startswith("zzz") else "qqq"
    p = toml_string
    blocks = [
        f"kind = 'sampling'\nprompt = {p(prompt)}\nexpect_text = {p(greedy[:4])}  # pass-greedy",
        f"kind = 'sampling'\nprompt = {p(prompt)}\nexpect_text = {p(wrong)}  # fail-greedy",
        f"kind = 'sampling'\nprompt = {p(prompt)}\ntemperature = 1.0\nseed = 7\ntop_k = 40\n"
        f"top_p = 0.95\nmin_p = 0.05\nexpect_text = {p(seeded[:3] or seeded)}  # pass-seeded",
        f"kind = 'sampling'\nprompt = {p(prompt)}\ntemperature = 1.0\n"
        f"expect_text = {p(greedy[:2])}  # fail-unseeded",
    ]
    root = write_pack(tmp_path / "pack", blocks)
    failures = failed_lines(root, tiny)
    assert set(failures) == {line_of(root, "fail-greedy"), line_of(root, "fail-unseeded")}
    assert "the model wrote" in failures[line_of(root, "fail-greedy")]
    assert "without a seed" in failures[line_of(root, "fail-unseeded")]


# --- the default model --------------------------------------------------------------------------


@pytest.mark.default_model
def test_every_kind_passes_and_fails_on_the_default_model(
    smol: ModelClient, tmp_path: Path
) -> None:
    blocks = [
        'kind = "next-token"\nprompt = "The capital of France is"\nexpect_top = [" Paris"]'
        "  # pass-top\nexpect_top_n = 1",
        'kind = "next-token"\nprompt = "The capital of France is"\nexpect_top = [" London"]'
        "  # fail-top\nexpect_top_n = 1",
        'kind = "next-token"\nprompt = "The capital of France is"\n'
        'expect_prob_above = { " Paris" = 0.5 }  # pass-prob',
        'kind = "next-token"\nprompt = "The capital of France is"\n'
        'expect_prob_above = { " London" = 0.5 }  # fail-prob',
        'kind = "next-token"\nprompt = "The cat sat on the"\nexpect_not_top = [" mat"]  # pass-not',
        'kind = "next-token"\nprompt = "The capital of France is"\n'
        'expect_not_top = [" Paris"]  # fail-not',
        'kind = "tokens"\nprompt = "Unbelievable!"\nexpect_tokens = 4  # pass-count\n'
        'expect_split = ["Un", "belie", "vable"]  # pass-split',
        'kind = "tokens"\nprompt = "Unbelievable!"\nexpect_tokens = 3  # fail-count\n'
        'expect_split = ["Un", "believ", "able"]  # fail-split',
        'kind = "embeddings"\nprompt = "cat"\nitems = ["dog", "car"]\n'
        'expect_closer = ["dog", "car"]  # pass-closer',
        'kind = "embeddings"\nprompt = "cat"\nitems = ["dog", "car"]\n'
        'expect_closer = ["car", "dog"]  # fail-closer',
        'kind = "prompting"\nprompt = "Question: Tom has 3 boxes with 4 apples in each. How many '
        'apples does he have? Answer:"\nexpect_text = "Tom has 3 boxes"  # pass-chat',
        'kind = "generation"\nprompt = "Once upon a time, in a small village,"\n'
        'expect_text = " there lived a dragon"  # fail-text',
    ]
    root = write_pack(tmp_path / "pack", blocks)
    failures = failed_lines(root, smol)
    failing = ("fail-top", "fail-prob", "fail-not", "fail-count", "fail-split", "fail-closer")
    assert set(failures) == {line_of(root, m) for m in (*failing, "fail-text")}
    assert "' Paris' 0.7" in failures[line_of(root, "fail-top")]  # what the model gave
    assert "['Un', 'belie', 'vable', '!']" in failures[line_of(root, "fail-split")]
    assert "there was a wise old wizard" in failures[line_of(root, "fail-text")]


@pytest.mark.default_model
def test_attention_expectations_on_the_default_model(smol: ModelClient, tmp_path: Path) -> None:
    """Layer 13 head 8 links "it" to "cat" (0.79, docs/inside.md); it does not link it to "mat"."""
    sentence = 'kind = "attention"\nprompt = "The cat sat on the mat because it was tired."\n'
    blocks = [
        sentence + 'layer = 13\nhead = 8\nexpect_attends = [" it", " cat"]  # pass-attends',
        sentence + 'layer = 13\nhead = 8\nexpect_attends = [" it", " mat"]  # fail-attends',
        sentence + 'layer = 13\nhead = 8\nexpect_attends = [" she", " cat"]  # fail-missing',
        sentence + 'layer = 99\nhead = 8\nexpect_attends = [" it", " cat"]  # fail-layer',
    ]
    root = write_pack(tmp_path / "pack", blocks)
    failures = failed_lines(root, smol)
    assert set(failures) == {
        line_of(root, m) for m in ("fail-attends", "fail-missing", "fail-layer")
    }
    assert (
        "attends most to ' cat', not ' mat': ' cat' 0.79" in failures[line_of(root, "fail-attends")]
    )
    assert "' she' is not one of the prompt's tokens" in failures[line_of(root, "fail-missing")]
    assert "30 layers of 9 heads" in failures[line_of(root, "fail-layer")]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('layer = 1\nhead = 0\nexpect_attends = [" it"]', "needs exactly 2 tokens"),
        ('expect_attends = [" it", " cat"]', "needs the block's 'layer' and 'head'"),
    ],
)
def test_an_attention_expectation_must_name_a_pair_and_a_head(extra: str, message: str) -> None:
    problems: list[Problem] = []
    spec = parse_demo(Path("l.md"), f'kind = "attention"\nprompt = "x"\n{extra}', 3, problems)
    assert spec is None
    assert message in str(problems[0])


@pytest.mark.default_model
def test_the_command_prints_file_line_and_exits_1(tmp_path: Path) -> None:
    if not HAS_DEFAULT_MODEL:
        pytest.skip("the default model is not installed")
    blocks = [
        'kind = "next-token"\nprompt = "The capital of France is"\nexpect_top = [" Paris"]',
        'kind = "next-token"\nprompt = "The capital of France is"\nexpect_top = [" Rome"]\n'
        "expect_top_n = 2",
    ]
    root = write_pack(tmp_path / "pack", blocks)
    out, err = io.StringIO(), io.StringIO()
    assert run_live_check(load_pack(root), None, out, err) == 1
    lesson = root / "lessons" / "01-demo.md"
    assert out.getvalue().startswith(f"{lesson}:{line_of(root, 'Rome')}: expectation failed: ")
    assert "loading the model" in err.getvalue()
    assert "1 of 2 expectation(s) held" in err.getvalue()


@pytest.mark.default_model
def test_the_builtin_course_keeps_its_promises(smol: ModelClient) -> None:
    """Every claim a lesson makes about SmolLM2 holds (what `make test` also runs)."""
    pack = load_pack(paths.builtin_course_dir())
    report = check_pack_live(pack, smol, lambda _message: None)
    assert report.blocks >= 15
    assert not report.failures, "\n".join(str(f) for f in report.failures)


@pytest.mark.default_model
def test_cosine_matrix_is_what_the_check_compares(smol: ModelClient) -> None:
    """The pass case above is a real margin, not a tie."""
    found = smol.embeddings(["cat", "dog", "car"])
    similarity = cosine_matrix(found.vectors)
    assert similarity[0, 1] - similarity[0, 2] > 0.1


def test_a_pack_without_expectations_needs_no_model(tmp_path: Path) -> None:
    root = write_pack(tmp_path / "pack", ['kind = "tokens"\nprompt = "Hello"'])
    out, err = io.StringIO(), io.StringIO()
    assert run_live_check(load_pack(root), "/nonexistent/model.gguf", out, err) == 0
    assert "nothing to run" in out.getvalue()


def test_a_model_that_cannot_load_is_one_clear_line(tmp_path: Path) -> None:
    root = write_pack(tmp_path / "pack", ['kind = "tokens"\nprompt = "Hi"\nexpect_tokens = 1'])
    out, err = io.StringIO(), io.StringIO()
    assert run_live_check(load_pack(root), str(tmp_path / "missing.gguf"), out, err) == 1
    assert "the model could not run: model file not found" in err.getvalue()
    assert out.getvalue() == ""
