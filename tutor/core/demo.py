"""Live-demo blocks in lessons: what a ```demo block may say, checked before anything runs.

A lesson marks where a live instrument fits with a fenced block whose info string is ``demo``
and whose body is TOML (format in docs/pack-format.md, "Live-demo hooks")::

    ```demo
    kind = "sampling"
    prompt = "The cat sat on the"
    temperature = 1.5
    expect_top = [" mat"]
    ```

The block is untrusted (an instructor wrote it), so :class:`DemoSpec` refuses unknown keys,
unknown kinds and settings out of range, and every problem names the file and the line. A demo
also has a plain command that does the same thing without the full-screen UI
(:func:`plain_command`), shown by ``llm-tutor read`` and usable with a screen reader.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from tutor.core.demo_block import DemoBlock
from tutor.core.errors import PackError, Problem
from tutor.core.plain_errors import plain_error
from tutor.core.sanitize import clean_text
from tutor.core.untrusted import TomlProblem, key_line, parse_toml

DemoKind = Literal[
    "tokens",
    "next-token",
    "sampling",
    "generation",
    "prompting",
    "attention",
    "embeddings",
    "lens",
    "rlhf",
]
DEMO_KINDS: tuple[str, ...] = DemoKind.__args__  # type: ignore[attr-defined]
MAX_DEMO_TOKENS = 512

# Author text is shown on screen: control characters become visible pictures at load time.
Clean = Annotated[str, AfterValidator(clean_text)]


def _probability(value: float) -> float:
    """A probability an expectation compares with: 0..1."""
    if not 0.0 <= value <= 1.0:
        raise ValueError("must be a probability between 0 and 1")
    return value


class DemoSpec(BaseModel):
    """One demo block, validated: the instrument, its starting text and settings, and what the
    lesson expects the model to show (the expectations are checked against the real model by
    the course tests, so a lesson never promises what the model does not do)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)

    kind: DemoKind
    prompt: Clean = ""
    predict: bool = False  # ask the learner to guess before the model answers
    system: Clean = ""  # a system prompt, for chat-style demos
    items: list[Clean] = Field(default_factory=list, max_length=64)  # embeddings: words
    # Sampler settings (llama.cpp's meaning); None: the instrument's default.
    temperature: float | None = Field(None, ge=0, le=10)
    top_k: int | None = Field(None, ge=0)
    top_p: float | None = Field(None, gt=0, le=1)
    min_p: float | None = Field(None, ge=0, le=1)
    repeat_penalty: float | None = Field(None, gt=0, le=10)
    seed: int | None = Field(None, ge=0, lt=2**32)
    max_tokens: int | None = Field(None, ge=1, le=MAX_DEMO_TOKENS)
    layer: int | None = Field(None, ge=0)
    head: int | None = Field(None, ge=0)
    # Expectations: what the lesson says the model will show.
    expect_top: list[Clean] = Field(default_factory=list)
    expect_top_n: int = Field(5, ge=1, le=100)
    expect_not_top: list[Clean] = Field(default_factory=list)
    expect_prob_above: dict[Clean, Annotated[float, AfterValidator(_probability)]] = Field(
        default_factory=dict
    )
    expect_prob_below: dict[Clean, Annotated[float, AfterValidator(_probability)]] = Field(
        default_factory=dict
    )
    expect_tokens: int | None = Field(None, ge=1)
    expect_split: list[Clean] = Field(default_factory=list)
    expect_closer: list[Clean] = Field(default_factory=list)
    expect_text: Clean | None = None
    expect_attends: list[Clean] = Field(default_factory=list)  # [query, key] at layer/head

    @model_validator(mode="after")
    def _closer_is_a_pair(self) -> DemoSpec:
        """``expect_closer = [a, b]``: a pair, "a is closer to the prompt's item than b"."""
        if "expect_closer" in self.model_fields_set and len(self.expect_closer) != 2:
            raise ValueError(
                f"'expect_closer' needs exactly 2 items (found {len(self.expect_closer)})"
            )
        return self

    @model_validator(mode="after")
    def _attends_names_a_head(self) -> DemoSpec:
        """``expect_attends = [query, key]``: a pair, checked in the block's layer and head."""
        if "expect_attends" not in self.model_fields_set:
            return self
        if len(self.expect_attends) != 2:
            raise ValueError(
                f"'expect_attends' needs exactly 2 tokens (found {len(self.expect_attends)})"
            )
        if self.layer is None or self.head is None:
            raise ValueError("'expect_attends' needs the block's 'layer' and 'head'")
        return self

    def __hash__(self) -> int:
        """Hashable although it holds lists (a lesson, and its demos, may be a dict key)."""
        return hash(self.model_dump_json())

    def sampling_settings(self) -> dict[str, float | int]:
        """The sampler settings this block sets, by name (unset ones left out)."""
        names = ("temperature", "top_k", "top_p", "min_p", "repeat_penalty", "seed")
        found = {name: getattr(self, name) for name in names}
        return {name: value for name, value in found.items() if value is not None}


@dataclass(frozen=True)
class Demo:
    """A validated demo block: its spec, the line of its opening fence, and ``index``, its
    position among the lesson's demo blocks (0-based, so ``lesson.demos[index]`` is itself)."""

    spec: DemoSpec
    line: int
    index: int


