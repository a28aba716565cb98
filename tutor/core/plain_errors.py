"""Pydantic's validation errors as sentences an instructor understands.

Every untrusted file checked with pydantic (quizzes, ``pack.toml``, demo blocks, import files)
reports its problems through :func:`plain_error`, so a mistake reads the same wherever it is:
``question 'x': choice 2 'text' must be text (a quoted string)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tutor.core.untrusted import SLUG_RULE

# Lists whose length limits are stated as a range ("needs 2 to 8 entries").
LIST_RANGES = {"choices": (2, 8), "items": (2, 8)}

_SINGULAR = {
    "questions": "question",
    "choices": "choice",
    "items": "item",
    "blanks": "blank",
    "answers": "answer",
    "tags": "tag",
    "authors": "author",
    "lessons": "lesson",
}
_TYPE_WORDS = {
    "string_type": "must be text (a quoted string)",
    "bool_type": "must be true or false",
    "float_type": "must be a number",
    "int_type": "must be a whole number",
    "list_type": "must be a list [...]",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "finite_number": "must be a finite number",
}


def where(loc: Sequence[str | int]) -> str:
    """A location such as ('choices', 1, 'text') in words: "choice 2 'text'"."""
    words: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            previous = loc[i - 1] if i else None
            if isinstance(previous, str) and words:
                words.pop()  # "'choices' 2" reads better as "choice 2"
            name = _SINGULAR.get(previous, "entry") if isinstance(previous, str) else "answer"
            words.append(f"{name} {part + 1}")
        else:
            words.append(f"'{part}'")
    return " ".join(words)


def plain_error(error: Any, *, union_types: Sequence[str] = ()) -> str:
    """One pydantic error as a sentence; ``union_types`` names the choices of a tagged union."""
    kind, loc, ctx = error["type"], tuple(error["loc"]), error.get("ctx") or {}
    if kind == "missing":
        return _prefixed(loc[:-1], f"missing key '{loc[-1]}'")
    if kind == "extra_forbidden":
        return _prefixed(loc[:-1], f"unknown key '{loc[-1]}'")
    if kind == "union_tag_not_found":
        return f"missing key 'type' (one of: {', '.join(union_types)})"
    if kind == "union_tag_invalid":
        return f"unknown type {ctx.get('tag')!r} (expected one of: {', '.join(union_types)})"
    if kind in ("too_short", "too_long"):
        return _length_message(loc, ctx)
    if kind == "string_pattern_mismatch":
        return f"{where(loc)} must be a slug: {SLUG_RULE} (like 'next-token')"
    if kind == "literal_error":
        return f"{where(loc)} must be one of {ctx.get('expected', '')}"
    if kind in _BOUNDS:
        return f"{where(loc)} must be {_BOUNDS[kind]} {ctx.get(_BOUND_KEY[kind])}"
    if kind == "value_error":
        return f"{where(loc)} {error['msg'].removeprefix('Value error, ')}".strip()
    words = _TYPE_WORDS.get(kind, str(error["msg"]).lower())
    return f"{where(loc)} {words}".strip()


_BOUNDS = {
    "greater_than": "greater than",
    "greater_than_equal": "at least",
    "less_than": "less than",
    "less_than_equal": "at most",
}
_BOUND_KEY = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt"} | {
    "less_than_equal": "le"
}


def _prefixed(loc: Sequence[str | int], message: str) -> str:
    """`message`, preceded by where it applies when that is not the whole file or question."""
    place = where(loc)
    return f"{place}: {message}" if place else message


def _length_message(loc: Sequence[str | int], ctx: dict[str, Any]) -> str:
    """How many entries a list needs, and how many it has."""
    low, high = ctx.get("min_length"), ctx.get("max_length")
    found = ctx.get("actual_length")
    key = loc[-1] if loc else None
    if isinstance(key, str) and key in LIST_RANGES:
        least, most = LIST_RANGES[key]
        need = f"needs {least} to {most} entries"
    elif low is not None:
        need = f"needs at least {low} {'entry' if low == 1 else 'entries'}"
    else:
        need = f"may have at most {high} entries"
    return f"{where(loc) or 'the file'} {need} (found {found})"
