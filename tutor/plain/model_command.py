"""What every plain command that runs the model shares: ``--json``/``--model``, the client,
its text arguments, and one guard so a bad request or a model failure is one clear line, never
a traceback.

Used by ``tutor.plain.lab`` (tokens, next, generate), ``tutor.plain.inside`` (attention,
embed, lens) and ``tutor.plain.prefs`` (score). A prompt declared with :func:`text_argument`
is read (``-``: standard input) and checked by :func:`guard` before the command runs, so no
command can send the model an empty prompt and print an empty answer as if it had one.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from typing import Any

from tutor.runtime.errors import ModelRuntimeError, PromptTooLongError

Handler = Callable[[argparse.Namespace], int]
BAD_INPUT = 2
TEXT_ARGUMENTS = "_text_arguments"  # the parser default listing (dest, allow_blank) pairs


class BadInput(Exception):
    """A request the command cannot run as asked (the message says why)."""


def model_options(parser: argparse.ArgumentParser) -> None:
    """``--json`` and ``--model``, as every model command takes them."""
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--model", metavar="ID|PATH", help="model to use (default: the one in use)")


def text_argument(
    parser: argparse.ArgumentParser, dest: str, what: str, *, allow_blank: bool = False
) -> None:
    """A positional text (``-``: standard input) that :func:`guard` reads and refuses when
    empty (and, unless ``allow_blank``, when only whitespace) before the command runs."""
    parser.add_argument(dest, metavar=dest.upper(), help=f"{what} ('-': standard input)")
    declared = parser.get_default(TEXT_ARGUMENTS) or ()
    parser.set_defaults(**{TEXT_ARGUMENTS: (*declared, (dest, allow_blank))})


def read_text(value: str, *, what: str = "prompt", allow_blank: bool = False) -> str:
    """The argument, or standard input for ``-`` (one final newline dropped, as ``echo`` adds
    one); refuses an empty text (and, unless ``allow_blank``, one of only whitespace)."""
    text = value
    if value == "-":
        text = sys.stdin.read()
        text = text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")
    if text == "" or (not allow_blank and not text.strip()):
        raise BadInput(f"the {what} is empty: give some text (or '-' to read standard input)")
    return text


def _read_texts(args: argparse.Namespace) -> None:
    """Replace each declared text argument by its text, read and checked."""
    for dest, allow_blank in getattr(args, TEXT_ARGUMENTS, ()):
        setattr(args, dest, read_text(getattr(args, dest), what=dest, allow_blank=allow_blank))


def guard(handler: Handler) -> Handler:
    """The command's texts read and checked, then the command; one clear line on stderr and a
    non-zero exit code for anything wrong, never a traceback (a reader that went away, as in
    ``| head -1``, is :func:`tutor.cli.main`'s, which every command path passes through)."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            _read_texts(args)
            return handler(args)
        except (BadInput, PromptTooLongError) as err:
            print(f"error: {err}", file=sys.stderr)
            return BAD_INPUT
        except ModelRuntimeError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130

    return run


def open_client(args: argparse.Namespace) -> Any:
    """The model client ``--model`` names (loaded on first call); the caller closes it."""
    from tutor.runtime.client import ModelClient

    return ModelClient(args.model)