def parse_demos(path: Path, blocks: Iterable[DemoBlock], problems: list[Problem]) -> list[Demo]:
    """The valid blocks among ``blocks`` (found in ``path``), after adding each problem."""
    demos: list[Demo] = []
    for block in blocks:
        spec = parse_demo(path, block.source, block.line, problems)
        if spec is not None:
            demos.append(Demo(spec, block.line, len(demos)))
    return demos


def checked_demos(path: Path, blocks: Iterable[DemoBlock]) -> tuple[Demo, ...]:
    """Every block of a lesson that has passed its pack's check, as a ``Demo``.

    Raises ``PackError`` if a block does not pass after all: it cannot happen unless the
    rules changed without the loader noticing, and then saying so beats a wrong demo.
    """
    problems: list[Problem] = []
    demos = parse_demos(path, blocks, problems)
    if problems:
        raise PackError(problems)
    return tuple(demos)


def parse_demo(path: Path, source: str, line: int, problems: list[Problem]) -> DemoSpec | None:
    """One block's TOML ``source`` (its fence is on ``line``); None after adding its problems."""
    try:
        data = parse_toml(source)
    except TomlProblem as exc:
        problems.append(Problem(path, line + exc.line, f"bad demo block: {exc.message}"))
        return None
    try:
        return DemoSpec.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            key = error["loc"][0] if error["loc"] else None
            inner = key_line(source, key) if isinstance(key, str) else None
            where = line + inner if inner else line
            problems.append(Problem(path, where, f"demo block: {_message(error)}"))
        return None


def _message(error: object) -> str:
    """A demo-block error in words; an unknown kind lists the kinds there are."""
    assert isinstance(error, dict)
    if tuple(error["loc"]) == ("kind",) and error["type"] == "literal_error":
        return f"'kind' must be one of {', '.join(DEMO_KINDS)}"
    return plain_error(error)


# -- the plain command that runs a demo ------------------------------------------------------

_SAMPLING_FLAGS = (
    ("temperature", "--temperature"),
    ("top_k", "--top-k"),
    ("top_p", "--top-p"),
    ("min_p", "--min-p"),
    ("repeat_penalty", "--repeat-penalty"),
    ("seed", "--seed"),
)


def plain_command(spec: DemoSpec) -> list[str]:
    """The ``llm-tutor`` command line (as arguments, unquoted) that runs this demo in a plain
    terminal. :func:`shell_command` gives the same, quoted, to show or paste into a shell."""
    prompt = spec.prompt
    if spec.kind == "tokens":
        return _line("tokens", prompt)
    if spec.kind == "next-token":
        return _line("next", prompt)
    if spec.kind == "sampling":
        return _line("next", prompt, _sampling_flags(spec))
    if spec.kind in ("generation", "prompting"):
        chat = ["--chat"] if spec.kind == "prompting" or spec.system else []
        system = [f"--system={spec.system}"] if spec.system.startswith("-") else []
        system = system or (["--system", spec.system] if spec.system else [])
        limit = ["--max-tokens", str(spec.max_tokens)] if spec.max_tokens is not None else []
        return _line("generate", prompt, [*chat, *system, *_sampling_flags(spec), *limit])
    if spec.kind == "attention":
        return _line("attention", prompt, _head_flags(spec))
    if spec.kind == "embeddings":
        return ["llm-tutor", "embed", *_embedding_items(spec)]
    if spec.kind == "lens":
        return _line("lens", prompt)
    return ["llm-tutor", "prefs", "train"]  # rlhf


def _line(command: str, prompt: str, flags: list[str] | None = None) -> list[str]:
    """``llm-tutor COMMAND PROMPT FLAGS``; a prompt that starts with '-' goes last, after
    ``--``, so it is never read as an option."""
    if prompt.startswith("-"):
        return ["llm-tutor", command, *(flags or []), "--", prompt]
    return ["llm-tutor", command, prompt, *(flags or [])]


def shell_command(spec: DemoSpec) -> str:
    """:func:`plain_command` quoted for a POSIX shell: safe to copy, whatever the prompt says."""
    return shlex.join(plain_command(spec))


def _head_flags(spec: DemoSpec) -> list[str]:
    """``--layer 13 --head 8`` when the block opens on one head (as the instrument does)."""
    flags = ["--layer", str(spec.layer)] if spec.layer is not None else []
    return flags + (["--head", str(spec.head)] if spec.head is not None else [])


def _sampling_flags(spec: DemoSpec) -> list[str]:
    """``--temperature 1.5 --top-k 40 ...`` for the settings the block sets, in chain order."""
    flags: list[str] = []
    for name, flag in _SAMPLING_FLAGS:
        value = getattr(spec, name)
        if value is not None:
            flags += [flag, _number(value)]
    return flags


def _number(value: float | int) -> str:
    """A setting as typed: 1.5, 40, 0.95 (no float noise, no exponent for ordinary values)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _embedding_items(spec: DemoSpec) -> list[str]:
    """The words to compare: ``items``, or the prompt's comma-separated words."""
    if spec.items:
        return list(spec.items)
    return [word.strip() for word in spec.prompt.split(",") if word.strip()]
