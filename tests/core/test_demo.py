"""Demo blocks: every field of DemoSpec, its ranges, its file:line errors, and plain commands."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tutor.core.demo import DEMO_KINDS, DemoSpec, parse_demo, plain_command, shell_command
from tutor.core.errors import Problem

LESSON = Path("lessons/01-intro.md")


def problems(source: str, line: int = 10) -> list[tuple[int | None, str]]:
    """(line, message) of each problem in a block whose fence is on ``line``."""
    found: list[Problem] = []
    assert parse_demo(LESSON, source, line, found) is None
    return [(p.line, p.message) for p in found]


def spec(source: str) -> DemoSpec:
    found: list[Problem] = []
    result = parse_demo(LESSON, source, 1, found)
    assert found == []
    assert result is not None
    return result


def test_every_field_is_read() -> None:
    source = """\
kind = "sampling"
prompt = "The cat sat on the"
predict = true
system = "Be brief."
items = ["cat", "dog"]
temperature = 1.5
top_k = 40
top_p = 0.95
min_p = 0.05
repeat_penalty = 1.1
seed = 7
max_tokens = 32
layer = 3
head = 2
expect_top = [" mat"]
expect_top_n = 10
expect_not_top = [" moon"]
expect_prob_above = { " mat" = 0.1 }
expect_tokens = 6
expect_split = ["The", " cat"]
expect_closer = ["dog", "car"]
expect_text = " mat"
"""
    demo = spec(source)
    assert demo.kind == "sampling" and demo.predict and demo.system == "Be brief."
    assert (demo.temperature, demo.top_k, demo.top_p, demo.min_p) == (1.5, 40, 0.95, 0.05)
    assert (demo.repeat_penalty, demo.seed, demo.max_tokens) == (1.1, 7, 32)
    assert (demo.layer, demo.head, demo.expect_top_n, demo.expect_tokens) == (3, 2, 10, 6)
    assert demo.expect_prob_above == {" mat": 0.1}
    assert demo.expect_closer == ["dog", "car"] and demo.expect_text == " mat"


def test_defaults() -> None:
    demo = spec('kind = "tokens"')
    assert (demo.prompt, demo.predict, demo.items, demo.temperature) == ("", False, [], None)
    assert demo.expect_top_n == 5 and demo.expect_closer == []


def test_an_integer_is_a_fine_temperature() -> None:
    assert spec('kind = "sampling"\ntemperature = 1').temperature == 1.0


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("temperature = -0.1", "'temperature' must be at least 0"),
        ("top_p = 0.0", "'top_p' must be greater than 0"),
        ("top_p = 1.5", "'top_p' must be at most 1"),
        ("min_p = -0.5", "'min_p' must be at least 0"),
        ("min_p = 1.01", "'min_p' must be at most 1"),
        ("top_k = -1", "'top_k' must be at least 0"),
        ("repeat_penalty = 0.0", "'repeat_penalty' must be greater than 0"),
        ("seed = -3", "'seed' must be at least 0"),
        ("max_tokens = 0", "'max_tokens' must be at least 1"),
        ("max_tokens = 513", "'max_tokens' must be at most 512"),
        ("temperature = nan", "'temperature' must be a finite number"),
        ("temperature = inf", "'temperature' must be a finite number"),
        ("top_k = 4.5", "'top_k' must be a whole number"),
        ("predict = 1", "'predict' must be true or false"),
        ("expect_closer = ['a']", "'expect_closer' needs exactly 2 items (found 1)"),
        ("expect_prob_above = { x = 1.5 }", "'expect_prob_above' 'x' must be a probability"),
        ("expect_prob_below = { x = -0.5 }", "'expect_prob_below' 'x' must be a probability"),
    ],
)
def test_out_of_range_settings_name_their_line(setting: str, message: str) -> None:
    [(line, text)] = problems(f'kind = "sampling"\n{setting}\n')
    assert text.startswith(f"demo block: {message}")
    # The fence is line 10, the block's first line 11, the setting line 12 (expect_closer's
    # error is about the whole block, so it points at the fence).
    assert line == (10 if "expect_closer" in setting else 12)


def test_unknown_key_and_unknown_kind() -> None:
    assert problems('kind = "tokens"\nrun = "rm -rf /"\n') == [
        (12, "demo block: unknown key 'run'")
    ]
    assert problems('kind = "telepathy"\n') == [
        (11, f"demo block: 'kind' must be one of {', '.join(DEMO_KINDS)}")
    ]
    assert problems('prompt = "x"\n') == [(10, "demo block: missing key 'kind'")]


def test_bad_toml_names_its_line() -> None:
    [(line, message)] = problems('kind = "tokens"\nprompt = "unclosed\n')
    assert line == 12 and message.startswith("bad demo block: invalid TOML")


def test_control_characters_in_author_text_become_visible() -> None:
    assert spec('kind = "tokens"\nprompt = "a\\u001b]52;x"').prompt == "a\u241b]52;x"


@pytest.mark.parametrize(
    ("source", "command"),
    [
        ('kind = "tokens"\nprompt = "Hi there"', "llm-tutor tokens 'Hi there'"),
        ('kind = "next-token"\nprompt = "The cat"', "llm-tutor next 'The cat'"),
        (
            'kind = "sampling"\nprompt = "A"\ntemperature = 1.5\ntop_k = 40\nseed = 7',
            "llm-tutor next A --temperature 1.5 --top-k 40 --seed 7",
        ),
        (
            'kind = "sampling"\nprompt = "A"\ntop_p = 0.9\nmin_p = 0.05\nrepeat_penalty = 1.1',
            "llm-tutor next A --top-p 0.9 --min-p 0.05 --repeat-penalty 1.1",
        ),
        ('kind = "generation"\nprompt = "Once"', "llm-tutor generate Once"),
        (
            'kind = "generation"\nprompt = "Hi"\nsystem = "Be kind."',
            "llm-tutor generate Hi --chat --system 'Be kind.'",
        ),
        ('kind = "prompting"\nprompt = "Hi"', "llm-tutor generate Hi --chat"),
        (
            'kind = "generation"\nprompt = "Once"\ntemperature = 0.0\nseed = 3\nmax_tokens = 20',
            "llm-tutor generate Once --temperature 0 --seed 3 --max-tokens 20",
        ),
        ('kind = "next-token"\nprompt = "-5 is"', "llm-tutor next -- '-5 is'"),
        (
            'kind = "prompting"\nprompt = "Hi"\nsystem = "-be brief"',
            "llm-tutor generate Hi --chat '--system=-be brief'",
        ),
        ('kind = "attention"\nprompt = "it was"', "llm-tutor attention 'it was'"),
        (
            'kind = "attention"\nprompt = "it was"\nlayer = 13\nhead = 8',
            "llm-tutor attention 'it was' --layer 13 --head 8",
        ),
        ('kind = "embeddings"\nitems = ["cat", "big dog"]', "llm-tutor embed cat 'big dog'"),
        ('kind = "embeddings"\nprompt = "cat, dog, car"', "llm-tutor embed cat dog car"),
        ('kind = "lens"\nprompt = "Paris is"', "llm-tutor lens 'Paris is'"),
        ('kind = "rlhf"\nprompt = "x"', "llm-tutor prefs train"),
    ],
)
def test_plain_command(source: str, command: str) -> None:
    assert shell_command(spec(source)) == command


def test_plain_command_quotes_whatever_the_prompt_says() -> None:
    demo = spec('kind = "tokens"\nprompt = "$(rm -rf ~); echo \'hi\'"')
    assert plain_command(demo) == ["llm-tutor", "tokens", "$(rm -rf ~); echo 'hi'"]
    assert shlex.split(shell_command(demo)) == plain_command(demo)


def test_every_kind_has_a_command() -> None:
    for kind in DEMO_KINDS:
        assert plain_command(DemoSpec(kind=kind))[0] == "llm-tutor"  # type: ignore[arg-type]


def test_a_spec_is_hashable_like_the_lesson_that_holds_it() -> None:
    first = spec('kind = "embeddings"\nitems = ["a", "b"]\nexpect_prob_above = { a = 0.5 }')
    again = spec('kind = "embeddings"\nitems = ["a", "b"]\nexpect_prob_above = { a = 0.5 }')
    assert hash(first) == hash(again) and {first: 1}[again] == 1
